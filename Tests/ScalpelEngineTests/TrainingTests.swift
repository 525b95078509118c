import Foundation
import ScalpelCore
import ScalpelEngine
import ScalpelScoring
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
}
