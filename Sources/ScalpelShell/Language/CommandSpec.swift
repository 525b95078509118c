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

/// What a command's word or option value is: how it is checked when the line is parsed and
/// what Tab offers for it.
public enum ValueKind: Sendable, Equatable {
    /// Free text (a new name, channel lists, layer lists).
    case text
    /// A file or folder path.
    case path
    /// A decimal number.
    case number
    /// A whole number ≥ 1.
    case count
    /// A whole number ≥ 0.
    case wholeNumber
    /// One of these words.
    case choice([String])
    /// A layer of the loaded model.
    case layer
    /// A command name.
    case command
    /// A layer description for `insert`/`replace` (an op name, then its settings).
    case layerSpec
}

/// One option of a command: a flag, or a name with a typed value, documented.
public struct OptionSpec: Sendable, Equatable {
    /// `--by`.
    public let name: String
    /// The value's placeholder in usage lines (`CRITERION`); nil for a flag.
    public let placeholder: String?
    /// What the value is.
    public let kind: ValueKind
    /// Whether every call must give it.
    public let required: Bool
    /// One line saying what it does.
    public let help: String

    /// A flag: present or not.
    public static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, placeholder: nil, kind: .text, required: false, help: help)
    }

    /// An option with a value.
    public static func value(_ name: String, _ placeholder: String, _ kind: ValueKind, required: Bool = false, _ help: String) -> OptionSpec {
        OptionSpec(name: name, placeholder: placeholder, kind: kind, required: required, help: help)
    }

    /// An option whose value is one of `words` (shown as `a|b|c` unless a placeholder is given).
    public static func choice(_ name: String, _ words: [String], placeholder: String? = nil, required: Bool = false, _ help: String) -> OptionSpec {
        OptionSpec(name: name, placeholder: placeholder ?? words.joined(separator: "|"), kind: .choice(words), required: required, help: help)
    }

    /// Whether it takes a value.
    public var takesValue: Bool { placeholder != nil }

    /// `--by CRITERION`, bracketed unless required.
    public var usage: String {
        let text = placeholder.map { "\(name) \($0)" } ?? name
        return required ? text : "[\(text)]"
    }
}

/// One positional word of a command, for its usage line and completion.
public struct Positional: Sendable, Equatable {
    /// How it reads in the usage line: `LAYER`, `after|before`, `[COMMAND]`, `CHANNELS…`.
    public let placeholder: String
    /// What it is.
    public let kind: ValueKind

    /// A positional word.
    public init(_ placeholder: String, _ kind: ValueKind) {
        self.placeholder = placeholder
        self.kind = kind
    }
}

/// One shell command, declared: its name, words, typed options and help, from which parsing,
/// validation, usage lines, `help`, the README table and Tab completion are all derived.
public struct CommandSpec: Sendable {
    /// The word that invokes it.
    public let name: String
    /// One line saying what it does.
    public let summary: String
    /// Its positional words in order.
    public let positionals: [Positional]
    /// Its options.
    public let options: [OptionSpec]
    /// A worked example.
    public let example: String
    /// What `help COMMAND` adds after the options (the criteria of `score`, say); empty for most.
    public let details: String
    /// Whether it changes the session (load, edits, undo, redo): such commands are journaled.
    public let changesSession: Bool
    /// Runs the command; throws to leave the session as it was.
    public let run: @Sendable (Arguments, inout Session, inout any Console) throws -> Void

    /// A command; `positionals`, `options` and `details` default to none, `changesSession` to false.
    public init(name: String, summary: String, positionals: [Positional] = [], options: [OptionSpec] = [], example: String,
                details: String = "", changesSession: Bool = false,
                run: @escaping @Sendable (Arguments, inout Session, inout any Console) throws -> Void) {
        self.name = name
        self.summary = summary
        self.positionals = positionals
        self.options = options
        self.example = example
        self.details = details
        self.changesSession = changesSession
        self.run = run
    }

    /// How it is called: `show LAYER [--json]`.
    public var usage: String { ([name] + positionals.map(\.placeholder) + options.map(\.usage)).joined(separator: " ") }

    /// The option with this name.
    public func option(named name: String) -> OptionSpec? { options.first { $0.name == name } }
}
