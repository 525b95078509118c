import ScalpelCore
import ScalpelEngine

/// `ops`: what Scalpel can do with each op — infer its shapes, carry channels through it, run
/// it, train through it — for the loaded model's ops, or for every op Scalpel knows.
enum OpsCommand {
    static let spec = CommandSpec(
        name: "ops",
        summary: "for each op of the model (or, with --all, every op Scalpel knows): whether Scalpel infers its shapes, "
            + "carries channels through it (and how), runs it and trains through it, with the reason where not",
        usage: "ops [--all] [--json]",
        example: "ops",
        details: "every op loads and saves unchanged, whether Scalpel understands it or not",
        flags: ["--all", "--json"],
        run: { args, session, console in
            _ = try args.positionals(0, "")
            let counts: [String: Int] = Dictionary(session.document?.model.graph.nodes.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
                .map { ($0.opType, 1) } ?? [], uniquingKeysWith: +)
            let all = Set(CoreSupport.shapeRuleOps + EngineSupport.kernelOps + ChannelRule.table.keys).union(counts.keys)
            let ops = (args.flag("--all") || counts.isEmpty ? all : Set(counts.keys)).sorted()
            let rows = ops.map { op in OpFacets(op: op, nodes: counts[op]) }
            if args.flag("--json") {
                console.line(JSON.array(rows.map(\.json)).render())
                return
            }
            var table = Table([("op", .left), ("nodes", .right), ("shapes", .left), ("channels", .left), ("runs", .left), ("trains", .left)])
            for r in rows {
                table.rows.append([r.op, r.nodes.map(String.init) ?? "", r.shapes ? "yes" : "no", r.channels?.rawValue ?? "no rule",
                                   r.runs ? "yes" : "no", r.gradientGap.map { "no: \($0)" } ?? "yes"])
            }
            console.write(table.render(for: console))
            let lacking = rows.filter { $0.nodes != nil && !$0.isComplete }
            if !counts.isEmpty {
                console.line(lacking.isEmpty ? "every op of the model has every facet"
                    : "\(lacking.count) of the model's \(counts.count) op types lack a facet: " + lacking.map(\.op).joined(separator: ", "))
            }
        })

    /// One op's facets.
    struct OpFacets {
        let op: String
        let nodes: Int?
        let shapes: Bool
        let channels: ChannelRule?
        let runs: Bool
        let gradientGap: String?

        init(op: String, nodes: Int?) {
            (self.op, self.nodes) = (op, nodes)
            shapes = CoreSupport.infersShapes(op)
            channels = ChannelRule.table[op]
            runs = EngineSupport.runs(op)
            gradientGap = EngineSupport.gradientGap(op)
        }

        /// Whether Scalpel does everything with it.
        var isComplete: Bool { shapes && channels != nil && runs && gradientGap == nil }

        var json: JSON {
            .object([("op", .string(op)), ("nodes", nodes.map(JSON.int) ?? .null), ("shapes", .bool(shapes)),
                     ("channels", channels.map { .string($0.rawValue) } ?? .null), ("runs", .bool(runs)),
                     ("trains", .bool(gradientGap == nil)), ("trains_gap", gradientGap.map(JSON.string) ?? .null)])
        }
    }
}
