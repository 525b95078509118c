/// Finds the channel group of a layer: starting from channels of its output, follows how
/// channel indices flow forward through consumers and backward to producers, until every
/// coupled activation, parameter and attribute is known. Refuses, naming the node, where a
/// channel would reach a graph output or an op without a channel rule.
public struct ChannelDependency {
    let graph: Graph
    let shapes: ShapeInfo
    let index: GraphIndex
    let graphOutputs: Set<ValueID>
    private var spaces: [ChannelSpace: [Int]] = [:]
    private var order: [ChannelSpace] = []
    private var slices: [String: ParameterSlice] = [:]
    private var sliceOrder: [String] = []
    var adjustments: [NodeID: NodeAdjustment] = [:]
    private var sources: [NodeID] = []
    /// Channel sets found in earlier passes to be larger than first visited (a Concat fed by
    /// several coupled inputs, a Split whose outputs are coupled): each pass starts from them.
    private var required: [ChannelSpace: [Int]] = [:]
    /// Set when a pass found an activation needing more channels than it was propagated with.
    private var spaceGrew = false
    /// A parameter asked to lose two different sets of entries in the last pass.
    private var sliceConflict: String?
    /// Whether the analysis takes every channel of the root (a structure for planning), so a
    /// consumer losing all its channels is not refused.
    private(set) var wholeLayer = false

    /// An analysis over one graph and its inferred shapes (`index`, when given, must be the graph's).
    public init(graph: Graph, shapes: ShapeInfo, index: GraphIndex? = nil) {
        self.graph = graph
        self.shapes = shapes
        self.index = index ?? GraphIndex(graph)
        self.graphOutputs = Set(graph.outputs.map(\.id))
    }

    /// Whether the node's output channels can start a group (Conv, ConvTranspose, Gemm, MatMul with constant weights).
    public static func isProducer(_ node: Node) -> Bool { node.op.channels.value?.produces ?? false }

    /// The group that deleting `channels` of the layer at `position` requires.
    public static func group(of position: Int, channels: [Int], graph: Graph, shapes: ShapeInfo,
                             index: GraphIndex? = nil) throws -> ChannelGroup {
        var analysis = ChannelDependency(graph: graph, shapes: shapes, index: index)
        return try analysis.run(position: position, channels: channels, wholeLayer: false)
    }

    /// The group of every channel of the layer at once: which parameters and layers are coupled
    /// to it, for scoring and planning (never applied as such), with the root's ``ChannelGroup/bundles``.
    public static func structure(of position: Int, graph: Graph, shapes: ShapeInfo, index: GraphIndex? = nil) throws -> ChannelGroup {
        let index = index ?? GraphIndex(graph)
        var analysis = ChannelDependency(graph: graph, shapes: shapes, index: index)
        var structure = try analysis.run(position: position, channels: nil, wholeLayer: true)
        let count = structure.rootChannels(graph: graph)
        // Where some parameter loses a number of entries that is no multiple of the root's
        // channels (one half of them reaches a branch through a Slice), channels cost unequal
        // amounts: each bundle's own deletion is kept so plans can count it exactly.
        let even = structure.slices.allSatisfy { $0.indices.count % max(1, count) == 0 }
        (structure.bundles, structure.bundleSlices) = bundles(of: position, channels: count, graph: graph, shapes: shapes, index: index,
                                                              costed: !even)
        return structure
    }

    /// The group deleting `channels` of the layer at `position` requires, with the root's
    /// channels grown to every channel coupled to them (a grouped convolution's other groups).
    public static func closure(of position: Int, channels: [Int], graph: Graph, shapes: ShapeInfo,
                               index: GraphIndex? = nil) throws -> ChannelGroup {
        var analysis = ChannelDependency(graph: graph, shapes: shapes, index: index)
        return try analysis.run(position: position, channels: channels, wholeLayer: false, closing: true)
    }

