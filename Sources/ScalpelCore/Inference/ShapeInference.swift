/// Infers the type of every value in a graph, in one pass over its topological order.
public enum ShapeInference {
    /// Runs inference over the whole graph; `inputs` overrides the declared types of graph
    /// inputs (the engine passes the concrete shapes of the data it runs).
    public static func infer(_ graph: Graph, inputs: [ValueID: ValueType] = [:]) -> ShapeInfo {
        var info = ShapeInfo()
        for (id, tensor) in graph.initializers {
            info.types[id] = ValueType(tensor.elementType, tensor.shape)
            if let folded = FoldedValue(tensor) { info.folded[id] = folded }
        }
        for input in graph.inputs where graph.initializers[input.id] == nil {
            info.types[input.id] = believable(inputs[input.id] ?? input.declaredType ?? .unknown)
        }
        let declared = Dictionary(graph.valueInfo.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for node in graph.nodes {
            infer(node, in: graph, declared: declared, into: &info)
        }
        return info
    }

    private static func infer(_ node: Node, in graph: Graph, declared: [ValueID: ValueInfo], into info: inout ShapeInfo) {
        let arity = node.op.inputCount
        guard arity.contains(node.inputs.count) else {
            let expected = arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : arity.upperBound == .max ? "at least \(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)"
            info.problems.append(problem(node, graph, .inconsistent, "\(node.opType) takes \(expected) input(s), and this node lists \(node.inputs.count)"))
            for output in node.outputs where !output.isAbsent { info.types[output] = .unknown; info.unknownCause[output] = node.id }
            return
        }
        let definition = node.op.shapeRule
        var outputs: [ValueType] = []
        if let rule = definition {
            var context = ShapeContext(node: node, graph: graph, info: info)
            do {
                let inferred = try rule(&context)
                try checkSizes(inferred)
                outputs = inferred
                info = context.info
            } catch is Unknown {
                outputs = []
            } catch {
                info.problems.append(problem(node, graph, .inconsistent, error.message))
            }
        } else {
            let domain = node.domain.isEmpty ? "" : " in domain '\(node.domain)'"
            info.problems.append(problem(node, graph, .noRule, "no shape rule for \(node.opType)\(domain); its outputs are unknown"))
            outputs = node.outputs.map { believable(declared[$0]?.declaredType ?? .unknown) }
        }
        let causes = info.unknownCause
        let unknownInputCause = node.inputs.lazy.compactMap { causes[$0] }.first
        for (i, output) in node.outputs.enumerated() where !output.isAbsent {
            let type = i < outputs.count ? outputs[i] : .unknown
            info.types[output] = type
            if !type.isFullyKnown { info.unknownCause[output] = unknownInputCause ?? node.id }
        }
        if let output = node.outputs.first, let constant = Folding.foldFloats(node, graph: graph, info: info) {
            info.constants[output] = constant
        }
        if let folded = try? Folding.fold(node, info: info) {
            for (value, f) in zip(node.outputs, folded) where f.elements.count <= Folding.limit {
                info.folded[value] = f
            }
        }
    }

    /// A declared type with every dimension beyond ``SizeLimit/elements`` (or negative) made unknown.
    private static func believable(_ type: ValueType) -> ValueType {
        guard let dims = type.dims else { return type }
        let sane = dims.map { d -> Dim in (d.value.map { $0 < 0 || $0 > SizeLimit.elements } ?? false) ? .unknown : d }
        return ValueType(elementType: type.elementType, dims: sane)
    }

    /// Throws when an inferred output has a negative dimension, or a dimension or element count
    /// beyond ``SizeLimit/elements`` (an empty tensor too: its other dimensions stay bounded).
    private static func checkSizes(_ outputs: [ValueType]) throws {
        for dims in outputs.compactMap(\.dims) {
            let known = dims.compactMap(\.value)
            if let negative = known.first(where: { $0 < 0 }) { throw ShapeError("it would make a dimension of \(negative)") }
            guard SizeLimit.count(known) != nil, known.allSatisfy({ $0 <= SizeLimit.elements }) else {
                throw ShapeError("its output \(dims) would have more than \(SizeLimit.description) elements")
            }
        }
    }

    private static func problem(_ node: Node, _ graph: Graph, _ kind: ShapeProblem.Kind, _ message: String) -> ShapeProblem {
        ShapeProblem(node: node.id, nodeName: graph.displayName(of: node), opType: node.opType, kind: kind, message: message)
    }
}
