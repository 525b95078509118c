import ScalpelCore
import ScalpelData

/// Parses and runs command lines against a session: the one code path for `-c`, scripts,
/// standard input and the interactive shell.
public enum CommandRunner {
    /// Every command, by name.
    public static let commands: [CommandSpec] = [
        SummaryCommand.spec, ShowCommand.spec, ShapesCommand.spec, GraphCommand.spec,
        ChannelCommands.group, ChannelCommands.delete, PruneCommand.spec, LayerCommands.insert, LayerCommands.replace,
        EditCommands.rename, EditCommands.inputShape,
        SessionCommands.undo, SessionCommands.redo, ReportCommands.history, ReportCommands.diff,
        SessionCommands.load, SaveCommand.spec, ScriptCommands.source, ScriptCommands.saveScript,
        RunCommands.eval, RunCommands.run, FinetuneCommand.spec, RecalibrateCommand.spec, ScoreCommands.score, ScoreCommands.critical, OpsCommand.spec,
        HelpCommand.spec, SessionCommands.quit,
    ]

    /// The command with this name.
    public static func command(named name: String) -> CommandSpec? { commands.first { $0.name == name } }

    /// Runs one line; blank lines and comments do nothing. On error the session is unchanged.
    /// A line that changes the session is journaled once it has succeeded.
    public static func run(_ line: String, session: inout Session, console: inout any Console) throws {
        let words = try Tokenizer.words(line)
        guard let name = words.first else { return }
        guard let spec = command(named: name) else {
            let nearest = commands.map { ($0.name, EditDistance.between(name, $0.name)) }.min { $0.1 < $1.1 }
            throw ShellError.unknownCommand(name, suggestion: nearest.flatMap { $0.1 <= max(2, name.count / 2) ? $0.0 : nil })
        }
        let arguments = try Arguments(Array(words.dropFirst()), line: line.trimmingCharacters(in: .whitespaces), for: spec)
        var working = session
        do {
            try spec.run(arguments, &working, &console)
        } catch DataError.noLabels(let purpose) {
            throw ShellError.refused("\(purpose) needs labels, and the dataset has none: give them with --labels FILE, or a `y` array in the .npz")
        }
        if spec.changesSession { try working.journal(arguments.line) }
        session = working
    }
}
