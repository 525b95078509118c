/// A fuzz input read as a stream of choices: each read takes the next bytes, and an exhausted
/// input reads as zeros, so every input is a complete (if short) program of choices.
struct FuzzBytes {
    private let bytes: [UInt8]
    private var position = 0

    /// A reader over `bytes`, from the first.
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = Array(bytes) }

    /// Whether every byte has been read.
    var isExhausted: Bool { position >= bytes.count }

    /// The next byte, 0 past the end.
    mutating func byte() -> UInt8 {
        defer { position += 1 }
        return position < bytes.count ? bytes[position] : 0
    }

    /// A number in `0..<count` (0 when `count` is 0).
    mutating func index(_ count: Int) -> Int {
        guard count > 0 else { return 0 }
        let wide = Int(byte()) << 8 | Int(byte())
        return wide % count
    }

    /// An integer a hostile or careless file might hold: small ones, the edges of Int32 and
    /// Int64, powers of two near the size limits, or eight raw bytes.
    mutating func integer() -> Int64 {
        let interesting: [Int64] = [0, 1, -1, 2, 3, 7, 64, -2, -3, 255, 1 << 16, 1 << 31, -(1 << 31), Int64(Int32.max),
                                    1 << 40, (1 << 40) + 1, 1 << 62, -(1 << 62), .max, .min, .max - 1, .min + 1]
        let pick = Int(byte())
        if pick < interesting.count * 8 { return interesting[pick % interesting.count] }
        var raw: UInt64 = 0
        for _ in 0..<8 { raw = raw << 8 | UInt64(byte()) }
        return Int64(bitPattern: raw)
    }

    /// A float a hostile file might hold: NaN, infinities, zeros of both signs, tiny and huge.
    mutating func float() -> Float {
        let interesting: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 1, -1, 0.5, 2, .leastNonzeroMagnitude, 1e38, -1e38, 1e-7, 3]
        return interesting[Int(byte()) % interesting.count]
    }
}
