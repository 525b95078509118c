import ScalpelCore
import ScalpelEngine

/// `ops`: what Scalpel can do with each op — infer its shapes, carry channels through it, run
/// it, train through it — for the loaded model's ops, or for every op Scalpel knows.
enum OpsCommand {
    static let spec = CommandSpec(
        name: "ops",
        summary: "for each op of the model (or, with --all, every op Scalpel knows): whether Scalpel infers its shapes, "
            + "carries channels through it (and how), runs it and trains through it, with the reason where not",
        options: [.flag("--all", "every op Scalpel knows, not only the model's"), DataOptions.json,
                  .flag("--markdown", "print the README's op table: each family's ops and those that lack a facet")],
        example: "ops",
        details: "every op loads and saves unchanged, whether Scalpel understands it or not",
        run: { args, session, console in
            _ = try args.positionals(0, "")
            if args.flag("--markdown") {
                console.write(markdownTable)
                return
            }
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
            if let doc = session.document { console.line(gaps(of: doc.model.graph, shapes: doc.shapes) ?? "every op of the model has every facet") }
        })

    /// A line naming the model's ops that lack a facet and which (`Range (runs)`), nil when none
    /// does; nodes whose outputs are constants (weights in Constant nodes, folded shape arithmetic)
    /// never run, so they lack nothing.
    static func gaps(of graph: Graph, shapes: ShapeInfo) -> String? {
        let computed = graph.nodes.filter { node in !node.outputs.allSatisfy { shapes.constants[$0] != nil || shapes.folded[$0] != nil } }
        let ops = Set(computed.map(\.op)).sorted { $0.name < $1.name }
        let lacking: [String] = ops.compactMap { op in
            let missing = OpFacets(op: op).missing
            return missing.isEmpty ? nil : "\(op.name) (" + missing.joined(separator: ", ") + ")"
        }
        guard !lacking.isEmpty else { return nil }
        return "\(lacking.count) of the model's \(ops.count) op types lack a facet: " + lacking.joined(separator: "; ") + "; `ops` says why"
    }

    /// The README's op table: per family, its ops and those lacking each facet (`ops --all` says why).
    static var markdownTable: String {
        let families = Dictionary(grouping: OpType.known, by: \.familyName)
        let order = OpType.known.map(\.familyName).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        func list(_ ops: [OpType]) -> String { ops.isEmpty ? "—" : ops.map(\.name).joined(separator: ", ") }
        var out = "| family | ops | no channel rule | no kernel | no gradient |\n|---|---|---|---|---|\n"
        for name in order {
            let ops = families[name] ?? []
            let facets = ops.map { OpFacets(op: $0) }
            out += "| \(name) | \(list(ops)) | \(list(facets.filter { $0.channels.value == nil }.map(\.op))) | "
                + "\(list(facets.filter { $0.kernelGap != nil }.map(\.op))) | \(list(facets.filter { $0.gradientGap != nil }.map(\.op))) |\n"
        }
        let all = OpType.known.map { OpFacets(op: $0) }
        return out + "\n\(all.count) ops: \(all.filter(\.shapes).count) infer shapes, \(all.filter { $0.channels.value != nil }.count) carry channels, "
            + "\(all.filter { $0.kernelGap == nil }.count) run, \(all.filter { $0.gradientGap == nil }.count) train.\n"
    }

    /// One op's facets.
    struct OpFacets {
        let op: OpType
        let nodes: Int?
        let shapes: Bool
        let channels: Facet<ChannelRule>
        let kernelGap: String?
        let gradientGap: String?

        init(op: OpType, nodes: Int? = nil) {
            (self.op, self.nodes) = (op, nodes)
            shapes = op.infersShapes
            channels = op.channels
            kernelGap = EngineSupport.kernelGap(op)
            gradientGap = EngineSupport.gradientGap(op)
        }

        /// The facets it lacks, by name.
        var missing: [String] {
            [shapes ? nil : "shapes", channels.value == nil ? "channels" : nil, kernelGap == nil ? nil : "runs",
             gradientGap == nil ? nil : "trains"].compactMap { $0 }
        }

        var json: JSON {
            .object([("op", .string(op.name)), ("nodes", nodes.map(JSON.int) ?? .null), ("shapes", .bool(shapes)),
                     ("channels", channels.value.map { .string($0.rawValue) } ?? .null), ("channels_gap", channels.gap.map(JSON.string) ?? .null),
                     ("runs", .bool(kernelGap == nil)), ("runs_gap", kernelGap.map(JSON.string) ?? .null),
                     ("trains", .bool(gradientGap == nil)), ("trains_gap", gradientGap.map(JSON.string) ?? .null)])
        }
    }
}
