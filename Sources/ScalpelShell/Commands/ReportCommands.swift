import Foundation
import ScalpelCore

/// `history` and `diff`: what the edits in effect did.
enum ReportCommands {
    static let history = CommandSpec(
        name: "history",
        summary: "the edits in effect, with parameters and MACs before → after",
        options: [DataOptions.json],
        example: "history",
        run: { args, session, console in
            _ = try args.positionals(0, "")
            let doc = try session.current()
            if args.flag("--json") {
                console.line(JSON.array(doc.edits.map { e in
                    .object([("command", .string(e.line)), ("result", .string(e.message)),
                             ("params_before", .int(e.parameters.before)), ("params_after", .int(e.parameters.after)),
                             ("macs_before", .int(e.macs.before)), ("macs_after", .int(e.macs.after))])
                }).render())
                return
            }
            guard !doc.edits.isEmpty else {
                console.line("no edits since \(doc.path) was loaded" + (doc.canRedo ? " (redo has some)" : ""))
                return
            }
            var table = Table([("#", .right), ("command", .left), ("params", .left), ("MACs", .left), ("top-1", .left)])
            for (i, e) in doc.edits.enumerated() {
                let accuracy = doc.evaluations(around: e)
                table.rows.append([String(i + 1), e.line, change(e.parameters.before, e.parameters.after, Format.grouped),
                                   change(e.macs.before, e.macs.after, Format.compact),
                                   [accuracy.before, accuracy.after].map { $0.map { Format.percent($0.top1) } ?? "?" }.joined(separator: " → ")])
            }
            console.write(table.render(for: console))
            console.line("\(doc.isModified ? "unsaved" : "saved")")
        })

    static let diff = CommandSpec(
        name: "diff",
        summary: "layers added, deleted or changed since load: shapes and parameters before → after",
        options: [DataOptions.json],
        example: "diff --json",
        run: { args, session, console in
            _ = try args.positionals(0, "")
            let doc = try session.current()
            let changes = LayerChanges(before: doc.originalSummary, after: doc.summary)
            if args.flag("--json") {
                console.line(JSON.array(changes.rows.map { row in
                    .object([("layer", .string(row.name)), ("change", .string(row.kind)),
                             ("outputs_before", row.before.map { .array($0.outputs.map(JSON.shape)) } ?? .null),
                             ("outputs_after", row.after.map { .array($0.outputs.map(JSON.shape)) } ?? .null),
                             ("params_before", row.before.map { .int($0.parameters) } ?? .null),
                             ("params_after", row.after.map { .int($0.parameters) } ?? .null)])
                }).render())
                return
            }
            guard !changes.rows.isEmpty else { console.line("no layer differs from \(doc.path) as loaded"); return }
            var table = Table([("layer", .left), ("change", .left), ("output", .left), ("params", .left)])
            for row in changes.rows {
                table.rows.append([row.name, row.kind,
                                   arrow(row.before.map { Format.shapes($0.outputs) }, row.after.map { Format.shapes($0.outputs) }),
                                   arrow(row.before.map { Format.grouped($0.parameters) }, row.after.map { Format.grouped($0.parameters) })])
            }
            console.write(table.render(for: console))
            console.line("parameters: \(change(doc.originalSummary.totalParameters, doc.summary.totalParameters, Format.grouped))"
                + "   MACs per sample: \(change(doc.originalSummary.totalMACs, doc.summary.totalMACs, Format.compact))"
                + (doc.originalEvaluation.map { before in
                    "   top-1: \(Format.percent(before.top1)) → \(doc.currentEvaluation.map { Format.percent($0.top1) } ?? "? (run eval)")"
                } ?? ""))
        })

    /// `1,000 → 800 (-20.0%)`, or the one value when unchanged.
    static func change(_ a: Int, _ b: Int, _ format: (Int) -> String) -> String {
        guard a != b else { return format(a) }
        let percent = a == 0 ? "" : String(format: " (%+.1f%%)", Double(b - a) / Double(a) * 100)
        return "\(format(a)) → \(format(b))\(percent)"
    }

    private static func arrow(_ a: String?, _ b: String?) -> String {
        switch (a, b) {
        case let (a?, b?): a == b ? a : "\(a) → \(b)"
        case let (a?, nil): "\(a) → —"
        case let (nil, b?): "— → \(b)"
        default: ""
        }
    }
}

/// Layers added, removed or changed between two summaries, matched by node identity.
struct LayerChanges {
    /// One changed layer.
    struct Row {
        let name: String
        let kind: String
        let before: LayerRow?
        let after: LayerRow?
    }

    let rows: [Row]

    init(before: ModelSummary, after: ModelSummary) {
        let old = Dictionary(before.rows.map { ($0.node, $0) }, uniquingKeysWith: { a, _ in a })
        let new = Set(after.rows.map(\.node))
        var rows: [Row] = []
        for row in after.rows {
            guard let was = old[row.node] else { rows.append(Row(name: row.name, kind: "added", before: nil, after: row)); continue }
            var what: [String] = []
            if was.name != row.name { what.append("renamed from \(was.name)") }
            if was.outputs != row.outputs || was.inputs != row.inputs { what.append("shape") }
            if was.parameters != row.parameters { what.append("params") }
            if was.opType != row.opType { what.append("op \(was.opType) → \(row.opType)") }
            if !what.isEmpty { rows.append(Row(name: row.name, kind: what.joined(separator: ", "), before: was, after: row)) }
        }
        for row in before.rows where !new.contains(row.node) {
            rows.append(Row(name: row.name, kind: "deleted", before: row, after: nil))
        }
        self.rows = rows
    }
}
