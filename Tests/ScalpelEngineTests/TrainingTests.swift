import Foundation
import ScalpelCore
import ScalpelEngine
import ScalpelData
import ScalpelScoring
import ScalpelTraining
import Testing

/// Training steps against PyTorch: two optimizer steps on the mini ResNet fixture in training
/// mode give the weights and running statistics PyTorch's SGD and Adam give
/// (Tests/Fixtures/training/mini_resnet.steps.npz, made by scripts/make-training-golden.py).
@Suite struct TrainingTests {
    static let golden = EngineParityTests.fixtures.appendingPathComponent("training/mini_resnet.steps.npz").path

    @Test(arguments: [
        ("sgd", Optimizer(.sgd, learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4)),
        ("adam", Optimizer(.adam, learningRate: 0.01, weightDecay: 5e-4)),
    ])
    func twoStepsMatchPyTorch(name: String, optimizer: Optimizer) throws {
        let model = try Model.load(path: EngineParityTests.fixtures.appendingPathComponent("mini_resnet.onnx").path)
        let arrays = try NPZ.read(path: Self.golden)
        let x = try #require(arrays["x"]), labels = try #require(arrays["y"]).floats().map { Int($0) }
        let losses = try #require(arrays["loss.\(name)"]).floats()
        var training = try FineTuning(graph: model.graph, optimizer: optimizer)
        for stepIndex in 0..<2 {
            let batch = try training.step(images: x.floats(), shape: x.shape, labels: labels)
            #expect(abs(batch.loss - Double(losses[stepIndex])) <= 1e-5 * max(1, abs(Double(losses[stepIndex]))),
                    "\(name) step \(stepIndex + 1): loss \(batch.loss), PyTorch \(losses[stepIndex])")
        }
        var compared = 0
        for (key, expected) in arrays where key.hasPrefix(name + ".") {
            let id = ValueID(String(key.dropFirst(name.count + 1)))
            let original = try #require(model.graph.initializers[id]?.floats, "\(id) is not an initializer")
            let trained = try #require(training.graph.initializers[id]?.floats)
            let want = expected.floats()
            #expect(trained.count == want.count)
            let error = zip(trained, want).map { abs($0 - $1) }.max() ?? 0
            let moved = zip(original, want).map { abs($0 - $1) }.max() ?? 0
            #expect(error <= 1e-4, "\(name) \(id): max difference \(error) from PyTorch")
            #expect(moved > 1e-4, "\(name) \(id): PyTorch changed it by only \(moved), so the comparison would prove nothing")
            compared += 1
        }
        #expect(compared == model.graph.initializers.count, "every initializer is compared")
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The digits model and its 450 test images (small enough to train on in a test).
    static func digits() throws -> (Graph, Dataset) {
        let model = try Model.load(path: root.appendingPathComponent("examples/digits_cnn.onnx").path)
        return (model.graph, try Dataset.load(path: root.appendingPathComponent("examples/digits_test.npz").path))
    }

    @Test func theBestEpochOnValidationIsKept() throws {
        let (graph, data) = try Self.digits()
        let validation = try Dataset(images: data.images(in: 0..<100), shape: [100] + data.sampleShape, labels: data.labels(in: 0..<100))
        var training = try FineTuning(graph: graph, optimizer: Optimizer(.sgd, learningRate: 0.2, momentum: 0.9))
        let settings = FineTuningSettings(epochs: 3, batchSize: 64, optimizer: Optimizer(.sgd, learningRate: 0.2, momentum: 0.9))
        let result = try training.run(train: data, validation: validation, settings: settings)
        let scores = result.epochs.map { ($0.validation!.top1, -$0.validation!.meanLoss) }
        let best = try #require(scores.indices.max { scores[$0] < scores[$1] })
        #expect(result.keptEpoch == best + 1)
        // A fresh evaluation batches the images differently (32, not 64), so the SGEMMs sum in
        // another order: the predictions must agree, the loss to float32 rounding of the logits.
        let kept = try Evaluation.run(engine: try Engine(graph: result.graph, shapes: ShapeInference.infer(result.graph)), dataset: validation)
        let recorded = try #require(result.epochs[best].validation)
        #expect(kept.top1 == recorded.top1 && kept.top5 == recorded.top5)
        #expect(kept.perClass.map(\.correct) == recorded.perClass.map(\.correct))
        #expect(abs(kept.meanLoss - recorded.meanLoss) <= 1e-5 * max(1, abs(recorded.meanLoss)),
                "kept epoch's loss \(kept.meanLoss), recorded \(recorded.meanLoss)")
    }

    /// The engine is deterministic for a given machine and thread count: the same weights on the
    /// same batches give bit-identical outputs and losses, run after run.
    @Test func evaluatingTwiceGivesTheSameNumbers() throws {
        let (graph, data) = try Self.digits()
        let shapes = ShapeInference.infer(graph)
        let first = try Evaluation.run(engine: try Engine(graph: graph, shapes: shapes), dataset: data, batchSize: 64)
        let second = try Evaluation.run(engine: try Engine(graph: graph, shapes: shapes), dataset: data, batchSize: 64)
        #expect(first == second, "loss \(first.meanLoss) then \(second.meanLoss)")
        var training = try FineTuning(graph: graph, optimizer: Optimizer(.sgd, learningRate: 0.1))
        var again = try FineTuning(graph: graph, optimizer: Optimizer(.sgd, learningRate: 0.1))
        let batch = data.images(in: 0..<64), labels = try #require(data.labels).prefix(64).map { $0 }
        let a = try training.step(images: batch, shape: [64] + data.sampleShape, labels: labels)
        let b = try again.step(images: batch, shape: [64] + data.sampleShape, labels: labels)
        #expect(a.loss == b.loss)
        #expect(training.graph.initializers == again.graph.initializers)
    }

    @Test func aStopKeepsTheLastFinishedEpoch() throws {
        let (graph, data) = try Self.digits()
        let settings = FineTuningSettings(epochs: 3, batchSize: 64, optimizer: Optimizer(.adam, learningRate: 0.001), seed: 3)
        var oneEpoch = try FineTuning(graph: graph, optimizer: settings.optimizer)
        var single = settings
        single.epochs = 1
        let reference = try oneEpoch.run(train: data, validation: nil, settings: single)
        var stopped = try FineTuning(graph: graph, optimizer: settings.optimizer)
        var batches = 0
        let perEpoch = (data.count + 63) / 64
        let result = try stopped.run(train: data, validation: nil, settings: settings, progress: { _ in batches += 1 },
                                     shouldStop: { batches == perEpoch + 2 })
        #expect(result.interrupted)
        #expect(result.epochs.count == 1 && result.keptEpoch == 1)
        #expect(result.graph.initializers == reference.graph.initializers, "the stopped run keeps exactly epoch 1's weights")
        #expect(result.graph.initializers != graph.initializers)
    }
}
