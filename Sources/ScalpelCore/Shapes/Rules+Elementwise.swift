/// Shape rules for elementwise ops: unary activations, broadcasting arithmetic, comparisons.
enum ElementwiseRules {
    static let table: [String: ShapeRule] = {
        var t: [String: ShapeRule] = [:]
        for op in unary { t[op] = sameAsInput }
        for op in ["IsNaN", "IsInf", "Not"] { t[op] = { c in [ValueType(elementType: .bool, dims: try c.requireDims(0))] } }
        for op in arithmetic { t[op] = broadcastAll }
        for op in comparisons { t[op] = { c in [ValueType(elementType: .bool, dims: try broadcastDims(&c))] } }
        t["Where"] = { c in [ValueType(elementType: c.elementType(1), dims: try broadcastDims(&c))] }
        t["PRelu"] = prelu
        t["Dropout"] = { c in
            let x = try c.requireDims(0)
            return [ValueType(elementType: c.elementType(0), dims: x), ValueType(elementType: .bool, dims: x)]
        }
        t["Cast"] = { c in
            let to = c.node.int("to", default: 0)
            guard let type = ElementType(rawValue: Int32(to)) else { throw ShapeError("Cast to unknown type \(to)") }
            return [ValueType(elementType: type, dims: c.dims(0))]
        }
        t["CastLike"] = { c in [ValueType(elementType: c.elementType(1), dims: c.dims(0))] }
        return t
    }()

    /// Ops whose single output has the input's type and shape.
    static let unary = [
        "Relu", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Sqrt", "Exp", "Log", "Neg", "Abs",
        "Floor", "Ceil", "Round", "Reciprocal", "Elu", "Selu", "Celu", "Softplus", "Softsign", "Mish", "Gelu",
        "Erf", "Sin", "Cos", "Tan", "Sign", "Identity", "Softmax", "LogSoftmax", "Hardmax", "ThresholdedRelu",
        "Shrink", "Clip", "CumSum", "MeanVarianceNormalization", "Swish",
    ]
    /// Broadcasting ops whose output has the first input's element type.
    static let arithmetic = ["Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum", "Mean", "BitShift",
                             "BitwiseAnd", "BitwiseOr", "BitwiseXor"]
    /// Broadcasting ops with a bool output.
    static let comparisons = ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor"]

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
