/// Shape rules for the ops that compute shapes and constants.
enum ShapeOpRules {
    static func size(_ c: inout ShapeContext) throws -> [ValueType] { [ValueType(.int64, [])] }

    static func nonZero(_ c: inout ShapeContext) throws -> [ValueType] {
        [ValueType(elementType: .int64, dims: [c.dims(0).map { .value($0.count) } ?? .unknown, .unknown])]
    }

    static func shape(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        let (start, end) = shapeRange(c.node, rank: x.count)
        return [ValueType(.int64, [max(0, end - start)])]
    }

    /// The `start`/`end` attributes of Shape-15, clamped to the rank.
    static func shapeRange(_ node: Node, rank: Int) -> (Int, Int) {
        func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + rank : v, 0), rank) }
        return (clamp(node.int("start", default: 0)), clamp(node.int("end", default: rank)))
    }

    static func constant(_ c: inout ShapeContext) throws -> [ValueType] {
        let tensor: Tensor
        if let t = c.node.attribute("value")?.tensor {
            tensor = t
        } else if let f = c.node.attribute("value_float")?.float {
            tensor = Tensor(floats: [f], shape: [])
        } else if let fs = c.node.attribute("value_floats")?.floats {
            tensor = Tensor(floats: fs, shape: [fs.count])
        } else if let i = c.node.attribute("value_int")?.int {
            tensor = Tensor(int64s: [Int64(i)], shape: [])
        } else if let list = c.node.attribute("value_ints")?.ints {
            tensor = Tensor(int64s: list.map(Int64.init), shape: [list.count])
        } else {
            throw ShapeError("Constant has no value attribute Scalpel can read")
        }
        if let output = c.node.outputs.first { c.info.constants[output] = tensor }
        return [ValueType(tensor.elementType, tensor.shape)]
    }

    static func constantOfShape(_ c: inout ShapeContext) throws -> [ValueType] {
        let type = c.node.attribute("value")?.tensor?.elementType ?? .float32
        guard let dims = c.folded(0)?.elements else {
            return [ValueType(elementType: type, dims: Array(repeating: .unknown, count: try c.rankOfShapeInput(0)))]
        }
        if let negative = dims.first(where: { ($0.value ?? 0) < 0 }) {
            throw ShapeError("ConstantOfShape cannot make a dimension of \(negative)")
        }
        return [ValueType(elementType: type, dims: dims)]
    }

    static func range(_ c: inout ShapeContext) throws -> [ValueType] {
        guard let start = c.doubles(0)?.first, let limit = c.doubles(1)?.first, let delta = c.doubles(2)?.first else {
            return [ValueType(elementType: c.elementType(0), dims: [.unknown])]
        }
        guard delta != 0 else { throw ShapeError("Range delta must not be 0") }
        let count = ((limit - start) / delta).rounded(.up)
        guard SizeLimit.fits(count) else {
            throw ShapeError("Range from \(start) to \(limit) by \(delta) has more than \(SizeLimit.description) elements")
        }
        return [ValueType(elementType: c.elementType(0), dims: [.value(max(0, Int(count)))])]
    }
}
