import Foundation
import ScalpelCore

extension NPY {
    /// Encodes `array` as a version 1.0 `.npy` file in its own precision (`<f4`, `<f8`, `|u1` or `<i8`), C order.
    public static func encode(_ array: NumericArray) -> [UInt8] {
        let descr: String
        switch array.values {
        case .float32: descr = "<f4"
        case .float64: descr = "<f8"
        case .uint8: descr = "|u1"
        case .int64: descr = "<i8"
        }
        var bytes = header(descr: descr, shape: array.shape)
        switch array.values {
        case let .float32(v): appendLittleEndian(v.map(\.bitPattern), to: &bytes)
        case let .float64(v): appendLittleEndian(v.map(\.bitPattern), to: &bytes)
        case let .uint8(v): bytes += v
        case let .int64(v): appendLittleEndian(v, to: &bytes)
        }
        return bytes
    }

    /// Encodes float32 `values` of `shape` as a version 1.0 `<f4` `.npy` file; throws when the counts disagree.
    public static func encode(_ values: [Float], shape: [Int]) throws -> [UInt8] {
        try encode(NumericArray(shape: shape, values: .float32(values)))
    }

    /// Writes `array` to `path` as `.npy` atomically (a temporary file beside it, flushed, then renamed over it).
    public static func write(_ array: NumericArray, to path: String) throws {
        do {
            try AtomicFile.write(Data(encode(array)), to: URL(fileURLWithPath: path))
        } catch let error as CoreError {
            if case let .io(_, reason) = error { throw DataError.writeFailed(path: path, reason: reason) }
            throw DataError.writeFailed(path: path, reason: error.description)
        }
    }

    /// Writes float32 `values` of `shape` to `path` as `<f4` `.npy` atomically.
    public static func write(_ values: [Float], shape: [Int], to path: String) throws {
        try write(NumericArray(shape: shape, values: .float32(values)), to: path)
    }

    /// The magic, version and header dictionary, padded with spaces so the data starts on a 64-byte boundary.
    static func header(descr: String, shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }".utf8)
        let fixed = 10
        let padding = (64 - (fixed + dict.count + 1) % 64) % 64
        dict += [UInt8](repeating: 0x20, count: padding) + [0x0A]
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        bytes += [UInt8(dict.count & 0xFF), UInt8(dict.count >> 8)]
        return bytes + dict
    }

    private static func appendLittleEndian<T: FixedWidthInteger>(_ values: [T], to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes += [UInt8](repeating: 0, count: values.count * MemoryLayout<T>.size)
        bytes.withUnsafeMutableBytes { out in
            for (i, v) in values.enumerated() {
                out.storeBytes(of: v.littleEndian, toByteOffset: start + i * MemoryLayout<T>.size, as: T.self)
            }
        }
    }
}
