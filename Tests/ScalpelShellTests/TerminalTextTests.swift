import Foundation
@testable import ScalpelShell
import Testing

/// Names from a file cannot drive the terminal: their control characters are shown, not sent.
@Suite struct TerminalTextTests {
    @Test func controlCharactersAreShownAndScalpelsOwnBoldStays() {
        #expect(TerminalText.safe("a\u{1B}]0;owned\u{07}b \u{1B}[1mX\u{1B}[0m\r\n\tok\u{202E}") ==
            "a\\x1b]0;owned\\x07b \u{1B}[1mX\u{1B}[0m\\x0d\n\tok\\u{202e}")
        #expect(TerminalText.safe("layer1.0.conv1 → 16") == "layer1.0.conv1 → 16")
    }

    @Test func aLayerNamedWithAnEscapeSequenceIsPrintedHarmlessly() throws {
        let dir = try ScriptTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var s = try SessionTests.load()
        let path = dir.appendingPathComponent("named.onnx").path
        _ = try SessionTests.run(["rename conv1 \"stem\u{1B}[2J\u{07}\"", "save \(path)"], on: &s)
        let shown = try ProcessTests.scalpel([path, "-c", "summary"])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("stem\\x1b[2J\\x07") && !shown.stdout.unicodeScalars.contains("\u{1B}"), "\(shown.stdout)")
    }
}