    /// The root's channels partitioned into the sets that are only deleted together. Probes
    /// first whether every channel stands alone: for each bit of the channel index, the channels
    /// with that bit set, and those without, must each be closed (two coupled channels differ in
    /// some bit, so one probe would grow). Only otherwise is each channel's closure taken.
    /// Channels whose deletion is refused are in no bundle.
    /// With `costed` (channels of unequal cost), every channel's closure is taken and each bundle
    /// comes with the parameter entries its own deletion removes; otherwise none are returned.
    static func bundles(of position: Int, channels count: Int, graph: Graph, shapes: ShapeInfo, index: GraphIndex,
                        costed: Bool) -> ([[Int]], [[ParameterSlice]]) {
        let output = graph.nodes[position].outputs.first
        func closed(_ set: [Int]) -> ChannelGroup? { try? closure(of: position, channels: set, graph: graph, shapes: shapes, index: index) }
        func root(_ group: ChannelGroup?) -> [Int]? { group?.spaces.first { $0.key.value == output }?.value }
        var bit = 1
        var alone = !costed
        while bit < count, alone {
            let on = (0..<count).filter { $0 & bit != 0 }, off = (0..<count).filter { $0 & bit == 0 }
            alone = root(closed(on)) == on && root(closed(off)) == off
            bit <<= 1
        }
        if alone { return ((0..<count).map { [$0] }, []) }
        var bundleOf = [Int?](repeating: nil, count: count)
        var bundles: [[Int]] = []
        var slices: [[ParameterSlice]] = []
        for c in 0..<count where bundleOf[c] == nil {
            let group = closed([c])
            guard let members = root(group), members.allSatisfy({ bundleOf[$0] == nil }) else { continue }
            for m in members { bundleOf[m] = bundles.count }
            bundles.append(members)
            if costed { slices.append(group?.slices ?? []) }
        }
        return (bundles, slices)
    }

    /// The number of output channels of the producer at `position`, or why it has none to delete.
    public static func channelCount(of position: Int, graph: Graph, shapes: ShapeInfo) throws -> Int {
        try outputChannels(of: position, graph: graph, shapes: shapes).count
    }

    /// Where the producer at `position` keeps its output channels, and how many it has.
    private static func outputChannels(of position: Int, graph: Graph, shapes: ShapeInfo) throws -> (space: ChannelSpace, count: Int) {
        let node = graph.nodes[position]
        let name = graph.displayName(of: node)
        guard isProducer(node), let output = node.outputs.first else {
            throw DependencyError("'\(name)' is a \(node.opType); channels are deleted from Conv, ConvTranspose, Gemm or MatMul layers")
        }
        guard let dims = shapes[output].dims, let axis = Optional(node.opType == "Conv" || node.opType == "ConvTranspose" ? 1 : dims.count - 1),
              axis < dims.count, let count = dims[axis].value else {
            throw DependencyError("the output shape of '\(name)' is unknown, so its channels cannot be counted")
        }
        return (ChannelSpace(value: output, axis: axis), count)
    }

    private mutating func run(position: Int, channels: [Int]?, wholeLayer: Bool, closing: Bool = false) throws -> ChannelGroup {
        self.wholeLayer = wholeLayer
        let node = graph.nodes[position]
        let name = graph.displayName(of: node)
        let (root, count) = try Self.outputChannels(of: position, graph: graph, shapes: shapes)
        let wanted = channels.map { Array(Set($0)).sorted() } ?? Array(0..<count)
        if let bad = wanted.first(where: { $0 < 0 || $0 >= count }) {
            throw DependencyError("'\(name)' has channels 0…\(count - 1); \(bad) is not one of them")
        }
        guard !wanted.isEmpty else { throw DependencyError("no channels given") }
        guard wanted.count < count || wholeLayer else {
            throw DependencyError("deleting all \(count) channels of '\(name)' would leave nothing; delete the layer instead")
        }
        // Channel sets only grow. A pass that finds an activation needing more channels than it
        // was propagated with starts over with the larger set known up front; the last pass is
        // the fixed point where every coupled activation holds the same channels.
        for _ in 0..<10_000 {
            (spaces, order, slices, sliceOrder, adjustments, sources) = ([:], [], [:], [], [:], [])
            (spaceGrew, sliceConflict) = (false, nil)
            try visit(root, wanted)
            for (space, indices) in required where spaces[space] == nil { try visit(space, indices) }
            var cursor = 0
            while cursor < order.count, !spaceGrew {
                let space = order[cursor]
                cursor += 1
                let indices = spaces[space] ?? []
                try backward(space, indices)
                try forward(space, indices)
            }
            if !spaceGrew { break }
        }
        if let conflict = sliceConflict { throw DependencyError(conflict) }
        if let grown = spaces[root], grown != wanted {
            let extra = grown.filter { !wanted.contains($0) }
            guard closing else {
                throw DependencyError("channels \(ChannelGroup.ranges(wanted)) of '\(name)' are coupled to its channels \(ChannelGroup.ranges(extra)) "
                    + "(a grouped convolution takes the same channels from each group, or the output is joined with itself); "
                    + "delete them together, or add --coupled")
            }
            guard grown.count < count else {
                throw DependencyError("channels \(ChannelGroup.ranges(wanted)) of '\(name)' are coupled to every other channel of the layer")
            }
        }
        return ChannelGroup(root: node.id, spaces: spaces, slices: sliceOrder.compactMap { slices[$0] },
                            adjustments: adjustments.values.sorted { "\($0)" < "\($1)" }, sources: sources, bundles: [], bundleSlices: [])
    }

