import ScalpelCore

/// Convolution gradients by SGEMM over chunks of images (see ``BackwardConvColumns``).
extension BackwardRules {
    /// The node's convolution geometry; throws unless it is a 2-D convolution.
    private func convGeometry() throws -> ConvKernels.Geometry {
        let x = node.inputs[0]
        guard let g = ConvKernels.Geometry(node, input: shape(x), weight: shape(node.inputs[1]), output: shape(node.outputs[0])) else {
            throw unsupported("2-D convolutions only")
        }
        return g
    }

    /// ∂L/∂x of a convolution: per chunk of images and group, columns = Wᵀ·∂L/∂y by one SGEMM,
    /// then col2im adds each column back onto the input positions its taps read. 3×3 stride-1
    /// ones go through Winograd instead.
    func convInput(_ dy: [Float]) throws -> [Float] {
        let g = try convGeometry(), w = try data(node.inputs[1])
        let (input, output, weight) = (shape(node.inputs[0]), shape(node.outputs[0]), shape(node.inputs[1]))
        if WinogradConv.worthwhile(outputs: g.h * g.w, c: g.m, m: g.c),
           let dx = WinogradConv.inputGradient(dy, weights: w, inputShape: input, outputShape: output, weightShape: weight,
                                               pads: [g.padTop, g.padLeft, g.padTop, g.padLeft], strides: [g.sh, g.sw],
                                               dilations: [g.dh, g.dw], group: g.group) { return dx }
        let layout = BackwardConvColumns(g)
        let (k, mg) = (layout.rows, layout.filters)
        var dx = [Float](repeating: 0, count: input.reduce(1, *))
        w.withUnsafeBufferPointer { wp in
            dy.withUnsafeBufferPointer { dp in
                dx.withUnsafeMutableBufferPointer { xp in
                    layout.forEachChunk(of: dp.baseAddress!) { images, group, gradient, columns in
                        let width = images.count * layout.spatial
                        Gemm.multiply(transA: true, m: k, n: width, k: mg, wp.baseAddress! + group * mg * k, lda: k, gradient, ldb: width,
                                      columns, ldc: width)
                        layout.fold(columns, group: group, images: images, into: xp.baseAddress!)
                    }
                }
            }
        }
        return dx
    }

    /// ∂L/∂W of a convolution: per chunk of images and group, ∂L/∂y · im2col(x)ᵀ by one SGEMM,
    /// summed over the chunks.
    func convWeight(_ dy: [Float]) throws -> [Float] {
        let g = try convGeometry(), x = try data(node.inputs[0])
        let layout = BackwardConvColumns(g)
        let (k, mg) = (layout.rows, layout.filters)
        var dw = [Float](repeating: 0, count: shape(node.inputs[1]).reduce(1, *))
        x.withUnsafeBufferPointer { xp in
            dy.withUnsafeBufferPointer { dp in
                dw.withUnsafeMutableBufferPointer { wp in
                    layout.forEachChunk(of: dp.baseAddress!) { images, group, gradient, columns in
                        let width = images.count * layout.spatial
                        let patches = layout.inputColumns(xp.baseAddress!, group: group, images: images, scratch: columns)
                        Gemm.multiply(transB: true, m: mg, n: k, k: width, gradient, lda: width, patches, ldb: width,
                                      beta: 1, wp.baseAddress! + group * mg * k, ldc: k)
                    }
                }
            }
        }
        return dw
    }
}
