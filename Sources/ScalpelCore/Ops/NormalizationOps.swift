/// Normalisations: per-channel (BatchNorm, InstanceNorm), per-sample (LayerNorm, GroupNorm, LRN,
/// MVN) and along an axis (Softmax and its kin).
public enum NormalizationOp: String, OpFamily, ShapeDeclaring {
    case batchNormalization = "BatchNormalization", instanceNormalization = "InstanceNormalization"
    case layerNormalization = "LayerNormalization", groupNormalization = "GroupNormalization", lrn = "LRN"
    case meanVarianceNormalization = "MeanVarianceNormalization", softmax = "Softmax", logSoftmax = "LogSoftmax"
    case hardmax = "Hardmax"

    var shapeRule: ShapeRule {
        switch self {
        case .batchNormalization: ConvPoolRules.batchNorm
        case .layerNormalization: ConvPoolRules.layerNorm
        case .instanceNormalization, .groupNormalization, .lrn: ConvPoolRules.perChannel
        case .meanVarianceNormalization, .softmax, .logSoftmax, .hardmax: ElementwiseRules.sameAsInput
        }
    }

    public var channels: Facet<ChannelRule> {
        switch self {
        case .batchNormalization, .instanceNormalization: .supported(.normalization)
        case .layerNormalization: .supported(.layerNormalization)
        case .softmax, .logSoftmax, .hardmax: .supported(.softmax)
        case .groupNormalization: .unsupported("it normalises groups of channels together, so deleting one changes the others")
        case .lrn: .unsupported("it normalises each channel by its neighbours, so deleting one changes the others")
        case .meanVarianceNormalization: .unsupported("its axes may include the channel axis; Scalpel does not follow channels through it yet")
        }
    }

    public var macs: MACRule { .notCounted }

    public var parameters: ParameterSlots {
        self == .batchNormalization ? ParameterSlots(trained: [1, 2], statistics: [3, 4]) : .none
    }

    public var inputCount: ClosedRange<Int> {
        switch self {
        case .batchNormalization: 5...5
        case .instanceNormalization, .groupNormalization: 3...3
        case .layerNormalization: 2...3
        case .lrn, .meanVarianceNormalization, .softmax, .logSoftmax, .hardmax: 1...1
        }
    }

    public var insertion: Insertion? { self == .batchNormalization ? Insertion(["eps"]) : nil }

    /// The axis a Softmax, LogSoftmax or Hardmax node normalises over an input of `rank`; nil
    /// when it is implicit on a rank above 2, where its meaning depends on the opset (the last
    /// axis since opset 13, every axis from 1 before; the two agree up to rank 2).
    public static func normalisedAxis(of node: Node, rank: Int) -> Int? {
        guard let axis = node.attribute("axis")?.int else { return rank <= 2 ? rank - 1 : nil }
        return axis < 0 ? axis + rank : axis
    }
}
