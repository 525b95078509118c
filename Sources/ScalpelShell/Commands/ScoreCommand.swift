import Foundation
import ScalpelCore
import ScalpelEngine
import ScalpelData
import ScalpelScoring

/// `score` and `critical`: per-channel importance by weight, activation and oracle criteria.
enum ScoreCommands {
    /// `--by CRITERION`, shared by `score` and `prune`.
    static let criterionOption = OptionSpec.choice("--by", Criterion.allCases.map(\.rawValue), placeholder: "CRITERION", required: true,
                                                   "how channels are scored: one of the criteria below")

    static let score = CommandSpec(
        name: "score",
        summary: "per-channel (or, with coupled layers, per-group: `--reduce`) scores with ranks, dead marks and a histogram, by any criterion `help score` lists",
        positionals: [Positional("[LAYER]", .layer)],
        options: [
            .flag("--all", "score every prunable layer"),
            ScoreCommands.criterionOption,
            .choice("--reduce", ScoreReduction.allCases.map(\.rawValue), "score the coupled group, combining its layers' scores so"),
            .value("--top", "K", .count, "show only the K highest-scored channels"),
            .value("--bottom", "K", .count, "show only the K lowest-scored channels"),
            DataOptions.json,
            .flag("--csv", "print CSV instead of text"),
            .value("--plot", "FILE.svg", .path, "also draw the scores as an SVG bar chart"),
        ] + DataOptions.reading(required: false) + DataOptions.sampling,
        example: "score conv2 --by apoz --data examples/digits_test.npz --bottom 5",
        details: criteriaListing,
        run: { args, session, console in
            let doc = try session.current()
            let criterion = try criterion(args)
            let reduction = reduction(args)
            if args.option("--plot") != nil, args.flag("--all") { throw args.usageError("--plot draws one layer; name it instead of --all") }
            if args.option("--top") != nil, args.option("--bottom") != nil {
                throw args.usageError("--top and --bottom each choose the channels shown; give one of them")
            }
            let positions: [Int]
            if args.flag("--all") {
                _ = try args.positionals(0, "")
                positions = doc.model.graph.nodes.indices.filter { ChannelDependency.isProducer(doc.model.graph.nodes[$0]) }
            } else {
                positions = [try session.layers().resolve(try args.positionals(1, "the layer (or --all)")[0])]
            }
            let (engine, data) = try inputs(criterion, args, doc)
            let batches = DataOptions.batches(args)
            let seed = DataOptions.seed(args)
            // Activation statistics of every layer come from one pass over the data.
            let precomputed = args.flag("--all")
                ? try Scoring.onePass(criterion, positions: positions, graph: doc.model.graph, engine: engine, dataset: data, batches: batches) : [:]
            var json: [JSON] = []
            var covered = Set<Int>()
            var failures: [(layer: String, reason: String)] = []
            for position in positions where !covered.contains(position) {
                let graph = doc.model.graph
                let group: GroupScores
                do {
                    group = try Scoring.groupScore(criterion, position: position, graph: graph, shapes: doc.shapes, engine: engine,
                                                   dataset: data, batches: batches, seed: seed, reduction: reduction, precomputed: precomputed)
                } catch where args.flag("--all") {
                    failures.append((graph.displayName(of: graph.nodes[position]), "\(error)"))
                    continue
                }
                covered.formUnion(group.members)
                let result = group.scores, members = group.members.map { graph.displayName(of: graph.nodes[$0]) }
                let name = members.count > 1 ? "group " + members.joined(separator: " + ") : members[0]
                try session.modify { $0.record(result, layer: graph.nodes[position].id) }
                let rows = try selectedRows(result, args)
                if let plot = args.option("--plot") {
                    let svg = BarChart.svg(title: "\(name) by \(criterion.rawValue)", scores: result.scores, highlighted: result.dead)
                    try session.write(Data(svg.utf8), to: plot, message: "wrote \(plot)", console: &console)
                }
                if args.flag("--json") {
                    json.append(.object([("layer", .string(members[0])), ("group", .array(members.map(JSON.string))),
                                         ("criterion", .string(criterion.rawValue)), ("reduce", .string(reduction.rawValue)),
                                         ("channels", .array(rows.map { k in .object([("channel", .int(k)), ("score", .double(result.scores[k])),
                                                                                     ("rank", .int(result.ranks[k])), ("dead", .bool(result.dead.contains(k)))]) }))]))
                } else if args.flag("--csv") {
                    if position == positions.first { console.line("layer,channel,score,rank,dead,group") }
                    let groupCell = csv(members.joined(separator: "+"))
                    for k in rows { console.line("\(csv(members[0])),\(k),\(result.scores[k]),\(result.ranks[k]),\(result.dead.contains(k)),\(groupCell)") }
                } else {
                    console.write(text(name, result, rows, console, reduction: members.count > 1 ? reduction : nil))
                }
            }
            guard failures.count < positions.count else {
                throw ShellError.refused("no layer could be scored by \(criterion.rawValue): " + failureSummary(failures))
            }
            if args.flag("--json") {
                json += failures.map { JSON.object([("layer", .string($0.layer)), ("error", .string($0.reason))]) }
                console.line(JSON.array(json).render())
            } else if !failures.isEmpty, !args.flag("--csv") {
                console.line("not scored: " + failureSummary(failures))
            }
        })

