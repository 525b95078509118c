import Foundation
import ScalpelCore
import ScalpelEngine
import ScalpelScoring
import ScalpelTraining

/// `finetune`: trains the current model's weights on labelled data, as one undo step.
enum FinetuneCommand {
    static let spec = CommandSpec(
        name: "finetune",
        summary: "train every weight (Conv, ConvTranspose, Gemm, MatMul, BatchNorm γ/β with running statistics in training mode) on shuffled minibatches with a progress bar; keeps the best epoch on `--val`; Ctrl-C stops keeping the last finished epoch; one undo step",
        options: DataOptions.reading(required: true) + [
            .value("--epochs", "E", .count, required: true, "passes over the data"),
            .value("--lr", "F", .number, "learning rate (default 0.01 for sgd, 0.001 for adam)"),
            .value("--momentum", "F", .number, "SGD momentum (default 0.9)"),
            .value("--weight-decay", "F", .number, "L2 weight decay (default 0)"),
            .value("--batch", "N", .count, "minibatch size (default 32)"),
            .value("--val", "FILE", .path, "a labelled dataset to keep the best epoch on"),
            .choice("--optimizer", Optimizer.Method.allCases.map(\.rawValue), "sgd (default) or adam"),
            .choice("--schedule", LearningRateSchedule.allCases.map(\.rawValue), "learning-rate schedule (default cosine)"),
            .value("--seed", "N", .wholeNumber, "seed of the shuffling (default 0)"),
        ],
        example: "finetune --data examples/digits_train.npz --epochs 3 --lr 0.01 --val examples/digits_test.npz",
        changesSession: true,
        run: { args, session, console in
            _ = try args.positionals(0, "")
            let doc = try session.current()
            guard let epochs = args.count("--epochs") else { throw args.usageError("missing --epochs E") }
            let batch = args.count("--batch") ?? 32
            let seed = DataOptions.seed(args)
            let optimizer = try makeOptimizer(args)
            let train = try DataOptions.load(args, for: doc)
            let validation = try args.option("--val").map { _ in try DataOptions.load(args, option: "--val", for: doc) }
            var training = try FineTuning(graph: doc.model.graph, optimizer: optimizer)
            if !training.untied.isEmpty {
                let pairs = training.untied.map { "\($0.value) (was \($0.source))" }
                console.line("gave \(pairs.count) parameter(s) read through another tensor their own copy: "
                    + pairs.prefix(4).joined(separator: ", ") + (pairs.count > 4 ? ", … (\(pairs.count) in all)" : ""))
            }
            let before = try validation.map { try Evaluation.run(engine: try Engine(graph: doc.model.graph, shapes: doc.shapes), dataset: $0, batchSize: batch) }
            if let before { console.line("before: validation top-1 \(Format.percent(before.top1)), loss \(String(format: "%.4f", before.meanLoss))") }
            var bar = ProgressBar(console: console)
            let schedule = args.choice("--schedule", as: LearningRateSchedule.self) ?? .cosine
            let settings = FineTuningSettings(epochs: epochs, batchSize: batch, optimizer: optimizer, schedule: schedule, seed: seed)
            let result = try Interruption.catching { interrupted in
                try training.run(train: train, validation: validation, settings: settings, progress: { p in
                    bar.update(p.done, p.total, &console, before: "epoch \(p.epoch)/\(p.epochs) ",
                               after: String(format: "  loss %.4f  accuracy %.2f%%", p.loss, p.accuracy * 100))
                }, finished: { report in
                    bar.finish(&console)
                    console.line(describe(report, epochs: epochs))
                }, shouldStop: interrupted)
            }
            bar.finish(&console)
            guard let kept = result.keptEpoch else {
                throw ShellError.refused("interrupted during epoch 1, before any epoch finished; the model is unchanged")
            }
            let how = "\(optimizer.method.rawValue), lr \(Format.stat(Double(optimizer.learningRate))) \(schedule.rawValue)"
            var message = result.interrupted
                ? "stopped by Ctrl-C after \(result.epochs.count) of \(epochs) epochs (\(how)); kept epoch \(kept)'s weights"
                : "fine-tuned \(epochs) epoch\(epochs == 1 ? "" : "s") (\(how)); kept epoch \(kept)'s weights"
            if let before, let after = result.epochs[kept - 1].validation {
                message += "; validation top-1 \(Format.percent(before.top1)) → \(Format.percent(after.top1))"
            }
            let record = try session.edit(args.line) { model, _ in
                model.graph = result.graph
                return message
            }
            console.line(record.message)
        })

    /// One line per finished epoch: training loss and accuracy, and the validation result.
    static func describe(_ r: EpochReport, epochs: Int) -> String {
        var text = "epoch \(r.epoch)/\(epochs): train loss \(String(format: "%.4f", r.loss)), accuracy \(Format.percent(r.accuracy))"
        if let v = r.validation { text += "; validation top-1 \(Format.percent(v.top1)), loss \(String(format: "%.4f", v.meanLoss))" }
        return text
    }

    /// The optimizer the options describe; SGD's default rate is 0.01 with momentum 0.9, Adam's 0.001.
    static func makeOptimizer(_ args: Arguments) throws -> Optimizer {
        func number(_ option: String, _ fallback: Float, allowZero: Bool = true) throws -> Float {
            guard let text = args.option(option) else { return fallback }
            guard let v = Float(text), v.isFinite, v > 0 || (allowZero && v == 0) else {
                throw args.usageError("\(option) wants a \(allowZero ? "non-negative" : "positive") number, not '\(text)'")
            }
            return v
        }
        let method = args.choice("--optimizer", as: Optimizer.Method.self) ?? .sgd
        let decay = try number("--weight-decay", 0)
        switch method {
        case .sgd:
            return Optimizer(.sgd, learningRate: try number("--lr", 0.01, allowZero: false), momentum: try number("--momentum", 0.9), weightDecay: decay)
        case .adam:
            guard args.option("--momentum") == nil else { throw args.usageError("--momentum is for sgd; Adam's moments use β = (0.9, 0.999)") }
            return Optimizer(.adam, learningRate: try number("--lr", 0.001, allowZero: false), weightDecay: decay)
        }
    }
}
