// The `--training` part of scalpel-bench: times ScalpelScoring's FineTuning in process — single
// SGD steps on the first --batch images, or (--epoch) whole shuffled epochs — and prints one JSON
// object. scripts/bench --part training compares it with the same loops in PyTorch.

import Foundation
import ScalpelCore
import ScalpelEngine
import ScalpelData
import ScalpelTraining

/// Times training steps or epochs with SGD (lr 0.01, momentum 0.9), as the PyTorch side does.
func runTraining(_ options: Options) throws {
    guard let dataPath = options.scoring.data else { throw BenchError(message: "--training needs --data") }
    let model = try Model.load(path: options.model)
    let data = try Dataset.load(path: dataPath, labels: options.scoring.labels)
    guard let labels = data.labels else { throw BenchError(message: "the training data has no labels") }
    let optimizer = Optimizer(.sgd, learningRate: 0.01, momentum: 0.9)
    let batch = options.engine.batch
    var training = try FineTuning(graph: model.graph, optimizer: optimizer)
    var samples: [Double] = []
    if options.trainingEpochs {
        let settings = FineTuningSettings(epochs: 1, batchSize: batch, optimizer: optimizer)
        _ = try training.run(train: data, validation: nil, settings: settings)  // warm-up
        for _ in 0..<options.repeatCount {
            samples.append(try timed { _ = try training.run(train: data, validation: nil, settings: settings) }.1)
        }
    } else {
        let n = min(batch, data.count)
        let images = data.images(in: 0..<n), shape = [n] + data.sampleShape, batchLabels = Array(labels[0..<n])
        _ = try training.step(images: images, shape: shape, labels: batchLabels)  // warm-up
        for _ in 0..<options.repeatCount {
            samples.append(try timed { _ = try training.step(images: images, shape: shape, labels: batchLabels) }.1)
        }
    }
    let unit = options.trainingEpochs ? "epoch_ms" : "step_ms"
    print("{\"model\": \(jsonString(options.model)), \"batch\": \(batch), \"samples\": \(data.count), "
          + "\"\(unit)\": [\(samples.map { String(format: "%.3f", $0) }.joined(separator: ", "))]}")
}