    // MARK: Bookkeeping

    mutating func visit(_ space: ChannelSpace, _ indices: [Int]) throws {
        if let known = spaces[space] {
            guard !Set(indices).isSubset(of: known) else { return }
            required[space] = Array(Set(known + indices + (required[space] ?? []))).sorted()
            spaceGrew = true
            return
        }
        if graphOutputs.contains(space.value) {
            throw DependencyError("the channels reach the model output '\(space.value)'; deleting them would change what the model returns")
        }
        spaces[space] = Array(Set(indices + (required[space] ?? []))).sorted()
        order.append(space)
    }

    private mutating func slice(_ tensor: ValueID, axis: Int, _ indices: [Int], node: Node, role: String) throws {
        let key = "\(tensor.name)\u{0}\(axis)"
        if let known = slices[key] {
            if known.indices != indices {
                sliceConflict = "parameter '\(tensor)' would lose different entries along axis \(axis) for two layers that share it; it cannot be pruned"
            }
            return
        }
        slices[key] = ParameterSlice(tensor: tensor, axis: axis, indices: indices, node: node.id, role: role)
        sliceOrder.append(key)
    }

    private func name(_ node: Node) -> String { "'\(graph.displayName(of: node))' (\(node.opType))" }

    func dims(_ v: ValueID) -> [Dim]? { shapes[v].dims }

    func isConstant(_ v: ValueID) -> Bool { graph.initializers[v] != nil || shapes.constants[v] != nil }

    func refuse(_ node: Node, _ why: String) -> DependencyError {
        DependencyError("\(name(node)) blocks the group: \(why)")
    }
}

extension ChannelDependency {
    // MARK: Forward: how a consumer carries the channels of one of its inputs

    private mutating func forward(_ space: ChannelSpace, _ idx: [Int]) throws {
        for consumer in index.consumers[space.value] ?? [] {
            guard let position = index.position[consumer] else { continue }
            let node = graph.nodes[position]
            for slot in node.inputs.indices where node.inputs[slot] == space.value {
                if space.span > 1 {
                    try forwardSpanned(node, space, idx)
                } else {
                    try forward(node, slot: slot, space.axis, idx)
                }
            }
        }
    }

    /// The node's channel rule, or a refusal with the reason its op family declares.
    private func channelRule(of node: Node, backward: Bool) throws -> ChannelRule {
        switch node.op.channels {
        case let .supported(rule): return rule
        case let .unsupported(reason):
            throw refuse(node, "Scalpel has no channel rule for \(node.opType)" + (backward ? " (channels would have to flow back through it)" : "") + ": \(reason)")
        }
    }

