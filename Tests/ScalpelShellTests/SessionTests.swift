import Foundation
import ScalpelCore
@testable import ScalpelShell
import Testing

/// Edits, undo, redo, history and diff, and the property that undo restores models bit for bit.
@Suite struct SessionTests {
    static func load(_ name: String = "mini_resnet") throws -> Session {
        try Session(loading: CommandTests.fixtures.appendingPathComponent(name + ".onnx").path)
    }

    static func run(_ lines: [String], on session: inout Session) throws -> String {
        var console: any Console = StringConsole()
        for line in lines { try CommandRunner.run(line, session: &session, console: &console) }
        return (console as? StringConsole)?.text ?? ""
    }

    @Test func undoAndRedoRestoreTheModelExactly() throws {
        var s = try Self.load()
        let original = try s.current().model.serialized()
        _ = try Self.run(["delete layer layer1.bn1", "rename conv1 stem"], on: &s)
        let edited = try s.current().model.serialized()
        #expect(edited != original)
        #expect(try s.current().isModified)
        _ = try Self.run(["undo", "undo"], on: &s)
        #expect(try s.current().model.serialized() == original)
        #expect(try s.current().isModified == false)
        _ = try Self.run(["redo", "redo"], on: &s)
        #expect(try s.current().model.serialized() == edited)
        #expect(throws: ShellError.refused("nothing to redo")) { _ = try Self.run(["redo"], on: &s) }
    }

    @Test func deletingALayerRewiresItsConsumersAndDropsItsWeights() throws {
        var s = try Self.load()
        let text = try Self.run(["delete layer layer1.bn1"], on: &s)
        #expect(text.contains("deleted '/layer1/bn1/BatchNormalization' (BatchNormalization)"))
        #expect(text.contains("parameters 5,410 → 5,378"))
        let graph = try s.current().model.graph
        #expect(graph.initializers[ValueID("layer1.bn1.weight")] == nil)
        #expect(graph.nodes.count == 21)
        #expect(try s.current().shapes.problems.isEmpty)
    }

    @Test func editsThatWouldBreakShapesAreRefusedAndChangeNothing() throws {
        var s = try Self.load()
        let before = try s.current().model.serialized()
        #expect(throws: CoreError.editRefused(
            "'/layer2/conv1/Conv' (Conv) changes the shape [N, 8, 16, 16] → [N, 16, 8, 8]; only a layer that keeps its input's shape, or changes only the channel count, can be deleted")) {
            _ = try Self.run(["delete layer layer2.conv1"], on: &s)
        }
        #expect(throws: CoreError.self) { _ = try Self.run(["delete layer fc"], on: &s) }
        #expect(throws: ShellError.refused("'/fc/Gemm' already names '/fc/Gemm'; pick another name")) {
            _ = try Self.run(["rename conv1 /fc/Gemm"], on: &s)
        }
        #expect(try s.current().model.serialized() == before)
        #expect(try s.current().edits.isEmpty)
    }

    @Test func theTransactionRejectsAnEditThatBreaksShapes() throws {
        var doc = try Self.load().current()
        let before = try doc.model.serialized()
        #expect(throws: ShellError.self) {
            _ = try doc.apply("shrink a weight") { model in
                model.graph.initializers[ValueID("layer1.conv1.weight")] = Tensor(floats: Array(repeating: 0, count: 288), shape: [8, 4, 3, 3])
                return "shrank"
            }
        }
        #expect(try doc.model.serialized() == before)
        #expect(doc.edits.isEmpty && !doc.isModified)
    }

    @Test func historyAndDiffReportEffects() throws {
        var s = try Self.load()
        _ = try Self.run(["delete layer layer1.bn1", "rename layer2.conv1 block2_conv"], on: &s)
        let history = try Self.run(["history"], on: &s)
        #expect(history.contains("delete layer layer1.bn1"))
        #expect(history.contains("5,410 → 5,378 (-0.6%)"))
        #expect(history.contains("rename layer2.conv1 block2_conv"))
        let diff = try Self.run(["diff"], on: &s)
        #expect(diff.contains("/layer1/bn1/BatchNormalization") && diff.contains("deleted"))
        #expect(diff.contains("block2_conv") && diff.contains("renamed from /layer2/conv1/Conv"))
        let json = try Self.run(["history --json"], on: &s)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(entries.count == 2)
        #expect(entries[0]["params_after"] as? Int == 5378)
    }

    @Test func loadRefusesToDropUnsavedEdits() throws {
        var s = try Self.load()
        _ = try Self.run(["rename conv1 stem"], on: &s)
        let other = CommandTests.fixtures.appendingPathComponent("se_block.onnx").path
        #expect(throws: ShellError.self) { _ = try Self.run(["load \(other)"], on: &s) }
        _ = try Self.run(["load \(other) --force"], on: &s)
        #expect(s.modelName == "se_block.onnx")
    }

    @Test func commandsNeedALoadedModel() {
        var s = Session()
        #expect(throws: ShellError.refused("no model is loaded; `load FILE` opens one")) { _ = try Self.run(["summary"], on: &s) }
    }

    /// Random edit sequences (rename, delete layer, delete channels) with undo and redo interleaved; undoing everything must give a model
    /// that saves byte-identical to the original, and every undo must restore the previous bytes.
    @Test(arguments: ["mini_resnet", "mobilenetv2_block", "yolo_block", "mini_densenet"])
    func randomEditsThenUndoAllSaveIdentically(fixture: String) throws {
        var rng = SeededRandom(seed: 0x5CA1 &+ UInt64(fixture.count))
        for _ in 0..<12 {
            var s = try Self.load(fixture)
            let original = try s.current().model.serialized()
            var snapshots: [Data] = [original]
            for step in 0..<14 {
                let doc = try s.current()
                let layers = doc.summary.rows
                let choice = rng.next() % 4
                if choice == 0, doc.edits.count > 0 {
                    _ = try Self.run(["undo"], on: &s)
                    snapshots.removeLast()
                    #expect(try s.current().model.serialized() == snapshots.last, "undo restores the previous model")
                } else if choice == 1, doc.canRedo {
                    _ = try Self.run(["redo"], on: &s)
                    snapshots.append(try s.current().model.serialized())
                } else {
                    let layer = layers[Int(rng.next() % UInt64(layers.count))]
                    let name = Tokenizer.quote(layer.name)
                    let channel = rng.next() % 4
                    let line = switch rng.next() % 3 {
                    case 0: "rename \(name) renamed_\(step)"
                    case 1: "delete layer \(name)"
                    default: "delete channels \(name) \(channel) \(channel + 2)"
                    }
                    if (try? Self.run([line], on: &s)) != nil { snapshots.append(try s.current().model.serialized()) }
                }
            }
            while try s.current().edits.count > 0 { _ = try Self.run(["undo"], on: &s) }
            #expect(try s.current().model.serialized() == original)
        }
    }
}
