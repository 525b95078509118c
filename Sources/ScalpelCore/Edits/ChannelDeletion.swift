import ONNXProto

/// Channel deletions of one or more groups, merged so that a tensor losing entries along two
/// axes (a Conv between two pruned groups) is rewritten once.
public struct ChannelDeletion: Sendable {
    /// Removed entries per activation.
    public var spaces: [ChannelSpace: [Int]] = [:]
    /// Parameter entries removed.
    public var slices: [ParameterSlice] = []
    /// Attribute and constant changes.
    public var adjustments: [NodeAdjustment] = []

    /// An empty deletion.
    public init() {}

    /// The deletion one group asks for.
    public init(_ group: ChannelGroup) { add(group) }

    /// Adds a group's deletions.
    public mutating func add(_ group: ChannelGroup) {
        spaces.merge(group.spaces) { a, b in Array(Set(a + b)).sorted() }
        slices += group.slices
        for adjustment in group.adjustments { merge(adjustment) }
    }

    /// Adds an adjustment, summing it with one already made to the same node.
    private mutating func merge(_ adjustment: NodeAdjustment) {
        for (i, known) in adjustments.enumerated() {
            switch (known, adjustment) {
            case let (.convGroups(a, r1), .convGroups(b, r2)) where a == b:
                adjustments[i] = .convGroups(a, removed: r1 + r2)
                return
            case let (.splitSizes(a, r1), .splitSizes(b, r2)) where a == b:
                adjustments[i] = .splitSizes(a, removed: zip(r1, r2).map { $0 + $1 })
                return
            case let (.sliceBounds(a, e1, b1, i1), .sliceBounds(b, e2, b2, i2)) where a == b && e1 == e2:
                adjustments[i] = .sliceBounds(a, entry: e1, removedBefore: b1 + b2, removedInside: i1 + i2)
                return
            case let (.reshapeTarget(a, x1, r1), .reshapeTarget(b, x2, r2)) where a == b && x1 == x2:
                adjustments[i] = .reshapeTarget(a, axis: x1, removed: r1 + r2)
                return
            default:
                continue
            }
        }
        adjustments.append(adjustment)
    }
}

extension Graph {
    /// Deletes `channels` of the layer at `position` with their whole dependency group (and,
    /// when `coupled`, every channel coupled to them); returns the group.
    @discardableResult
    public mutating func deleteChannels(of position: Int, _ channels: [Int], shapes: ShapeInfo, opset: Int,
                                        coupled: Bool = false) throws -> ChannelGroup {
        let group = coupled ? try ChannelDependency.closure(of: position, channels: channels, graph: self, shapes: shapes)
            : try ChannelDependency.group(of: position, channels: channels, graph: self, shapes: shapes)
        try delete(ChannelDeletion(group), shapes: shapes, opset: opset)
        return group
    }

    /// Removes the channels of a deletion: slices every parameter, adjusts depthwise groups and
    /// Split sizes, and updates declared shapes. A tensor shared with layers outside the
    /// deletion (or computed by Identity/Constant nodes) is copied for the layer that changes.
    public mutating func delete(_ deletion: ChannelDeletion, shapes: ShapeInfo, opset: Int) throws {
        let index = GraphIndex(self)
        var byReader: [String: [ParameterSlice]] = [:]
        var readerOrder: [String] = []
        for s in deletion.slices {
            let key = "\(s.node.rawValue)\u{0}\(s.tensor.name)"
            if byReader[key] == nil { readerOrder.append(key) }
            byReader[key, default: []].append(s)
        }
        var replaced: [ValueID] = []
        for key in readerOrder {
            guard let group = byReader[key], let first = group.first else { continue }
            guard var tensor = initializers[first.tensor] ?? shapes.constants[first.tensor] else {
                throw CoreError.editRefused("parameter '\(first.tensor)' is not a constant Scalpel can slice")
            }
            // Several groups may cut the same axis (a BatchNorm after a Concat): cut their union once.
            var byAxis: [Int: Set<Int>] = [:]
            for s in group { byAxis[s.axis, default: []].formUnion(s.indices) }
            for (axis, indices) in byAxis.sorted(by: { $0.key > $1.key }) {
                guard let cut = tensor.removing(indices.sorted(), along: axis) else {
                    throw CoreError.editRefused("parameter '\(first.tensor)' of type \(tensor.elementType) cannot be sliced")
                }
                tensor = cut
            }
            let readers = Set(index.consumers[first.tensor] ?? [])
            let allRead = Set(deletion.slices.filter { $0.tensor == first.tensor }.map(\.node))
            if initializers[first.tensor] != nil, readers.isSubset(of: allRead), readers.count == 1 {
                initializers[first.tensor] = tensor
            } else {
                let fresh = uniqueValueName(first.tensor.name + "_pruned")
                addInitializer(fresh, tensor)
                guard let p = nodes.firstIndex(where: { $0.id == first.node }) else { continue }
                nodes[p].inputs = nodes[p].inputs.map { $0 == first.tensor ? fresh : $0 }
                replaced.append(first.tensor)
            }
        }
        for adjustment in deletion.adjustments { try adjust(adjustment, shapes: shapes, opset: opset) }
        updateDeclaredShapes(deletion.spaces, shapes: shapes)
        removeDeadConstants(among: replaced)
    }

