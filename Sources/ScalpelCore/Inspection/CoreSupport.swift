/// What Scalpel's core knows of each op: whether it infers the op's shapes and how channels flow
/// through it (for `ops` and the completeness test).
public enum CoreSupport {
    /// The op types with a shape rule, sorted.
    public static var shapeRuleOps: [String] { OpRegistry.shapeRules.keys.sorted() }

    /// Whether shape inference has a rule for the op (an op without one still loads and saves unchanged).
    public static func infersShapes(_ op: String) -> Bool { OpRegistry.understands(op) }
}
