import Foundation
import ScalpelCore

/// A file write a script has asked for; scripts perform theirs only once every line succeeded.
public struct PendingWrite: Sendable {
    /// What will be written, for messages.
    public let path: String
    /// Performs the write.
    let perform: @Sendable () throws -> Void
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
    mutating func edit(_ line: String, _ body: (inout Model, ShapeInfo) throws -> String) throws -> EditRecord {
        try modify { doc in
            let shapes = doc.shapes
            return try doc.apply(line) { try body(&$0, shapes) }
        }
    }

    /// Writes a file now, or — while a script runs — once the whole script has succeeded.
    mutating func write(_ path: String, _ perform: @escaping @Sendable () throws -> Void) throws {
        if pendingWrites != nil {
            pendingWrites?.append(PendingWrite(path: path, perform: perform))
        } else {
            try perform()
        }
    }

    /// Records a session-changing command: in the journal now, or when the running script succeeds.
    mutating func journal(_ line: String) throws {
        if pendingWrites != nil { pendingJournal.append(line) } else { try journal?.append(line) }
    }

    /// Ends the outermost script: performs its writes, then journals its session-changing lines.
    mutating func finishScript() throws {
        let writes = pendingWrites ?? []
        pendingWrites = nil
        for write in writes { try write.perform() }
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
