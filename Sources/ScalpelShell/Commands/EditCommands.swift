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

    /// `; parameters 1,000 → 968 (-3.2%)` when the edit changed the count.
    static func effect(_ record: EditRecord) -> String {
        let p = record.parameters
        return p.before == p.after ? "" : "; parameters \(ReportCommands.change(p.before, p.after, Format.grouped))"
    }
}
