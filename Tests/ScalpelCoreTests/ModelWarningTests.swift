import Foundation
import ScalpelCore
import Testing

/// Models that load but say something impossible get a warning naming it; sound ones get none.
@Suite struct ModelWarningTests {
    @Test func impossibleButLoadableModelsAreNamedAtLoad() throws {
        var b = ModelBuilder(input: [1, 3, 8, 8])
        b.node("Relu", ["x"], ["r"], name: "act")
        b.node("Relu", ["r"], ["y"], name: "act")
        b.outputs("y", "y", "ghost")
        b.proto.opsetImport[0].version = 0
        #expect(try b.load().warnings == [
            "the model declares opset 0 for ONNX ops, which is no opset (they start at 1); where an op's rules changed between opsets, Scalpel may not read it as meant",
            "graph output 'ghost' is computed by no node and is no input: nothing can fill it",
            "graph output 'y' is listed 2 times",
            "2 nodes are named 'act'; that name finds the first, their paths or indices find the others",
        ])
    }

    @Test func fixturesHaveNoWarnings() throws {
        for name in ["mini_resnet", "plain_cnn_constants", "text_cnn"] {
            #expect(try Model.load(path: Fixtures.path(name)).warnings.isEmpty, "\(name)")
        }
    }
}
