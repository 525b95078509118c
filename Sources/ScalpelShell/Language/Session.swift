import Foundation
import ScalpelCore

/// A file write a script has asked for; scripts perform theirs only once every line succeeded.
public struct PendingWrite: Sendable {
    /// What will be written, for messages.
    public let path: String
    /// What to print once it is written (nothing when nil).
    let message: String?
    /// Writes the file's new content to flushed temporary files, not yet over the file.
    let stage: @Sendable () throws -> [AtomicFile.Staged]
    /// The script line that asked for it, innermost script first; nil outside scripts.
    var origin: (file: String, line: Int)?
}

/// A write of a batch could not be staged, so none was written.
struct WriteFailure: Error, CustomStringConvertible {
    let write: PendingWrite
    let error: any Error
    var description: String { "\(error)" }
}

/// What the shell is working on: the loaded document, if any, and writes waiting for a script to finish.
public struct Session: Sendable {
    /// The loaded model and its edit history; nil before `load`.
    public private(set) var document: Document?
    /// Writes held back until the running script succeeds; nil when writes happen at once.
    var pendingWrites: [PendingWrite]?
    /// Session-changing lines of a running script, journaled once it succeeds.
    private var pendingJournal: [String] = []
    /// Where session-changing commands are recorded for `--recover`; nil records nothing.
    public var journal: Journal?
    /// Set by `quit`; the shell loop stops after the command that set it.
    public internal(set) var quitRequested = false

    /// A session with no model loaded.
    public init() {}

    /// A session over the model at `path`.
    public init(loading path: String) throws {
        try load(path)
    }

    /// Loads a model, replacing the current document.
    public mutating func load(_ path: String) throws {
        document = Document(model: try Model.load(path: path), path: path)
    }

    /// The loaded document, or an error telling the user to load one.
    public func current() throws -> Document {
        guard let document else { throw ShellError.refused("no model is loaded; `load FILE` opens one") }
        return document
    }

    /// Changes the loaded document; throws (leaving it unchanged) when none is loaded or `body` throws.
    mutating func modify<T>(_ body: (inout Document) throws -> T) throws -> T {
        var doc = try current()
        let result = try body(&doc)
        document = doc
        return result
    }

    /// Applies an edit to the loaded model as one transaction and undo step; `body` gets the
    /// model to change and the shapes inferred before the edit, and returns what it did.
    /// Only an edit that says so (`reshapesOutputs`, as fixing an input's size does) may change
    /// the sizes of the model's outputs.
    mutating func edit(_ line: String, reshapesOutputs: Bool = false, _ body: (inout Model, ShapeInfo) throws -> String) throws -> EditRecord {
        try modify { doc in
            let shapes = doc.shapes
            return try doc.apply(line, reshapesOutputs: reshapesOutputs) { try body(&$0, shapes) }
        }
    }

    /// Writes a file and prints `message` now, or — while a script runs — once the whole script
    /// has succeeded and every file it writes is staged.
    mutating func write(_ path: String, message: String?, console: inout any Console,
                        _ stage: @escaping @Sendable () throws -> [AtomicFile.Staged]) throws {
        let write = PendingWrite(path: path, message: message, stage: stage)
        if pendingWrites != nil {
            pendingWrites?.append(write)
        } else {
            try Self.perform([write], console: &console)
        }
    }

    /// Writes `data` to `path` as ``write(_:message:console:_:)`` does.
    mutating func write(_ data: Data, to path: String, message: String?, console: inout any Console) throws {
        try write(path, message: message, console: &console) { [try AtomicFile.stage(data, to: URL(fileURLWithPath: path))] }
    }

    /// Stages every write, then commits them all and prints their messages; when one cannot be
    /// staged, the others' temporary files are removed and no file is changed.
    private static func perform(_ writes: [PendingWrite], console: inout any Console) throws {
        var staged: [AtomicFile.Staged] = []
        for write in writes {
            do {
                staged += try write.stage()
            } catch {
                staged.forEach { $0.discard() }
                throw WriteFailure(write: write, error: error)
            }
        }
        for (i, file) in staged.enumerated() {
            do {
                try file.commit()
            } catch {
                staged[(i + 1)...].forEach { $0.discard() }
                throw error
            }
        }
        for message in writes.compactMap(\.message) { console.line(message) }
    }

    /// Records a session-changing command: in the journal now, or when the running script succeeds.
    mutating func journal(_ line: String) throws {
        if pendingWrites != nil { pendingJournal.append(line) } else { try journal?.append(line) }
    }

    /// Ends the outermost script: performs its writes, all or none, then journals its session-changing lines.
    mutating func finishScript(console: inout any Console) throws {
        let writes = pendingWrites ?? []
        pendingWrites = nil
        try Self.perform(writes, console: &console)
        for line in pendingJournal { try journal?.append(line) }
        pendingJournal = []
    }

    /// A resolver for layer names in the current model.
    func layers() throws -> LayerResolver {
        let doc = try current()
        return LayerResolver(graph: doc.model.graph, shapes: doc.shapes)
    }

    /// The file name of the loaded model, for prompts and headings.
    public var modelName: String? { document.map { URL(fileURLWithPath: $0.path).lastPathComponent } }
}
