import Foundation
import ScalpelCore
import Testing

/// Shape rules checked against sizes computed by hand from the ONNX operator definitions.
@Suite struct ShapeRuleTests {
    private func dims(_ info: ShapeInfo, _ value: String) -> String { info[ValueID(value)].shapeDescription }

    @Test func convWithStridesPadsDilationsAndGroups() throws {
        var b = ModelBuilder(input: ["N", 4, 15, 15])
        b.weight("w", [8, 2, 3, 3])
        // (15 + 1 + 2 - 2·(3-1) - 1) / 2 + 1 = 7
        b.node("Conv", ["x", "w"], ["y"], ["group": 2, "strides": [2, 2], "pads": [1, 1, 2, 2], "dilations": [2, 2]])
        b.weight("w2", [8, 8, 3, 3])
        b.node("Conv", ["y", "w2"], ["same"], ["auto_pad": "SAME_UPPER", "strides": [2, 2]])
        b.outputs("same")
        let info = try b.infer()
        #expect(dims(info, "y") == "[N, 8, 7, 7]")
        #expect(dims(info, "same") == "[N, 8, 4, 4]")
    }

    @Test func convChannelMismatchIsReportedWithTheLayerAndShapes() throws {
        var b = ModelBuilder(input: ["N", 3, 8, 8])
        b.weight("w", [8, 4, 3, 3])
        b.node("Conv", ["x", "w"], ["y"], name: "conv1")
        b.outputs("y")
        let info = try b.infer()
        #expect(info.problems.map(\.description) == [
            "node 'conv1' (Conv): input has 3 channels but the weight [8, 4, 3, 3] with group 1 expects 4",
        ])
        #expect(info[ValueID("y")].dims == nil)
    }

    @Test func poolingCeilModeAndConvTranspose() throws {
        var b = ModelBuilder(input: [1, 4, 10, 10])
        // ceil((10 - 3) / 2) + 1 = 5 with ceil_mode, 4 without
        b.node("MaxPool", ["x"], ["ceil"], ["kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1])
        b.node("AveragePool", ["x"], ["floor"], ["kernel_shape": [3, 3], "strides": [2, 2]])
        b.weight("wt", [4, 6, 4, 4])
        // 2·(10-1) + 0 + 4 - 1 - 1 = 20
        b.node("ConvTranspose", ["x", "wt"], ["up"], ["strides": [2, 2], "pads": [1, 1, 1, 1]])
        b.outputs("ceil", "floor", "up")
        let info = try b.infer()
        #expect(dims(info, "ceil") == "[1, 4, 5, 5]")
        #expect(dims(info, "floor") == "[1, 4, 4, 4]")
        #expect(dims(info, "up") == "[1, 6, 20, 20]")
    }

    @Test func shapeArithmeticFoldsWithASymbolicBatch() throws {
        // x.view(x.size(0), -1) as PyTorch exports it.
        var b = ModelBuilder(input: ["N", 8, 4, 4])
        b.node("Shape", ["x"], ["s"])
        b.ints("zero", [0], shape: [])
        b.node("Gather", ["s", "zero"], ["n"], ["axis": 0])
        b.ints("axes", [0])
        b.node("Unsqueeze", ["n", "axes"], ["n1"])
        b.ints("minus1", [-1])
        b.node("Concat", ["n1", "minus1"], ["target"], ["axis": 0])
        b.node("Reshape", ["x", "target"], ["flat"])
        b.outputs("flat")
        let info = try b.infer()
        #expect(info.folded[ValueID("target")]?.elements == [.symbol("N"), .value(-1)])
        #expect(dims(info, "flat") == "[N, 128]")
        #expect(info.problems.isEmpty)
    }

    /// The index arithmetic vision transformers and F.pad export: Mod in both sign conventions,
    /// a 2-D Slice reversed along its first axis, a Transpose, all folded.
    @Test func modSliceAndTransposeFold() throws {
        var b = ModelBuilder(input: ["N", 8, 4, 4])
        b.ints("a", [-7, 7, 5])
        b.ints("q", [3])
        b.node("Mod", ["a", "q"], ["python"])
        b.node("Mod", ["a", "q"], ["c"], ["fmod": 1])
        b.ints("pairs", [1, 2, 3, 4, 5, 6])
        b.ints("shape", [3, 2])
        b.node("Reshape", ["pairs", "shape"], ["grid"])
        b.ints("start", [-1])
        b.ints("end", [Int(Int64.min) / 2])
        b.ints("axis", [0])
        b.ints("step", [-1])
        b.node("Slice", ["grid", "start", "end", "axis", "step"], ["reversed"])
        b.node("Transpose", ["reversed"], ["columns"], ["perm": [1, 0]])
        b.node("Identity", ["x"], ["y"])
        b.outputs("y")
        let info = try b.infer()
        #expect(info.folded[ValueID("python")]?.integers == [2, 1, 2])
        #expect(info.folded[ValueID("c")]?.integers == [-1, 1, 2])
        #expect(info.folded[ValueID("reversed")]?.integers == [5, 6, 3, 4, 1, 2])
        #expect(info.folded[ValueID("columns")]?.shape == [2, 3])
        #expect(info.folded[ValueID("columns")]?.integers == [5, 3, 1, 6, 4, 2])
    }

    @Test func reshapeRejectsAnImpossibleElementCount() throws {
        var b = ModelBuilder(input: [2, 8, 4, 4])
        b.ints("target", [3, -1])
        b.node("Reshape", ["x", "target"], ["y"], name: "view")
        b.outputs("y")
        #expect(try b.infer().problems.map(\.message) == ["cannot reshape 256 elements into [3, -1]"])
    }

    @Test func splitSliceConcatAndResize() throws {
        var b = ModelBuilder(input: ["N", 12, 6, 6])
        b.ints("sizes", [4, 8])
        b.node("Split", ["x", "sizes"], ["a", "c"], ["axis": 1])
        b.ints("st", [1]); b.ints("en", [Int(Int64.max)]); b.ints("ax", [1]); b.ints("sp", [2])
        b.node("Slice", ["c", "st", "en", "ax", "sp"], ["odd"])
        b.node("Concat", ["a", "odd"], ["cat"], ["axis": 1])
        b.weight("scales", [4], value: 2)
        b.proto.graph.initializer[b.proto.graph.initializer.count - 1].rawData =
            [Float(1), 1, 2, 0.5].withUnsafeBytes { Data($0) }
        b.node("Resize", ["cat", "", "scales"], ["big"], ["mode": "nearest"])
        b.outputs("big")
        let info = try b.infer()
        #expect(dims(info, "a") == "[N, 4, 6, 6]")
        #expect(dims(info, "odd") == "[N, 4, 6, 6]")
        #expect(dims(info, "cat") == "[N, 8, 6, 6]")
        #expect(dims(info, "big") == "[N, 8, 12, 3]")
    }

    @Test func gemmMatMulAndBroadcasting() throws {
        var b = ModelBuilder(input: ["N", 64])
        b.weight("w", [10, 64])
        b.node("Gemm", ["x", "w"], ["logits"], ["transB": 1])
        b.weight("m", [5, 64, 7])
        b.node("MatMul", ["x", "m"], ["mm"])
        b.weight("bias", [3, 1, 1])
        b.node("Add", ["mm", "bias"], ["sum"])
        b.outputs("logits", "sum")
        let info = try b.infer()
        #expect(dims(info, "logits") == "[N, 10]")
        #expect(dims(info, "mm") == "[5, N, 7]")
        #expect(info.problems.map(\.message) == ["shapes [5, N, 7] and [3, 1, 1] cannot broadcast (5 vs 3)"])
    }

    @Test func einsumOutputsFollowTheEquation() throws {
        var b = ModelBuilder(input: ["N", 2, 4, 64])
        b.node("Einsum", ["x", "x"], ["scores"], ["equation": "bhid, bhjd -> bhij"])
        b.weight("mix", [4, 3])
        b.node("Einsum", ["x", "mix"], ["implicit"], ["equation": "...id,ik"])  // d and k used once: ...dk
        b.node("Einsum", ["x"], ["summed"], ["equation": "bhid->hd"])
        b.weight("odd", [5, 3])
        b.node("Einsum", ["x", "odd"], ["bad"], name: "bad", ["equation": "...id,ik"])
        b.node("Einsum", ["x"], ["diagonal"], name: "diagonal", ["equation": "bhii->bhi"])
        b.outputs("scores", "implicit", "summed", "bad", "diagonal")
        let info = try b.infer()
        #expect(dims(info, "scores") == "[N, 2, 4, 4]")
        #expect(dims(info, "implicit") == "[N, 2, 64, 3]")
        #expect(dims(info, "summed") == "[2, 64]")
        #expect(info.problems.map(\.message) == [
            "Einsum label 'i' has size 4 in one operand and 5 in another",
            "Einsum term 'bhii' repeats a label (a diagonal), which Scalpel does not run",
        ])
    }

    @Test func unknownOpDoesNotStopLoadingAndDependentsSaySo() throws {
        var b = ModelBuilder(input: ["N", 3, 8, 8])
        b.node("FancyNorm", ["x"], ["f"], name: "fancy")
        b.proto.graph.node[0].domain = "com.example"
        b.node("Relu", ["f"], ["y"], name: "relu")
        b.outputs("y")
        let model = try b.load()
        let info = ShapeInference.infer(model.graph)
        #expect(info.problems.map(\.kind) == [.noRule])
        #expect(info.problems.first?.description == "node 'fancy' (FancyNorm): no shape rule for FancyNorm in domain 'com.example'; its outputs are unknown")
        #expect(info[ValueID("y")].dims == nil)
        #expect(info.unknownCause[ValueID("y")] == model.graph.nodes[0].id)
    }

    @Test func reductionsSqueezeAndTranspose() throws {
        var b = ModelBuilder(input: ["N", 6, 5, 4])
        b.node("ReduceMean", ["x"], ["gap"], ["axes": [2, 3], "keepdims": 0])
        b.node("Transpose", ["x"], ["t"], ["perm": [0, 2, 3, 1]])
        b.ints("sq", [2])
        b.node("Unsqueeze", ["gap", "sq"], ["u"])
        b.node("Squeeze", ["u", "sq"], ["back"])
        b.node("Flatten", ["x"], ["flat"], ["axis": 2])
        b.outputs("t", "back", "flat")
        let info = try b.infer()
        #expect(dims(info, "gap") == "[N, 6]")
        #expect(dims(info, "t") == "[N, 5, 4, 6]")
        #expect(dims(info, "u") == "[N, 6, 1]")
        #expect(dims(info, "back") == "[N, 6]")
        #expect(dims(info, "flat") == "[?, 20]")
    }
}

