import ArgumentParser
import Foundation
import ScalpelCore
import ScalpelShell

@main
struct Scalpel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scalpel",
        abstract: "Surgery on trained neural networks: open an ONNX model, inspect it, cut it, undo, save.",
        usage: """
        scalpel [MODEL]                       open the interactive shell
        scalpel MODEL -c CMD [-c CMD ...]     run commands and exit
        scalpel run SCRIPT [MODEL] [-o OUT]   replay a script
        scalpel --recover                     restore a session that was killed
        """,
        discussion: "`scalpel help open` and `scalpel help run` give the details; inside the shell, `help` lists the commands.",
        subcommands: [Open.self, RunScript.self],
        defaultSubcommand: Open.self)
}

/// `scalpel [MODEL] [-c CMD…] [--recover]`: the shell, or commands given on the command line.
struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Open MODEL in the interactive shell, or run -c commands on it and exit.",
        discussion: """
        With -c, runs the commands in order as one script, all or nothing (the first failing one \
        stops them with -c:N: message, and no file is written), then exits. Without, opens the shell: line editing, \
        history (~/.scalpel_history), Tab completion, undo/redo. When standard input is not a \
        terminal, commands are read from it one a line (`echo summary | scalpel m.onnx`).
        Commands: \(CommandRunner.commands.map(\.name).joined(separator: ", ")) (`help CMD` explains each).
        Example: scalpel resnet18.onnx -c summary -c "show layer1.0.conv1"
        """)

    @Argument(help: "The ONNX model to open.")
    var model: String?

    @Option(name: .customShort("c"), help: ArgumentHelp("A command to run (repeatable).", valueName: "command"))
    var commands: [String] = []

    @Option(name: .customLong("input-shape"), help: ArgumentHelp("Fix an input's dimensions on opening, as the `input-shape` command does (repeatable).", valueName: "[NAME=]DIMS"))
    var inputShapes: [String] = []

    @Flag(help: "Restore the latest session that ended without quitting (crash, kill) from its journal.")
    var recover = false

    /// The `input-shape` commands `--input-shape` stands for.
    private var fixedShapes: [String] { inputShapes.map { "input-shape " + Tokenizer.quote($0) } }

    func validate() throws {
        if recover, model != nil || !commands.isEmpty {
            throw ValidationError("--recover takes no model and no -c commands: it restores the session as it was")
        }
        if model == nil, !inputShapes.isEmpty { throw ValidationError("--input-shape needs a model: scalpel MODEL --input-shape images=1x3x640x640") }
        if model == nil, !commands.isEmpty, !commands.contains(where: { $0.hasPrefix("load") }) {
            throw ValidationError("-c commands need a model: scalpel MODEL -c CMD")
        }
    }

    /// Prints the opened model's warnings on standard error.
    private func warn(_ session: Session, _ errors: inout any Console) {
        for warning in session.document?.model.warnings ?? [] { errors.line("scalpel: warning: \(warning)") }
    }

    func run() throws {
        var console: any Console = Terminal.standardOutput
        var errors: any Console = Terminal.standardError
        do {
            let paths = ShellLoop.Paths(home: ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory())
            var session: Session
            if recover {
                guard let path = Journal.leftBehind(in: paths.journals).first else {
                    throw ShellError.refused("no session to recover: every earlier session ended with quit")
                }
                let (recovered, count) = try ShellLoop.recover(journal: path, console: &errors)
                session = recovered
                errors.line("recovered \(count) command(s) from \(path)")
            } else {
                session = try model.map { try Session(loading: $0) } ?? Session()
                warn(session, &errors)
                let journal = try Journal.start(in: paths.journals)
                try journal.append("# cwd " + FileManager.default.currentDirectoryPath)
                if let model { try journal.append("load " + Tokenizer.quote(model)) }
                session.journal = journal
                for line in fixedShapes { try CommandRunner.run(line, session: &session, console: &errors) }
            }
            if !commands.isEmpty {
                defer { ShellLoop.end(session, errors: &errors) }
                try ScriptRunner.run(lines: commands, name: "-c", session: &session, console: &console)
                return
            }
            if LineEditor.isInteractive {
                ShellLoop.interactive(session: &session, console: &console, errors: &errors, paths: paths)
            } else if !ShellLoop.stream(session: &session, console: &console, errors: &errors) {
                throw ExitCode.failure
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            errors.line("scalpel: error: \(error)")
            throw ExitCode.failure
        }
    }
}

/// `scalpel run SCRIPT [MODEL] [-o OUT]`: replays a file of commands.
struct RunScript: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Replay a script of commands; all or nothing.",
        discussion: """
        Runs SCRIPT's commands in order on MODEL (or on what the script loads). The script stops \
        at its first failing line with FILE:LINE: message, exits non-zero and writes no file; \
        files it saves are written only when every line succeeded.
        Example: scalpel run surgery.scalpel resnet18.onnx -o resnet18-small.onnx
        """)

    @Argument(help: "The script: one command a line, # comments.")
    var script: String

    @Argument(help: "The model to run it on (else the script must `load` one).")
    var model: String?

    @Option(name: .shortAndLong, help: "Save the resulting model here when the script succeeds.")
    var output: String?

    func run() throws {
        var console: any Console = Terminal.standardOutput
        var errors: any Console = Terminal.standardError
        do {
            var session = try model.map { try Session(loading: $0) } ?? Session()
            var lines = try String(contentsOfFile: script, encoding: .utf8).components(separatedBy: "\n")
            if let output { lines.append("save \(Tokenizer.quote(output)) --force") }
            try ScriptRunner.run(lines: lines, name: script, session: &session, console: &console)
        } catch {
            errors.line("scalpel: error: \(error)")
            throw ExitCode.failure
        }
    }
}
