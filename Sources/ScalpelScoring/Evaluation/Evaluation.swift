import Foundation
import ScalpelCore
import ScalpelData
import ScalpelEngine

/// Accuracy and loss of a classifier on a labelled dataset.
public struct EvaluationResult: Sendable, Equatable {
    /// Samples evaluated.
    public var samples: Int
    /// Fraction whose highest-scored class is the label.
    public var top1: Double
    /// Fraction whose label is among the five highest-scored classes (nil below 10 classes).
    public var top5: Double?
    /// Mean cross-entropy against the labels, of the outputs as ``lossOf`` says they are.
    public var meanLoss: Double
    /// What the outputs were taken to be.
    public var lossOf: ClassifierOutput.Kind
    /// Per class: samples and how many were right at top-1.
    public var perClass: [(samples: Int, correct: Int)]

    /// Per-class accuracy (nil for a class with no samples).
    public func accuracy(ofClass c: Int) -> Double? {
        perClass[c].samples == 0 ? nil : Double(perClass[c].correct) / Double(perClass[c].samples)
    }

    public static func == (a: EvaluationResult, b: EvaluationResult) -> Bool {
        a.samples == b.samples && a.top1 == b.top1 && a.top5 == b.top5 && a.meanLoss == b.meanLoss
            && a.perClass.map(\.samples) == b.perClass.map(\.samples) && a.perClass.map(\.correct) == b.perClass.map(\.correct)
    }
}

/// Runs a classifier over a dataset in batches and scores its predictions.
public enum Evaluation {
    /// Evaluates `engine` on `dataset` (optionally its first `limit` samples). `progress` is
    /// called with (done, total) after each batch.
    public static func run(engine: Engine, dataset: Dataset, limit: Int? = nil, batchSize: Int = 32,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> EvaluationResult {
        guard let labels = dataset.labels else {
            throw DataError.noLabels(purpose: "evaluation")
        }
        guard let input = engine.inputs.first else { throw EngineError.badInput("the model has no data input") }
        let total = min(limit ?? dataset.count, dataset.count)
        var correct1 = 0, correct5 = 0, loss = 0.0
        var perClass: [(samples: Int, correct: Int)] = []
        var classes = 0
        try dataset.forEachBatch(upTo: total, size: batchSize) { range, x in
            let outputs = try engine.run([input.id: x])
            guard let logits = outputs.values.first, logits.shape.count == 2, logits.shape[0] == range.count else {
                throw EngineError.badInput("eval needs a classifier whose output is N × classes")
            }
            classes = logits.shape[1]
            if perClass.isEmpty { perClass = Array(repeating: (0, 0), count: classes) }
            for (row, sample) in range.enumerated() {
                let label = labels[sample]
                guard label >= 0, label < classes else {
                    throw EngineError.badInput("label \(label) of sample \(sample) is out of range: the model has \(classes) classes (0…\(classes - 1))")
                }
                let scores = Array(logits.values[(row * classes)..<((row + 1) * classes)])
                let ranked = scores.indices.sorted { (scores[$0], -$0) > (scores[$1], -$1) }
                perClass[label].samples += 1
                if ranked[0] == label { correct1 += 1; perClass[label].correct += 1 }
                if ranked.prefix(5).contains(label) { correct5 += 1 }
                loss += engine.classifierOutput.loss(scores, label)
            }
            progress(range.upperBound, total)
        }
        guard total > 0 else { throw EngineError.badInput("the dataset is empty") }
        return EvaluationResult(samples: total, top1: Double(correct1) / Double(total),
                                top5: classes >= 10 ? Double(correct5) / Double(total) : nil,
                                meanLoss: loss / Double(total), lossOf: engine.classifierOutput.kind, perClass: perClass)
    }
}
