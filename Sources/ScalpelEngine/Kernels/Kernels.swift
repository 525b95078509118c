import ScalpelCore

/// Builds a kernel per op: one table from op type to builder.
enum Kernels {
    typealias Builder = @Sendable (KernelContext) throws -> StepBody

    /// Every op with a kernel, by ONNX op type.
    static let table: [String: Builder] = {
        var t: [String: Builder] = [:]
        for family in [ConvKernels.table, MatrixKernels.table, ElementwiseKernels.table, PoolKernels.table,
                       LayoutKernels.table, NormalizationKernels.table] {
            t.merge(family) { a, _ in a }
        }
        return t
    }()

    /// Whether the engine can run an op.
    static func supports(_ op: String) -> Bool { table[op] != nil }

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
        guard let builder = table[context.node.opType] else { throw context.unsupported("no kernel for this op") }
        return try builder(context)
    }
}

extension KernelContext {
    /// The output slot `i`'s memory in a workspace.
    func output(_ ws: Workspace, _ i: Int = 0) -> UnsafeMutablePointer<Float> { ws[outputSlots[i]] }
    /// The element count of output `i`.
    func outputCount(_ i: Int = 0) -> Int { outputShapes[i].reduce(1, *) }
}
