/// An axis of a tensor value whose entries are channels (axis 1 of an NCHW activation, the
/// feature axis of a Gemm input).
public struct ChannelSpace: Hashable, Sendable, CustomStringConvertible {
    /// The value.
    public var value: ValueID
    /// The axis holding the channels.
    public var axis: Int

    /// `value[axis]`.
    public var description: String { "\(value)[axis \(axis)]" }
}

/// Entries of a constant tensor removed along one axis.
public struct ParameterSlice: Hashable, Sendable {
    /// The initializer or `Constant` output holding the tensor.
    public var tensor: ValueID
    /// The axis entries are removed from.
    public var axis: Int
    /// The removed entries, ascending.
    public var indices: [Int]
    /// The node that reads the tensor.
    public var node: NodeID
    /// What the slice is, in words (`out-channels`, `in-channels`, `BN scale`…).
    public var role: String
}

/// A change to a node's attributes or constant inputs that a channel deletion needs.
public enum NodeAdjustment: Hashable, Sendable {
    /// A depthwise convolution loses `removed` groups along with its channels.
    case convGroups(NodeID, removed: Int)
    /// A Split's output sizes shrink by `removed[j]` for output j.
    case splitSizes(NodeID, removed: [Int])
}

/// Every channel that must go with a set of channels of one layer, and every parameter entry
/// with them: the closure of the channel-dependency rules over the graph.
public struct ChannelGroup: Sendable {
    /// The layer the user named.
    public var root: NodeID
    /// The channels deleted in every coupled activation.
    public var spaces: [ChannelSpace: [Int]]
    /// Parameter entries removed, in discovery order.
    public var slices: [ParameterSlice]
    /// Attribute and constant-input changes.
    public var adjustments: [NodeAdjustment]
    /// Layers whose output channels are removed (the root and every producer coupled to it).
    public var sources: [NodeID]
}

/// Why channels cannot be deleted, naming the node that blocks it.
public struct DependencyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The explanation.
    public let message: String
    /// A dependency error with its explanation.
    public init(_ message: String) { self.message = message }
    /// The explanation.
    public var description: String { message }
}