    private mutating func forward(_ node: Node, slot: Int, _ a: Int, _ idx: [Int]) throws {
        let out = node.outputs.first ?? .absent
        let op = node.opType
        let rule = try channelRule(of: node, backward: false)
        switch rule {
        case .passThrough:
            guard slot == 0 else { throw refuse(node, "its input \(slot) would lose channels") }
            try visit(ChannelSpace(value: out, axis: a), idx)
        case .elementwise:
            try elementwise(node, a: a, rankOf: node.inputs[slot], idx)
        case .shapeOnly:
            return
        case .normalization:
            guard slot == 0, a == 1 else { throw refuse(node, "channels arrive on a parameter input") }
            try perChannelParameters(node, inputs: op == "BatchNormalization" ? 1...4 : 1...2, idx)
            try visit(ChannelSpace(value: out, axis: a), idx)
        case .prelu:
            guard slot == 0 else { throw refuse(node, "channels arrive on the slope") }
            try elementwise(node, a: a, rankOf: node.inputs[0], idx)
        case .convolution:
            guard slot == 0, a == 1 else { throw refuse(node, "channels arrive on its weights") }
            try convInput(node, idx)
        case .gemm:
            guard slot == 0, a == 1, node.int("transA", default: 0) == 0, let b = node.input(1), isConstant(b) else {
                throw refuse(node, "only the input features of a Gemm with constant weights can be removed")
            }
            try slice(b, axis: node.int("transB", default: 0) != 0 ? 1 : 0, idx, node: node, role: "in-features")
        case .matMul:
            guard slot == 0, let rank = dims(node.inputs[0])?.count, a == rank - 1, let b = node.input(1), isConstant(b),
                  dims(b)?.count == 2 else {
                throw refuse(node, "only the last axis of a MatMul with a constant matrix can be removed")
            }
            try slice(b, axis: 0, idx, node: node, role: "in-features")
        case .reshape:
            if try !regroupForward(node, ChannelSpace(value: node.inputs[slot], axis: a), idx) { try flatten(node, a: a, idx) }
        case .slice:
            guard slot == 0 else { throw refuse(node, "channels arrive on its bounds") }
            try sliceForward(node, a: a, idx)
        case .concat:
            try concat(node, slot: slot, a: a, idx)
        case .split:
            try split(node, a: a, idx)
        case .transpose:
            try transposeForward(node, ChannelSpace(value: node.inputs[slot], axis: a), idx)
        case .pad:
            try visit(ChannelSpace(value: out, axis: a), idx)
        case .squeeze:
            guard slot == 0 else { throw refuse(node, "channels arrive on its axes input") }
            try visit(ChannelSpace(value: out, axis: try squeezedAxis(node, input: a)), idx)
        case .reduction:
            try reduction(node, a: a, idx)
        case .softmax:
            try normalisesOtherAxis(node, a)
            try visit(ChannelSpace(value: out, axis: a), idx)
        case .layerNormalization:
            try layerNorm(node, a: a, idx)
        }
    }

    private mutating func convInput(_ node: Node, _ idx: [Int]) throws {
        guard let w = node.input(1), isConstant(w), dims(w) != nil, let cIn = dims(node.inputs[0])?[1].value else {
            throw refuse(node, "its weights are not a constant of known shape")
        }
        let group = node.int("group", default: 1)
        let transposed = node.opType == "ConvTranspose"
        if group == 1 {
            return try slice(w, axis: transposed ? 0 : 1, idx, node: node, role: "in-channels")
        }
        guard !transposed else { throw refuse(node, "grouped transposed convolution (group \(group)) cannot lose input channels") }
        guard let multiplier = depthwiseMultiplier(node) else {
            // Every group reads its own run of cIn / group channels: the same channels leave each run.
            let local = try symmetricLocal(node, ChannelSpace(value: node.inputs[0], axis: 1), idx, size: cIn, groups: group, side: "input")
            return try slice(w, axis: 1, local, node: node, role: "in-channels of each group")
        }
        // Depthwise: input channel i is group i, whose `multiplier` output channels go with it.
        let outputs = idx.flatMap { i in (i * multiplier)..<((i + 1) * multiplier) }
        try slice(w, axis: 0, outputs, node: node, role: "depthwise filters")
        if let b = node.input(2) {
            guard isConstant(b) else { throw refuse(node, "its bias is not a constant") }
            try slice(b, axis: 0, outputs, node: node, role: "bias")
        }
        adjustments[node.id] = .convGroups(node.id, removed: idx.count)
        // Its output channels go too, so it is one of the group's layers: a global prune or
        // `score --all` must not take it for the root of a second group over the same channels.
        if !sources.contains(node.id) { sources.append(node.id) }
        try visit(ChannelSpace(value: node.outputs[0], axis: 1), outputs)
    }

    /// For a depthwise Conv (each group reads one input channel), how many output channels each
    /// group writes; nil for any other convolution.
    private func depthwiseMultiplier(_ node: Node) -> Int? {
        let group = node.int("group", default: 1)
        guard node.opType == "Conv", group > 1, let w = node.input(1), let wDims = dims(w), wDims.count >= 2,
              let cIn = dims(node.inputs[0])?[1].value, group == cIn, wDims[1] == .value(1),
              let cOut = wDims[0].value, cOut % group == 0 else { return nil }
        return cOut / group
    }

