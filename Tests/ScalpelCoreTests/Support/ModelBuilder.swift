import Foundation
import ONNXProto
import ScalpelCore

/// Builds small ONNX models in code, for tests of single rules and of malformed input.
struct ModelBuilder {
    var proto = Onnx_ModelProto()

    /// An empty opset-17 model with one float input of the given shape (strings are symbols).
    init(input: [Any] = ["N", 3, 8, 8], name: String = "x") {
        proto.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        proto.opsetImport = [opset]
        proto.graph.name = "test"
        proto.graph.input = [Self.valueInfo(name, shape: input)]
    }

    /// A declared float value of the given shape.
    static func valueInfo(_ name: String, shape: [Any]) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var t = Onnx_TypeProto.Tensor()
        t.elemType = 1
        t.shape.dim = shape.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            if let i = d as? Int { dim.dimValue = Int64(i) } else if let s = d as? String { dim.dimParam = s }
            return dim
        }
        v.type.tensorType = t
        return v
    }

    /// Adds a node; attributes are ints, int lists, floats or strings.
    mutating func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String? = nil,
                       _ attributes: [String: Any] = [:]) {
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = name ?? outputs.first ?? op
        n.input = inputs
        n.output = outputs
        n.attribute = attributes.sorted { $0.key < $1.key }.map { key, value in
            var a = Onnx_AttributeProto()
            a.name = key
            switch value {
            case let i as Int: a.type = .int; a.i = Int64(i)
            case let list as [Int]: a.type = .ints; a.ints = list.map(Int64.init)
            case let f as Float: a.type = .float; a.f = f
            case let s as String: a.type = .string; a.s = Data(s.utf8)
            default: break
            }
            return a
        }
        proto.graph.node.append(n)
    }

    /// Adds a float initializer filled with `value`.
    mutating func weight(_ name: String, _ shape: [Int], value: Float = 0.5) {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = 1
        t.dims = shape.map(Int64.init)
        t.rawData = [Float](repeating: value, count: shape.reduce(1, *)).withUnsafeBytes { Data($0) }
        proto.graph.initializer.append(t)
    }

    /// Adds an int64 initializer.
    mutating func ints(_ name: String, _ values: [Int], shape: [Int]? = nil) {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = 7
        t.dims = (shape ?? [values.count]).map(Int64.init)
        t.int64Data = values.map(Int64.init)
        proto.graph.initializer.append(t)
    }

    /// Declares graph outputs.
    mutating func outputs(_ names: String...) {
        proto.graph.output = names.map { Self.valueInfo($0, shape: []) }
        for i in proto.graph.output.indices { proto.graph.output[i].type.tensorType.clearShape() }
    }

    /// The serialized model.
    func data() throws -> Data { try proto.serializedBytes() }

    /// Decodes the model with Scalpel.
    func load() throws -> Model { try Model(serialized: data(), directory: nil) }

    /// Decodes the model and infers its shapes.
    func infer() throws -> ShapeInfo { ShapeInference.infer(try load().graph) }
}
