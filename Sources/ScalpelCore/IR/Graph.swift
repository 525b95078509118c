import ONNXProto

/// A model's computation graph as a value: nodes in topological order, initializers, declared
/// inputs and outputs. Copying a graph is cheap (tensor storage is shared until written), which
/// is what makes every edit a transaction and undo a matter of keeping the previous value.
public struct Graph: Sendable, Equatable {
    /// The graph's name.
    public var name: String
    /// Nodes in topological order.
    public var nodes: [Node]
    /// Constant tensors by name.
    public var initializers: [ValueID: Tensor]
    /// Initializer names in file order (the order they are written back in).
    public var initializerOrder: [ValueID]
    /// Declared graph inputs (older exports list initializers here too).
    public var inputs: [ValueInfo]
    /// Declared graph outputs.
    public var outputs: [ValueInfo]
    /// Declared types of intermediate values (`value_info`), carried unchanged.
    public var valueInfo: [ValueInfo]
    /// The next unused node identity.
    package var nextNodeID: Int
    /// The graph's remaining fields (doc string, sparse initializers, annotations, metadata).
    package var carried: Onnx_GraphProto
    /// Per-initializer fields besides data (doc strings, metadata), kept only where present.
    package var initializerExtras: [ValueID: Onnx_TensorProto]

    /// Index of the node with this identity in ``nodes``.
    public func position(of id: NodeID) -> Int? { nodes.firstIndex { $0.id == id } }

    /// The node with this identity.
    public func node(_ id: NodeID) -> Node? { position(of: id).map { nodes[$0] } }

    /// The graph's declared input names that are not initializers: the data the model takes.
    public var dataInputs: [ValueInfo] { inputs.filter { initializers[$0.id] == nil } }

    /// The name Scalpel shows for a node: its ONNX name, or `OpType#id` when it has none.
    public func displayName(of node: Node) -> String {
        node.name.isEmpty ? "\(node.opType)\(node.id)" : node.name
    }
}

/// A loaded ONNX model: its graph plus every model-level field, carried unchanged.
public struct Model: Sendable, Equatable {
    /// The main graph.
    public var graph: Graph
    /// Whether the file kept tensor data in external files (saving then does the same).
    public var usedExternalData: Bool
    /// Model-level fields (IR version, opset imports, producer, metadata, functions) without the graph.
    package var carried: Onnx_ModelProto

    /// The opset version imported for a domain (empty string: the default ONNX domain).
    public func opsetVersion(domain: String = "") -> Int? {
        let d = domain == "ai.onnx" ? "" : domain
        return carried.opsetImport.first { ($0.domain == "ai.onnx" ? "" : $0.domain) == d }.map { Int($0.version) }
    }

    /// The producer recorded in the file (`pytorch 2.5`), if any.
    public var producer: String {
        [carried.producerName, carried.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The model's metadata properties in file order.
    public var metadata: [(key: String, value: String)] {
        carried.metadataProps.map { ($0.key, $0.value) }
    }
}

extension Graph {
    /// The float tensors that count as parameters, with their element counts: every float
    /// initializer that a node reads directly (or that nothing reads), and every Identity alias
    /// of one; and every float Constant node output (or Identity alias of one) that a layer reads
    /// as a parameter (``OpFamily/parameters``: paddle2onnx writes weights as Constant nodes). An
    /// exporter that merges equal tensors (`bn.running_var = Identity(bn.weight)`) still holds one
    /// parameter per name, as the framework had; a tensor several layers read directly (tied
    /// weights) counts once.
    public var parameterSizes: [ValueID: Int] {
        var sizes: [ValueID: Int] = [:]
        var readDirectly = Set<ValueID>(), readByIdentity = Set<ValueID>()
        var constants: [ValueID: Int] = [:]  // float Constant outputs and their Identity aliases
        for node in nodes {
            if node.op == .shape(.constant), let value = node.attribute("value"), value.proto.type == .tensor,
               value.proto.t.dataType == ElementType.float32.rawValue, let output = node.outputs.first {
                constants[output] = value.proto.t.dims.reduce(1) { $0 * Int($1) }
            }
            if node.op == .activation(.identity), let input = node.inputs.first, let size = constants[input], let output = node.outputs.first {
                constants[output] = size
            }
            let slots = node.op.parameters.trained + node.op.parameters.statistics
            for slot in slots where slot < node.inputs.count {
                if let size = constants[node.inputs[slot]] { sizes[node.inputs[slot]] = size }
            }
            for v in node.inputs where initializers[v] != nil {
                if node.opType == "Identity" { readByIdentity.insert(v) } else { readDirectly.insert(v) }
            }
            if node.opType == "Identity", let input = node.inputs.first, let output = node.outputs.first,
               let size = sizes[input] ?? initializers[input].flatMap({ $0.elementType == .float32 ? $0.elementCount : nil }) {
                sizes[output] = size
            }
        }
        for (v, t) in initializers where t.elementType == .float32 && (readDirectly.contains(v) || !readByIdentity.contains(v)) {
            sizes[v] = t.elementCount
        }
        return sizes
    }

    /// The parameters' elements, as `summary` counts them (``parameterSizes``).
    public var parameterCount: Int { parameterSizes.values.reduce(0, +) }
}