    private mutating func adjust(_ adjustment: NodeAdjustment, shapes: ShapeInfo, opset: Int) throws {
        switch adjustment {
        case let .convGroups(id, removed):
            guard let p = nodes.firstIndex(where: { $0.id == id }) else { return }
            let group = nodes[p].int("group", default: 1)
            setAttribute(.int("group", group - removed), at: p)
        case let .splitSizes(id, removed):
            guard let p = nodes.firstIndex(where: { $0.id == id }) else { return }
            let node = nodes[p]
            let sizes = node.outputs.map { shapes[$0].dims?[Self.splitAxis(node, shapes)].value ?? 0 }
            let newSizes = zip(sizes, removed).map { $0 - $1 }
            if opset >= 13 {
                let name = uniqueValueName(displayName(of: node).replacingOccurrences(of: "/", with: "_") + "_split")
                addInitializer(name, Tensor(int64s: newSizes.map(Int64.init), shape: [newSizes.count]))
                let old = node.input(1)
                nodes[p].inputs = [node.inputs[0], name]
                nodes[p].attributes.removeAll { $0.name == "num_outputs" }
                if let old { removeDeadConstants(among: [old]) }
            } else {
                setAttribute(.ints("split", newSizes), at: p)
            }
        case let .sliceBounds(id, entry, removedBefore, removedInside):
            try adjustSlice(id, entry: entry, removedBefore: removedBefore, removedInside: removedInside, shapes: shapes)
        case let .reshapeTarget(id, axis, removed):
            try adjustReshape(id, axis: axis, removed: removed, shapes: shapes)
        }
    }

    /// Rewrites a Slice's starts and ends (as fresh constants, whatever computed them before).
    private mutating func adjustSlice(_ id: NodeID, entry: Int, removedBefore: Int, removedInside: Int, shapes: ShapeInfo) throws {
        guard let p = nodes.firstIndex(where: { $0.id == id }) else { return }
        let node = nodes[p]
        let attributeForm = node.input(1) == nil
        guard let bounds = SliceBounds.parameters(of: node, integers: { shapes.folded[$0]?.integers }),
              entry < bounds.starts.count, entry < bounds.ends.count, let dims = shapes[node.inputs[0]].dims else {
            throw CoreError.editRefused("the bounds of Slice '\(displayName(of: node))' are not constant")
        }
        var (starts, ends) = (bounds.starts, bounds.ends)
        let axes = bounds.axes ?? Array(starts.indices)
        let axis = axes[entry] < 0 ? axes[entry] + dims.count : axes[entry]
        guard let size = dims[axis].value else { throw CoreError.editRefused("the channel count at Slice '\(displayName(of: node))' is unknown") }
        let (start, end) = SliceBounds.clamp(start: starts[entry], end: ends[entry], step: 1, size: size)
        starts[entry] = start - removedBefore
        ends[entry] = max(start, end) - removedBefore - removedInside
        if attributeForm {
            setAttribute(.ints("starts", starts), at: p)
            setAttribute(.ints("ends", ends), at: p)
            return
        }
        let base = displayName(of: node).replacingOccurrences(of: "/", with: "_")
        let old = [node.inputs[1], node.inputs[2]]
        for (slot, values) in [(1, starts), (2, ends)] {
            let name = uniqueValueName(base + (slot == 1 ? "_starts" : "_ends"))
            addInitializer(name, Tensor(int64s: values.map(Int64.init), shape: [values.count]))
            nodes[p].inputs[slot] = name
        }
        removeDeadConstants(among: old)
    }

