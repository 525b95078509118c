/// A numpy `.npz` archive (a zip of `.npy` members, from `np.savez` or `np.savez_compressed`), read by key.
///
/// Keys are member names without `.npy` (`x.npy` → `x`). Stored and deflated members are read;
/// zip64 sizes and offsets are understood; every member's CRC-32 is checked.
public struct NPZ: Sendable {
    /// The file the archive came from (used in error messages).
    public let path: String
    /// The keys of the members, in archive order.
    public let keys: [String]
    private let bytes: [UInt8]
    private let members: [String: Member]

    private struct Member: Sendable {
        var name: String
        var method: Int
        var flags: Int
        var crc: UInt32
        var compressedSize: Int
        var size: Int
        var localHeaderOffset: Int
    }

    /// Reads the archive at `path` and its directory; members are decoded when asked for.
    public init(path: String) throws {
        try self.init(bytes: FileBytes.contents(of: path), source: path)
    }

    /// Parses archive `bytes`; `source` names the file in errors.
    public init(bytes: [UInt8], source: String) throws {
        self.path = source
        self.bytes = bytes
        let entries = try bytes.withUnsafeBytes { try Self.centralDirectory($0, source: source) }
        var members: [String: Member] = [:]
        var keys: [String] = []
        for entry in entries where !entry.name.hasSuffix("/") {
            let key = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
            if members[key] == nil { keys.append(key) }
            members[key] = entry
        }
        self.keys = keys
        self.members = members
    }

    /// Reads every array in the `.npz` file at `path`, by key.
    public static func read(path: String) throws -> [String: NumericArray] {
        let archive = try NPZ(path: path)
        var arrays: [String: NumericArray] = [:]
        for key in archive.keys { arrays[key] = try archive.array(key) }
        return arrays
    }

    /// Whether the archive has a member for `key`.
    public func contains(_ key: String) -> Bool { members[key] != nil }

    /// Decodes the array stored under `key`; throws `missingArray` when there is none.
    public func array(_ key: String) throws -> NumericArray {
        guard let member = members[key] else {
            throw DataError.missingArray(path: path, tried: [key], available: keys)
        }
        let source = "\(path)[\(member.name)]"
        return try bytes.withUnsafeBytes { raw in
            let data = try memberData(member, raw, source: source)
            return try data.withBytes(raw) { try NPY.decode($0, source: source) }
        }
    }

    /// A member's uncompressed bytes: a range of the archive (stored) or a new buffer (deflated).
    private enum MemberBytes {
        case slice(Range<Int>)
        case owned([UInt8])

        func withBytes<R>(_ raw: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            switch self {
            case let .slice(range): try body(UnsafeRawBufferPointer(rebasing: raw[range]))
            case let .owned(bytes): try bytes.withUnsafeBytes(body)
            }
        }
    }

    /// The uncompressed bytes of `member`, CRC-checked.
    private func memberData(_ member: Member, _ raw: UnsafeRawBufferPointer, source: String) throws -> MemberBytes {
        guard member.flags & 1 == 0 else {
            throw DataError.malformed(path: path, reason: "member '\(member.name)' is encrypted")
        }
        let offset = member.localHeaderOffset
        guard offset <= raw.count - 30 else { throw truncated(member) }
        guard Self.u32(raw, offset) == 0x0403_4B50 else {
            throw DataError.malformed(path: path, reason: "the local header of member '\(member.name)' is missing")
        }
        let nameLength = Int(Self.u16(raw, offset + 26))
        let extraLength = Int(Self.u16(raw, offset + 28))
        let start = offset + 30 + nameLength + extraLength
        guard start <= raw.count, member.compressedSize <= raw.count - start else { throw truncated(member) }
        let stored = UnsafeRawBufferPointer(rebasing: raw[start..<(start + member.compressedSize)])
        let result: MemberBytes
        switch member.method {
        case 0:
            guard member.compressedSize == member.size else {
                throw DataError.malformed(path: path, reason: "stored member '\(member.name)' has two different sizes")
            }
            result = .slice(start..<(start + member.size))
        case 8:
            let (output, _) = try Inflate.inflate(stored, limit: member.size, source: source)
            guard output.count == member.size else {
                throw DataError.malformed(path: path, reason: "member '\(member.name)' inflates to \(output.count) bytes, not the \(member.size) announced")
            }
            result = .owned(output)
        default:
            throw DataError.unsupportedCompression(path: path, member: member.name, method: member.method)
        }
        let crc = result.withBytes(raw) { Inflate.crc32($0) }
        guard crc == member.crc else {
            throw DataError.malformed(path: path, reason: "member '\(member.name)' fails its CRC-32 check (corrupt copy?)")
        }
        return result
    }

