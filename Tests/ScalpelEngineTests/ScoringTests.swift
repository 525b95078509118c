import Foundation
import ScalpelCore
import ScalpelEngine
import ScalpelData
import ScalpelScoring
import Testing

/// Channel criteria checked against independent computations on the example CNN.
@Suite struct ScoringTests {
    static let root = EngineParityTests.fixtures.deletingLastPathComponent().deletingLastPathComponent()

    private func example() throws -> (Model, ShapeInfo, Engine, Dataset) {
        let model = try Model.load(path: Self.root.appendingPathComponent("examples/digits_cnn.onnx").path)
        let shapes = ShapeInference.infer(model.graph)
        let data = try Dataset.load(path: Self.root.appendingPathComponent("examples/digits_test.npz").path)
        return (model, shapes, try Engine(graph: model.graph, shapes: shapes), data)
    }

    private func position(_ name: String, _ model: Model) throws -> Int {
        try #require(model.graph.nodes.firstIndex { $0.name == name })
    }

    /// conv1's activation is read by conv2 alone, so its oracle takes each channel's contribution
    /// out of conv2's output; conv2's (read by MaxPool) and conv3's (by GlobalAveragePool) rerun from the masked activation.
    @Test(arguments: ["/conv1/Conv", "/conv2/Conv", "/conv3/Conv"])
    func oracleLossEqualsTheLossChangeOfReallyDeletingTheChannel(layer: String) throws {
        let (model, shapes, engine, data) = try example()
        let conv = try position(layer, model)
        let oracle = try Scoring.score(.oracleLoss, position: conv, graph: model.graph, shapes: shapes, engine: engine, dataset: data)
        let base = try Evaluation.run(engine: engine, dataset: data).meanLoss
        for k in [0, 7, oracle.scores.count - 1] {
            var cut = model.graph
            let group = try ChannelDependency.group(of: conv, channels: [k], graph: cut, shapes: shapes)
            try cut.delete(ChannelDeletion(group), shapes: shapes, opset: 17)
            let after = try Evaluation.run(engine: try Engine(graph: cut, shapes: ShapeInference.infer(cut)), dataset: data).meanLoss
            #expect(abs(oracle.scores[k] - (after - base)) <= 1e-4 * max(1e-3, abs(after - base)) + 1e-6,
                    "channel \(k): oracle \(oracle.scores[k]), deletion \(after - base)")
        }
    }

    /// `class` scores each channel by the sum over classes of the class's mean loss increase, and
    /// keeps each class's accuracy drop: both equal what really deleting the channel does, measured
    /// per class on the engine's outputs of the cut model.
    @Test func classScoresArePerClassLossAndAccuracyChangesOfDeletion() throws {
        let (model, shapes, engine, data) = try example()
        let conv = try position("/conv3/Conv", model)
        let scores = try Scoring.score(.classwise, position: conv, graph: model.graph, shapes: shapes, engine: engine, dataset: data)
        let labels = try #require(data.labels)
        func perClass(_ engine: Engine) throws -> (loss: [Double], correct: [Double], count: [Double]) {
            let x = Activation(shape: data.shape, values: data.images)
            let y = try #require(try engine.run([ValueID("x"): x])[model.graph.outputs[0].id])
            var loss = [Double](repeating: 0, count: 10), correct = loss, count = loss
            for (n, label) in labels.enumerated() {
                let row = Array(y.values[(n * 10)..<((n + 1) * 10)])
                loss[label] += engine.classifierOutput.loss(row, label)
                correct[label] += row.indices.max { row[$0] < row[$1] } == label ? 1 : 0
                count[label] += 1
            }
            return (loss, correct, count)
        }
        let base = try perClass(engine)
        #expect(Set(scores.scores).count == scores.scores.count, "a continuous score leaves no ties")
        for k in [0, 8, 28] {
            var cut = model.graph
            try cut.delete(ChannelDeletion(try ChannelDependency.group(of: conv, channels: [k], graph: cut, shapes: shapes)), shapes: shapes, opset: 17)
            let after = try perClass(try Engine(graph: cut, shapes: ShapeInference.infer(cut)))
            let lossIncrease = (0..<10).map { (after.loss[$0] - base.loss[$0]) / base.count[$0] }
            let drop = (0..<10).map { (base.correct[$0] - after.correct[$0]) / base.count[$0] }
            #expect(abs(scores.scores[k] - lossIncrease.reduce(0, +)) <= 1e-4 * max(1e-2, abs(scores.scores[k])), "channel \(k)")
            #expect(scores.perClassDrop?[k] == drop, "channel \(k): accuracy drops \(scores.perClassDrop?[k] ?? []) vs \(drop)")
            for c in 0..<10 {
                #expect(abs((scores.perClassLossIncrease?[k][c] ?? .nan) - lossIncrease[c]) <= 1e-4 * max(1e-2, abs(lossIncrease[c])))
            }
        }
    }

    @Test func weightCriteriaMatchHandComputation() throws {
        let (model, shapes, _, _) = try example()
        let conv1 = try position("/conv1/Conv", model)
        let gamma = try Scoring.score(.bnGamma, position: conv1, graph: model.graph, shapes: shapes, engine: nil, dataset: nil)
        let bnWeight = try #require(model.graph.initializers[ValueID("bn1.weight")]?.floats)
        #expect(gamma.scores == bnWeight.map { Double(abs($0)) })
        // FPGM: the summed distance of each 1×3×3 filter to all others, by hand.
        let w = try #require(model.graph.initializers[ValueID("conv1.weight")]?.floats)
        let filters = (0..<16).map { Array(w[($0 * 9)..<(($0 + 1) * 9)]) }
        let byHand = filters.map { a in filters.reduce(0.0) { s, b in s + zip(a, b).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }.squareRoot() } }
        let fpgm = try Scoring.score(.fpgm, position: conv1, graph: model.graph, shapes: shapes, engine: nil, dataset: nil)
        for k in 0..<16 { #expect(abs(fpgm.scores[k] - byHand[k]) < 1e-6 * byHand[k], "float vs double differences") }
        let r1 = try Scoring.score(.random, position: conv1, graph: model.graph, shapes: shapes, engine: nil, dataset: nil, seed: 3)
        let r2 = try Scoring.score(.random, position: conv1, graph: model.graph, shapes: shapes, engine: nil, dataset: nil, seed: 3)
        let r3 = try Scoring.score(.random, position: conv1, graph: model.graph, shapes: shapes, engine: nil, dataset: nil, seed: 4)
        #expect(r1.scores == r2.scores && r1.scores != r3.scores)
    }

    @Test func activationCriteriaAgreeWithTheKeptActivation() throws {
        let (model, shapes, engine, data) = try example()
        let conv2 = try position("/conv2/Conv", model)
        let apoz = try Scoring.score(.apoz, position: conv2, graph: model.graph, shapes: shapes, engine: engine, dataset: data)
        let mean = try Scoring.score(.meanActivation, position: conv2, graph: model.graph, shapes: shapes, engine: engine, dataset: data)
        // The activation after conv2's BatchNorm and ReLU, computed once for all samples.
        let x = Activation(shape: data.shape, values: data.images)
        let relu = try #require(engine.run([ValueID("x"): x], keep: [ValueID("/Relu_1_output_0")])[ValueID("/Relu_1_output_0")])
        let spatial = 64
        for c in [0, 13, 31] {
            var positive = 0, sum = 0.0
            for n in 0..<data.count {
                for i in 0..<spatial {
                    let v = relu.values[(n * 32 + c) * spatial + i]
                    if v > 0 { positive += 1 }
                    sum += Double(v)
                }
            }
            #expect(abs(apoz.scores[c] - Double(positive) / Double(data.count * spatial)) < 1e-12)
            #expect(abs(mean.scores[c] - sum / Double(data.count * spatial)) < 1e-6 * max(1, abs(mean.scores[c])))
        }
        let gain = try Scoring.score(.informationGain, position: conv2, graph: model.graph, shapes: shapes, engine: engine, dataset: data)
        #expect(gain.scores.allSatisfy { $0 >= 0 && $0 <= log2(10) })
    }

    @Test func redundancyFindsAChannelThatDuplicatesAnother() throws {
        var (model, _, _, data) = try example()
        // Make channel 5 of conv1 an exact copy of channel 0: filter, bias and BatchNorm entries.
        for name in ["conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"] {
            var values = try #require(model.graph.initializers[ValueID(name)]?.floats)
            let per = values.count / 16
            for i in 0..<per { values[5 * per + i] = values[i] }
            model.graph.initializers[ValueID(name)] = Tensor(floats: values, shape: model.graph.initializers[ValueID(name)]?.shape ?? [])
        }
        let shapes = ShapeInference.infer(model.graph)
        let result = try Scoring.score(.redundancy, position: try position("/conv1/Conv", model), graph: model.graph, shapes: shapes,
                                       engine: try Engine(graph: model.graph, shapes: shapes), dataset: data, batches: 2)
        #expect(result.nearest?[5].channel == 0 && abs((result.nearest?[5].similarity ?? 0) - 1) < 1e-9)
        #expect(result.clusters?.first == [0, 5])
        #expect(result.scores[5] < 1e-9 && result.scores[0] < 1e-9)
    }

    @Test func dataCriteriaNeedData() throws {
        let (model, shapes, _, _) = try example()
        #expect(throws: ScoringError("apoz runs the model on data, and none was given")) {
            _ = try Scoring.score(.apoz, position: 0, graph: model.graph, shapes: shapes, engine: nil, dataset: nil)
        }
    }
}
