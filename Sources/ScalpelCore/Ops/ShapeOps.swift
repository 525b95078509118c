/// Ops that read shapes or make constants and index lists.
public enum ShapeOp: String, OpFamily, ShapeDeclaring {
    case shape = "Shape", size = "Size", constant = "Constant", constantOfShape = "ConstantOfShape", range = "Range"
    case nonZero = "NonZero"

    var shapeRule: ShapeRule {
        switch self {
        case .shape: ShapeOpRules.shape
        case .size: ShapeOpRules.size
        case .constant: ShapeOpRules.constant
        case .constantOfShape: ShapeOpRules.constantOfShape
        case .range: ShapeOpRules.range
        case .nonZero: ShapeOpRules.nonZero
        }
    }

    public var channels: Facet<ChannelRule> {
        switch self {
        case .shape, .size: .supported(.shapeOnly)
        case .constant, .constantOfShape, .range: .unsupported("it reads no tensor data, so no channels reach it")
        case .nonZero: .unsupported("its output is indices, not channels")
        }
    }

    public var macs: MACRule { .notCounted }

    public var parameters: ParameterSlots { .none }

    public var inputCount: ClosedRange<Int> {
        switch self {
        case .constant: 0...0
        case .range: 3...3
        case .shape, .size, .constantOfShape, .nonZero: 1...1
        }
    }

    public var insertion: Insertion? { nil }

    /// The axes `[start, end)` a Shape node reports for an input of this rank.
    public static func shapeSlice(_ node: Node, rank: Int) -> (Int, Int) { ShapeOpRules.shapeRange(node, rank: rank) }
}
