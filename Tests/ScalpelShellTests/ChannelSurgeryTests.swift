import Foundation
import ScalpelCore
import ScalpelData
@testable import ScalpelShell
import Testing

/// Channel groups worked out by hand from the fixtures' architectures, and the edits built on them.
@Suite struct ChannelSurgeryTests {
    private func group(_ fixture: String, _ layer: String, _ channels: [Int]) throws -> (ChannelGroup, Graph) {
        let doc = try SessionTests.load(fixture).current()
        let position = try LayerResolver(graph: doc.model.graph, shapes: doc.shapes).resolve(layer)
        return (try ChannelDependency.group(of: position, channels: channels, graph: doc.model.graph, shapes: doc.shapes), doc.model.graph)
    }

    private func sliced(_ g: ChannelGroup) -> [String: [Int]] {
        Dictionary(g.slices.map { ("\($0.tensor.name)@\($0.axis)", $0.indices) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func residualAddCouplesBothBranches() throws {
        let (g, graph) = try group("mini_resnet", "conv1", [1, 5])
        #expect(g.sources.compactMap { graph.node($0)?.name } == ["/conv1/Conv", "/layer1/conv2/Conv"])
        let s = sliced(g)
        #expect(s["conv1.weight@0"] == [1, 5] && s["layer1.conv2.weight@0"] == [1, 5])
        #expect(s["bn1.running_var@0"] == [1, 5] && s["layer1.bn2.bias@0"] == [1, 5])
        #expect(s["layer1.conv1.weight@1"] == [1, 5] && s["layer2.conv1.weight@1"] == [1, 5] && s["layer2.downsample.0.weight@1"] == [1, 5])
        #expect(s.count == 13)
    }

    @Test func concatOffsetsFollowTheChannels() throws {
        // DenseNet: the stem's 8 channels come first in every concat, block.0 adds 4 at offset 8.
        let (g, _) = try group("mini_densenet", "block.0.conv", [2])
        let s = sliced(g)
        #expect(s["block.1.conv.weight@1"] == [10])
        #expect(s["block.2.conv.weight@1"] == [10])
        #expect(s["trans_conv.weight@1"] == [10])
        #expect(s["block.1.bn.weight@0"] == [10])
    }

    @Test func splitAndConcatInAC2fBlock() throws {
        let (g, _) = try group("yolo_block", "c2f.cv1.conv", [0, 9])
        let s = sliced(g)
        // Channel 9 is the second Split output's channel 1, which the bottleneck's residual Add
        // ties to c2f.m.cv2's channel 1, which the Concat puts at 16 + 1.
        #expect(s["c2f.m.cv2.conv.weight@0"] == [1])
        #expect(s["c2f.m.cv1.conv.weight@1"] == [1])
        #expect(s["c2f.cv2.conv.weight@1"] == [0, 9, 17])
        #expect(g.adjustments.count == 1)
    }

    @Test func depthwiseConvolutionIsPartOfTheGroup() throws {
        let (g, _) = try group("mobilenetv2_block", "block.expand.0.0", [3])
        #expect(g.adjustments.count == 1)
        let s = sliced(g)
        #expect(s["block.dw.0.0.weight@0"] == [3])
        #expect(g.slices.contains { $0.role == "depthwise filters" && $0.tensor == ValueID("block.dw.0.0.weight") })
        #expect(s["block.project.0.weight@1"] == [3], "the projection loses the input channel the depthwise conv lost")
    }

    @Test func groupsReachingTheOutputAreRefusedNamingIt() throws {
        #expect(throws: DependencyError("the channels reach the model output 'y'; deleting them would change what the model returns")) {
            _ = try group("yolo_block", "out", [0])
        }
        #expect(throws: DependencyError("'/Relu' is a Relu; channels are deleted from Conv, ConvTranspose, Gemm or MatMul layers")) {
            _ = try group("mini_resnet", "/Relu", [0])
        }
        #expect(throws: DependencyError("'/conv1/Conv' has channels 0…7; 8 is not one of them")) { _ = try group("mini_resnet", "conv1", [8]) }
    }

    @Test func flattenIntoGemmRemovesEachChannelsFeatures() throws {
        let (g, _) = try group("flatten_gemm", "conv", [1])
        // 8 channels of 4×4 flatten to 128 features; channel 1 is features 16…31.
        #expect(g.slices.contains { $0.role == "in-features" && $0.indices == Array(16..<32) })
    }

    @Test func deleteChannelsIsOneUndoableEditAndSaveScriptReplaysIt() throws {
        var s = try SessionTests.load()
        let original = try s.current().model.serialized()
        let text = try SessionTests.run(["delete channels conv1 1 5-6"], on: &s)
        // Worked by hand: conv1's 3 filters (3·27) and BN entries (3·4), layer1.conv1's input
        // channels (3·8·9), layer1.conv2's filters (3·8·9) and BN (3·4), joined to conv1 by the
        // residual Add, and layer2's conv1 (3·16·9) and 1×1 downsample (3·16) inputs: 7 layers, 1,017.
        #expect(text.hasPrefix("deleted 3 channels of /conv1/Conv: 7 layers changed, 1,017 parameters removed; parameters 5,410 → 4,393"), "\(text)")
        let doc = try s.current()
        #expect(doc.shapes.problems.isEmpty)
        #expect(doc.shapes[ValueID("/conv1/Conv_output_0")].shapeDescription == "[N, 5, 16, 16]")
        #expect(doc.model.graph.initializers[ValueID("layer2.conv1.weight")]?.shape == [16, 5, 3, 3])
        _ = try SessionTests.run(["undo"], on: &s)
        #expect(try s.current().model.serialized() == original)
    }

    /// Long channel lists are cut after twelve runs and say how many there are and where all are listed.
    @Test func longChannelListsSayTheyAreCut() {
        let even = Array(stride(from: 0, to: 60, by: 2))
        #expect(ChannelPreview.ranges(even) == even.prefix(12).map(String.init).joined(separator: ", ") + ", … (30 in all; --json lists every one)")
        #expect(ChannelPreview.ranges(even, fullList: nil) == even.map(String.init).joined(separator: ", "))
        #expect(ChannelPreview.ranges([1, 2, 3, 4, 6, 8, 9]) == "1-4, 6, 8-9")
    }

    @Test func channelListsAndRangesParse() throws {
        var s = try SessionTests.load()
        #expect(try SessionTests.run(["group conv1 0,2-3 7 --json"], on: &s).contains("\"channels\": [0, 2, 3, 7]"))
        #expect(throws: ShellError.self) { _ = try SessionTests.run(["group conv1 3-1"], on: &s) }
        #expect(throws: ShellError.self) { _ = try SessionTests.run(["delete channels conv1 x"], on: &s) }
    }

    @Test func localPruneRemovesTheLowestNormFilters() throws {
        var s = try SessionTests.load()
        let doc = try s.current()
        let position = try LayerResolver(graph: doc.model.graph, shapes: doc.shapes).resolve("layer1.conv1")
        let group = try PrunableGroup(root: position, graph: doc.model.graph, shapes: doc.shapes, norm: .l1)
        let weights = try #require(doc.model.graph.initializers[ValueID("layer1.conv1.weight")]?.floats)
        let byHand = (0..<8).map { k in weights[(k * 72)..<((k + 1) * 72)].reduce(0.0) { $0 + Double(abs($1)) } }
        for k in 0..<8 { #expect(abs(group.scores[k] - byHand[k]) < 1e-5 * byHand[k], "float32 accumulation") }
        let expected = Array((0..<8).sorted { byHand[$0] < byHand[$1] }.prefix(2)).sorted()
        let text = try SessionTests.run(["prune layer1.conv1 --by l1 --count 2"], on: &s)
        #expect(text.contains("removed channels \(ChannelPreview.ranges(expected)) of /layer1/conv1/Conv"))
    }

    @Test func globalPruneReachesItsTargetAndRespectsSkipAndMinimum() throws {
        var s = try SessionTests.load("mini_densenet")
        let before = try s.current().summary.totalParameters
        _ = try SessionTests.run(["prune --global --by l2 --target-params 0.7 --min-channels 2 --skip stem"], on: &s)
        let doc = try s.current()
        let kept = Double(doc.summary.totalParameters) / Double(before)
        #expect(kept >= 0.7 && kept < 0.8, "kept \(kept)")
        #expect(doc.model.graph.initializers[ValueID("stem.weight")]?.shape[0] == 8, "skipped layer untouched")
        #expect(doc.summary.rows.filter { $0.opType == "Conv" }.allSatisfy { ($0.outputs.first?.dims?[1].value ?? 0) >= 2 })
    }

    @Test func deletingAChannelChangingLayerMakesItsConsumersFollow() throws {
        var s = try SessionTests.load("mini_densenet")
        let text = try SessionTests.run(["delete layer trans_conv"], on: &s)
        #expect(text.contains("10 → 20 channels absorbed by /head_bn/BatchNormalization, /fc/Gemm"))
        let graph = try s.current().model.graph
        #expect(graph.initializers[ValueID("fc.weight")]?.shape == [10, 20])
        #expect(graph.initializers[ValueID("head_bn.weight")]?.floats == Array(repeating: 1, count: 20))
        var m = try SessionTests.load("mobilenetv2_block")
        #expect(throws: CoreError.self) { _ = try SessionTests.run(["delete layer block.expand.0.0"], on: &m) }
        #expect(try m.current().edits.isEmpty)
    }

    @Test func insertedLayersKeepTheFunctionWherePossible() throws {
        var s = try SessionTests.load()
        let bn = try SessionTests.run(["insert after layer1.conv1 BatchNormalization"], on: &s)
        #expect(bn.contains("set as identity"))
        let conv = try SessionTests.run(["insert after layer2.conv1 Conv kernel=1 group=2"], on: &s)
        #expect(conv.contains("He-initialised"), "a grouped convolution cannot be an identity")
        _ = try SessionTests.run(["undo"], on: &s)
        let flat = #expect(throws: CoreError.self) { _ = try SessionTests.run(["insert before fc Conv out=4 kernel=1"], on: &s) }
        #expect(flat?.description.contains("Conv slides over spatial axes, and its input here, next to '/fc/Gemm', is N×features with none") == true,
                "\(String(describing: flat))")
        #expect(throws: CoreError.self) { _ = try SessionTests.run(["replace layer1.conv1 Convolution"], on: &s) }
        let doc = try s.current()
        #expect(doc.edits.count == 1, "the Conv before a Gemm on N×features is refused")
        #expect(doc.model.graph.nodes.contains { $0.opType == "BatchNormalization" && $0.name.hasPrefix("/layer1/") && $0.name.hasSuffix("batchnormalization") })
    }
}

/// The `score` command's outputs.
@Suite struct ScoreCommandTests {
    private func deadChannels(_ line: String, _ s: inout Session) throws -> [Int] {
        let json = try SessionTests.run([line], on: &s)
        let layer = try #require((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])?.first)
        return (layer["channels"] as? [[String: Any]] ?? []).filter { $0["dead"] as? Bool == true }.compactMap { $0["channel"] as? Int }.sorted()
    }

