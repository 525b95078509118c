import Foundation
import ScalpelCore

/// The shell's read-run loops: one for a terminal (line editing, prompt, confirmation before
/// losing edits) and one for commands arriving on a pipe.
public enum ShellLoop {
    /// Where the shell keeps its history and journals.
    public struct Paths: Sendable {
        /// The history file (`~/.scalpel_history`).
        public var history: String
        /// The folder of session journals (`~/.scalpel/journals`).
        public var journals: String

        /// The standard places under `home`.
        public init(home: String) {
            history = (home as NSString).appendingPathComponent(".scalpel_history")
            journals = (home as NSString).appendingPathComponent(".scalpel/journals")
        }
    }

    /// The prompt: `scalpel MODEL> `, with `*` before `>` while edits are unsaved.
    public static func prompt(for session: Session) -> String {
        guard let doc = session.document, let name = session.modelName else { return "scalpel> " }
        return "scalpel \(name)\(doc.isModified ? "*" : "")> "
    }

    /// Runs the interactive shell until `quit` or Ctrl-D (confirmed when edits are unsaved).
    public static func interactive(session: inout Session, console: inout any Console, errors: inout any Console, paths: Paths) {
        let box = SessionBox(session)
        let editor = LineEditor(programName: "scalpel", historyFile: paths.history) { line in
            Completer(session: box.session).candidates(for: line)
        }
        var discarded = false
        while true {
            box.session = session
            guard let line = editor.readLine(prompt: prompt(for: session)) else {
                guard let discard = confirmQuit(session, editor) else { break }
                if discard { discarded = true; break }
                continue
            }
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            editor.addHistory(line)
            do {
                try CommandRunner.run(line, session: &session, console: &console)
            } catch {
                errors.line("error: \(error)")
            }
            if session.quitRequested {
                session.quitRequested = false
                guard let discard = confirmQuit(session, editor) else { break }
                if discard { discarded = true; break }
            }
        }
        if discarded { session.journal?.finish() } else { end(session, errors: &errors) }
    }

    /// Asks before discarding unsaved edits: true to end without them (or when there are none),
    /// false to stay, nil when the input ended before an answer (the edits are kept for `--recover`).
    private static func confirmQuit(_ session: Session, _ editor: LineEditor) -> Bool? {
        guard let doc = session.document, doc.isModified else { return true }
        let n = doc.unsavedEditCount
        let answer = editor.readLine(prompt: "discard \(SessionCommands.plural(n, "unsaved edit"))? [y/N] ")
        return answer.map { ["y", "yes"].contains($0.trimmingCharacters(in: .whitespaces).lowercased()) }
    }

    /// Ends a session: its journal is closed, or — with edits still unsaved — kept, and stderr
    /// says how to get them back.
    public static func end(_ session: Session, errors: inout any Console) {
        guard let doc = session.document, doc.isModified else {
            session.journal?.finish()
            return
        }
        let edits = SessionCommands.plural(doc.unsavedEditCount, "unsaved edit")
        if let journal = session.journal {
            errors.line("scalpel: the session ended with \(edits); `scalpel --recover` restores it (journal \(journal.path))")
        } else {
            errors.line("scalpel: the session ended with \(edits), which are lost (no journal)")
        }
    }

    /// Runs commands read from standard input, one a line, with no prompt. Stops at the first
    /// failing line with `<stdin>:LINE: message`; returns false then.
    public static func stream(session: inout Session, console: inout any Console, errors: inout any Console) -> Bool {
        var number = 0
        while let line = Swift.readLine(strippingNewline: true) {
            number += 1
            do {
                try CommandRunner.run(line, session: &session, console: &console)
            } catch {
                errors.line("\(ShellError.script(file: "<stdin>", line: number, message: "\(error)"))")
                end(session, errors: &errors)
                return false
            }
            if session.quitRequested { break }
        }
        end(session, errors: &errors)
        return true
    }

    /// Rebuilds a session from a journal left by a session that did not end cleanly. Returns
    /// the session and how many commands were replayed; a line that fails stops the replay.
    public static func recover(journal path: String, console: inout any Console) throws -> (Session, Int) {
        var session = Session()
        var replayed = 0
        var quiet: any Console = StringConsole()
        for line in try Journal.lines(of: path) {
            if line.hasPrefix("# cwd ") {
                let folder = String(line.dropFirst("# cwd ".count))
                guard FileManager.default.changeCurrentDirectoryPath(folder) else {
                    throw ShellError.refused("cannot recover: the session's folder \(folder) is gone")
                }
                continue
            }
            do {
                try CommandRunner.run(line, session: &session, console: &quiet)
                replayed += 1
            } catch {
                console.line("recovery stopped at '\(line)': \(error)")
                break
            }
        }
        session.journal = try Journal.resume(path)
        return (session, replayed)
    }
}

/// Holds the session for the completion callback, which runs inside the line editor.
final class SessionBox: @unchecked Sendable {
    var session: Session
    init(_ session: Session) { self.session = session }
}
