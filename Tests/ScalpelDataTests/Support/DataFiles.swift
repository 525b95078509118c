import Foundation

/// Builds data files byte by byte, independently of the code under test.
enum DataFiles {
    /// Tests/ScalpelDataTests/Fixtures.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// The repository's examples/ folder.
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples")

    /// The path of a committed fixture.
    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// A fresh temporary folder; `body` gets it and it is removed afterwards.
    static func withTemporaryDirectory<R>(_ body: (URL) throws -> R) throws -> R {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-data-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url)
    }

    /// Writes `bytes` to `name` in `dir`; returns the path.
    @discardableResult
    static func write(_ bytes: [UInt8], _ name: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// A `.npy` file with a hand-written header dictionary (no alignment padding) and `payload`.
    static func npy(descr: String, shape: String, fortran: Bool = false, version: UInt8 = 1, payload: [UInt8]) -> [UInt8] {
        let dict = Array("{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }\n".utf8)
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]  // \x93NUMPY, version
        out += version == 1 ? le(UInt16(dict.count)) : le(UInt32(dict.count))
        return out + dict + payload
    }

    /// An IDX file: magic 0x0000TTDD, big-endian dimensions, then `payload`.
    static func idx(type: UInt8, shape: [Int], payload: [UInt8]) -> [UInt8] {
        [0, 0, type, UInt8(shape.count)] + shape.flatMap { be(UInt32($0)) } + payload
    }

    /// Little-endian bytes of integers.
    static func le<T: FixedWidthInteger>(_ values: T...) -> [UInt8] { le(values) }

    /// Little-endian bytes of integers.
    static func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { v in (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: v >> ($0 * 8)) } }
    }

    /// Big-endian bytes of integers.
    static func be<T: FixedWidthInteger>(_ values: T...) -> [UInt8] {
        values.flatMap { v in (0..<MemoryLayout<T>.size).reversed().map { UInt8(truncatingIfNeeded: v >> ($0 * 8)) } }
    }

    /// Little-endian float32 bytes.
    static func f32(_ values: [Float]) -> [UInt8] { le(values.map(\.bitPattern)) }

    /// A zip archive of STORED members, optionally with every size and offset moved to zip64 fields.
    static func zip(_ members: [(name: String, data: [UInt8])], zip64: Bool = false, method: UInt16 = 0, crcOverride: UInt32? = nil) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for (name, data) in members {
            let offset = out.count
            let crc = crcOverride ?? crc32(data)
            let nameBytes = Array(name.utf8)
            out += le(UInt32(0x0403_4B50)) + le(UInt16(20), 0, method, 0, 0x21)
            out += le(crc, UInt32(data.count), UInt32(data.count)) + le(UInt16(nameBytes.count), 0)
            out += nameBytes + data
            let full: UInt32 = 0xFFFF_FFFF
            let extra = zip64 ? le(UInt16(1), 24) + le(UInt64(data.count), UInt64(data.count), UInt64(offset)) : []
            central += le(UInt32(0x0201_4B50)) + le(UInt16(20), 20, 0, method, 0, 0x21)
            central += le(crc, zip64 ? full : UInt32(data.count), zip64 ? full : UInt32(data.count))
            central += le(UInt16(nameBytes.count), UInt16(extra.count), 0, 0, 0) + le(UInt32(0), zip64 ? full : UInt32(offset))
            central += nameBytes + extra
        }
        let centralOffset = out.count
        out += central
        if zip64 {
            let record = out.count
            out += le(UInt32(0x0606_4B50)) + le(UInt64(44)) + le(UInt16(45), 45) + le(UInt32(0), 0)
            out += le(UInt64(members.count), UInt64(members.count), UInt64(central.count), UInt64(centralOffset))
            out += le(UInt32(0x0706_4B50), 0) + le(UInt64(record)) + le(UInt32(1))
            out += le(UInt32(0x0605_4B50)) + le(UInt16(0), 0, 0xFFFF, 0xFFFF) + le(UInt32(0xFFFF_FFFF), 0xFFFF_FFFF) + le(UInt16(0))
        } else {
            out += le(UInt32(0x0605_4B50)) + le(UInt16(0), 0, UInt16(members.count), UInt16(members.count))
            out += le(UInt32(central.count), UInt32(centralOffset)) + le(UInt16(0))
        }
        return out
    }

    /// CRC-32 (IEEE), bit by bit.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