    /// For a grouped convolution's input or output: the channels within one group's run that
    /// `idx` removes, when `idx` takes the same of them from every run. Otherwise the space grows
    /// to that symmetric set (the pass restarts) and the returned value is unused.
    private mutating func symmetricLocal(_ node: Node, _ space: ChannelSpace, _ idx: [Int], size: Int, groups: Int,
                                         side: String) throws -> [Int] {
        guard groups > 0, size % groups == 0 else { throw refuse(node, "its \(size) \(side) channels do not split into \(groups) groups") }
        let run = size / groups
        let local = Array(Set(idx.map { $0 % run })).sorted()
        let symmetric = (0..<groups).flatMap { g in local.map { g * run + $0 } }
        if symmetric != idx { try visit(space, symmetric) }
        guard local.count < run || wholeLayer else {
            throw refuse(node, "grouped convolution (\(groups) groups of \(run) \(side) channels) would lose every \(side) channel of each group")
        }
        return local
    }

    private mutating func perChannelParameters(_ node: Node, inputs: ClosedRange<Int>, _ idx: [Int]) throws {
        let roles = ["", "scale", "bias", "running mean", "running variance"]
        for i in inputs {
            guard let p = node.input(i) else { continue }
            guard isConstant(p) else { throw refuse(node, "its parameter \(i) is not a constant") }
            try slice(p, axis: 0, idx, node: node, role: roles[i])
        }
    }

    /// Broadcasting ops: every input with a full channel axis loses the channels (constants are
    /// sliced, data inputs join the group); the output carries them on.
    private mutating func elementwise(_ node: Node, a: Int, rankOf arriving: ValueID, _ idx: [Int]) throws {
        guard let inRank = dims(arriving)?.count, let out = node.outputs.first, let outDims = dims(out) else {
            throw refuse(node, "its shapes are unknown")
        }
        let outAxis = a + outDims.count - inRank
        for (slot, v) in node.inputs.enumerated() where !v.isAbsent && !(node.opType == "Where" && slot == 0) {
            guard let d = dims(v) else { throw refuse(node, "the shape of '\(v)' is unknown") }
            let axis = outAxis - (outDims.count - d.count)
            guard axis >= 0, d[axis] != .value(1) else { continue }
            if isConstant(v) {
                try slice(v, axis: axis, idx, node: node, role: "per-channel constant")
            } else {
                try visit(ChannelSpace(value: v, axis: axis), idx)
            }
        }
        try visit(ChannelSpace(value: out, axis: outAxis), idx)
    }

    /// Flatten, or a Reshape that flattens: channel k becomes the run of features it spans.
    private mutating func flatten(_ node: Node, a: Int, _ idx: [Int]) throws {
        guard let x = dims(node.inputs[0])?.map(\.value), let out = node.outputs.first, let y = dims(out) else {
            throw refuse(node, "its shapes are unknown")
        }
        let start = node.opType == "Flatten" ? node.int("axis", default: 1) : 1
        let flattensTail = y.count == 2 && start == 1 && a >= 1 && x.count >= 2
        guard flattensTail, node.opType == "Flatten" || y[0] == dims(node.inputs[0])?[0] else {
            throw refuse(node, "a reshape that mixes the channel axis (\(shapes[node.inputs[0]].shapeDescription) → \(shapes[out].shapeDescription)) cannot keep channels apart")
        }
        guard let channels = x[a], let inner = x.dropFirst(a + 1).reduce(Optional(1), { p, d in p.flatMap { p in d.map { p * $0 } } }),
              let outer = x[1..<a].reduce(Optional(1), { p, d in p.flatMap { p in d.map { p * $0 } } }) else {
            throw refuse(node, "the flattened dimensions are not all known")
        }
        var features: [Int] = []
        for o in 0..<outer {
            for k in idx { features.append(contentsOf: ((o * channels + k) * inner)..<((o * channels + k + 1) * inner)) }
        }
        try visit(ChannelSpace(value: out, axis: 1), features.sorted())
    }

