import ScalpelCore

/// Criteria computed from the weights alone.
enum WeightCriteria {
    /// Scores the output channels of the layer at `position` by a weight criterion.
    static func scores(_ criterion: Criterion, position: Int, graph: Graph, shapes: ShapeInfo, seed: UInt64) throws -> [Double] {
        let node = graph.nodes[position]
        guard let w = node.input(1), let tensor = graph.initializers[w] ?? shapes.constants[w], let values = tensor.floats, tensor.shape.count >= 2 else {
            throw ScoringError("'\(graph.displayName(of: node))' has no constant float weights to score")
        }
        let axis = node.op.parameters.weight?.outputAxis(of: node) ?? 0
        let channels = tensor.shape[axis]
        switch criterion {
        case .l1, .l2:
            return PrunableGroup.norms(values, shape: tensor.shape, axis: axis, norm: criterion == .l1 ? .l1 : .l2)
        case .bnGamma:
            guard let gamma = followingBatchNorm(of: node, graph: graph)?.input(1).flatMap({ (graph.initializers[$0] ?? shapes.constants[$0])?.floats }),
                  gamma.count == channels else {
                throw ScoringError("'\(graph.displayName(of: node))' is not followed by a BatchNormalization (fused models have none); use l1 or l2")
            }
            return gamma.map { Double(abs($0)) }
        case .fpgm:
            let filters = (0..<channels).map { k in filter(k, values, shape: tensor.shape, axis: axis) }
            return filters.map { a in filters.reduce(0.0) { sum, b in sum + distance(a, b) } }
        case .random:
            var rng = SeededRandom(seed: seed)
            return (0..<channels).map { _ in Double(rng.next() >> 11) / Double(1 << 53) }
        default:
            throw ScoringError("\(criterion.rawValue) is not a weight criterion")
        }
    }

    /// The BatchNormalization reading the layer's output directly, if any.
    static func followingBatchNorm(of node: Node, graph: Graph) -> Node? {
        guard let out = node.outputs.first else { return nil }
        let readers = graph.nodes.filter { $0.inputs.contains(out) }
        return readers.count == 1 && readers[0].opType == "BatchNormalization" ? readers[0] : nil
    }

    private static func filter(_ k: Int, _ values: [Float], shape: [Int], axis: Int) -> [Float] {
        let size = shape[axis], inner = shape.dropFirst(axis + 1).reduce(1, *), outer = shape.prefix(axis).reduce(1, *)
        var out: [Float] = []
        out.reserveCapacity(outer * inner)
        for o in 0..<outer { out.append(contentsOf: values[((o * size + k) * inner)..<((o * size + k + 1) * inner)]) }
        return out
    }

    private static func distance(_ a: [Float], _ b: [Float]) -> Double {
        var sum = 0.0
        for i in a.indices { let d = Double(a[i] - b[i]); sum += d * d }
        return sum.squareRoot()
    }
}

/// Why a layer cannot be scored as asked.
public struct ScoringError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The explanation.
    public let message: String
    /// An error with its explanation.
    public init(_ message: String) { self.message = message }
    /// The explanation.
    public var description: String { message }
}
