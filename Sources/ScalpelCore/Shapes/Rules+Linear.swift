/// Shape rules for matrix products.
enum LinearRules {
    static func gemm(_ c: inout ShapeContext) throws -> [ValueType] {
        let a = try c.requireDims(0), b = try c.requireDims(1)
        guard a.count == 2, b.count == 2 else {
            throw ShapeError("A \(c.type(0).shapeDescription) and B \(c.type(1).shapeDescription) must both be matrices")
        }
        let transA = c.node.int("transA", default: 0) != 0, transB = c.node.int("transB", default: 0) != 0
        let m = transA ? a[1] : a[0], k = transA ? a[0] : a[1]
        let kB = transB ? b[1] : b[0], n = transB ? b[0] : b[1]
        if let k = k.value, let kB = kB.value, k != kB {
            throw ShapeError("A \(c.type(0).shapeDescription) gives \(k) features but B \(c.type(1).shapeDescription) (transB=\(transB ? 1 : 0)) expects \(kB)")
        }
        if let bias = c.dims(2) { _ = try Broadcast.dims([[m, n], bias]) }
        return [ValueType(elementType: c.elementType(0), dims: [m, n])]
    }

    static func matMul(_ c: inout ShapeContext) throws -> [ValueType] {
        var a = try c.requireDims(0), b = try c.requireDims(1)
        guard !a.isEmpty, !b.isEmpty else { throw ShapeError("MatMul inputs must not be scalars") }
        let vectorA = a.count == 1, vectorB = b.count == 1
        if vectorA { a.insert(.value(1), at: 0) }
        if vectorB { b.append(.value(1)) }
        if let k = a[a.count - 1].value, let kB = b[b.count - 2].value, k != kB {
            throw ShapeError("A \(c.type(0).shapeDescription) and B \(c.type(1).shapeDescription) do not chain (\(k) vs \(kB))")
        }
        var out = try Broadcast.dims([Array(a.dropLast(2)), Array(b.dropLast(2))])
        if !vectorA { out.append(a[a.count - 2]) }
        if !vectorB { out.append(b[b.count - 1]) }
        return [ValueType(elementType: c.elementType(0), dims: out)]
    }

    static func einsum(_ c: inout ShapeContext) throws -> [ValueType] {
        let shapes = try c.node.inputs.indices.map { try c.requireDims($0) }
        let equation = try EinsumEquation(c.node.string("equation", default: ""), ranks: shapes.map(\.count))
        let sizes = try equation.sizes(shapes)
        return [ValueType(elementType: c.elementType(0), dims: equation.output.map { sizes[$0] ?? .unknown })]
    }
}
