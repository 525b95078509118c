/// What is wrong with a model that still loads (and saves back unchanged): each a line for the
/// user when the model is opened. What is impossible for one node is a shape problem instead.
extension Model {
    /// The warnings, in words that name the value, node or number.
    public var warnings: [String] {
        var out: [String] = []
        if let opset = opsetVersion(), opset < 1 {
            out.append("the model declares opset \(opset) for ONNX ops, which is no opset (they start at 1); where an op's rules changed between opsets, Scalpel may not read it as meant")
        }
        let produced = Set(graph.nodes.flatMap(\.outputs)).union(graph.inputs.map(\.id)).union(graph.initializers.keys)
        var listed: [ValueID: Int] = [:]
        for output in graph.outputs {
            listed[output.id, default: 0] += 1
            if listed[output.id] == 1, !produced.contains(output.id) {
                out.append("graph output '\(output.id.name)' is computed by no node and is no input: nothing can fill it")
            }
        }
        for output in graph.outputs where listed[output.id] ?? 0 > 1 {
            out.append("graph output '\(output.id.name)' is listed \(listed[output.id] ?? 0) times")
            listed[output.id] = 0
        }
        var named: [String: Int] = [:]
        for node in graph.nodes where !node.name.isEmpty { named[node.name, default: 0] += 1 }
        for (name, count) in named.sorted(by: { $0.key < $1.key }) where count > 1 {
            out.append("\(count) nodes are named '\(name)'; that name finds the first, their paths or indices find the others")
        }
        return out
    }
}
