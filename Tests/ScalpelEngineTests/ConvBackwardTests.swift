import Foundation
import ScalpelCore
@testable import ScalpelEngine
import Testing

/// The convolution rules' input and weight gradients against direct sums in double, for
/// grouped, strided, dilated, padded and pointwise convolutions over several images.
@Suite struct ConvBackwardTests {
    /// One convolution: sizes, kernel, strides, pads (top, left, bottom, right), dilations, groups.
    struct Case: ConvolutionSizes, CustomTestStringConvertible, Sendable {
        var n = 2, c = 4, h = 7, w = 9, m = 6
        var kernel = [3, 3], strides = [1, 1], pads = [0, 0, 0, 0], dilations = [1, 1], group = 1
        var testDescription: String {
            "\(n)×\(c)×\(h)×\(w) → \(m), kernel \(kernel), strides \(strides), pads \(pads), dilations \(dilations), group \(group)"
        }
    }

    static let cases: [Case] = [
        Case(pads: [1, 1, 1, 1], group: 2),
        Case(n: 3, c: 3, h: 7, w: 9, m: 5, kernel: [3, 2], strides: [2, 3], pads: [1, 0, 2, 1]),
        Case(n: 2, c: 2, h: 8, w: 8, m: 3, pads: [2, 2, 2, 2], dilations: [2, 2]),
        Case(n: 4, c: 5, h: 3, w: 3, m: 7, kernel: [1, 1]),
        Case(n: 3, c: 6, h: 6, w: 6, m: 4, kernel: [1, 1], strides: [2, 2]),
        Case(n: 2, c: 4, h: 6, w: 6, m: 4, strides: [2, 2], pads: [1, 1, 1, 1], group: 4),
        Case(n: 2, c: 4, h: 6, w: 5, m: 8, pads: [1, 1, 1, 1], group: 4),
        Case(n: 3, c: 3, h: 6, w: 5, m: 4, kernel: [3, 2], pads: [2, 0, 1, 1]),
        Case(n: 2, c: 2, h: 3, w: 13, m: 3, kernel: [2, 5], pads: [0, 3, 1, 2]),
        // Big enough for the batch to split into two chunks of columns.
        Case(n: 30, c: 16, h: 40, w: 42, m: 2, kernel: [3, 2]),
    ]

    @Test(arguments: cases)
    func gradientsMatchDirectSums(_ t: Case) throws {
        var rng = SeededRandom(seed: UInt64(t.n * 1000 + t.c * 10 + t.m))
        let cg = t.c / t.group
        let x = WinogradTests.random(t.n * t.c * t.h * t.w, &rng), weights = WinogradTests.random(t.m * cg * t.kernel[0] * t.kernel[1], &rng)
        let dy = WinogradTests.random(t.n * t.m * t.oh * t.ow, &rng)
        let rule = try Self.rule(t, x: x, weights: weights)
        #expect(rule.shape(rule.node.outputs[0]) == [t.n, t.m, t.oh, t.ow])
        if t.n * t.c * t.h * t.w > 1 << 18 { #expect(BackwardConvColumns(try #require(Self.geometry(rule))).chunks.count > 1) }
        let dx = try #require(try rule.inputGradients(dy).first?.1)
        let dw = try #require(try rule.parameterGradients(dy).first?.1)
        var expectedX = [Double](repeating: 0, count: x.count), expectedW = [Double](repeating: 0, count: weights.count)
        t.forEachTap { y, xi, wi in
            expectedX[xi] += Double(dy[y]) * Double(weights[wi])
            expectedW[wi] += Double(dy[y]) * Double(x[xi])
        }
        for (name, got, expected) in [("∂x", dx, expectedX), ("∂W", dw, expectedW)] {
            let scale = expected.map(abs).max() ?? 1
            let error = zip(got, expected).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(got.count == expected.count && error / scale <= 1e-5, "\(name): max relative error \(error / scale)")
        }
    }

    /// The rule of a graph holding just this convolution, with its forward values for `x`.
    static func rule(_ t: Case, x: [Float], weights: [Float]) throws -> BackwardRules {
        try singleNodeRule("Conv", attributes: [
            .ints("kernel_shape", t.kernel), .ints("strides", t.strides), .ints("pads", t.pads),
            .ints("dilations", t.dilations), .int("group", t.group),
        ], input: Activation(shape: [t.n, t.c, t.h, t.w], values: x),
           weight: Tensor(floats: weights, shape: [t.m, t.c / t.group] + t.kernel))
    }

    /// The backward rule of a graph holding just one `op` node, reading `input` (and `weight`
    /// as an initializer), with its values from a forward pass.
    static func singleNodeRule(_ op: String, attributes: [Attribute], input: Activation, weight: Tensor? = nil) throws -> BackwardRules {
        let model = try Model.load(path: EngineParityTests.fixtures.appendingPathComponent("plain_cnn_bn.onnx").path)
        var graph = model.graph
        let (x, w, y) = (ValueID("x"), ValueID("w"), ValueID("y"))
        graph.nodes = [Node(id: NodeID(0), name: op, opType: op, inputs: weight == nil ? [x] : [x, w], outputs: [y], attributes: attributes)]
        graph.initializers = weight.map { [w: $0] } ?? [:]
        graph.initializerOrder = weight == nil ? [] : [w]
        graph.inputs = [graph.inputs[0]]
        (graph.inputs[0].id, graph.inputs[0].declaredType) = (x, nil)
        graph.outputs = [graph.outputs[0]]
        (graph.outputs[0].id, graph.outputs[0].declaredType) = (y, nil)
        graph.valueInfo = []
        let shapes = ShapeInference.infer(graph, inputs: [x: ValueType(.float32, input.shape)])
        let engine = try Engine(graph: graph, shapes: shapes)
        var values = try engine.run([x: input], keep: [y])
        values[x] = input
        return BackwardRules(node: graph.nodes[0], graph: graph, shapes: shapes, values: values)
    }

    /// The geometry the rule's convolution has.
    static func geometry(_ rule: BackwardRules) -> ConvKernels.Geometry? {
        ConvKernels.Geometry(rule.node, input: rule.shape(rule.node.inputs[0]), weight: rule.shape(rule.node.inputs[1]),
                             output: rule.shape(rule.node.outputs[0]))
    }
}
