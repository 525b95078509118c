import Foundation
import ONNXProto

/// How ``Model/save(to:options:)`` lays out tensor data.
public struct SaveOptions: Sendable {
    /// Where tensor data goes.
    public enum ExternalData: Sendable {
        /// External when the model was loaded that way or its data nears protobuf's 2 GiB limit.
        case automatic
        /// Always inline in the .onnx file.
        case never
        /// Always in a `.data` file beside the model.
        case always
    }

    /// Where tensor data goes.
    public var externalData: ExternalData
    /// Tensors smaller than this stay inline even when data goes external.
    public var externalThreshold: Int
    /// Inline data above this many bytes forces external data under `.automatic`.
    public var inlineLimit: Int

    /// Defaults: automatic; 1 KiB threshold like onnx's; inline up to 1.8 GiB.
    public init(externalData: ExternalData = .automatic, externalThreshold: Int = 1024,
                inlineLimit: Int = 1_800 << 20) {
        self.externalData = externalData
        self.externalThreshold = externalThreshold
        self.inlineLimit = inlineLimit
    }
}

extension Model {
    /// Serializes the model with all tensor data inline.
    public func serialized() throws -> Data {
        try proto(externalFile: nil).model.serializedBytes()
    }

    /// Writes the model atomically: the new file (and its `.data` file, when tensor data goes
    /// external) is written beside the target and renamed over it, so an existing file is
    /// never left half-written.
    public func save(to path: String, options: SaveOptions = SaveOptions()) throws {
        for file in try staged(to: path, options: options) { try file.commit() }
    }

    /// The model written to flushed temporary files (the external data first, then the model)
    /// that replace `path` (and its data file) once committed in order.
    public func staged(to path: String, options: SaveOptions = SaveOptions()) throws -> [AtomicFile.Staged] {
        let url = URL(fileURLWithPath: path)
        let dataBytes = graph.initializers.values.reduce(0) { $0 + $1.byteCount }
        let external: Bool = switch options.externalData {
        case .never: false
        case .always: true
        case .automatic: usedExternalData || dataBytes > options.inlineLimit
        }
        let dataName = url.lastPathComponent + ".data"
        let built = try proto(externalFile: external ? (dataName, options.externalThreshold) : nil)
        let bytes: Data
        do {
            bytes = try built.model.serializedBytes()
        } catch {
            throw CoreError.io(path: path, reason: "the model cannot be serialized: \(error)")
        }
        let dataURL = url.deletingLastPathComponent().appendingPathComponent(dataName)
        let data = try built.externalBlob.map { try AtomicFile.stage($0, to: dataURL) }
        do {
            return (data.map { [$0] } ?? []) + [try AtomicFile.stage(bytes, to: url)]
        } catch {
            data?.discard()
            throw error
        }
    }

    /// The ONNX form of the model. With `externalFile`, tensors of at least its threshold bytes
    /// are laid end to end in one blob that the returned protos reference by that file name.
    private func proto(externalFile: (name: String, threshold: Int)?) throws
        -> (model: Onnx_ModelProto, externalBlob: Data?)
    {
        var model = carried
        var g = graph.carried
        if g.name != graph.name { g.name = graph.name }
        g.node = graph.nodes.map { $0.proto }
        g.input = graph.inputs.map(\.carried)
        g.output = graph.outputs.map(\.carried)
        g.valueInfo = graph.valueInfo.map(\.carried)
        var blob = externalFile == nil ? nil : Data()
        g.initializer = graph.initializerOrder.compactMap { id in
            guard let tensor = graph.initializers[id] else { return nil }
            var p = TensorCodec.encode(tensor, name: id, extras: graph.initializerExtras[id])
            if let externalFile, var data = blob, tensor.byteCount >= externalFile.threshold, p.hasRawData {
                let padding = (64 - data.count % 64) % 64
                data.append(Data(count: padding))
                p.externalData = [entry("location", externalFile.name), entry("offset", String(data.count)),
                                  entry("length", String(p.rawData.count))]
                p.dataLocation = .external
                data.append(p.rawData)
                p.clearRawData()
                blob = data
            }
            return p
        }
        model.graph = g
        return (model, blob)
    }

    private func entry(_ key: String, _ value: String) -> Onnx_StringStringEntryProto {
        var e = Onnx_StringStringEntryProto()
        e.key = key
        e.value = value
        return e
    }
}

extension Node {
    /// The node's ONNX form: the carried proto with whatever the graph changed written over it.
    var proto: Onnx_NodeProto {
        var p = carried
        if p.name != name { p.name = name }
        if p.opType != opType { p.opType = opType }
        if p.domain != domain { p.domain = domain }
        let ins = inputs.map(\.name), outs = outputs.map(\.name)
        if p.input != ins { p.input = ins }
        if p.output != outs { p.output = outs }
        let attrs = attributes.map(\.proto)
        if p.attribute != attrs { p.attribute = attrs }
        return p
    }
}
