import Foundation
import ScalpelCore
import ScalpelShell
import Testing

/// `recalibrate` in the shell: after a cut it recovers accuracy without training, is one undo
/// step, and a model with nothing to recalibrate is an error that changes nothing.
@Suite struct RecalibrateCommandTests {
    @Test func recalibrationAfterACutIsOneUndoStep() throws {
        var s = try Session(loading: FinetuneCommandTests.model)
        let train = FinetuneCommandTests.root.appendingPathComponent("examples/digits_train.npz").path
        _ = try SessionTests.run(["prune --global --by l1 --target-params 0.5", "eval --data \(FinetuneCommandTests.data)"], on: &s)
        let pruned = try s.current().model.serialized()
        let prunedAccuracy = try #require(try s.current().currentEvaluation).top1
        let text = try SessionTests.run(["recalibrate --data \(train) --batches 20", "eval --data \(FinetuneCommandTests.data)"], on: &s)
        #expect(text.contains("recalibrated 3 BatchNorm layers on 640 samples"), "\(text)")
        #expect(text.contains("/bn2/BatchNormalization"))
        let repaired = try #require(try s.current().currentEvaluation).top1
        #expect(repaired > prunedAccuracy + 0.1, "accuracy \(prunedAccuracy) → \(repaired)")
        _ = try SessionTests.run(["undo"], on: &s)
        #expect(try s.current().model.serialized() == pruned)
    }

    @Test func aModelWithoutBatchNormIsAnErrorAndUnchanged() throws {
        var s = try SessionTests.load("plain_cnn_fused")
        let before = try s.current().model.serialized()
        let data = FinetuneCommandTests.data
        #expect { _ = try SessionTests.run(["recalibrate --data \(data)"], on: &s) } throws: {
            "\($0)".contains("nothing to recalibrate")
        }
        #expect(try s.current().model.serialized() == before)
    }
}
