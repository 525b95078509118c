import ScalpelCore

/// Builds a kernel per op, as each op family declares it (``EngineFamily/kernel``).
enum Kernels {
    /// The step for a node; a Conv may absorb the BatchNormalization and activation that follow it.
    static func build(_ context: KernelContext, foldingBatchNorm bn: Node?, activation: Node?) throws -> StepBody {
        if bn != nil || activation != nil {
            let epilogue = try activation.map { act in
                guard let e = Epilogue(act, constants: { i in
                    act.input(i).flatMap { context.constants.values(of: $0, graph: context.graph, shapes: context.shapes)?.first }
                }) else { throw context.unsupported("cannot fuse \(act.opType)") }
                return e
            } ?? Epilogue.none
            return try ConvKernels.conv(context, foldingBatchNorm: bn, activation: epilogue)
        }
        switch context.node.op.kernel {
        case let .supported(builder): return try builder(context)
        case let .unsupported(reason): throw context.unsupported(reason)
        }
    }
}
