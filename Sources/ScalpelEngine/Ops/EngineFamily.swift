import ScalpelCore

/// What the engine declares about every op of a family: one file per family (next to Core's
/// declaration of the same family), one `switch` per facet.
protocol EngineFamily {
    /// How the op runs, or why it does not.
    var kernel: Facet<KernelBuilder> { get }
    /// How the backward pass differentiates the op, or why it does not.
    var gradient: GradientRule { get }
}

extension OpType {
    /// The engine's declaration of the op (every family declares one; the completeness test checks),
    /// nil for ops Scalpel does not know.
    var engine: (any EngineFamily)? { family as? any EngineFamily }

    /// The op's kernel, or why it has none.
    var kernel: Facet<KernelBuilder> { engine?.kernel ?? .unsupported("Scalpel does not know this op") }

    /// The op's backward rule.
    var gradient: GradientRule { engine?.gradient ?? .none("Scalpel does not know this op") }
}

/// What the engine can do with each op, for `ops` and the completeness test.
public enum EngineSupport {
    /// Nil when the engine runs the op (constant-folded nodes aside); otherwise why not.
    public static func kernelGap(_ op: OpType) -> String? { op.kernel.gap }

    /// Nil when the backward pass differentiates the op; otherwise why not.
    public static func gradientGap(_ op: OpType) -> String? {
        if case let .none(reason) = op.gradient { return reason }
        return nil
    }
}
