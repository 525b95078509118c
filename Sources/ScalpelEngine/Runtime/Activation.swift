/// A float32 tensor the engine reads or produces, row-major (NCHW for images).
public struct Activation: Sendable, Equatable {
    /// The dimensions.
    public var shape: [Int]
    /// The elements, row-major.
    public var values: [Float]

    /// An activation from its parts; `values.count` must equal the product of `shape`.
    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
}

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
