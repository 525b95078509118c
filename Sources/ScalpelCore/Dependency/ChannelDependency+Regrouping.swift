/// Channels split over several axes, and channel ranges: a Reshape that splits the channel axis
/// into groups or merges them back (channel shuffle is Reshape → Transpose → Reshape), a
/// Transpose of such axes (an index permutation), and a Slice of the channel axis.
extension ChannelDependency {
    // MARK: Spanned channels

    /// Forward through the consumer of a space whose channels span several axes: only Reshape
    /// and Transpose keep them apart.
    mutating func forwardSpanned(_ node: Node, _ space: ChannelSpace, _ idx: [Int]) throws {
        switch node.op.channels.value {
        case .transpose?: try transposeForward(node, space, idx)
        case .reshape? where try regroupForward(node, space, idx): return
        default: throw refuse(node, "the channels are split over \(space.span) axes here (a channel shuffle's middle), which Scalpel follows only through Reshape and Transpose")
        }
    }

    /// Backward through the producer of a space whose channels span several axes.
    mutating func backwardSpanned(_ node: Node, _ space: ChannelSpace, _ idx: [Int]) throws {
        switch node.op.channels.value {
        case .transpose?: try transposeBackward(node, space, idx)
        case .reshape? where try regroupBackward(node, space, idx): return
        default: throw refuse(node, "the channels are split over \(space.span) axes here (a channel shuffle's middle), which Scalpel follows only through Reshape and Transpose")
        }
    }

    /// The sizes of a space's axes, when all are known.
    func sizes(_ space: ChannelSpace) -> [Int]? {
        guard let d = dims(space.value), space.axis + space.span <= d.count else { return nil }
        let known = d[space.axis..<(space.axis + space.span)].compactMap(\.value)
        return known.count == space.span ? known : nil
    }

    /// The Transpose's output space of the input's channel axes, which it must keep adjacent;
    /// their order may change, which permutes the channel indices (one axis needs no sizes).
    mutating func transposeForward(_ node: Node, _ space: ChannelSpace, _ idx: [Int]) throws {
        guard let rank = dims(node.inputs[0])?.count, let sizes = space.span == 1 ? [0] : sizes(space) else { throw refuse(node, "its shapes are unknown") }
        let perm = node.ints("perm") ?? Array((0..<rank).reversed())
        let positions = (0..<space.span).compactMap { perm.firstIndex(of: space.axis + $0) }
        guard positions.count == space.span, let first = positions.min(), Set(positions) == Set(first..<(first + space.span)) else {
            throw refuse(node, "it moves the channel axes \(space.axis)…\(space.axis + space.span - 1) apart")
        }
        let order = (0..<space.span).map { perm[first + $0] - space.axis }
        try visit(ChannelSpace(value: node.outputs[0], axis: first, span: space.span),
                  space.span == 1 ? idx : Self.permute(idx, sizes: sizes, order: order))
    }

    /// The Transpose's input space of the output's channel axes.
    mutating func transposeBackward(_ node: Node, _ space: ChannelSpace, _ idx: [Int]) throws {
        guard let rank = dims(node.inputs[0])?.count, let sizes = space.span == 1 ? [0] : sizes(space) else { throw refuse(node, "its shapes are unknown") }
        let perm = node.ints("perm") ?? Array((0..<rank).reversed())
        let sources = (0..<space.span).map { perm[space.axis + $0] }
        guard let first = sources.min(), Set(sources) == Set(first..<(first + space.span)) else {
            throw refuse(node, "its input holds the channel axes apart")
        }
        let order = (0..<space.span).map { i in sources.firstIndex(of: first + i) ?? 0 }
        try visit(ChannelSpace(value: node.inputs[0], axis: first, span: space.span),
                  space.span == 1 ? idx : Self.permute(idx, sizes: sizes, order: order))
    }

