/// Matrix products: fully connected layers, MatMul and Einsum.
public enum LinearOp: String, OpFamily, ShapeDeclaring {
    case gemm = "Gemm", matMul = "MatMul", einsum = "Einsum"

    var shapeRule: ShapeRule {
        switch self {
        case .gemm: LinearRules.gemm
        case .matMul: LinearRules.matMul
        case .einsum: LinearRules.einsum
        }
    }

    public var channels: Facet<ChannelRule> {
        switch self {
        case .gemm: .supported(.gemm)
        case .matMul: .supported(.matMul)
        case .einsum: .unsupported("Scalpel does not follow channels through an Einsum equation yet")
        }
    }

    public var macs: MACRule {
        switch self {
        case .gemm: .gemm
        case .matMul: .matMul
        case .einsum: .einsum
        }
    }

    public var parameters: ParameterSlots {
        switch self {
        case .gemm: ParameterSlots(trained: [1, 2], weight: .gemm)
        case .matMul: ParameterSlots(trained: [0, 1], weight: .outputSecond)
        case .einsum: .none
        }
    }

    public var inputCount: ClosedRange<Int> {
        switch self {
        case .gemm: 2...3
        case .matMul: 2...2
        case .einsum: 1...Int.max
        }
    }

    public var insertion: Insertion? { nil }
}
