import Foundation
import ScalpelCore
import ScalpelData
import ScalpelEngine
import ScalpelScoring

/// How the learning rate changes over a run.
public enum LearningRateSchedule: String, Sendable, CaseIterable {
    /// The optimizer's rate throughout.
    case constant
    /// Cosine annealing from the optimizer's rate to zero over all steps of the run (no restarts).
    case cosine

    /// The rate for step `step` (0-based) of `total`, starting from `base`.
    public func rate(_ base: Float, step: Int, of total: Int) -> Float {
        switch self {
        case .constant: base
        case .cosine: base * Float(0.5 * (1 + cos(Double.pi * Double(step) / Double(max(1, total)))))
        }
    }
}

/// How a fine-tuning run goes: epochs, minibatch size, optimizer and shuffling seed.
public struct FineTuningSettings: Sendable {
    /// Passes over the training data.
    public var epochs: Int
    /// Samples per minibatch (the last one of an epoch may be smaller).
    public var batchSize: Int
    /// The update rule and its settings.
    public var optimizer: Optimizer
    /// How the learning rate changes from step to step.
    public var schedule: LearningRateSchedule
    /// Seeds the shuffling of each epoch's sample order.
    public var seed: UInt64

    /// Settings from their parts.
    public init(epochs: Int, batchSize: Int, optimizer: Optimizer, schedule: LearningRateSchedule = .constant, seed: UInt64 = 0) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.schedule = schedule
        self.seed = seed
    }
}

/// What one finished epoch measured.
public struct EpochReport: Sendable {
    /// 1-based epoch number.
    public let epoch: Int
    /// Mean training cross-entropy over the epoch's minibatches (in training mode).
    public let loss: Double
    /// Fraction of training samples classified right during the epoch.
    public let accuracy: Double
    /// The model after the epoch on the validation data, when some was given.
    public let validation: EvaluationResult?
}

/// The outcome of a fine-tuning run.
public struct FineTuningResult: Sendable {
    /// The model with the weights kept: the best epoch on the validation data, else the last finished one.
    public let graph: Graph
    /// Every finished epoch, in order.
    public let epochs: [EpochReport]
    /// The epoch whose weights were kept; nil when no epoch finished (the graph is the original).
    public let keptEpoch: Int?
    /// Whether the run was stopped before its last epoch finished.
    public let interrupted: Bool
}

/// Progress of a fine-tuning run, reported after every minibatch.
public struct FineTuningProgress: Sendable {
    /// The epoch under way (1-based) and how many there are.
    public let epoch: Int, epochs: Int
    /// Samples done in this epoch and in all.
    public let done: Int, total: Int
    /// Running mean loss and accuracy of this epoch so far.
    public let loss: Double, accuracy: Double
}

/// Trains a classifier's parameters on labelled data with shuffled minibatches, updating
/// BatchNorm running statistics as frameworks do in training mode.
public struct FineTuning: Sendable {
    /// The model as trained so far.
    public var graph: Graph { engine.graph }
    private var optimizer: Optimizer
    private let shapes: ShapeInfo
    private let parameters: [ValueID]
    /// The training engine, whose graph each step updates in place.
    private var engine: Engine
    /// Parameters that were read through another value (an exporter's alias, a `Constant` node)
    /// or shared BatchNorm statistics with another reader, and were given tensors of their own
    /// before training, so that updating one changes nothing else.
    public let untied: [UntiedParameter]

    /// A run starting from `graph`; throws when the engine cannot run it, it has nothing to train,
    /// or a parameter could not be given a tensor of its own.
    public init(graph original: Graph, optimizer: Optimizer) throws {
        self.optimizer = optimizer
        var graph = original
        let originalShapes = ShapeInference.infer(original)
        untied = try graph.untieParameters(shapes: originalShapes)
        shapes = untied.isEmpty ? originalShapes : ShapeInference.infer(graph)
        parameters = Engine.trainableParameters(of: graph)
        guard !parameters.isEmpty else {
            throw EngineError.badInput("the model has no trainable parameters (Conv, Gemm, MatMul or BatchNormalization weights stored as initializers)")
        }
        engine = try Engine(graph: graph, shapes: shapes, training: true)
    }

