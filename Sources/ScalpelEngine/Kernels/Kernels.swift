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

    /// The step for a node; a Conv may absorb the BatchNormalization that follows it.
    static func build(_ context: KernelContext, foldingBatchNorm bn: Node?) throws -> StepBody {
        if let bn { return try ConvKernels.conv(context, foldingBatchNorm: bn) }
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
