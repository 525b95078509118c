/// `help [COMMAND]`: lists the commands, or explains one.
enum HelpCommand {
    static let spec = CommandSpec(
        name: "help",
        summary: "list the commands, or show one command's usage, an example and its details",
        usage: "help [COMMAND] [--markdown]",
        example: "help show",
        details: "--markdown prints the command table of the README (usage and summary of every command)",
        flags: ["--markdown"],
        run: { args, _, console in
            let words = try args.positionals(atMost: 1)
            if args.flag("--markdown") {
                guard words.isEmpty else { throw args.usageError("--markdown prints every command; name none") }
                console.write(markdownTable)
            } else if let name = words.first {
                guard let spec = CommandRunner.command(named: name) else {
                    throw ShellError.unknownCommand(name, suggestion: nil)
                }
                console.line("\(spec.usage)\n  \(spec.summary)\n  example: \(spec.example)" + (spec.details.isEmpty ? "" : "\n" + spec.details))
            } else {
                var table = Table([("command", .left), ("what it does", .left)])
                for spec in CommandRunner.commands { table.rows.append([spec.name, spec.summary]) }
                console.write(table.render(for: console))
                console.line("`help COMMAND` shows how it is called and an example. "
                    + "Layers can be named in full, by a unique suffix of their module path, or by their # in `summary`.")
            }
        })

    /// The README's command table: every command's usage and summary, `|` escaped for Markdown.
    static var markdownTable: String {
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        return "| command | what it does |\n|---|---|\n"
            + CommandRunner.commands.map { "| `\(cell($0.usage))` | \(cell($0.summary)) |\n" }.joined()
    }
}