    private mutating func concat(_ node: Node, slot: Int, a: Int, _ idx: [Int]) throws {
        guard let rank = dims(node.inputs[slot])?.count, let out = node.outputs.first else { throw refuse(node, "its rank is unknown") }
        let axisAttr = node.int("axis", default: 0)
        guard (axisAttr < 0 ? axisAttr + rank : axisAttr) == a else {
            throw refuse(node, "it joins along another axis than the channels")
        }
        var offset = 0
        for i in 0..<slot {
            guard let size = dims(node.inputs[i])?[a].value else { throw refuse(node, "input \(i) has an unknown channel count") }
            offset += size
        }
        try visit(ChannelSpace(value: out, axis: a), idx.map { $0 + offset })
    }

    private mutating func split(_ node: Node, a: Int, _ idx: [Int]) throws {
        guard let rank = dims(node.inputs[0])?.count else { throw refuse(node, "its rank is unknown") }
        let axisAttr = node.int("axis", default: 0)
        guard (axisAttr < 0 ? axisAttr + rank : axisAttr) == a else {
            for out in node.outputs where !out.isAbsent { try visit(ChannelSpace(value: out, axis: a), idx) }
            return
        }
        var start = 0
        var removed: [Int] = []
        for out in node.outputs {
            guard let size = dims(out)?[a].value else { throw refuse(node, "an output has an unknown channel count") }
            let mine = idx.filter { $0 >= start && $0 < start + size }.map { $0 - start }
            guard mine.count < size || wholeLayer else { throw refuse(node, "output '\(out)' would lose all its channels") }
            if !mine.isEmpty { try visit(ChannelSpace(value: out, axis: a), mine) }
            removed.append(mine.count)
            start += size
        }
        adjustments[node.id] = .splitSizes(node.id, removed: removed)
    }

    /// Where axis `input` of a Squeeze's or Unsqueeze's input lands in its output, or (with
    /// `output`) where an output axis comes from; refuses a channel axis that is squeezed away
    /// or one that Unsqueeze inserted.
    private func squeezedAxis(_ node: Node, input: Int? = nil, output: Int? = nil) throws -> Int {
        guard let inRank = dims(node.inputs[0])?.count, let outRank = node.outputs.first.flatMap(dims)?.count else {
            throw refuse(node, "its ranks are unknown")
        }
        let squeezing = node.opType == "Squeeze"
        let rank = squeezing ? inRank : outRank
        let explicit = node.ints("axes") ?? node.input(1).flatMap { shapes.folded[$0]?.integers }
        guard let given = explicit ?? (squeezing ? unitAxes(of: node.inputs[0]) : nil) else { throw refuse(node, "its axes are not known") }
        let axes = Set(given.map { $0 < 0 ? $0 + rank : $0 })
        // The axes of the higher-rank side that the other side keeps, in order.
        let kept = (0..<rank).filter { !axes.contains($0) }
        guard kept.count == min(inRank, outRank) else { throw refuse(node, "its axes \(given) do not match its ranks") }
        switch (squeezing, input, output) {
        case let (true, input?, _):
            guard let at = kept.firstIndex(of: input) else { throw refuse(node, "it squeezes away the channel axis") }
            return at
        case let (false, _, output?):
            guard let at = kept.firstIndex(of: output) else { throw refuse(node, "the channels are on an axis it inserts") }
            return at
        case let (_, input, output):
            let axis = input ?? output ?? 0
            guard axis < kept.count else { throw refuse(node, "axis \(axis) is out of range") }
            return kept[axis]
        }
    }

    /// The size-1 axes of a value (what a Squeeze without axes removes).
    private func unitAxes(of v: ValueID) -> [Int]? {
        guard let d = dims(v), d.allSatisfy({ $0.value != nil }) else { return nil }
        return d.indices.filter { d[$0] == .value(1) }
    }

    private mutating func reduction(_ node: Node, a: Int, _ idx: [Int]) throws {
        guard let rank = dims(node.inputs[0])?.count, let out = node.outputs.first else { throw refuse(node, "its rank is unknown") }
        let axes = reducedAxes(node, rank: rank)
        // Reduced across, the channels end here, as in a Conv's input: the deleted ones no longer
        // take part in the sum, mean, norm or extreme (statistics over fewer channels, as LayerNorm's).
        if axes.contains(a) { return }
        let keep = node.int("keepdims", default: 1) != 0
        try visit(ChannelSpace(value: out, axis: keep ? a : a - axes.filter { $0 < a }.count), idx)
    }

