import ONNXProto

/// One dimension of a tensor shape: a number, a named symbol (like the batch `N`), or unknown.
public enum Dim: Hashable, Sendable, CustomStringConvertible {
    /// A known size.
    case value(Int)
    /// A symbolic size that stays symbolic, such as a dynamic batch.
    case symbol(String)
    /// A size nothing could determine.
    case unknown

    /// The size, when known.
    public var value: Int? {
        if case let .value(v) = self { return v }
        return nil
    }

    /// `7`, `N` or `?`.
    public var description: String {
        switch self {
        case let .value(v): String(v)
        case let .symbol(s): s
        case .unknown: "?"
        }
    }
}

/// The type of a value: element type and shape, each possibly unknown.
public struct ValueType: Hashable, Sendable, CustomStringConvertible {
    /// The element type, when known.
    public var elementType: ElementType?
    /// The dimensions; nil when even the rank is unknown.
    public var dims: [Dim]?

    /// A type from its parts.
    public init(elementType: ElementType?, dims: [Dim]?) {
        self.elementType = elementType
        self.dims = dims
    }

    /// A type whose dimensions are all known.
    public init(_ elementType: ElementType?, _ shape: [Int]) {
        self.init(elementType: elementType, dims: shape.map { .value($0) })
    }

    /// Nothing known.
    public static let unknown = ValueType(elementType: nil, dims: nil)

    /// The rank, when known.
    public var rank: Int? { dims?.count }

    /// The dimensions as numbers, when every one is known.
    public var staticShape: [Int]? {
        guard let dims else { return nil }
        var out: [Int] = []
        out.reserveCapacity(dims.count)
        for d in dims {
            guard let v = d.value else { return nil }
            out.append(v)
        }
        return out
    }

    /// Whether the rank is known and no dimension is unknown (symbols count as known).
    public var isFullyKnown: Bool { dims.map { !$0.contains(.unknown) } ?? false }

    /// `[N, 64, 56, 56]`, or `?` when the rank is unknown.
    public var shapeDescription: String {
        guard let dims else { return "?" }
        return "[" + dims.map(\.description).joined(separator: ", ") + "]"
    }

    /// `float32[N, 64, 56, 56]`.
    public var description: String { (elementType?.description ?? "?") + shapeDescription }
}

extension ValueType {
    /// Reads an ONNX tensor type; nil for non-tensor types (sequences, maps), which are carried untouched.
    init?(proto: Onnx_TypeProto) {
        guard case let .tensorType(t)? = proto.value else { return nil }
        self.elementType = t.hasElemType ? ElementType(rawValue: t.elemType) : nil
        self.dims = t.hasShape ? t.shape.dim.map { d in
            switch d.value {
            case let .dimValue(v)? where v >= 0: .value(Int(v))  // some exporters write -1 for a dynamic dim
            case let .dimParam(p)? where !p.isEmpty: .symbol(p)
            default: .unknown
            }
        } : nil
    }
}
