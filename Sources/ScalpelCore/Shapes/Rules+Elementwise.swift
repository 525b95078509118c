/// Shape rules for elementwise ops: unary activations, broadcasting arithmetic, comparisons.
enum ElementwiseRules {
    static func boolOfInput(_ c: inout ShapeContext) throws -> [ValueType] {
        [ValueType(elementType: .bool, dims: try c.requireDims(0))]
    }

    static func comparison(_ c: inout ShapeContext) throws -> [ValueType] {
        [ValueType(elementType: .bool, dims: try broadcastDims(&c))]
    }

    static func `where`(_ c: inout ShapeContext) throws -> [ValueType] {
        [ValueType(elementType: c.elementType(1), dims: try broadcastDims(&c))]
    }

    static func dropout(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        return [ValueType(elementType: c.elementType(0), dims: x), ValueType(elementType: .bool, dims: x)]
    }

    static func cast(_ c: inout ShapeContext) throws -> [ValueType] {
        guard let type = c.node.elementType("to", default: nil) else {
            throw ShapeError("Cast to unknown type \(c.node.int("to", default: 0)) (give `to` an ONNX element type such as 1 for float)")
        }
        return [ValueType(elementType: type, dims: c.dims(0))]
    }

    static func castLike(_ c: inout ShapeContext) throws -> [ValueType] {
        [ValueType(elementType: c.elementType(1), dims: c.dims(0))]
    }

    static func sameAsInput(_ c: inout ShapeContext) throws -> [ValueType] {
        [ValueType(elementType: c.elementType(0), dims: try c.requireDims(0))]
    }

    static func broadcastAll(_ c: inout ShapeContext) throws -> [ValueType] {
        [ValueType(elementType: c.elementType(0), dims: try broadcastDims(&c))]
    }

    static func broadcastDims(_ c: inout ShapeContext) throws -> [Dim] {
        let shapes = try c.node.inputs.indices.map { try c.requireDims($0) }
        return try Broadcast.dims(shapes)
    }

    static func prelu(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        if let slope = c.dims(1) {
            let out = try Broadcast.dims([x, slope])
            guard out.count == x.count else {
                throw ShapeError("slope \(c.type(1).shapeDescription) has a higher rank than the input \(c.type(0).shapeDescription)")
            }
        }
        return [ValueType(elementType: c.elementType(0), dims: x)]
    }
}
