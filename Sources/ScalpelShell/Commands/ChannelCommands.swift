import ScalpelCore

/// `group` and `delete channels`: channel surgery through dependency groups.
enum ChannelCommands {
    static let group = CommandSpec(
        name: "group",
        summary: "preview what deleting channels takes: every coupled layer and parameter with the indices, params and MACs before → after",
        positionals: [Positional("LAYER", .layer), Positional("CHANNELS…", .text)],
        options: [coupledOption, DataOptions.json],
        example: "group layer1.0.conv1 0-3",
        details: "CHANNELS: 3 5 7-9 or 3,5,7-9",
        run: { args, session, console in
            let words = try args.positionals(atLeast: 2, "the layer and the channels")
            let doc = try session.current()
            let position = try session.layers().resolve(words[0])
            let channels = try Self.channels(Array(words.dropFirst()), args, position: position, document: doc)
            let preview = try ChannelPreview(document: doc, position: position, channels: channels, coupled: args.flag("--coupled"))
            console.write(args.flag("--json") ? preview.json.render() + "\n" : preview.text)
        })

    static let delete = CommandSpec(
        name: "delete",
        summary: "delete output channels (`3 5 7-9`) with their whole dependency group, or a layer (one that changes only the channel count has its consumers re-initialised to follow)",
        positionals: [Positional("channels|layer", .choice(["channels", "layer"])), Positional("LAYER", .layer), Positional("[CHANNELS…]", .text)],
        options: [coupledOption],
        example: "delete channels layer1.0.conv1 0 5-7",
        changesSession: true,
        run: { args, session, console in
            let words = try args.positionals(atLeast: 2, "what to delete: `delete channels LAYER CHANNELS…` or `delete layer LAYER`")
            let position = try session.layers().resolve(words[1])
            let line = args.line
            switch words[0] {
            case "layer":
                guard words.count == 2 else { throw args.usageError("`delete layer` takes one layer") }
                let record = try session.edit(line) { model, shapes in try model.graph.removePassThroughLayer(at: position, shapes: shapes) }
                console.line(record.message + EditCommands.effect(record))
            case "channels":
                let channels = try Self.channels(Array(words.dropFirst(2)), args, position: position, document: try session.current())
                guard !channels.isEmpty else { throw args.usageError("name the channels to delete") }
                let record = try session.edit(line) { model, shapes in
                    let layer = model.graph.displayName(of: model.graph.nodes[position])
                    let before = model.graph.parameterCount
                    let group = try model.graph.deleteChannels(of: position, channels, shapes: shapes, opset: model.opsetVersion() ?? 17,
                                                               coupled: args.flag("--coupled"))
                    let layers = group.changedLayers.count
                    let deleted = group.rootChannelIndices(graph: model.graph).count
                    let asked = Set(channels).count
                    let coupled = deleted == asked ? "" : " (\(asked) asked, \(deleted - asked) coupled to them)"
                    return "deleted \(deleted) channel\(deleted == 1 ? "" : "s")\(coupled) of \(layer): \(layers) layer\(layers == 1 ? "" : "s") changed, "
                        + "\(Format.grouped(before - model.graph.parameterCount)) parameters removed"
                }
                console.line(record.message + EditCommands.effect(record))
            default:
                throw args.usageError("'\(words[0])' cannot be deleted; say `delete channels LAYER CHANNELS…` or `delete layer LAYER`")
            }
        })

    /// `--coupled`: the channels grow to every channel that must go with them.
    static let coupledOption = OptionSpec.flag("--coupled", "also take every channel coupled to those named (a grouped convolution's same channels in its other groups)")

    /// `3 5 7-9` or `3,5,7-9` → [3, 5, 7, 8, 9], each within the `count` channels of `layer`
    /// (checked before a range is expanded).
    static func parseChannels(_ words: [String], _ args: Arguments, layer: String, count: Int) throws -> [Int] {
        var out: [Int] = []
        for part in words.flatMap({ $0.split(separator: ",") }) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            let range: ClosedRange<Int>
            if bounds.count == 1, let n = Int(bounds[0]) {
                range = n...n
            } else if bounds.count == 2, let a = Int(bounds[0]), let b = Int(bounds[1]), a <= b {
                range = a...b
            } else {
                throw args.usageError("'\(part)' is not a channel number or range like 3-7")
            }
            guard range.upperBound < count else {
                throw CoreError.editRefused("'\(layer)' has channels 0…\(count - 1); '\(part)' goes beyond them")
            }
            out.append(contentsOf: range)
        }
        return out
    }

    /// The channels `words` name of the layer at `position` (see ``parseChannels(_:_:layer:count:)``).
    static func channels(_ words: [String], _ args: Arguments, position: Int, document: Document) throws -> [Int] {
        let graph = document.model.graph
        let count = try ChannelDependency.channelCount(of: position, graph: graph, shapes: document.shapes)
        return try parseChannels(words, args, layer: graph.displayName(of: graph.nodes[position]), count: count)
    }
}