    /// Indices over axes of `sizes` (row-major) rewritten for the axes reordered so that axis j
    /// of the result is axis `order[j]` of the source.
    static func permute(_ idx: [Int], sizes: [Int], order: [Int]) -> [Int] {
        let target = order.map { sizes[$0] }
        return idx.map { flat in
            var digits = [Int](repeating: 0, count: sizes.count)
            var rest = flat
            for axis in sizes.indices.reversed() {
                digits[axis] = rest % sizes[axis]
                rest /= sizes[axis]
            }
            return order.indices.reduce(0) { $0 * target[$1] + digits[order[$1]] }
        }.sorted()
    }

    /// The axes of `y` that hold exactly what axes `a..<a+span` of `x` hold, when a reshape
    /// keeps everything before them (and so, keeping the total, what follows): the channels keep
    /// their row-major index.
    func regrouped(_ x: [Dim], _ y: [Dim], axis a: Int, span: Int) -> (axis: Int, span: Int)? {
        func product(_ d: ArraySlice<Dim>) -> Int? { d.reduce(Optional(1)) { p, v in p.flatMap { p in v.value.map { p * $0 } } } }
        let before = Array(x[..<a]), leading = product(x[..<a])
        guard y.count >= a, Array(y[..<a]) == before || (leading != nil && product(y[..<a]) == leading),
              let channels = product(x[a..<(a + span)]) else { return nil }
        var end = before.count, held = 1
        while end < y.count, held < channels, let v = y[end].value {
            held *= v
            end += 1
        }
        // What follows holds as many elements on both sides: a reshape keeps the total.
        guard held == channels, end > before.count else { return nil }
        return (before.count, end - before.count)
    }

    /// The smallest set of channels over axes of `sizes` holding `idx` that is a product with one
    /// partial axis (the largest, the last of equals): what a reshape into groups can keep.
    static func productClosure(_ idx: [Int], sizes: [Int]) -> [Int] {
        let used = projections(idx, sizes: sizes)
        let partial = sizes.indices.filter { used[$0].count < sizes[$0] }
        let kept = partial.max { (sizes[$0], $0) < (sizes[$1], $1) }
        var product = [0]
        for axis in sizes.indices {
            let values = axis == kept ? used[axis].sorted() : Array(0..<sizes[axis])
            product = product.flatMap { p in values.map { p * sizes[axis] + $0 } }
        }
        return product
    }

    /// A Reshape that regroups the channel axes (or keeps them): the output carries the same
    /// indices; either side split over axes needs a product set. False when it is no regrouping.
    mutating func regroupForward(_ node: Node, _ space: ChannelSpace, _ idx: [Int]) throws -> Bool {
        guard let x = dims(node.inputs[0]), let out = node.outputs.first, let y = dims(out),
              let (axis, span) = regrouped(x, y, axis: space.axis, span: space.span) else { return false }
        let target = ChannelSpace(value: out, axis: axis, span: span)
        guard try closeProduct(node, space, idx, other: target) else { return true }
        try reshapeTarget(node, target, idx)
        try visit(target, idx)
        return true
    }

    /// The input side of a regrouping Reshape.
    mutating func regroupBackward(_ node: Node, _ space: ChannelSpace, _ idx: [Int]) throws -> Bool {
        guard let x = dims(node.inputs[0]), let y = dims(space.value) else { return false }
        // The input's channel axes are those the output's map onto, read the other way.
        guard let (axis, span) = regrouped(y, x, axis: space.axis, span: space.span) else { return false }
        let source = ChannelSpace(value: node.inputs[0], axis: axis, span: span)
        guard try closeProduct(node, space, idx, other: source) else { return true }
        try reshapeTarget(node, space, idx)
        try visit(source, idx)
        return true
    }

    /// Grows `space` to the product set both sides of a regrouping can hold; false when it grew
    /// (the pass restarts).
    private mutating func closeProduct(_ node: Node, _ space: ChannelSpace, _ idx: [Int], other: ChannelSpace) throws -> Bool {
        guard let mine = sizes(space), let theirs = sizes(other) else { throw refuse(node, "its shapes are unknown") }
        var closed = idx
        for split in [mine, theirs] where split.count > 1 { closed = Self.productClosure(closed, sizes: split) }
        guard closed == idx else {
            try visit(space, closed)
            return false
        }
        guard closed.count < mine.reduce(1, *) || wholeLayer else { throw refuse(node, "it would lose every channel") }
        return true
    }

