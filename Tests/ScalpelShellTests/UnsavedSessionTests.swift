import Foundation
@testable import ScalpelShell
import Testing

/// A session that ends with edits unsaved keeps its journal and says how to get them back.
@Suite struct UnsavedSessionTests {
    @Test func aPipedSessionEndingUnsavedKeepsItsJournalForRecover() throws {
        let home = try ScriptTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let piped = try ProcessTests.scalpel([ProcessTests.model], input: "delete channels conv1 0\n", home: home.path)
        #expect(piped.status == 0)
        #expect(piped.stderr.contains("the session ended with 1 unsaved edit; `scalpel --recover` restores it"), "\(piped.stderr)")
        let recovered = try ProcessTests.scalpel(["--recover"], input: "history\n", home: home.path)
        #expect(recovered.stdout.contains("delete channels conv1 0"), "\(recovered.stdout) \(recovered.stderr)")
    }

    @Test func commandLineCommandsEndingUnsavedKeepTheirJournal() throws {
        let home = try ScriptTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let cut = try ProcessTests.scalpel([ProcessTests.model, "-c", "delete channels conv1 0"], home: home.path)
        #expect(cut.status == 0)
        #expect(cut.stderr.contains("the session ended with 1 unsaved edit; `scalpel --recover` restores it"), "\(cut.stderr)")
        let recovered = try ProcessTests.scalpel(["--recover"], input: "history\n", home: home.path)
        #expect(recovered.stdout.contains("delete channels conv1 0"), "\(recovered.stdout) \(recovered.stderr)")
        let looked = try ProcessTests.scalpel([ProcessTests.model, "-c", "summary"], home: home.path)
        #expect(looked.status == 0 && !looked.stderr.contains("unsaved"), "\(looked.stderr)")
    }

    @Test func aSessionEndingSavedLeavesNoJournal() throws {
        let home = try ScriptTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let out = home.appendingPathComponent("cut.onnx").path
        let piped = try ProcessTests.scalpel([ProcessTests.model], input: "delete channels conv1 0\nsave \(out)\n", home: home.path)
        #expect(piped.status == 0 && !piped.stderr.contains("unsaved"), "\(piped.stderr)")
        #expect(Journal.leftBehind(in: home.appendingPathComponent(".scalpel/journals").path).isEmpty)
    }
}
