import Foundation

/// What a global prune aims for.
public enum PruneTarget: Sendable {
    /// Keep this fraction of the parameters.
    case parameters(Double)
    /// Keep this fraction of the MACs per sample.
    case macs(Double)
}

/// Prunes across every prunable group at once: channels are ranked by their score divided by
/// their group's mean absolute score (so layers of different sizes and score scales compare;
/// for criteria that can be negative, such as an oracle's loss change, the sign survives),
/// and the lowest (in the bundles coupled channels form) are removed while the model keeps the
/// target fraction. Sizes after pruning are computed from the groups' structure without
/// applying anything, so trying each bundle in turn is cheap.
public struct GlobalPruning: Sendable {
    /// Every prunable group, one per set of coupled producers.
    public private(set) var groups: [PrunableGroup]
    /// Producers that cannot be pruned, with the reason.
    public private(set) var refused: [(layer: String, reason: String)]
    private let graph: Graph
    private let shapes: ShapeInfo
    private let baseline: ModelSummary
    private let parameterSizes: [ValueID: Int]

    /// Finds the prunable groups of a graph, ranking channels by filter norm; `skip` excludes
    /// groups containing those layers.
    public init(graph: Graph, shapes: ShapeInfo, norm: FilterNorm, skip: Set<NodeID> = []) {
        self.init(graph: graph, shapes: shapes, skip: skip) { _, structure, channels in
            PrunableGroup.normScores(structure, channels: channels, graph: graph, shapes: shapes, norm: norm)
        }
    }

    /// Finds the prunable groups of a graph; `score` gives one score per channel of a group
    /// from its root's position, its structure and its channel count (it runs only for groups
    /// that are kept). `skip` excludes groups containing those layers.
    public init(graph: Graph, shapes: ShapeInfo, skip: Set<NodeID> = [],
                score: (_ root: Int, _ structure: ChannelGroup, _ channels: Int) throws -> [Double]) rethrows {
        var covered = Set<NodeID>()
        var groups: [PrunableGroup] = []
        var refused: [(String, String)] = []
        let index = GraphIndex(graph)
        for (position, node) in graph.nodes.enumerated()
        where ChannelDependency.isProducer(node) && !covered.contains(node.id) {
            let structure: ChannelGroup
            do {
                structure = try ChannelDependency.structure(of: position, graph: graph, shapes: shapes, index: index)
            } catch {
                refused.append((graph.displayName(of: node), "\(error)"))
                continue
            }
            covered.formUnion(structure.sources)
            let channels = structure.rootChannels(graph: graph)
            if structure.sources.contains(where: skip.contains) || channels < 2 { continue }
            groups.append(PrunableGroup(root: position, structure: structure, channels: channels,
                                        scores: try score(position, structure, channels)))
        }
        self.groups = groups
        self.refused = refused
        self.graph = graph
        self.shapes = shapes
        self.baseline = ModelSummary(graph: graph, shapes: shapes)
        self.parameterSizes = graph.parameterSizes
    }

    /// Where the plan falls short: the least fraction any plan can keep (every group cut to
    /// `minChannels`) when that is above the target, with what blocks the other layers; nil when
    /// the target is within reach.
    public func shortfall(_ target: PruneTarget, minChannels: Int) -> String? {
        let least = fraction(groups.map { $0.removable(keeping: minChannels) }, target)
        guard least > goal(target) else { return nil }
        let blocked = refused.isEmpty ? "" : "; \(refused.count) layer\(refused.count == 1 ? " is" : "s are") blocked: " + ReasonSummary.line(refused)
        return "the target \(Self.decimal(goal(target))) is out of reach: cutting every prunable group to \(max(1, minChannels)) channel(s) keeps \(Self.decimal(least))" + blocked
    }

    /// How many channels each group loses to reach `target`, keeping at least `minChannels` each:
    /// bundles are taken in the order of their normalised score across all groups, for as long as
    /// the model keeps the target (so what goes is always a prefix of the ranking). Where even the
    /// lowest-ranked bundle would overshoot, the bundles in rank order that still keep it are
    /// taken instead: cheaper ones further up the ranking.
    public func plan(_ target: PruneTarget, minChannels: Int) -> [Int] {
        let counts = taken(target, minChannels: minChannels, skippingCostly: false)
        return counts.contains { $0 > 0 } ? counts : taken(target, minChannels: minChannels, skippingCostly: true)
    }

