import Foundation
import ScalpelCore
import ScalpelData
import ScalpelEngine
import ScalpelScoring
import Testing

/// The engine against ONNX Runtime's outputs stored with every fixture, and its refusals.
@Suite struct EngineParityTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let names: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? [])
        .filter { $0.hasSuffix(".npz") }.map { String($0.dropLast(4)) }.sorted()

    private func load(_ name: String) throws -> (Engine, Model) {
        let model = try Model.load(path: Self.fixtures.appendingPathComponent(name + ".onnx").path)
        return (try Engine(graph: model.graph, shapes: ShapeInference.infer(model.graph)), model)
    }

    @Test(arguments: names)
    func outputsMatchONNXRuntime(name: String) throws {
        let arrays = try NPZ.read(path: Self.fixtures.appendingPathComponent(name + ".npz").path)
        let x = try #require(arrays["x"]), y = try #require(arrays["y"])
        let (engine, model) = try load(name)
        let out = try engine.run([ValueID("x"): Activation(shape: x.shape, values: x.floats())])
        let result = try #require(out[model.graph.outputs[0].id])
        #expect(result.shape == y.shape)
        let expected = y.floats()
        let scale = expected.map(abs).max() ?? 1
        let error = zip(result.values, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(error / scale <= 1e-4, "\(name): max relative error \(error / scale)")
    }

    @Test func keepsIntermediatesAndStartsFromThem() throws {
        let (engine, model) = try load("mini_resnet")
        let arrays = try NPZ.read(path: Self.fixtures.appendingPathComponent("mini_resnet.npz").path)
        let x = try #require(arrays["x"])
        let middle = ValueID("/layer1/Relu_1_output_0")
        let full = try engine.run([ValueID("x"): Activation(shape: x.shape, values: x.floats())], keep: [middle])
        let kept = try #require(full[middle])
        #expect(kept.shape == [2, 8, 16, 16])
        let resumed = try engine.run([ValueID("x"): Activation(shape: x.shape, values: x.floats()), middle: kept])
        #expect(resumed[model.graph.outputs[0].id] == full[model.graph.outputs[0].id])
    }

    @Test func wrongInputShapeIsRefusedNamingBoth() throws {
        let (engine, _) = try load("plain_cnn_bn")
        #expect(throws: EngineError.badInput("input 'x' has shape [2, 1, 16, 16] but the model expects [N, 3, 16, 16]")) {
            _ = try engine.run([ValueID("x"): Activation(shape: [2, 1, 16, 16], values: Array(repeating: 0, count: 512))])
        }
    }

    @Test func anOpWithoutAKernelIsNamed() throws {
        var model = try Model.load(path: Self.fixtures.appendingPathComponent("plain_cnn_bn.onnx").path)
        let relu = try #require(model.graph.nodes.firstIndex { $0.opType == "Relu" })
        model.graph.nodes[relu].opType = "Mish2"
        model.graph.nodes[relu].domain = "com.example"
        #expect(throws: EngineError.unsupported(op: "Mish2", node: model.graph.nodes[relu].name, detail: "no kernel for this op: Scalpel does not know this op")) {
            _ = try Engine(graph: model.graph, shapes: ShapeInference.infer(model.graph))
        }
    }

    @Test func evaluationMatchesWhatPyTorchMeasured() throws {
        // examples/digits_cnn.json: test accuracy 0.997778, loss 0.055234 (PyTorch, eval mode).
        let root = Self.fixtures.deletingLastPathComponent().deletingLastPathComponent()
        let model = try Model.load(path: root.appendingPathComponent("examples/digits_cnn.onnx").path)
        let data = try Dataset.load(path: root.appendingPathComponent("examples/digits_test.npz").path)
        let result = try Evaluation.run(engine: try Engine(graph: model.graph, shapes: ShapeInference.infer(model.graph)), dataset: data)
        #expect(result.samples == 450)
        #expect(abs(result.top1 - 0.997778) < 1e-5)
        #expect(abs(result.meanLoss - 0.055234) < 1e-4)
        #expect(result.perClass[2].samples == 44 && result.perClass[2].correct == 43)
    }

    @Test func labelsOutOfRangeAreRefused() throws {
        let model = try Model.load(path: Self.fixtures.appendingPathComponent("plain_cnn_bn.onnx").path)
        let data = try Dataset(images: Array(repeating: 0, count: 2 * 3 * 16 * 16), shape: [2, 3, 16, 16], labels: [1, 12])
        #expect(throws: EngineError.badInput("label 12 of sample 1 is out of range: the model has 10 classes (0…9)")) {
            _ = try Evaluation.run(engine: try Engine(graph: model.graph, shapes: ShapeInference.infer(model.graph)), dataset: data)
        }
    }
}
