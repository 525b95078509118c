import ScalpelCore

/// What a convolution's output becomes when one of its input channels is zero: the output less
/// that channel's contribution (its taps in every filter over the channel's plane; the bias
/// stays). It costs one input channel's share of the convolution, so an oracle that zeroes
/// channels one at a time need not rerun the whole convolution for each.
public struct InputChannelRemoval: Sendable {
    let geometry: ConvKernels.Geometry
    let weights: [Float]
    /// Per kx, the output columns whose tap lies inside the input.
    let columnRanges: [Range<Int>]

    /// Whether `node` is an ungrouped 2-D Conv whose weights are a float initializer of `graph`.
    public static func applies(to node: Node, graph: Graph) -> Bool {
        guard node.opType == "Conv", node.domain.isEmpty || node.domain == "ai.onnx", node.int("group", default: 1) == 1,
              let weightID = node.input(1), let tensor = graph.initializers[weightID] else { return false }
        return tensor.shape.count == 4 && tensor.floats != nil && (node.ints("pads") ?? []).allSatisfy { $0 >= 0 }
    }

    /// For a `node` it applies to, with input and output of these (N × C × H × W) shapes; nil otherwise.
    public init?(node: Node, graph: Graph, input: [Int], output: [Int]) {
        guard Self.applies(to: node, graph: graph), let weightID = node.input(1), let tensor = graph.initializers[weightID],
              let weights = tensor.floats, let g = ConvKernels.Geometry(node, input: input, weight: tensor.shape, output: output)
        else { return nil }
        geometry = g
        self.weights = weights
        columnRanges = ConvKernels.columnRanges(g)
    }

    /// Subtracts the contribution of input channel `channel` of `input` (images × c × h × w)
    /// from `output` (images × m × oh × ow), in parallel over images and filters.
    public func subtract(channel: Int, of input: UnsafePointer<Float>, from output: UnsafeMutablePointer<Float>, images: Int) {
        let g = geometry, taps = g.kh * g.kw, spatial = g.oh * g.ow
        weights.withUnsafeBufferPointer { w in
            Parallel.each(images * g.m, elementsEach: taps * spatial) { item in
                let image = item / g.m, filter = item % g.m
                let plane = input + (image * g.c + channel) * g.h * g.w, kernel = w.baseAddress! + (filter * g.c + channel) * taps
                for oy in 0..<g.oh {
                    ConvKernels.accumulateRow(oy, plane, filter: kernel, scale: -1, into: output + item * spatial, g, columns: columnRanges)
                }
            }
        }
    }
}
