/// Infers a node's output types from its context, or throws a ``ShapeError`` (inconsistent
/// inputs) or ``Unknown`` (an input it needs is not known).
typealias ShapeRule = @Sendable (inout ShapeContext) throws -> [ValueType]

/// Every op Scalpel understands, by ONNX op type, each family in a file of its own.
enum OpRegistry {
    /// Shape rules by op type (default ONNX domain).
    static let shapeRules: [String: ShapeRule] = {
        var table: [String: ShapeRule] = [:]
        for family in [ConvPoolRules.table, ElementwiseRules.table, LinearRules.table,
                       LayoutRules.table, ReductionRules.table, ShapeOpRules.table] {
            table.merge(family) { first, _ in first }
        }
        return table
    }()

    /// Whether Scalpel has a shape rule for an op in the default domain.
    static func understands(_ opType: String) -> Bool { shapeRules[opType] != nil }
}
