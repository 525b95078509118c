import ScalpelCore

/// What a convolution's output becomes when one of its input channels is zero: the output less
/// that channel's contribution (its taps in every filter over the channel's plane; the bias
/// stays). It costs one input channel's share of the convolution, so an oracle that zeroes
/// channels one at a time need not rerun the whole convolution for each.
public struct InputChannelRemoval: Sendable {
    let geometry: ConvKernels.Geometry
    let weights: [Float]
    /// Per ky and per kx, the output rows and columns whose tap lies inside the input.
    let rowRanges, columnRanges: [Range<Int>]

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
        rowRanges = (0..<g.kh).map { ConvKernels.validRange(outputs: g.oh, stride: g.sh, pad: g.padTop, offset: $0 * g.dh, size: g.h) }
        columnRanges = (0..<g.kw).map { ConvKernels.validRange(outputs: g.ow, stride: g.sw, pad: g.padLeft, offset: $0 * g.dw, size: g.w) }
    }

    /// Subtracts the contribution of input channel `channel` of `input` (images × c × h × w)
    /// from `output` (images × m × oh × ow), in parallel over images and filters.
    public func subtract(channel: Int, of input: UnsafePointer<Float>, from output: UnsafeMutablePointer<Float>, images: Int) {
        let g = geometry, taps = g.kh * g.kw, spatial = g.oh * g.ow
        Parallel.each(images * g.m, elementsEach: taps * spatial) { item in
            let image = item / g.m, filter = item % g.m
            let plane = input + (image * g.c + channel) * g.h * g.w, dst = output + item * spatial
            let kernel = (filter * g.c + channel) * taps
            for ky in 0..<g.kh {
                let rows = rowRanges[ky]
                for kx in 0..<g.kw {
                    let columns = columnRanges[kx], weight = weights[kernel + ky * g.kw + kx]
                    guard !rows.isEmpty, !columns.isEmpty, weight != 0 else { continue }
                    for oy in rows {
                        let line = plane + (oy * g.sh - g.padTop + ky * g.dh) * g.w + kx * g.dw - g.padLeft, d = dst + oy * g.ow
                        if g.sw == 1 {
                            for ox in columns { d[ox] -= weight * line[ox] }
                        } else {
                            for ox in columns { d[ox] -= weight * line[ox * g.sw] }
                        }
                    }
                }
            }
        }
    }
}
