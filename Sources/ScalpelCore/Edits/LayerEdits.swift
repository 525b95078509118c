/// Edits that change which layers a graph has or what they are called. Each leaves the graph
/// structurally valid; the caller shape-checks the result before accepting it.
extension Graph {
    /// Gives the node at `position` a new name, unique in the graph.
    public mutating func renameNode(at position: Int, to name: String) throws {
        guard !name.isEmpty else { throw CoreError.editRefused("a layer name must not be empty") }
        if let other = nodes.firstIndex(where: { $0.name == name }), other != position {
            throw CoreError.editRefused("a layer named '\(name)' exists already; pick another name")
        }
        nodes[position].name = name
    }

    /// Removes a layer whose output has its data input's shape (an activation, Dropout,
    /// Identity, a BatchNormalization…), feeding its consumers from its input instead.
    /// Initializers only it used are removed with it. Returns what was done, in words.
    public mutating func removePassThroughLayer(at position: Int, shapes: ShapeInfo) throws -> String {
        let node = nodes[position]
        let label = "'\(displayName(of: node))' (\(node.opType))"
        let dataInputs = node.inputs.filter { !$0.isAbsent && initializers[$0] == nil && shapes.constants[$0] == nil }
        guard dataInputs.count == 1, let input = dataInputs.first else {
            throw CoreError.editRefused("\(label) has \(dataInputs.count) data inputs; only a layer with one can be deleted this way")
        }
        let index = GraphIndex(self)
        let graphOutputs = Set(outputs.map(\.id))
        let used = node.outputs.filter { !$0.isAbsent && (index.consumers[$0] != nil || graphOutputs.contains($0)) }
        guard used.count == 1, let output = used.first else {
            throw CoreError.editRefused("\(label) has \(used.count) used outputs; only a layer with one can be deleted this way")
        }
        guard let inShape = shapes[input].dims, shapes[input].isFullyKnown, shapes[output].dims == inShape else {
            throw CoreError.editRefused(
                "\(label) changes the shape \(shapes[input].shapeDescription) → \(shapes[output].shapeDescription); only a layer that keeps its input's shape can be deleted")
        }
        guard !graphOutputs.contains(output) else {
            throw CoreError.editRefused("\(label) produces the model output '\(output)'; deleting it would rename the model's output")
        }
        for i in nodes.indices {
            nodes[i].inputs = nodes[i].inputs.map { $0 == output ? input : $0 }
        }
        nodes.remove(at: position)
        valueInfo.removeAll { node.outputs.contains($0.id) }
        removeUnusedInitializers(among: node.inputs)
        return "deleted \(label); its consumers now read '\(input)'"
    }

    /// Drops initializers among `candidates` that no node reads and no graph input declares.
    mutating func removeUnusedInitializers(among candidates: [ValueID]) {
        let read = Set(nodes.flatMap(\.inputs)).union(outputs.map(\.id))
        let declared = Set(inputs.map(\.id))
        let dead = Set(candidates.filter { initializers[$0] != nil && !read.contains($0) && !declared.contains($0) })
        guard !dead.isEmpty else { return }
        for v in dead {
            initializers[v] = nil
            initializerExtras[v] = nil
        }
        initializerOrder.removeAll { dead.contains($0) }
    }
}
