import ScalpelCore

/// The backward rules beyond the core CNN set: which rule each op takes, and what they share.
/// Each returns ∂L/∂input for every input that carries a gradient (see ``carriesGradient(_:)``),
/// weights included; the caller keeps the ones it needs.
extension BackwardRules {
    /// ∂L/∂input of the ops the core rules leave out; throws naming the op where there is none.
    func otherInputGradients(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        if let type = shapes[node.outputs[0]].elementType, type != .float32 {
            throw noRule("its output is \(type), and only float32 values carry a gradient")
        }
        if let derivative = unaryDerivative() { return try unary(dy, derivative) }
        switch node.opType {
        case "Div", "Pow", "PRelu", "Sum", "Mean", "Max", "Min": return try binary(dy)
        case "Cast": return try cast(dy)
        case "Floor", "Ceil":
            throw noRule("\(node.opType) is piecewise constant, so its gradient is zero wherever it exists and nothing before it could be scored or trained")
        case "Transpose": return try transpose(dy)
        case "Slice": return try slice(dy)
        case "Expand": return try expand(dy)
        case "Gather": return try gather(dy)
        case "Pad": return try pad(dy)
        case "Split":
            try requireOnlyFirstOutputRead()
            return try splitGradients([dy] + Array(repeating: nil, count: node.outputs.count - 1))
        case "Resize", "Upsample": return try resize(dy)
        case "Softmax", "LogSoftmax": return try softmax(dy)
        case "LayerNormalization": return try layerNorm(dy)
        case "ReduceMean", "ReduceSum": return try reduce(dy)
        case "GlobalMaxPool": return try globalMaxPool(dy)
        case "MatMul": return try matMul(dy)
        case "ConvTranspose": return try convTranspose(dy)
        default: throw noRule("Scalpel cannot differentiate \(node.opType) yet")
        }
    }

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

    /// For each element of `shape` in row-major order, `base` plus its coordinates times `strides`.
    static func sourceOffsets(base: Int, strides: [Int], shape: [Int]) -> [Int] {
        var offsets = [Int](repeating: base, count: shape.reduce(1, *))
        var block = offsets.count
        for (size, stride) in zip(shape, strides) {
            block /= Swift.max(size, 1)
            guard stride != 0 else { continue }
            for i in offsets.indices { offsets[i] += (i / block) % size * stride }
        }
        return offsets
    }

    /// The sum of `dy` scattered onto `count` elements: element `i` of `dy` lands at `offsets[i]`.
    static func scatterAdd(_ dy: [Float], at offsets: [Int], count: Int) -> [Float] {
        var g = [Float](repeating: 0, count: count)
        for (i, o) in offsets.enumerated() { g[o] += dy[i] }
        return g
    }

    /// Throws unless the node's outputs after the first are unread: the single-gradient entry
    /// point knows only the first output's gradient.
    private func requireOnlyFirstOutputRead() throws {
        for output in node.outputs.dropFirst() where !output.isAbsent {
            if graph.outputs.contains(where: { $0.id == output }) || graph.nodes.contains(where: { $0.inputs.contains(output) }) {
                throw noRule("'\(output)' is read too, and this rule was given only the first output's gradient")
            }
        }
    }
}
