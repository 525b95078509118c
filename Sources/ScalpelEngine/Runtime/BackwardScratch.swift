import Synchronization

/// Scratch memory for the backward pass, kept between calls: a fresh buffer per call would fault
/// its pages in anew each time. A buffer in use is out of the pool, so concurrent calls never share one.
enum BackwardScratch {
    /// Buffers not in use, at most ``kept`` of them.
    private static let spare = Mutex<[[Float]]>([])
    /// How many idle buffers the pool keeps: the two one convolution gradient uses.
    private static let kept = 2

    /// Runs `body` with a buffer of at least `count` floats whose contents are unspecified: the
    /// smallest idle one that fits, or a new one.
    static func with<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        var buffer: [Float] = spare.withLock { pool in
            let fitting = pool.indices.filter { pool[$0].count >= count }.min { pool[$0].count < pool[$1].count }
            return (fitting ?? pool.indices.last).map { pool.remove(at: $0) }
        } ?? []
        if buffer.count < max(1, count) { buffer = [Float](repeating: 0, count: max(1, count)) }
        defer {
            let returned = buffer
            spare.withLock { if $0.count < kept { $0.append(returned) } }
        }
        return try buffer.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    }
}
