/// Why the engine cannot run a model or an input.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The model has an op (or an op setting) the engine has no kernel for.
    case unsupported(op: String, node: String, detail: String)
    /// A value's shape is not known even with the input's shape given.
    case unknownShape(value: String, node: String)
    /// The data given does not fit the model's input.
    case badInput(String)

    /// A one-line account naming the op, node or input, and what to do.
    public var description: String {
        switch self {
        case let .unsupported(op, node, detail):
            "the engine cannot run \(op) (node '\(node)')\(detail.isEmpty ? "" : ": \(detail)"); inspection and surgery still work, but not run/eval/scoring"
        case let .unknownShape(value, node):
            "the shape of '\(value)' (from node '\(node)') is unknown even with the input's shape; the engine needs static shapes"
        case let .badInput(message):
            message
        }
    }
}
