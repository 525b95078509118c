/// Everything that can go wrong while loading, checking, inspecting or saving a model.
public enum CoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be read or written.
    case io(path: String, reason: String)
    /// The bytes are not a valid ONNX protobuf (truncated, or another format).
    case notONNX(path: String, reason: String)
    /// A tensor's stored data disagrees with its declared type and shape.
    case tensorData(tensor: String, reason: String)
    /// An external-data reference is missing, unreadable or escapes the model's folder.
    case externalData(tensor: String, reason: String)
    /// The graph's structure is broken (cycle, dangling input, duplicate producer).
    case malformedGraph(String)
    /// No layer matches what the user named.
    case unknownLayer(name: String, suggestions: [String])
    /// A layer name matches several layers.
    case ambiguousLayer(name: String, matches: [String])
    /// An edit cannot be made as asked; the message says why and what to do instead.
    case editRefused(String)

    /// A one-line, human-readable account of the problem and what to do about it.
    public var description: String {
        switch self {
        case let .io(path, reason):
            "cannot access '\(path)': \(reason)"
        case let .notONNX(path, reason):
            "'\(path)' is not a readable ONNX model (\(reason)); check that the file is complete and really .onnx"
        case let .tensorData(tensor, reason):
            "tensor '\(tensor)': \(reason); the file is corrupt or was written by a broken exporter"
        case let .externalData(tensor, reason):
            "tensor '\(tensor)': external data \(reason)"
        case let .malformedGraph(reason):
            "malformed graph: \(reason)"
        case let .unknownLayer(name, suggestions):
            suggestions.isEmpty
                ? "no layer named '\(name)'; `summary` lists the layers"
                : "no layer named '\(name)'; did you mean \(suggestions.map { "'\($0)'" }.joined(separator: ", "))?"
        case let .editRefused(reason):
            reason
        case let .ambiguousLayer(name, matches):
            "'\(name)' matches \(matches.count) layers (\(matches.prefix(4).map { "'\($0)'" }.joined(separator: ", "))\(matches.count > 4 ? ", …" : "")); give more of the name or the layer's index"
        }
    }
}
