import ONNXProto
import Foundation

/// A node attribute. It wraps the ONNX attribute itself, so every kind (graphs, sparse
/// tensors, type protos, reference attributes) survives a round trip untouched.
public struct Attribute: Sendable, Equatable {
    /// The attribute as ONNX stores it.
    package var proto: Onnx_AttributeProto

    /// Wraps an ONNX attribute.
    package init(proto: Onnx_AttributeProto) { self.proto = proto }

    /// The attribute's name.
    public var name: String { proto.name }

    /// The attribute's kind, as ONNX names it (`INT`, `FLOATS`, `GRAPH`, …).
    public var kindName: String { String(describing: proto.type).uppercased() }

    /// The value of an `INT` attribute.
    public var int: Int? { proto.type == .int ? Int(proto.i) : nil }
    /// The value of a `FLOAT` attribute.
    public var float: Float? { proto.type == .float ? proto.f : nil }
    /// The value of a `STRING` attribute, decoded as UTF-8.
    public var string: String? { proto.type == .string ? String(decoding: proto.s, as: UTF8.self) : nil }
    /// The value of an `INTS` attribute.
    public var ints: [Int]? { proto.type == .ints ? proto.ints.map { Int($0) } : nil }
    /// The value of a `FLOATS` attribute.
    public var floats: [Float]? { proto.type == .floats ? proto.floats : nil }
    /// An `INT` attribute.
    public static func int(_ name: String, _ value: Int) -> Attribute {
        var p = Onnx_AttributeProto()
        p.name = name
        p.type = .int
        p.i = Int64(value)
        return Attribute(proto: p)
    }

    /// An `INTS` attribute.
    public static func ints(_ name: String, _ values: [Int]) -> Attribute {
        var p = Onnx_AttributeProto()
        p.name = name
        p.type = .ints
        p.ints = values.map { Int64($0) }
        return Attribute(proto: p)
    }

    /// A `FLOAT` attribute.
    public static func float(_ name: String, _ value: Float) -> Attribute {
        var p = Onnx_AttributeProto()
        p.name = name
        p.type = .float
        p.f = value
        return Attribute(proto: p)
    }

    /// A `STRING` attribute.
    public static func string(_ name: String, _ value: String) -> Attribute {
        var p = Onnx_AttributeProto()
        p.name = name
        p.type = .string
        p.s = Data(value.utf8)
        return Attribute(proto: p)
    }

    /// A short rendering of the value for listings (`[1, 1]`, `0.5`, `<graph>`).
    public var renderedValue: String {
        switch proto.type {
        case .int: String(proto.i)
        case .float: String(proto.f)
        case .string: "\"\(String(decoding: proto.s, as: UTF8.self))\""
        case .ints: "[" + proto.ints.map(String.init).joined(separator: ", ") + "]"
        case .floats: "[" + proto.floats.map { String($0) }.joined(separator: ", ") + "]"
        case .strings: "[" + proto.strings.map { "\"\(String(decoding: $0, as: UTF8.self))\"" }.joined(separator: ", ") + "]"
        case .tensor:
            "tensor " + proto.t.dims.map(String.init).joined(separator: "×")
                + " " + (ElementType(rawValue: proto.t.dataType)?.description ?? "type \(proto.t.dataType)")
        case .graph: "<graph \(proto.g.name)>"
        case .graphs: "<\(proto.graphs.count) graphs>"
        default: "<\(kindName.lowercased())>"
        }
    }
}
