import Foundation
import ScalpelCore
import ScalpelShell
import Testing

/// The `scalpel` executable: exit codes and one-line errors for bad input.
@Suite struct CLITests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("scalpel").path
    static let fixtures = CommandTests.fixtures

    /// The built `scalpel` executable beside the tests, or in the package's build folders.
    static func binaryPath() throws -> String {
        try #require(FileManager.default.isExecutableFile(atPath: binary) ? binary : locateBinary(),
                     "build the scalpel product first (scripts/test does)")
    }

    private static func locateBinary() -> String? {
        let root = fixtures.deletingLastPathComponent().deletingLastPathComponent()
        return [".build/debug/scalpel", ".build/release/scalpel"].map { root.appendingPathComponent($0).path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private func expectOneLineError(_ arguments: [String], containing text: String) throws {
        let result = try ProcessTests.scalpel(arguments)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("scalpel: error: ") && result.stderr.contains(text), "\(result.stderr)")
    }

    @Test func runsCommandsInOrder() throws {
        let result = try ProcessTests.scalpel([Self.fixtures.appendingPathComponent("se_block.onnx").path, "-c", "shapes --json", "-c", "help save"])
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

    /// A command that did nothing the user asked for fails, says why in one line, and a script stops there.
    @Test func commandsThatDoNothingFail() throws {
        func model(_ name: String) -> String { Self.fixtures.appendingPathComponent(name + ".onnx").path }
        try expectOneLineError([model("plain_cnn_fused"), "-c", "score --all --by bn-gamma"],
                               containing: "no layer could be scored by bn-gamma: 3 layers ('/conv1/Conv', '/conv2/Conv', …): the layer is not followed by a BatchNormalization")
        try expectOneLineError([model("rearrange_zoo"), "-c", "prune --global --by l1 --target-params 0.5"],
                               containing: "no channel can be pruned: all 2 layers are blocked; 1 layer ('/Conv_c'): '/DepthToSpace_d2s' (DepthToSpace) blocks the group: "
                                   + "Scalpel has no channel rule for DepthToSpace: it moves channels into space (or back), which Scalpel does not follow yet")
        try expectOneLineError([model("mobilenet_v3_slim_fused"), "-c", "prune --global --by l1 --target-params 0.99999"],
                               containing: "the lowest-ranked channel (one of '/net/features/features.12/features.12.0/Conv') alone would keep 0.99762 of the parameters, less than the target 0.99999")
        // At 0.999 that channel is too costly, but cheaper ones further up the ranking still fit.
        let cheaper = try ProcessTests.scalpel([model("mobilenet_v3_slim_fused"), "-c", "prune --global --by l1 --target-params 0.999"])
        #expect(cheaper.status == 0)
        #expect(cheaper.stdout.contains("removed 2 channels from 2 of 26 prunable groups (lowest l1); parameters 118,242 → 118,133"), "\(cheaper.stdout)")
        try expectOneLineError([model("plain_cnn_bn"), "-c", "prune --global --by l1 --target-params 0.5 --min-channels 100"],
                               containing: "every prunable group already has at most 100 channel(s), the minimum asked for; lower --min-channels")
        // The libraries say what is missing; the shell names the option that gives it.
        let unlabelled = Self.fixtures.deletingLastPathComponent().appendingPathComponent("ScalpelDataTests/Fixtures/images-idx3-ubyte.gz").path
        try expectOneLineError([model("plain_cnn_bn"), "-c", "eval --data \(unlabelled)"],
                               containing: "evaluation needs labels, and the dataset has none: give them with --labels FILE, or a `y` array in the .npz")
        // A prune that cannot reach its target does what it can and says why.
        let short = try ProcessTests.scalpel([model("se_block"), "-c", "prune --global --by l1 --target-params 0.05"])
        #expect(short.status == 0)
        #expect(short.stdout.contains("(the target 0.05 is out of reach: cutting every prunable group to 1 channel(s) keeps 0.067885; "
            + "1 layer is blocked: 1 layer ('/fc/Gemm'): the channels reach the model output 'y'"), "\(short.stdout)")
        // A group whose deletion alone would break a shape the model computes at run time (a
        // Reshape to another tensor's channel count, read by Shape) is left out, and the plan
        // made again without it.
        let computed = try ProcessTests.scalpel([model("shape_read_cnn"), "-c", "prune --global --by l1 --target-params 0.8"])
        #expect(computed.status == 0, "\(computed.stderr)")
        #expect(computed.stdout.contains("removed 6 channels from 1 of 1 prunable groups (lowest l1) (left out: 1 layer ('/v/Conv'): "
            + "deleting its channels would break shapes: node '/Reshape' (Reshape): cannot reshape 384 elements into [N, 8, 8, 8]; "
            + "1 layer ('/stem/stem.0/stem.0.0/Conv'): deleting its channels would break shapes"), "\(computed.stdout)")
        // Where some layers score, the rest are summarised and the command succeeds.
        let partial = try ProcessTests.scalpel([model("plain_cnn_bn"), "-c", "score --all --by bn-gamma"])
        #expect(partial.status == 0)
        #expect(partial.stdout.contains("not scored: 1 layer ('/fc/Gemm'): the layer is not followed by a BatchNormalization"), "\(partial.stdout)")
    }
}