/// Module paths recovered from PyTorch exporter node names.
@Suite struct ModulePathTests {
    @Test(arguments: [
        ("/layer1/layer1.0/conv1/Conv", "Conv", "layer1.0.conv1"),
        ("/layer2/layer2.0/downsample/downsample.0/Conv", "Conv", "layer2.0.downsample.0"),
        ("/features/features.1/conv/conv.0/conv.0.0/Conv", "Conv", "features.1.conv.0.0"),
        ("/features/features.3/features.3.0/block/block.2/fc1/Conv", "Conv", "features.3.0.block.2.fc1"),
        ("/layer1/layer1.0/Relu_1", "Relu", "layer1.0"),
        ("conv_7", "Conv", "conv_7"),
    ])
    func exporterScopesBecomeModulePaths(name: String, op: String, path: String) {
        let node = Node(id: NodeID(0), name: name, opType: op, inputs: [], outputs: [])
        #expect(LayerResolver.modulePath(of: node) == path)
    }
}

/// Layers found by the names their framework gave them.
@Suite struct FrameworkNameTests {
    @Test func kerasLayerNamesFindTheirLayers() throws {
        // tf2onnx scopes every node as model/layer_1/op (Keras 3 adds the `_1`).
        let model = try Model.load(path: Fixtures.directory.appendingPathComponent("keras/digits_keras.onnx").path)
        let resolver = LayerResolver(graph: model.graph, shapes: ShapeInference.infer(model.graph))
        #expect(model.graph.nodes[try resolver.resolve("conv2")].name == "sequential_1/conv2_1/BiasAdd")
        // The scope also holds the BiasAdd and Softmax: the MatMul is the layer.
        #expect(model.graph.nodes[try resolver.resolve("fc")].name == "sequential_1/fc_1/MatMul")
        #expect(model.graph.nodes[try resolver.resolve("pool")].name == "sequential_1/pool_1/MaxPool2d")
        // The model's own name is no layer, and `conv` names none (`conv1_1` is not `conv_1`).
        #expect(throws: CoreError.self) { try resolver.resolve("sequential") }
        #expect(throws: CoreError.self) { try resolver.resolve("conv") }
    }
}