    /// Walks the bundles in rank order (ties by group, then rank), taking each that keeps the
    /// target; at the first that does not, stops, or with `skippingCostly` passes over it.
    private func taken(_ target: PruneTarget, minChannels: Int, skippingCostly: Bool) -> [Int] {
        var counts = groups.map { _ in 0 }
        var next = counts
        let caps = groups.map { $0.bundlesFitting($0.removable(keeping: minChannels)) }
        let order = groups.indices.flatMap { g in (0..<caps[g]).map { (g, $0) } }.sorted {
            (groups[$0.0].normalizedBundleScores[$0.1], $0.0, $0.1) < (groups[$1.0].normalizedBundleScores[$1.1], $1.0, $1.1)
        }
        for (g, rank) in order where rank == next[g] {
            var trial = counts
            trial[g] = groups[g].channels(inLowest: rank + 1)
            guard fraction(trial, target) >= goal(target) else {
                if skippingCostly { continue } else { break }
            }
            counts = trial
            next[g] = rank + 1
        }
        return counts
    }

    /// Why no group can be pruned: the blocked layers, summarised by reason (most common first).
    public var blockedSummary: String {
        guard !refused.isEmpty else { return "the model has no Conv, ConvTranspose, Gemm or MatMul layer whose channels could be pruned" }
        return "no channel can be pruned: \(refused.count == 1 ? "the one layer is" : "all \(refused.count) layers are") blocked; " + ReasonSummary.line(refused)
    }

    /// Why a plan removes nothing.
    public enum EmptyPlan: Sendable, CustomStringConvertible {
        /// Every prunable group already has at most this many channels, the minimum asked for.
        case atMinimum(Int)
        /// The lowest-ranked channel, of this layer's group, alone would keep `kept` of the
        /// parameters or MACs (`measure`), less than the `target`.
        case lowestTooCostly(layer: String, kept: Double, target: Double, measure: String)

        /// The reason in words.
        public var description: String {
            switch self {
            case let .atMinimum(n): "every prunable group already has at most \(n) channel(s), the minimum asked for"
            case let .lowestTooCostly(layer, kept, target, measure):
                "the lowest-ranked channel (one of '\(layer)') alone would keep \(GlobalPruning.decimal(kept)) of the \(measure), "
                    + "less than the target \(GlobalPruning.decimal(target))"
            }
        }
    }

    /// Why `plan(target, minChannels:)` removes nothing: every group is at its minimum, or the
    /// lowest-ranked channel alone would keep less than the target.
    public func emptyPlanReason(_ target: PruneTarget, minChannels: Int) -> EmptyPlan {
        let candidates = groups.indices.filter { groups[$0].removable(keeping: minChannels) > 0 }
        guard let lowest = candidates.min(by: { groups[$0].normalizedBundleScores[0] < groups[$1].normalizedBundleScores[0] }) else {
            return .atMinimum(max(1, minChannels))
        }
        let measure = if case .parameters = target { "parameters" } else { "MACs" }
        return .lowestTooCostly(layer: graph.displayName(of: graph.nodes[groups[lowest].root]), kept: single(lowest, target),
                                target: goal(target), measure: measure)
    }

    /// The fraction kept when group `g` alone loses its lowest-ranked bundle.
    private func single(_ g: Int, _ target: PruneTarget) -> Double {
        fraction(groups.indices.map { $0 == g ? groups[g].channels(inLowest: 1) : 0 }, target)
    }

    /// A fraction with five significant digits, rounded down (so a kept share below a target never prints equal to it).
    static func decimal(_ f: Double) -> String {
        let scale = pow(10, 4 - (f > 0 ? floor(log10(f)) : 0))
        return "\((f * scale).rounded(.down) / scale)"
    }

