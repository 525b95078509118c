/// Evaluates the integer shape arithmetic that exporters emit (Shape → Gather → Unsqueeze →
/// Concat → Reshape and friends) on folded values, so reshapes after it get known shapes.
/// Symbolic elements (a dynamic batch) flow through where the arithmetic allows.
enum Folding {
    /// Folded tensors are kept up to this many elements.
    static let limit = 1024

    /// The element count of a tensor of `shape` when it is small enough to fold, every dimension
    /// and the count at most ``limit`` (checked before anything is allocated); else nil.
    private static func foldableCount(_ shape: [Int]) -> Int? {
        guard shape.allSatisfy({ $0 >= 0 && $0 <= limit }), let count = SizeLimit.count(shape), count <= limit else { return nil }
        return count
    }

    /// The folded outputs of a node, or nil when its inputs are not all folded or the op is not folded.
    static func fold(_ node: Node, info: ShapeInfo) throws -> [FoldedValue]? {
        // A folded value, or a small float constant whose values are all whole numbers (shape
        // arithmetic done in float, as TensorFlow-style "same" padding is).
        func input(_ i: Int) -> FoldedValue? {
            guard let v = node.input(i) else { return nil }
            return info.folded[v] ?? info.constants[v].flatMap { FoldedValue(floats: $0, rounding: nil) }
        }
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
        case "Ceil", "Floor":
            // Folded values are whole numbers already.
            return input(0).map { [$0] }
        case "Identity", "Cast":
            // A float constant cast to an integer type: truncated toward zero, as ONNX casts.
            if node.opType == "Cast", let type = node.elementType("to", default: nil), type.isInteger, type != .bool,
               let folded = node.input(0).flatMap({ info.constants[$0] }).flatMap({ FoldedValue(floats: $0, rounding: .towardZero) }) {
                return [folded]
            }
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
            guard let data = input(0), let starts = input(1)?.integers, let ends = input(2)?.integers, starts.count == ends.count else { return nil }
            let rank = data.shape.count
            let axes = (node.input(3) != nil ? input(3)?.integers : Array(0..<starts.count))?.map { $0 < 0 ? $0 + rank : $0 }
            let steps = node.input(4) != nil ? input(4)?.integers : Array(repeating: 1, count: starts.count)
            guard let axes, let steps, axes.count == starts.count, steps.count == starts.count,
                  axes.allSatisfy({ $0 >= 0 && $0 < rank }), !steps.contains(0) else { return nil }
            // Per axis, the source positions the output keeps (every position of an axis not sliced).
            var picks = data.shape.map { Array(0..<$0) }
            for (k, axis) in axes.enumerated() {
                let (s, e) = SliceBounds.clamp(start: starts[k], end: ends[k], step: steps[k], size: data.shape[axis])
                picks[axis] = Array(stride(from: s, to: e, by: steps[k]))
            }
            return [data.gathered(picks)]
        case "Transpose":
            guard let data = input(0) else { return nil }
            let perm = node.ints("perm") ?? Array((0..<data.shape.count).reversed())
            guard perm.sorted() == Array(0..<data.shape.count) else { return nil }
            return [data.transposed(perm)]
        case "ConstantOfShape":
            guard let shape = outputShape(), let count = Self.foldableCount(shape),
                  let fill = node.attribute("value")?.tensor?.integers?.first ?? (node.attribute("value") == nil ? 0 : nil)
            else { return nil }
            return [FoldedValue(shape: shape, elements: Array(repeating: .value(Int(fill)), count: count))]
        case "Range":
            guard let start = input(0)?.integers?.first, let limit = input(1)?.integers?.first,
                  let delta = input(2)?.integers?.first, delta != 0,
                  (Double(limit) - Double(start)) / Double(delta) <= Double(Self.limit) else { return nil }
            return [FoldedValue(vector: stride(from: start, to: limit, by: delta).map { .value($0) })]
        case "Expand":
            guard let x = input(0), x.elements.count == 1, let shape = outputShape(), let count = Self.foldableCount(shape) else { return nil }
            return [FoldedValue(shape: shape, elements: Array(repeating: x.elements[0], count: count))]
        case "Mod":
            // fmod=0 takes the divisor's sign (Python's %), fmod=1 the dividend's (C's fmod).
            let op = node.int("fmod", default: 0) == 0 ? "Mod" : "Fmod"
            return elementwise(op, node.inputs.indices.map(input), shape: outputShape(), exactDivision: false)
        case "Add", "Sub", "Mul", "Div", "Equal", "Where", "Max", "Min", "Neg":
            let float = node.outputs.first.flatMap { info[$0].elementType.map { !$0.isInteger } } ?? true
            return elementwise(node.opType, node.inputs.indices.map(input), shape: outputShape(), exactDivision: float)
        case "Clip":
            // Clip(x, min, max) as Max then Min; bounds absent (or from opset-6 attributes) are not folded.
            guard node.attribute("min") == nil, node.attribute("max") == nil, let x = input(0) else { return nil }
            var out = x
            for (slot, op) in [(1, "Max"), (2, "Min")] where node.input(slot) != nil {
                guard let bound = input(slot), let folded = elementwise(op, [out, bound], shape: x.shape, exactDivision: false)?.first else { return nil }
                out = folded
            }
            return [out]
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
        guard Self.foldableCount(shape) != nil else { return nil }
        switch node.opType {
        case "Concat" where shape.count == 1, "Reshape", "Unsqueeze", "Squeeze", "Flatten":
            let floats = inputs.compactMap { $0?.floats }
            guard floats.count == inputs.count else { return nil }
            return Tensor(floats: node.opType == "Concat" ? floats.flatMap { $0 } : floats[0], shape: shape)
        default:
            return floatArithmetic(node, info: info, constants: inputs, shape: shape)
        }
    }