    /// `critical` lists only filters whose removal lowers a class's accuracy, says "none" for a
    /// class no single filter changes, and its union holds exactly the listed filters.
    @Test func criticalListsOnlyFiltersThatMatter() throws {
        let root = CommandTests.fixtures.deletingLastPathComponent().deletingLastPathComponent()
        var s = try Session(loading: root.appendingPathComponent("examples/digits_cnn.onnx").path)
        let data = root.appendingPathComponent("examples/digits_test.npz").path
        let json = try SessionTests.run(["critical conv3 --data \(data) --per-class 3 --json"], on: &s)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let classes = try #require(object["classes"] as? [[String: Any]])
        var listed = Set<Int>()
        for entry in classes {
            let filters = entry["filters"] as? [Int] ?? [], drops = entry["drops"] as? [Double] ?? []
            #expect(filters.count <= 3 && drops.count == filters.count && drops.allSatisfy { $0 > 0 }, "\(entry)")
            #expect(drops == drops.sorted(by: >))
            listed.formUnion(filters)
        }
        #expect(classes.contains { ($0["filters"] as? [Int])?.isEmpty == true }, "on this well-fitted model some class has no critical filter")
        #expect(Set(object["union"] as? [Int] ?? []) == listed)
        let text = try SessionTests.run(["critical conv3 --data \(data) --per-class 3"], on: &s)
        #expect(text.contains("none, no filter changes its accuracy (largest loss increase: "))
        #expect(!text.contains("(0.00%"))
    }

