import Foundation
import ScalpelCore
import ScalpelShell
import Testing

/// `finetune` in the shell: it trains, is one undo step, and refuses bad options without changing anything.
@Suite struct FinetuneCommandTests {
    static let root = CommandTests.fixtures.deletingLastPathComponent().deletingLastPathComponent()
    static let model = root.appendingPathComponent("examples/digits_cnn.onnx").path
    static let data = root.appendingPathComponent("examples/digits_test.npz").path

    @Test func finetuneRecoversAccuracyAsOneUndoStep() throws {
        var s = try Session(loading: Self.model)
        _ = try SessionTests.run(["prune --global --by l1 --target-params 0.5", "eval --data \(Self.data)"], on: &s)
        let pruned = try s.current().model.serialized()
        let prunedAccuracy = try #require(try s.current().currentEvaluation).top1
        let text = try SessionTests.run(["finetune --data \(Self.data) --epochs 2 --lr 0.03 --seed 1", "eval --data \(Self.data)"], on: &s)
        #expect(text.contains("epoch 1/2: train loss"))
        #expect(text.contains("epoch 2/2: train loss"))
        #expect(text.contains("fine-tuned 2 epochs (sgd, lr 0.03 cosine); kept epoch 2's weights"))
        let tuned = try #require(try s.current().currentEvaluation).top1
        #expect(prunedAccuracy < 0.5 && tuned > 0.9, "accuracy on the training data \(prunedAccuracy) → \(tuned)")
        let trained = try s.current().model.serialized()
        #expect(trained != pruned)
        _ = try SessionTests.run(["undo"], on: &s)
        #expect(try s.current().model.serialized() == pruned)
        _ = try SessionTests.run(["redo"], on: &s)
        #expect(try s.current().model.serialized() == trained)
        #expect(try SessionTests.run(["history"], on: &s).contains("finetune --data"))
    }

    /// A freshly initialised model whose BatchNorm statistics the exporter aliased to γ and β
    /// (`running_var = Identity(weight)`): fine-tuning gives the statistics tensors of their own,
    /// so the trained model evaluates far above chance (ONNX Runtime's view is checked by
    /// scripts/check-finetune.py), and the alias is reported.
    @Test func aliasedBatchNormStatisticsAreSplitBeforeTraining() throws {
        var s = try SessionTests.load("digits_untrained")
        let train = Self.root.appendingPathComponent("examples/digits_train.npz").path
        let text = try SessionTests.run(["finetune --data \(train) --epochs 2 --lr 0.05 --seed 1", "eval --data \(Self.data)"], on: &s)
        #expect(text.contains("bn1.running_var (was bn1.weight)"), "\(text)")
        let graph = try s.current().model.graph
        #expect(!graph.nodes.contains { $0.opType == "Identity" })
        for node in graph.nodes where node.opType == "BatchNormalization" {
            let ids = node.inputs[1...4]
            #expect(Set(ids).count == 4 && ids.allSatisfy { graph.initializers[$0] != nil }, "\(node.name) reads \(ids)")
        }
        let accuracy = try #require(try s.current().currentEvaluation).top1
        #expect(accuracy > 0.5, "2 epochs on the digits give \(accuracy) on the test split (chance is 0.1)")
    }

    @Test(arguments: [
        ("finetune --data DATA", "missing --epochs E"),
        ("finetune --data DATA --epochs 0", "--epochs wants a whole number of at least 1, not '0'"),
        ("finetune --data DATA --epochs 1 --optimizer rmsprop", "--optimizer wants one of sgd, adam, not 'rmsprop'"),
        ("finetune --data DATA --epochs 1 --optimizer adam --momentum 0.9", "--momentum is for sgd"),
        ("finetune --data DATA --epochs 1 --lr -1", "--lr wants a positive number, not '-1'"),
        ("finetune --data DATA --epochs 1 --schedule step", "--schedule wants one of constant, cosine, not 'step'"),
        ("finetune --data missing.npz --epochs 1", "missing.npz"),
    ])
    func badOptionsChangeNothing(line: String, message: String) throws {
        var s = try Session(loading: Self.model)
        let before = try s.current().model.serialized()
        #expect {
            try SessionTests.run([line.replacingOccurrences(of: "DATA", with: Self.data)], on: &s)
        } throws: { error in
            "\(error)".contains(message)
        }
        #expect(try s.current().model.serialized() == before)
        #expect(try !s.current().isModified)
    }
}
