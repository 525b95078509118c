/// A command the shell could not run: bad words, bad arguments.
public enum ShellError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No command has this name.
    case unknownCommand(String, suggestion: String?)
    /// The command's arguments are wrong; `usage` says how it is called.
    case usage(command: String, problem: String, usage: String)
    /// The line cannot be split into words (an unclosed quote).
    case syntax(String)
    /// The command cannot be carried out in the session's state; the message says why and what to do.
    case refused(String)
    /// A script line failed: `file:line: message`.
    case script(file: String, line: Int, message: String)

    /// A one-line account of the problem and what to do.
    public var description: String {
        switch self {
        case let .unknownCommand(name, suggestion):
            "unknown command '\(name)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "") + " (`help` lists the commands)"
        case let .usage(command, problem, usage):
            "\(command): \(problem); usage: \(usage)"
        case let .syntax(problem), let .refused(problem):
            problem
        case let .script(file, line, message):
            "\(file):\(line): \(message)"
        }
    }
}
