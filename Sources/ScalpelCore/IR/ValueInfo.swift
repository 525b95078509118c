import ONNXProto

/// A declared value: a graph input or output, or a `value_info` entry.
public struct ValueInfo: Sendable, Equatable {
    /// The value's name.
    public var id: ValueID
    /// The declared tensor type; nil when the file declares none or a non-tensor type.
    public var declaredType: ValueType?
    /// The declaration as the file had it, written back unchanged.
    package var carried: Onnx_ValueInfoProto

    /// Reads a declaration from its ONNX form.
    package init(proto: Onnx_ValueInfoProto) {
        self.id = ValueID(proto.name)
        self.declaredType = proto.hasType ? ValueType(proto: proto.type) : nil
        self.carried = proto
    }
}
