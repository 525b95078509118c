@testable import ScalpelCore
@testable import ScalpelEngine
import Testing

/// Every op Scalpel knows is complete facet by facet, or says why not: the tables of shape rules,
/// channel rules, kernels and gradient rules agree with one another and with the code they drive.
@Suite struct OpCompletenessTests {
    /// Every op any table names.
    static let known = Set(CoreSupport.shapeRuleOps + EngineSupport.kernelOps + ChannelRule.table.keys + GradientRule.table.keys).sorted()

    @Test func everyTabledOpInfersShapes() {
        for op in Self.known { #expect(CoreSupport.infersShapes(op), "\(op) is in a table but has no shape rule") }
    }

    @Test func everyOpThatRunsHasAGradientRuleOrSaysWhyNot() {
        for op in EngineSupport.kernelOps {
            #expect(GradientRule.table[op] != nil, "\(op) runs but the backward pass neither differentiates it nor says why not")
        }
        for op in Self.known {
            if let gap = EngineSupport.gradientGap(op) { #expect(!gap.isEmpty) }
        }
    }

    @Test func everyDifferentiatedOpRunsAndUnaryRulesHaveTheirDerivative() throws {
        let graph = try Model.load(path: EngineParityTests.fixtures.appendingPathComponent("plain_cnn_bn.onnx").path).graph
        for (op, rule) in GradientRule.table {
            if case .none = rule { continue }
            #expect(EngineSupport.runs(op), "\(op) has a gradient rule but no kernel")
            guard rule == .unary else { continue }
            let node = Node(id: NodeID(0), name: op, opType: op, inputs: [ValueID("x")], outputs: [ValueID("y")])
            let rules = BackwardRules(node: node, graph: graph, shapes: ShapeInfo(), values: [:])
            #expect(rules.unaryDerivative() != nil, "\(op) is tabled as unary but has no derivative")
        }
    }

    @Test func everyElementwiseKernelCarriesChannels() {
        for op in ElementwiseKernels.unaryOps.keys {
            #expect(ChannelRule.table[op] == .passThrough, "\(op) maps channel i to channel i but the channel table says \(String(describing: ChannelRule.table[op]))")
        }
        for op in ElementwiseKernels.binaryOps.keys { #expect(ChannelRule.table[op] == .elementwise, "\(op)") }
    }
}
