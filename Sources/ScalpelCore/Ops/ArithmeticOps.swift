/// Elementwise ops of several tensors that broadcast them: arithmetic, comparisons, logic, Where.
public enum ArithmeticOp: String, OpFamily, ShapeDeclaring {
    case add = "Add", sub = "Sub", mul = "Mul", div = "Div", pow = "Pow", mod = "Mod", max = "Max", min = "Min"
    case sum = "Sum", mean = "Mean", bitShift = "BitShift", bitwiseAnd = "BitwiseAnd", bitwiseOr = "BitwiseOr"
    case bitwiseXor = "BitwiseXor", equal = "Equal", less = "Less", greater = "Greater", lessOrEqual = "LessOrEqual"
    case greaterOrEqual = "GreaterOrEqual", and = "And", or = "Or", xor = "Xor", `where` = "Where"

    /// Whether the output is a boolean mask.
    var isPredicate: Bool {
        switch self {
        case .equal, .less, .greater, .lessOrEqual, .greaterOrEqual, .and, .or, .xor: true
        default: false
        }
    }

    var shapeRule: ShapeRule {
        if isPredicate { return ElementwiseRules.comparison }
        return self == .where ? ElementwiseRules.where : ElementwiseRules.broadcastAll
    }

    public var channels: Facet<ChannelRule> {
        switch self {
        case .add, .sub, .mul, .div, .pow, .max, .min, .sum, .mean, .where: .supported(.elementwise)
        case .mod, .bitShift, .bitwiseAnd, .bitwiseOr, .bitwiseXor:
            .unsupported("integer arithmetic: Scalpel does not carry channels through it")
        default: .unsupported("its output is a boolean mask, and channels are not carried through masks")
        }
    }

    public var macs: MACRule { .notCounted }

    public var parameters: ParameterSlots { .none }

    public var inputCount: ClosedRange<Int> {
        switch self {
        case .sum, .mean, .max, .min: 1...Int.max
        case .where: 3...3
        default: 2...2
        }
    }

    public var insertion: Insertion? { nil }
}
