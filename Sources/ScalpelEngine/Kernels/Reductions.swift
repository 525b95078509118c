/// Sums over contiguous floats accumulated in SIMD lanes: a plain loop keeps its float (or
/// double) sum in one dependency chain, which the compiler may not reorder into lanes.
enum Reductions {
    /// Σ p[i] over `count` floats.
    static func sum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = SIMD16<Float>(), i = 0
        while i + 16 <= count { lanes += (p + i).vector(SIMD16<Float>.self); i += 16 }
        var total = horizontalSum(lanes)
        while i < count { total += p[i]; i += 1 }
        return total
    }

    /// Σ (p[i] − shift)² over `count` floats.
    static func squaredDeviations(_ p: UnsafePointer<Float>, _ count: Int, from shift: Float) -> Float {
        var lanes = SIMD16<Float>(), i = 0
        let s = SIMD16<Float>(repeating: shift)
        while i + 16 <= count { let d = (p + i).vector(SIMD16<Float>.self) - s; lanes += d * d; i += 16 }
        var total = horizontalSum(lanes)
        while i < count { let d = p[i] - shift; total += d * d; i += 1 }
        return total
    }

    /// Σ a[i]·(b[i] − shift) over `count` floats.
    static func weightedDeviations(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int, from shift: Float) -> Float {
        var lanes = SIMD16<Float>(), i = 0
        let s = SIMD16<Float>(repeating: shift)
        while i + 16 <= count { lanes += (a + i).vector(SIMD16<Float>.self) * ((b + i).vector() - s); i += 16 }
        var total = horizontalSum(lanes)
        while i < count { total += a[i] * (b[i] - shift); i += 1 }
        return total
    }

    /// Mean and biased variance of channel `c` of an N × C × spatial batch: per-plane sums in
    /// lanes, added across planes in double, the variance from deviations about the mean.
    static func channelMoments(_ x: UnsafePointer<Float>, images: Int, channels: Int, spatial: Int, channel c: Int)
        -> (mean: Double, variance: Double) {
        let count = Double(images * spatial)
        var total = 0.0
        for image in 0..<images { total += Double(sum(x + (image * channels + c) * spatial, spatial)) }
        let mean = total / count
        var squares = 0.0
        for image in 0..<images {
            squares += Double(squaredDeviations(x + (image * channels + c) * spatial, spatial, from: Float(mean)))
        }
        return (mean, squares / count)
    }

    /// The sum of the lanes by halving (the standard library's `sum()` is a generic scalar loop).
    @inline(__always)
    private static func horizontalSum(_ v: SIMD16<Float>) -> Float {
        let eight = v.lowHalf + v.highHalf, four = eight.lowHalf + eight.highHalf, two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }
}

/// The 1-D lanes of a tensor along one axis: lane k starts at ``start(_:)`` and steps by ``stride``.
struct AxisLanes {
    let outer, size, inner: Int

    /// The lanes of a tensor of `shape` along `axis` (already non-negative).
    init(_ shape: [Int], axis: Int) {
        (outer, size, inner) = (shape.prefix(axis).reduce(1, *), shape[axis], shape.dropFirst(axis + 1).reduce(1, *))
    }

    /// The number of lanes.
    var count: Int { outer * inner }
    /// The distance between neighbours in a lane.
    var stride: Int { inner }
    /// The first element of lane `k`.
    func start(_ k: Int) -> Int { (k / inner) * size * inner + k % inner }
}
