/// What shape inference learned about a graph: a type for every value, the small integer
/// tensors it could fold (shape arithmetic), and the places where it had to give up.
public struct ShapeInfo: Sendable {
    /// The inferred type of each value; a value absent here is entirely unknown.
    public var types: [ValueID: ValueType] = [:]
    /// Integer tensors known before running the model (possibly with symbolic elements).
    public var folded: [ValueID: FoldedValue] = [:]
    /// Tensors produced by `Constant` nodes.
    public var constants: [ValueID: Tensor] = [:]
    /// Nodes whose outputs could not be inferred, and why.
    public var problems: [ShapeProblem] = []
    /// For each value with an unknown shape, the node where the unknown started.
    public var unknownCause: [ValueID: NodeID] = [:]

    /// The type of a value (``ValueType/unknown`` when nothing is known).
    public subscript(_ value: ValueID) -> ValueType { types[value] ?? .unknown }

    /// The first problem these shapes have that `earlier` ones (of the graph before an edit) did
    /// not: what the edit broke.
    public func newProblem(since earlier: ShapeInfo) -> ShapeProblem? {
        let known = Set(earlier.problems.map(\.description))
        return problems.first { !known.contains($0.description) }
    }
}

/// A problem shape inference found at one node.
public struct ShapeProblem: Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem.
    public enum Kind: Sendable, Equatable {
        /// Scalpel has no shape rule for the op; its outputs are unknown.
        case noRule
        /// The node's inputs contradict its operator's rules.
        case inconsistent
    }
    /// The node.
    public var node: NodeID
    /// The node's display name.
    public var nodeName: String
    /// The node's operator.
    public var opType: String
    /// What kind of problem.
    public var kind: Kind
    /// What is wrong, in words.
    public var message: String

    /// `node 'x' (Conv): message`.
    public var description: String { "node '\(nodeName)' (\(opType)): \(message)" }
}

/// An integer tensor whose elements shape inference knows (a shape, an index, an axis list).
public struct FoldedValue: Sendable, Equatable {
    /// The tensor's shape (empty for a scalar).
    public var shape: [Int]
    /// The elements in row-major order; a symbolic batch size stays a symbol.
    public var elements: [Dim]

    /// A folded tensor from its parts.
    public init(shape: [Int], elements: [Dim]) {
        self.shape = shape
        self.elements = elements
    }

    /// A 1-D folded tensor.
    public init(vector: [Dim]) { self.init(shape: [vector.count], elements: vector) }

    /// The elements as numbers, when none is symbolic or unknown.
    public var integers: [Int]? {
        let values = elements.compactMap(\.value)
        return values.count == elements.count ? values : nil
    }
}

extension FoldedValue {
    /// The sub-tensor that keeps, along each axis, the positions `picks[axis]` in that order.
    func gathered(_ picks: [[Int]]) -> FoldedValue {
        let strides = shape.indices.map { shape.dropFirst($0 + 1).reduce(1, *) }
        var offsets = [0]
        for (axis, positions) in picks.enumerated() {
            offsets = offsets.flatMap { base in positions.map { base + $0 * strides[axis] } }
        }
        return FoldedValue(shape: picks.map(\.count), elements: offsets.map { elements[$0] })
    }

    /// The tensor with its axes permuted: output axis i is input axis `perm[i]`.
    func transposed(_ perm: [Int]) -> FoldedValue {
        let strides = shape.indices.map { shape.dropFirst($0 + 1).reduce(1, *) }
        var offsets = [0]
        for axis in perm {
            offsets = offsets.flatMap { base in (0..<shape[axis]).map { base + $0 * strides[axis] } }
        }
        return FoldedValue(shape: perm.map { shape[$0] }, elements: offsets.map { elements[$0] })
    }
}

extension FoldedValue {
    /// Folds a small float constant: truncated by `rounding`, or (nil) only when every value is
    /// already a whole number; nil for non-finite or huge values.
    init?(floats tensor: Tensor, rounding: FloatingPointRoundingRule?) {
        guard let floats = tensor.floats, floats.count <= Folding.limit, floats.allSatisfy({ $0.isFinite && abs($0) < 1e15 }),
              rounding != nil || floats.allSatisfy({ $0 == $0.rounded() }) else { return nil }
        self.init(shape: tensor.shape, elements: floats.map { .value(Int($0.rounded(rounding ?? .towardZero))) })
    }

    /// Folds a small integer constant; nil for other tensors.
    init?(_ tensor: Tensor) {
        guard tensor.elementCount <= Folding.limit, let ints = tensor.integers else { return nil }
        self.init(shape: tensor.shape, elements: ints.map { .value(Int($0)) })
    }
}

/// A contradiction between a node's inputs and its operator's rules.
struct ShapeError: Error {
    /// What is wrong, naming the shapes involved.
    let message: String
    init(_ message: String) { self.message = message }
}

extension Error {
    /// The message of a ``ShapeError``, or the error's description.
    var message: String { (self as? ShapeError)?.message ?? "\(self)" }
}