    /// Layers that failed, summarised by reason (the layer's own name in it read as "the layer").
    static func failureSummary(_ failures: [(layer: String, reason: String)]) -> String {
        ReasonSummary.line(failures.map { ($0.layer, $0.reason.replacingOccurrences(of: "'\($0.layer)'", with: "the layer")) })
    }

    static let critical = CommandSpec(
        name: "critical",
        summary: "each class's K most important filters — only those whose removal lowers its accuracy, ranked by that drop, then by the class's loss increase; \"none\" where no filter changes it — and their union",
        positionals: [Positional("LAYER", .layer)],
        options: DataOptions.reading(required: true) + [
            .value("--per-class", "K", .count, "filters listed per class (default 3)"),
            DataOptions.sampling[0],
            DataOptions.json,
        ],
        example: "critical conv3 --data examples/digits_test.npz --per-class 3",
        run: { args, session, console in
            let doc = try session.current()
            let position = try session.layers().resolve(try args.positionals(1, "the layer")[0])
            let k = args.count("--per-class") ?? 3
            let (engine, data) = try inputs(.classwise, args, doc)
            let batches = DataOptions.batches(args)
            let result = try Scoring.score(.classwise, position: position, graph: doc.model.graph, shapes: doc.shapes,
                                           engine: engine, dataset: data, batches: batches)
            let drops = result.perClassDrop ?? [], losses = result.perClassLossIncrease ?? []
            let classes = drops.first?.count ?? 0
            // Only filters whose removal costs the class accuracy are critical to it.
            let critical = (0..<classes).map { c in
                Array(drops.indices.filter { drops[$0][c] > 0 }.sorted { (drops[$0][c], losses[$0][c], -$0) > (drops[$1][c], losses[$1][c], -$1) }.prefix(k))
            }
            let union = Array(Set(critical.flatMap { $0 })).sorted()
            if args.flag("--json") {
                console.line(JSON.object([("classes", .array(critical.enumerated().map { c, list in
                    .object([("class", .int(c)), ("filters", .array(list.map(JSON.int))),
                             ("drops", .array(list.map { .double(drops[$0][c]) })),
                             ("loss_increases", .array(list.map { .double(losses[$0][c]) }))])
                })), ("union", .array(union.map(JSON.int)))]).render())
                return
            }
            var table = Table([("class", .right), ("critical filters (accuracy drop, loss increase when removed)", .left)])
            for (c, list) in critical.enumerated() {
                let most = drops.indices.max { (losses[$0][c], -$0) < (losses[$1][c], -$1) }
                let none = "none" + (most.map { ", no filter changes its accuracy (largest loss increase: \($0), \(String(format: "%+.4f", losses[$0][c])))" } ?? "")
                table.rows.append([String(c), list.isEmpty ? none
                    : list.map { "\($0) (\(Format.percent(drops[$0][c])), \(String(format: "%+.4f", losses[$0][c])))" }.joined(separator: ", ")])
            }
            console.write(table.render(for: console))
            console.line("union: \(union.count) of \(drops.count) filters: \(ChannelPreview.ranges(union))")
        })

