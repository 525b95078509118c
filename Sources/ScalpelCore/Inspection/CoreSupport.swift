/// Which ops Scalpel's shape inference knows, for `ops` and the completeness test (how channels
/// flow through an op is ``ChannelRule/table``).
public enum CoreSupport {
    /// The op types with a shape rule, sorted.
    public static var shapeRuleOps: [String] { OpRegistry.shapeRules.keys.sorted() }

    /// Whether shape inference has a rule for the op (an op without one still loads and saves unchanged).
    public static func infersShapes(_ op: String) -> Bool { OpRegistry.understands(op) }
}
