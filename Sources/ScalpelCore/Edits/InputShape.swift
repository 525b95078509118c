import ONNXProto

/// Fixing a graph input's dimensions, so that shapes, MACs and summaries downstream are concrete.
extension Graph {
    /// Declares the input `name` (the only input when nil) to have exactly `dims`; returns what
    /// changed, in words. The rank must stay; every dimension must be positive.
    public mutating func fixInputShape(_ name: String?, to dims: [Int]) throws -> String {
        let data = dataInputs, names = data.map(\.id.name).joined(separator: ", ")
        let chosen: ValueInfo
        if let name {
            guard let found = data.first(where: { $0.id.name == name }) else {
                throw CoreError.editRefused("the model has no input '\(name)'; its inputs are \(names)")
            }
            chosen = found
        } else {
            guard data.count == 1, let only = data.first else {
                throw CoreError.editRefused("the model has \(data.count) inputs (\(names)); say which: NAME=\(dims.map(String.init).joined(separator: "x"))")
            }
            chosen = only
        }
        guard let index = inputs.firstIndex(where: { $0.id == chosen.id }) else {
            throw CoreError.editRefused("input '\(chosen.id.name)' is not among the graph's inputs")
        }
        let input = inputs[index]
        guard let type = input.declaredType, let declared = type.dims else {
            throw CoreError.editRefused("input '\(input.id.name)' declares no tensor shape to fix")
        }
        guard declared.count == dims.count else {
            throw CoreError.editRefused("input '\(input.id.name)' has rank \(declared.count) (\(type.shapeDescription)); give \(declared.count) dimensions, not \(dims.count)")
        }
        if let bad = dims.first(where: { $0 < 1 }) {
            throw CoreError.editRefused("dimension \(bad) of input '\(input.id.name)' is not a positive size")
        }
        guard declared != dims.map(Dim.value) else {
            throw CoreError.editRefused("input '\(input.id.name)' already is \(type.shapeDescription)")
        }
        inputs[index].fix(dims: dims)
        return "input '\(input.id.name)': \(type.shapeDescription) → \(ValueType(type.elementType, dims).shapeDescription)"
    }
}

extension ValueInfo {
    /// Declares every dimension as the given number.
    mutating func fix(dims: [Int]) {
        guard case .tensorType? = carried.type.value else { return }
        carried.type.tensorType.shape.dim = dims.map { size in
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = Int64(size)
            return dim
        }
        declaredType = ValueType(proto: carried.type)
    }
}