    /// Throws unless a Softmax-like node normalises an axis other than the channels' `a`.
    private func normalisesOtherAxis(_ node: Node, _ a: Int) throws {
        guard let rank = dims(node.inputs[0])?.count else { throw refuse(node, "its rank is unknown") }
        guard let axis = NormalizationOp.normalisedAxis(of: node, rank: rank) else {
            throw refuse(node, "its axis is implicit, and what that means changed at opset 13; set the axis explicitly")
        }
        guard axis != a else { throw refuse(node, "it normalises across the channels") }
    }

    /// The axes a reduction reduces; axes that are not folded count as every axis.
    private func reducedAxes(_ node: Node, rank: Int) -> Set<Int> {
        ReductionOp.reducedAxes(of: node, rank: rank) { shapes.folded[$0]?.integers } ?? Set(0..<rank)
    }

    private mutating func layerNorm(_ node: Node, a: Int, _ idx: [Int]) throws {
        guard let rank = dims(node.inputs[0])?.count, let out = node.outputs.first else { throw refuse(node, "its rank is unknown") }
        let axis = node.int("axis", default: -1)
        let first = axis < 0 ? axis + rank : axis
        if a >= first {
            guard first == rank - 1 else { throw refuse(node, "it normalises over several axes including the channels") }
            for i in 1...2 {
                guard let p = node.input(i) else { continue }
                guard isConstant(p) else { throw refuse(node, "its parameter \(i) is not a constant") }
                try slice(p, axis: 0, idx, node: node, role: i == 1 ? "scale" : "bias")
            }
        }
        try visit(ChannelSpace(value: out, axis: a), idx)
    }

    // MARK: Backward: how a producer's inputs carry the channels of its output

