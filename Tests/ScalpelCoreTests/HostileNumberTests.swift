import Foundation
import ScalpelCore
import Testing

/// Numbers a file supplies that no real model holds (sizes near 2⁶³, NaN scales, negative
/// dimensions, ranges of 10¹² elements) give a shape problem naming the node, never a trap, an
/// allocation of terabytes or a loop that does not end.
@Suite struct HostileNumberTests {
    /// The shape problems of `b`'s model, as `node 'name' (Op): message`.
    private func problems(_ b: ModelBuilder) throws -> [String] {
        try b.infer().problems.map(\.description)
    }

    @Test func convPadsNearTheIntegerLimit() throws {
        var b = ModelBuilder(input: [1, 3, 8, 8])
        b.weight("w", [4, 3, 3, 3])
        b.node("Conv", ["x", "w"], ["y"], name: "conv", ["pads": [1 << 62, 1 << 62, 1 << 62, 1 << 62]])
        b.outputs("y")
        #expect(try problems(b) == ["node 'conv' (Conv): pads [\(1 << 62), \(1 << 62), \(1 << 62), \(1 << 62)] exceed the limit of 2147483647 on window sizes"])
    }

    @Test func convGroupsThatCannotBe() throws {
        for group in [0, -3, 1 << 40] {
            var b = ModelBuilder(input: [1, 3, 8, 8])
            b.weight("w", [4, 3, 3, 3])
            b.node("Conv", ["x", "w"], ["y"], name: "conv", ["group": group])
            b.outputs("y")
            #expect(try problems(b) == ["node 'conv' (Conv): group \(group) must be between 1 and 2147483647"])
        }
    }

    @Test func reshapeToAHugeShape() throws {
        var b = ModelBuilder(input: [1, 3, 8, 8])
        b.ints("s", [1 << 40, 1 << 40, 1 << 40])
        b.node("Reshape", ["x", "s"], ["y"], name: "reshape")
        b.outputs("y")
        #expect(try problems(b) == ["node 'reshape' (Reshape): reshape [1, 3, 8, 8] into [\(1 << 40), \(1 << 40), \(1 << 40)] counts more than 2^40 elements"])
    }

