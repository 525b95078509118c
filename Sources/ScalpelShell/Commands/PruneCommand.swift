import ScalpelCore
import ScalpelEngine
import ScalpelData
import ScalpelScoring

/// `prune`: delete the lowest-scored channels of one layer, or across the whole model.
enum PruneCommand {
    static let spec = CommandSpec(
        name: "prune",
        summary: "delete a layer's lowest-scored channels (`--ratio`/`--count`), or prune every prunable group until the model keeps fraction F (`--global`), ranking channels by any `score` criterion",
        positionals: [Positional("[LAYER]", .layer)],
        options: [
            .flag("--global", "prune every prunable group together until the model keeps the target fraction"),
            ScoreCommands.criterionOption,
            .choice("--reduce", ScoreReduction.allCases.map(\.rawValue), "how a coupled group's scores combine (default sum)"),
            .value("--ratio", "R", .number, "the fraction of the layer's channels to delete"),
            .value("--count", "N", .count, "how many of the layer's channels to delete"),
            .value("--target-params", "F", .number, "with --global: the fraction of parameters to keep"),
            .value("--target-macs", "F", .number, "with --global: the fraction of MACs to keep"),
            .value("--min-channels", "N", .count, "with --global: channels every group keeps at least (default 1)"),
            .value("--skip", "LAYER,…", .text, "with --global: layers whose groups are left alone"),
        ] + DataOptions.reading(required: false) + DataOptions.sampling,
        example: "prune --global --by l1 --target-params 0.5 --skip fc",
        details: ScoreCommands.criteriaListing,
        changesSession: true,
        run: { args, session, console in
            let chosen = try ScoreCommands.criterion(args)
            let record = args.flag("--global") ? try pruneGlobally(by: chosen, args, &session) : try pruneLayer(by: chosen, args, &session)
            console.line(record.message + EditCommands.effect(record)
                + "; MACs \(ReportCommands.change(record.macs.before, record.macs.after, Format.compact))")
        })

    /// Prunes every prunable group by any criterion of `score` (each group's channels scored as
    /// `score` scores a group) until the model keeps the target fraction.
    private static func pruneGlobally(by criterion: Criterion, _ args: Arguments, _ session: inout Session) throws -> EditRecord {
        _ = try args.positionals(0, "")
        let target = try globalTarget(args)
        let minChannels = try args.option("--min-channels").map { try number($0, "--min-channels", args) } ?? 1
        let resolver = try session.layers()
        let skipped = try (args.option("--skip")?.split(separator: ",") ?? []).map { try resolver.resolve(String($0)) }
        let scorer = try GroupScorer(criterion, args, try session.current())
        return try session.edit(args.line) { model, shapes in
            let skip = Set(skipped.map { model.graph.nodes[$0].id })
            let graph = model.graph
            var pruning = try GlobalPruning(graph: graph, shapes: shapes, skip: skip) { _, structure, _ in
                try scorer.scores(structure: structure, graph: graph, shapes: shapes)
            }
            guard !pruning.groups.isEmpty else { throw ShellError.refused(pruning.blockedSummary) }
            let blocked = pruning.refused.count
            let (counts, pruned) = try pruning.checkedPlan(target, minChannels: minChannels, opset: model.opsetVersion() ?? 17)
            let leftOut = pruning.refused.dropFirst(blocked)
            let checked = leftOut.isEmpty ? "" : " (left out: " + ReasonSummary.line(Array(leftOut)) + ")"
            guard !pruning.groups.isEmpty else { throw ShellError.refused(pruning.blockedSummary) }
            guard counts.contains(where: { $0 > 0 }) else {
                let reason = pruning.emptyPlanReason(target, minChannels: minChannels)
                let remedy = if case .atMinimum = reason { "lower --min-channels" } else { "give a lower target" }
                throw ShellError.refused("\(reason); \(remedy)")
            }
            model.graph = pruned
            let shortfall = pruning.shortfall(target, minChannels: minChannels).map { " (\($0))" } ?? ""
            return "removed \(counts.reduce(0, +)) channels from \(counts.filter { $0 > 0 }.count) of \(pruning.groups.count) prunable groups (lowest \(criterion.rawValue))\(checked)\(shortfall)"
        }
    }

