/// Every op Scalpel knows, by family, and any other op carried unchanged: the key of every
/// table of what Scalpel can do with an op (Core's ``OpFamily`` facets, the engine's kernels).
public enum OpType: Hashable, Sendable, CustomStringConvertible {
    case activation(ActivationOp)
    case arithmetic(ArithmeticOp)
    case convPool(ConvPoolOp)
    case linear(LinearOp)
    case normalization(NormalizationOp)
    case layout(LayoutOp)
    case reduction(ReductionOp)
    case shape(ShapeOp)
    /// An op Scalpel does not know (or one outside the default ONNX domain), by name.
    case other(String)

    /// The op of an ONNX op type in a domain; only the default domain's ops are known.
    public init(_ name: String, domain: String = "") {
        guard domain.isEmpty || domain == "ai.onnx", let known = Self.byName[name] else {
            self = .other(domain.isEmpty ? name : "\(domain).\(name)")
            return
        }
        self = known
    }

    /// Every op Scalpel knows, family by family.
    public static let known: [OpType] =
        ActivationOp.allCases.map(OpType.activation) + ArithmeticOp.allCases.map(OpType.arithmetic)
        + ConvPoolOp.allCases.map(OpType.convPool) + LinearOp.allCases.map(OpType.linear)
        + NormalizationOp.allCases.map(OpType.normalization) + LayoutOp.allCases.map(OpType.layout)
        + ReductionOp.allCases.map(OpType.reduction) + ShapeOp.allCases.map(OpType.shape)

    private static let byName: [String: OpType] = Dictionary(uniqueKeysWithValues: known.map { ($0.name, $0) })

    /// The family's declaration of the op, nil for ops Scalpel does not know.
    public var family: (any OpFamily)? {
        switch self {
        case let .activation(op): op
        case let .arithmetic(op): op
        case let .convPool(op): op
        case let .linear(op): op
        case let .normalization(op): op
        case let .layout(op): op
        case let .reduction(op): op
        case let .shape(op): op
        case .other: nil
        }
    }

    /// The family's name, as the README's op table lists it.
    public var familyName: String {
        switch self {
        case .activation: "elementwise functions"
        case .arithmetic: "broadcasting arithmetic and logic"
        case .convPool: "convolution and pooling"
        case .linear: "matrix products"
        case .normalization: "normalisation"
        case .layout: "layout"
        case .reduction: "reductions"
        case .shape: "shapes and constants"
        case .other: "unknown"
        }
    }

    /// The ONNX op type.
    public var name: String {
        switch self {
        case let .other(name): name
        default: family?.name ?? ""
        }
    }

    public var description: String { name }

    /// How channels flow through the op, or why they cannot.
    public var channels: Facet<ChannelRule> { family?.channels ?? .unsupported("Scalpel does not know this op") }

    /// How the op's MACs are counted.
    public var macs: MACRule { family?.macs ?? .notCounted }

    /// Which inputs hold the op's parameters.
    public var parameters: ParameterSlots { family?.parameters ?? .none }

    /// Whether `insert`/`replace` can build the op, with the settings it takes.
    public var insertion: Insertion? { family?.insertion }

    /// How many inputs a node of the op may list; any number for ops Scalpel does not know.
    public var inputCount: ClosedRange<Int> { family?.inputCount ?? 0...Int.max }

    /// The op's shape rule, nil where shapes are not inferred through it.
    var shapeRule: ShapeRule? { (family as? any ShapeDeclaring)?.shapeRule }

    /// Whether shape inference has a rule for the op (an op without one still loads and saves unchanged).
    public var infersShapes: Bool { shapeRule != nil }
}

extension Node {
    /// The node's op.
    public var op: OpType { OpType(opType, domain: domain) }
}
