import Foundation
import ScalpelCore
@testable import ScalpelShell
import Testing

/// Scripts are all or nothing, and `save-script` replays to a byte-identical model.
@Suite struct ScriptTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-script-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func aScriptFailingAtLine17WritesNothingAndChangesNothing() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let saved = dir.appendingPathComponent("early-save.onnx").path
        var lines = ["# a surgery script", "rename conv1 stem", "save \(saved)", "graph \(dir.appendingPathComponent("g.dot").path)"]
        while lines.count < 16 { lines.append(lines.count % 2 == 0 ? "show stem" : "") }
        lines.append("delete layer no.such.layer")
        lines.append("save \(dir.appendingPathComponent("late.onnx").path)")
        let script = dir.appendingPathComponent("surgery.scalpel")
        try lines.joined(separator: "\n").write(to: script, atomically: true, encoding: .utf8)
        var session = try SessionTests.load()
        let before = try session.current().model.serialized()
        var console: any Console = StringConsole()
        do {
            try ScriptRunner.run(file: script.path, session: &session, console: &console)
            Issue.record("the script should have failed")
        } catch {
            #expect("\(error)".hasPrefix("\(script.path):17: no layer named 'no.such.layer'"))
            #expect("\(error)".hasSuffix("; nothing was written"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["surgery.scalpel"])
        #expect(try session.current().model.serialized() == before)
        #expect(try session.current().edits.isEmpty)
    }

    @Test func savedScriptReplaysToAByteIdenticalModel() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var session = try SessionTests.load("yolo_block")
        let direct = dir.appendingPathComponent("direct.onnx").path
        let script = dir.appendingPathComponent("edits.scalpel").path
        _ = try SessionTests.run(["delete layer stem.bn", "rename c2f.cv1.conv 'first conv'", "delete layer down.bn", "undo",
                                  "rename up 'up sample'", "delete channels 'first conv' 1 12", "insert after c2f.cv2.conv Conv kernel=1 group=2",
                                  "prune --global --by l2 --target-params 0.8", "save \(direct)", "save-script \(script)"], on: &session)
        let text = try String(contentsOfFile: script, encoding: .utf8)
        #expect(text.contains("rename c2f.cv1.conv 'first conv'") && !text.contains("down.bn"))
        var replay = try SessionTests.load("yolo_block")
        let replayed = dir.appendingPathComponent("replayed.onnx").path
        var console: any Console = StringConsole()
        try ScriptRunner.run(lines: text.components(separatedBy: "\n") + ["save \(replayed)"], name: script,
                             session: &replay, console: &console)
        #expect(try Data(contentsOf: URL(fileURLWithPath: replayed)) == (try Data(contentsOf: URL(fileURLWithPath: direct))))
    }

    @Test func sourceInsideTheShellIsAllOrNothingToo() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("bad.scalpel")
        try "rename conv1 stem\nfrobnicate\n".write(to: script, atomically: true, encoding: .utf8)
        var session = try SessionTests.load()
        #expect(throws: ShellError.self) { _ = try SessionTests.run(["source \(script.path)"], on: &session) }
        #expect(try session.current().edits.isEmpty)
    }
}
