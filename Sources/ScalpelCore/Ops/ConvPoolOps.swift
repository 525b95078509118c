/// Convolutions and pooling over the spatial axes.
public enum ConvPoolOp: String, OpFamily, ShapeDeclaring {
    case conv = "Conv", convTranspose = "ConvTranspose", maxPool = "MaxPool", averagePool = "AveragePool", lpPool = "LpPool"
    case globalAveragePool = "GlobalAveragePool", globalMaxPool = "GlobalMaxPool", globalLpPool = "GlobalLpPool"

    var shapeRule: ShapeRule {
        switch self {
        case .conv: ConvPoolRules.conv
        case .convTranspose: ConvPoolRules.convTranspose
        case .maxPool, .averagePool, .lpPool: ConvPoolRules.pool
        case .globalAveragePool, .globalMaxPool, .globalLpPool: ConvPoolRules.globalPool
        }
    }

    public var channels: Facet<ChannelRule> {
        switch self {
        case .conv, .convTranspose: .supported(.convolution)
        default: .supported(.passThrough)
        }
    }

    public var macs: MACRule {
        switch self {
        case .conv: .convolution
        case .convTranspose: .transposedConvolution
        default: .notCounted
        }
    }

    public var parameters: ParameterSlots {
        switch self {
        case .conv: ParameterSlots(trained: [1, 2], weight: .outputFirst)
        case .convTranspose: ParameterSlots(trained: [1, 2], weight: .outputSecond)
        default: .none
        }
    }

    public var inputCount: ClosedRange<Int> {
        switch self {
        case .conv, .convTranspose: 2...3
        default: 1...1
        }
    }

    public var insertion: Insertion? {
        switch self {
        case .conv: Insertion(["out", "kernel", "pad", "stride", "group"])
        case .maxPool, .averagePool: Insertion(["kernel", "stride", "pad"])
        default: nil
        }
    }
}
