// The `--surgery` part of scalpel-bench: times one `delete channels` edit, a global prune and
// their undos through ScalpelShell exactly as the shell runs them, then times the ScalpelCore
// steps those commands are made of, to show where the time goes.

import Foundation
import ScalpelCore
import ScalpelShell

/// The command lines the surgery benchmark runs.
enum SurgeryLines {
    /// The layer whose channels the single edit deletes.
    static let layer = "layer2.0.conv1"
    /// The channels the single edit deletes.
    static let channels = [0, 5, 9]
    /// One channel edit: dependency analysis, slicing, whole-graph shape check and summary.
    static let edit = "delete channels \(layer) " + channels.map(String.init).joined(separator: " ")
    /// The global prune to half the parameters.
    static let prune = "prune --global --by l1 --target-params 0.5"
    /// The target fraction of parameters `prune` keeps.
    static let pruneTarget = PruneTarget.parameters(0.5)
}

/// Named timing samples in milliseconds, kept in the order they were first recorded.
struct SampleSet {
    /// Names in first-recorded order.
    private(set) var names: [String] = []
    /// Samples by name.
    private(set) var samples: [String: [Double]] = [:]

    /// Records one sample under `name`.
    mutating func add(_ name: String, _ ms: Double) {
        if samples[name] == nil { names.append(name) }
        samples[name, default: []].append(ms)
    }

    /// Runs `body`, records its time under `name` and returns its result.
    mutating func time<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let (result, ms) = try timed(body)
        add(name, ms)
        return result
    }

    /// `{"name": median, …}` as JSON.
    var jsonMedians: String { json(median) }
    /// `{"name": min, …}` as JSON.
    var jsonMinima: String { json { $0.min() ?? .nan } }

    /// A JSON object mapping each name to `statistic` of its samples.
    private func json(_ statistic: ([Double]) -> Double) -> String {
        "{" + names.map { "\(jsonString($0)): \(String(format: "%.4f", statistic(samples[$0]!)))" }.joined(separator: ", ") + "}"
    }
}

/// Drives a ScalpelShell session the way the shell does, one command line at a time.
struct ShellDriver {
    /// The session the commands change.
    var session: Session
    /// What the last command printed.
    private(set) var lastOutput = ""

    /// A session over the model at `path` (loaded untimed).
    init(path: String) throws {
        session = try Session(loading: path)
    }

    /// Runs one command line and returns how long `CommandRunner.run` took, in milliseconds.
    mutating func run(_ line: String) throws -> Double {
        var console: any Console = StringConsole()
        let (_, ms) = try timed { try CommandRunner.run(line, session: &session, console: &console) }
        lastOutput = ((console as? StringConsole)?.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return ms
    }

    /// The current model's parameter count.
    func parameters() throws -> Int { try session.current().summary.totalParameters }
}

/// Times the surgery commands and their ScalpelCore steps, and prints one JSON object.
func runSurgery(_ options: Options) throws {
    let n = options.repeatCount
    var shell = try ShellDriver(path: options.model)
    let paramsBefore = try shell.parameters()
    var commands = SampleSet()

    // The single edit: warm up once, then edit → undo N times, so every repeat starts from the original.
    _ = try shell.run(SurgeryLines.edit)
    let editParams = try shell.parameters()
    let editMessage = shell.lastOutput
    _ = try shell.run("undo")
    for _ in 0..<n {
        commands.add("edit", try shell.run(SurgeryLines.edit))
        commands.add("edit_undo", try shell.run("undo"))
    }

    // The global prune, the same way.
    _ = try shell.run(SurgeryLines.prune)
    let pruneParams = try shell.parameters()
    let pruneMessage = shell.lastOutput
    _ = try shell.run("undo")
    for _ in 0..<n {
        commands.add("prune", try shell.run(SurgeryLines.prune))
        commands.add("prune_undo", try shell.run("undo"))
    }
    guard try shell.parameters() == paramsBefore else {
        throw BenchError(message: "undo did not restore the original parameter count")
    }

    // The same work step by step, straight through ScalpelCore, on the original model.
    let doc = try shell.session.current()
    let steps = try timeSteps(model: doc.model, shapes: doc.shapes, repeatCount: n)

    print("{\"model\": \(jsonString(options.model)), \"repeat\": \(n), \"params_before\": \(paramsBefore), "
        + "\"edit\": {\"line\": \(jsonString(SurgeryLines.edit)), \"output\": \(jsonString(editMessage)), \"params_after\": \(editParams)}, "
        + "\"prune\": {\"line\": \(jsonString(SurgeryLines.prune)), \"output\": \(jsonString(pruneMessage)), \"params_after\": \(pruneParams)}, "
        + "\"median_ms\": \(commands.jsonMedians), \"min_ms\": \(commands.jsonMinima), "
        + "\"steps_median_ms\": \(steps.jsonMedians)}")
}

/// Times the ScalpelCore steps of both commands `repeatCount` times (after one warm-up) on a
/// fresh copy of `model` each time; names are `edit.STEP` and `prune.STEP`.
func timeSteps(model: Model, shapes: ShapeInfo, repeatCount: Int) throws -> SampleSet {
    var steps = SampleSet()
    let opset = model.opsetVersion() ?? 17
    for round in 0...repeatCount {
        var s = SampleSet()
        // delete channels LAYER CHANNELS
        var graph = model.graph
        let position = try s.time("edit.resolve layer") { try LayerResolver(graph: graph, shapes: shapes).resolve(SurgeryLines.layer) }
        let group = try s.time("edit.ChannelDependency.group") {
            try ChannelDependency.group(of: position, channels: SurgeryLines.channels, graph: graph, shapes: shapes)
        }
        try s.time("edit.Graph.delete") { try graph.delete(ChannelDeletion(group), shapes: shapes, opset: opset) }
        let editShapes = s.time("edit.ShapeInference.infer") { ShapeInference.infer(graph) }
        let editSummary = s.time("edit.ModelSummary") { ModelSummary(graph: graph, shapes: editShapes) }
        withExtendedLifetime(editSummary) {}

        // prune --global --by l1 --target-params 0.5
        graph = model.graph
        let pruning = s.time("prune.GlobalPruning.init (groups, scores)") {
            GlobalPruning(graph: graph, shapes: shapes, norm: .l1)
        }
        let counts = s.time("prune.plan") { pruning.plan(SurgeryLines.pruneTarget, minChannels: 1) }
        let deletion = try s.time("prune.deletion (ChannelDependency per group)") { try pruning.deletion(counts, shapes: shapes) }
        try s.time("prune.Graph.delete") { try graph.delete(deletion, shapes: shapes, opset: opset) }
        let pruneShapes = s.time("prune.ShapeInference.infer") { ShapeInference.infer(graph) }
        let pruneSummary = s.time("prune.ModelSummary") { ModelSummary(graph: graph, shapes: pruneShapes) }
        withExtendedLifetime(pruneSummary) {}

        if round > 0 {
            for name in s.names { for ms in s.samples[name]! { steps.add(name, ms) } }
        }
    }
    return steps
}
