/// Shape rules for reductions over axes.
enum ReductionRules {
    static func reduce(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        let given = c.has(1) ? try c.requireIntegers(1) : c.node.ints("axes")
        let keep = c.node.int("keepdims", default: 1) != 0
        let axes: Set<Int>
        if let given, !given.isEmpty {
            axes = Set(try given.map { try c.axis($0, rank: x.count) })
        } else if c.node.int("noop_with_empty_axes", default: 0) != 0 {
            return [ValueType(elementType: c.elementType(0), dims: x)]
        } else {
            axes = Set(x.indices)
        }
        let dims: [Dim] = x.indices.compactMap { axes.contains($0) ? (keep ? .value(1) : nil) : x[$0] }
        return [ValueType(elementType: c.elementType(0), dims: dims)]
    }

    static func argReduce(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        let axis = try c.axis(c.node.int("axis", default: 0), rank: x.count)
        var dims = x
        if c.node.int("keepdims", default: 1) != 0 { dims[axis] = .value(1) } else { dims.remove(at: axis) }
        return [ValueType(elementType: .int64, dims: dims)]
    }
}
