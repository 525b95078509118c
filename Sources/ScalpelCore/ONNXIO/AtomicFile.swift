import Foundation

/// Writes files so that a reader sees either the old content or the complete new content.
/// A write is staged (a flushed temporary file beside the target, named after the writing
/// process) and then committed (renamed over the target); temporary files that a killed
/// process left behind are removed by the next write to the same folder.
public enum AtomicFile {
    /// A complete, flushed temporary file waiting to replace its target.
    public struct Staged: Sendable {
        /// The temporary file and the file it will replace.
        public let temp: URL, target: URL

        /// Renames the temporary file over the target.
        public func commit() throws {
            guard rename(temp.path, target.path) == 0 else {
                let reason = String(cString: strerror(errno))
                discard()
                throw CoreError.io(path: target.path, reason: "cannot replace it: \(reason)")
            }
        }

        /// Removes the temporary file; the target stays as it was.
        public func discard() { try? FileManager.default.removeItem(at: temp) }
    }

    /// Writes `data` to a temporary file beside `url`, flushes it, then renames it over `url`.
    public static func write(_ data: Data, to url: URL) throws {
        try stage(data, to: url).commit()
    }

    /// Writes `data` to a flushed temporary file beside `url`, to be committed or discarded.
    public static func stage(_ data: Data, to url: URL) throws -> Staged {
        let dir = url.deletingLastPathComponent()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw CoreError.io(path: url.path, reason: "folder \(dir.path) does not exist")
        }
        removeAbandonedTemporaries(in: dir)
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        guard FileManager.default.createFile(atPath: temp.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: temp)
        else {
            throw CoreError.io(path: url.path, reason: "cannot create a file in \(dir.path) (permissions?)")
        }
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: temp)
            throw CoreError.io(path: url.path, reason: "writing failed (\(error.localizedDescription)); the old file is untouched")
        }
        return Staged(temp: temp, target: url)
    }

    /// Removes `.NAME.PID.N.tmp` files in `dir` whose process no longer runs (a killed save's).
    static func removeAbandonedTemporaries(in dir: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return }
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            let parts = name.split(separator: ".")
            guard parts.count >= 4, let pid = Int32(parts[parts.count - 3]), UInt32(parts[parts.count - 2]) != nil,
                  pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: dir.appendingPathComponent(name))
        }
    }
}
