import CLibEdit
import Foundation

/// Completion candidates for the word being typed.
public struct Completion: Sendable {
    /// Whole words that could replace the partly typed one.
    public var candidates: [String]
    /// Candidates for the word being typed.
    public init(candidates: [String]) { self.candidates = candidates }
}

/// Reads lines from a terminal with editing, history and completion.
public final class LineEditor {
    // libedit in emacs mode. Ctrl-R searches the history backwards; Tab completes the word
    // before the cursor. Ctrl-C abandons the line and shows a fresh prompt: while a line is
    // edited the terminal's `isig` is off, so Ctrl-C arrives as a key, not as SIGINT (outside
    // `readLine`, SIGINT does whatever the process has set up). Key functions are C function
    // pointers; they find this instance through the editor's client pointer (no globals).
    // The history file holds one line per entry, appended as soon as the entry is added.

    /// The most lines kept in the history (the file is trimmed to this when it grows to twice as many).
    static let historySize = 1000

    private let editor: OpaquePointer?
    private let historyFile: String
    private let complete: @Sendable (String) -> [String]
    private var lastHistoryLine: String?
    private var interrupted = false

    /// `historyFile`: path of the persistent history (created if missing). `complete`: given the line up to the cursor, returns candidates for the last (partial) word; words are split like a shell (quotes allowed).
    public init(programName: String, historyFile: String, complete: @escaping @Sendable (_ lineBeforeCursor: String) -> [String]) {
        self.editor = scalpel_el_open(programName, Int32(Self.historySize))
        self.historyFile = historyFile
        self.complete = complete
        if let editor {
            scalpel_el_set_client(editor, Unmanaged.passUnretained(self).toOpaque())
            scalpel_el_bind_fn(editor, "scalpel-complete", "Complete the word before the cursor", "^I") { el, _ in
                guard let el, let editor = LineEditor.owning(el) else { return UInt8(CC_ERROR) }
                return editor.completeWord(el)
            }
            scalpel_el_bind_fn(editor, "scalpel-interrupt", "Abandon the line, show a fresh prompt", "^C") { el, _ in
                guard let el, let editor = LineEditor.owning(el) else { return UInt8(CC_ERROR) }
                return editor.interrupt(el)
            }
        }
        loadHistory()
    }

    deinit { scalpel_el_close(editor) }

    /// Shows `prompt`, returns the line without its newline, or nil at end of input (Ctrl-D on an empty line).
    public func readLine(prompt: String) -> String? {
        guard let editor else {
            scalpel_el_write(prompt)
            return Swift.readLine()
        }
        while true {
            var count: Int32 = 0
            guard let raw = scalpel_el_gets(editor, prompt, &count) else {
                if Self.isInteractive { scalpel_el_write("\n") }
                return nil
            }
            if interrupted {
                interrupted = false
                continue
            }
            var line = String(cString: raw)
            if line.last?.isNewline == true { line.removeLast() }
            return line
        }
    }

    /// Adds a line to the history and appends it to the history file at once (so history survives a crash).
    public func addHistory(_ line: String) {
        guard !line.allSatisfy(\.isWhitespace), !line.contains(where: \.isNewline), line != lastHistoryLine else { return }
        lastHistoryLine = line
        if let editor { scalpel_el_history_add(editor, line) }
        let fd = open(historyFile, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// Whether standard input is a terminal (use isatty(0)).
    public static var isInteractive: Bool { isatty(STDIN_FILENO) != 0 }

    /// The editor whose libedit instance called a key function.
    private static func owning(_ el: OpaquePointer) -> LineEditor? {
        guard let client = scalpel_el_client(el) else { return nil }
        return Unmanaged<LineEditor>.fromOpaque(client).takeUnretainedValue()
    }

    /// Loads the history file (creating it when missing), trimming it when it has grown too long.
    private func loadHistory() {
        let fd = open(historyFile, O_RDONLY | O_CREAT, 0o600)
        guard fd >= 0 else { return }
        close(fd)
        guard let text = try? String(contentsOfFile: historyFile, encoding: .utf8) else { return }
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let kept = lines.suffix(Self.historySize)
        if let editor { kept.forEach { scalpel_el_history_add(editor, $0) } }
        lastHistoryLine = kept.last
        if lines.count >= 2 * Self.historySize {
            try? (kept.joined(separator: "\n") + "\n").write(toFile: historyFile, atomically: true, encoding: .utf8)
        }
    }

    /// Tab: completes the word before the cursor, or lists the candidates when it cannot.
    private func completeWord(_ el: OpaquePointer) -> UInt8 {
        let info = el_line(el).pointee
        let before = String(decoding: UnsafeRawBufferPointer(start: info.buffer, count: info.cursor - info.buffer), as: UTF8.self)
        switch CompletionAction(completing: PartialWord(endOf: before), with: complete(before)) {
        case .beep:
            return UInt8(CC_REFRESH_BEEP)
        case .edit(let delete, let insert):
            el_deletestr(el, Int32(delete))
            return UInt8(el_insertstr(el, insert) == 0 ? CC_REFRESH : CC_REFRESH_BEEP)
        case .list(let candidates):
            scalpel_el_write("\n" + columnLayout(candidates, width: Int(scalpel_el_columns(el))))
            return UInt8(CC_REDISPLAY)
        }
    }

    /// Ctrl-C: shows `^C` after the line, ends it, and makes `readLine` discard it.
    private func interrupt(_ el: OpaquePointer) -> UInt8 {
        let info = el_line(el).pointee
        el_cursor(el, Int32(info.lastchar - info.cursor))
        el_insertstr(el, "^C")
        el_push(el, "\n")
        interrupted = true
        return UInt8(CC_REFRESH)
    }
}
