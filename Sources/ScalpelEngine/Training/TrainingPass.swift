import ScalpelCore

/// What one training-mode forward and backward pass over a batch found.
public struct TrainingBatch: Sendable {
    /// Mean cross-entropy over the batch.
    public let loss: Double
    /// Samples whose highest-scored class is their label.
    public let correct: Int
    /// ∂loss/∂parameter for every trainable parameter.
    public let gradients: [ValueID: [Float]]
    /// New values of the BatchNorm running means and variances, moved towards this batch's statistics.
    public let runningStatistics: [ValueID: [Float]]
}

/// Per-channel mean and unbiased variance of a BatchNorm's input over one batch.
public struct ChannelMoments: Sendable {
    /// The mean of each channel.
    public let mean: [Float]
    /// The unbiased (n − 1) variance of each channel, as running statistics keep it.
    public let variance: [Float]
    /// How many values each channel had (batch × spatial positions).
    public let count: Int
}

extension Engine {
    /// The parameters training changes: float initializers that are Conv/ConvTranspose/Gemm
    /// weights and biases, MatMul operands, and BatchNormalization scales and shifts.
    public static func trainableParameters(of graph: Graph) -> [ValueID] {
        var found: [ValueID] = []
        var seen = Set<ValueID>()
        for node in graph.nodes {
            for i in node.op.parameters.trained {
                guard let v = node.input(i), graph.initializers[v]?.floats != nil, seen.insert(v).inserted else { continue }
                found.append(v)
            }
        }
        return found
    }

    /// Runs a batch forward in training mode and back: the mean cross-entropy against `labels`
    /// (of the outputs as they are: logits, probabilities or log-probabilities),
    /// its gradient for every trainable parameter, and the updated BatchNorm running statistics.
    /// The engine must have been made with `training: true`.
    public func trainingPass(inputs: [ValueID: Activation], labels: [Int]) throws -> TrainingBatch {
        guard training else { throw EngineError.badInput("a training pass needs an engine made for training") }
        let parameters = Set(Self.trainableParameters(of: graph))
        let nodes = Self.downstream(of: parameters, in: graph)
        let keep = Set(graph.nodes.flatMap(\.outputs).filter { !$0.isAbsent }).union(inputs.keys)
        let values = try run(inputs, keep: keep)
        let (summed, seed) = try lossGradient(values, labels: labels)
        guard let outputs = values[classifierOutput.output] else { throw EngineError.badInput("the model produced no '\(classifierOutput.output)'") }
        let scale = 1 / Float(labels.count)
        let shapes = shapes(for: inputs)
        let statistics = batchStatistics(values: values)
        let grads = try backpropagate(through: nodes, values: values, shapes: shapes, seed: seed.mapValues { $0.map { $0 * scale } },
                                      wanted: Set(nodes.flatMap(\.outputs)), parameters: parameters, batchStatistics: statistics)
        var gradients: [ValueID: [Float]] = [:]
        for p in parameters { gradients[p] = grads[p] ?? [Float](repeating: 0, count: graph.initializers[p]?.elementCount ?? 0) }
        return TrainingBatch(loss: summed / Double(labels.count), correct: Self.correct(outputs, labels: labels),
                             gradients: gradients, runningStatistics: runningStatistics(statistics))
    }

    /// Runs a batch forward in training mode (each BatchNorm normalising by the batch's own
    /// statistics) and returns, for every BatchNorm node, its input's per-channel batch mean and
    /// unbiased variance. The engine must have been made with `training: true`.
    public func batchNormMoments(inputs: [ValueID: Activation]) throws -> [NodeID: ChannelMoments] {
        guard training else { throw EngineError.badInput("batch statistics need an engine made for training") }
        let normalized = graph.nodes.filter { $0.opType == "BatchNormalization" }
        let values = try run(inputs, keep: Set(normalized.map { $0.inputs[0] }))
        let statistics = batchStatistics(values: values)
        var result: [NodeID: ChannelMoments] = [:]
        for node in normalized {
            guard let batch = statistics[node.inputs[0]] else { continue }
            let unbiased = Float(batch.count) / Float(max(1, batch.count - 1))
            result[node.id] = ChannelMoments(mean: batch.mean, variance: batch.variance.map { $0 * unbiased }, count: batch.count)
        }
        return result
    }

    /// The batch statistics of every BatchNorm's input, computed once for both its gradient and its running statistics.
    private func batchStatistics(values: [ValueID: Activation]) -> [ValueID: BatchStatistics] {
        var result: [ValueID: BatchStatistics] = [:]
        for node in graph.nodes where node.opType == "BatchNormalization" && result[node.inputs[0]] == nil {
            guard let x = values[node.inputs[0]], x.shape.count >= 2 else { continue }
            result[node.inputs[0]] = BackwardRules.batchStatistics(x.values, shape: x.shape)
        }
        return result
    }

    /// Samples whose arg-max class equals their label.
    static func correct(_ logits: Activation, labels: [Int]) -> Int {
        let classes = logits.shape[1]
        return labels.enumerated().filter { n, label in
            let row = logits.values[(n * classes)..<((n + 1) * classes)]
            return row.indices.max { row[$0] < row[$1] } == n * classes + label
        }.count
    }

    /// Each BatchNorm's running mean and variance moved towards the batch's mean and unbiased
    /// variance by the node's momentum (ONNX: running · momentum + batch · (1 − momentum)).
    private func runningStatistics(_ statistics: [ValueID: BatchStatistics]) -> [ValueID: [Float]] {
        var result: [ValueID: [Float]] = [:]
        for node in graph.nodes where node.opType == "BatchNormalization" {
            guard let batch = statistics[node.inputs[0]], let meanID = node.input(3), let varianceID = node.input(4),
                  let mean = graph.initializers[meanID]?.floats, let variance = graph.initializers[varianceID]?.floats else { continue }
            let momentum = node.float("momentum", default: 0.9)
            let unbiased = Float(batch.count) / Float(max(1, batch.count - 1))
            result[meanID] = zip(mean, batch.mean).map { $0 * momentum + $1 * (1 - momentum) }
            result[varianceID] = zip(variance, batch.variance).map { $0 * momentum + $1 * unbiased * (1 - momentum) }
        }
        return result
    }
}
