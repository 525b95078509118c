import Foundation

/// An append-only log of the commands that changed a session, flushed line by line, so that
/// after a crash or a kill `scalpel --recover` can replay the session to its last command.
/// Each session has its own file under `~/.scalpel/journals`; a clean quit removes it.
public final class Journal: @unchecked Sendable {
    /// The journal file.
    public let path: String
    private let handle: FileHandle

    /// Starts a new journal in `directory`, named by time and process so sessions never share one.
    public static func start(in directory: String) throws -> Journal {
        let name = String(format: "%.0f-%d.journal", Date().timeIntervalSince1970 * 1000, ProcessInfo.processInfo.processIdentifier)
        return try Journal(path: (directory as NSString).appendingPathComponent(name), creatingIn: directory)
    }

    /// Reopens an existing journal to go on appending to it (after a recovery).
    public static func resume(_ path: String) throws -> Journal {
        try Journal(path: path, creatingIn: nil)
    }

    private init(path: String, creatingIn directory: String?) throws {
        self.path = path
        if let directory {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ShellError.refused("cannot create the journal \(path); check that \(directory) is writable")
            }
        }
        guard let handle = FileHandle(forUpdatingAtPath: path) else {
            throw ShellError.refused("cannot open the journal \(path)")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    /// Appends one command line and flushes it to disk.
    public func append(_ line: String) throws {
        do {
            try handle.write(contentsOf: Data((line + "\n").utf8))
            try handle.synchronize()
        } catch {
            throw ShellError.refused("cannot write the journal \(path): \(error.localizedDescription)")
        }
    }

    /// Closes and deletes the journal: the session ended as the user meant it to.
    public func finish() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The journals left by sessions that did not end cleanly, newest first.
    public static func leftBehind(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".journal") }
            .map { (directory as NSString).appendingPathComponent($0) }
            .sorted { modified($0) > modified($1) }
    }

    /// The commands recorded in a journal file.
    public static func lines(of path: String) throws -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ShellError.refused("cannot read the journal \(path)")
        }
        return text.split(separator: "\n").map(String.init)
    }

    private static func modified(_ path: String) -> Date {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
    }
}