    @Test func foldedDivisionThatOverflowsIsNotFolded() throws {
        var b = ModelBuilder(input: [1, 3, 8, 8])
        b.ints("a", [Int.min])
        b.ints("b", [-1])
        b.node("Div", ["a", "b"], ["q"], name: "div")
        b.node("Mul", ["a", "a"], ["p"], name: "mul")
        b.node("Neg", ["a"], ["n"], name: "neg")
        b.outputs("q", "p", "n")
        let info = try b.infer()
        #expect(info.problems.isEmpty)
        for v in ["q", "p", "n"] { #expect(info.folded[ValueID(v)]?.integers == nil, "\(v) was folded from an overflow") }
    }

    @Test func resizeScalesThatAreNotNumbers() throws {
        var b = ModelBuilder(input: [1, 3, 8, 8])
        b.weight("scales", [4], value: .nan)
        b.node("Resize", ["x", "", "scales"], ["y"], name: "resize")
        b.outputs("y")
        #expect(try problems(b) == ["node 'resize' (Resize): scales [nan, nan, nan, nan] must be finite and positive, and give sizes up to 2^40"])
    }

    @Test func constantOfShapeNegativeOrTerabytes() throws {
        var b = ModelBuilder(input: [1, 3, 8, 8])
        b.ints("negative", [1, -3, 8, 8])
        b.node("ConstantOfShape", ["negative"], ["c"], name: "negative")
        b.ints("huge", [1_000_000, 1_000_000, 6])
        b.node("ConstantOfShape", ["huge"], ["d"], name: "huge")
        b.outputs("c", "d")
        #expect(try problems(b) == [
            "node 'negative' (ConstantOfShape): ConstantOfShape cannot make a dimension of -3",
            "node 'huge' (ConstantOfShape): its output [1000000, 1000000, 6] would have more than 2^40 elements",
        ])
    }

    @Test func rangeOfATrillionElementsIsNotFolded() throws {
        var b = ModelBuilder(input: [1, 3, 8, 8])
        b.ints("start", [0], shape: [])
        b.ints("limit", [1_000_000_000_000], shape: [])
        b.ints("delta", [1], shape: [])
        b.node("Range", ["start", "limit", "delta"], ["r"], name: "range")
        b.ints("farLimit", [Int.max], shape: [])
        b.node("Range", ["start", "farLimit", "delta"], ["far"], name: "far")
        b.outputs("r", "far")
        let info = try b.infer()
        #expect(info[ValueID("r")].shapeDescription == "[1000000000000]")
        #expect(info.folded[ValueID("r")] == nil)
        #expect(info.problems.map(\.description) == ["node 'far' (Range): Range from 0.0 to 9.223372036854776e+18 by 1.0 has more than 2^40 elements"])
    }

    @Test func declaredInputSizesBeyondBeliefBecomeUnknown() throws {
        var b = ModelBuilder(input: [Int.max, 3, 8, 8])
        b.weight("w", [4, 3, 3, 3])
        b.node("Conv", ["x", "w"], ["y"], name: "conv", ["pads": [1, 1, 1, 1]])
        b.node("Shape", ["x"], ["s"], name: "shape")
        b.node("ReduceProd", ["s"], ["p"], name: "prod", ["keepdims": 1])
        b.outputs("y", "p")
        let info = try b.infer()
        #expect(info.problems.isEmpty)
        #expect(info[ValueID("y")].shapeDescription == "[?, 4, 8, 8]")
    }

    @Test func padsAndWindowsOfTheSmallestInteger() throws {
        var b = ModelBuilder(input: [1, 3, 8, 8])
        b.ints("pads", [0, 0, Int.min, 0, 0, 0, 0, 0])
        b.node("Pad", ["x", "pads"], ["p"], name: "pad")
        b.weight("w", [4, 3, 3, 3])
        b.node("Conv", ["x", "w"], ["y"], name: "conv", ["pads": [Int.min, 0, 0, 0]])
        b.outputs("p", "y")
        #expect(try problems(b) == [
            "node 'pad' (Pad): pads [0, 0, \(Int.min), 0, 0, 0, 0, 0] exceed the limit of 2^40",
            "node 'conv' (Conv): pads [\(Int.min), 0, 0, 0] exceed the limit of 2147483647 on window sizes",
        ])
    }

    @Test func sliceStepsOfTheExtremeIntegers() throws {
        var b = ModelBuilder(input: [1, 3, 8, 8])
        b.ints("starts", [7]); b.ints("ends", [Int.min]); b.ints("axes", [3])
        b.ints("down", [Int.min]); b.ints("up", [Int.max])
        b.ints("zero", [0]); b.ints("last", [Int.max])
        b.node("Slice", ["x", "starts", "ends", "axes", "down"], ["d"], name: "down")
        b.node("Slice", ["x", "zero", "last", "axes", "up"], ["u"], name: "up")
        b.outputs("d", "u")
        let info = try b.infer()
        #expect(info.problems.isEmpty)
        // One element each: position 7 going down, position 0 going up (ONNX Runtime agrees).
        #expect(info[ValueID("d")].shapeDescription == "[1, 3, 8, 1]")
        #expect(info[ValueID("u")].shapeDescription == "[1, 3, 8, 1]")
    }

    @Test func productsOfGroupsAndBlocksBeyondTheLimit() throws {
        var b = ModelBuilder(input: [1, 8, 8, 8])
        b.weight("w", [8, 1 << 20, 1, 1], value: 0)
        b.node("ConvTranspose", ["x", "w"], ["t"], name: "deconv", ["group": 1 << 30])
        b.node("SpaceToDepth", ["x"], ["s"], name: "s2d", ["blocksize": 1 << 30])
        b.outputs("t", "s")
        #expect(try problems(b) == [
            "node 'deconv' (ConvTranspose): 1048576 × 1073741824 would exceed 2^40",
            "node 's2d' (SpaceToDepth): 8589934592 × 1073741824 would exceed 2^40",
        ])
    }

    @Test func emptyTensorsKeepTheirOtherSizesBounded() throws {
        var b = ModelBuilder(input: [1, 3, 8, 8])
        b.ints("shape", [0, 1 << 62])
        b.node("ConstantOfShape", ["shape"], ["c"], name: "empty")
        b.outputs("c")
        #expect(try problems(b) == ["node 'empty' (ConstantOfShape): its output [0, \(1 << 62)] would have more than 2^40 elements"])
        var w = ModelBuilder(input: [1, 3, 8, 8])
        w.weight("w", [0, 1 << 62])
        w.node("Identity", ["w"], ["y"], name: "id")
        w.outputs("y")
        #expect(throws: CoreError.self) { try w.load() }
    }

    @Test func castToATypeCodeBeyondInt32() throws {
        for to in [1 << 40, -1, 99] {
            var b = ModelBuilder(input: [1, 3, 8, 8])
            b.node("Cast", ["x"], ["y"], name: "cast", ["to": to])
            b.outputs("y")
            #expect(try problems(b) == ["node 'cast' (Cast): Cast to unknown type \(to) (give `to` an ONNX element type such as 1 for float)"])
        }
    }

    @Test func shapeInputsOfImpossibleLength() throws {
        for length in [65, 1 << 30] {
            var b = ModelBuilder(input: [1, 3, 8, 8])
            b.proto.graph.input.append(ModelBuilder.valueInfo("s", shape: [length]))
            b.proto.graph.input[1].type.tensorType.elemType = 7
            b.node("Reshape", ["x", "s"], ["y"], name: "reshape")
            b.node("ConstantOfShape", ["s"], ["z"], name: "fill")
            b.outputs("y", "z")
            #expect(try problems(b) == ["node 'reshape' (Reshape): the shape input has \(length) entries; a tensor has between 0 and 64 dimensions",
                                        "node 'fill' (ConstantOfShape): the shape input has \(length) entries; a tensor has between 0 and 64 dimensions"])
        }
    }

    @Test func batchNormOnMoreChannelsThanAnInsertedLayerMayHold() throws {
        var b = ModelBuilder(input: [1, 1 << 36, 1, 1])
        b.node("Relu", ["x"], ["y"], name: "act")
        b.outputs("y")
        var graph = try b.load().graph
        let shapes = ShapeInference.infer(graph)
        #expect {
            _ = try graph.insert(try LayerSpec(words: ["BatchNormalization"]), .after, layerAt: 0, shapes: shapes)
        } throws: { "\($0)".contains("BatchNormalization on \(1 << 36) channels would hold more than 268435456 weights per parameter") }
    }

    @Test func nodesListingMoreOrFewerInputsThanTheirOpTakes() throws {
        var b = ModelBuilder(input: [1, 3, 8, 8])
        b.ints("a", [6])
        b.node("Div", ["a"], ["q"], name: "div")
        b.node("Conv", ["x"], ["c"], name: "conv")
        b.node("Clip", ["x", "a", "a", "a"], ["k"], name: "clip")
        b.node("Sum", [], ["s"], name: "sum")
        b.outputs("q", "c", "k", "s")
        let info = try b.infer()
        #expect(info.problems.map(\.description) == [
            "node 'div' (Div): Div takes 2 input(s), and this node lists 1",
            "node 'conv' (Conv): Conv takes 2 to 3 input(s), and this node lists 1",
            "node 'clip' (Clip): Clip takes 1 to 3 input(s), and this node lists 4",
            "node 'sum' (Sum): Sum takes at least 1 input(s), and this node lists 0",
        ])
        #expect(info.folded[ValueID("q")] == nil)
    }

    @Test func anOutputRefusedForItsSizeIsLeftUnknown() throws {
        var b = ModelBuilder(input: [1, 3, 8, 8])
        b.node("Pad", ["x"], ["y"], name: "pad", ["pads": [0, -1 << 32, 0, 0, 0, 0, 0, 0]])
        b.node("Relu", ["y"], ["z"], name: "act")
        b.outputs("z")
        let info = try b.infer()
        #expect(info.problems.map(\.description) == ["node 'pad' (Pad): it would make a dimension of \(3 - (1 << 32))"])
        #expect(info[ValueID("y")].dims == nil && info[ValueID("z")].dims == nil, "\(info[ValueID("y")]) \(info[ValueID("z")])")
    }

    @Test func sliceListsOfDifferentLengthsAreNotRead() throws {
        var b = ModelBuilder(input: [1, 3, 8, 8])
        b.ints("starts", [0, 0])
        b.ints("ends", [2])
        b.ints("axes", [1, 2, 3])
        b.node("Slice", ["x", "starts", "ends", "axes"], ["y"], name: "slice")
        b.outputs("y")
        let graph = try b.load().graph
        let info = ShapeInference.infer(graph)
        #expect(info.problems.map(\.description) == ["node 'slice' (Slice): starts [0, 0], ends [2], axes and steps must have equal lengths"])
        #expect(SliceBounds.parameters(of: graph.nodes[0], integers: { info.folded[$0]?.integers }) == nil)
    }
}