    /// Every criterion with what it measures and whether it needs `--data`, a line each (`help score`, `help prune`).
    static let criteriaListing = "criteria (--by):\n" + Criterion.allCases.map {
        "  \($0.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)) \($0.needsData ? "--data " : "weights")  \($0.explanation)"
    }.joined(separator: "\n")

    /// The `--by` option (required by ``criterionOption``).
    static func criterion(_ args: Arguments) throws -> Criterion {
        guard let c = args.choice("--by", as: Criterion.self) else { throw args.usageError("missing --by CRITERION") }
        return c
    }

    /// The `--reduce` option: how a dependency group's member scores combine (sum by default).
    static func reduction(_ args: Arguments) -> ScoreReduction { args.choice("--reduce", as: ScoreReduction.self) ?? .sum }

    /// The engine and dataset a data criterion needs (nil for weight criteria).
    static func inputs(_ criterion: Criterion, _ args: Arguments, _ doc: Document) throws -> (Engine?, Dataset?) {
        guard criterion.needsData else { return (nil, nil) }
        guard args.option("--data") != nil else { throw args.usageError("\(criterion.rawValue) runs the model: give --data FILE") }
        return (try Engine(graph: doc.model.graph, shapes: doc.shapes), try DataOptions.load(args, for: doc))
    }

    static func selectedRows(_ result: ChannelScores, _ args: Arguments) throws -> [Int] {
        let order = result.scores.indices.sorted { (result.scores[$0], -$0) > (result.scores[$1], -$1) }
        if let top = args.count("--top") { return Array(order.prefix(top)) }
        if let bottom = args.count("--bottom") { return Array(order.suffix(bottom).reversed()) }
        return Array(result.scores.indices)
    }

    static func csv(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }

    /// The table of scores; `reduction` names how a group's member scores were combined.
    static func text(_ name: String, _ result: ChannelScores, _ rows: [Int], _ console: any Console, reduction: ScoreReduction?) -> String {
        var table = Table([("channel", .right), ("score", .right), ("rank", .right), ("", .left)])
        for k in rows {
            let note = result.dead.contains(k) ? "dead"
                : result.nearest.map { "most like \($0[k].channel) (cosine \(String(format: "%.3f", $0[k].similarity)))" } ?? ""
            table.rows.append([String(k), Format.stat(result.scores[k]), String(result.ranks[k]), note])
        }
        let combined = reduction.map { ", the \($0.rawValue) over its layers" } ?? ""
        var out = "\(name) by \(result.criterion.rawValue)\(combined) (higher = more important; rank 0 is the most important)\n"
        out += table.render(for: console) + histogram(result.scores)
        if !result.dead.isEmpty { out += "dead channels: \(ChannelPreview.ranges(result.dead.sorted()))\n" }
        if let clusters = result.clusters {
            out += clusters.isEmpty ? "no channels duplicate another (cosine ≥ 0.9)\n"
                : "near-duplicate channels (cosine ≥ 0.9): " + clusters.map { "{" + $0.map(String.init).joined(separator: ", ") + "}" }.joined(separator: " ") + "\n"
        }
        return out
    }

    /// A ten-bin text histogram of the scores.
    static func histogram(_ scores: [Double]) -> String {
        guard let low = scores.min(), let high = scores.max(), high > low else { return "" }
        var counts = [Int](repeating: 0, count: 10)
        for s in scores { counts[min(9, Int((s - low) / (high - low) * 10))] += 1 }
        let peak = counts.max() ?? 1
        return "histogram:\n" + counts.enumerated().map { i, n in
            let from = low + (high - low) * Double(i) / 10
            return String(format: "  %10.4g │", from) + String(repeating: "█", count: n * 30 / max(1, peak)) + " \(n)\n"
        }.joined()
    }
}
