import ScalpelCore

/// Edits to layers: each is one transaction and one undo step.
enum EditCommands {
    static let rename = CommandSpec(
        name: "rename",
        summary: "rename a layer",
        positionals: [Positional("LAYER", .layer), Positional("NEW_NAME", .text)],
        example: "rename layer1.0.conv1 block1_conv1",
        changesSession: true,
        run: { args, session, console in
            let words = try args.positionals(2, "the layer and its new name")
            let line = args.line
            let position = try session.layers().resolve(words[0])
            let record = try session.edit(line) { model, _ in
                let old = model.graph.displayName(of: model.graph.nodes[position])
                try model.graph.renameNode(at: position, to: words[1])
                return "renamed \(old) to \(words[1])"
            }
            console.line(record.message)
        })

    /// `; parameters 1,000 → 968 (-3.2%)` when the edit changed the count.
    static func effect(_ record: EditRecord) -> String {
        let p = record.parameters
        return p.before == p.after ? "" : "; parameters \(ReportCommands.change(p.before, p.after, Format.grouped))"
    }
}

/// `insert` and `replace`: new layers from a small description.
enum LayerCommands {
    static let insert = CommandSpec(
        name: "insert",
        summary: "insert `Relu`, `Dropout 0.2`, `BatchNormalization`, `Conv out=32 kernel=3 pad=1`, … (identity weights where the function can be kept, He otherwise)",
        positionals: [Positional("after|before", .choice(["after", "before"])), Positional("LAYER", .layer), Positional("SPEC", .layerSpec)],
        example: "insert after layer1.0.conv1 BatchNormalization",
        changesSession: true,
        run: { args, session, console in
            let words = try args.positionals(atLeast: 3, "after|before, the layer and the new layer's description")
            let placement: Graph.Placement
            switch words[0] {
            case "after": placement = .after
            case "before": placement = .before
            default: throw args.usageError("say `insert after LAYER SPEC` or `insert before LAYER SPEC`, not '\(words[0])'")
            }
            let spec = try LayerSpec(words: Array(words.dropFirst(2)))
            let position = try session.layers().resolve(words[1])
            let line = args.line
            let record = try session.edit(line) { model, shapes in try model.graph.insert(spec, placement, layerAt: position, shapes: shapes) }
            console.line(record.message + EditCommands.effect(record))
        })

    static let replace = CommandSpec(
        name: "replace",
        summary: "replace a layer with a new one",
        positionals: [Positional("LAYER", .layer), Positional("SPEC", .layerSpec)],
        example: "replace layer1.0.relu LeakyRelu alpha=0.1",
        changesSession: true,
        run: { args, session, console in
            let words = try args.positionals(atLeast: 2, "the layer and the new layer's description")
            let spec = try LayerSpec(words: Array(words.dropFirst()))
            let position = try session.layers().resolve(words[0])
            let line = args.line
            let record = try session.edit(line) { model, shapes in try model.graph.replace(layerAt: position, with: spec, shapes: shapes) }
            console.line(record.message + EditCommands.effect(record))
        })
}
