import ScalpelCore

/// Values computed from constants alone (NF-Nets standardise their weights with a BatchNorm over
/// the weight tensor, in the graph): an inference engine computes them once, with its own
/// kernels, and reads them as constants afterwards, so the layers they feed (a Conv's weights)
/// see constant inputs.
enum ConstantSubgraphs {
    /// The graph with every float value that depends only on constants (and that shape folding
    /// left to run) turned into an initializer, and the nodes computing only such values removed.
    static func folded(_ graph: Graph, shapes: ShapeInfo, constants: ConstantPool) throws -> Graph {
        let outputs = Set(graph.outputs.map(\.id))
        var constant = Set(graph.initializers.keys).union(shapes.constants.keys).union(shapes.folded.keys)
        var computed: [Node] = []
        for node in graph.nodes where !node.outputs.allSatisfy(constant.contains) {
            let inputs = node.inputs.filter { !$0.isAbsent }
            guard !inputs.isEmpty, inputs.allSatisfy(constant.contains), node.op.kernel.value != nil,
                  !node.outputs.contains(where: outputs.contains),
                  node.outputs.allSatisfy({ $0.isAbsent || (shapes[$0].elementType == .float32 && shapes[$0].staticShape != nil) }) else { continue }
            computed.append(node)
            constant.formUnion(node.outputs)
        }
        guard !computed.isEmpty else { return graph }
        let ids = Set(computed.map(\.id))
        let made = Set(computed.flatMap(\.outputs))
        // What the rest of the graph reads of them becomes an initializer.
        let read = Set(graph.nodes.filter { !ids.contains($0.id) }.flatMap(\.inputs)).intersection(made)
        guard !read.isEmpty else { return graph }
        let plan = try Plan(graph: graph, givenTypes: [:], results: read, keep: [], constants: constants)
        let ws = Workspace(sizes: plan.slotSizes)
        for step in plan.steps { step.body(ws) }
        var out = graph
        for v in read {
            guard let slot = plan.resultSlots[v], let shape = plan.shapes[v].staticShape else { continue }
            out.initializers[v] = Tensor(floats: Array(UnsafeBufferPointer(start: ws[slot], count: shape.reduce(1, *))), shape: shape)
            out.initializerOrder.append(v)
        }
        out.nodes.removeAll { ids.contains($0.id) }
        return out
    }
}
