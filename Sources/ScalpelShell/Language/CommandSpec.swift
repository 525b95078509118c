import ScalpelCore

/// Where commands write what they print.
public protocol Console {
    /// Writes text as it is (callers add newlines).
    mutating func write(_ text: String)
    /// The terminal's width in columns, when writing to a terminal.
    var width: Int? { get }
    /// Whether output may use ANSI colour (a terminal, and NO_COLOR unset).
    var colors: Bool { get }
}

extension Console {
    /// Writes one line.
    public mutating func line(_ text: String = "") { write(text + "\n") }
    /// No width limit unless the console says so.
    public var width: Int? { nil }
    /// No colour unless the console says so.
    public var colors: Bool { false }
}

/// A console that keeps what is written, for tests and `--json` capture.
public struct StringConsole: Console {
    /// Everything written so far.
    public var text = ""
    /// An empty console.
    public init() {}
    /// Appends text.
    public mutating func write(_ text: String) { self.text += text }
}

/// One shell command: its name, help and behaviour.
public struct CommandSpec: Sendable {
    /// The word that invokes it.
    public let name: String
    /// One line saying what it does.
    public let summary: String
    /// How it is called, e.g. `show LAYER [--json]`.
    public let usage: String
    /// A worked example.
    public let example: String
    /// What `help COMMAND` adds after the example (the criteria of `score`, say); empty for most.
    public let details: String
    /// Flags (`--json`) it accepts.
    public let flags: [String]
    /// Options taking a value (`--format dot`) it accepts.
    public let options: [String]
    /// Whether it changes the session (load, edits, undo, redo): such commands are journaled.
    public let changesSession: Bool
    /// Runs the command; throws to leave the session as it was.
    public let run: @Sendable (Arguments, inout Session, inout any Console) throws -> Void

    /// A command; `flags`, `options` and `changesSession` default to none and false.
    public init(name: String, summary: String, usage: String, example: String, details: String = "", flags: [String] = [],
                options: [String] = [], changesSession: Bool = false,
                run: @escaping @Sendable (Arguments, inout Session, inout any Console) throws -> Void) {
        self.name = name
        self.summary = summary
        self.usage = usage
        self.example = example
        self.details = details
        self.flags = flags
        self.options = options
        self.changesSession = changesSession
        self.run = run
    }
}
