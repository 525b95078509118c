import Foundation
import ScalpelCore
import ScalpelEngine
import ScalpelData
import Testing

/// Every backward rule, through whole fixtures: ∂loss/∂input against central finite differences.
@Suite struct BackwardTests {
    @Test(arguments: ["plain_cnn_bn", "flatten_gemm", "mini_resnet", "se_block", "mini_densenet", "mobilenetv2_block"])
    func inputGradientsMatchFiniteDifferences(fixture: String) throws {
        let model = try Model.load(path: EngineParityTests.fixtures.appendingPathComponent(fixture + ".onnx").path)
        let engine = try Engine(graph: model.graph, shapes: ShapeInference.infer(model.graph))
        let arrays = try NPZ.read(path: EngineParityTests.fixtures.appendingPathComponent(fixture + ".npz").path)
        let xArray = try #require(arrays["x"])
        let x = Activation(shape: xArray.shape, values: xArray.floats())
        let labels = [1, 3]
        let (_, gradient, _) = try engine.gradient(of: ValueID("x"), inputs: [ValueID("x"): x], labels: labels)
        func loss(_ input: Activation) throws -> Double {
            let out = try #require(try engine.run([ValueID("x"): input])[model.graph.outputs[0].id])
            let classes = out.shape[1]
            return (0..<labels.count).reduce(0.0) { sum, n in
                let row = out.values[(n * classes)..<((n + 1) * classes)].map(Double.init)
                let m = row.max() ?? 0
                return sum - (row[labels[n]] - m - log(row.reduce(0) { $0 + exp($1 - m) }))
            }
        }
        var rng = SeededRandom(seed: UInt64(fixture.count))
        let epsilon: Float = 1e-2
        for _ in 0..<6 {
            let i = Int(rng.next() % UInt64(x.count))
            var plus = x, minus = x
            plus.values[i] += epsilon
            minus.values[i] -= epsilon
            let numeric = (try loss(plus) - loss(minus)) / Double(2 * epsilon)
            let analytic = Double(gradient.values[i])
            #expect(abs(numeric - analytic) <= 0.05 * max(abs(numeric), abs(analytic)) + 2e-3,
                    "\(fixture) x[\(i)]: finite difference \(numeric), backward \(analytic)")
        }
    }
}
