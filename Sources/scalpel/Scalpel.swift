import ArgumentParser
import Foundation
import ScalpelCore
import ScalpelShell

/// Writes to standard output.
struct StandardOutput: Console {
    mutating func write(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
}

@main
struct Scalpel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scalpel",
        abstract: "Surgery on trained neural networks: open an ONNX model, inspect it, cut it, save it.",
        discussion: """
        Runs the commands given with -c, in order, on MODEL and exits; with none, prints `summary`.
        Example: scalpel resnet18.onnx -c summary -c "show layer1.0.conv1" -c "save copy.onnx"
        Commands: \(CommandRunner.commands.map(\.name).joined(separator: ", ")) (`-c help` explains each).
        """)

    @Argument(help: "The ONNX model to open.")
    var model: String

    @Option(name: .customShort("c"), help: ArgumentHelp("A command to run (repeatable).", valueName: "command"))
    var commands: [String] = []

    mutating func run() throws {
        var console: any Console = StandardOutput()
        do {
            var session = try Session(loading: model)
            for line in commands.isEmpty ? ["summary"] : commands {
                try CommandRunner.run(line, session: &session, console: &console)
            }
        } catch {
            FileHandle.standardError.write(Data("scalpel: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
