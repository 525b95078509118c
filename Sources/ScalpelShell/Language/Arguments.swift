/// A command's words after its name, with helpers that turn misuse into a usage error.
public struct Arguments: Sendable {
    /// The command being parsed (for messages).
    public let command: CommandSpec
    /// The whole command line as typed (what history and scripts record).
    public let line: String
    private var positional: [String] = []
    private var flags: Set<String> = []
    private var options: [String: String] = [:]

    /// Sorts words into positionals, the command's known flags and its known options.
    init(_ words: [String], line: String, for command: CommandSpec) throws {
        self.command = command
        self.line = line
        var i = 0
        while i < words.count {
            let word = words[i]
            if (word.hasPrefix("--") && word.count > 2) || command.options.contains(word) {
                let (name, inline) = Self.splitOption(word)
                if command.flags.contains(name), inline == nil {
                    flags.insert(name)
                } else if command.options.contains(name) {
                    if let inline { options[name] = inline } else {
                        i += 1
                        guard i < words.count else { throw usageError("\(name) needs a value") }
                        options[name] = words[i]
                    }
                } else {
                    let known = (command.flags + command.options).sorted()
                    throw usageError("unknown option \(name)" + (known.isEmpty ? "" : " (it takes \(known.joined(separator: ", ")))"))
                }
            } else {
                positional.append(word)
            }
            i += 1
        }
    }

    private static func splitOption(_ word: String) -> (String, String?) {
        guard let eq = word.firstIndex(of: "=") else { return (word, nil) }
        return (String(word[..<eq]), String(word[word.index(after: eq)...]))
    }

    /// Whether a flag was given.
    public func flag(_ name: String) -> Bool { flags.contains(name) }

    /// An option's value, if given.
    public func option(_ name: String) -> String? { options[name] }

    /// Exactly `count` positional words, or a usage error.
    public func positionals(_ count: Int, _ names: String) throws -> [String] {
        guard positional.count == count else {
            throw usageError(positional.count < count ? "missing \(names)" : "too many arguments (\(positional.joined(separator: " ")))")
        }
        return positional
    }

    /// At least `count` positional words, or a usage error.
    public func positionals(atLeast count: Int, _ names: String) throws -> [String] {
        guard positional.count >= count else { throw usageError("missing \(names)") }
        return positional
    }

    /// Up to `limit` positional words, or a usage error.
    public func positionals(atMost limit: Int) throws -> [String] {
        guard positional.count <= limit else { throw usageError("too many arguments (\(positional.joined(separator: " ")))") }
        return positional
    }

    /// A usage error for this command.
    public func usageError(_ problem: String) -> ShellError {
        .usage(command: command.name, problem: problem, usage: command.usage)
    }
}
