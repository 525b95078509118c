import ScalpelCore

/// Gradients with respect to trainable parameters (weights, biases, BatchNorm γ and β), and the
/// gradients of BatchNormalization in training mode. Checked against PyTorch in the tests.
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
        case "BatchNormalization" where training:
            return []  // γ and β come with the input gradient, from the same batch statistics
        case "BatchNormalization":
            let x = try data(node.inputs[0]), s = shape(node.inputs[0])
            let eps = node.float("epsilon", default: 1e-5)
            let inverse = try data(node.inputs[4]).map { 1 / ($0 + eps).squareRoot() }
            let sums = Self.perChannelSums(dy, x, mean: try data(node.inputs[3]), inverse: inverse, shape: s)
            return [(node.inputs[1], sums.dyXhat), (node.inputs[2], sums.dy)]
        default:
            return []
        }
    }

    /// Per-channel mean and biased variance of an N × C × … batch, and the count per channel.
    static func batchStatistics(_ x: [Float], shape s: [Int]) -> BatchStatistics {
        let n = s[0], channels = s[1], spatial = s.dropFirst(2).reduce(1, *), count = n * spatial
        var mean = [Float](repeating: 0, count: channels), variance = mean
        x.withUnsafeBufferPointer { xp in
            mean.withUnsafeMutableBufferPointer { mp in
                variance.withUnsafeMutableBufferPointer { vp in
                    let (means, variances) = (mp.baseAddress!, vp.baseAddress!)
                    Parallel.each(channels, elementsEach: n * spatial) { c in
                        let moments = Reductions.channelMoments(xp.baseAddress!, images: n, channels: channels, spatial: spatial, channel: c)
                        means[c] = Float(moments.mean)
                        variances[c] = Float(moments.variance)
                    }
                }
            }
        }
        return BatchStatistics(mean: mean, variance: variance, count: count)
    }

    /// Per channel, Σ dy and Σ dy·x̂ with x̂ = (x − mean)·inverse: BatchNorm's β and γ gradients.
    static func perChannelSums(_ dy: [Float], _ x: [Float], mean: [Float], inverse: [Float], shape s: [Int])
        -> (dy: [Float], dyXhat: [Float]) {
        let n = s[0], channels = s[1], spatial = s.dropFirst(2).reduce(1, *)
        var sumDy = [Float](repeating: 0, count: channels), sumDyXhat = sumDy
        dy.withUnsafeBufferPointer { dp in
            x.withUnsafeBufferPointer { xp in
                sumDy.withUnsafeMutableBufferPointer { ap in
                    sumDyXhat.withUnsafeMutableBufferPointer { bp in
                        let (a, b) = (ap.baseAddress!, bp.baseAddress!)
                        Parallel.each(channels, elementsEach: n * spatial) { c in
                            var total: Float = 0, weighted: Float = 0
                            for image in 0..<n {
                                let offset = (image * channels + c) * spatial
                                total += Reductions.sum(dp.baseAddress! + offset, spatial)
                                weighted += Reductions.weightedDeviations(dp.baseAddress! + offset, xp.baseAddress! + offset, spatial, from: mean[c])
                            }
                            a[c] = total
                            b[c] = weighted * inverse[c]
                        }
                    }
                }
            }
        }
        return (sumDy, sumDyXhat)
    }

    /// Training-mode BatchNorm's gradients for x, γ and β from one pass of batch statistics.
    /// For x the batch's statistics depend on x too: γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂)) per channel.
    func batchNormTraining(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        let x = try data(node.inputs[0]), gamma = try data(node.inputs[1]), s = shape(node.inputs[0])
        let n = s[0], channels = s[1], spatial = s.dropFirst(2).reduce(1, *), count = Float(n * spatial)
        let eps = node.float("epsilon", default: 1e-5)
        let statistics = batchStatistics[node.inputs[0]] ?? Self.batchStatistics(x, shape: s)
        let mean = statistics.mean, inv = statistics.variance.map { 1 / ($0 + eps).squareRoot() }
        let sums = Self.perChannelSums(dy, x, mean: mean, inverse: inv, shape: s)
        // Every value is written below: no zero fill first.
        let dx = [Float](unsafeUninitializedCapacity: dy.count) { op, initialized in
            dy.withUnsafeBufferPointer { dp in
                x.withUnsafeBufferPointer { xp in
                    guard let out = op.baseAddress, let g0 = dp.baseAddress, let v0 = xp.baseAddress else { return }
                    Parallel.each(channels, elementsEach: n * spatial) { c in
                        let meanDy = sums.dy[c] / count, meanDyXhat = sums.dyXhat[c] / count
                        let m = mean[c], i = inv[c], scale = gamma[c] * i
                        for image in 0..<n {
                            let offset = (image * channels + c) * spatial
                            let g = g0 + offset, v = v0 + offset, d = out + offset
                            for j in 0..<spatial { d[j] = scale * (g[j] - meanDy - (v[j] - m) * i * meanDyXhat) }
                        }
                    }
                }
            }
            initialized = dy.count
        }
        return [(node.inputs[0], dx), (node.inputs[1], sums.dyXhat), (node.inputs[2], sums.dy)]
    }

    /// Σ over images and positions of ∂L/∂y, per output channel (a bias's gradient).
    private func channelSums(_ dy: [Float], channels: Int) -> [Float] {
        let images = shape(node.outputs[0])[0], spatial = dy.count / max(1, images * channels)
        var sums = [Float](repeating: 0, count: channels)
        dy.withUnsafeBufferPointer { dp in
            for image in 0..<images {
                for c in 0..<channels {
                    sums[c] += Reductions.sum(dp.baseAddress! + (image * channels + c) * spatial, spatial)
                }
            }
        }
        return sums
    }

    /// ∂L/∂B and ∂L/∂C of Gemm (Y = α·A·op(B) + β·C); C's gradient is summed over the axes it broadcasts on.
    private func gemmParameters(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        guard node.int("transA", default: 0) == 0 else { throw unsupported("transA") }
        let a = try data(node.inputs[0]), transB = node.int("transB", default: 0) != 0
        let out = shape(node.outputs[0]), m = out[0], n = out[1], k = shape(node.inputs[0])[1]
        let alpha = node.float("alpha", default: 1), beta = node.float("beta", default: 1)
        var dB = [Float](repeating: 0, count: k * n)
        if transB {  // B is n × k: ∂B = α·dYᵀ·A
            dB.withUnsafeMutableBufferPointer { Gemm.multiply(transA: true, m: n, n: k, k: m, alpha: alpha, dy, lda: n, a, ldb: k, $0.baseAddress!, ldc: k) }
        } else {  // B is k × n: ∂B = α·Aᵀ·dY
            dB.withUnsafeMutableBufferPointer { Gemm.multiply(transA: true, m: k, n: n, k: m, alpha: alpha, a, lda: k, dy, ldb: n, $0.baseAddress!, ldc: n) }
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

/// Per-channel mean and biased variance of a batch, and how many values each channel has.
struct BatchStatistics {
    let mean: [Float], variance: [Float]
    let count: Int
}
