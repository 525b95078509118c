import ScalpelCore

/// `load`, `undo`, `redo` and `quit`: moving through the session's states.
enum SessionCommands {
    static let load = CommandSpec(
        name: "load",
        summary: "open another model (refuses to drop unsaved edits without `--force`)",
        positionals: [Positional("FILE", .path)],
        options: [.flag("--force", "drop unsaved edits")],
        example: "load resnet18.onnx",
        run: { args, session, console in
            let path = try args.positionals(1, "the model file")[0]
            if let doc = session.document, doc.isModified, !args.flag("--force") {
                throw ShellError.refused(
                    "load: \(doc.path) has \(plural(doc.unsavedEditCount, "unsaved edit")); `save FILE` first, or `load \(Tokenizer.quote(path)) --force` to discard them")
            }
            try session.load(path)
            let doc = try session.current()
            console.line("loaded \(path): \(doc.summary.rows.count) layers, \(Format.grouped(doc.summary.totalParameters)) parameters")
            for warning in doc.model.warnings { console.line("warning: \(warning)") }
        })

    static let undo = CommandSpec(
        name: "undo",
        summary: "step back through the edits",
        example: "undo",
        changesSession: true,
        run: { args, session, console in
            _ = try args.positionals(0, "")
            let record = try session.modify { try $0.undo() }
            console.line("undid: \(record.line)")
        })

    static let redo = CommandSpec(
        name: "redo",
        summary: "step forward through the edits undone",
        example: "redo",
        changesSession: true,
        run: { args, session, console in
            _ = try args.positionals(0, "")
            let record = try session.modify { try $0.redo() }
            console.line("redid: \(record.line)")
        })

    static let quit = CommandSpec(
        name: "quit",
        summary: "leave (asks first when edits are unsaved)",
        example: "quit",
        run: { args, session, _ in
            _ = try args.positionals(0, "")
            session.quitRequested = true
        })

    /// `3 unsaved edits`, `1 unsaved edit`.
    static func plural(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
