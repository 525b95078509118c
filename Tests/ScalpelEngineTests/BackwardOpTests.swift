import Foundation
import ScalpelCore
@testable import ScalpelEngine
import ScalpelData
import Testing

/// The backward rules beyond the core CNN set, against central finite differences: each node
/// of a fixture alone (every gradient its rule returns, weights included), and whole fixtures.
@Suite struct BackwardOpTests {
    /// Fixtures built from the ops these rules cover (see scripts/make-fixtures.py).
    static let opFixtures = ["math_zoo", "layout_zoo", "attention_block", "activation_zoo"]

    /// A fixture's model, engine and input.
    struct Fixture {
        let graph: Graph
        let engine: Engine
        let x: Activation

        init(_ name: String) throws {
            let model = try Model.load(path: EngineParityTests.fixtures.appendingPathComponent(name + ".onnx").path)
            graph = model.graph
            engine = try Engine(graph: graph, shapes: ShapeInference.infer(graph))
            let arrays = try NPZ.read(path: EngineParityTests.fixtures.appendingPathComponent(name + ".npz").path)
            let xArray = try #require(arrays["x"])
            x = Activation(shape: xArray.shape, values: xArray.floats())
        }
    }

    /// For every node, with loss f = Σ r·y for random r over its outputs: the rule's gradient
    /// for each input, along a random direction d, equals (f(v + εd) − f(v − εd)) / 2ε, with the
    /// node's other inputs held fixed. The graph is cut to end at the node and run from the
    /// node's data inputs, so only the node runs; weights are perturbed in a copy of the graph.
    /// Nodes whose op declares no gradient (``EngineSupport/gradientGap(_:)``) are skipped, and so
    /// are inputs that are not float32 (masks, indices) and nodes that meet NaN or infinity
    /// (Sqrt of negatives, 1/0), where no derivative exists.
    @Test(arguments: opFixtures + ["yolo_block", "text_cnn", "reduction_zoo", "rearrange_zoo", "predicate_zoo", "normalization_zoo", "swish_zoo", "pad_modes_zoo"])
    func everyNodeRuleMatchesFiniteDifferences(fixture name: String) throws {
        let f = try Fixture(name)
        let given: [ValueID: Activation] = [ValueID("x"): f.x]
        let shapes = ShapeInference.infer(f.graph, inputs: [ValueID("x"): ValueType(.float32, f.x.shape)])
        let all = Set(f.graph.nodes.flatMap { $0.inputs + $0.outputs }.filter { !$0.isAbsent })
        let values = try f.engine.run(given, keep: all)
        var rng = SeededRandom(seed: UInt64(name.count))
        for node in f.graph.nodes where values[node.outputs[0]] != nil && EngineSupport.gradientGap(node.op) == nil
            && shapes[node.outputs[0]].elementType == .float32
            && (node.inputs + node.outputs).allSatisfy({ values[$0]?.values.allSatisfy(\.isFinite) ?? true }) {
            let outputs = node.outputs.filter { values[$0] != nil }
            let weights = outputs.map { v in values[v]!.values.map { _ in Float(rng.normal()) } }
            let rule = BackwardRules(node: node, graph: f.graph, shapes: shapes, values: values)
            let returned = node.opType == "Split"
                ? try rule.splitGradients(node.outputs.map { v in outputs.firstIndex(of: v).map { weights[$0] } })
                : try rule.inputGradients(weights[0])
            var gradients: [ValueID: [Float]] = [:]
            for (v, g) in returned { gradients[v] = gradients[v].map { zip($0, g).map(+) } ?? g }
            var cut = f.graph
            cut.outputs = outputs.map { v in
                var info = f.graph.outputs[0]
                (info.id, info.declaredType) = (v, nil)
                return info
            }
            var inputs = given
            for v in node.inputs where values[v] != nil && f.graph.initializers[v] == nil { inputs[v] = values[v] }
            let engine = try Engine(graph: cut, shapes: ShapeInference.infer(cut))
            func loss(_ perturbed: ValueID, _ direction: [Float], _ epsilon: Float) throws -> Double {
                var graph = cut, feed = inputs
                if let w = graph.initializers[perturbed], let floats = w.floats {
                    graph.initializers[perturbed] = Tensor(floats: zip(floats, direction).map { $0 + epsilon * $1 }, shape: w.shape)
                } else {
                    let a = try #require(feed[perturbed])
                    feed[perturbed] = Activation(shape: a.shape, values: zip(a.values, direction).map { $0 + epsilon * $1 })
                }
                let out = try (cut.initializers[perturbed] == nil ? engine : Engine(graph: graph, shapes: ShapeInference.infer(graph))).run(feed)
                return try zip(outputs, weights).reduce(0.0) { sum, pair in
                    let y = try #require(out[pair.0])
                    return sum + zip(y.values, pair.1).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                }
            }
            // Each loss sums float32 outputs, each rounded by up to half an ulp (2⁻²⁴ relative); the
            // roundings are independent, so a loss is off by about √Σ(r·y)²·2⁻²⁴, and a difference
            // divided by ε = 1e-3 by that over ε. Four times it covers the rounding inside the node
            // (it matters only for nodes with many large outputs, such as a wide Sum).
            var squares = 0.0
            for (v, r) in zip(outputs, weights) {
                for (y, w) in zip(values[v]!.values, r) { squares += Double(y) * Double(w) * Double(y) * Double(w) }
            }
            let rounding: Double = 4 * squares.squareRoot() / Double(1 << 24) / 1e-3
            for (v, g) in gradients where shapes[v].elementType == .float32 {
                // Steps scaled to the value's size, so that ε is relative.
                let current = try values[v]?.values ?? #require(f.graph.initializers[v]?.floats)
                let size = (current.reduce(Float(0)) { $0 + $1 * $1 } / Float(current.count)).squareRoot()
                let direction = g.map { _ in Float(rng.normal()) * size }
                let analytic = zip(g, direction).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                let numeric = try Self.finiteDifference(near: analytic) { try loss(v, direction, $0) }
                #expect(abs(numeric - analytic) <= 1e-2 * max(abs(numeric), abs(analytic)) + 5e-3 + rounding,
                        "\(name) \(node.opType) '\(f.graph.displayName(of: node))' ∂/∂\(v): finite difference \(numeric), rule \(analytic)")
            }
        }
    }

    /// The central, forward or backward difference of f at 0, whichever is nearest `analytic`:
    /// a kink (ReLU, Abs, Max) crossed on one side spoils the central difference and that side's,
    /// but not the other side's; a wrong gradient is far from all three.
    static func finiteDifference(near analytic: Double, epsilon: Float = 1e-3, _ f: (Float) throws -> Double) rethrows -> Double {
        let (plus, zero, minus) = (try f(epsilon), try f(0), try f(-epsilon))
        let estimates = [(plus - minus) / 2, plus - zero, zero - minus].map { $0 / Double(epsilon) }
        return estimates.min { abs($0 - analytic) < abs($1 - analytic) }!
    }

    /// ∂(cross-entropy)/∂x through each whole fixture, along random directions and at single elements.
    @Test(arguments: opFixtures + ["softmax_cnn", "logsoftmax_cnn", "swish_zoo", "text_cnn"])
    func inputGradientsMatchFiniteDifferences(fixture name: String) throws {
        let f = try Fixture(name)
        let labels = [1, 3]
        let (_, gradient, _) = try f.engine.gradient(of: ValueID("x"), inputs: [ValueID("x"): f.x], labels: labels)
        func loss(_ input: Activation) throws -> Double {
            let out = try #require(try f.engine.run([ValueID("x"): input])[f.graph.outputs[0].id])
            let classes = out.shape[1]
            return labels.enumerated().reduce(0.0) { sum, sample in
                sum + f.engine.classifierOutput.loss(out.values[(sample.offset * classes)..<((sample.offset + 1) * classes)], sample.element)
            }
        }
        var rng = SeededRandom(seed: 7 &+ UInt64(name.count))
        for trial in 0..<8 {
            var direction = [Float](repeating: 0, count: f.x.count)
            if trial < 4 {
                direction = direction.map { _ in Float(rng.normal()) }
            } else {
                direction[Int(rng.next() % UInt64(f.x.count))] = 1
            }
            let analytic = zip(gradient.values, direction).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let numeric = try Self.finiteDifference(near: analytic) { epsilon in
                try loss(Activation(shape: f.x.shape, values: zip(f.x.values, direction).map { $0 + epsilon * $1 }))
            }
            #expect(abs(numeric - analytic) <= 1e-2 * max(abs(numeric), abs(analytic)) + 1e-3,
                    "\(name) direction \(trial): finite difference \(numeric), backward \(analytic)")
        }
    }

    /// Floor's gradient is zero wherever it exists: the backward pass refuses and says why.
    @Test func piecewiseConstantOpRefuses() throws {
        let f = try Fixture("math_zoo")
        var graph = f.graph
        let abs = try #require(graph.nodes.firstIndex { $0.opType == "Abs" })
        graph.nodes[abs].opType = "Floor"
        let engine = try Engine(graph: graph, shapes: ShapeInference.infer(graph))
        let error = #expect(throws: EngineError.self) {
            try engine.gradient(of: ValueID("x"), inputs: [ValueID("x"): f.x], labels: [1, 3])
        }
        #expect(error?.description.contains("Floor is piecewise constant") == true, "\(String(describing: error))")
    }

    /// A Split whose later outputs are read needs their gradients too: the single-gradient entry refuses.
    @Test func splitWithSeveralReadOutputsRefusesOneGradient() throws {
        let f = try Fixture("yolo_block")
        let split = try #require(f.graph.nodes.first { $0.opType == "Split" })
        let shapes = ShapeInference.infer(f.graph, inputs: [ValueID("x"): ValueType(.float32, f.x.shape)])
        let values = try f.engine.run([ValueID("x"): f.x], keep: Set(split.inputs + split.outputs))
        let rule = BackwardRules(node: split, graph: f.graph, shapes: shapes, values: values)
        let dy = try #require(values[split.outputs[0]]).values
        let error = #expect(throws: EngineError.self) { try rule.inputGradients(dy) }
        #expect(error?.description.contains("only the first output's gradient") == true, "\(String(describing: error))")
    }
}
