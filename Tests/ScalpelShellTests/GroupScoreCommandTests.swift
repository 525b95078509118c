import Foundation
import ScalpelCore
import ScalpelShell
import Testing

/// `score` on coupled channels and `prune --global` by data criteria, through the commands.
@Suite struct GroupScoreCommandTests {
    private func scores(_ line: String, _ s: inout Session) throws -> (group: [String], reduce: String?, scores: [Double]) {
        let json = try SessionTests.run([line], on: &s)
        let layer = try #require((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])?.first)
        let channels = try #require(layer["channels"] as? [[String: Any]])
        return (layer["group"] as? [String] ?? [], layer["reduce"] as? String,
                channels.sorted { ($0["channel"] as? Int ?? 0) < ($1["channel"] as? Int ?? 0) }.compactMap { $0["score"] as? Double })
    }

    /// mini_resnet's stem conv shares its channels with layer1's second conv (residual Add):
    /// `score` names both, and sum, mean and max of two scores relate as they must.
    @Test func scoreShowsTheGroupAndCombinesByTheReduction() throws {
        var s = try SessionTests.load()
        let sum = try scores("score conv1 --by l1 --json", &s)
        #expect(sum.group == ["/conv1/Conv", "/layer1/conv2/Conv"] && sum.reduce == "sum")
        let mean = try scores("score conv1 --by l1 --reduce mean --json", &s), max = try scores("score conv1 --by l1 --reduce max --json", &s)
        #expect(sum.scores.count == 8 && mean.scores.count == 8 && max.scores.count == 8)
        for k in 0..<8 {
            #expect(abs(mean.scores[k] * 2 - sum.scores[k]) <= 1e-9 * sum.scores[k])
            #expect(max.scores[k] >= mean.scores[k] && max.scores[k] < sum.scores[k])
        }
        let text = try SessionTests.run(["score conv1 --by l1 --reduce max --bottom 2"], on: &s)
        #expect(text.contains("group /conv1/Conv + /layer1/conv2/Conv by l1, the max over its layers"))
        #expect(try scores("score layer1.conv1 --by l1 --json", &s).group == ["/layer1/conv1/Conv"])
        #expect(throws: ShellError.self) { _ = try SessionTests.run(["score conv1 --by l1 --reduce avg"], on: &s) }
        #expect(try SessionTests.run(["help score"], on: &s).contains("[--reduce sum|mean|max]"))
    }

    /// The example digits CNN pruned globally by APoZ over the example data keeps just over the
    /// target share of parameters; a data criterion without data is refused.
    @Test func globalPruneTakesADataCriterion() throws {
        let root = CommandTests.fixtures.deletingLastPathComponent().deletingLastPathComponent()
        var s = try Session(loading: root.appendingPathComponent("examples/digits_cnn.onnx").path)
        let before = Double(try s.current().summary.totalParameters)
        let data = root.appendingPathComponent("examples/digits_test.npz").path
        let text = try SessionTests.run(["prune --global --by apoz --data \(data) --batches 2 --target-params 0.7"], on: &s)
        #expect(text.contains("(lowest apoz)"), "\(text)")
        let kept = Double(try s.current().summary.totalParameters) / before
        #expect(kept >= 0.7 && kept < 0.75, "kept \(kept)")
        #expect(throws: ShellError.self) { _ = try SessionTests.run(["prune --global --by taylor --target-params 0.7"], on: &s) }
        #expect(try SessionTests.run(["help prune"], on: &s).contains("prune [LAYER] [--global] --by CRITERION"))
    }

    /// `score --all` lists each layer once: a depthwise convolution appears inside its producer's
    /// group, never again on its own or as the root of a second group.
    @Test(arguments: ["mobilenet_v2_slim", "mobilenet_v3_slim_fused", "mini_resnet", "mini_densenet"])
    func scoreAllListsEveryLayerOnce(name: String) throws {
        var s = try SessionTests.load(name)
        let json = try SessionTests.run(["score --all --by l1 --json"], on: &s)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        let members = entries.flatMap { $0["group"] as? [String] ?? [] }
        #expect(!members.isEmpty)
        #expect(Set(members).count == members.count, "listed twice: \(Dictionary(grouping: members) { $0 }.filter { $0.value.count > 1 }.keys.sorted())")
        let layers = try s.current().model.graph.nodes.filter { ["Conv", "Gemm"].contains($0.opType) }.count
        #expect(members.count == layers, "every Conv and Gemm is scored once")
    }
}
