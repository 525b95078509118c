import ScalpelCore

/// How the engine runs and differentiates matrix products.
extension LinearOp: EngineFamily {
    var kernel: Facet<KernelBuilder> {
        switch self {
        case .gemm: .supported(MatrixKernels.gemm)
        case .matMul: .supported(MatrixKernels.matMul)
        case .einsum: .supported(EinsumKernel.build)
        }
    }

    var gradient: GradientRule {
        switch self {
        case .gemm: .gemm
        case .matMul: .matMul
        case .einsum: .none("Scalpel has no backward rule for Einsum yet")
        }
    }
}
