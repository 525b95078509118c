import ScalpelCore
@testable import ScalpelEngine
import Testing

/// Lane-wise sums against plain double loops, over lengths with and without a tail.
@Suite struct ReductionsTests {
    @Test(arguments: [0, 5, 16, 37, 1000])
    func sumsMatchDoubleLoops(count: Int) {
        var rng = SeededRandom(seed: UInt64(count + 1))
        let a = (0..<count).map { _ in Float(Double(rng.next() % 20_001) / 10_000 - 1) }
        let b = (0..<count).map { _ in Float(Double(rng.next() % 20_001) / 10_000 + 2) }
        let shift: Float = 2.5
        let sum = a.reduce(0.0) { $0 + Double($1) }
        let squares = b.reduce(0.0) { $0 + (Double($1) - Double(shift)) * (Double($1) - Double(shift)) }
        let weighted = zip(a, b).reduce(0.0) { $0 + Double($1.0) * (Double($1.1) - Double(shift)) }
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                let (pa, pb) = (ap.baseAddress ?? UnsafePointer(bitPattern: 16)!, bp.baseAddress ?? UnsafePointer(bitPattern: 16)!)
                #expect(abs(Double(Reductions.sum(pa, count)) - sum) <= 1e-4 * max(1, abs(sum)))
                #expect(abs(Double(Reductions.squaredDeviations(pb, count, from: shift)) - squares) <= 1e-4 * max(1, squares))
                #expect(abs(Double(Reductions.weightedDeviations(pa, pb, count, from: shift)) - weighted) <= 1e-4 * max(1, abs(weighted)))
            }
        }
    }

    /// A channel's mean and variance over several images' planes, against the textbook formulas.
    @Test func channelMomentsMatchTheDefinition() {
        let (images, channels, spatial) = (3, 4, 21)
        var rng = SeededRandom(seed: 7)
        let x = (0..<(images * channels * spatial)).map { _ in Float(Double(rng.next() % 20_001) / 1000 + 40) }
        for c in 0..<channels {
            let values = (0..<images).flatMap { n in (0..<spatial).map { Double(x[(n * channels + c) * spatial + $0]) } }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            let got = x.withUnsafeBufferPointer { Reductions.channelMoments($0.baseAddress!, images: images, channels: channels, spatial: spatial, channel: c) }
            #expect(abs(got.mean - mean) <= 1e-5 * abs(mean))
            #expect(abs(got.variance - variance) <= 1e-4 * variance)
        }
    }
}