    /// Dead means never positive after a rectifier: a channel whose BatchNorms make it −1 before
    /// each of mobilenet_v2's ReLU6s (Clips with a Constant floor of 0) in features.2's expand and
    /// depthwise convolutions (one group) is dead; the logits of the classifier (no rectifier
    /// after them) never are, however negative.
    @Test func deadChannelsAreThoseARectifierSilences() throws {
        var model = try Model.load(path: CommandTests.fixtures.appendingPathComponent("mobilenet_v2_slim.onnx").path)
        let silenced = [("net.features.2.conv.0.1.weight", Float(0)), ("net.features.2.conv.0.1.bias", -1),
                        ("net.features.2.conv.1.1.weight", 0), ("net.features.2.conv.1.1.bias", -1)]
        for (name, value) in silenced {
            var values = try #require(model.graph.initializers[ValueID(name)]?.floats)
            values[5] = value
            model.graph.initializers[ValueID(name)] = Tensor(floats: values, shape: [values.count])
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-dead-\(UUID().uuidString).onnx").path
        try model.save(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var s = try Session(loading: path)
        let x = try #require(try NPZ.read(path: CommandTests.fixtures.appendingPathComponent("mobilenet_v2_slim.npz").path)["x"])
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-dead-\(UUID().uuidString).npy").path
        try NPY.write(x.floats(), shape: x.shape, to: data)
        defer { try? FileManager.default.removeItem(atPath: data) }
        #expect(try deadChannels("score features.2.conv.0.0 --by dead --data \(data) --json", &s) == [5])
        #expect(try deadChannels("score classifier.1 --by dead --data \(data) --json", &s) == [])
        var digits = try Session(loading: CommandTests.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/digits_cnn.onnx").path)
        let test = CommandTests.fixtures.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples/digits_test.npz").path
        #expect(try deadChannels("score fc --by dead --data \(test) --json", &digits) == [])
    }

    @Test func tableJSONCSVAndPlot() throws {
        var s = try SessionTests.load()
        let text = try SessionTests.run(["score layer1.conv1 --by l1 --bottom 2"], on: &s)
        #expect(text.contains("/layer1/conv1/Conv by l1") && text.contains("histogram:"))
        let json = try SessionTests.run(["score layer1.conv1 --by l2 --json"], on: &s)
        let layers = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect((layers.first?["channels"] as? [[String: Any]])?.count == 8)
        let csv = try SessionTests.run(["score layer1.conv1 --by fpgm --csv --top 3"], on: &s)
        #expect(csv.split(separator: "\n").count == 4 && csv.hasPrefix("layer,channel,score,rank,dead"))
        let plot = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-\(UUID().uuidString).svg")
        defer { try? FileManager.default.removeItem(at: plot) }
        _ = try SessionTests.run(["score conv1 --by l1 --plot \(plot.path)"], on: &s)
        let svg = try String(contentsOf: plot, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.components(separatedBy: "<title>channel").count - 1 == 8)
        #expect(try SessionTests.run(["show conv1"], on: &s).contains("    l1: lowest "), "show lists scores of the current model")
        _ = try SessionTests.run(["rename layer2.conv2 renamed"], on: &s)
        #expect(!(try SessionTests.run(["show conv1"], on: &s)).contains("scores (from"), "an edit makes a new model state")
        _ = try SessionTests.run(["undo"], on: &s)
        #expect(try SessionTests.run(["show conv1"], on: &s).contains("    l1: lowest "))
        #expect(throws: ShellError.self) { _ = try SessionTests.run(["score conv1 --by taylorish"], on: &s) }
        #expect(throws: ShellError.self) { _ = try SessionTests.run(["score conv1 --by apoz"], on: &s) }
    }

    /// The message names the layer the user named, even where the edit renumbers the layers.
    @Test func deleteChannelsNamesTheLayerTheUserNamed() throws {
        var s = try SessionTests.load("mobilenet_v2_slim")
        let text = try SessionTests.run(["delete channels 0 0-3"], on: &s)
        #expect(text.hasPrefix("deleted 4 channels of /net/features/features.0/features.0.0/Conv: 7 layers changed, 432 parameters removed"), "\(text)")
    }
}
