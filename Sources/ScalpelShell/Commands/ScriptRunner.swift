import Foundation
import ScalpelCore

/// Runs files of commands. A script is all or nothing: it stops at its first failing line with
/// `FILE:LINE: message`, leaves the session as it was, and writes no file; the files its
/// `save` and `graph` lines asked for are written only once every line has succeeded.
public enum ScriptRunner {
    /// Runs the script at `path` against `session`.
    public static func run(file path: String, session: inout Session, console: inout any Console) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ShellError.refused("cannot read script '\(path)': " + (FileManager.default.fileExists(atPath: path) ? "not UTF-8 text" : "no such file"))
        }
        try run(lines: text.components(separatedBy: "\n"), name: path, session: &session, console: &console)
    }

    /// Runs lines of commands as one script named `name` (for messages).
    public static func run(lines: [String], name: String, session: inout Session, console: inout any Console) throws {
        var working = session
        let outermost = working.pendingWrites == nil
        if outermost { working.pendingWrites = [] }
        for (i, line) in lines.enumerated() {
            do {
                try CommandRunner.run(line, session: &working, console: &console)
            } catch {
                throw ShellError.script(file: name, line: i + 1, message: "\(error)" + (outermost ? "; nothing was written" : ""))
            }
            for k in working.pendingWrites?.indices ?? 0..<0 where working.pendingWrites?[k].origin == nil {
                working.pendingWrites?[k].origin = (name, i + 1)
            }
            if working.quitRequested { break }
        }
        if outermost {
            do {
                try working.finishScript(console: &console)
            } catch let failure as WriteFailure {
                let origin = failure.write.origin ?? (name, lines.count)
                throw ShellError.script(file: origin.file, line: origin.line, message: "\(failure); nothing was written")
            }
        }
        session = working
    }
}

/// `source` and `save-script`: scripts from inside the shell.
enum ScriptCommands {
    static let source = CommandSpec(
        name: "source",
        summary: "run a file of commands; all or nothing (stops at the first failing line, writes nothing then)",
        positionals: [Positional("FILE", .path)],
        example: "source prune-resnet.scalpel",
        run: { args, session, console in
            let path = try args.positionals(1, "the script file")[0]
            try ScriptRunner.run(file: path, session: &session, console: &console)
        })

    static let saveScript = CommandSpec(
        name: "save-script",
        summary: "write the edits in effect as a script that replays them on the original model",
        positionals: [Positional("FILE", .path)],
        example: "save-script surgery.scalpel   # then: scalpel run surgery.scalpel model.onnx -o out.onnx",
        run: { args, session, console in
            let path = try args.positionals(1, "the script file to write")[0]
            let doc = try session.current()
            let text = "# edits recorded on \(doc.path)\n# replay: scalpel run \(Tokenizer.quote(path)) \(Tokenizer.quote(doc.path)) -o OUT.onnx\n"
                + doc.edits.map { $0.line + "\n" }.joined()
            try session.write(Data(text.utf8), to: path, message: "wrote \(path) (\(SessionCommands.plural(doc.edits.count, "edit")))", console: &console)
        })
}
