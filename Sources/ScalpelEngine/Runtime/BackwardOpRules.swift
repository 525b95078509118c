import ScalpelCore

/// What the backward rules beyond the core CNN set share.
/// Each returns ∂L/∂input for every input that carries a gradient (see ``carriesGradient(_:)``),
/// weights included; the caller keeps the ones it needs.
extension BackwardRules {
    /// The concrete shape of a value (empty when unknown).
    func dims(_ v: ValueID) -> [Int] { shapes[v].staticShape ?? [] }

    /// A float value's elements: computed by the forward pass, an initializer or a constant.
    func floats(_ v: ValueID) throws -> [Float] {
        if let a = values[v] { return a.values }
        if let f = (graph.initializers[v] ?? shapes.constants[v])?.floats { return f }
        throw noRule("the backward pass lacks the float values of '\(v)'")
    }

    /// The integers of a constant input (axes, indices, pads), folded or stored.
    func constantIntegers(_ v: ValueID?) -> [Int]? {
        guard let v else { return nil }
        if let folded = shapes.folded[v]?.integers { return folded }
        return (graph.initializers[v] ?? shapes.constants[v])?.integers?.map { Int($0) }
    }

    /// The float elements of a constant input (scales), if it is one.
    func constantFloats(_ v: ValueID?) -> [Float]? {
        guard let v else { return nil }
        return (graph.initializers[v] ?? shapes.constants[v])?.floats ?? constantIntegers(v)?.map { Float($0) }
    }

    /// Whether a gradient flows into an input: a value the forward pass computed (or was given),
    /// or a float32 initializer (a weight). Constant-node outputs and integer settings get none.
    func carriesGradient(_ v: ValueID) -> Bool {
        guard !v.isAbsent, shapes.constants[v] == nil else { return false }
        if let t = graph.initializers[v] { return t.elementType == .float32 }
        return values[v] != nil
    }

    /// An axis attribute made non-negative for a tensor of `rank` dimensions.
    func axis(_ name: String, default fallback: Int, rank: Int) -> Int {
        let a = node.int(name, default: fallback)
        return a < 0 ? a + rank : a
    }

    /// The error for a node this backward pass cannot differentiate, and why.
    func noRule(_ detail: String) -> EngineError {
        .unsupported(op: node.opType, node: graph.displayName(of: node), detail: "no backward rule: \(detail)")
    }

    /// The sum of `dy` scattered onto `count` elements: element `i` of `dy` lands at `offsets[i]`.
    static func scatterAdd(_ dy: [Float], at offsets: [Int], count: Int) -> [Float] {
        var g = [Float](repeating: 0, count: count)
        for (i, o) in offsets.enumerated() { g[o] += dy[i] }
        return g
    }

    /// Throws unless the node's outputs after the first are unread: the single-gradient entry
    /// point knows only the first output's gradient.
    func requireOnlyFirstOutputRead() throws {
        for output in node.outputs.dropFirst() where !output.isAbsent {
            if graph.outputs.contains(where: { $0.id == output }) || graph.nodes.contains(where: { $0.inputs.contains(output) }) {
                throw noRule("'\(output)' is read too, and this rule was given only the first output's gradient")
            }
        }
    }
}
