import Foundation
import ScalpelCore
import ScalpelEngine
import ScalpelData
import ScalpelScoring

/// `eval` and `run`: the model on data.
enum RunCommands {
    static let eval = CommandSpec(
        name: "eval",
        summary: "top-1 (and top-5) accuracy, mean loss (of the outputs as logits, probabilities or log-probabilities), per-class accuracy on a labelled `.npz`/`.npy`/IDX dataset; remembered, so `history` and `diff` show accuracy before → after",
        options: DataOptions.reading(required: true) + [
            .flag("--per-class", "accuracy of every class"),
            .value("--limit", "N", .count, "evaluate the first N samples only"),
            .value("--batch", "N", .count, "samples per run of the engine (default 32)"),
            DataOptions.json,
        ],
        example: "eval --data examples/digits_test.npz --per-class",
        run: { args, session, console in
            _ = try args.positionals(0, "")
            let doc = try session.current()
            let dataset = try DataOptions.load(args, for: doc)
            let limit = args.count("--limit")
            let batch = args.count("--batch") ?? 32
            let engine = try Engine(graph: doc.model.graph, shapes: doc.shapes)
            var bar = ProgressBar(console: console)
            let result = try Evaluation.run(engine: engine, dataset: dataset, limit: limit, batchSize: batch) { done, total in
                bar.update(done, total, &console)
            }
            bar.finish(&console)
            try session.modify { $0.record(result) }
            console.write(args.flag("--json") ? json(result).render() + "\n" : text(result, perClass: args.flag("--per-class"), console))
        })

    static let run = CommandSpec(
        name: "run",
        summary: "run the model on inputs from a .npy/.npz/IDX file and show or save the outputs",
        options: [
            .value("--input", "FILE", .path, required: true, "the inputs: .npy, .npz (its x) or IDX"),
            .value("--output", "OUT.npy", .path, "write the outputs here"),
            .value("-o", "OUT.npy", .path, "the same as --output"),
            DataOptions.json,
        ],
        example: "run --input batch.npy -o logits.npy",
        run: { args, session, console in
            _ = try args.positionals(0, "")
            guard let path = args.option("--input") else { throw args.usageError("--input names the file of inputs") }
            let doc = try session.current()
            let data = try Dataset.load(path: path, sampleRank: DataOptions.sampleRank(of: doc))
            let engine = try Engine(graph: doc.model.graph, shapes: doc.shapes)
            guard let input = engine.inputs.first, let outputID = doc.model.graph.outputs.first?.id else {
                throw EngineError.badInput("the model has no data input or no output")
            }
            let outputs = try engine.run([input.id: Activation(shape: data.shape, values: data.images)])
            guard let y = outputs[outputID] else { throw EngineError.badInput("the model produced no '\(outputID)'") }
            if let out = args.option("-o") ?? args.option("--output") {
                try session.write(Data(NPY.encode(y.values, shape: y.shape)), to: out, message: nil, console: &console)
            }
            if args.flag("--json") {
                console.line(JSON.object([("output", .string(outputID.name)), ("shape", .array(y.shape.map(JSON.int))),
                                          ("values", .array(y.values.map { .double(Double($0)) }))]).render())
                return
            }
            console.line("\(outputID): \(y.shape) from \(data.count) input(s)")
            if y.shape.count == 2 {
                let classes = y.shape[1]
                for n in 0..<min(y.shape[0], 20) {
                    let row = Array(y.values[(n * classes)..<((n + 1) * classes)])
                    let best = row.indices.max { row[$0] < row[$1] } ?? 0
                    console.line("  \(n): class \(best) (score \(Format.stat(Double(row[best]))))")
                }
                if y.shape[0] > 20 { console.line("  … \(y.shape[0] - 20) more") }
            }
        })

    static func text(_ r: EvaluationResult, perClass: Bool, _ console: any Console) -> String {
        var out = "top-1 accuracy: \(Format.percent(r.top1))" + (r.top5.map { "   top-5: \(Format.percent($0))" } ?? "")
            + "   mean loss: \(String(format: "%.4f", r.meanLoss)) (cross-entropy of the outputs as \(r.lossOf.rawValue))   samples: \(r.samples)\n"
        if perClass {
            var table = Table([("class", .right), ("samples", .right), ("correct", .right), ("accuracy", .right)])
            for (c, entry) in r.perClass.enumerated() {
                table.rows.append([String(c), String(entry.samples), String(entry.correct), r.accuracy(ofClass: c).map(Format.percent) ?? "—"])
            }
            out += table.render(for: console)
        }
        return out
    }

    static func json(_ r: EvaluationResult) -> JSON {
        .object([
            ("samples", .int(r.samples)), ("top1", .double(r.top1)), ("top5", r.top5.map(JSON.double) ?? .null),
            ("mean_loss", .double(r.meanLoss)), ("loss_of", .string(r.lossOf.rawValue)),
            ("per_class", .array(r.perClass.enumerated().map { c, e in
                .object([("class", .int(c)), ("samples", .int(e.samples)), ("correct", .int(e.correct))])
            })),
        ])
    }
}

/// A progress bar drawn only on a terminal.
struct ProgressBar {
    private let enabled: Bool
    private var drawnWidth = 0

    init(console: any Console) { enabled = console.width != nil }

    /// Redraws the bar for `done` of `total`, with optional text before and after it.
    mutating func update(_ done: Int, _ total: Int, _ console: inout any Console, before: String = "", after: String = "") {
        guard enabled, total > 0 else { return }
        let width = 30, filled = width * done / total
        let text = before + "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] \(done)/\(total)" + after
        let padding = String(repeating: " ", count: max(0, drawnWidth - text.count))
        console.write("\r" + text + padding)
        drawnWidth = text.count
    }

    /// Clears the bar's line.
    mutating func finish(_ console: inout any Console) {
        if drawnWidth > 0 { console.write("\r" + String(repeating: " ", count: drawnWidth) + "\r") }
        drawnWidth = 0
    }
}
