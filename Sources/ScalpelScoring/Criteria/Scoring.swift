import ScalpelCore
import ScalpelData
import ScalpelEngine

/// Scores a layer's output channels by any criterion: the entry point for `score` and `prune`.
public enum Scoring {
    /// Scores the channels of the layer at `position`. Data criteria need `engine` and `dataset`;
    /// `batches` limits how many batches of 32 they use.
    public static func score(_ criterion: Criterion, position: Int, graph: Graph, shapes: ShapeInfo,
                             engine: Engine?, dataset: Dataset?, batches: Int? = nil, seed: UInt64 = 0,
                             precomputed: [Int: ChannelScores] = [:]) throws -> ChannelScores {
        let node = graph.nodes[position]
        guard ChannelDependency.isProducer(node) else {
            throw ScoringError("'\(graph.displayName(of: node))' is a \(node.opType); scores are for the channels of Conv, ConvTranspose, Gemm or MatMul layers")
        }
        guard criterion.needsData else {
            let scores = try WeightCriteria.scores(criterion, position: position, graph: graph, shapes: shapes, seed: seed)
            let gamma = criterion == .bnGamma ? Set(scores.indices.filter { scores[$0] < 1e-6 }) : []
            return ChannelScores(criterion: criterion, scores: scores, dead: gamma, perClassDrop: nil)
        }
        guard let engine, let dataset else { throw ScoringError("\(criterion.rawValue) runs the model on data, and none was given") }
        if let known = precomputed[position] { return known }
        let data = try DataCriteria(engine: engine, graph: graph, position: position, dataset: dataset, batches: batches)
        if criterion == .redundancy { return try data.redundancy() }
        if criterion == .taylor { return try data.taylor() }
        return criterion.isOracle ? try data.oracle(criterion) : try data.activationStatistics(criterion)
    }

    /// For an activation statistic (``Criterion/isActivationStatistic``), the scores of every
    /// layer at `positions` from one pass over the data; empty for other criteria, which score
    /// layer by layer. Hand the result to `score` and `groupScore` as `precomputed`.
    public static func onePass(_ criterion: Criterion, positions: [Int], graph: Graph, engine: Engine?, dataset: Dataset?,
                               batches: Int? = nil) throws -> [Int: ChannelScores] {
        guard criterion.isActivationStatistic, let engine, let dataset else { return [:] }
        let producers = positions.filter { ChannelDependency.isProducer(graph.nodes[$0]) }
        return try DataCriteria.activationStatistics(criterion, positions: producers, engine: engine, graph: graph, dataset: dataset, batches: batches)
    }
}
