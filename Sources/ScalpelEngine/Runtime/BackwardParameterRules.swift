import CBLAS
import ScalpelCore

/// Gradients with respect to trainable parameters (weights, biases, BatchNorm γ and β), and the
/// input gradient of BatchNormalization in training mode. Checked against PyTorch in the tests.
extension BackwardRules {
    /// ∂L/∂parameter for the node's parameter inputs, given ∂L/∂output. MatMul and
    /// ConvTranspose weights come from ``inputGradients(_:)``, which covers both their inputs.
    func parameterGradients(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        switch node.opType {
        case "Conv":
            var result = [(node.inputs[1], try convWeight(dy))]
            if let b = node.input(2) { result.append((b, channelSums(dy, channels: shape(node.outputs[0])[1]))) }
            return result
        case "ConvTranspose":
            return node.input(2).map { [($0, channelSums(dy, channels: shape(node.outputs[0])[1]))] } ?? []
        case "Gemm":
            return try gemmParameters(dy)
        case "BatchNormalization":
            let x = try data(node.inputs[0]), channels = shape(node.inputs[0])[1]
            let (mean, inv) = try normalisation(x, channels: channels)
            let s = shape(node.inputs[0]), spatial = s.dropFirst(2).reduce(1, *)
            var dGamma = [Float](repeating: 0, count: channels), dBeta = dGamma
            for i in dy.indices {
                let c = (i / spatial) % channels
                dGamma[c] += dy[i] * (x[i] - mean[c]) * inv[c]
                dBeta[c] += dy[i]
            }
            return [(node.inputs[1], dGamma), (node.inputs[2], dBeta)]
        default:
            return []
        }
    }

    /// Per channel, the mean and 1/√(σ²+ε) BatchNormalization normalises by: the batch's
    /// (biased variance) in training mode, the running ones otherwise.
    func normalisation(_ x: [Float], channels: Int) throws -> (mean: [Float], inverse: [Float]) {
        let eps = node.float("epsilon", default: 1e-5)
        if !training {
            let mean = try data(node.inputs[3]), variance = try data(node.inputs[4])
            return (mean, variance.map { 1 / ($0 + eps).squareRoot() })
        }
        let (mean, variance, _) = Self.batchStatistics(x, shape: shape(node.inputs[0]))
        return (mean, variance.map { 1 / ($0 + eps).squareRoot() })
    }

    /// Per-channel mean and biased variance of an N × C × … batch, and the count per channel.
    static func batchStatistics(_ x: [Float], shape s: [Int]) -> (mean: [Float], variance: [Float], count: Int) {
        let channels = s[1], spatial = s.dropFirst(2).reduce(1, *), count = s[0] * spatial
        var sums = [Double](repeating: 0, count: channels), squares = sums
        for i in x.indices {
            let c = (i / spatial) % channels, v = Double(x[i])
            sums[c] += v
            squares[c] += v * v
        }
        let mean = sums.map { $0 / Double(count) }
        let variance = (0..<channels).map { Float(max(0, squares[$0] / Double(count) - mean[$0] * mean[$0])) }
        return (mean.map(Float.init), variance, count)
    }

    /// ∂L/∂x of training-mode BatchNorm, where the batch's statistics depend on x too:
    /// γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂)) per channel.
    func batchNormTrainingInput(_ dy: [Float]) throws -> [Float] {
        let x = try data(node.inputs[0]), gamma = try data(node.inputs[1]), s = shape(node.inputs[0])
        let channels = s[1], spatial = s.dropFirst(2).reduce(1, *), count = Float(s[0] * spatial)
        let (mean, inv) = try normalisation(x, channels: channels)
        var meanDy = [Float](repeating: 0, count: channels), meanDyXhat = meanDy
        for i in dy.indices {
            let c = (i / spatial) % channels
            meanDy[c] += dy[i] / count
            meanDyXhat[c] += dy[i] * (x[i] - mean[c]) * inv[c] / count
        }
        return dy.indices.map { i in
            let c = (i / spatial) % channels, xhat = (x[i] - mean[c]) * inv[c]
            return gamma[c] * inv[c] * (dy[i] - meanDy[c] - xhat * meanDyXhat[c])
        }
    }

    /// Σ over images and positions of ∂L/∂y, per output channel (a bias's gradient).
    private func channelSums(_ dy: [Float], channels: Int) -> [Float] {
        let spatial = dy.count / max(1, shape(node.outputs[0])[0] * channels)
        var sums = [Float](repeating: 0, count: channels)
        for i in dy.indices { sums[(i / spatial) % channels] += dy[i] }
        return sums
    }

    /// ∂L/∂W of a convolution: per image and group, ∂L/∂y · im2col(x)ᵀ by SGEMM, summed.
    private func convWeight(_ dy: [Float]) throws -> [Float] {
        let xv = node.inputs[0], s = shape(xv), y = shape(node.outputs[0]), ws = shape(node.inputs[1])
        guard let g = ConvKernels.Geometry(node, input: s, weight: ws, output: y) else { throw unsupported("2-D convolutions only") }
        var x = try data(xv)
        let cg = g.c / g.group, mg = g.m / g.group, k = cg * g.kh * g.kw, spatial = g.oh * g.ow
        var dw = [Float](repeating: 0, count: ws.reduce(1, *))
        var columns = [Float](repeating: 0, count: g.isPointwise ? 0 : k * spatial)
        x.withUnsafeMutableBufferPointer { xp in
            dy.withUnsafeBufferPointer { dp in
                columns.withUnsafeMutableBufferPointer { cp in
                    dw.withUnsafeMutableBufferPointer { wp in
                        for image in 0..<g.n {
                            for group in 0..<g.group {
                                let src = xp.baseAddress! + (image * g.c + group * cg) * g.h * g.w
                                let col: UnsafeMutablePointer<Float>
                                if g.isPointwise { col = src } else { ConvKernels.im2col(src, cp.baseAddress!, cg, g); col = cp.baseAddress! }
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(mg), Int32(k), Int32(spatial), 1,
                                            dp.baseAddress! + (image * g.m + group * mg) * spatial, Int32(spatial),
                                            col, Int32(spatial), 1, wp.baseAddress! + group * mg * k, Int32(k))
                            }
                        }
                    }
                }
            }
        }
        return dw
    }

    /// ∂L/∂B and ∂L/∂C of Gemm (Y = α·A·op(B) + β·C); C's gradient is summed over the axes it broadcasts on.
    private func gemmParameters(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        guard node.int("transA", default: 0) == 0 else { throw unsupported("transA") }
        let a = try data(node.inputs[0]), transB = node.int("transB", default: 0) != 0
        let out = shape(node.outputs[0]), m = out[0], n = out[1], k = shape(node.inputs[0])[1]
        let alpha = node.float("alpha", default: 1), beta = node.float("beta", default: 1)
        var dB = [Float](repeating: 0, count: k * n)
        if transB {  // B is n × k: ∂B = α·dYᵀ·A
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(n), Int32(k), Int32(m), alpha, dy, Int32(n), a, Int32(k), 0, &dB, Int32(k))
        } else {  // B is k × n: ∂B = α·Aᵀ·dY
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(n), Int32(m), alpha, a, Int32(k), dy, Int32(n), 0, &dB, Int32(n))
        }
        var result = [(node.inputs[1], dB)]
        if let c = node.input(2) {
            let cs = shape(c), strides = Broadcasting.strides(cs, to: out)
            var dC = [Float](repeating: 0, count: cs.reduce(1, *))
            for i in dy.indices { dC[Self.offset(i, out, strides)] += beta * dy[i] }
            result.append((c, dC))
        }
        return result
    }
}
