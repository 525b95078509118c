import ScalpelCore
import ScalpelData
import ScalpelEngine
import ScalpelScoring
import ScalpelTraining

/// `recalibrate`: re-estimates every BatchNorm's running statistics on data, as one undo step.
enum RecalibrateCommand {
    static let spec = CommandSpec(
        name: "recalibrate",
        summary: "re-estimate every BatchNorm's running mean and variance on (unlabelled) data, as PyTorch does in training mode with momentum=None: repairs a cut without training; one undo step",
        options: DataOptions.reading(required: true) + [
            .value("--batches", "N", .count, "read only the first N batches of the data"),
            .value("--batch", "N", .count, "batch size (default 32): each batch's statistics count once"),
            DataOptions.json,
        ],
        example: "recalibrate --data examples/digits_train.npz --batches 20",
        changesSession: true,
        run: { args, session, console in
            _ = try args.positionals(0, "")
            let doc = try session.current()
            let data = try DataOptions.load(args, for: doc)
            let batch = args.count("--batch") ?? 32
            var bar = ProgressBar(console: console)
            let (graph, layers, samples) = try Recalibration.run(graph: doc.model.graph, dataset: data, batchSize: batch, batches: DataOptions.batches(args)) { done, total in
                bar.update(done, total, &console, before: "recalibrating ", after: "")
            }
            bar.finish(&console)
            let record = try session.edit(args.line) { model, _ in
                model.graph = graph
                return "recalibrated \(layers.count) BatchNorm layer\(layers.count == 1 ? "" : "s") on \(samples) samples"
            }
            if args.flag("--json") {
                console.line(JSON.array(layers.map { layer in
                    JSON.object([("layer", .string(layer.layer)), ("channels", .int(layer.channels)),
                                 ("largest_mean_shift", .double(Double(layer.largestMeanShift))),
                                 ("median_variance_ratio", .double(Double(layer.medianVarianceRatio)))])
                }).render())
            } else {
                var table = Table([("BatchNorm", .left), ("channels", .right), ("largest |Δ mean|", .right), ("median variance new/old", .right)])
                for layer in layers {
                    table.rows.append([layer.layer, "\(layer.channels)", Format.stat(Double(layer.largestMeanShift)), Format.stat(Double(layer.medianVarianceRatio))])
                }
                console.write(table.render(for: console))
            }
            console.line(record.message)
        })
}
