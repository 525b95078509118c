import Foundation
import ScalpelCore
import ScalpelEngine
import ScalpelData
import ScalpelScoring
import Testing

/// Scores of coupled channels (residual branches) and global pruning by data criteria, on mini_resnet.
@Suite struct GroupScoringTests {
    private func miniResNet() throws -> (Model, ShapeInfo, Engine, Dataset) {
        let model = try Model.load(path: EngineParityTests.fixtures.appendingPathComponent("mini_resnet.onnx").path)
        let shapes = ShapeInference.infer(model.graph)
        var rng = SeededRandom(seed: 11)
        let images = (0..<(24 * 3 * 16 * 16)).map { _ in Float(rng.normal()) }
        let labels = (0..<24).map { _ in Int(rng.next() % 10) }
        let data = try Dataset(images: images, shape: [24, 3, 16, 16], labels: labels)
        return (model, shapes, try Engine(graph: model.graph, shapes: shapes), data)
    }

    private func position(_ name: String, _ graph: Graph) throws -> Int {
        try #require(graph.nodes.firstIndex { $0.name == name })
    }

    /// The stem conv and layer1's second conv feed one residual Add: channel k of each goes
    /// together, and the group's score of k is the sum, mean or max of their L1 norms, by hand.
    @Test func groupScoresCombineTheCoupledLayersL1NormsByHand() throws {
        let (model, shapes, _, _) = try miniResNet()
        let graph = model.graph
        func l1(_ weight: String, filters: Int) throws -> [Double] {
            let w = try #require(graph.initializers[ValueID(weight)]?.floats)
            let size = w.count / filters
            return (0..<filters).map { k in w[(k * size)..<((k + 1) * size)].reduce(0.0) { $0 + Double(abs($1)) } }
        }
        let stem = try l1("conv1.weight", filters: 8), branch = try l1("layer1.conv2.weight", filters: 8)
        let expected: [ScoreReduction: [Double]] = [
            .sum: zip(stem, branch).map { $0 + $1 }, .mean: zip(stem, branch).map { ($0 + $1) / 2 }, .max: zip(stem, branch).map { max($0, $1) },
        ]
        for (reduction, byHand) in expected {
            let group = try Scoring.groupScore(.l1, position: try position("/conv1/Conv", graph), graph: graph, shapes: shapes,
                                               engine: nil, dataset: nil, reduction: reduction)
            #expect(group.members == [try position("/conv1/Conv", graph), try position("/layer1/conv2/Conv", graph)])
            for k in 0..<8 {
                #expect(abs(group.scores.scores[k] - byHand[k]) <= 1e-5 * byHand[k], "\(reduction) channel \(k): \(group.scores.scores[k]) vs \(byHand[k])")
            }
        }
        let alone = try Scoring.groupScore(.l1, position: try position("/layer1/conv1/Conv", graph), graph: graph, shapes: shapes,
                                           engine: nil, dataset: nil, reduction: .max)
        #expect(alone.members.count == 1, "layer1.conv1 feeds only layer1.conv2: no coupling")
    }

    /// A data criterion combines the same way: layer2's strided conv and its 1×1 downsample share
    /// channels, and the group's mean-activation score is the max of the two layers' own.
    @Test func dataCriterionGroupScoresCombineMembersScores() throws {
        let (model, shapes, engine, data) = try miniResNet()
        let graph = model.graph
        let conv2 = try position("/layer2/conv2/Conv", graph), downsample = try position("/layer2/downsample/downsample.0/Conv", graph)
        let group = try Scoring.groupScore(.meanActivation, position: conv2, graph: graph, shapes: shapes, engine: engine, dataset: data,
                                           reduction: .max)
        #expect(Set(group.members) == [conv2, downsample])
        let a = try Scoring.score(.meanActivation, position: conv2, graph: graph, shapes: shapes, engine: engine, dataset: data)
        let b = try Scoring.score(.meanActivation, position: downsample, graph: graph, shapes: shapes, engine: engine, dataset: data)
        #expect(group.scores.scores == zip(a.scores, b.scores).map { max($0, $1) })
    }

    /// `prune --global` by Taylor scores: the pruned model keeps just over the target share of
    /// parameters, and every channel removed scored (relative to its group's mean) no higher
    /// than any channel kept. Which channels went is read back from the BatchNorm scales that survive.
    @Test func globalPruneByTaylorRemovesTheLowestScoredChannels() throws {
        let (model, shapes, engine, data) = try miniResNet()
        let graph = model.graph
        let pruning = try GlobalPruning(graph: graph, shapes: shapes) { root, _, _ in
            try Scoring.groupScore(.taylor, position: root, graph: graph, shapes: shapes, engine: engine, dataset: data).scores.scores
        }
        #expect(pruning.groups.count == 4, "stem + layer1.conv2, layer1.conv1, layer2.conv1, layer2 conv2 + downsample; fc reaches the output")
        let counts = pruning.plan(.parameters(0.6), minChannels: 1)
        var pruned = graph
        try pruned.delete(try pruning.deletion(counts, shapes: shapes), shapes: shapes, opset: 17)
        let kept = Double(ModelSummary(graph: pruned, shapes: ShapeInference.infer(pruned)).totalParameters)
            / Double(ModelSummary(graph: graph, shapes: shapes).totalParameters)
        #expect(kept >= 0.6 && kept < 0.66, "kept \(kept) of the parameters")
        var removed: [Double] = [], survived: [Double] = []
        for group in pruning.groups {
            let root = graph.nodes[group.root]
            let scores = try Scoring.groupScore(.taylor, position: group.root, graph: graph, shapes: shapes, engine: engine, dataset: data).scores.scores
            let mean = scores.reduce(0) { $0 + abs($1) } / Double(scores.count)
            let bn = try #require(graph.nodes.first { $0.opType == "BatchNormalization" && $0.inputs[0] == root.outputs[0] })
            let before = try #require(graph.initializers[bn.inputs[1]]?.floats), after = Set(try #require(pruned.initializers[bn.inputs[1]]?.floats))
            for k in 0..<group.channels {
                if after.contains(before[k]) { survived.append(scores[k] / mean) } else { removed.append(scores[k] / mean) }
            }
        }
        #expect(removed.count == counts.reduce(0, +) && removed.count > 0)
        #expect((removed.max() ?? 0) <= (survived.min() ?? 0), "removed up to \(removed.max() ?? 0), kept from \(survived.min() ?? 0)")
    }
}
