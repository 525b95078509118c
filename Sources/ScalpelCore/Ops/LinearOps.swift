/// Matrix products: fully connected layers and MatMul.
public enum LinearOp: String, OpFamily, ShapeDeclaring {
    case gemm = "Gemm", matMul = "MatMul"

    var shapeRule: ShapeRule {
        switch self {
        case .gemm: LinearRules.gemm
        case .matMul: LinearRules.matMul
        }
    }

    public var channels: Facet<ChannelRule> {
        switch self {
        case .gemm: .supported(.gemm)
        case .matMul: .supported(.matMul)
        }
    }

    public var macs: MACRule {
        switch self {
        case .gemm: .gemm
        case .matMul: .matMul
        }
    }

    public var parameters: ParameterSlots {
        switch self {
        case .gemm: ParameterSlots(trained: [1, 2], weight: .gemm)
        case .matMul: ParameterSlots(trained: [0, 1], weight: .outputSecond)
        }
    }

    public var insertion: Insertion? { nil }
}