    /// One optimizer step on a minibatch; returns what its forward and backward pass found.
    public mutating func step(images: [Float], shape: [Int], labels: [Int]) throws -> TrainingBatch {
        guard let input = engine.inputs.first else { throw EngineError.badInput("the model has no data input") }
        let batch = try engine.trainingPass(inputs: [input.id: Activation(shape: shape, values: images)], labels: labels)
        var values: [ValueID: [Float]] = [:]
        for p in parameters { values[p] = engine.graph.initializers[p]?.floats }
        optimizer.step(&values, gradients: batch.gradients)
        let updated = values.merging(batch.runningStatistics, uniquingKeysWith: { a, _ in a })
        try engine.setParameters(updated)
        return batch
    }

    /// Runs `settings.epochs` epochs over `train`, evaluating on `validation` after each.
    /// `progress` hears after every minibatch, `finished` after every epoch; `shouldStop` is
    /// asked before every minibatch, and a stop discards the unfinished epoch.
    public mutating func run(train: Dataset, validation: Dataset?, settings: FineTuningSettings,
                             progress: (FineTuningProgress) -> Void = { _ in }, finished: (EpochReport) -> Void = { _ in },
                             shouldStop: () -> Bool = { false }) throws -> FineTuningResult {
        guard let labels = train.labels else {
            throw DataError.noLabels(purpose: "training")
        }
        optimizer = settings.optimizer
        var rng = SeededRandom(seed: settings.seed)
        var reports: [EpochReport] = []
        var kept: (graph: Graph, epoch: Int?, score: (Double, Double)?) = (graph, nil, nil)
        let sampleSize = train.sampleSize
        let stepsPerEpoch = (train.count + settings.batchSize - 1) / settings.batchSize
        var stepIndex = 0
        for epoch in 1...max(1, settings.epochs) {
            let order = Array(0..<train.count).shuffled(using: &rng)
            let finishedGraph = graph
            var lossSum = 0.0, correct = 0, done = 0
            for start in stride(from: 0, to: order.count, by: settings.batchSize) {
                if shouldStop() {
                    engine = try Engine(graph: finishedGraph, shapes: shapes, training: true)
                    return FineTuningResult(graph: kept.graph, epochs: reports, keptEpoch: kept.epoch, interrupted: true)
                }
                let batch = order[start..<min(order.count, start + settings.batchSize)]
                var images = [Float](repeating: 0, count: batch.count * sampleSize)
                for (row, sample) in batch.enumerated() {
                    images.replaceSubrange((row * sampleSize)..<((row + 1) * sampleSize),
                                           with: train.images[(sample * sampleSize)..<((sample + 1) * sampleSize)])
                }
                optimizer.learningRate = settings.schedule.rate(settings.optimizer.learningRate, step: stepIndex, of: stepsPerEpoch * settings.epochs)
                stepIndex += 1
                let result = try step(images: images, shape: [batch.count] + train.sampleShape, labels: batch.map { labels[$0] })
                lossSum += result.loss * Double(batch.count)
                correct += result.correct
                done += batch.count
                progress(FineTuningProgress(epoch: epoch, epochs: settings.epochs, done: done, total: order.count,
                                            loss: lossSum / Double(done), accuracy: Double(correct) / Double(done)))
            }
            var evaluation: EvaluationResult?
            if let validation {
                evaluation = try Evaluation.run(engine: try Engine(graph: graph, shapes: shapes), dataset: validation,
                                                batchSize: settings.batchSize)
            }
            reports.append(EpochReport(epoch: epoch, loss: lossSum / Double(max(1, done)), accuracy: Double(correct) / Double(max(1, done)),
                                       validation: evaluation))
            finished(reports[reports.count - 1])
            // Higher validation accuracy wins, then lower validation loss; without validation the last epoch is kept.
            let score = evaluation.map { ($0.top1, -$0.meanLoss) }
            if let score, let best = kept.score, !(score > best) { continue }
            kept = (graph, epoch, score)
        }
        return FineTuningResult(graph: kept.graph, epochs: reports, keptEpoch: kept.epoch, interrupted: false)
    }
}
