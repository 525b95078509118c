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
            let layers = try session.layers()
            let position = try layers.resolve(words[0])
            // A name that already finds another layer (its path, framework name or index) would make that one unreachable.
            if let other = try? layers.resolve(words[1]), other != position {
                let graph = try session.current().model.graph
                throw ShellError.refused("'\(words[1])' already names '\(graph.displayName(of: graph.nodes[other]))'; pick another name")
            }
            let record = try session.edit(line) { model, _ in
                let old = model.graph.displayName(of: model.graph.nodes[position])
                try model.graph.renameNode(at: position, to: words[1])
                return "renamed \(old) to \(words[1])"
            }
            console.line(record.message)
        })

    static let inputShape = CommandSpec(
        name: "input-shape",
        summary: "fix a model input's dimensions (a dynamic batch, height, width) so that shapes, MACs and summaries are concrete; one undo step",
        positionals: [Positional("[NAME=]DIMS…", .text)],
        example: "input-shape images=1x3x640x640",
        details: "DIMS: sizes joined by x (1x3x640x640); NAME= may be left out when the model has one input",
        changesSession: true,
        run: { args, session, console in
            let words = try args.positionals(atLeast: 1, "the input's dimensions, like images=1x3x640x640")
            let fixes = try words.map { word -> (String?, [Int]) in
                let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
                let sizes = (parts.last ?? "").split(separator: "x", omittingEmptySubsequences: false)
                let dims = sizes.compactMap { Int($0) }
                guard !dims.isEmpty, dims.count == sizes.count, parts.count <= 2, !(parts.first ?? "").isEmpty else {
                    throw args.usageError("'\(word)' is not NAME=DIMS or DIMS with sizes joined by x, like images=1x3x640x640")
                }
                return (parts.count == 2 ? parts[0] : nil, dims)
            }
            let record = try session.edit(args.line, reshapesOutputs: true) { model, _ in
                let fixed = try fixes.map { name, dims in try model.graph.fixInputShape(name, to: dims) }.joined(separator: "; ")
                let outputs = model.graph.redeclareOutputs(ShapeInference.infer(model.graph))
                return fixed + (outputs.isEmpty ? "" : "; output \(outputs.joined(separator: ", ")) declared to match")
            }
            console.line(record.message + "; MACs per sample \(ReportCommands.change(record.macs.before, record.macs.after, Format.compact))")
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
