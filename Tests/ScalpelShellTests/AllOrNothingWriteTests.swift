import Foundation
import ScalpelCore
@testable import ScalpelShell
import Testing

/// A script's files are written all together or not at all, and a killed save's temporary files
/// do not outlive the next save to their folder.
@Suite struct AllOrNothingWriteTests {
    @Test func aScriptWhoseSecondSaveFailsWritesNothingAndSaysSoOnce() throws {
        let dir = try ScriptTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = dir.appendingPathComponent("first.onnx").path, graph = dir.appendingPathComponent("g.dot").path
        let script = dir.appendingPathComponent("two-saves.scalpel").path
        try "delete channels conv1 0\nsave \(first)\ngraph \(graph)\nsave \(dir.path)/missing/second.onnx\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        let result = try ProcessTests.scalpel([ProcessTests.model, "-c", "source \(script)"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("two-saves.scalpel:4: cannot access '\(dir.path)/missing/second.onnx'"), "\(result.stderr)")
        #expect(!result.stdout.contains("saved") && !result.stdout.contains("wrote"), "\(result.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["two-saves.scalpel"])
    }

    @Test func commandLineCommandsAreOneScript() throws {
        let dir = try ScriptTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = dir.appendingPathComponent("first.onnx").path
        let failed = try ProcessTests.scalpel([ProcessTests.model, "-c", "delete channels conv1 0", "-c", "save \(first)", "-c", "show nosuch"])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("-c:3: no layer named 'nosuch'") && failed.stderr.contains("nothing was written"), "\(failed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: first))
        let passed = try ProcessTests.scalpel([ProcessTests.model, "-c", "delete channels conv1 0", "-c", "save \(first)", "-c", "summary"])
        #expect(passed.status == 0 && passed.stdout.contains("saved \(first)"), "\(passed.stderr)")
        #expect(try Model.load(path: first).graph.parameterCount == 5_071)
    }

    @Test func temporaryFilesOfDeadWritersAreRemovedByTheNextSave() throws {
        let dir = try ScriptTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A pid above the kernel's maximum (4194304) belongs to no process; our own pid is alive.
        let abandoned = ".model.onnx.4999999.123.tmp", live = ".model.onnx.\(getpid()).456.tmp", other = ".notes.tmp"
        for name in [abandoned, live, other] {
            _ = FileManager.default.createFile(atPath: dir.appendingPathComponent(name).path, contents: Data(count: 1000))
        }
        let result = try ProcessTests.scalpel([ProcessTests.model, "-c", "save \(dir.path)/model.onnx"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: dir.path)) == [live, other, "model.onnx"])
    }
}
