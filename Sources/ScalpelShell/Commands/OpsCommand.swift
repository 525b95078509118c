import ScalpelCore
import ScalpelEngine

/// `ops`: what Scalpel can do with each op — infer its shapes, carry channels through it, run
/// it, train through it — for the loaded model's ops, or for every op Scalpel knows.
enum OpsCommand {
    static let spec = CommandSpec(
        name: "ops",
        summary: "for each op of the model (or, with --all, every op Scalpel knows): whether Scalpel infers its shapes, "
            + "carries channels through it (and how), runs it and trains through it, with the reason where not",
        options: [.flag("--all", "every op Scalpel knows, not only the model's"), DataOptions.json],
        example: "ops",
        details: "every op loads and saves unchanged, whether Scalpel understands it or not",
        run: { args, session, console in
            _ = try args.positionals(0, "")
            let counts: [OpType: Int] = Dictionary(session.document?.model.graph.nodes.map { ($0.op, 1) } ?? [], uniquingKeysWith: +)
            let ops = args.flag("--all") || counts.isEmpty ? OpType.known + counts.keys.filter { $0.family == nil }.sorted { $0.name < $1.name }
                : counts.keys.sorted { $0.name < $1.name }
            let rows = ops.map { op in OpFacets(op: op, nodes: counts[op]) }
            if args.flag("--json") {
                console.line(JSON.array(rows.map(\.json)).render())
                return
            }
            var table = Table([("op", .left), ("nodes", .right), ("shapes", .left), ("channels", .left), ("runs", .left), ("trains", .left)])
            for r in rows.sorted(by: { $0.op.name < $1.op.name }) {
                table.rows.append([r.op.name, r.nodes.map(String.init) ?? "", r.shapes ? "yes" : "no",
                                   r.channels.value?.rawValue ?? "no: \(r.channels.gap ?? "")",
                                   r.kernelGap.map { "no: \($0)" } ?? "yes", r.gradientGap.map { "no: \($0)" } ?? "yes"])
            }
            console.write(table.render(for: console))
            let lacking = rows.filter { $0.nodes != nil && !$0.isComplete }
            if !counts.isEmpty {
                console.line(lacking.isEmpty ? "every op of the model has every facet"
                    : "\(lacking.count) of the model's \(counts.count) op types lack a facet: " + lacking.map(\.op.name).sorted().joined(separator: ", "))
            }
        })

    /// One op's facets.
    struct OpFacets {
        let op: OpType
        let nodes: Int?
        let shapes: Bool
        let channels: Facet<ChannelRule>
        let kernelGap: String?
        let gradientGap: String?

        init(op: OpType, nodes: Int?) {
            (self.op, self.nodes) = (op, nodes)
            shapes = op.infersShapes
            channels = op.channels
            kernelGap = EngineSupport.kernelGap(op)
            gradientGap = EngineSupport.gradientGap(op)
        }

        /// Whether Scalpel does everything with it.
        var isComplete: Bool { shapes && channels.value != nil && kernelGap == nil && gradientGap == nil }

        var json: JSON {
            .object([("op", .string(op.name)), ("nodes", nodes.map(JSON.int) ?? .null), ("shapes", .bool(shapes)),
                     ("channels", channels.value.map { .string($0.rawValue) } ?? .null), ("channels_gap", channels.gap.map(JSON.string) ?? .null),
                     ("runs", .bool(kernelGap == nil)), ("runs_gap", kernelGap.map(JSON.string) ?? .null),
                     ("trains", .bool(gradientGap == nil)), ("trains_gap", gradientGap.map(JSON.string) ?? .null)])
        }
    }
}
