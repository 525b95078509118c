import Foundation
import Testing

/// The `scalpel` executable: exit codes and one-line errors for bad input.
@Suite struct CLITests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("scalpel").path
    static let fixtures = CommandTests.fixtures

    private func scalpel(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let binaryPath = try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary) ? Self.binary : locateBinary(),
            "build the scalpel product first (scripts/test does)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binaryPath)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    private func locateBinary() -> String? {
        let root = Self.fixtures.deletingLastPathComponent().deletingLastPathComponent()
        return [".build/debug/scalpel", ".build/release/scalpel"].map { root.appendingPathComponent($0).path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private func expectOneLineError(_ arguments: [String], containing text: String) throws {
        let result = try scalpel(arguments)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("scalpel: error: ") && result.stderr.contains(text), "\(result.stderr)")
    }

    @Test func runsCommandsInOrder() throws {
        let result = try scalpel([Self.fixtures.appendingPathComponent("se_block.onnx").path, "-c", "shapes --json", "-c", "help save"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("{\n  \"values\": ["))
        #expect(result.stdout.contains("usage") == false && result.stdout.contains("save FILE [--force]"))
    }

    @Test func badInputGivesOneLineErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = try Data(contentsOf: Self.fixtures.appendingPathComponent("mini_resnet.onnx"))
        let truncated = dir.appendingPathComponent("truncated.onnx")
        try original.prefix(original.count - 100).write(to: truncated)
        let text = dir.appendingPathComponent("notes.onnx")
        try Data("this is a text file\n".utf8).write(to: text)
        try expectOneLineError([truncated.path], containing: "truncated")
        try expectOneLineError([text.path], containing: "is not a readable ONNX model")
        try expectOneLineError([dir.appendingPathComponent("absent.onnx").path], containing: "no such file")
        try expectOneLineError([Self.fixtures.appendingPathComponent("mini_resnet.onnx").path, "-c", "show nosuchlayer"],
                               containing: "no layer named 'nosuchlayer'")
    }
}
