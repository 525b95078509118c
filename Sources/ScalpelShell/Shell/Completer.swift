import Foundation
import ScalpelCore
import ScalpelEngine
import ScalpelScoring
import ScalpelTraining

/// Tab completion for the shell: command names first, then what each command takes — layer
/// names, its options, file paths.
public struct Completer: Sendable {
    /// Layer names the current model answers to: module paths and full node names.
    let layerNames: [String]

    /// A completer for the session as it is now.
    public init(session: Session) {
        guard let doc = session.document else { layerNames = []; return }
        let graph = doc.model.graph
        let layers = LayerList(graph: graph, shapes: doc.shapes)
        var names: [String] = []
        for position in layers.positions {
            let node = graph.nodes[position]
            let path = LayerResolver.modulePath(of: node)
            if !path.isEmpty, path != node.name { names.append(path) }
            names.append(graph.displayName(of: node))
        }
        var seen = Set<String>()
        layerNames = names.filter { seen.insert($0).inserted }
    }

    /// Candidates for the last word of `line` (the text before the cursor).
    public func candidates(for line: String) -> [String] {
        var words: [String]
        let partial: String
        if let complete = try? Tokenizer.words(line) {
            words = complete
            partial = line.last.map { $0.isWhitespace } ?? true ? "" : (words.popLast() ?? "")
        } else {
            // The line ends inside a quote: close it to read the partial word.
            words = (try? Tokenizer.words(line + "\"")) ?? (try? Tokenizer.words(line + "'")) ?? []
            partial = words.popLast() ?? ""
        }
        guard let name = words.first else {
            return CommandRunner.commands.map(\.name).filter { $0.hasPrefix(partial) }
        }
        guard let spec = CommandRunner.command(named: name) else { return [] }
        if words.count > 1, let option = words.last, spec.options.contains(option) {
            return Self.values(of: option, matching: partial)
        }
        if partial.hasPrefix("-") {
            return (spec.flags + spec.options).filter { $0.hasPrefix(partial) }
        }
        let position = words.count - 1
        switch (name, position) {
        case ("help", 0):
            return CommandRunner.commands.map(\.name).filter { $0.hasPrefix(partial) }
        case ("show", 0), ("rename", 0), ("delete", 1), ("group", 0), ("prune", 0), ("replace", 0), ("insert", 1):
            return layerNames.filter { $0.hasPrefix(partial) }
        case ("insert", 0):
            return ["after", "before"].filter { $0.hasPrefix(partial) }
        case ("insert", 2), ("replace", 1):
            return LayerSpec.known.keys.sorted().filter { $0.hasPrefix(partial) }
        case ("delete", 0):
            return ["channels", "layer"].filter { $0.hasPrefix(partial) }
        case ("load", 0), ("save", 0), ("graph", 0), ("source", 0), ("save-script", 0):
            return Self.paths(matching: partial)
        default:
            return []
        }
    }

    /// Values an option takes that start with `partial`: criteria after `--by`, paths after an
    /// option naming a file, the choices of the options that have them; nothing for numbers.
    static func values(of option: String, matching partial: String) -> [String] {
        if DataOptions.fileOptions.contains(option) { return paths(matching: partial) }
        let choices: [String] = switch option {
        case "--by": Criterion.allCases.map(\.rawValue)
        case "--reduce": ScoreReduction.allCases.map(\.rawValue)
        case "--optimizer": Optimizer.Method.allCases.map(\.rawValue)
        case "--schedule": LearningRateSchedule.allCases.map(\.rawValue)
        default: []
        }
        return choices.filter { $0.hasPrefix(partial) }
    }

    /// Files and folders (with a trailing `/`) whose path starts with `partial`.
    static func paths(matching partial: String) -> [String] {
        let slash = partial.lastIndex(of: "/")
        let folder = slash.map { String(partial[...$0]) } ?? ""
        let prefix = slash.map { String(partial[partial.index(after: $0)...]) } ?? partial
        let expanded = folder.isEmpty ? "." : (folder as NSString).expandingTildeInPath
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: expanded) else { return [] }
        return names.filter { $0.hasPrefix(prefix) && (prefix.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted().map { name in
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: (expanded as NSString).appendingPathComponent(name), isDirectory: &isDirectory)
            return folder + name + (exists && isDirectory.boolValue ? "/" : "")
        }
    }
}
