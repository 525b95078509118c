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

extension Graph {
    /// Declares each graph output with the sizes `shapes` infers for it where they are known and
    /// differ from the declared ones (after an input's sizes were fixed); returns the outputs
    /// changed, as `name: old → new`.
    public mutating func redeclareOutputs(_ shapes: ShapeInfo) -> [String] {
        var changed: [String] = []
        for i in outputs.indices {
            guard let declared = outputs[i].declaredType?.dims, let inferred = shapes[outputs[i].id].dims,
                  declared.count == inferred.count else { continue }
            let dims = zip(declared, inferred).map { d, e in e.value != nil ? e : d }
            guard dims != declared else { continue }
            let before = outputs[i].declaredType?.shapeDescription ?? "?"
            outputs[i].declare(dims)
            changed.append("\(outputs[i].id.name): \(before) → \(outputs[i].declaredType?.shapeDescription ?? "?")")
        }
        return changed
    }
}

extension ValueInfo {
    /// Declares every dimension as the given number.
    mutating func fix(dims: [Int]) { declare(dims.map(Dim.value)) }

    /// Declares the dimensions: sizes as numbers, symbols as names, unknown ones without either.
    mutating func declare(_ dims: [Dim]) {
        guard case .tensorType? = carried.type.value else { return }
        carried.type.tensorType.shape.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            switch d {
            case let .value(size): dim.dimValue = Int64(size)
            case let .symbol(name): dim.dimParam = name
            case .unknown: break
            }
            return dim
        }
        declaredType = ValueType(proto: carried.type)
    }
}
