import ScalpelCore
import ScalpelData
import ScalpelEngine

/// How the scores of layers whose channels are coupled combine into one score per channel.
public enum ScoreReduction: String, Sendable, CaseIterable {
    /// The members' scores added (the default: a channel shared by more layers weighs more).
    case sum
    /// Their average.
    case mean
    /// The highest: a channel is as important as its most important member.
    case max

    /// One channel's combined score from its members' scores.
    public func combine(_ scores: [Double]) -> Double {
        switch self {
        case .sum: scores.reduce(0, +)
        case .mean: scores.reduce(0, +) / Double(Swift.max(1, scores.count))
        case .max: scores.max() ?? 0
        }
    }
}

/// Scores of a dependency group's channels: channel k of the root layer and of every layer
/// coupled to it (residual branches joined by Add) go together, so each score combines theirs.
public struct GroupScores: Sendable {
    /// The combined scores, one per channel of the root; a channel is dead when dead in every member.
    public let scores: ChannelScores
    /// Positions of the layers whose scores were combined, the root first (only the root when
    /// its channels couple with no other layer's, or cannot be deleted at all).
    public let members: [Int]
    /// How the members' scores were combined.
    public let reduction: ScoreReduction
}

extension Scoring {
    /// Scores the channels of the layer at `position` together with every layer coupled to them,
    /// combining the members' scores by `reduction`. A layer whose channels cannot be deleted
    /// (they reach the model's output, say) is scored alone.
    public static func groupScore(_ criterion: Criterion, position: Int, graph: Graph, shapes: ShapeInfo,
                                  engine: Engine?, dataset: Dataset?, batches: Int? = nil, seed: UInt64 = 0,
                                  reduction: ScoreReduction = .sum, precomputed: [Int: ChannelScores] = [:]) throws -> GroupScores {
        let members = (try? ChannelDependency.structure(of: position, graph: graph, shapes: shapes)).map { structure in
            structure.coupledProducers(count: structure.rootChannels(graph: graph), graph: graph)
        } ?? []
        return try combine(criterion, members: members.isEmpty ? [(position, nil)] : members.map { ($0.position, $0.channels) },
                           graph: graph, shapes: shapes, engine: engine, dataset: dataset, batches: batches, seed: seed, reduction: reduction,
                           precomputed: precomputed)
    }

    /// Scores a group whose structure is known (global pruning has it already).
    public static func groupScore(_ criterion: Criterion, structure: ChannelGroup, graph: Graph, shapes: ShapeInfo,
                                  engine: Engine?, dataset: Dataset?, batches: Int? = nil, seed: UInt64 = 0,
                                  reduction: ScoreReduction = .sum, precomputed: [Int: ChannelScores] = [:]) throws -> GroupScores {
        let members = structure.coupledProducers(count: structure.rootChannels(graph: graph), graph: graph)
        return try combine(criterion, members: members.map { ($0.position, $0.channels) }, graph: graph, shapes: shapes,
                           engine: engine, dataset: dataset, batches: batches, seed: seed, reduction: reduction, precomputed: precomputed)
    }

    /// Scores each member alone and combines, per root channel k, the members' scores of their
    /// channels `channels[k]` (nil: the member's own channel k).
    private static func combine(_ criterion: Criterion, members: [(position: Int, channels: [Int]?)], graph: Graph, shapes: ShapeInfo,
                                engine: Engine?, dataset: Dataset?, batches: Int?, seed: UInt64,
                                reduction: ScoreReduction, precomputed: [Int: ChannelScores]) throws -> GroupScores {
        let results = try members.map { member in
            try score(criterion, position: member.position, graph: graph, shapes: shapes, engine: engine, dataset: dataset,
                      batches: batches, seed: seed, precomputed: precomputed)
        }
        guard members.count > 1 else { return GroupScores(scores: results[0], members: [members[0].position], reduction: reduction) }
        let count = results[0].scores.count
        let picks = members.map { member in (0..<count).map { k in member.channels?[k] ?? k } }
        let scores = (0..<count).map { k in reduction.combine(zip(picks, results).map { $1.scores[$0[k]] }) }
        let dead = Set((0..<count).filter { k in zip(picks, results).allSatisfy { $1.dead.contains($0[k]) } })
        let combined = ChannelScores(criterion: criterion, scores: scores, dead: dead, perClassDrop: nil)
        return GroupScores(scores: combined, members: members.map(\.position), reduction: reduction)
    }
}