    /// The plan for `target` and the graph it leaves, checked by inferring that graph's shapes: a
    /// group whose deletion alone breaks them (the model computes another tensor's shape from
    /// these channels' count at run time) is refused, and the plan is made again without it.
    public mutating func checkedPlan(_ target: PruneTarget, minChannels: Int, opset: Int) throws -> (counts: [Int], pruned: Graph) {
        /// The graph after removing `counts`, and what that breaks.
        func cut(_ counts: [Int]) throws -> (Graph, ShapeProblem?) {
            var cut = graph
            try cut.delete(try deletion(counts, shapes: shapes), shapes: shapes, opset: opset)
            return (cut, ShapeInference.infer(cut).newProblem(since: shapes))
        }
        while !groups.isEmpty {
            let counts = plan(target, minChannels: minChannels)
            guard counts.contains(where: { $0 > 0 }) else { return (counts, graph) }
            let (pruned, problem) = try cut(counts)
            guard let problem else { return (counts, pruned) }
            var culprits: [(Int, ShapeProblem)] = []
            for g in groups.indices where counts[g] > 0 {
                if let why = try cut(counts.indices.map { $0 == g ? counts[g] : 0 }).1 { culprits.append((g, why)) }
            }
            guard !culprits.isEmpty else { throw CoreError.editRefused("the pruned groups together would break shapes: \(problem)") }
            for (g, why) in culprits.reversed() {
                refused.append((graph.displayName(of: graph.nodes[groups[g].root]), "deleting its channels would break shapes: \(why)"))
                groups.remove(at: g)
            }
        }
        return ([], graph)
    }

    /// The deletion removing `counts[i]` lowest-scored channels from group i.
    public func deletion(_ counts: [Int], shapes: ShapeInfo) throws -> ChannelDeletion {
        var deletion = ChannelDeletion()
        let index = GraphIndex(graph)
        for (group, count) in zip(groups, counts) where count > 0 {
            deletion.add(try ChannelDependency.group(of: group.root, channels: group.lowest(count), graph: graph, shapes: shapes, index: index))
        }
        return deletion
    }

    private func goal(_ target: PruneTarget) -> Double {
        switch target {
        case let .parameters(f), let .macs(f): f
        }
    }

    /// The fraction of parameters or MACs left after removing `counts` channels per group.
    public func fraction(_ counts: [Int], _ target: PruneTarget) -> Double {
        var removedShare: [String: [Int: Double]] = [:]
        func remove(_ slice: ParameterSlice, share: Double) {
            guard let dims = (graph.initializers[slice.tensor] ?? shapes.constants[slice.tensor])?.shape, slice.axis < dims.count else { return }
            removedShare[slice.tensor.name, default: [:]][slice.axis, default: 0] += share * Double(slice.indices.count) / Double(dims[slice.axis])
        }
        for (group, count) in zip(groups, counts) where count > 0 {
            if group.rankedBundleSlices.isEmpty {
                for slice in group.structure.slices { remove(slice, share: Double(count) / Double(group.channels)) }
            } else {
                // Channels of unequal cost: what the removed bundles' own deletions take.
                for slices in group.rankedBundleSlices.prefix(group.bundlesFitting(count)) {
                    for slice in slices { remove(slice, share: 1) }
                }
            }
        }
        func kept(_ tensor: ValueID) -> Double {
            guard let shares = removedShare[tensor.name] else { return 1 }
            return shares.values.reduce(1) { $0 * (1 - $1) }
        }
        switch target {
        case .parameters:
            let total = Double(baseline.totalParameters)
            let after = parameterSizes.reduce(0.0) { sum, entry in sum + Double(entry.value) * kept(entry.key) }
            return total > 0 ? after / total : 1
        case .macs:
            let total = Double(baseline.totalMACs)
            let after = baseline.rows.reduce(0.0) { sum, row in
                guard let macs = row.macs, macs > 0, let node = graph.node(row.node), let w = node.input(1) else { return sum + Double(row.macs ?? 0) }
                return sum + Double(macs) * kept(w)
            }
            return total > 0 ? after / total : 1
        }
    }
}