    /// Records the new size of the Reshape's target at the output channel axis that shrinks,
    /// when the target is a constant (a computed one follows the tensor's new shape).
    private mutating func reshapeTarget(_ node: Node, _ output: ChannelSpace, _ idx: [Int]) throws {
        guard node.opType == "Reshape", let shape = node.input(1), graph.initializers[shape] != nil || isConstantNode(shape),
              let sizes = sizes(output), let shrinking = Self.shrinking(idx, sizes: sizes) else { return }
        adjustments[node.id] = .reshapeTarget(node.id, axis: output.axis + shrinking.axis, removed: shrinking.removed)
    }

    /// For a product set of indices over axes of `sizes` (every axis whole but one), that axis and
    /// how many of its entries the set takes.
    static func shrinking(_ idx: [Int], sizes: [Int]) -> (axis: Int, removed: Int)? {
        let used = projections(idx, sizes: sizes)
        guard let axis = sizes.indices.first(where: { used[$0].count < sizes[$0] }) else { return nil }
        return (axis, used[axis].count)
    }

    /// For each axis of `sizes`, the positions along it that the row-major indices `idx` use.
    static func projections(_ idx: [Int], sizes: [Int]) -> [Set<Int>] {
        var used = sizes.map { _ in Set<Int>() }
        for flat in idx {
            var rest = flat
            for axis in sizes.indices.reversed() {
                used[axis].insert(rest % sizes[axis])
                rest /= sizes[axis]
            }
        }
        return used
    }

    /// Whether a value is the output of a `Constant` node.
    func isConstantNode(_ v: ValueID) -> Bool {
        guard let producer = index.producer[v], let p = index.position[producer] else { return false }
        return graph.nodes[p].opType == "Constant"
    }

    // MARK: Slice

    /// The start and end a Slice takes along axis `a` (clamped), nil when it does not slice `a`.
    func sliceRange(_ node: Node, axis a: Int) throws -> (entry: Int, start: Int, end: Int)? {
        guard let d = dims(node.inputs[0]), let size = d[a].value else { throw refuse(node, "the channel count is unknown") }
        guard let bounds = SliceBounds.parameters(of: node, integers: { shapes.folded[$0]?.integers }) else {
            throw refuse(node, "its starts and ends are not constant, or its starts, ends, axes and steps differ in length")
        }
        guard let entry = (bounds.axes ?? Array(bounds.starts.indices)).firstIndex(where: { ($0 < 0 ? $0 + d.count : $0) == a }) else { return nil }
        guard let steps = bounds.steps, steps[entry] == 1 else { throw refuse(node, "it takes every n-th channel") }
        let (s, e) = SliceBounds.clamp(start: bounds.starts[entry], end: bounds.ends[entry], step: 1, size: size)
        return (entry, s, max(s, e))
    }

    /// Channels entering a Slice: those inside its range move to the output, shifted by its
    /// start; the range shrinks by the channels removed before and inside it.
    mutating func sliceForward(_ node: Node, a: Int, _ idx: [Int]) throws {
        guard let range = try sliceRange(node, axis: a) else { return try visit(ChannelSpace(value: node.outputs[0], axis: a), idx) }
        let inside = idx.filter { $0 >= range.start && $0 < range.end }.map { $0 - range.start }
        let before = idx.filter { $0 < range.start }.count
        guard inside.count < range.end - range.start || wholeLayer else { throw refuse(node, "its output would lose all its channels") }
        adjustments[node.id] = .sliceBounds(node.id, entry: range.entry, removedBefore: before, removedInside: inside.count)
        if !inside.isEmpty { try visit(ChannelSpace(value: node.outputs[0], axis: a), inside) }
    }

    /// Channels of a Slice's output: the input's, offset by its start.
    mutating func sliceBackward(_ node: Node, a: Int, _ idx: [Int]) throws {
        let start = try sliceRange(node, axis: a)?.start ?? 0
        try visit(ChannelSpace(value: node.inputs[0], axis: a), idx.map { $0 + start })
    }
}