    /// Prunes one layer's lowest-scored channels by any criterion of `score`; where the layer's
    /// channels couple with other layers', their scores combine by `--reduce`.
    private static func pruneLayer(by criterion: Criterion, _ args: Arguments, _ session: inout Session) throws -> EditRecord {
        let layer = try args.positionals(1, "the layer (or --global)")[0]
        let doc = try session.current()
        let position = try session.layers().resolve(layer)
        let scores = try GroupScorer(criterion, args, doc).scores(position: position, graph: doc.model.graph, shapes: doc.shapes)
        let count = try localCount(args, channels: scores.count)
        let structure = try ChannelDependency.structure(of: position, graph: doc.model.graph, shapes: doc.shapes)
        let group = PrunableGroup(root: position, structure: structure, channels: scores.count, scores: scores)
        let channels = group.lowest(count)
        guard !channels.isEmpty else {
            let smallest = group.rankedBundles.map(\.count).min().map { "sets of \($0)" } ?? "no set"
            throw ShellError.refused("'\(layer)' loses channels only in \(smallest) (a grouped convolution takes the same channels from each group); "
                + "ask for at least that many")
        }
        return try session.edit(args.line) { model, shapes in
            let layer = model.graph.displayName(of: model.graph.nodes[position])
            try model.graph.deleteChannels(of: position, channels, shapes: shapes, opset: model.opsetVersion() ?? 17)
            // The edit's record is the only account of which channels went, so it lists them all.
            let rounded = channels.count == count ? "" : " (\(channels.count) of the \(count) asked: they go in coupled sets)"
            return "removed channels \(ChannelPreview.ranges(channels, fullList: nil)) of \(layer) (lowest \(criterion.rawValue))\(rounded)"
        }
    }

    /// A criterion with what it needs from the command line: engine and data, batches, seed, reduction.
    private struct GroupScorer {
        let criterion: Criterion
        let engine: Engine?
        let data: Dataset?
        let batches: Int?
        let seed: UInt64
        let reduction: ScoreReduction
        /// For `--global` by an activation statistic: every layer's scores, from one pass.
        let precomputed: [Int: ChannelScores]

        init(_ criterion: Criterion, _ args: Arguments, _ doc: Document) throws {
            self.criterion = criterion
            (engine, data) = try ScoreCommands.inputs(criterion, args, doc)
            batches = DataOptions.batches(args)
            seed = DataOptions.seed(args)
            reduction = ScoreCommands.reduction(args)
            let graph = doc.model.graph
            precomputed = args.flag("--global")
                ? try Scoring.onePass(criterion, positions: Array(graph.nodes.indices), graph: graph, engine: engine, dataset: data, batches: batches)
                : [:]
        }

        /// The group scores of the layer at `position`.
        func scores(position: Int, graph: Graph, shapes: ShapeInfo) throws -> [Double] {
            try Scoring.groupScore(criterion, position: position, graph: graph, shapes: shapes, engine: engine, dataset: data,
                                   batches: batches, seed: seed, reduction: reduction).scores.scores
        }

        /// The scores of a group whose structure is known.
        func scores(structure: ChannelGroup, graph: Graph, shapes: ShapeInfo) throws -> [Double] {
            try Scoring.groupScore(criterion, structure: structure, graph: graph, shapes: shapes, engine: engine, dataset: data,
                                   batches: batches, seed: seed, reduction: reduction, precomputed: precomputed).scores.scores
        }
    }

    private static func globalTarget(_ args: Arguments) throws -> PruneTarget {
        switch (args.option("--target-params"), args.option("--target-macs")) {
        case let (p?, nil): return .parameters(try fraction(p, "--target-params", args))
        case let (nil, m?): return .macs(try fraction(m, "--target-macs", args))
        default: throw args.usageError("give exactly one of --target-params F and --target-macs F (F is the fraction to keep, e.g. 0.5)")
        }
    }

    private static func localCount(_ args: Arguments, channels: Int) throws -> Int {
        let count: Int
        switch (args.option("--ratio"), args.option("--count")) {
        case let (r?, nil): count = Int((try fraction(r, "--ratio", args) * Double(channels)).rounded(.down))
        case let (nil, c?): count = try number(c, "--count", args)
        default: throw args.usageError("give exactly one of --ratio R (fraction of channels to remove) and --count N")
        }
        guard count > 0 else { throw ShellError.refused("that removes no channel of the layer's \(channels)") }
        guard count < channels else { throw ShellError.refused("the layer has \(channels) channels; at least one must stay") }
        return count
    }

    private static func fraction(_ text: String, _ option: String, _ args: Arguments) throws -> Double {
        guard let f = Double(text), f > 0, f < 1 else { throw args.usageError("\(option) wants a fraction between 0 and 1, not '\(text)'") }
        return f
    }

    private static func number(_ text: String, _ option: String, _ args: Arguments) throws -> Int {
        guard let n = Int(text), n >= 0 else { throw args.usageError("\(option) wants a whole number, not '\(text)'") }
        return n
    }
}