    /// Lowers a Reshape's constant target at `axis` (a -1 or 0 there follows by itself).
    private mutating func adjustReshape(_ id: NodeID, axis: Int, removed: Int, shapes: ShapeInfo) throws {
        guard let p = nodes.firstIndex(where: { $0.id == id }), let shape = nodes[p].input(1),
              var target = (initializers[shape] ?? shapes.constants[shape])?.integers, axis < target.count else { return }
        guard target[axis] > 0 else { return }
        target[axis] -= Int64(removed)
        let name = uniqueValueName(displayName(of: nodes[p]).replacingOccurrences(of: "/", with: "_") + "_shape")
        addInitializer(name, Tensor(int64s: target, shape: [target.count]))
        nodes[p].inputs[1] = name
        removeDeadConstants(among: [shape])
    }

    private static func splitAxis(_ node: Node, _ shapes: ShapeInfo) -> Int {
        let axis = node.int("axis", default: 0)
        let rank = shapes[node.inputs[0]].rank ?? 0
        return axis < 0 ? axis + rank : axis
    }

    private mutating func setAttribute(_ attribute: Attribute, at position: Int) {
        if let i = nodes[position].attributes.firstIndex(where: { $0.name == attribute.name }) {
            nodes[position].attributes[i] = attribute
        } else {
            nodes[position].attributes.append(attribute)
        }
    }

    /// A value name not yet used in the graph, built from `base`.
    func uniqueValueName(_ base: String) -> ValueID {
        let used = Set(initializerOrder).union(nodes.flatMap(\.outputs)).union(inputs.map(\.id))
        var candidate = ValueID(base)
        var n = 1
        while used.contains(candidate) {
            candidate = ValueID("\(base)_\(n)")
            n += 1
        }
        return candidate
    }

    /// Adds an initializer after the existing ones.
    mutating func addInitializer(_ name: ValueID, _ tensor: Tensor) {
        initializers[name] = tensor
        initializerOrder.append(name)
    }

    /// Shrinks the declared shapes (`value_info`) of values that lost channels (of channels over
    /// several axes, the one axis they leave).
    private mutating func updateDeclaredShapes(_ spaces: [ChannelSpace: [Int]], shapes: ShapeInfo) {
        var lost: [ValueID: (axis: Int, count: Int)] = [:]
        for (space, indices) in spaces where lost[space.value] == nil {
            guard space.span > 1 else {
                lost[space.value] = (space.axis, indices.count)
                continue
            }
            guard let dims = shapes[space.value].dims?[space.axis..<(space.axis + space.span)].compactMap(\.value), dims.count == space.span,
                  let shrinking = ChannelDependency.shrinking(indices, sizes: dims) else { continue }
            lost[space.value] = (space.axis + shrinking.axis, shrinking.removed)
        }
        for i in valueInfo.indices {
            guard let (axis, count) = lost[valueInfo[i].id] else { continue }
            valueInfo[i].shrink(axis: axis, by: count)
        }
    }

    /// Removes initializers, and the nodes computing them (Identity, Constant, a Slice's old
    /// bound arithmetic), that nothing reads any more.
    mutating func removeDeadConstants(among candidates: [ValueID]) {
        var queue = candidates
        func read(_ v: ValueID) -> Bool { nodes.contains { $0.inputs.contains(v) } || outputs.contains { $0.id == v } }
        while let v = queue.popLast() {
            guard !read(v) else { continue }
            if let p = nodes.firstIndex(where: { $0.outputs.contains(v) }), !nodes[p].outputs.contains(where: read) {
                queue.append(contentsOf: nodes[p].inputs.filter { !$0.isAbsent })
                nodes.remove(at: p)
            } else {
                removeUnusedInitializers(among: [v])
            }
        }
    }
}

extension ValueInfo {
    /// Lowers a declared dimension by `count` where the declaration gives a number.
    mutating func shrink(axis: Int, by count: Int) {
        guard case .tensorType? = carried.type.value, axis < carried.type.tensorType.shape.dim.count,
              case let .dimValue(v)? = carried.type.tensorType.shape.dim[axis].value else { return }
        carried.type.tensorType.shape.dim[axis].dimValue = v - Int64(count)
        declaredType = ValueType(proto: carried.type)
    }
}
