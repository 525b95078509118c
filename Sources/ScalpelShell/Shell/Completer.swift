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
    /// The commands it completes.
    let commands: [CommandSpec]

    /// A completer for the session as it is now.
    public init(session: Session) { self.init(session: session, commands: CommandRunner.commands) }

    /// A completer for these commands.
    init(session: Session, commands: [CommandSpec]) {
        self.commands = commands
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
            return commands.map(\.name).filter { $0.hasPrefix(partial) }
        }
        guard let spec = commands.first(where: { $0.name == name }) else { return [] }
        if words.count > 1, let option = words.last.flatMap(spec.option(named:)), option.takesValue {
            return values(of: option.kind, matching: partial)
        }
        if partial.hasPrefix("-") {
            return spec.options.map(\.name).filter { $0.hasPrefix(partial) }
        }
        // The positional this word is: option words and their values do not count.
        var position = 0, i = 1
        while i < words.count {
            if let option = spec.option(named: words[i]) { i += option.takesValue ? 2 : 1; continue }
            position += 1
            i += 1
        }
        guard position < spec.positionals.count else { return [] }
        return values(of: spec.positionals[position].kind, matching: partial)
    }

    /// Candidates of a kind that start with `partial`: layers, commands, layer types, paths,
    /// the words of a choice; nothing for numbers and free text.
    func values(of kind: ValueKind, matching partial: String) -> [String] {
        if kind == .path { return Self.paths(matching: partial) }
        let all: [String] = switch kind {
        case .layer: layerNames
        case .command: commands.map(\.name)
        case .layerSpec: LayerSpec.known.keys.sorted()
        case let .choice(words): words
        case .path, .text, .number, .count, .wholeNumber: []
        }
        return all.filter { $0.hasPrefix(partial) }
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