/// The shell as a process: scripts, standard input, and recovery after kill -9.
@Suite struct ProcessTests {
    static func scalpel(_ arguments: [String], input: String = "", home: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try CLITests.binaryPath())
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // Journals go to a home of the test's own, never the user's.
        let ownHome = home == nil ? try ScriptTests.temporaryDirectory() : nil
        defer { if let ownHome { try? FileManager.default.removeItem(at: ownHome) } }
        env["HOME"] = home ?? ownHome!.path
        process.environment = env
        let stdin = Pipe(), out = Pipe(), err = Pipe()
        process.standardInput = stdin
        process.standardOutput = out
        process.standardError = err
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    static var model: String { CommandTests.fixtures.appendingPathComponent("mini_resnet.onnx").path }

    @Test func readsCommandsFromAPipe() throws {
        let home = try ScriptTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let result = try Self.scalpel([Self.model], input: "summary\nrename conv1 stem\nhistory\n", home: home.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("parameters: 5,410") && result.stdout.contains("rename conv1 stem"))
        #expect(!result.stdout.contains("scalpel mini_resnet.onnx>"), "no prompt without a terminal")
        let failing = try Self.scalpel([Self.model], input: "summary\nshow nowhere\nsummary\n", home: home.path)
        #expect(failing.status == 1)
        #expect(failing.stderr.hasPrefix("<stdin>:2: no layer named 'nowhere'"))
    }

    @Test func runReplaysAScriptAndSavesOnlyOnSuccess() throws {
        let dir = try ScriptTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.scalpel").path, bad = dir.appendingPathComponent("bad.scalpel").path
        try "delete layer layer1.bn1\n# comment\nrename fc classifier\n".write(toFile: good, atomically: true, encoding: .utf8)
        try "delete layer layer1.bn1\nrename fc\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out.onnx").path
        let ok = try Self.scalpel(["run", good, Self.model, "-o", out])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try Model.load(path: out).graph.nodes.contains { $0.name == "classifier" })
        try FileManager.default.removeItem(atPath: out)
        let failed = try Self.scalpel(["run", bad, Self.model, "-o", out])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("bad.scalpel:2: rename: missing the layer and its new name"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func killedSessionIsRecoveredFromItsJournal() throws {
        let home = try ScriptTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try CLITests.binaryPath())
        process.arguments = [Self.model]
        process.environment = ProcessInfo.processInfo.environment.merging(["HOME": home.path]) { _, new in new }
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        stdin.fileHandleForWriting.write(Data("delete layer layer1.bn1\nrename conv1 stem\nshow stem\n".utf8))
        let journals = home.appendingPathComponent(".scalpel/journals").path
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let text = Journal.leftBehind(in: journals).first.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
            if text.contains("rename conv1 stem") { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let saved = home.appendingPathComponent("recovered.onnx").path
        let recovered = try Self.scalpel(["--recover"], input: "history\ndiff\nsave \(saved)\nquit\n", home: home.path)
        #expect(recovered.status == 0, "\(recovered.stderr)")
        #expect(recovered.stderr.contains("recovered 3 command(s)"))
        #expect(recovered.stdout.contains("delete layer layer1.bn1") && recovered.stdout.contains("rename conv1 stem"))
        #expect(recovered.stdout.contains("renamed from /conv1/Conv"))
        let none = try Self.scalpel(["--recover"], home: home.path)  // the recovered session was saved
        #expect(none.status == 1 && none.stderr.contains("no session to recover"))
    }
}
