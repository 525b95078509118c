import ScalpelCore

/// A command's words after its name, with helpers that turn misuse into a usage error.
public struct Arguments: Sendable {
    /// The command being parsed (for messages).
    public let command: CommandSpec
    /// The whole command line as typed (what history and scripts record).
    public let line: String
    private var positional: [String] = []
    private var flags: Set<String> = []
    private var options: [String: String] = [:]

    /// Sorts words into positionals and the command's declared options, checking each option's
    /// value against its kind and that every required option is there.
    init(_ words: [String], line: String, for command: CommandSpec) throws {
        self.command = command
        self.line = line
        var i = 0
        while i < words.count {
            let word = words[i]
            let (name, inline) = Self.splitOption(word)
            if let spec = command.option(named: name), word.hasPrefix("-") {
                if !spec.takesValue {
                    guard inline == nil else { throw usageError("\(spec.name) takes no value") }
                    flags.insert(spec.name)
                } else {
                    var value = inline
                    if value == nil {
                        i += 1
                        guard i < words.count else { throw usageError("\(spec.name) needs a value (\(spec.placeholder ?? ""))") }
                        value = words[i]
                    }
                    options[spec.name] = try Self.checked(value ?? "", for: spec, self)
                }
            } else if word.hasPrefix("--"), word.count > 2 {
                let known = command.options.map(\.name).sorted()
                throw usageError("unknown option \(name)" + (known.isEmpty ? "" : " (it takes \(known.joined(separator: ", ")))"))
            } else {
                positional.append(word)
            }
            i += 1
        }
        if let missing = command.options.first(where: { $0.required && options[$0.name] == nil && !flags.contains($0.name) }) {
            throw usageError("missing \(missing.name) \(missing.placeholder ?? "")")
        }
    }

    /// The value of an option, or a usage error saying what the option wants.
    private static func checked(_ value: String, for spec: OptionSpec, _ args: Arguments) throws -> String {
        let fits: Bool
        let wanted: String
        switch spec.kind {
        case .number: (fits, wanted) = (Double(value)?.isFinite ?? false, "a number")
        case .count: (fits, wanted) = ((Int(value) ?? 0) >= 1, "a whole number of at least 1")
        case .wholeNumber: (fits, wanted) = (UInt64(value) != nil, "a whole number")
        case let .choice(words): (fits, wanted) = (words.contains(value), "one of " + words.joined(separator: ", "))
        case .text, .path, .layer, .command, .layerSpec: (fits, wanted) = (!value.isEmpty, "a value")
        }
        guard fits else {
            var hint = ""
            if case let .choice(words) = spec.kind,
               let near = words.min(by: { EditDistance.between(value, $0) < EditDistance.between(value, $1) }),
               EditDistance.between(value, near) <= max(2, value.count / 2) {
                hint = " (did you mean \(near)?)"
            }
            throw args.usageError("\(spec.name) wants \(wanted), not '\(value)'" + hint)
        }
        return value
    }

    private static func splitOption(_ word: String) -> (String, String?) {
        guard let eq = word.firstIndex(of: "=") else { return (word, nil) }
        return (String(word[..<eq]), String(word[word.index(after: eq)...]))
    }

    /// Whether a flag was given.
    public func flag(_ name: String) -> Bool { flags.contains(name) }

    /// An option's value, if given.
    public func option(_ name: String) -> String? { options[name] }

    /// A count option's value (the parser checked it is a whole number of at least 1).
    public func count(_ name: String) -> Int? { options[name].flatMap { Int($0) } }

    /// A choice option's value as its type (the parser checked it is one of the choices).
    public func choice<T: RawRepresentable>(_ name: String, as type: T.Type) -> T? where T.RawValue == String {
        options[name].flatMap(T.init(rawValue:))
    }

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
