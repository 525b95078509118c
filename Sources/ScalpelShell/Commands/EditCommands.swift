import ScalpelCore

/// Edits to layers: each is one transaction and one undo step.
enum EditCommands {
    static let rename = CommandSpec(
        name: "rename",
        summary: "give a layer a new name",
        usage: "rename LAYER NEW_NAME",
        example: "rename layer1.0.conv1 block1_conv1",
        changesSession: true,
        run: { args, session, console in
            let words = try args.positionals(2, "the layer and its new name")
            let line = args.line
            let position = try session.layers().resolve(words[0])
            let record = try session.modify { doc in
                try doc.apply(line) { model in
                    let old = model.graph.displayName(of: model.graph.nodes[position])
                    try model.graph.renameNode(at: position, to: words[1])
                    return "renamed \(old) to \(words[1])"
                }
            }
            console.line(record.message)
        })

    static let delete = CommandSpec(
        name: "delete",
        summary: "delete a layer that keeps its input's shape (activation, Dropout, Identity, BatchNormalization…)",
        usage: "delete layer LAYER",
        example: "delete layer bn1",
        changesSession: true,
        run: { args, session, console in
            let words = try args.positionals(2, "what to delete and the layer (delete layer LAYER)")
            guard words[0] == "layer" else {
                throw args.usageError("'\(words[0])' cannot be deleted; say `delete layer LAYER`")
            }
            let line = args.line
            let position = try session.layers().resolve(words[1])
            let record = try session.modify { doc in
                let shapes = doc.shapes
                return try doc.apply(line) { model in try model.graph.removePassThroughLayer(at: position, shapes: shapes) }
            }
            console.line(record.message + effect(record))
        })

    /// `; parameters 1,000 → 968 (-3.2%)` when the edit changed the count.
    static func effect(_ record: EditRecord) -> String {
        let p = record.parameters
        return p.before == p.after ? "" : "; parameters \(ReportCommands.change(p.before, p.after, Format.grouped))"
    }
}
