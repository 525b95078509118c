import ONNXProto

/// One operator application in a graph.
public struct Node: Sendable, Equatable {
    /// Stable identity within the graph.
    public var id: NodeID
    /// The ONNX node name (may be empty in the file; Scalpel shows a generated one then).
    public var name: String
    /// The operator, e.g. `Conv`.
    public var opType: String
    /// The operator set domain; empty for the default ONNX domain.
    public var domain: String
    /// Input values in order; ``ValueID/absent`` marks an omitted optional input.
    public var inputs: [ValueID]
    /// Output values in order.
    public var outputs: [ValueID]
    /// Attributes in file order.
    public var attributes: [Attribute]
    /// Everything else the file said about the node (doc string, overload, metadata), carried unchanged.
    package var carried: Onnx_NodeProto

    /// A node in the default domain with nothing else carried.
    public init(id: NodeID, name: String, opType: String, domain: String = "",
                inputs: [ValueID], outputs: [ValueID], attributes: [Attribute] = []) {
        self.id = id
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.carried = Onnx_NodeProto()
    }

    /// The attribute with this name, if present.
    public func attribute(_ name: String) -> Attribute? { attributes.first { $0.name == name } }

    /// An `INT` attribute's value, or `defaultValue` when absent.
    public func int(_ name: String, default defaultValue: Int) -> Int { attribute(name)?.int ?? defaultValue }

    /// An `INT` attribute naming an element type (Cast's `to`): nil when it names none, `defaultValue` when absent.
    public func elementType(_ name: String, default defaultValue: ElementType?) -> ElementType? {
        guard let code = attribute(name)?.int else { return defaultValue }
        return Int32(exactly: code).flatMap(ElementType.init(rawValue:))
    }

    /// An `INTS` attribute's value, if present.
    public func ints(_ name: String) -> [Int]? { attribute(name)?.ints }

    /// A `FLOAT` attribute's value, or `defaultValue` when absent.
    public func float(_ name: String, default defaultValue: Float) -> Float { attribute(name)?.float ?? defaultValue }

    /// A `STRING` attribute's value, or `defaultValue` when absent.
    public func string(_ name: String, default defaultValue: String) -> String { attribute(name)?.string ?? defaultValue }

    /// The input at `index` when present and not omitted.
    public func input(_ index: Int) -> ValueID? {
        index < inputs.count && !inputs[index].isAbsent ? inputs[index] : nil
    }

    /// The doc string the file gave the node.
    public var docString: String { carried.docString }
}
