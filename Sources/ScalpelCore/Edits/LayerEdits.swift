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

    /// Removes a layer, feeding its consumers from its input instead. A layer that keeps its
    /// input's shape (an activation, Dropout, Identity, a BatchNormalization…) just goes; one that
    /// changes only the channel count (a Conv) makes its consumers take the new count, with fresh
    /// input weights. Initializers only it used go with it. Returns what was done, in words.
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
        guard !graphOutputs.contains(output) else {
            throw CoreError.editRefused("\(label) produces the model output '\(output)'; deleting it would rename the model's output")
        }
        guard let inShape = shapes[input].dims, shapes[input].isFullyKnown, let outShape = shapes[output].dims else {
            throw CoreError.editRefused("the shapes around \(label) are unknown")
        }
        var absorbed = ""
        if outShape != inShape {
            let onlyChannels = inShape.count == outShape.count && inShape.count >= 2
                && inShape.indices.allSatisfy { $0 == 1 || inShape[$0] == outShape[$0] }
            guard onlyChannels, let cIn = inShape[1].value, let cOut = outShape[1].value else {
                throw CoreError.editRefused(
                    "\(label) changes the shape \(shapes[input].shapeDescription) → \(shapes[output].shapeDescription); only a layer that keeps its input's shape, or changes only the channel count, can be deleted")
            }
            absorbed = try absorbChannelChange(of: position, from: cOut, to: cIn, shapes: shapes)
        }
        for i in nodes.indices {
            nodes[i].inputs = nodes[i].inputs.map { $0 == output ? input : $0 }
        }
        nodes.remove(at: position)
        valueInfo.removeAll { node.outputs.contains($0.id) }
        removeUnusedInitializers(among: node.inputs)
        return "deleted \(label); its consumers now read '\(input)'" + absorbed
    }

    /// Makes the consumers of a layer's output take `newCount` channels instead of `oldCount`:
    /// their input weights are re-initialised (He) and BatchNorms set to identity. Refuses when the
    /// channels are joined with another branch or laid out in a Concat, which could not follow.
    private mutating func absorbChannelChange(of position: Int, from oldCount: Int, to newCount: Int, shapes: ShapeInfo) throws -> String {
        let node = nodes[position]
        let label = "'\(displayName(of: node))' (\(node.opType))"
        let structure: ChannelGroup
        do {
            structure = try ChannelDependency.structure(of: position, graph: self, shapes: shapes)
        } catch {
            throw CoreError.editRefused("\(label) changes the channel count and its consumers cannot follow: \(error)")
        }
        guard structure.adjustments.isEmpty else {
            throw CoreError.editRefused("\(label) changes the channel count and its channels pass through a depthwise convolution or a Split, which cannot follow; delete channels instead")
        }
        if let other = structure.sources.first(where: { $0 != node.id }) {
            throw CoreError.editRefused("\(label) changes the channel count, and its output is joined with '\(self.node(other).map(displayName) ?? "?")'; delete channels instead")
        }
        var rng = SeededRandom(seed: displayName(of: node).hashValueStable)
        var changed: [String] = []
        for slice in structure.slices where slice.node != node.id {
            guard let tensor = initializers[slice.tensor], tensor.elementType == .float32, slice.indices.count == tensor.shape[slice.axis],
                  slice.indices.count % oldCount == 0 else {
                throw CoreError.editRefused("\(label) changes the channel count and '\(slice.tensor)' (\(slice.role)) cannot follow; delete channels instead")
            }
            var shape = tensor.shape
            shape[slice.axis] = slice.indices.count / oldCount * newCount
            let count = shape.reduce(1, *)
            let values: [Float]
            switch slice.role {
            case "in-channels", "in-features":
                let fanIn = Double(count / max(1, shape[0]))
                values = (0..<count).map { _ in Float(rng.normal() * (2 / fanIn).squareRoot()) }
            case "scale": values = Array(repeating: 1, count: count)
            case "running variance": values = Array(repeating: 1, count: count)
            case "bias", "running mean": values = Array(repeating: 0, count: count)
            default:
                throw CoreError.editRefused("\(label) changes the channel count and '\(slice.tensor)' (\(slice.role)) cannot follow; delete channels instead")
            }
            initializers[slice.tensor] = Tensor(floats: values, shape: shape)
            if let consumer = self.node(slice.node) { changed.append(displayName(of: consumer)) }
        }
        var seen = Set<String>()
        let names = changed.filter { seen.insert($0).inserted }
        return "; \(oldCount) → \(newCount) channels absorbed by \(names.joined(separator: ", ")) (input weights He-initialised, BatchNorms set to identity: fine-tune to recover)"
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
