import Foundation
import ONNXProto
import ScalpelCore
import Testing

/// Broken files and graphs are refused with an error that names the problem.
@Suite struct BadInputTests {
    private func loadError(_ data: Data, directory: URL? = nil) -> CoreError? {
        do {
            _ = try Model(serialized: data, path: "m.onnx", directory: directory)
            return nil
        } catch {
            return error as? CoreError
        }
    }

    @Test func truncatedFile() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("mini_resnet")))
        let error = loadError(data.prefix(data.count / 2))
        guard case let .notONNX(_, reason)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason.contains("truncated"))
    }

    @Test func fileThatIsNotONNX() throws {
        let error = loadError(Data("name,value\nconv1,3\n".utf8))
        guard case .notONNX? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(error?.description.contains("not a readable ONNX model") == true)
    }

    @Test func missingFile() {
        #expect(throws: CoreError.io(path: "/nonexistent/m.onnx", reason: "no such file")) {
            try Model.load(path: "/nonexistent/m.onnx")
        }
    }

    @Test func tensorWhoseDataDisagreesWithItsShape() throws {
        var b = ModelBuilder()
        b.weight("w", [4, 3, 3, 3])
        b.proto.graph.initializer[0].dims = [4, 3, 3, 4]
        b.node("Conv", ["x", "w"], ["y"])
        b.outputs("y")
        let error = loadError(try b.data())
        #expect(error == .tensorData(tensor: "w", reason: "has 432 bytes of data but its shape [4, 3, 3, 4] of float32, which needs 576 bytes"))
    }

    @Test func typedFieldCountDisagreesWithShape() throws {
        var b = ModelBuilder()
        b.ints("shape", [1, 2, 3], shape: [2])
        b.node("Reshape", ["x", "shape"], ["y"])
        b.outputs("y")
        guard case let .tensorData(tensor, reason)? = loadError(try b.data()) else { Issue.record("not refused"); return }
        #expect(tensor == "shape" && reason.contains("int64_data"))
    }

    private func externalModel(location: String) throws -> Data {
        var b = ModelBuilder()
        b.weight("w", [2, 3, 1, 1])
        b.proto.graph.initializer[0].clearRawData()
        b.proto.graph.initializer[0].dataLocation = .external
        var entry = Onnx_StringStringEntryProto()
        entry.key = "location"
        entry.value = location
        b.proto.graph.initializer[0].externalData = [entry]
        b.node("Conv", ["x", "w"], ["y"])
        b.outputs("y")
        return try b.data()
    }

    @Test func externalDataPathOutsideTheModelFolder() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let inner = dir.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        try Data(count: 24).write(to: dir.appendingPathComponent("secret.bin"))
        for location in ["../secret.bin", dir.appendingPathComponent("secret.bin").path] {
            guard case let .externalData(tensor, reason)? = loadError(try externalModel(location: location), directory: inner) else {
                Issue.record("\(location) was not refused"); continue
            }
            #expect(tensor == "w" && reason.contains("outside the model's folder"))
        }
    }

    @Test func externalDataFileMissingOrShort() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = loadError(try externalModel(location: "weights.bin"), directory: dir)
        #expect(missing?.description.contains("file 'weights.bin' is missing") == true)
        try Data(count: 8).write(to: dir.appendingPathComponent("weights.bin"))
        let short = loadError(try externalModel(location: "weights.bin"), directory: dir)
        #expect(short?.description.contains("has 8 bytes of data") == true)
    }

    @Test func graphWithACycle() throws {
        var b = ModelBuilder()
        b.node("Add", ["x", "c"], ["a"], name: "first")
        b.node("Relu", ["a"], ["b"], name: "second")
        b.node("Relu", ["b"], ["c"], name: "third")
        b.outputs("c")
        guard case let .malformedGraph(reason)? = loadError(try b.data()) else { Issue.record("cycle not refused"); return }
        #expect(reason.contains("cycle") && reason.contains("'first'"))
    }

    @Test func nodeInputThatNothingProduces() throws {
        var b = ModelBuilder()
        b.node("Add", ["x", "ghost"], ["y"], name: "add")
        b.outputs("y")
        #expect(loadError(try b.data()) == .malformedGraph(
            "node 'add' (Add) reads 'ghost', which no node, graph input or initializer produces"))
    }

    @Test func valueWithTwoProducers() throws {
        var b = ModelBuilder()
        b.node("Relu", ["x"], ["y"], name: "one")
        b.node("Sigmoid", ["x"], ["y"], name: "two")
        b.outputs("y")
        guard case let .malformedGraph(reason)? = loadError(try b.data()) else { Issue.record("not refused"); return }
        #expect(reason.contains("'two'") && reason.contains("'one'"))
    }

    @Test func outOfOrderNodesAreSorted() throws {
        var b = ModelBuilder()
        b.node("Sigmoid", ["r"], ["y"], name: "late")
        b.node("Relu", ["x"], ["r"], name: "early")
        b.outputs("y")
        #expect(try b.load().graph.nodes.map(\.name) == ["early", "late"])
    }
}
