import ScalpelCore

/// Backward rules of MatMul and ConvTranspose, for the data input and the weights alike.
extension BackwardRules {
    /// Per batched product Y = A·B: ∂A = ∂Y·Bᵀ and ∂B = Aᵀ·∂Y, by SGEMM, each summed over the
    /// batch axes its operand was broadcast along.
    func matMul(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        let (a, b) = (node.inputs[0], node.inputs[1])
        var aShape = dims(a), bShape = dims(b)
        if aShape.count == 1 { aShape.insert(1, at: 0) }
        if bShape.count == 1 { bShape.append(1) }
        let (m, k, n) = (aShape[aShape.count - 2], aShape[aShape.count - 1], bShape[bShape.count - 1])
        let aBatch = Array(aShape.dropLast(2)), bBatch = Array(bShape.dropLast(2))
        let rank = Swift.max(aBatch.count, bBatch.count)
        let batch = (0..<rank).map { d in
            Swift.max(d < rank - aBatch.count ? 1 : aBatch[d - (rank - aBatch.count)], d < rank - bBatch.count ? 1 : bBatch[d - (rank - bBatch.count)])
        }
        let aMatrix = Broadcasting.sourceOffsets(base: 0, strides: Broadcasting.strides(aBatch, to: batch), shape: batch)
        let bMatrix = Broadcasting.sourceOffsets(base: 0, strides: Broadcasting.strides(bBatch, to: batch), shape: batch)
        let av = try floats(a), bv = try floats(b)
        var da = [Float](repeating: 0, count: av.count), db = [Float](repeating: 0, count: bv.count)
        for i in aMatrix.indices {
            let (pa, pb, py) = (aMatrix[i] * m * k, bMatrix[i] * k * n, i * m * n)
            dy.withUnsafeBufferPointer { g in
                bv.withUnsafeBufferPointer { bp in
                    da.withUnsafeMutableBufferPointer { out in
                        Gemm.multiply(transB: true, m: m, n: k, k: n, g.baseAddress! + py, lda: n, bp.baseAddress! + pb, ldb: n,
                                      beta: 1, out.baseAddress! + pa, ldc: k)
                    }
                }
                av.withUnsafeBufferPointer { ap in
                    db.withUnsafeMutableBufferPointer { out in
                        Gemm.multiply(transA: true, m: k, n: n, k: m, ap.baseAddress! + pa, lda: k, g.baseAddress! + py, ldb: n,
                                      beta: 1, out.baseAddress! + pb, ldc: n)
                    }
                }
            }
        }
        return [(a, da), (b, db)].filter { carriesGradient($0.0) }
    }

    /// Y = col2im(Wᵀ·X) + bias, so per image, with ∂C = im2col(∂Y) (the output gradient each
    /// column entry was added to): ∂X = W·∂C, ∂W = Σ X·∂Cᵀ, ∂bias = Σ ∂Y over images and pixels.
    func convTranspose(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        let (x, weight) = (node.inputs[0], node.inputs[1])
        let s = dims(x), y = dims(node.outputs[0]), ws = dims(weight), autoPad = node.string("auto_pad", default: "NOTSET")
        guard s.count == 4, ws.count == 4, node.int("group", default: 1) == 1, autoPad == "NOTSET" || autoPad == "VALID" else {
            throw noRule("only ungrouped 2-D transposed convolution with explicit pads")
        }
        let st = node.ints("strides") ?? [1, 1], dil = node.ints("dilations") ?? [1, 1]
        let p = autoPad == "VALID" ? [0, 0, 0, 0] : node.ints("pads") ?? [0, 0, 0, 0]
        let (c, h, w, m, oh, ow, kh, kw) = (s[1], s[2], s[3], y[1], y[2], y[3], ws[2], ws[3])
        let k = m * kh * kw, spatial = h * w
        let xs = try floats(x), wv = try floats(weight)
        var dx = [Float](repeating: 0, count: xs.count), dw = [Float](repeating: 0, count: wv.count)
        var columns = [Float](repeating: 0, count: k * spatial)
        for image in 0..<s[0] {
            for row in 0..<k {
                let (channel, ky, kx) = (row / (kh * kw), row / kw % kh, row % kw)
                for iy in 0..<h {
                    let oy = iy * st[0] - p[0] + ky * dil[0]
                    for ix in 0..<w {
                        let ox = ix * st[1] - p[1] + kx * dil[1]
                        let inside = oy >= 0 && oy < oh && ox >= 0 && ox < ow
                        columns[row * spatial + iy * w + ix] = inside ? dy[((image * m + channel) * oh + oy) * ow + ox] : 0
                    }
                }
            }
            let offset = image * c * spatial
            columns.withUnsafeBufferPointer { col in
                wv.withUnsafeBufferPointer { wp in
                    dx.withUnsafeMutableBufferPointer { out in
                        Gemm.multiply(m: c, n: spatial, k: k, wp.baseAddress!, lda: k, col.baseAddress!, ldb: spatial,
                                      out.baseAddress! + offset, ldc: spatial)
                    }
                }
                xs.withUnsafeBufferPointer { xp in
                    dw.withUnsafeMutableBufferPointer { out in
                        Gemm.multiply(transB: true, m: c, n: k, k: spatial, xp.baseAddress! + offset, lda: spatial, col.baseAddress!,
                                      ldb: spatial, beta: 1, out.baseAddress!, ldc: k)
                    }
                }
            }
        }
        var result = [(x, dx), (weight, dw)].filter { carriesGradient($0.0) }
        if let bias = node.input(2), carriesGradient(bias) {
            let plane = oh * ow
            result.append((bias, (0..<m).map { channel in
                (0..<s[0]).reduce(Float(0)) { sum, image in sum + dy[((image * m + channel) * plane)..<((image * m + channel + 1) * plane)].reduce(0, +) }
            }))
        }
        return result
    }
}
