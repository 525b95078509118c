import Foundation
import ScalpelCore
import ScalpelData
import ScalpelEngine
import ScalpelTraining
import Testing

/// `recalibrate` against PyTorch: the mini ResNet's BatchNorm running statistics, estimated on
/// 3 batches of 8 images, equal what PyTorch's training mode with momentum=None makes of them
/// (Tests/Fixtures/training/mini_resnet.recalibrated.npz, made by scripts/make-training-golden.py).
@Suite struct RecalibrationTests {
    @Test func runningStatisticsMatchPyTorch() throws {
        let model = try Model.load(path: EngineParityTests.fixtures.appendingPathComponent("mini_resnet.onnx").path)
        let arrays = try NPZ.read(path: EngineParityTests.fixtures.appendingPathComponent("training/mini_resnet.recalibrated.npz").path)
        let x = try #require(arrays["x"])
        let data = try Dataset(images: x.floats(), shape: x.shape)
        let result = try Recalibration.run(graph: model.graph, dataset: data, batchSize: 8)
        #expect(result.samples == 24)
        #expect(result.layers.count == model.graph.nodes.filter { $0.opType == "BatchNormalization" }.count)
        var compared = 0
        for (key, expected) in arrays where key != "x" {
            let id = ValueID(key)
            let original = try #require(model.graph.initializers[id]?.floats, "\(id) is not an initializer")
            let estimated = try #require(result.graph.initializers[id]?.floats)
            let want = expected.floats()
            // Float32 sums over 8·16·16 values per channel and batch, against PyTorch's own float32 sums.
            let error = zip(estimated, want).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            let moved = zip(original, want).map { abs($0 - $1) }.max() ?? 0
            #expect(estimated.count == want.count && error <= 1e-4, "\(id): relative difference \(error) from PyTorch")
            #expect(moved > 1e-3, "\(id): PyTorch changed it by only \(moved), so the comparison would prove nothing")
            compared += 1
        }
        #expect(compared == 2 * result.layers.count, "every running mean and variance is compared")
        for (id, tensor) in model.graph.initializers where !arrays.keys.contains(id.name) {
            #expect(result.graph.initializers[id]?.floats == tensor.floats, "\(id) is not a running statistic, yet it changed")
        }
    }

    @Test func aModelWithoutBatchNormIsRefused() throws {
        let model = try Model.load(path: EngineParityTests.fixtures.appendingPathComponent("plain_cnn_fused.onnx").path)
        let data = try Dataset(images: [Float](repeating: 0.5, count: 2 * 3 * 16 * 16), shape: [2, 3, 16, 16])
        #expect { _ = try Recalibration.run(graph: model.graph, dataset: data, batchSize: 8) } throws: {
            "\($0)".contains("no BatchNormalization whose running statistics are stored as initializers")
        }
    }
}
