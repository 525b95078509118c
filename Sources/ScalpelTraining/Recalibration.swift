import ScalpelCore
import ScalpelData
import ScalpelEngine

/// How one BatchNorm's running statistics moved when they were estimated again.
public struct RecalibratedLayer: Sendable {
    /// The BatchNorm's display name.
    public let layer: String
    /// Its channel count.
    public let channels: Int
    /// The largest |new − old| running mean over its channels.
    public let largestMeanShift: Float
    /// The median over channels of new running variance ÷ old.
    public let medianVarianceRatio: Float
}

/// Re-estimates every BatchNorm's running mean and variance on (unlabelled) data after a cut, as
/// PyTorch does with `momentum=None` in training mode: the model runs forward batch by batch,
/// each BatchNorm normalising by the batch's own statistics, and its running mean and variance
/// become the averages over batches of the batch mean and unbiased variance. Nothing else changes.
public enum Recalibration {
    /// The graph with new running statistics, how each BatchNorm's moved, and how many samples
    /// were read. Throws when the model has no BatchNorm with running statistics stored as
    /// initializers, or no data.
    public static func run(graph original: Graph, dataset: Dataset, batchSize: Int, batches: Int? = nil,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> (graph: Graph, layers: [RecalibratedLayer], samples: Int) {
        var graph = original
        _ = try graph.untieParameters(shapes: ShapeInference.infer(original))
        let normalized = graph.nodes.filter { node in
            node.opType == "BatchNormalization"
                && [3, 4].allSatisfy { node.input($0).flatMap { graph.initializers[$0]?.floats } != nil }
        }
        guard !normalized.isEmpty else {
            throw EngineError.badInput("the model has no BatchNormalization whose running statistics are stored as initializers: nothing to recalibrate")
        }
        let ranges = Array(dataset.batches(size: batchSize).prefix(batches ?? .max))
        guard !ranges.isEmpty else { throw EngineError.badInput("the dataset is empty") }
        let engine = try Engine(graph: graph, shapes: ShapeInference.infer(graph), training: true)
        guard let input = engine.inputs.first else { throw EngineError.badInput("the model has no data input") }
        var sums: [NodeID: (mean: [Double], variance: [Double])] = [:]
        for (done, range) in ranges.enumerated() {
            let x = Activation(shape: [range.count] + dataset.sampleShape, values: dataset.images(in: range))
            for (node, moments) in try engine.batchNormMoments(inputs: [input.id: x]) {
                var sum = sums[node] ?? (Array(repeating: 0, count: moments.mean.count), Array(repeating: 0, count: moments.mean.count))
                for c in moments.mean.indices {
                    sum.mean[c] += Double(moments.mean[c])
                    sum.variance[c] += Double(moments.variance[c])
                }
                sums[node] = sum
            }
            progress(done + 1, ranges.count)
        }
        var layers: [RecalibratedLayer] = []
        for node in normalized {
            guard let sum = sums[node.id], let meanID = node.input(3), let varianceID = node.input(4),
                  let meanTensor = graph.initializers[meanID], let varianceTensor = graph.initializers[varianceID],
                  let oldMean = meanTensor.floats, let oldVariance = varianceTensor.floats,
                  oldMean.count == sum.mean.count, oldVariance.count == sum.variance.count else {
                throw EngineError.badInput("BatchNormalization '\(graph.displayName(of: node))' saw no batch statistics of its input's shape")
            }
            let batchCount = Double(ranges.count)
            let mean = sum.mean.map { Float($0 / batchCount) }, variance = sum.variance.map { Float($0 / batchCount) }
            graph.initializers[meanID] = Tensor(floats: mean, shape: meanTensor.shape)
            graph.initializers[varianceID] = Tensor(floats: variance, shape: varianceTensor.shape)
            let ratios = zip(variance, oldVariance).map { $1 > 0 ? $0 / $1 : .infinity }.sorted()
            layers.append(RecalibratedLayer(layer: graph.displayName(of: node), channels: mean.count,
                                            largestMeanShift: zip(mean, oldMean).map { abs($0 - $1) }.max() ?? 0,
                                            medianVarianceRatio: ratios.isEmpty ? 1 : ratios[ratios.count / 2]))
        }
        return (graph, layers, ranges.reduce(0) { $0 + $1.count })
    }
}
