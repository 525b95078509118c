/// Which norm of a filter's weights (the l1 and l2 criteria of ``Criterion`` in ScalpelScoring are these).
public enum FilterNorm: String, Sendable, CaseIterable {
    /// Sum of absolute filter weights (Li et al. 2017).
    case l1
    /// Euclidean norm of the filter.
    case l2
}

/// A layer whose output channels can be pruned, with everything needed to rank and cost them.
public struct PrunableGroup: Sendable {
    /// Position of the root layer in the graph's node list.
    public let root: Int
    /// The root layer's output channel count.
    public let channels: Int
    /// The group over all channels (which parameters are coupled and how many entries each has).
    public let structure: ChannelGroup
    /// One score per root channel (for norm criteria, the filter norms of the root and of every
    /// producer coupled to it one-to-one, summed).
    public let scores: [Double]

    /// The root's channels in the sets deleted together (``ChannelGroup/bundles``), lowest mean
    /// score first (ties by first channel): every plan removes a prefix of these.
    public let rankedBundles: [[Int]]
    /// Each ranked bundle's mean score over the group's mean absolute score, ascending: the scale
    /// bundles of different groups are ranked on.
    public let normalizedBundleScores: [Double]
    /// What deleting each ranked bundle alone removes, for groups whose channels cost unequal
    /// amounts (``ChannelGroup/bundleSlices``); empty otherwise.
    public let rankedBundleSlices: [[ParameterSlice]]

    /// A group from its analysed structure and the scores of the root's channels.
    public init(root position: Int, structure: ChannelGroup, channels: Int, scores: [Double]) {
        (root, self.structure, self.channels, self.scores) = (position, structure, channels, scores)
        let bundles = structure.bundles.isEmpty ? scores.indices.map { [$0] } : structure.bundles
        let meanAbs = scores.reduce(0) { $0 + abs($1) } / Double(max(1, scores.count))
        let keyed = bundles.indices.map { i in (i, bundles[i].reduce(0) { $0 + scores[$1] } / Double(bundles[i].count) / (meanAbs > 0 ? meanAbs : 1)) }
            .sorted { ($0.1, bundles[$0.0][0]) < ($1.1, bundles[$1.0][0]) }
        rankedBundles = keyed.map { bundles[$0.0] }
        normalizedBundleScores = keyed.map { meanAbs > 0 ? $0.1 : 0 }
        rankedBundleSlices = structure.bundleSlices.isEmpty ? [] : keyed.map { structure.bundleSlices[$0.0] }
    }

    /// Builds the group of the layer at `position`, scoring its channels by the filter norm `norm`.
    public init(root position: Int, graph: Graph, shapes: ShapeInfo, norm: FilterNorm, index: GraphIndex? = nil) throws {
        let structure = try ChannelDependency.structure(of: position, graph: graph, shapes: shapes, index: index)
        let channels = structure.rootChannels(graph: graph)
        self.init(root: position, structure: structure, channels: channels,
                  scores: Self.normScores(structure, channels: channels, graph: graph, shapes: shapes, norm: norm))
    }

    /// Per root channel, the summed filter norms of the producers coupled to it one-to-one.
    public static func normScores(_ structure: ChannelGroup, channels: Int, graph: Graph, shapes: ShapeInfo, norm: FilterNorm) -> [Double] {
        var scores = [Double](repeating: 0, count: channels)
        for slice in structure.slices where slice.role == "out-channels" || slice.role == "out-features" {
            guard slice.indices.count == channels, slice.indices == Array(0..<channels),
                  let tensor = graph.initializers[slice.tensor] ?? shapes.constants[slice.tensor], let values = tensor.floats else { continue }
            let norms = Self.norms(values, shape: tensor.shape, axis: slice.axis, norm: norm)
            for k in 0..<channels { scores[k] += norms[k] }
        }
        return scores
    }

    /// The norm of each entry along `axis` of a float tensor.
    public static func norms(_ values: [Float], shape: [Int], axis: Int, norm: FilterNorm) -> [Double] {
        let size = shape[axis]
        let inner = shape.dropFirst(axis + 1).reduce(1, *)
        let outer = shape.prefix(axis).reduce(1, *)
        var sums = [Double](repeating: 0, count: size)
        values.withUnsafeBufferPointer { v in
            for o in 0..<outer {
                for k in 0..<size {
                    let run = UnsafeBufferPointer(rebasing: v[((o * size + k) * inner)..<((o * size + k + 1) * inner)])
                    sums[k] += Self.sum(run, squared: norm == .l2)
                }
            }
        }
        return norm == .l1 ? sums : sums.map { $0.squareRoot() }
    }

    /// Σ|x| or Σx² over a run, accumulated eight lanes at a time in float and summed in double.
    private static func sum(_ run: UnsafeBufferPointer<Float>, squared: Bool) -> Double {
        func f(_ x: SIMD8<Float>) -> SIMD8<Float> {
            if squared { return x * x }
            // |x| by clearing the sign bits.
            return unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & SIMD8<UInt32>(repeating: 0x7FFF_FFFF), to: SIMD8<Float>.self)
        }
        var lanes = SIMD8<Float>()
        var i = 0
        if let base = run.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= run.count {
                lanes += f(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
                i += 8
            }
        }
        var tail = SIMD8<Float>()  // zeros add nothing to either sum
        for j in i..<run.count { tail[j - i] = run[j] }
        lanes += f(tail)
        return (0..<8).reduce(0.0) { $0 + Double(lanes[$1]) }
    }

    /// The channels of the lowest-ranked bundles, as many as fit in `count`, ascending by index.
    public func lowest(_ count: Int) -> [Int] { rankedBundles.prefix(bundlesFitting(count)).flatMap { $0 }.sorted() }

    /// How many of the lowest-ranked bundles fit in `count` channels.
    public func bundlesFitting(_ count: Int) -> Int {
        var total = 0
        for (i, b) in rankedBundles.enumerated() {
            total += b.count
            if total > count { return i }
        }
        return rankedBundles.count
    }

    /// The channels the lowest `n` ranked bundles hold.
    public func channels(inLowest n: Int) -> Int { rankedBundles.prefix(n).reduce(0) { $0 + $1.count } }

    /// The most channels a plan can take while `minChannels` stay (a whole number of bundles).
    public func removable(keeping minChannels: Int) -> Int { channels(inLowest: bundlesFitting(max(0, channels - max(1, minChannels)))) }
}