    private mutating func backward(_ space: ChannelSpace, _ idx: [Int]) throws {
        guard let producer = index.producer[space.value], let position = index.position[producer] else {
            if graph.initializers[space.value] != nil { return }
            throw DependencyError("the channels reach the model input '\(space.value)', which Scalpel cannot change")
        }
        let node = graph.nodes[position]
        if space.span > 1 { return try backwardSpanned(node, space, idx) }
        let a = space.axis
        let op = node.opType
        let rule = try channelRule(of: node, backward: true)
        switch rule {
        case .passThrough, .pad:
            try visit(ChannelSpace(value: node.inputs[0], axis: a), idx)
        case .squeeze:
            try visit(ChannelSpace(value: node.inputs[0], axis: try squeezedAxis(node, output: a)), idx)
        case .elementwise, .prelu:
            try elementwise(node, a: a, rankOf: space.value, idx)
        case .convolution where op == "Conv" && depthwiseMultiplier(node) != nil:
            // An output channel takes its whole group with it, and the group's input channel.
            let m = depthwiseMultiplier(node) ?? 1
            let groups = Array(Set(idx.map { $0 / m })).sorted()
            let whole = groups.flatMap { g in (g * m)..<((g + 1) * m) }
            if whole != idx { return try visit(space, whole) }
            try convInput(node, groups)
            try visit(ChannelSpace(value: node.inputs[0], axis: 1), groups)
        case .convolution where op == "Conv" && node.int("group", default: 1) > 1:
            guard let cOut = dims(space.value)?[1].value else { throw refuse(node, "its output channel count is unknown") }
            // Each group writes its own run of cOut / group channels: the same channels leave each run.
            _ = try symmetricLocal(node, space, idx, size: cOut, groups: node.int("group", default: 1), side: "output")
            try producerOutput(node, a: a, idx)
        case .convolution, .gemm, .matMul:
            try producerOutput(node, a: a, idx)
        case .normalization:
            try perChannelParameters(node, inputs: op == "BatchNormalization" ? 1...4 : 1...2, idx)
            try visit(ChannelSpace(value: node.inputs[0], axis: a), idx)
        case .concat:
            let axisAttr = node.int("axis", default: 0)
            guard (axisAttr < 0 ? axisAttr + (dims(space.value)?.count ?? 0) : axisAttr) == a else {
                throw refuse(node, "it joins along another axis than the channels")
            }
            var offset = 0
            for input in node.inputs {
                guard let size = dims(input)?[a].value else { throw refuse(node, "an input has an unknown channel count") }
                let mine = idx.filter { $0 >= offset && $0 < offset + size }.map { $0 - offset }
                if !mine.isEmpty {
                    guard !isConstant(input) else { throw refuse(node, "a constant input would lose channels") }
                    try visit(ChannelSpace(value: input, axis: a), mine)
                }
                offset += size
            }
        case .split:
            guard let j = node.outputs.firstIndex(of: space.value) else { return }
            var start = 0
            for out in node.outputs.prefix(j) {
                guard let size = dims(out)?[a].value else { throw refuse(node, "an output has an unknown channel count") }
                start += size
            }
            try visit(ChannelSpace(value: node.inputs[0], axis: a), idx.map { $0 + start })
        case .transpose:
            try transposeBackward(node, space, idx)
        case .slice:
            try sliceBackward(node, a: a, idx)
        case .layerNormalization:
            try layerNorm(node, a: a, idx)
            try visit(ChannelSpace(value: node.inputs[0], axis: a), idx)
        case .reshape:
            if dims(space.value)?.count != 2, try regroupBackward(node, space, idx) { return }
            // Features of a flattened NCHW tensor: feature f belongs to channel (f / (H·W)) mod C.
            guard a == 1, dims(space.value)?.count == 2, let x = dims(node.inputs[0])?.map(\.value), x.count >= 2, let channels = x[1],
                  let inner = x.dropFirst(2).reduce(Optional(1), { p, d in p.flatMap { p in d.map { p * $0 } } }), inner > 0 else {
                throw refuse(node, "channels cannot be traced back through this reshape")
            }
            try visit(ChannelSpace(value: node.inputs[0], axis: 1), Array(Set(idx.map { $0 / inner % channels })).sorted())
        case .softmax:
            try normalisesOtherAxis(node, a)
            try visit(ChannelSpace(value: node.inputs[0], axis: a), idx)
        case .reduction:
            guard let rank = dims(node.inputs[0])?.count else { throw refuse(node, "its rank is unknown") }
            let axes = reducedAxes(node, rank: rank)
            // Output axis a is the input's a-th kept axis (every axis, with keepdims).
            let kept = node.int("keepdims", default: 1) != 0 ? Array(0..<rank) : (0..<rank).filter { !axes.contains($0) }
            guard a < kept.count, !axes.contains(kept[a]) else { throw refuse(node, "it reduces across the channels") }
            try visit(ChannelSpace(value: node.inputs[0], axis: kept[a]), idx)
        case .shapeOnly:
            throw refuse(node, "Scalpel has no channel rule for \(op) (channels would have to flow back through it)")
        }
    }

    /// A layer whose output channels are the group's: its filters (and bias) go.
    private mutating func producerOutput(_ node: Node, a: Int, _ idx: [Int]) throws {
        guard let w = node.input(1), isConstant(w), let wDims = dims(w) else {
            throw refuse(node, "its weights are not a constant")
        }
        switch node.opType {
        case "Conv", "ConvTranspose":
            guard a == 1 else { throw refuse(node, "channels are not on axis 1") }
            guard node.opType == "Conv" || node.int("group", default: 1) == 1 else { throw refuse(node, "grouped transposed convolution") }
            try slice(w, axis: node.opType == "Conv" ? 0 : 1, idx, node: node, role: "out-channels")
            if let b = node.input(2) {
                guard isConstant(b) else { throw refuse(node, "its bias is not a constant") }
                try slice(b, axis: 0, idx, node: node, role: "bias")
            }
        case "Gemm":
            guard a == 1 else { throw refuse(node, "features are not on axis 1") }
            try slice(w, axis: node.int("transB", default: 0) != 0 ? 0 : 1, idx, node: node, role: "out-features")
            if let c = node.input(2), let cDims = dims(c), cDims.last != .value(1) {
                guard isConstant(c) else { throw refuse(node, "its bias is not a constant") }
                try slice(c, axis: cDims.count - 1, idx, node: node, role: "bias")
            }
        default:
            guard wDims.count == 2, a == (dims(node.outputs[0])?.count ?? 0) - 1 else {
                throw refuse(node, "only a MatMul with a constant matrix and features on the last axis can lose outputs")
            }
            try slice(w, axis: 1, idx, node: node, role: "out-features")
        }
        if !sources.contains(node.id) { sources.append(node.id) }
    }
}
