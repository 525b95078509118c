import ScalpelCore

/// `shapes`: the inferred type of every value in the graph.
enum ShapesCommand {
    static let spec = CommandSpec(
        name: "shapes",
        summary: "every value (inputs, initializers, node outputs) with its inferred element type and shape",
        options: [DataOptions.json],
        example: "shapes --json",
        run: { args, session, console in
            _ = try args.positionals(0, "")
            let doc = try session.current()
            let values = allValues(doc.model.graph)
            if args.flag("--json") {
                let items = values.map { v -> JSON in
                    let t = doc.shapes[v]
                    return .object([("name", .string(v.name)),
                                    ("dtype", t.elementType.map { .string($0.description) } ?? .null),
                                    ("shape", JSON.shape(t))])
                }
                console.line(JSON.object([("values", .array(items))]).render())
            } else {
                var table = Table([("value", .left), ("dtype", .left), ("shape", .left)])
                for v in values {
                    let t = doc.shapes[v]
                    table.rows.append([v.name, t.elementType?.description ?? "?", t.shapeDescription])
                }
                console.write(table.render(for: console) + SummaryCommand.problems(doc.shapes))
            }
        })

    /// Graph inputs, then initializers, then node outputs, each once, in graph order.
    static func allValues(_ graph: Graph) -> [ValueID] {
        var seen = Set<ValueID>()
        let ordered = graph.inputs.map(\.id) + graph.initializerOrder + graph.nodes.flatMap(\.outputs)
        return ordered.filter { !$0.isAbsent && seen.insert($0).inserted }
    }
}
