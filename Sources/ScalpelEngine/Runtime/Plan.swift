import ScalpelCore

/// The steps that run a graph for inputs of fixed shapes, with the slots each value lives in.
/// Built once per input shape; slots are reused once a value's last reader has run.
struct Plan: @unchecked Sendable {
    struct Step {
        let name: String
        let body: StepBody
    }

    let steps: [Step]
    /// Per step, the observed values it writes, with their slots and shapes.
    let observations: [[(value: ValueID, slot: Int, shape: [Int])]]
    let inputSlots: [ValueID: Int]
    let resultSlots: [ValueID: Int]
    let shapes: ShapeInfo
    let slotSizes: [Int]

    /// Plans the nodes needed to compute `results` from `given` values (graph inputs and
    /// activations to start from); constants and folded shape arithmetic are not run. `keep`
    /// values survive to the end; `observed` values are computed (not fused away) and can be read
    /// right after their step, then their memory is reused. A training plan folds and fuses
    /// nothing and normalises BatchNormalization by batch statistics.
    init(graph: Graph, givenTypes: [ValueID: ValueType], results: Set<ValueID>, keep: Set<ValueID>, observed: Set<ValueID> = [],
         constants: ConstantPool, training: Bool = false) throws {
        let shapes = ShapeInference.infer(graph, inputs: givenTypes)
        let given = Set(givenTypes.keys)
        func isConstant(_ v: ValueID) -> Bool {
            graph.initializers[v] != nil || shapes.constants[v] != nil || shapes.folded[v] != nil
        }
        // Nodes needed: walk back from the results, stopping at given and constant values.
        let index = GraphIndex(graph)
        var needed = Set<NodeID>()
        var stack = Array(results.union(observed))
        var visited = Set<ValueID>()
        while let v = stack.popLast() {
            guard visited.insert(v).inserted, !given.contains(v), !isConstant(v) else { continue }
            guard let producer = index.producer[v] else {
                throw EngineError.badInput("the model needs '\(v)', which was not given")
            }
            if needed.insert(producer).inserted, let node = graph.node(producer) {
                stack.append(contentsOf: node.inputs.filter { !$0.isAbsent })
            }
        }
        var order = graph.nodes.filter { needed.contains($0.id) }
        // BatchNormalization right after a Conv is folded into the Conv's weights.
        let pinned = results.union(keep)
        let unfused = pinned.union(observed)
        var folded: [NodeID: Node] = [:]  // conv id → the BN it absorbs
        for node in order where node.opType == "BatchNormalization" && !training {
            guard let x = node.input(0), let p = index.producer[x], let conv = graph.node(p), conv.opType == "Conv",
                  needed.contains(p), index.consumers[x] == [node.id], !unfused.contains(x),
                  (1...4).allSatisfy({ node.input($0).map(isConstant) ?? false }) else { continue }
            folded[p] = node
        }
        // A Relu or Clip right after a Conv (or its folded BatchNorm) is applied as the Conv writes.
        var activations: [NodeID: Node] = [:]
        for node in order where node.opType == "Conv" && !training {
            guard let v = (folded[node.id] ?? node).outputs.first, !unfused.contains(v), let consumers = index.consumers[v],
                  consumers.count == 1, let act = graph.node(consumers[0]), act.opType == "Relu" || act.opType == "Clip",
                  act.inputs.dropFirst().allSatisfy({ $0.isAbsent || isConstant($0) }) else { continue }
            activations[node.id] = act
        }
        let absorbed = Set(folded.values.map(\.id)).union(activations.values.map(\.id))
        order.removeAll { absorbed.contains($0.id) }
        // Each node writes its outputs (a fusing Conv writes its activation's or BatchNorm's).
        func writes(_ node: Node) -> [ValueID] { activations[node.id]?.outputs ?? folded[node.id]?.outputs ?? node.outputs }
        // Liveness: the step after which a value is no longer read.
        var lastRead: [ValueID: Int] = [:]
        for (i, node) in order.enumerated() { for v in node.inputs where !v.isAbsent { lastRead[v] = i } }
        func concreteShape(_ v: ValueID, _ node: Node) throws -> [Int] {
            guard let s = shapes[v].staticShape else { throw EngineError.unknownShape(value: v.name, node: graph.displayName(of: node)) }
            return s
        }
        var slotSizes: [Int] = []
        var free: [Int] = []
        var slotOf: [ValueID: Int] = [:]
        func allocate(_ size: Int) -> Int {
            if let i = free.indices.max(by: { slotSizes[free[$0]] < slotSizes[free[$1]] }) {
                let slot = free.remove(at: i)
                slotSizes[slot] = max(slotSizes[slot], size)
                return slot
            }
            slotSizes.append(size)
            return slotSizes.count - 1
        }
        for v in given {
            guard let s = shapes[v].staticShape else { throw EngineError.badInput("the shape of '\(v)' is not known") }
            slotOf[v] = allocate(s.reduce(1, *))
        }
        var steps: [Step] = []
        var observations: [[(value: ValueID, slot: Int, shape: [Int])]] = []
        for (i, node) in order.enumerated() {
            var outputSlots: [Int] = []
            var outputShapes: [[Int]] = []
            var seen: [(value: ValueID, slot: Int, shape: [Int])] = []
            for v in writes(node) {
                guard !v.isAbsent else { outputSlots.append(-1); outputShapes.append([]); continue }
                let s = try concreteShape(v, node)
                let slot = allocate(s.reduce(1, *))
                slotOf[v] = slot
                outputSlots.append(slot)
                outputShapes.append(s)
                if observed.contains(v) { seen.append((v, slot, s)) }
            }
            observations.append(seen)
            var operands: [ValueID: Operand] = [:]
            for v in node.inputs where !v.isAbsent {
                if let s = slotOf[v] { operands[v] = .slot(s) } else if let p = constants.pointer(of: v, graph: graph, shapes: shapes) {
                    operands[v] = .constant(p)
                }
            }
            let context = KernelContext(node: node, graph: graph, shapes: shapes, operands: operands,
                                        outputSlots: outputSlots, outputShapes: outputShapes, constants: constants, training: training)
            let body = try Kernels.build(context, foldingBatchNorm: folded[node.id], activation: activations[node.id])
            steps.append(Step(name: graph.displayName(of: node), body: body))
            for v in Set(node.inputs) where lastRead[v] == i && !pinned.contains(v) && !given.contains(v) {
                if let s = slotOf[v] { free.append(s) }
            }
        }
        self.steps = steps
        self.observations = observations
        self.shapes = shapes
        self.slotSizes = slotSizes
        self.inputSlots = Dictionary(uniqueKeysWithValues: given.compactMap { v in slotOf[v].map { (v, $0) } })
        self.resultSlots = Dictionary(uniqueKeysWithValues: results.union(keep).compactMap { v in slotOf[v].map { (v, $0) } })
    }
}
