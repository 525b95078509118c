import Foundation
import ONNXProto
import ScalpelCore
import Testing

/// Load → save keeps everything: nodes, attributes, initializers, opsets, metadata, value_info.
@Suite struct RoundTripTests {
    @Test(arguments: Fixtures.names)
    func saveThenLoadGivesTheSameModel(name: String) throws {
        let model = try Model.load(path: Fixtures.path(name))
        let reloaded = try Model(serialized: try model.serialized(), directory: nil)
        #expect(reloaded.graph == model.graph)
        #expect(try reloaded.serialized() == (try model.serialized()), "saving is deterministic")
    }

    @Test(arguments: Fixtures.names)
    func everyFieldOfTheFileSurvives(name: String) throws {
        let original = try Onnx_ModelProto(serializedBytes: Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name))))
        let saved = try Onnx_ModelProto(serializedBytes: try Model.load(path: Fixtures.path(name)).serialized())
        #expect(saved.irVersion == original.irVersion)
        #expect(saved.opsetImport == original.opsetImport)
        #expect(saved.producerName == original.producerName)
        #expect(saved.metadataProps == original.metadataProps)
        #expect(saved.graph.node == original.graph.node, "nodes and attributes byte-for-byte")
        #expect(saved.graph.input == original.graph.input)
        #expect(saved.graph.output == original.graph.output)
        #expect(saved.graph.valueInfo == original.graph.valueInfo)
        #expect(saved.graph.initializer.map(\.name) == original.graph.initializer.map(\.name))
        for (a, b) in zip(saved.graph.initializer, original.graph.initializer) {
            #expect(a.dims == b.dims && a.dataType == b.dataType)
        }
    }

    @Test func typedFieldsAndExternalDataDecodeToTheSameValues() throws {
        let reference = try Model.load(path: Fixtures.path("plain_cnn_bn")).graph.initializers
        for variant in ["plain_cnn_typed", "plain_cnn_external"] {
            let graph = try Model.load(path: Fixtures.path(variant)).graph
            #expect(graph.initializers == reference, "\(variant) holds the same weights as plain_cnn_bn")
        }
        #expect(try Model.load(path: Fixtures.path("plain_cnn_external")).usedExternalData)
    }

    @Test func unknownOpsAttributesAndMetadataAreCarried() throws {
        var b = ModelBuilder()
        b.node("Relu", ["x"], ["r"])
        b.node("MyCustomOp", ["r"], ["y"], ["alpha": Float(0.25), "mode": "fancy"])
        b.proto.graph.node[1].domain = "com.example"
        b.proto.graph.node[1].docString = "custom kernel"
        b.outputs("y")
        var meta = Onnx_StringStringEntryProto()
        meta.key = "author"
        meta.value = "someone"
        b.proto.metadataProps = [meta]
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = "com.example"
        opset.version = 3
        b.proto.opsetImport.append(opset)
        b.proto.docString = "model doc"
        b.proto.graph.docString = "graph doc"
        b.proto.graph.valueInfo = [ModelBuilder.valueInfo("r", shape: ["N", 3, 8, 8])]
        let saved = try Onnx_ModelProto(serializedBytes: try b.load().serialized())
        #expect(saved == b.proto)
    }

    @Test func savesExternalDataWhenAskedAndReloadsIt() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Model.load(path: Fixtures.path("plain_cnn_bn"))
        let out = dir.appendingPathComponent("m.onnx").path
        try model.save(to: out, options: SaveOptions(externalData: .always, externalThreshold: 0))
        #expect(FileManager.default.fileExists(atPath: out + ".data"))
        let inline = try model.serialized().count
        let onDisk = try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int ?? 0
        #expect(onDisk < inline / 2, "tensor data moved to the .data file")
        let reloaded = try Model.load(path: out)
        #expect(reloaded.graph.initializers == model.graph.initializers)
        #expect(reloaded.usedExternalData)
    }

    @Test func largeModelsGoExternalAutomatically() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Model.load(path: Fixtures.path("plain_cnn_bn"))
        let out = dir.appendingPathComponent("m.onnx").path
        // The 2 GiB protobuf limit, scaled down: anything above 1 KiB of data must go external.
        try model.save(to: out, options: SaveOptions(inlineLimit: 1024))
        #expect(FileManager.default.fileExists(atPath: out + ".data"))
        #expect(try Model.load(path: out).graph.initializers == model.graph.initializers)
    }

    @Test func saveReplacesAnExistingFileWhole() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("m.onnx").path
        try Data(repeating: 7, count: 1_000_000).write(to: URL(fileURLWithPath: out))
        let model = try Model.load(path: Fixtures.path("se_block"))
        try model.save(to: out)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == (try model.serialized()))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }
}
