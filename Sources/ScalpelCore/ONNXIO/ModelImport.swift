import Foundation
import ONNXProto
import SwiftProtobuf

extension Model {
    /// Loads an ONNX file, reading external data relative to its folder, and checks the graph.
    public static func load(path: String) throws -> Model {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "it cannot be read" : "no such file"
            throw CoreError.io(path: path, reason: reason)
        }
        return try Model(serialized: data, path: path, directory: url.deletingLastPathComponent())
    }

    /// Decodes a serialized ONNX model. `directory` resolves external data; nil refuses it.
    public init(serialized data: Data, path: String = "<memory>", directory: URL?) throws {
        let proto: Onnx_ModelProto
        do {
            proto = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            throw CoreError.notONNX(path: path, reason: Self.describe(error, byteCount: data.count))
        }
        guard proto.hasGraph, proto.hasIrVersion, !proto.opsetImport.isEmpty else {
            let missing = [proto.hasGraph ? nil : "graph", proto.hasIrVersion ? nil : "ir_version",
                           proto.opsetImport.isEmpty ? "opset_import" : nil].compactMap { $0 }
            throw CoreError.notONNX(path: path, reason: "it has no \(missing.joined(separator: ", "))")
        }
        try self.init(proto: proto, externalData: directory.map(ExternalDataReader.init))
    }

    private init(proto: Onnx_ModelProto, externalData: ExternalDataReader?) throws {
        var carried = proto
        carried.clearGraph()
        let graphProto = proto.graph
        var graph = try Graph(proto: graphProto, externalData: externalData)
        try graph.sortAndValidate()
        self.init(graph: graph,
                  usedExternalData: graphProto.initializer.contains { $0.dataLocation == .external },
                  carried: carried)
    }

    private static func describe(_ error: Error, byteCount: Int) -> String {
        switch error {
        case BinaryDecodingError.truncated: "the file ends in the middle of a record: it is truncated"
        case BinaryDecodingError.malformedProtobuf: "its bytes are not an ONNX protobuf"
        case BinaryDecodingError.invalidUTF8: "a name is not valid UTF-8"
        case BinaryDecodingError.messageDepthLimit: "it nests deeper than the decoder allows"
        default: "protobuf decoding failed: \(error)"
        }
    }
}

extension Graph {
    /// Builds a graph from its ONNX form, decoding every initializer.
    init(proto: Onnx_GraphProto, externalData: ExternalDataReader?) throws {
        var carried = proto
        carried.node = []
        carried.initializer = []
        carried.input = []
        carried.output = []
        carried.valueInfo = []
        var initializers: [ValueID: Tensor] = [:]
        var order: [ValueID] = []
        var extras: [ValueID: Onnx_TensorProto] = [:]
        initializers.reserveCapacity(proto.initializer.count)
        for t in proto.initializer {
            let id = ValueID(t.name)
            guard initializers[id] == nil else {
                throw CoreError.malformedGraph("initializer '\(t.name)' is defined twice")
            }
            initializers[id] = try TensorCodec.decode(t, location: externalData)
            order.append(id)
            if t.hasDocString || !t.metadataProps.isEmpty {
                var extra = Onnx_TensorProto()
                extra.docString = t.docString
                extra.metadataProps = t.metadataProps
                extras[id] = extra
            }
        }
        self.init(
            name: proto.name,
            nodes: proto.node.enumerated().map { Node(proto: $1, id: NodeID($0)) },
            initializers: initializers,
            initializerOrder: order,
            inputs: proto.input.map(ValueInfo.init(proto:)),
            outputs: proto.output.map(ValueInfo.init(proto:)),
            valueInfo: proto.valueInfo.map(ValueInfo.init(proto:)),
            nextNodeID: proto.node.count,
            carried: carried,
            initializerExtras: extras)
    }
}

extension Node {
    /// Builds a node from its ONNX form, keeping the whole proto to write back what is unchanged.
    init(proto: Onnx_NodeProto, id: NodeID) {
        self.id = id
        self.name = proto.name
        self.opType = proto.opType
        self.domain = proto.domain
        self.inputs = proto.input.map { ValueID($0) }
        self.outputs = proto.output.map { ValueID($0) }
        self.attributes = proto.attribute.map(Attribute.init(proto:))
        self.carried = proto
    }
}
