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
}
