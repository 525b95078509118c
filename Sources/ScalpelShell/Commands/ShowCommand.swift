import ScalpelCore
import ScalpelScoring

/// `show LAYER`: one layer in detail: attributes, weights, neighbours, cost.
enum ShowCommand {
    static let spec = CommandSpec(
        name: "show",
        summary: "a layer's attributes, weight shapes and statistics (min, max, mean, std, zeros), producers and consumers, cost",
        positionals: [Positional("LAYER", .layer)],
        options: [DataOptions.json],
        example: "show layer1.0.conv1",
        run: { args, session, console in
            let query = try args.positionals(1, "the layer (name, unique suffix, or # from summary)")[0]
            let position = try session.layers().resolve(query)
            let doc = try session.current()
            let detail = LayerDetail(position: position, document: doc)
            let cached = doc.cachedScores(of: doc.model.graph.nodes[position].id)
            console.write(args.flag("--json") ? detail.json.render() + "\n" : detail.text + scoreLines(cached))
        })
}

extension ShowCommand {
    /// One line per criterion scored on this layer of the current model: its weakest and strongest channels.
    static func scoreLines(_ cached: [ChannelScores]) -> String {
        guard !cached.isEmpty else { return "" }
        return "  scores (from `score` on this model):\n" + cached.map { r in
            let order = r.scores.indices.sorted { (r.scores[$0], $0) < (r.scores[$1], $1) }
            return "    \(r.criterion.rawValue): lowest \(order.prefix(5).map(String.init).joined(separator: ", ")); "
                + "highest \(order.suffix(3).reversed().map(String.init).joined(separator: ", "))"
                + (r.dead.isEmpty ? "" : "; dead \(ChannelPreview.ranges(r.dead.sorted()))") + "\n"
        }.joined()
    }
}

/// Everything `show` reports about one layer.
struct LayerDetail {
    let node: Node
    let graph: Graph
    let shapes: ShapeInfo
    let index: GraphIndex
    let layerIndex: Int?

    init(position: Int, document: Document) {
        graph = document.model.graph
        node = graph.nodes[position]
        shapes = document.shapes
        index = GraphIndex(graph)
        layerIndex = LayerList(graph: graph, shapes: shapes).positions.firstIndex(of: position)
    }

    private func name(_ id: NodeID) -> String {
        guard let n = graph.node(id) else { return id.description }
        return "\(graph.displayName(of: n)) (\(n.opType))"
    }

    private func source(_ v: ValueID) -> String {
        if graph.initializers[v] != nil { return "initializer" }
        if let p = index.producer[v] { return "from " + name(p) }
        return graph.inputs.contains { $0.id == v } ? "graph input" : "?"
    }

    var weights: [(ValueID, Tensor)] {
        node.inputs.compactMap { v in (graph.initializers[v] ?? shapes.constants[v]).map { (v, $0) } }
    }

    /// Float initializer elements the layer reads (constants computed in the graph excluded).
    var parameters: Int {
        weights.reduce(0) { $0 + (graph.initializers[$1.0]?.elementType == .float32 ? $1.1.elementCount : 0) }
    }

    var text: String {
        var out = "layer \(layerIndex.map { "#\($0) " } ?? "")\(graph.displayName(of: node)) (\(node.opType)\(node.domain.isEmpty ? "" : ", domain \(node.domain)"))\n"
        let path = LayerResolver.modulePath(of: node)
        if path != node.name, !path.isEmpty { out += "  module: \(path)\n" }
        out += "  inputs:\n"
        for v in node.inputs where !v.isAbsent {
            out += "    \(v.name)  \(shapes[v])  \(source(v))\n"
        }
        out += "  outputs:\n"
        for v in node.outputs where !v.isAbsent {
            let users = (index.consumers[v] ?? []).map(name)
            let graphOutput = graph.outputs.contains { $0.id == v } ? ["graph output"] : []
            out += "    \(v.name)  \(shapes[v])  → \((users + graphOutput).joined(separator: ", ").ifEmpty("unused"))\n"
            if !shapes[v].isFullyKnown, let cause = shapes.unknownCause[v] {
                out += "      shape unknown: it depends on \(name(cause))" + (cause == node.id ? "" : ", whose shape could not be inferred") + "\n"
            }
        }
        if !node.attributes.isEmpty {
            out += "  attributes:\n" + node.attributes.map { "    \($0.name) = \($0.renderedValue)\n" }.joined()
        }
        let stats = weights
        if !stats.isEmpty {
            var table = Table([("weight", .left), ("dtype", .left), ("shape", .left), ("min", .right), ("max", .right),
                               ("mean", .right), ("std", .right), ("zeros", .right)])
            for (v, t) in stats {
                let s = t.floats.flatMap(TensorStatistics.init)
                table.rows.append([v.name, t.elementType.description, "[" + t.shape.map(String.init).joined(separator: ", ") + "]",
                                   s.map { Format.stat(Double($0.min)) } ?? "", s.map { Format.stat(Double($0.max)) } ?? "",
                                   s.map { Format.stat($0.mean) } ?? "", s.map { Format.stat($0.std) } ?? "",
                                   s.map { Format.stat($0.zeroFraction * 100) + "%" } ?? ""])
            }
            out += "  weights:\n" + table.render().split(separator: "\n").map { "    \($0)\n" }.joined()
        }
        out += "  parameters: \(Format.grouped(parameters))"
        let macs = LayerCost.macsPerSample(node, shapes: shapes)
        out += "   MACs per sample: " + (macs.map(Format.grouped) ?? "unknown") + "\n"
        if let problem = shapes.problems.first(where: { $0.node == node.id }) { out += "  shape problem: \(problem.message)\n" }
        if !node.docString.isEmpty { out += "  doc: \(node.docString)\n" }
        return out
    }

    var json: JSON {
        .object([
            ("index", layerIndex.map(JSON.int) ?? .null),
            ("name", .string(graph.displayName(of: node))),
            ("op", .string(node.opType)),
            ("domain", .string(node.domain)),
            ("inputs", .array(node.inputs.filter { !$0.isAbsent }.map { v in
                .object([("name", .string(v.name)), ("type", .type(shapes[v])), ("source", .string(source(v)))])
            })),
            ("outputs", .array(node.outputs.filter { !$0.isAbsent }.map { v in
                .object([("name", .string(v.name)), ("type", .type(shapes[v])),
                         ("consumers", .array((index.consumers[v] ?? []).map { .string(name($0)) }))])
            })),
            ("attributes", .object(node.attributes.map { ($0.name, .string($0.renderedValue)) })),
            ("weights", .array(weights.map { v, t in
                let s = t.floats.flatMap(TensorStatistics.init)
                return .object([
                    ("name", .string(v.name)), ("dtype", .string(t.elementType.description)),
                    ("shape", .array(t.shape.map(JSON.int))),
                    ("min", s.map { .double(Double($0.min)) } ?? .null), ("max", s.map { .double(Double($0.max)) } ?? .null),
                    ("mean", s.map { .double($0.mean) } ?? .null), ("std", s.map { .double($0.std) } ?? .null),
                    ("zero_fraction", s.map { .double($0.zeroFraction) } ?? .null),
                ])
            })),
            ("params", .int(parameters)),
            ("macs", LayerCost.macsPerSample(node, shapes: shapes).map(JSON.int) ?? .null),
        ])
    }
}

extension String {
    /// The string, or `fallback` when it is empty.
    func ifEmpty(_ fallback: String) -> String { isEmpty ? fallback : self }
}
