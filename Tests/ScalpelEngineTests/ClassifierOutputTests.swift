import Foundation
import ScalpelCore
import ScalpelEngine
import ScalpelData
import ScalpelScoring
import Testing

/// The loss of a model is the cross-entropy of what its output really holds: logits are
/// softmaxed, a Softmax's probabilities and a LogSoftmax's log-probabilities are not normalised
/// again. The reference is the cross-entropy computed from ONNX Runtime's outputs (the fixture's `y`).
@Suite struct ClassifierOutputTests {
    @Test(arguments: [("plain_cnn_bn", ClassifierOutput.Kind.logits), ("softmax_cnn", .probabilities),
                      ("logsoftmax_cnn", .logProbabilities), ("attention_block", .logProbabilities)])
    func lossIsTheCrossEntropyOfTheOutputsAsTheyAre(name: String, kind: ClassifierOutput.Kind) throws {
        let model = try Model.load(path: EngineParityTests.fixtures.appendingPathComponent(name + ".onnx").path)
        let arrays = try NPZ.read(path: EngineParityTests.fixtures.appendingPathComponent(name + ".npz").path)
        let x = try #require(arrays["x"]), y = try #require(arrays["y"])
        let classes = y.shape[1], labels = [3, 7]
        let outputs = y.floats()
        let rows = (0..<2).map { n in (0..<classes).map { Double(outputs[n * classes + $0]) } }
        let reference = zip(rows, labels).map { row, label -> Double in
            switch kind {
            case .logits: return log(row.map { exp($0) }.reduce(0, +)) - row[label]
            case .probabilities: return -log(row[label])
            case .logProbabilities: return -row[label]
            }
        }.reduce(0, +) / 2
        let engine = try Engine(graph: model.graph, shapes: ShapeInference.infer(model.graph))
        #expect(engine.classifierOutput.kind == kind)
        let data = try Dataset(images: x.floats(), shape: x.shape, labels: labels)
        let result = try Evaluation.run(engine: engine, dataset: data)
        #expect(result.lossOf == kind)
        #expect(abs(result.meanLoss - reference) <= 1e-5 * max(1, abs(reference)), "\(name): loss \(result.meanLoss), from ONNX Runtime's outputs \(reference)")
    }

    /// A Keras model ending in a softmax, exported by tf2onnx (Tests/Fixtures/keras, made by
    /// scripts/make-keras-fixtures.py): the loss on the test digits is the one Keras measured.
    @Test func kerasSoftmaxModelHasKerasLoss() throws {
        let folder = EngineParityTests.fixtures.appendingPathComponent("keras")
        let model = try Model.load(path: folder.appendingPathComponent("digits_keras.onnx").path)
        let golden = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("digits_keras.json"))) as? [String: Any])
        let root = EngineParityTests.fixtures.deletingLastPathComponent().deletingLastPathComponent()
        let nchw = try Dataset.load(path: root.appendingPathComponent("examples/digits_test.npz").path)
        // The model reads N×8×8×1: the stored N×1×8×8 images hold one channel, so the values keep their order.
        let data = try Dataset(images: nchw.images, shape: [nchw.count, 8, 8, 1], labels: nchw.labels)
        let engine = try Engine(graph: model.graph, shapes: ShapeInference.infer(model.graph))
        let result = try Evaluation.run(engine: engine, dataset: data)
        let kerasLoss = try #require(golden["keras_loss"] as? Double), kerasTop1 = try #require(golden["keras_top1"] as? Double)
        #expect(result.lossOf == .probabilities)
        #expect(abs(result.meanLoss - kerasLoss) <= 1e-4 * kerasLoss, "Scalpel \(result.meanLoss), Keras \(kerasLoss)")
        #expect(abs(result.top1 - kerasTop1) <= 1.5 / Double(result.samples), "Scalpel \(result.top1), Keras \(kerasTop1)")
    }
}
