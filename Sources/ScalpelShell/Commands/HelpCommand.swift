/// `help [COMMAND]`: lists the commands, or explains one.
enum HelpCommand {
    static let spec = CommandSpec(
        name: "help",
        summary: "list the commands, or show one command's usage, an example and its details",
        positionals: [Positional("[COMMAND]", .command)],
        options: [.flag("--markdown", "print the README's command table (usage and summary of every command)")],
        example: "help show",
        details: "--markdown prints the command table of the README (usage and summary of every command)",
        run: { args, _, console in
            let words = try args.positionals(atMost: 1)
            if args.flag("--markdown") {
                guard words.isEmpty else { throw args.usageError("--markdown prints every command; name none") }
                console.write(markdownTable)
            } else if let name = words.first {
                guard let spec = CommandRunner.command(named: name) else {
                    throw ShellError.unknownCommand(name, suggestion: nil)
                }
                console.write(help(for: spec))
            } else {
                var table = Table([("command", .left), ("what it does", .left)])
                for spec in CommandRunner.commands { table.rows.append([spec.name, spec.summary]) }
                console.write(table.render(for: console))
                console.line("`help COMMAND` shows how it is called and an example. "
                    + "Layers can be named in full, by a unique suffix of their module path, or by their # in `summary`.")
            }
        })

    /// `help COMMAND`: usage, summary, example, every option with what it does, then the details.
    static func help(for spec: CommandSpec) -> String {
        let width = spec.options.map { ($0.placeholder.map { " \($0)" } ?? "").count + $0.name.count }.max() ?? 0
        let options = spec.options.map { option in
            let head = option.name + (option.placeholder.map { " \($0)" } ?? "")
            return "    " + head.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + option.help + (option.required ? " (required)" : "")
        }
        return ["\(spec.usage)", "  \(spec.summary)", "  example: \(spec.example)"].joined(separator: "\n") + "\n"
            + (options.isEmpty ? "" : "  options:\n" + options.joined(separator: "\n") + "\n")
            + (spec.details.isEmpty ? "" : spec.details + "\n")
    }

    /// The README's command table: every command's usage and summary.
    static var markdownTable: String {
        "| command | what it does |\n|---|---|\n" + CommandRunner.commands.map(markdownRow).joined()
    }

    /// One command's row of the README's table, `|` escaped for Markdown.
    static func markdownRow(_ spec: CommandSpec) -> String {
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        return "| `\(cell(spec.usage))` | \(cell(spec.summary)) |\n"
    }
}
