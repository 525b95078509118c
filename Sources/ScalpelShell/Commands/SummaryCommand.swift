import ScalpelCore

/// `summary`: a row per layer with shapes, parameters and MACs, then totals.
enum SummaryCommand {
    static let spec = CommandSpec(
        name: "summary",
        summary: "a row per layer: index, name, op, input and output shapes, parameters, MACs per sample; totals",
        options: [DataOptions.json],
        example: "summary --json > layers.json",
        run: { args, session, console in
            _ = try args.positionals(0, "")
            let doc = try session.current()
            console.write(args.flag("--json") ? json(doc).render() + "\n" : text(doc, for: console))
        })

    static func text(_ doc: Document, for console: any Console) -> String {
        let s = doc.summary
        var table = Table([("#", .right), ("layer", .left), ("op", .left), ("input", .left), ("output", .left),
                           ("params", .right), ("MACs", .right)])
        for row in s.rows {
            table.rows.append([String(row.index), row.name, row.opType, Format.shapes(row.inputs), Format.shapes(row.outputs),
                               row.parameters == 0 ? "" : Format.grouped(row.parameters),
                               row.macs.map { $0 == 0 ? "" : Format.compact($0) } ?? "?"])
        }
        let model = doc.model
        var out = "\(doc.path): graph '\(model.graph.name)'"
            + (model.producer.isEmpty ? "" : ", from \(model.producer)")
            + (model.opsetVersion().map { ", opset \($0)" } ?? "") + "\n\n"
        out += table.render(for: console) + "\n"
        out += "layers: \(s.rows.count)" + (s.hiddenNodes > 0 ? " (+\(s.hiddenNodes) constant and shape-arithmetic nodes not listed)" : "") + "\n"
        out += "parameters: \(Format.grouped(s.totalParameters)) (\(Format.bytes(s.totalParameters * 4)) as float32)\n"
        out += "MACs per sample: \(Format.compact(s.totalMACs))"
            + (s.unknownMACLayers > 0 ? " (+ \(s.unknownMACLayers) layers with unknown shapes)" : "") + "\n"
        out += problems(doc.shapes)
        if let gaps = OpsCommand.gaps(of: model.graph, shapes: doc.shapes) { out += gaps + "\n" }
        return out
    }

    /// The shape-inference problems, one line each, or nothing when there are none.
    static func problems(_ shapes: ShapeInfo) -> String {
        guard !shapes.problems.isEmpty else { return "" }
        return "shape inference: \(shapes.problems.count) problem(s):\n" + shapes.problems.map { "  \($0)\n" }.joined()
    }

    static func json(_ doc: Document) -> JSON {
        let s = doc.summary
        return .object([
            ("model", .string(doc.path)),
            ("graph", .string(doc.model.graph.name)),
            ("opset", doc.model.opsetVersion().map(JSON.int) ?? .null),
            ("layers", .array(s.rows.map { row in
                .object([
                    ("index", .int(row.index)), ("name", .string(row.name)), ("op", .string(row.opType)),
                    ("inputs", .array(row.inputs.map(JSON.shape))), ("outputs", .array(row.outputs.map(JSON.shape))),
                    ("params", .int(row.parameters)), ("macs", row.macs.map(JSON.int) ?? .null),
                ])
            })),
            ("total_params", .int(s.totalParameters)),
            ("total_macs", .int(s.totalMACs)),
            ("hidden_nodes", .int(s.hiddenNodes)),
            ("problems", .array(doc.shapes.problems.map { .string($0.description) })),
        ])
    }
}
