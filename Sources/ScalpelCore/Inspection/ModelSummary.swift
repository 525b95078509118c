/// One row of a model summary: a layer with its shapes and cost.
public struct LayerRow: Sendable {
    /// Position among the layers (what `show 12` refers to).
    public var index: Int
    /// The node.
    public var node: NodeID
    /// The display name.
    public var name: String
    /// The operator.
    public var opType: String
    /// Types of the data inputs (initializers excluded).
    public var inputs: [ValueType]
    /// Types of the outputs.
    public var outputs: [ValueType]
    /// Elements of the float initializers this layer is the first to use (its weights;
    /// constants computed in the graph, such as Clip bounds, are not parameters).
    public var parameters: Int
    /// Multiply-accumulates per sample for Conv, ConvTranspose, Gemm and MatMul; nil when a
    /// shape it needs is unknown, 0 for other ops.
    public var macs: Int?
}

/// A table of a model's layers with totals: what `summary` shows.
public struct ModelSummary: Sendable {
    /// The layers in topological order.
    public var rows: [LayerRow]
    /// All parameter elements in the graph (``Graph/parameterSizes``).
    public var totalParameters: Int
    /// Sum of the known per-sample MACs.
    public var totalMACs: Int
    /// Layers whose MACs are unknown.
    public var unknownMACLayers: Int
    /// Nodes not shown as layers (constants and shape arithmetic).
    public var hiddenNodes: Int

    /// Builds the summary of a graph from its inferred shapes.
    public init(graph: Graph, shapes: ShapeInfo) {
        let layers = LayerList(graph: graph, shapes: shapes)
        var counted = Set<ValueID>()
        let sizes = graph.parameterSizes
        rows = layers.positions.enumerated().map { index, position in
            let node = graph.nodes[position]
            var params = 0
            for v in node.inputs where !counted.contains(v) {
                guard let size = sizes[v] else { continue }
                counted.insert(v)
                params += size
            }
            return LayerRow(
                index: index, node: node.id, name: graph.displayName(of: node), opType: node.opType,
                inputs: node.inputs.filter { !$0.isAbsent && graph.initializers[$0] == nil && shapes.constants[$0] == nil }.map { shapes[$0] },
                outputs: node.outputs.filter { !$0.isAbsent }.map { shapes[$0] },
                parameters: params, macs: LayerCost.macsPerSample(node, shapes: shapes))
        }
        totalParameters = sizes.values.reduce(0, +)
        totalMACs = rows.reduce(0) { $0 + ($1.macs ?? 0) }
        unknownMACLayers = rows.filter { $0.macs == nil }.count
        hiddenNodes = graph.nodes.count - rows.count
    }
}

/// The nodes a user sees as layers: every node except constants and folded shape arithmetic.
public struct LayerList: Sendable {
    /// Positions in the graph's node list of the layers, in topological order; a layer's
    /// index is its place here.
    public let positions: [Int]

    /// Lists the layers of a graph.
    public init(graph: Graph, shapes: ShapeInfo) {
        positions = graph.nodes.indices.filter { i in
            let outputs = graph.nodes[i].outputs.filter { !$0.isAbsent }
            return outputs.isEmpty || !outputs.allSatisfy { shapes.folded[$0] != nil || shapes.constants[$0] != nil }
        }
    }
}

/// Multiply-accumulate counts of the ops that dominate a CNN's compute.
public enum LayerCost {
    /// MACs per sample (batch dimension excluded), 0 for ops not counted, nil when shapes are unknown.
    public static func macsPerSample(_ node: Node, shapes: ShapeInfo) -> Int? {
        func dims(_ v: ValueID?) -> [Int]? {
            guard let v, let d = shapes[v].dims, !d.isEmpty else { return nil }
            return d.dropFirst().map(\.value).allKnown
        }
        func full(_ v: ValueID?) -> [Int]? { v.flatMap { shapes[$0].staticShape } }
        switch node.op.macs {
        case .convolution:
            guard let out = dims(node.outputs.first), let w = full(node.input(1)) else { return nil }
            return SizeLimit.product(out + w.dropFirst())
        case .transposedConvolution:
            guard let x = dims(node.input(0)), let w = full(node.input(1)) else { return nil }
            return SizeLimit.product(x + w.dropFirst())
        case .gemm:
            guard let out = dims(node.outputs.first), let b = full(node.input(1)), b.count == 2 else { return nil }
            return SizeLimit.product(out + [node.int("transB", default: 0) != 0 ? b[1] : b[0]])
        case .matMul:
            guard let out = dims(node.outputs.first), let a = shapes[node.inputs[0]].dims, let k = a.last?.value else { return nil }
            return SizeLimit.product(out + [k])
        case .einsum:
            // Of two operands, every combination of label sizes is one multiply-accumulate (the
            // output's axis 0 being the batch); one operand is only rearranged or summed.
            guard node.inputs.count == 2 else { return 0 }
            let shapes = node.inputs.map { shapes[$0].dims ?? [] }
            guard let equation = try? EinsumEquation(node.string("equation", default: ""), ranks: shapes.map(\.count)),
                  let sizes = try? equation.sizes(shapes),
                  let perSample = sizes.filter({ $0.key != equation.output.first }).values.map(\.value).allKnown else { return nil }
            return SizeLimit.product(perSample)
        case .notCounted:
            return 0
        }
    }
}
