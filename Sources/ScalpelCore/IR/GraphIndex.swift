/// Who produces and who consumes each value of a graph, built once for a graph value.
public struct GraphIndex: Sendable {
    /// The node producing each node output.
    public let producer: [ValueID: NodeID]
    /// The nodes reading each value, in topological order.
    public let consumers: [ValueID: [NodeID]]
    /// Each node's position in the graph's node list.
    public let position: [NodeID: Int]

    /// Indexes a graph.
    public init(_ graph: Graph) {
        var producer: [ValueID: NodeID] = [:]
        var consumers: [ValueID: [NodeID]] = [:]
        var position: [NodeID: Int] = [:]
        for (i, node) in graph.nodes.enumerated() {
            position[node.id] = i
            for v in node.outputs where !v.isAbsent { producer[v] = node.id }
            for v in node.inputs where !v.isAbsent && consumers[v]?.last != node.id {
                consumers[v, default: []].append(node.id)
            }
        }
        self.producer = producer
        self.consumers = consumers
        self.position = position
    }
}

extension Graph {
    /// Puts nodes in topological order and checks that every input has a source, every value
    /// one producer, and that there is no cycle. Throws ``CoreError/malformedGraph(_:)`` naming
    /// the offending node otherwise.
    package mutating func sortAndValidate() throws {
        let available = Set(inputs.map(\.id)).union(initializers.keys)
        var producedBy: [ValueID: Int] = [:]
        for (i, node) in nodes.enumerated() {
            for v in node.outputs where !v.isAbsent {
                if let other = producedBy[v] ?? (available.contains(v) ? -1 : nil) {
                    let by = other >= 0 ? "node '\(displayName(of: nodes[other]))'" : "a graph input or initializer"
                    throw CoreError.malformedGraph(
                        "value '\(v)' is produced by node '\(displayName(of: node))' and also by \(by); every value needs exactly one producer")
                }
                producedBy[v] = i
            }
        }
        for node in nodes {
            for v in node.inputs where !v.isAbsent && producedBy[v] == nil && !available.contains(v) {
                throw CoreError.malformedGraph(
                    "node '\(displayName(of: node))' (\(node.opType)) reads '\(v)', which no node, graph input or initializer produces")
            }
        }
        if isTopologicallyOrdered(producedBy: producedBy) { return }
        var pending = nodes.map { node in Set(node.inputs.filter { producedBy[$0] != nil }).count }
        var waiting: [ValueID: [Int]] = [:]
        for (i, node) in nodes.enumerated() {
            for v in Set(node.inputs) where producedBy[v] != nil { waiting[v, default: []].append(i) }
        }
        var order = (0..<nodes.count).filter { pending[$0] == 0 }
        var cursor = 0
        while cursor < order.count {
            for v in nodes[order[cursor]].outputs where !v.isAbsent {
                for j in waiting[v] ?? [] {
                    pending[j] -= 1
                    if pending[j] == 0 { order.append(j) }
                }
            }
            cursor += 1
        }
        guard order.count == nodes.count else {
            let stuck = Set(order)
            let inCycle = nodes.indices.filter { !stuck.contains($0) }.map { "'\(displayName(of: nodes[$0]))'" }
            throw CoreError.malformedGraph(
                "the graph has a cycle through \(inCycle.prefix(5).joined(separator: ", "))\(inCycle.count > 5 ? ", …" : ""); ONNX graphs must be acyclic")
        }
        nodes = order.map { nodes[$0] }
    }

    /// Whether every node comes after the producers of its inputs.
    private func isTopologicallyOrdered(producedBy: [ValueID: Int]) -> Bool {
        for (i, node) in nodes.enumerated() {
            for v in node.inputs { if let p = producedBy[v], p >= i { return false } }
        }
        return true
    }
}
