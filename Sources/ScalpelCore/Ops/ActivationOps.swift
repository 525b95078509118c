/// Elementwise functions of one tensor: activations, math functions, casts and masks.
public enum ActivationOp: String, OpFamily, ShapeDeclaring {
    case abs = "Abs", cast = "Cast", castLike = "CastLike", ceil = "Ceil", celu = "Celu", clip = "Clip", cos = "Cos"
    case dropout = "Dropout", elu = "Elu", erf = "Erf", exp = "Exp", floor = "Floor", gelu = "Gelu"
    case hardSigmoid = "HardSigmoid", hardSwish = "HardSwish", identity = "Identity", isInf = "IsInf", isNaN = "IsNaN"
    case leakyRelu = "LeakyRelu", log = "Log", mish = "Mish", neg = "Neg", not = "Not", prelu = "PRelu"
    case reciprocal = "Reciprocal", relu = "Relu", round = "Round", selu = "Selu", shrink = "Shrink", sigmoid = "Sigmoid"
    case sign = "Sign", sin = "Sin", softplus = "Softplus", softsign = "Softsign", sqrt = "Sqrt", swish = "Swish"
    case tan = "Tan", tanh = "Tanh", thresholdedRelu = "ThresholdedRelu"

    var shapeRule: ShapeRule {
        switch self {
        case .isInf, .isNaN, .not: ElementwiseRules.boolOfInput
        case .prelu: ElementwiseRules.prelu
        case .dropout: ElementwiseRules.dropout
        case .cast: ElementwiseRules.cast
        case .castLike: ElementwiseRules.castLike
        default: ElementwiseRules.sameAsInput
        }
    }

    public var channels: Facet<ChannelRule> {
        switch self {
        case .prelu: .supported(.prelu)
        case .isInf, .isNaN, .not: .unsupported("its output is a boolean mask, and channels are not carried through masks")
        default: .supported(.passThrough)
        }
    }

    public var macs: MACRule { .notCounted }

    public var parameters: ParameterSlots { .none }

    public var inputCount: ClosedRange<Int> {
        switch self {
        case .clip, .dropout: 1...3
        case .prelu, .castLike: 2...2
        default: 1...1
        }
    }

    public var insertion: Insertion? {
        switch self {
        case .identity, .relu, .sigmoid, .tanh, .hardSwish, .hardSigmoid: Insertion()
        case .leakyRelu, .elu: Insertion(["alpha"])
        case .clip: Insertion(["min", "max"])
        case .dropout: Insertion(["ratio"])
        default: nil
        }
    }
}
