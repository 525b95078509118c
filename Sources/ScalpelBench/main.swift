// scalpel-bench MODEL [--repeat N] [--out DIR] [--surgery]
// scalpel-bench MODEL --engine [--repeat N] [--batch B] [--size S] [--warmup W] [--input X.npy]
//                              [--output Y.npy] [--per-op] [--op-repeat K]
// scalpel-bench MODEL --scoring --data X.npy --labels Y.npy [--layer NODE] [--oracle-repeat N]
//                               [--taylor-repeat N] [--scores PREFIX]   (a repeat of 0 skips that criterion)
// scalpel-bench MODEL --training --data X [--labels Y.npy] [--batch B] [--repeat N] [--epoch]
//
// Times ScalpelCore's load, shape inference, serialization and save in process and prints
// one JSON object. scripts/bench runs it beside an equivalent onnx (Python) timing.
// With --surgery it instead times channel surgery (SurgeryBench.swift), which scripts/bench
// compares with Torch-Pruning. With --engine it times ScalpelEngine inference on one batch
// (EngineBench.swift), which scripts/bench compares with ONNX Runtime and PyTorch. With --scoring it
// times the oracle-loss and taylor criteria (ScoringBench.swift), which scripts/bench compares with PyTorch.
// With --training it times training steps or epochs (TrainingBench.swift), compared with PyTorch too.

import Foundation
import ScalpelCore
import ScalpelShell

/// A failure that ends the benchmark with a message and exit status 1.
struct BenchError: Error {
    /// What went wrong, in words.
    var message: String
}

/// The parsed command line.
struct Options {
    /// The model file to time.
    var model: String
    /// How many timed runs of each operation.
    var repeatCount = 10
    /// Where `save` writes; nil means a fresh temporary folder.
    var outDir: String?
    /// Whether to time channel surgery instead of load/save.
    var surgery = false
    /// Whether to time engine inference instead of load/save.
    var engineMode = false
    /// Settings of the engine benchmark.
    var engine = EngineSettings()
    /// Whether to time the scoring criteria instead of load/save.
    var scoringMode = false
    /// Settings of the scoring benchmark.
    var scoring = ScoringSettings()
    /// Whether to time training (steps, or whole epochs with `--epoch`) instead of load/save.
    var trainingMode = false
    /// Whether the training benchmark times whole epochs rather than single steps.
    var trainingEpochs = false

    /// The usage line.
    static let usage = "usage: scalpel-bench MODEL [--repeat N] [--out DIR] [--surgery]\n"
        + "       scalpel-bench MODEL --engine [--repeat N] [--batch B] [--size S] [--warmup W] [--input X.npy] [--output Y.npy] [--per-op] [--op-repeat K]\n"
        + "       scalpel-bench MODEL --scoring --data X.npy --labels Y.npy [--layer NODE] [--oracle-repeat N] [--taylor-repeat N] [--scores PREFIX]\n"
        + "       scalpel-bench MODEL --training --data X [--labels Y.npy] [--batch B] [--repeat N] [--epoch]"

    /// Parses `MODEL [--repeat N] [--out DIR] [--surgery]` or the `--engine` form.
    static func parse(_ args: [String]) throws -> Options {
        var model: String?
        var repeatCount = 10
        var outDir: String?
        var surgery = false
        var engineMode = false
        var engine = EngineSettings()
        var scoringMode = false
        var scoring = ScoringSettings()
        var trainingMode = false, trainingEpochs = false
        var i = 0
        func value(_ flag: String) throws -> String {
            i += 1
            guard i < args.count else { throw BenchError(message: "\(flag) needs a value") }
            return args[i]
        }
        func positive(_ flag: String) throws -> Int {
            let v = try value(flag)
            guard let n = Int(v), n >= 1 else { throw BenchError(message: "\(flag) wants a positive integer, not '\(v)'") }
            return n
        }
        func count(_ flag: String) throws -> Int {
            let v = try value(flag)
            guard let n = Int(v), n >= 0 else { throw BenchError(message: "\(flag) wants a count (0 or more), not '\(v)'") }
            return n
        }
        while i < args.count {
            let a = args[i]
            switch a {
            case "--engine":
                engineMode = true
            case "--batch":
                engine.batch = try positive(a)
            case "--size":
                engine.size = try positive(a)
            case "--warmup":
                engine.warmup = try positive(a)
            case "--input":
                engine.input = try value(a)
            case "--output":
                engine.output = try value(a)
            case "--per-op":
                engine.perOp = true
            case "--op-repeat":
                engine.opRepeat = try positive(a)
            case "--repeat":
                let v = try value(a)
                guard let n = Int(v), n >= 1 else { throw BenchError(message: "--repeat wants a positive integer, not '\(v)'") }
                repeatCount = n
            case "--out":
                outDir = try value(a)
            case "--surgery":
                surgery = true
            case "--scoring":
                scoringMode = true
            case "--training":
                trainingMode = true
            case "--epoch":
                trainingEpochs = true
            case "--data":
                scoring.data = try value(a)
            case "--labels":
                scoring.labels = try value(a)
            case "--layer":
                scoring.layer = try value(a)
            case "--oracle-repeat":
                scoring.oracleRepeat = try count(a)
            case "--taylor-repeat":
                scoring.taylorRepeat = try count(a)
            case "--scores":
                scoring.scoresPrefix = try value(a)
            case "-h", "--help":
                print(usage)
                exit(0)
            default:
                guard !a.hasPrefix("-"), model == nil else { throw BenchError(message: "unexpected argument '\(a)'") }
                model = a
            }
            i += 1
        }
        guard let model else { throw BenchError(message: usage) }
        return Options(model: model, repeatCount: repeatCount, outDir: outDir, surgery: surgery, engineMode: engineMode, engine: engine,
                       scoringMode: scoringMode, scoring: scoring, trainingMode: trainingMode, trainingEpochs: trainingEpochs)
    }
}

