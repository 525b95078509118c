/// A parameter that was read through another value and now has a tensor of its own.
public struct UntiedParameter: Sendable, Equatable {
    /// The value the layer reads, now an initializer.
    public let value: ValueID
    /// The value it was computed from or shared with.
    public let source: ValueID
}

extension Graph {
    /// Makes every parameter that training writes a tensor of its own, so that changing it
    /// changes nothing else: a trained or statistics slot computed from constants (the PyTorch
    /// exporter writes `bn.running_var = Identity(bn.weight)` when the two were equal; Paddle
    /// keeps weights in `Constant` nodes) becomes an initializer, and a BatchNorm running statistic
    /// that shares its tensor with any other reader gets a copy. Weights one initializer feeds to
    /// several layers stay tied (training sums their gradients). Throws, naming the layer, where
    /// a parameter is computed from constants Scalpel cannot fold. Returns what it untied.
    public mutating func untieParameters(shapes: ShapeInfo) throws -> [UntiedParameter] {
        var untied: [UntiedParameter] = []
        // Materialising removes Identity and Constant nodes, so layers are found by id each time.
        for id in nodes.map(\.id) {
            guard let node = self.node(id) else { continue }
            let trained = node.op.parameters.trained, statistics = node.op.parameters.statistics
            for slot in trained + statistics {
                guard let position = nodes.firstIndex(where: { $0.id == id }), let v = nodes[position].input(slot), !isDataDependent(v) else { continue }
                if initializers[v] == nil {
                    guard let tensor = shapes.constants[v] else {
                        throw CoreError.editRefused("'\(displayName(of: node))' (\(node.opType)) reads its parameter '\(v)' from a computation Scalpel cannot fold, so training could not update it; fold the model's constants first (onnxsim)")
                    }
                    let source = constantSource(of: v)
                    untied.append(UntiedParameter(value: materialize(v, tensor), source: source))
                }
                if statistics.contains(slot), let position = nodes.firstIndex(where: { $0.id == id }), let value = nodes[position].input(slot),
                   readCount(of: value) > 1, let tensor = initializers[value] {
                    let own = uniqueValueName(displayName(of: node).replacingOccurrences(of: "/", with: "_") + (slot == 3 ? ".running_mean" : ".running_var"))
                    addInitializer(own, tensor)
                    nodes[position].inputs[slot] = own
                    untied.append(UntiedParameter(value: own, source: value))
                }
            }
        }
        return untied
    }

    /// Whether `v` depends on a graph input (an activation, not a parameter).
    private func isDataDependent(_ v: ValueID) -> Bool {
        var pending = [v], seen = Set<ValueID>()
        let data = Set(dataInputs.map(\.id))
        while let value = pending.popLast() {
            guard seen.insert(value).inserted, initializers[value] == nil else { continue }
            if data.contains(value) { return true }
            guard let producer = nodes.first(where: { $0.outputs.contains(value) }) else { continue }
            pending += producer.inputs.filter { !$0.isAbsent }
        }
        return false
    }

    /// Turns the constant value `v` into an initializer: where a single-output Identity or
    /// Constant node computes it, the node gives way to an initializer of the same name (every
    /// reader keeps reading `v`); otherwise the readers move to a fresh initializer. Returns its name.
    private mutating func materialize(_ v: ValueID, _ tensor: Tensor) -> ValueID {
        if let p = nodes.firstIndex(where: { $0.outputs == [v] && ($0.opType == "Identity" || $0.opType == "Constant") }) {
            let inputs = nodes[p].inputs.filter { !$0.isAbsent }
            nodes.remove(at: p)
            addInitializer(v, tensor)
            removeDeadConstants(among: inputs)
            return v
        }
        let own = uniqueValueName(v.name + "_parameter")
        addInitializer(own, tensor)
        for p in nodes.indices { nodes[p].inputs = nodes[p].inputs.map { $0 == v ? own : $0 } }
        return own
    }

    /// The initializer or node output a constant value was computed from, through Identity nodes.
    private func constantSource(of v: ValueID) -> ValueID {
        var value = v
        while let producer = nodes.first(where: { $0.outputs == [value] && $0.opType == "Identity" }), let input = producer.inputs.first {
            value = input
        }
        return value
    }

    /// How many node inputs and graph outputs read `v`.
    private func readCount(of v: ValueID) -> Int {
        nodes.reduce(0) { $0 + $1.inputs.filter { $0 == v }.count } + outputs.filter { $0.id == v }.count
    }
}
