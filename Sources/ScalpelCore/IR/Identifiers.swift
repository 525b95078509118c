/// A node's identity inside one ``Graph``: stable across edits, never reused.
public struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The number behind the identity.
    public let rawValue: Int
    /// Wraps a raw number; only graphs mint new identities.
    public init(_ rawValue: Int) { self.rawValue = rawValue }
    /// Orders identities by creation.
    public static func < (a: NodeID, b: NodeID) -> Bool { a.rawValue < b.rawValue }
    /// The identity as `#n`.
    public var description: String { "#\(rawValue)" }
}

/// The name of a tensor value flowing through a graph (an ONNX value name).
public struct ValueID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The ONNX name of the value.
    public let name: String
    /// Wraps an ONNX value name.
    public init(_ name: String) { self.name = name }
    /// Wraps a string literal.
    public init(stringLiteral value: String) { self.name = value }
    /// The placeholder ONNX uses for an omitted optional input or output.
    public static let absent = ValueID("")
    /// Whether this is the omitted-input placeholder.
    public var isAbsent: Bool { name.isEmpty }
    /// Orders values by name.
    public static func < (a: ValueID, b: ValueID) -> Bool { a.name < b.name }
    /// The name itself.
    public var description: String { name }
}