    /// Float arithmetic on small constants, the "same" padding TensorFlow-style models compute:
    /// float constants, and folded integers read as floats; an omitted Clip bound is no bound.
    private static func floatArithmetic(_ node: Node, info: ShapeInfo, constants: [Tensor?], shape: [Int]) -> Tensor? {
        guard info[node.outputs[0]].elementType == .float32, let f = floatFunction(node) else { return nil }
        var operands: [[Float]] = []
        for (i, v) in node.inputs.enumerated() {
            if v.isAbsent, node.opType == "Clip" {
                operands.append([i == 1 ? -.infinity : .infinity])
            } else if let floats = constants[i]?.floats {
                operands.append(floats)
            } else if let ints = info.folded[v]?.integers {
                operands.append(ints.map(Float.init))
            } else {
                return nil
            }
        }
        let count = shape.reduce(1, *)
        guard operands.allSatisfy({ $0.count == 1 || $0.count == count }) else { return nil }
        return Tensor(floats: (0..<count).map { i in f(operands.map { $0.count == 1 ? $0[0] : $0[i] }) }, shape: shape)
    }

    /// The elementwise float function of a node's inputs, for the ops folded on float constants.
    private static func floatFunction(_ node: Node) -> (([Float]) -> Float)? {
        switch (node.opType, node.inputs.count) {
        case ("Add", 2): { $0[0] + $0[1] }
        case ("Sub", 2): { $0[0] - $0[1] }
        case ("Mul", 2): { $0[0] * $0[1] }
        case ("Div", 2): { $0[0] / $0[1] }
        case ("Max", 2): { max($0[0], $0[1]) }
        case ("Min", 2): { min($0[0], $0[1]) }
        case ("Neg", 1): { -$0[0] }
        case ("Abs", 1): { abs($0[0]) }
        case ("Ceil", 1): { $0[0].rounded(.up) }
        case ("Floor", 1): { $0[0].rounded(.down) }
        case ("Cast", 1): { $0[0] }
        case ("Clip", 1...3) where node.attribute("min") == nil && node.attribute("max") == nil:
            { v in min(max(v[0], v.count > 1 ? v[1] : -.infinity), v.count > 2 ? v[2] : .infinity) }
        default: nil
        }
    }

    /// Elementwise arithmetic on folded values that are scalars or equal-length vectors. With
    /// `exactDivision` (a float Div), a quotient that is not a whole number is not folded.
    private static func elementwise(_ op: String, _ inputs: [FoldedValue?], shape: [Int]?, exactDivision: Bool) -> [FoldedValue]? {
        let values = inputs.compactMap { $0 }
        guard values.count == inputs.count, let shape, let count = Self.foldableCount(shape) else { return nil }
        guard values.allSatisfy({ $0.elements.count == 1 || $0.elements.count == count }) else { return nil }
        func at(_ v: FoldedValue, _ i: Int) -> Dim { v.elements.count == 1 ? v.elements[0] : v.elements[i] }
        let out: [Dim] = (0..<count).map { i in
            let args = values.map { at($0, i) }
            if exactDivision, op == "Div", args.count == 2, let p = args[0].value, let q = args[1].value, q != 0, p % q != 0 { return .unknown }
            return apply(op, args)
        }
        return [FoldedValue(shape: shape, elements: out)]
    }

    /// An integer result, unknown when it overflowed (arithmetic that overflows is not folded).
    private static func checked(_ r: (partialValue: Int, overflow: Bool)) -> Dim { r.overflow ? .unknown : .value(r.partialValue) }

    private static func apply(_ op: String, _ a: [Dim]) -> Dim {
        switch (op, a.count) {
        case ("Neg", 1): return a[0].value.map { checked($0.multipliedReportingOverflow(by: -1)) } ?? .unknown
        case ("Where", 3):
            guard let cond = a[0].value else { return .unknown }
            return cond != 0 ? a[1] : a[2]
        case (_, 2): break
        default: return .unknown
        }
        let (x, y) = (a[0], a[1])
        switch (op, x, y) {
        case let ("Add", .value(p), .value(q)): return checked(p.addingReportingOverflow(q))
        case let ("Sub", .value(p), .value(q)): return checked(p.subtractingReportingOverflow(q))
        case let ("Mul", .value(p), .value(q)): return checked(p.multipliedReportingOverflow(by: q))
        case let ("Div", .value(p), .value(q)) where q != 0: return checked(p.dividedReportingOverflow(by: q))
        case let ("Mod", .value(p), .value(q)) where q != 0:
            let r = p.remainderReportingOverflow(dividingBy: q)
            return r.overflow ? .unknown : checked(r.partialValue.addingReportingOverflow(q)).map { $0 % q }
        case let ("Fmod", .value(p), .value(q)) where q != 0: return checked(p.remainderReportingOverflow(dividingBy: q))
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
