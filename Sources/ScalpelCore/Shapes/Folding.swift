/// Evaluates the integer shape arithmetic that exporters emit (Shape → Gather → Unsqueeze →
/// Concat → Reshape and friends) on folded values, so reshapes after it get known shapes.
/// Symbolic elements (a dynamic batch) flow through where the arithmetic allows.
enum Folding {
    /// Folded tensors are kept up to this many elements.
    static let limit = 1024

    /// The folded outputs of a node, or nil when its inputs are not all folded or the op is not folded.
    static func fold(_ node: Node, info: ShapeInfo) throws -> [FoldedValue]? {
        func input(_ i: Int) -> FoldedValue? { node.input(i).flatMap { info.folded[$0] } }
        func outputShape(_ i: Int = 0) -> [Int]? { node.outputs.count > i ? info[node.outputs[i]].staticShape : nil }
        switch node.opType {
        case "Shape":
            guard let v = node.input(0), let dims = info[v].dims else { return nil }
            let (start, end) = ShapeOpRules.shapeRange(node, rank: dims.count)
            return [FoldedValue(vector: Array(dims[start..<max(start, end)]))]
        case "Size":
            guard let v = node.input(0), let dims = info[v].dims else { return nil }
            return [FoldedValue(shape: [], elements: [Dim.product(dims)])]
        case "Constant":
            return node.outputs.first.flatMap { info.constants[$0] }.flatMap(FoldedValue.init).map { [$0] }
        case "Identity", "Cast":
            return input(0).map { [$0] }
        case "Reshape", "Unsqueeze", "Squeeze", "Flatten":
            guard let x = input(0), let shape = outputShape() else { return nil }
            return [FoldedValue(shape: shape, elements: x.elements)]
        case "Gather":
            guard let data = input(0), data.shape.count == 1, let idx = input(1)?.integers else { return nil }
            let n = data.elements.count
            let picked = try idx.map { i -> Dim in
                let j = i < 0 ? i + n : i
                guard j >= 0, j < n else { throw ShapeError("Gather index \(i) is out of range for \(n) elements") }
                return data.elements[j]
            }
            return [FoldedValue(shape: input(1)?.shape ?? [], elements: picked)]
        case "Concat":
            let parts = node.inputs.indices.map(input)
            guard parts.allSatisfy({ $0?.shape.count == 1 }) else { return nil }
            return [FoldedValue(vector: parts.flatMap { $0?.elements ?? [] })]
        case "Slice":
            guard let data = input(0), data.shape.count == 1, let starts = input(1)?.integers,
                  let ends = input(2)?.integers, starts.count == 1, ends.count == 1 else { return nil }
            let step = input(4)?.integers?.first ?? 1
            guard step != 0 else { return nil }
            let (s, e) = SliceBounds.clamp(start: starts[0], end: ends[0], step: step, size: data.elements.count)
            let picked = Array(stride(from: s, to: e, by: step)).map { data.elements[$0] }
            return [FoldedValue(vector: picked)]
        case "ConstantOfShape":
            guard let shape = outputShape(), let fill = node.attribute("value")?.tensor?.integers?.first ?? (node.attribute("value") == nil ? 0 : nil)
            else { return nil }
            return [FoldedValue(shape: shape, elements: Array(repeating: .value(Int(fill)), count: shape.reduce(1, *)))]
        case "Range":
            guard let start = input(0)?.integers?.first, let limit = input(1)?.integers?.first,
                  let delta = input(2)?.integers?.first, delta != 0 else { return nil }
            return [FoldedValue(vector: stride(from: start, to: limit, by: delta).map { .value($0) })]
        case "Expand":
            guard let x = input(0), x.elements.count == 1, let shape = outputShape() else { return nil }
            return [FoldedValue(shape: shape, elements: Array(repeating: x.elements[0], count: shape.reduce(1, *)))]
        case "Add", "Sub", "Mul", "Div", "Equal", "Where", "Max", "Min", "Neg":
            return elementwise(node, node.inputs.indices.map(input), shape: outputShape())
        default:
            return nil
        }
    }

    /// The float constant a node computes from float constants alone (Resize scales built by
    /// Concat of Constants, for instance); nil for anything else.
    static func foldFloats(_ node: Node, graph: Graph, info: ShapeInfo) -> Tensor? {
        let inputs = node.inputs.map { v in graph.initializers[v] ?? info.constants[v] }
        guard node.opType != "Constant", !inputs.isEmpty, let shape = node.outputs.first.flatMap({ info[$0].staticShape }) else { return nil }
        // Identity only aliases its input (the storage is shared), so any size is kept.
        if node.opType == "Identity", let tensor = inputs[0] { return tensor }
        guard shape.reduce(1, *) <= Self.limit else { return nil }
        let floats = inputs.compactMap { $0?.floats }
        guard floats.count == inputs.count else { return nil }
        switch node.opType {
        case "Concat" where shape.count == 1: return Tensor(floats: floats.flatMap { $0 }, shape: shape)
        case "Reshape", "Unsqueeze", "Squeeze", "Flatten": return Tensor(floats: floats[0], shape: shape)
        default: return nil
        }
    }

    /// Elementwise arithmetic on folded values that are scalars or equal-length vectors.
    private static func elementwise(_ node: Node, _ inputs: [FoldedValue?], shape: [Int]?) -> [FoldedValue]? {
        let values = inputs.compactMap { $0 }
        guard values.count == inputs.count, let shape else { return nil }
        let count = shape.reduce(1, *)
        guard values.allSatisfy({ $0.elements.count == 1 || $0.elements.count == count }) else { return nil }
        func at(_ v: FoldedValue, _ i: Int) -> Dim { v.elements.count == 1 ? v.elements[0] : v.elements[i] }
        let out: [Dim] = (0..<count).map { i in
            let args = values.map { at($0, i) }
            return apply(node.opType, args)
        }
        return [FoldedValue(shape: shape, elements: out)]
    }

    private static func apply(_ op: String, _ a: [Dim]) -> Dim {
        switch (op, a.count) {
        case ("Neg", 1): return a[0].map { -$0 }
        case ("Where", 3):
            guard let cond = a[0].value else { return .unknown }
            return cond != 0 ? a[1] : a[2]
        case (_, 2): break
        default: return .unknown
        }
        let (x, y) = (a[0], a[1])
        switch (op, x, y) {
        case let ("Add", .value(p), .value(q)): return .value(p + q)
        case let ("Sub", .value(p), .value(q)): return .value(p - q)
        case let ("Mul", .value(p), .value(q)): return .value(p * q)
        case let ("Div", .value(p), .value(q)) where q != 0: return .value(p / q)
        case let ("Max", .value(p), .value(q)): return .value(max(p, q))
        case let ("Min", .value(p), .value(q)): return .value(min(p, q))
        case let ("Equal", .value(p), .value(q)): return .value(p == q ? 1 : 0)
        case ("Equal", .symbol, .symbol) where x == y: return .value(1)
        case ("Equal", .symbol, .value(let q)) where q <= 0, ("Equal", .value(let q), .symbol) where q <= 0: return .value(0)
        case ("Add", _, .value(0)), ("Sub", _, .value(0)), ("Mul", _, .value(1)), ("Div", _, .value(1)): return x
        case ("Add", .value(0), _), ("Mul", .value(1), _): return y
        default: return .unknown
        }
    }
}
