import Foundation
import ScalpelCore
import ScalpelScoring
@testable import ScalpelShell
import ScalpelData
import Testing

/// The command language and the inspection commands, run as a user would type them.
@Suite struct CommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    private func session(_ name: String = "mini_resnet") throws -> Session {
        try Session(loading: Self.fixtures.appendingPathComponent(name + ".onnx").path)
    }

    private func run(_ lines: [String], on session: inout Session) throws -> String {
        try SessionTests.run(lines, on: &session)
    }

    private func error(_ line: String, _ name: String = "mini_resnet") throws -> String {
        var s = try session(name)
        do {
            _ = try run([line], on: &s)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func tokenizerQuotesEscapesAndComments() throws {
        #expect(try Tokenizer.words(#"show "/layer1/Conv 2" --json # trailing"#) == ["show", "/layer1/Conv 2", "--json"])
        #expect(try Tokenizer.words(#"save my\ model.onnx 'a b'"#) == ["save", "my model.onnx", "a b"])
        #expect(try Tokenizer.words("  # only a comment") == [])
        #expect(throws: ShellError.syntax("unclosed \" quote in: show \"abc")) { try Tokenizer.words("show \"abc") }
    }

    @Test func summaryListsLayersWithTotals() throws {
        var s = try session()
        let text = try run(["summary"], on: &s)
        #expect(text.contains("/layer1/conv1/Conv"))
        #expect(text.contains("parameters: 5,410"))
        let json = try run(["summary --json"], on: &s)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["total_params"] as? Int == 5410)
        #expect(object["total_macs"] as? Int == 579_744)
        let layers = try #require(object["layers"] as? [[String: Any]])
        #expect(layers.count == 22)
        #expect(layers[0]["outputs"] as? [[AnyHashable]] == [["N", 8, 16, 16]])
    }

    @Test func showResolvesNamesSuffixesAndIndices() throws {
        var s = try session()
        #expect(try run(["show conv1"], on: &s).hasPrefix("layer #0 /conv1/Conv (Conv)"), "an exact module path wins over suffixes")
        let byName = try run(["show /layer1/conv1/Conv"], on: &s)
        #expect(try run(["show layer1.conv1"], on: &s) == byName)
        #expect(try run(["show 3"], on: &s) == byName)
        #expect(byName.contains("layer #3 /layer1/conv1/Conv (Conv)"))
        #expect(byName.contains("layer1.conv1.weight  float32  [8, 8, 3, 3]"))
        #expect(byName.contains("from /Relu (Relu)"))
        #expect(byName.contains("→ /layer1/bn1/BatchNormalization (BatchNormalization)"))
        #expect(byName.contains("MACs per sample: 147,456"))
    }

    @Test func unknownLayerSuggestsNearNames() throws {
        #expect(try error("show layer1.conv3") == "no layer named 'layer1.conv3'; did you mean 'layer1.conv1', 'layer1.conv2', 'layer2.conv1'?")
        #expect(try error("show Relu") == "'Relu' matches 3 layers ('/Relu', '/layer1/Relu', '/layer2/Relu'); give more of the name or the layer's index")
        #expect(try error("show 99") == "no layer named '99'; did you mean 'an index from 0 to 21'?")
    }

    @Test func unknownCommandAndBadArgumentsAreExplained() throws {
        #expect(try error("sumary") == "unknown command 'sumary'; did you mean 'summary'? (`help` lists the commands)")
        #expect(try error("show") == "show: missing the layer (name, unique suffix, or # from summary); usage: show LAYER [--json]")
        #expect(try error("summary --verbose") == "summary: unknown option --verbose (it takes --json); usage: summary [--json]")
        #expect(try error("save a.onnx b.onnx").hasPrefix("save: too many arguments"))
    }

    @Test func saveRefusesToOverwriteTheLoadedFileWithoutForce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-shell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("m.onnx").path
        try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent("se_block.onnx").path, toPath: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        var s = try Session(loading: path)
        #expect(throws: ShellError.self) { _ = try run(["save \(path)"], on: &s) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        _ = try run(["save \(path) --force"], on: &s)
        #expect(try Session(loading: path).current().model.graph == s.current().model.graph)
    }

    @Test func graphWritesDOT() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-dot-\(UUID().uuidString).dot")
        defer { try? FileManager.default.removeItem(at: dir) }
        var s = try session("yolo_block")
        _ = try run(["graph \(dir.path)"], on: &s)
        let dot = try String(contentsOf: dir, encoding: .utf8)
        #expect(dot.hasPrefix("digraph"))
        let layerCount = try s.current().summary.rows.count
        #expect(dot.components(separatedBy: "\n").filter { $0.hasPrefix("  n") && $0.dropFirst(3).first?.isNumber == true && !$0.contains("->") }.count == layerCount)
        #expect(dot.contains("Resize") && dot.contains("[N, 16, 16, 16]"))
    }

    /// A console as wide as a terminal.
    struct WideConsole: Console {
        var text = ""
        var width: Int? { 160 }
        mutating func write(_ text: String) { self.text += text }
    }

    @Test func helpListsEveryCommandAndExplainsOne() throws {
        var s = try session()
        var console: any Console = WideConsole()
        try CommandRunner.run("help", session: &s, console: &console)
        let lines = ((console as? WideConsole)?.text ?? "").split(separator: "\n")
        for spec in CommandRunner.commands {
            #expect(lines.contains { $0.hasPrefix(spec.name + " ") }, "`help` in 160 columns names \(spec.name) in full")
            #expect(try run(["help \(spec.name)"], on: &s).hasPrefix(spec.usage))
        }
        #expect(try run(["help show"], on: &s).contains("example: show layer1.0.conv1"))
        for command in ["score", "prune"] {
            let text = try run(["help \(command)"], on: &s)
            for criterion in Criterion.allCases { #expect(text.contains("  \(criterion.rawValue) "), "help \(command) lists \(criterion.rawValue)") }
        }
    }

    /// The README's command table is the one the commands declare (`help --markdown`), so the two cannot drift.
    @Test func readmeTableIsTheCommandsOwn() throws {
        let readme = try String(contentsOf: CommandTests.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(HelpCommand.markdownTable), "regenerate the README's table with `scalpel MODEL -c \"help --markdown\"`")
        var s = try session()
        #expect(try run(["help --markdown"], on: &s) == HelpCommand.markdownTable)
    }

    /// The README's op table is the op declarations' own (`ops --markdown`).
    @Test func readmeOpTableIsTheDeclarationsOwn() throws {
        let readme = try String(contentsOf: CommandTests.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(OpsCommand.markdownTable), "regenerate the README's op table with `scalpel MODEL -c \"ops --markdown\"`")
    }

    /// The options every data command shares are accepted by each of them and named in its usage.
    @Test func dataCommandsShareTheirDataOptions() throws {
        for name in ["eval", "finetune", "score", "prune", "critical"] {
            let spec = try #require(CommandRunner.command(named: name))
            for option in DataOptions.reading(required: false) {
                #expect(spec.option(named: option.name) != nil && spec.usage.contains(option.name), "\(name) \(option.name)")
            }
        }
        for name in ["score", "prune"] {
            let spec = try #require(CommandRunner.command(named: name))
            for option in DataOptions.sampling { #expect(spec.option(named: option.name) != nil && spec.usage.contains(option.name), "\(name) \(option.name)") }
        }
        var s = try session()
        // --seed 0 is the default, so it is accepted like any other seed.
        let zero = try run(["score conv1 --by random --seed 0 --json"], on: &s), implicit = try run(["score conv1 --by random --json"], on: &s)
        #expect(zero == implicit)
    }

    /// A 1-D CNN (N×C×L) takes its sequences as they are: data criteria and `run` read them,
    /// and pruning keeps the model running in ONNX Runtime's shapes (checked by check-surgery).
    @Test func sequenceModelsTakeTheirSequences() throws {
        var s = try session("text_cnn")
        // The fixture's x (2×4×32) alone: its y holds the model's outputs, not labels.
        let x = try #require(try NPZ.read(path: Self.fixtures.appendingPathComponent("text_cnn.npz").path)["x"])
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("text_cnn_x_\(getpid()).npy").path
        try NPY.write(x.floats(), shape: x.shape, to: data)
        defer { try? FileManager.default.removeItem(atPath: data) }
        let scores = try run(["score conv2 --by mean-activation --data \(data) --json"], on: &s)
        #expect(scores.contains("\"group\": [\"/conv2/Conv\", \"/short/Conv\"]") && scores.contains("\"channel\": 23,"), "\(scores)")
        let ran = try run(["run --input \(data)"], on: &s)
        #expect(ran.contains("y: [2, 5] from 2 input(s)"), "\(ran)")
        _ = try run(["prune conv2 --by l1 --count 4", "run --input \(data)"], on: &s)
        #expect(try s.current().summary.rows.contains { $0.name == "/conv2/Conv" && $0.outputs.first?.dims?[1] == .value(20) })
    }

    /// Weights held in Constant nodes (as paddle2onnx writes them, with a literal -1 batch dim)
    /// count, score and prune exactly as the same weights in initializers do.
    @Test func constantNodeWeightsAreParameters() throws {
        var constants = try session("plain_cnn_constants"), initializers = try session("plain_cnn_bn")
        #expect(try constants.current().summary.totalParameters == initializers.current().summary.totalParameters)
        #expect(try constants.current().model.graph.initializers.values.allSatisfy { $0.elementType != .float32 })
        for command in ["score conv1 --by l1 --json", "score conv2 --by bn-gamma --json"] {
            #expect(try run([command], on: &constants) == run([command], on: &initializers), "\(command)")
        }
        let cut = "prune --global --by l2 --target-params 0.6"
        let (a, b) = (try run([cut], on: &constants), try run([cut], on: &initializers))
        #expect(a == b && a.contains("parameters 1,658 →"), "\(a)")
        #expect(try constants.current().model.graph.dataInputs.first?.declaredType?.dims?.first == .unknown)
    }

    /// Tab completes what an option takes: criteria after --by, paths after a file option.
    @Test func completionOffersOptionValues() throws {
        let s = try session()
        let completer = Completer(session: s)
        #expect(completer.candidates(for: "score conv1 --by ora") == ["oracle-loss", "oracle-accuracy"])
        #expect(completer.candidates(for: "prune --global --reduce m") == ["mean", "max"])
        #expect(completer.candidates(for: "finetune --optimizer a") == ["adam"])
        let fixtures = CommandTests.fixtures.path
        #expect(completer.candidates(for: "eval --data \(fixtures)/mini_res").contains("\(fixtures)/mini_resnet.npz"))
        #expect(completer.candidates(for: "score conv1 --val") == [])
    }
}

/// A command is one declaration: its usage, help, README row, parsing and completion all follow from it.
@Suite struct CommandDeclarationTests {
    static let clamp = CommandSpec(
        name: "clamp", summary: "clip a layer's weights to ±LIMIT",
        positionals: [Positional("LAYER", .layer)],
        options: [.value("--limit", "F", .number, required: true, "the largest magnitude kept"),
                  .value("--mode", "MODE", .choice(["hard", "soft"]), "how values beyond it are brought back"),
                  .value("--log", "FILE", .path, "where to write what changed"), .flag("--json", "print JSON instead of text")],
        example: "clamp conv1 --limit 0.5", run: { _, _, _ in })

    @Test func usageHelpAndReadmeRowComeFromTheDeclaration() {
        #expect(Self.clamp.usage == "clamp LAYER --limit F [--mode MODE] [--log FILE] [--json]")
        let help = HelpCommand.help(for: Self.clamp)
        #expect(help.hasPrefix("clamp LAYER --limit F [--mode MODE] [--log FILE] [--json]\n  clip a layer's weights to ±LIMIT\n  example: clamp conv1 --limit 0.5\n  options:\n"))
        #expect(help.contains("    --limit F    the largest magnitude kept (required)\n"))
        #expect(help.contains("    --json       print JSON instead of text\n"))
        #expect(HelpCommand.markdownRow(Self.clamp) == "| `clamp LAYER --limit F [--mode MODE] [--log FILE] [--json]` | clip a layer's weights to ±LIMIT |\n")
    }

    @Test func parsingChecksEveryOptionAgainstItsKind() throws {
        let parsed = try Arguments(["conv1", "--limit", "0.5", "--mode=soft", "--json"], line: "", for: Self.clamp)
        #expect(parsed.option("--limit") == "0.5" && parsed.option("--mode") == "soft" && parsed.flag("--json"))
        #expect(throws: ShellError.self) { try Arguments(["conv1"], line: "", for: Self.clamp) }  // --limit is required
        #expect(throws: ShellError.self) { try Arguments(["conv1", "--limit", "half"], line: "", for: Self.clamp) }
        #expect(throws: ShellError.self) { try Arguments(["conv1", "--limit", "1", "--mode", "wild"], line: "", for: Self.clamp) }
        #expect(throws: ShellError.self) { try Arguments(["conv1", "--limit", "1", "--json=yes"], line: "", for: Self.clamp) }
        #expect(throws: ShellError.self) { try Arguments(["conv1", "--limit", "1", "--depth", "2"], line: "", for: Self.clamp) }
        let error = #expect(throws: ShellError.self) { try Arguments(["conv1", "--limit", "1", "--mode", "wild"], line: "", for: Self.clamp) }
        #expect(error?.description.contains("--mode wants one of hard, soft, not 'wild'") == true, "\(String(describing: error))")
    }

    @Test func completionComesFromTheDeclaration() throws {
        let session = try Session(loading: CommandTests.fixtures.appendingPathComponent("plain_cnn_bn.onnx").path)
        let completer = Completer(session: session, commands: [Self.clamp])
        #expect(completer.candidates(for: "cla") == ["clamp"])
        #expect(completer.candidates(for: "clamp conv") == completer.values(of: .layer, matching: "conv"))
        #expect(!completer.candidates(for: "clamp conv").isEmpty)
        #expect(completer.candidates(for: "clamp conv1 --m") == ["--mode"])
        #expect(completer.candidates(for: "clamp conv1 --mode s") == ["soft"])
        #expect(completer.candidates(for: "clamp conv1 --limit ") == [])
        let fixtures = CommandTests.fixtures.path
        #expect(completer.candidates(for: "clamp conv1 --log \(fixtures)/plain_cnn_b").contains("\(fixtures)/plain_cnn_bn.onnx"))
    }
}