/// What `group` shows: the group of some channels and the model's size before and after.
struct ChannelPreview {
    let group: ChannelGroup
    let channels: [Int]
    let graph: Graph
    let before: ModelSummary
    let after: ModelSummary

    init(document: Document, position: Int, channels: [Int], coupled: Bool) throws {
        graph = document.model.graph
        group = coupled ? try ChannelDependency.closure(of: position, channels: channels, graph: graph, shapes: document.shapes)
            : try ChannelDependency.group(of: position, channels: channels, graph: graph, shapes: document.shapes)
        self.channels = group.rootChannelIndices(graph: graph)
        var cut = graph
        try cut.delete(ChannelDeletion(group), shapes: document.shapes, opset: document.model.opsetVersion() ?? 17)
        before = document.summary
        let shapes = ShapeInference.infer(cut)
        // As `delete channels` would refuse it: the model computes a shape these channels break.
        if let broken = shapes.newProblem(since: document.shapes) {
            throw ShellError.refused("deleting these channels would break shapes: \(broken)")
        }
        after = ModelSummary(graph: cut, shapes: shapes)
    }

    private func layerName(_ id: NodeID) -> String { graph.node(id).map { graph.displayName(of: $0) } ?? id.description }

    var text: String {
        var table = Table([("layer", .left), ("op", .left), ("parameter", .left), ("axis", .right), ("removed", .left)])
        for s in group.slices {
            let node = graph.node(s.node)
            table.rows.append([layerName(s.node), node?.opType ?? "", "\(s.role) \(s.tensor)", String(s.axis), Self.ranges(s.indices)])
        }
        var out = "deleting channels \(Self.ranges(channels)) of \(layerName(group.root)) removes, with it:\n"
        out += table.render()
        out += "source layers (output channels removed): \(group.sources.map(layerName).joined(separator: ", "))\n"
        out += "activations changed: \(group.spaces.count)\n"
        out += "parameters: \(ReportCommands.change(before.totalParameters, after.totalParameters, Format.grouped))"
        out += "   MACs per sample: \(ReportCommands.change(before.totalMACs, after.totalMACs, Format.compact))\n"
        return out
    }

    var json: JSON {
        .object([
            ("root", .string(layerName(group.root))),
            ("channels", .array(channels.map(JSON.int))),
            ("sources", .array(group.sources.map { .string(layerName($0)) })),
            ("parameters", .array(group.slices.map { s in
                .object([("tensor", .string(s.tensor.name)), ("axis", .int(s.axis)), ("indices", .array(s.indices.map(JSON.int))),
                         ("layer", .string(layerName(s.node))),
                         ("module", .string(graph.node(s.node).map(LayerResolver.modulePath) ?? "")), ("role", .string(s.role))])
            })),
            ("activations", .array(group.spaces.sorted { $0.key.value < $1.key.value }.map { space, indices in
                .object([("value", .string(space.value.name)), ("axis", .int(space.axis)), ("removed", .int(indices.count))])
            })),
            ("params_before", .int(before.totalParameters)), ("params_after", .int(after.totalParameters)),
            ("macs_before", .int(before.totalMACs)), ("macs_after", .int(after.totalMACs)),
        ])
    }

    /// `0-3, 7, 9-10`: past twelve runs the list is cut, and says how many there are and, when
    /// `fullList` names where (`--json`), where every one is listed; nil `fullList` never cuts.
    static func ranges(_ indices: [Int], fullList: String? = "--json") -> String {
        let parts = ChannelGroup.runs(indices)
        guard let fullList, parts.count > 12 else { return parts.joined(separator: ", ") }
        return parts.prefix(12).joined(separator: ", ") + ", … (\(indices.count) in all; \(fullList) lists every one)"
    }
}
