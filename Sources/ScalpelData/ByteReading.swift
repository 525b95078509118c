import Foundation

/// The file formats the loaders recognise by their first bytes.
enum FileFormat: Equatable {
    case npy, npz, idx, gzip

    /// Recognises a format by its magic bytes; nil when none matches.
    init?(sniffing bytes: UnsafeRawBufferPointer) {
        if bytes.count >= 6, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) {
            self = .npy
        } else if bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4B, (bytes[2] == 3 && bytes[3] == 4) || (bytes[2] == 5 && bytes[3] == 6) {
            self = .npz
        } else if bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B {
            self = .gzip
        } else if bytes.count >= 4, bytes[0] == 0, bytes[1] == 0, IDX.elementKind(code: bytes[2]) != nil, bytes[3] >= 1 {
            self = .idx
        } else {
            return nil
        }
    }
}

/// Reads whole files into memory with `DataError`s that name the path.
enum FileBytes {
    /// The file's bytes; throws `missingFile` or `unreadable`.
    static func contents(of path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError.missingFile(path: path)
        }
        guard !isDirectory.boolValue else {
            throw DataError.unreadable(path: path, reason: "it is a folder; give a .npy, .npz or IDX file")
        }
        // Read straight into the array (Data plus a copy would hold the file twice).
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw DataError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw DataError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let size = Int(info.st_size)
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            while initialized < size {
                let n = read(fd, buffer.baseAddress! + initialized, size - initialized)
                if n < 0, errno == EINTR { continue }
                if n <= 0 {
                    failure = n < 0 ? errno : 0
                    break
                }
                initialized += n
            }
        }
        guard bytes.count == size else {
            throw DataError.unreadable(path: path, reason: failure != 0 ? String(cString: strerror(failure)) : "it shrank while being read")
        }
        return bytes
    }
}

/// The element types found in .npy and IDX files, before they are folded into `NumericArray.Values`.
enum ElementKind: Equatable {
    case bool, uint8, int8, int16, uint16, int32, uint32, int64, uint64, float16, float32, float64

    /// Bytes per element.
    var size: Int {
        switch self {
        case .bool, .uint8, .int8: 1
        case .int16, .uint16, .float16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64: 8
        }
    }

    /// numpy's name for the type.
    var name: String {
        switch self {
        case .bool: "bool"
        case .uint8: "uint8"
        case .int8: "int8"
        case .int16: "int16"
        case .uint16: "uint16"
        case .int32: "int32"
        case .uint32: "uint32"
        case .int64: "int64"
        case .uint64: "uint64"
        case .float16: "float16"
        case .float32: "float32"
        case .float64: "float64"
        }
    }

    /// Decodes `count` elements from the start of `raw` (the caller has checked the length).
    func decode(_ raw: UnsafeRawBufferPointer, count: Int, bigEndian: Bool, path: String) throws -> NumericArray.Values {
        func integers<T: FixedWidthInteger>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                let step = MemoryLayout<T>.size
                for i in 0..<count {
                    let v = raw.loadUnaligned(fromByteOffset: i * step, as: T.self)
                    buffer[i] = bigEndian ? T(bigEndian: v) : T(littleEndian: v)
                }
                initialized = count
            }
        }
        func copied<T>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: raw[0..<count * MemoryLayout<T>.stride]))
                initialized = count
            }
        }
        let native = bigEndian == (1.bigEndian == 1)
        func widened<T: FixedWidthInteger>(_: T.Type) -> NumericArray.Values {
            .int64(integers(T.self).map { Int64(truncatingIfNeeded: $0) })
        }
        switch self {
        case .uint8:
            return .uint8(Array(UnsafeRawBufferPointer(rebasing: raw[0..<count])))
        case .bool:
            return .int64(raw[0..<count].map { $0 == 0 ? 0 : 1 })
        case .int8: return widened(Int8.self)
        case .int16: return widened(Int16.self)
        case .uint16: return widened(UInt16.self)
        case .int32: return widened(Int32.self)
        case .uint32: return widened(UInt32.self)
        case .int64: return .int64(native ? copied(Int64.self) : integers(Int64.self))
        case .uint64:
            let v = integers(UInt64.self)
            guard let big = v.firstIndex(where: { $0 > UInt64(Int64.max) }) else {
                return widened(UInt64.self)
            }
            throw DataError.malformed(path: path, reason: "uint64 element \(big) is \(v[big]), too large for a 64-bit signed integer")
        case .float16:
            return .float32(integers(UInt16.self).map(Self.halfToFloat))
        case .float32:
            return .float32(native ? copied(Float.self) : integers(UInt32.self).map(Float.init(bitPattern:)))
        case .float64:
            return .float64(native ? copied(Double.self) : integers(UInt64.self).map(Double.init(bitPattern:)))
        }
    }

    /// Converts IEEE 754 half-precision bits to a Float (Float16 is unavailable on some hosts).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | (UInt32(exponent + 112) << 23) | (mantissa << 13))
    }
}
