import ScalpelCore

/// How the engine runs and differentiates convolutions and pooling.
extension ConvPoolOp: EngineFamily {
    var kernel: Facet<KernelBuilder> {
        switch self {
        case .conv: .supported { try ConvKernels.conv($0, foldingBatchNorm: nil) }
        case .convTranspose: .supported(ConvKernels.convTranspose)
        case .maxPool: .supported { try PoolKernels.pool($0, .max) }
        case .averagePool: .supported { try PoolKernels.pool($0, .average) }
        case .lpPool: .supported { try PoolKernels.pool($0, .lp(Float($0.node.int("p", default: 2)))) }
        case .globalAveragePool: .supported { try PoolKernels.global($0, .average) }
        case .globalMaxPool: .supported { try PoolKernels.global($0, .max) }
        case .globalLpPool: .supported { try PoolKernels.global($0, .lp(Float($0.node.int("p", default: 2)))) }
        }
    }

    var gradient: GradientRule {
        switch self {
        case .conv: .conv
        case .convTranspose: .convTranspose
        case .maxPool, .averagePool: .pool
        case .globalAveragePool: .globalAveragePool
        case .globalMaxPool: .globalMaxPool
        case .lpPool, .globalLpPool: .none("Scalpel has no backward rule for \(rawValue) yet")
        }
    }
}
