// The `--scoring` part of scalpel-bench: times ScalpelScoring's data criteria `oracle-loss` (every
// output channel of one layer) and `taylor` on a dataset read from .npy files, in process, and
// prints one JSON object. scripts/bench --part scoring compares the result with PyTorch loops
// (mask each channel and rerun the whole forward; autograd) on the same data.

import Foundation
import ScalpelCore
import ScalpelEngine
import ScalpelData
import ScalpelScoring

/// Settings of the scoring benchmark.
struct ScoringSettings {
    /// Images, a float32 N×C×H×W .npy.
    var data: String?
    /// Labels, an integer .npy of N class indices.
    var labels: String?
    /// The node name of the layer whose channels are scored.
    var layer = "/layer2/layer2.0/conv1/Conv"
    /// Timed runs of oracle-loss (it is slow; no warm-up of its own).
    var oracleRepeat = 1
    /// Timed runs of taylor, after one untimed run.
    var taylorRepeat = 3
    /// Where to write the scores as .npy (PREFIX_oracle.npy, PREFIX_taylor.npy).
    var scoresPrefix: String?
}

/// Loads the model and data, times both criteria and prints the JSON result.
func runScoring(_ options: Options) throws {
    let s = options.scoring
    guard let dataPath = s.data, let labelsPath = s.labels else {
        throw BenchError(message: "--scoring needs --data X.npy and --labels Y.npy")
    }
    let model = try Model.load(path: options.model)
    let graph = model.graph
    let shapes = ShapeInference.infer(graph)
    guard let position = graph.nodes.firstIndex(where: { $0.name == s.layer }) else {
        throw BenchError(message: "no node named '\(s.layer)' in \(options.model)")
    }
    let (data, loadMs) = try timed { try Dataset.load(path: dataPath, labels: labelsPath) }
    let (engine, engineMs) = try timed { try Engine(graph: graph, shapes: shapes) }

    // Warm-up: one plain forward of up to 32 images (plans the engine, touches the buffers).
    guard let input = graph.dataInputs.first else { throw BenchError(message: "the model has no data input") }
    let n = min(32, data.count), per = data.shape.dropFirst().reduce(1, *)
    let warm = Activation(shape: [n] + Array(data.shape.dropFirst()), values: Array(data.images[0..<(n * per)]))
    let (_, warmupMs) = try timed { _ = try engine.run([input.id: warm]) }
    /// Times `count` runs of a criterion; returns the times and the last run's scores.
    func timedRuns(_ criterion: Criterion, _ count: Int) throws -> (samples: [Double], scores: [Double]) {
        var samples: [Double] = [], scores: [Double] = []
        for _ in 0..<count {
            let (r, ms) = try timed {
                try Scoring.score(criterion, position: position, graph: graph, shapes: shapes, engine: engine, dataset: data)
            }
            samples.append(ms)
            scores = r.scores
        }
        return (samples, scores)
    }
    // One untimed taylor run, as the PyTorch side runs its autograd loop once before timing it.
    if s.taylorRepeat > 0 { _ = try timedRuns(.taylor, 1) }
    let (taylorSamples, taylorScores) = try timedRuns(.taylor, s.taylorRepeat)
    let (oracleSamples, oracleScores) = try timedRuns(.oracleLoss, s.oracleRepeat)
    if let prefix = s.scoresPrefix {
        try NPYFile.write(oracleScores.map(Float.init), shape: [oracleScores.count], to: prefix + "_oracle.npy")
        try NPYFile.write(taylorScores.map(Float.init), shape: [taylorScores.count], to: prefix + "_taylor.npy")
    }
    func f(_ x: Double) -> String { String(format: "%.3f", x) }
    print("{\"model\": \(jsonString(options.model)), \"layer\": \(jsonString(s.layer)), \"position\": \(position), "
        + "\"images\": \(data.count), \"channels\": \(oracleScores.count), "
        + "\"data_load_ms\": \(f(loadMs)), \"engine_ms\": \(f(engineMs)), \"warmup_forward_ms\": \(f(warmupMs)), "
        + "\"oracle_ms\": [\(oracleSamples.map(f).joined(separator: ", "))], "
        + "\"taylor_ms\": [\(taylorSamples.map(f).joined(separator: ", "))]}")
}
