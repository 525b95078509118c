/// DEFLATE (RFC 1951) decoding, gzip (RFC 1952) unwrapping and CRC-32, in plain Swift.
///
/// Foundation on Linux has no public inflate API and Scalpel adds no zlib module, so this small
/// decoder reads `np.savez_compressed` archives and gzipped MNIST files. It checks every length
/// and distance, and callers check the CRC-32 of what it produces.
enum Inflate {
    /// Decompresses the raw DEFLATE stream at the start of `input`; returns the bytes and how many input bytes it used.
    /// `limit`, when given, is the exact size the container announced: more output is an error.
    static func inflate(_ input: UnsafeRawBufferPointer, sizeHint: Int = 0, limit: Int? = nil, source: String) throws -> (output: [UInt8], consumed: Int) {
        // DEFLATE expands at most 1032:1, so a header that claims more cannot make us allocate it.
        let capacity = max(0, min(limit ?? sizeHint, input.count.multipliedReportingOverflow(by: 1032).partialValue, 1 << 31))
        var decoder = Decoder(input: input, source: source, limit: limit, capacity: capacity)
        defer { decoder.output.deallocate() }
        try decoder.run()
        return (Array(UnsafeBufferPointer(start: decoder.output, count: decoder.count)), decoder.bytesConsumed)
    }

    /// Decompresses a gzip file (one or more members); checks each member's CRC-32 and length.
    static func gunzip(_ input: UnsafeRawBufferPointer, source: String) throws -> [UInt8] {
        var result: [UInt8] = []
        var position = 0
        var first = true
        while first || (input.count - position >= 2 && input[position] == 0x1F && input[position + 1] == 0x8B) {
            first = false
            let start = try gzipHeaderEnd(input, at: position, source: source)
            let hint = input.count >= 4 ? Int(UInt32(littleEndian: input.loadUnaligned(fromByteOffset: input.count - 4, as: UInt32.self))) : 0
            let (member, used) = try inflate(UnsafeRawBufferPointer(rebasing: input[start...]), sizeHint: result.isEmpty ? hint : 0, source: source)
            position = start + used
            guard input.count - position >= 8 else {
                throw DataError.truncated(path: source, detail: "the gzip stream ends before its CRC-32 and length")
            }
            let crc = UInt32(littleEndian: input.loadUnaligned(fromByteOffset: position, as: UInt32.self))
            let size = UInt32(littleEndian: input.loadUnaligned(fromByteOffset: position + 4, as: UInt32.self))
            position += 8
            let actual = member.withUnsafeBytes { crc32($0) }
            guard crc == actual, size == UInt32(truncatingIfNeeded: member.count) else {
                throw DataError.malformed(path: source, reason: "the gzip CRC-32 or length does not match the data (corrupt download?)")
            }
            if result.isEmpty { result = member } else { result += member }
        }
        return result
    }

    /// The offset just past the gzip member header at `position`.
    private static func gzipHeaderEnd(_ input: UnsafeRawBufferPointer, at position: Int, source: String) throws -> Int {
        func fail() -> DataError { .truncated(path: source, detail: "it ends inside a gzip header") }
        guard input.count - position >= 10 else { throw fail() }
        guard input[position] == 0x1F, input[position + 1] == 0x8B, input[position + 2] == 8 else {
            throw DataError.malformed(path: source, reason: "not a gzip stream with deflate compression")
        }
        let flags = input[position + 3]
        var p = position + 10
        if flags & 4 != 0 {
            guard input.count - p >= 2 else { throw fail() }
            p += 2 + Int(input[p]) + Int(input[p + 1]) << 8
        }
        for flag: UInt8 in [8, 16] where flags & flag != 0 {
            while p < input.count, input[p] != 0 { p += 1 }
            p += 1
        }
        if flags & 2 != 0 { p += 2 }
        guard p <= input.count else { throw fail() }
        return p
    }

