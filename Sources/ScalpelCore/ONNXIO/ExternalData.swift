import Foundation
import ONNXProto

/// Reads tensor data that a model keeps in files beside it, refusing paths that leave the
/// model's folder. Each data file is mapped once and shared by the tensors that use it.
final class ExternalDataReader {
    private let directory: URL
    private var files: [String: Data] = [:]

    /// A reader for external data relative to `directory` (the model file's folder).
    init(directory: URL) {
        self.directory = directory.standardizedFileURL.resolvingSymlinksInPath()
    }

    /// The bytes an external tensor refers to.
    func read(_ tensor: Onnx_TensorProto) throws -> Data {
        let name = tensor.name
        var entries: [String: String] = [:]
        for e in tensor.externalData { entries[e.key] = e.value }
        guard let location = entries["location"], !location.isEmpty else {
            throw CoreError.externalData(tensor: name, reason: "has no 'location'")
        }
        let offset = Int(entries["offset"] ?? "0") ?? -1
        let length = entries["length"].map { Int($0) ?? -1 }
        guard offset >= 0, (length ?? 0) >= 0 else {
            throw CoreError.externalData(tensor: name, reason: "has a malformed offset or length")
        }
        let file = try load(location, tensor: name)
        let end = length.map { offset + $0 } ?? file.count
        guard end <= file.count, offset <= end else {
            throw CoreError.externalData(
                tensor: name, reason: "wants bytes \(offset)..<\(end) of '\(location)', which has only \(file.count)")
        }
        return file.subdata(in: offset..<end)
    }

    private func load(_ location: String, tensor: String) throws -> Data {
        if let cached = files[location] { return cached }
        let url = directory.appendingPathComponent(location).standardizedFileURL.resolvingSymlinksInPath()
        let inside = directory.path == "/" ? "/" : directory.path + "/"
        guard !location.hasPrefix("/"), url.path.hasPrefix(inside) else {
            throw CoreError.externalData(
                tensor: tensor, reason: "path '\(location)' points outside the model's folder \(directory.path); external data must sit beside the model")
        }
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CoreError.externalData(tensor: tensor, reason: "file '\(location)' is missing from \(directory.path)")
        }
        do {
            let data = try Data(contentsOf: url, options: .alwaysMapped)
            files[location] = data
            return data
        } catch {
            throw CoreError.externalData(tensor: tensor, reason: "file '\(location)' cannot be read: \(error.localizedDescription)")
        }
    }
}