/// Runs `body` once and returns its result with the elapsed monotonic time in milliseconds.
func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let result = try body()
    let end = DispatchTime.now().uptimeNanoseconds
    return (result, Double(end - start) / 1e6)
}

/// The median of a non-empty sample (mean of the middle two for an even count).
func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    let m = s.count / 2
    return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

/// A string as a JSON string literal (the shell's JSON renderer does the escaping).
func jsonString(_ s: String) -> String { JSON.string(s).render() }

/// The operations timed, in output order.
let operations = ["load", "infer", "serialize", "save"]

/// A JSON object mapping each operation to a number of milliseconds.
func jsonTimes(_ values: [String: Double]) -> String {
    "{" + operations.map { "\(jsonString($0)): \(String(format: "%.3f", values[$0] ?? .nan))" }.joined(separator: ", ") + "}"
}

/// Loads once to warm up, times every operation `repeatCount` times and prints the JSON result.
func run(_ options: Options) throws {
    let path = options.model
    let attributes: [FileAttributeKey: Any]
    do {
        attributes = try FileManager.default.attributesOfItem(atPath: path)
    } catch {
        throw BenchError(message: "cannot read '\(path)': no such file or no permission")
    }
    let bytes = (attributes[.size] as? NSNumber)?.intValue ?? -1

    let fm = FileManager.default
    let tempDir: URL?
    let outDir: URL
    if let dir = options.outDir {
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw BenchError(message: "--out folder '\(dir)' does not exist")
        }
        tempDir = nil
        outDir = URL(fileURLWithPath: dir)
    } else {
        let t = fm.temporaryDirectory.appendingPathComponent("scalpel-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try fm.createDirectory(at: t, withIntermediateDirectories: true)
        tempDir = t
        outDir = t
    }
    let outFile = outDir.appendingPathComponent("bench-out.onnx")
    defer {
        if let tempDir {
            try? fm.removeItem(at: tempDir)
        } else {
            try? fm.removeItem(at: outFile)
            try? fm.removeItem(at: outDir.appendingPathComponent("bench-out.onnx.data"))
        }
    }

    // Warm-up: one untimed load (page cache, allocator, lazily initialized tables).
    _ = try Model.load(path: path)

    var samples: [String: [Double]] = [:]
    for _ in 0..<options.repeatCount {
        let (model, tLoad) = try timed { try Model.load(path: path) }
        let (info, tInfer) = timed { ShapeInference.infer(model.graph) }
        withExtendedLifetime(info) {}
        let (data, tSerialize) = try timed { try model.serialized() }
        guard data.count > 0 else { throw BenchError(message: "serialization produced no bytes") }
        let (_, tSave) = try timed { try model.save(to: outFile.path, options: SaveOptions()) }
        samples["load", default: []].append(tLoad)
        samples["infer", default: []].append(tInfer)
        samples["serialize", default: []].append(tSerialize)
        samples["save", default: []].append(tSave)
    }

    let medians = samples.mapValues(median)
    let minima = samples.mapValues { $0.min()! }
    print("{\"model\": \(jsonString(path)), \"bytes\": \(bytes), \"repeat\": \(options.repeatCount), "
        + "\"median_ms\": \(jsonTimes(medians)), \"min_ms\": \(jsonTimes(minima))}")
}

do {
    let options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
    if options.scoringMode {
        guard FileManager.default.isReadableFile(atPath: options.model) else {
            throw BenchError(message: "cannot read '\(options.model)': no such file or no permission")
        }
        try runScoring(options)
    } else if options.trainingMode {
        try runTraining(options)
    } else if options.engineMode {
        guard FileManager.default.isReadableFile(atPath: options.model) else {
            throw BenchError(message: "cannot read '\(options.model)': no such file or no permission")
        }
        try runEngine(options)
    } else if options.surgery {
        guard FileManager.default.isReadableFile(atPath: options.model) else {
            throw BenchError(message: "cannot read '\(options.model)': no such file or no permission")
        }
        try runSurgery(options)
    } else {
        try run(options)
    }
} catch let error as BenchError {
    FileHandle.standardError.write(Data("scalpel-bench: error: \(error.message)\n".utf8))
    exit(1)
} catch {
    FileHandle.standardError.write(Data("scalpel-bench: error: \(error)\n".utf8))
    exit(1)
}
