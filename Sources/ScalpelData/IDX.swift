/// Reads MNIST-style IDX files (`train-images-idx3-ubyte`…): magic `0x0000TTDD`, big-endian dimensions and data.
///
/// Element types: `0x08` uint8, `0x09` int8, `0x0B` int16, `0x0C` int32, `0x0D` float32, `0x0E` float64.
/// Gzipped files (`….gz`, as MNIST is distributed) are decompressed first.
public enum IDX {
    /// Reads the array in the IDX file (or gzipped IDX file) at `path`.
    public static func read(path: String) throws -> NumericArray {
        let bytes = try FileBytes.contents(of: path)
        let isGzip = bytes.withUnsafeBytes { FileFormat(sniffing: $0) } == .gzip
        return try decode(isGzip ? bytes.withUnsafeBytes { try Inflate.gunzip($0, source: path) } : bytes, source: path)
    }

    /// Decodes the bytes of an (uncompressed) IDX file; `source` names the file in errors.
    public static func decode(_ bytes: [UInt8], source: String) throws -> NumericArray {
        try bytes.withUnsafeBytes { raw in
            guard raw.count >= 4, raw[0] == 0, raw[1] == 0, raw[3] >= 1 else {
                throw raw.count < 4
                    ? DataError.truncated(path: source, detail: "it ends inside the IDX magic number")
                    : DataError.malformed(path: source, reason: "it does not start with an IDX magic number 0x0000TTDD")
            }
            guard let kind = elementKind(code: raw[2]) else {
                throw DataError.unsupportedDType(path: source, dtype: "IDX type 0x" + String(raw[2], radix: 16))
            }
            let rank = Int(raw[3])
            let dataStart = 4 + 4 * rank
            guard raw.count >= dataStart else {
                throw DataError.truncated(path: source, detail: "it ends inside the \(rank) IDX dimensions")
            }
            let shape = (0..<rank).map { Int(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4 + 4 * $0, as: UInt32.self))) }
            let (count, overflow) = shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            let byteCount = count.multipliedReportingOverflow(by: kind.size)
            guard !overflow, !byteCount.overflow else {
                throw DataError.malformed(path: source, reason: "the shape \(DataError.format(shape)) is impossible")
            }
            guard raw.count - dataStart >= byteCount.partialValue else {
                throw DataError.truncated(path: source, detail: "shape \(DataError.format(shape)) of \(kind.name) needs \(byteCount.partialValue) bytes of data but \(raw.count - dataStart) follow the header")
            }
            let body = UnsafeRawBufferPointer(rebasing: raw[dataStart...])
            let values = try kind.decode(body, count: count, bigEndian: true, path: source)
            return NumericArray(checkedShape: shape, values: values, dtype: kind.name)
        }
    }

    /// The element type for an IDX type code, nil for codes IDX does not define.
    static func elementKind(code: UInt8) -> ElementKind? {
        switch code {
        case 0x08: .uint8
        case 0x09: .int8
        case 0x0B: .int16
        case 0x0C: .int32
        case 0x0D: .float32
        case 0x0E: .float64
        default: nil
        }
    }
}
