/// An axis of a tensor value whose entries are channels (axis 1 of an NCHW activation, the
/// feature axis of a Gemm input).
public struct ChannelSpace: Hashable, Sendable, CustomStringConvertible {
    /// The value.
    public var value: ValueID
    /// The axis holding the channels.
    public var axis: Int
    /// How many axes from `axis` on hold the channels together, indexed row-major (2 inside a
    /// channel shuffle, where C is split into groups × channels per group); 1 almost always.
    public var span: Int = 1

    /// `value[axis]`, or `value[axes a…b]`.
    public var description: String { span == 1 ? "\(value)[axis \(axis)]" : "\(value)[axes \(axis)…\(axis + span - 1)]" }
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
    /// A Slice's range along the channels (its `entry`-th axis) moves back by the channels
    /// removed before it and shrinks by those removed inside it.
    case sliceBounds(NodeID, entry: Int, removedBefore: Int, removedInside: Int)
    /// A Reshape's constant target loses `removed` at `axis`.
    case reshapeTarget(NodeID, axis: Int, removed: Int)
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
    /// The root's channels in the sets that are only deleted together, ascending (a grouped
    /// convolution takes the same channels from each group); singletons where nothing couples
    /// them. Channels that cannot be deleted are in none. Given by `structure`, empty otherwise.
    public var bundles: [[Int]]
    /// For a group whose channels cost unequal amounts, what deleting each bundle alone removes
    /// (parallel to `bundles`); empty when every channel costs the same share.
    public var bundleSlices: [[ParameterSlice]]

    /// Channel indices as compact runs (`0-3`, `8`, `12-15`).
    public static func runs(_ indices: [Int]) -> [String] {
        var parts: [String] = []
        var i = 0
        while i < indices.count {
            var j = i
            while j + 1 < indices.count, indices[j + 1] == indices[j] + 1 { j += 1 }
            parts.append(j == i ? "\(indices[i])" : "\(indices[i])-\(indices[j])")
            i = j + 1
        }
        return parts
    }

    /// Channel indices as compact ranges (`0-3, 8, 12-15`), cut after twelve runs with the count.
    public static func ranges(_ indices: [Int]) -> String {
        let parts = runs(indices)
        return parts.count > 12 ? parts.prefix(12).joined(separator: ", ") + ", … (\(indices.count) in all)" : parts.joined(separator: ", ")
    }
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
