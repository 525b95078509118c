import Foundation
import ONNXProto
import ScalpelCore
import ScalpelEngine
import ScalpelShell

/// Loads a model from the bytes, infers its shapes, and renders what `summary` shows.
func loadModel(_ bytes: UnsafeRawBufferPointer) {
    guard let model = try? Model(serialized: Data(bytes), directory: nil) else { return }
    inspect(model)
}

/// What loading shows of a model: shapes, warnings and the summary.
@discardableResult
func inspect(_ model: Model) -> ShapeInfo {
    let shapes = ShapeInference.infer(model.graph)
    _ = model.warnings
    _ = ModelSummary(graph: model.graph, shapes: shapes)
    return shapes
}

/// Commands that touch files or run for long are not fuzzed: they would write anywhere on disk.
let skipped: Set<String> = ["save", "save-script", "graph", "source", "load", "run", "eval", "finetune", "quit", "critical"]

/// Runs `lines` on `session`, skipping file writers and data commands; errors are expected.
func run(_ lines: [Substring], on session: inout Session) {
    var console: any Console = StringConsole()
    for line in lines {
        let first = line.split(separator: " ").first.map(String.init) ?? ""
        guard !skipped.contains(first), !line.contains("--data"), !line.contains("--plot") else { continue }
        _ = try? CommandRunner.run(String(line), session: &session, console: &console)
    }
}

/// The session the command target starts every input from.
nonisolated(unsafe) var pristine: Session?

/// Runs up to 8 lines of the bytes as commands on a fresh copy of the session.
func runCommands(_ bytes: UnsafeRawBufferPointer) {
    guard var session = pristine else { return }
    run(Array(String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).prefix(8)), on: &session)
}

/// The real models the structure-aware target mutates (decoded once).
nonisolated(unsafe) var seedModels: [Onnx_ModelProto] = []

/// Where the structure-aware target writes each mutant for a session to load.
let mutantPath = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-fuzz-\(getpid()).onnx").path

/// Edits the structure-aware target tries on a mutant, with `NAME` a layer of it.
let editTemplates = ["delete channels NAME 0", "delete channels NAME 1-3", "delete layer NAME", "prune NAME --ratio 0.5 --by l1",
                     "score NAME --by l2", "group NAME 0", "show NAME", "insert after NAME Relu", "replace NAME BatchNormalization",
                     "rename NAME x", "prune --global 0.5 --by l1", "input-shape 2", "undo", "summary", "diff"]

/// Mutates a real model by the bytes (``ModelMutator``), loads the mutant, edits it and, when
/// its activations are small, runs it on the engine.
func mutateModel(_ raw: UnsafeRawBufferPointer) {
    var bytes = FuzzBytes(raw)
    guard !seedModels.isEmpty else { return }
    var mutator = ModelMutator(seedModels[bytes.index(seedModels.count)], bytes: bytes)
    let proto = mutator.mutant()
    bytes = mutator.bytes
    guard let data = try? proto.serializedData(), let model = try? Model(serialized: data, directory: nil) else { return }
    let shapes = inspect(model)
    runOnEngine(model, shapes: shapes)
    let names = model.graph.nodes.map { model.graph.displayName(of: $0) }
    guard !names.isEmpty, FileManager.default.createFile(atPath: mutantPath, contents: data),
          var session = try? Session(loading: mutantPath) else { return }
    let lines = (0...(bytes.byte() % 3)).map { _ in
        Substring(editTemplates[bytes.index(editTemplates.count)].replacingOccurrences(of: "NAME", with: names[bytes.index(names.count)]))
    }
    run(lines, on: &session)
}

/// Runs the model once on a batch of one, when every activation's size is known and all of them
/// together hold at most 2^24 numbers (a bigger model is a fair request, but not for a fuzzer).
func runOnEngine(_ model: Model, shapes: ShapeInfo) {
    guard let engine = try? Engine(graph: model.graph, shapes: shapes) else { return }
    var inputs: [ValueID: Activation] = [:]
    for input in engine.inputs {
        let shape = batchOfOne(shapes[input.id])
        guard let count = SizeLimit.count(shape), count <= 1 << 20 else { return }
        inputs[input.id] = Activation(shape: shape, values: (0..<count).map { Float($0 % 7) - 3 })
    }
    var total = 0
    for node in model.graph.nodes {
        for output in node.outputs {
            guard let count = SizeLimit.count(batchOfOne(shapes[output])) else { return }
            total += count
            guard total <= 1 << 24 else { return }
        }
    }
    _ = try? engine.run(inputs)
}

/// The shape with every symbolic size (the batch) 1; `[Int.max]` (too big to run) when a size or the rank is unknown.
func batchOfOne(_ type: ValueType) -> [Int] {
    guard let dims = type.dims else { return [Int.max] }
    var shape: [Int] = []
    for dim in dims {
        switch dim {
        case let .value(v): shape.append(v)
        case .symbol: shape.append(1)
        case .unknown: return [Int.max]
        }
    }
    return shape
}
