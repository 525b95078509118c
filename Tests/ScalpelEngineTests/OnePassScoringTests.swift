import Foundation
import ScalpelCore
import ScalpelData
import ScalpelEngine
@testable import ScalpelScoring
import Testing

/// Activation statistics of every layer from one pass equal those measured layer by layer.
@Suite struct OnePassScoringTests {
    @Test(arguments: ["mini_resnet", "mobilenet_v2_slim", "grouped_cnn"])
    func onePassEqualsLayerByLayer(fixture: String) throws {
        let model = try Model.load(path: EngineParityTests.fixtures.appendingPathComponent(fixture + ".onnx").path)
        let shapes = ShapeInference.infer(model.graph)
        let input = model.graph.dataInputs[0].id
        let sample = Array((shapes[input].dims ?? []).dropFirst().compactMap(\.value))
        var rng = SeededRandom(seed: 5)
        let count = 40  // two batches of 32: the last one is short
        let images = (0..<(count * sample.reduce(1, *))).map { _ in Float(rng.normal()) }
        let data = try Dataset(images: images, shape: [count] + sample, labels: (0..<count).map { $0 % 10 })
        let engine = try Engine(graph: model.graph, shapes: shapes)
        let graph = model.graph
        let positions = graph.nodes.indices.filter { ChannelDependency.isProducer(graph.nodes[$0]) }
        for criterion in [Criterion.dead, .meanActivation] {
            let once = try Scoring.onePass(criterion, positions: positions, graph: graph, engine: engine, dataset: data)
            #expect(once.count == positions.count)
            for position in positions {
                let alone = try Scoring.score(criterion, position: position, graph: graph, shapes: shapes, engine: engine, dataset: data)
                guard let fast = once[position] else {
                    Issue.record("\(graph.nodes[position].name) was not scored in one pass")
                    continue
                }
                // Same kernels on the same data; the plans differ only in which values they keep.
                for (a, b) in zip(alone.scores, fast.scores) {
                    #expect(abs(a - b) <= 1e-6 * max(1, abs(a)), "\(fixture) \(graph.nodes[position].name) \(criterion.rawValue): \(a) vs \(b)")
                }
                #expect(alone.dead == fast.dead)
            }
        }
    }
}
