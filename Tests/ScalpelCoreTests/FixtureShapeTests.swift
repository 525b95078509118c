import Foundation
import ScalpelCore
import Testing

/// Shape inference, parameter and MAC counts against what ONNX Runtime and PyTorch measured.
@Suite struct FixtureShapeTests {
    @Test func fixturesArePresent() {
        #expect(Fixtures.names.count >= 10, "Tests/Fixtures should hold the committed fixtures")
    }

    @Test(arguments: Fixtures.names)
    func inferredShapesMatchONNXRuntime(name: String) throws {
        let golden = try Fixtures.golden(name)
        let model = try Model.load(path: Fixtures.path(name))
        let shapes = ShapeInference.infer(model.graph)
        #expect(shapes.problems.isEmpty, "\(shapes.problems)")
        #expect(!golden.values.isEmpty)
        // A model whose input batch axis is unnamed (a literal -1, as paddle2onnx writes) has an unknown batch axis throughout.
        let unnamedBatch = model.graph.dataInputs.first?.declaredType?.dims?.first == .unknown
        for (value, real) in golden.values {
            let dims = try #require(shapes[ValueID(value)].dims, "no shape inferred for \(value)")
            let concrete = dims.enumerated().map { i, d -> Int? in
                switch d {
                case let .value(v): v
                case .symbol("N"): golden.batch
                case .unknown where unnamedBatch && i == 0: golden.batch
                default: nil
                }
            }
            #expect(concrete == real.map { $0 }, "\(name): \(value) inferred \(dims), ONNX Runtime gives \(real)")
        }
    }

    @Test(arguments: Fixtures.names)
    func parametersAndMACsMatchGolden(name: String) throws {
        let golden = try Fixtures.golden(name)
        let model = try Model.load(path: Fixtures.path(name))
        let summary = ModelSummary(graph: model.graph, shapes: ShapeInference.infer(model.graph))
        #expect(summary.totalParameters == golden.params)
        #expect(summary.totalMACs == golden.macs)
        #expect(summary.unknownMACLayers == 0)
    }
}