    /// The CRC-32 (IEEE 802.3, as zip and gzip use) of `bytes`, eight bytes a step ("slicing by 8").
    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        crcTables.withUnsafeBufferPointer { t in
            var i = 0
            let n = bytes.count
            while n - i >= 8 {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) ^ UInt64(crc)
                crc = t[7 * 256 + Int(word & 0xFF)] ^ t[6 * 256 + Int((word >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((word >> 16) & 0xFF)] ^ t[4 * 256 + Int((word >> 24) & 0xFF)]
                    ^ t[3 * 256 + Int((word >> 32) & 0xFF)] ^ t[2 * 256 + Int((word >> 40) & 0xFF)]
                    ^ t[1 * 256 + Int((word >> 48) & 0xFF)] ^ t[Int(word >> 56)]
                i += 8
            }
            while i < n {
                crc = t[Int((crc ^ UInt32(bytes[i])) & 0xFF)] ^ (crc >> 8)
                i += 1
            }
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// Table k maps a byte to its CRC contribution k bytes further on; table 0 is the classic one.
    private static let crcTables: [UInt32] = {
        var tables = (0..<256).map { (n: UInt32) in
            (0..<8).reduce(n) { c, _ in c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        for k in 1..<8 {
            for n in 0..<256 {
                let previous = tables[(k - 1) * 256 + n]
                tables.append(tables[Int(previous & 0xFF)] ^ (previous >> 8))
            }
        }
        return tables
    }()
}

/// A canonical Huffman code as a lookup table indexed by the next `bits` input bits (LSB first).
private struct HuffmanTable {
    /// `symbol << 4 | length`; 0 where no code starts with those bits.
    var entries: [UInt16]
    var bits: Int

    /// Builds the table for code `lengths` (0 = symbol unused); nil when the lengths over-subscribe the code space.
    init?(lengths: [UInt8]) {
        var counts = [Int](repeating: 0, count: 16)
        for length in lengths { counts[Int(length)] += 1 }
        counts[0] = 0
        var left = 1
        for length in 1...15 {
            left = left << 1 - counts[length]
            if left < 0 { return nil }
        }
        let maxBits = max(1, lengths.max().map(Int.init) ?? 1)
        var next = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1...15 {
            code = (code + counts[length - 1]) << 1
            next[length] = code
        }
        bits = maxBits
        entries = [UInt16](repeating: 0, count: 1 << maxBits)
        for (symbol, l) in lengths.enumerated() where l > 0 {
            let length = Int(l)
            var reversed = 0
            var c = next[length]
            next[length] += 1
            for _ in 0..<length {
                reversed = reversed << 1 | (c & 1)
                c >>= 1
            }
            let entry = UInt16(symbol << 4 | length)
            var index = reversed
            while index < entries.count {
                entries[index] = entry
                index += 1 << length
            }
        }
    }

    static let fixedLiterals = HuffmanTable(lengths: (0..<288).map { $0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8 })!
    static let fixedDistances = HuffmanTable(lengths: [UInt8](repeating: 5, count: 30))!
}

/// The state of one DEFLATE decode: input bits, output bytes.
private struct Decoder {
    let input: UnsafeRawBufferPointer
    let source: String
    let limit: Int?
    /// The bytes written so far, `count` of `capacity`; freed by `Inflate.inflate`.
    var output: UnsafeMutablePointer<UInt8>
    var count = 0
    var capacity: Int
    var position = 0
    var bitBuffer: UInt64 = 0
    var bitCount = 0
    /// Zero bits appended past the end of the input so table lookups can peek; consuming one is an error.
    var phantomBits = 0

    init(input: UnsafeRawBufferPointer, source: String, limit: Int?, capacity: Int) {
        self.input = input
        self.source = source
        self.limit = limit
        self.capacity = max(capacity, 4096)
        self.output = .allocate(capacity: self.capacity)
    }

    /// Makes room for `n` more output bytes.
    mutating func reserve(_ n: Int) {
        guard count + n > capacity else { return }
        while capacity < count + n { capacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        grown.update(from: output, count: count)
        output.deallocate()
        output = grown
    }

    /// Input bytes used so far (whole bytes; the bits left in a partial byte belong to it).
    var bytesConsumed: Int { position - (bitCount - phantomBits) / 8 }

    static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    func corrupt(_ what: String) -> DataError {
        .malformed(path: source, reason: "compressed data is corrupt (\(what))")
    }

    @inline(__always)
    mutating func fill(_ n: Int) {
        guard bitCount < n else { return }
        if input.count - position >= 8 {
            // Load eight bytes and keep the whole ones that fit; the bits of a byte cut off at the top
            // are the same ones the next load ORs in again.
            bitBuffer |= UInt64(littleEndian: input.loadUnaligned(fromByteOffset: position, as: UInt64.self)) << UInt64(bitCount)
            let taken = (63 - bitCount) >> 3
            position += taken
            bitCount += taken * 8
            return
        }
        while bitCount < n {
            if position < input.count {
                bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
                position += 1
            } else {
                phantomBits += 8
            }
            bitCount += 8
        }
    }

    @inline(__always)
    mutating func consume(_ n: Int) throws {
        bitBuffer >>= UInt64(n)
        bitCount -= n
        if bitCount < phantomBits {
            throw DataError.truncated(path: source, detail: "the compressed data stops in the middle")
        }
    }

    mutating func bits(_ n: Int) throws -> Int {
        fill(n)
        let value = Int(bitBuffer & ((1 << UInt64(n)) - 1))
        try consume(n)
        return value
    }

    mutating func symbol(_ table: HuffmanTable) throws -> Int {
        try table.entries.withUnsafeBufferPointer { try symbol($0, bits: table.bits) }
    }

    @inline(__always)
    mutating func symbol(_ entries: UnsafeBufferPointer<UInt16>, bits: Int) throws -> Int {
        fill(bits)
        let entry = Int(entries[Int(bitBuffer & ((1 << UInt64(bits)) - 1))])
        guard entry & 15 != 0 else { throw corrupt("invalid Huffman code") }
        try consume(entry & 15)
        return entry >> 4
    }

    mutating func run() throws {
        var last = false
        while !last {
            last = try bits(1) == 1
            switch try bits(2) {
            case 0: try storedBlock()
            case 1: try huffmanBlock(HuffmanTable.fixedLiterals, HuffmanTable.fixedDistances)
            case 2:
                let (literals, distances) = try dynamicTables()
                try huffmanBlock(literals, distances)
            default: throw corrupt("reserved block type 3")
            }
        }
    }

    mutating func storedBlock() throws {
        // Drop to a byte boundary, then hand the whole buffered bytes back to the input.
        try consume(bitCount & 7)
        position -= (bitCount - phantomBits) / 8
        bitBuffer = 0
        bitCount = 0
        phantomBits = 0
        guard input.count - position >= 4 else { throw DataError.truncated(path: source, detail: "the compressed data stops in a block header") }
        let length = Int(input[position]) | Int(input[position + 1]) << 8
        let check = Int(input[position + 2]) | Int(input[position + 3]) << 8
        guard length == ~check & 0xFFFF else { throw corrupt("stored block length check fails") }
        position += 4
        guard input.count - position >= length else { throw DataError.truncated(path: source, detail: "the compressed data stops in a stored block") }
        try checkLimit(adding: length)
        reserve(length)
        UnsafeMutableRawPointer(output + count).copyMemory(from: input.baseAddress! + position, byteCount: length)
        count += length
        position += length
    }

    mutating func dynamicTables() throws -> (HuffmanTable, HuffmanTable) {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let codeLengthCount = try bits(4) + 4
        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for i in 0..<codeLengthCount {
            codeLengthLengths[Self.codeLengthOrder[i]] = UInt8(try bits(3))
        }
        guard literalCount <= 286, distanceCount <= 30, let codeLengths = HuffmanTable(lengths: codeLengthLengths) else {
            throw corrupt("bad code-length table")
        }
        var lengths: [UInt8] = []
        lengths.reserveCapacity(literalCount + distanceCount)
        while lengths.count < literalCount + distanceCount {
            let s = try symbol(codeLengths)
            switch s {
            case 0...15:
                lengths.append(UInt8(s))
            case 16:
                guard let previous = lengths.last else { throw corrupt("repeat with no previous length") }
                lengths += [UInt8](repeating: previous, count: 3 + (try bits(2)))
            case 17:
                lengths += [UInt8](repeating: 0, count: 3 + (try bits(3)))
            default:
                lengths += [UInt8](repeating: 0, count: 11 + (try bits(7)))
            }
        }
        guard lengths.count == literalCount + distanceCount, lengths[256] != 0,
              let literals = HuffmanTable(lengths: Array(lengths[0..<literalCount])),
              let distances = HuffmanTable(lengths: Array(lengths[literalCount...]))
        else { throw corrupt("bad literal or distance code") }
        return (literals, distances)
    }

    mutating func huffmanBlock(_ literals: HuffmanTable, _ distances: HuffmanTable) throws {
        try literals.entries.withUnsafeBufferPointer { literalEntries in
            try distances.entries.withUnsafeBufferPointer { distanceEntries in
                try huffmanBlock(literalEntries, literals.bits, distanceEntries, distances.bits)
            }
        }
    }

    mutating func huffmanBlock(_ literals: UnsafeBufferPointer<UInt16>, _ literalBits: Int, _ distances: UnsafeBufferPointer<UInt16>, _ distanceBits: Int) throws {
        while true {
            let s = try symbol(literals, bits: literalBits)
            if s < 256 {
                try checkLimit(adding: 1)
                reserve(1)
                output[count] = UInt8(s)
                count += 1
            } else if s == 256 {
                return
            } else {
                let li = s - 257
                guard li < Self.lengthBase.count else { throw corrupt("length code \(s)") }
                let length = Self.lengthBase[li] + (try bits(Self.lengthExtra[li]))
                let di = try symbol(distances, bits: distanceBits)
                guard di < Self.distanceBase.count else { throw corrupt("distance code \(di)") }
                let distance = Self.distanceBase[di] + (try bits(Self.distanceExtra[di]))
                guard distance <= count else { throw corrupt("distance \(distance) reaches before the start") }
                try checkLimit(adding: length)
                reserve(length)
                let p = output
                let to = count
                if distance >= length {
                    (p + to).update(from: p + to - distance, count: length)
                } else {
                    // Overlapping: the copy reads bytes it has just written (a run).
                    for i in to..<(to + length) { p[i] = p[i - distance] }
                }
                count += length
            }
        }
    }

    func checkLimit(adding n: Int) throws {
        if let limit, count + n > limit {
            throw corrupt("more than the \(limit) bytes announced")
        }
    }
}