    private func truncated(_ member: Member) -> DataError {
        .truncated(path: path, detail: "member '\(member.name)' runs past the end of the file")
    }

    /// Reads the end-of-central-directory record (zip64 when present) and every directory entry.
    private static func centralDirectory(_ raw: UnsafeRawBufferPointer, source: String) throws -> [Member] {
        guard raw.count >= 22 else {
            throw DataError.truncated(path: source, detail: "it is too short to be a zip archive")
        }
        let lowest = max(0, raw.count - 22 - 0xFFFF)
        var end = raw.count - 22
        while end >= lowest, u32(raw, end) != 0x0605_4B50 { end -= 1 }
        guard end >= lowest else {
            throw DataError.truncated(path: source, detail: "the zip directory at its end is missing")
        }
        var entryCount = Int(u16(raw, end + 10))
        var directorySize = Int(u32(raw, end + 12))
        var directoryOffset = Int(u32(raw, end + 16))
        if end >= 20, u32(raw, end - 20) == 0x0706_4B50 {
            let record = u64(raw, end - 12)
            guard record >= 0, record <= raw.count - 56, u32(raw, record) == 0x0606_4B50 else {
                throw DataError.malformed(path: source, reason: "the zip64 directory record is missing")
            }
            entryCount = u64(raw, record + 32)
            directorySize = u64(raw, record + 40)
            directoryOffset = u64(raw, record + 48)
        }
        guard directoryOffset >= 0, directorySize >= 0, directoryOffset <= raw.count, directorySize <= raw.count - directoryOffset else {
            throw DataError.truncated(path: source, detail: "the zip directory points past the end of the file")
        }
        var members: [Member] = []
        var p = directoryOffset
        for _ in 0..<max(0, entryCount) {
            guard p <= raw.count - 46, u32(raw, p) == 0x0201_4B50 else {
                throw DataError.malformed(path: source, reason: "zip directory entry \(members.count) is broken")
            }
            let nameLength = Int(u16(raw, p + 28))
            let extraLength = Int(u16(raw, p + 30))
            let commentLength = Int(u16(raw, p + 32))
            let next = p + 46 + nameLength + extraLength + commentLength
            guard next <= raw.count else {
                throw DataError.truncated(path: source, detail: "the zip directory is cut short")
            }
            var member = Member(
                name: String(decoding: raw[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self),
                method: Int(u16(raw, p + 10)), flags: Int(u16(raw, p + 8)), crc: u32(raw, p + 16),
                compressedSize: Int(u32(raw, p + 20)), size: Int(u32(raw, p + 24)),
                localHeaderOffset: Int(u32(raw, p + 42)))
            try applyZip64(&member, raw, extra: (p + 46 + nameLength)..<(p + 46 + nameLength + extraLength), source: source)
            members.append(member)
            p = next
        }
        return members
    }

    /// Replaces 0xFFFFFFFF sizes and offsets with the 64-bit values of the zip64 extra field.
    private static func applyZip64(_ member: inout Member, _ raw: UnsafeRawBufferPointer, extra: Range<Int>, source: String) throws {
        let full = 0xFFFF_FFFF
        guard member.size == full || member.compressedSize == full || member.localHeaderOffset == full else { return }
        var p = extra.lowerBound
        while p + 4 <= extra.upperBound {
            let id = u16(raw, p)
            let length = Int(u16(raw, p + 2))
            if id == 1 {
                var q = p + 4
                func take() throws -> Int {
                    guard q + 8 <= p + 4 + length else {
                        throw DataError.malformed(path: source, reason: "the zip64 field of member '\(member.name)' is short")
                    }
                    defer { q += 8 }
                    return u64(raw, q)
                }
                if member.size == full { member.size = try take() }
                if member.compressedSize == full { member.compressedSize = try take() }
                if member.localHeaderOffset == full { member.localHeaderOffset = try take() }
                return
            }
            p += 4 + length
        }
        throw DataError.malformed(path: source, reason: "member '\(member.name)' has 32-bit sizes marked as 64-bit but no zip64 field")
    }

    static func u16(_ raw: UnsafeRawBufferPointer, _ at: Int) -> UInt16 {
        UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self))
    }

    static func u32(_ raw: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }

    /// A 64-bit little-endian value as Int; values above Int.max become -1 so bounds checks fail.
    static func u64(_ raw: UnsafeRawBufferPointer, _ at: Int) -> Int {
        Int(exactly: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))) ?? -1
    }
}
