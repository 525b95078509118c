import ScalpelCore

/// Convolutions: Winograd for 3×3 stride-1 ones (WinogradConv), im2col + SGEMM (1×1 convolutions
/// straight to SGEMM), a direct kernel for depthwise convolutions, and transposed convolution as SGEMM + col2im.
enum ConvKernels {
    /// Geometry of a 2-D convolution; a 1-D one (N×C×L) is the 2-D convolution of its N×C×1×L view.
    struct Geometry {
        let n, c, h, w, m, ow, kh, kw, sh, sw, dh, dw, padLeft, group: Int
        /// Output rows, and the padding above the input; a band of rows (``rows(_:)``) changes both.
        private(set) var oh, padTop: Int

        init(_ ctx: KernelContext, weight: [Int], output: [Int], transposed: Bool = false) throws {
            guard let g = Geometry(ctx.node, input: ctx.shape(0), weight: weight, output: output, transposed: transposed) else {
                throw ctx.unsupported("only 1-D and 2-D convolutions (NCL, NCHW) are supported")
            }
            self = g
        }

        /// The geometry of `node` for these shapes; nil unless it is a 1-D or 2-D convolution.
        init?(_ node: Node, input: [Int], weight: [Int], output: [Int], transposed: Bool = false) {
            guard input.count == 4 || input.count == 3, weight.count == input.count, output.count == input.count else { return nil }
            let window = Window(node, rank: input.count - 2)
            guard let window else { return nil }
            let (x, weight, output) = (window.lift(input), window.lift(weight), window.lift(output))
            let (strides, dil) = (window.strides, window.dilations)
            var pads = window.pads
            (n, c, h, w) = (x[0], x[1], x[2], x[3])
            (m, oh, ow) = (output[1], output[2], output[3])
            (kh, kw) = (weight[2], weight[3])
            (sh, sw, dh, dw) = (strides[0], strides[1], dil[0], dil[1])
            group = node.int("group", default: 1)
            let autoPad = node.string("auto_pad", default: "NOTSET")
            if autoPad.hasPrefix("SAME"), !transposed {
                let totalH = max(0, (oh - 1) * sh + (kh - 1) * dh + 1 - h), totalW = max(0, (ow - 1) * sw + (kw - 1) * dw + 1 - w)
                pads = autoPad == "SAME_UPPER" ? [totalH / 2, totalW / 2, 0, 0] : [totalH - totalH / 2, totalW - totalW / 2, 0, 0]
            } else if autoPad == "VALID" {
                pads = [0, 0, 0, 0]
            }
            (padTop, padLeft) = (pads[0], pads[1])
        }

        /// The same convolution restricted to output rows `band`: its first row becomes row 0.
        func rows(_ band: Range<Int>) -> Geometry {
            var g = self
            g.oh = band.count
            g.padTop = padTop - band.lowerBound * sh
            return g
        }

        var isPointwise: Bool { kh == 1 && kw == 1 && sh == 1 && sw == 1 && padTop == 0 && padLeft == 0 && oh == h && ow == w }
    }

    /// A node's strides, dilations and pads as 2-D ones: a 1-D window gets a unit height.
    struct Window {
        let strides, dilations, pads: [Int]
        private let oneDimensional: Bool

        /// The window of a node over `rank` spatial axes (1 or 2); nil when its attributes do not fit.
        init?(_ node: Node, rank: Int) {
            let strides = node.ints("strides") ?? Array(repeating: 1, count: rank)
            let dilations = node.ints("dilations") ?? Array(repeating: 1, count: rank)
            let pads = node.ints("pads") ?? Array(repeating: 0, count: 2 * rank)
            guard rank == 1 || rank == 2, strides.count == rank, dilations.count == rank, pads.count == 2 * rank else { return nil }
            oneDimensional = rank == 1
            self.strides = oneDimensional ? [1] + strides : strides
            self.dilations = oneDimensional ? [1] + dilations : dilations
            self.pads = oneDimensional ? [0, pads[0], 0, pads[1]] : pads
        }

        /// An N×C×L shape as N×C×1×L (a 2-D one unchanged).
        func lift(_ shape: [Int]) -> [Int] { oneDimensional ? [shape[0], shape[1], 1, shape[2]] : shape }
    }

    /// Conv, optionally with the following BatchNormalization folded into its weights and bias
    /// and a following activation applied as it writes its output.
    static func conv(_ ctx: KernelContext, foldingBatchNorm bn: Node?, activation: Epilogue = .none) throws -> StepBody {
        let g = try Geometry(ctx, weight: ctx.shape(1), output: ctx.outputShapes[0])
        let (w, b) = try weightsAndBias(ctx, filters: g.m, foldingBatchNorm: bn)
        let x = try ctx.input(0)
        let cg = g.c / g.group, mg = g.m / g.group
        if g.group == g.c && mg == 1 && g.group > 1 {
            return { ws in
                depthwise(x.pointer(ws), w, b, ctx.output(ws), g)
                activation.apply(ctx.output(ws), count: g.n * g.m * g.oh * g.ow)
            }
        }
        if WinogradConv.applies(g) {
            let winograd = WinogradConv(c: g.c, m: g.m, h: g.h, w: g.w, oh: g.oh, ow: g.ow, padTop: g.padTop, padLeft: g.padLeft,
                                        images: g.n, weights: w, bias: b, allocate: ctx.constants.scratch)
            let derived = Generation(ctx.constants)
            return { ws in
                // Weights updated in place (training) are transformed again before they are used.
                if derived.isStale { winograd.transformFilters(from: w) }
                winograd.run(x.pointer(ws), ctx.output(ws), images: g.n, activation: activation)
            }
        }
        if BatchedConv.applies(g) {
            let batched = BatchedConv(g, allocate: ctx.constants.scratch)
            return { ws in batched.run(x.pointer(ws), weights: w, bias: b, ctx.output(ws), activation: activation) }
        }
        guard g.isPointwise else {
            let banded = BandedConv(g, allocate: ctx.constants.scratch)
            return { ws in banded.run(x.pointer(ws), weights: w, bias: b, ctx.output(ws), activation: activation) }
        }
        // Pointwise: the input planes are already the SGEMM's columns.
        let spatial = g.oh * g.ow
        return { ws in
            let input = x.pointer(ws), out = ctx.output(ws)
            for image in 0..<g.n {
                let dst = out + image * g.m * spatial
                for m in 0..<g.m { (dst + m * spatial).update(repeating: b[m], count: spatial) }
                for group in 0..<g.group {
                    Gemm.multiply(m: mg, n: spatial, k: cg, w + group * mg * cg, lda: cg, input + (image * g.c + group * cg) * spatial,
                                  ldb: spatial, beta: 1, dst + group * mg * spatial, ldc: spatial)
                }
            }
            activation.apply(out, count: g.n * g.m * spatial)
        }
    }

    /// The weights and bias a convolution reads: the pool's own copies (which training updates in
    /// place), or new ones with a following BatchNormalization folded in.
    static func weightsAndBias(_ ctx: KernelContext, filters: Int, foldingBatchNorm bn: Node?) throws
        -> (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)
    {
        guard var weights = ctx.constantValues(1), let weightID = ctx.node.input(1) else { throw ctx.unsupported("weights must be constant") }
        var bias = ctx.constantValues(2) ?? [Float](repeating: 0, count: filters)
        if let bn {
            try fold(bn, ctx, weights: &weights, bias: &bias, perFilter: weights.count / filters)
            return (ctx.constants.store(weights), ctx.constants.store(bias))
        }
        let pool = ctx.constants
        let w = pool.pointer(of: weightID, graph: ctx.graph, shapes: ctx.shapes) ?? pool.store(weights)
        let b = ctx.node.input(2).flatMap { pool.pointer(of: $0, graph: ctx.graph, shapes: ctx.shapes) } ?? pool.store(bias)
        return (w, b)
    }

    /// Folds y = γ·(conv − μ)/√(σ²+ε) + β into the convolution's weights and bias.
    static func fold(_ bn: Node, _ ctx: KernelContext, weights: inout [Float], bias: inout [Float], perFilter: Int) throws {
        func values(_ i: Int) -> [Float]? {
            bn.input(i).flatMap { ctx.constants.values(of: $0, graph: ctx.graph, shapes: ctx.shapes) }
        }
        guard let gamma = values(1), let beta = values(2), let mean = values(3), let variance = values(4) else {
            throw ctx.unsupported("BatchNormalization parameters must be constant")
        }
        let eps = bn.float("epsilon", default: 1e-5)
        for m in bias.indices {
            let scale = gamma[m] / (variance[m] + eps).squareRoot()
            for i in (m * perFilter)..<((m + 1) * perFilter) { weights[i] *= scale }
            bias[m] = (bias[m] - mean[m]) * scale + beta[m]
        }
    }

    /// The output positions whose input position `o·stride − pad + offset` lies in `0..<size`.
    static func validRange(outputs: Int, stride: Int, pad: Int, offset: Int, size: Int) -> Range<Int> {
        let last = size - 1 + pad - offset
        guard last >= 0 else { return 0..<0 }
        let first = pad - offset
        let low = Swift.max(0, first <= 0 ? -(-first / stride) : (first + stride - 1) / stride)
        let high = Swift.min(outputs, last / stride + 1)
        return low..<Swift.max(low, high)
    }

    /// Unfolds input patches into columns: row (c, ky, kx), column (image, oy, ox). Rows are
    /// filled by valid ranges (copies where the stride is 1) with zeros where the window leaves
    /// the image. `images` images `imageStride` floats apart in `src` lie side by side, so each
    /// row holds images × plane values.
    static func im2col(_ src: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, _ channels: Int, _ g: Geometry,
                       images: Int = 1, imageStride: Int = 0, parallel: Bool = true) {
        if PaddedPlane.applies(g) { return PaddedPlane.unfold(src, col, channels, g, images: images, imageStride: imageStride) }
        let spatial = g.oh * g.ow, pitch = images * spatial
        let (h, w, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl) = (g.h, g.w, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padLeft)
        let grain = parallel ? Swift.max(1, Parallel.inlineBelow / Swift.max(1, kw * spatial)) : .max
        Parallel.chunks(images * channels * kh, grain: grain) { items in
            for item in items {
                let image = item / (channels * kh), c = item / kh % channels, ky = item % kh
                let plane = src + image * imageStride, columns = col + image * spatial
                let rows = validRange(outputs: oh, stride: sh, pad: pt, offset: ky * dh, size: h)
                for kx in 0..<kw {
                    let row = columns + ((c * kh + ky) * kw + kx) * pitch
                    let cols = validRange(outputs: ow, stride: sw, pad: pl, offset: kx * dw, size: w)
                    for oy in 0..<oh {
                        let dst = row + oy * ow
                        guard rows.contains(oy), !cols.isEmpty else { dst.update(repeating: 0, count: ow); continue }
                        let line = plane + (c * h + oy * sh - pt + ky * dh) * w
                        if cols.lowerBound > 0 { dst.update(repeating: 0, count: cols.lowerBound) }
                        let first = cols.lowerBound * sw - pl + kx * dw
                        let from = line + first - cols.lowerBound * sw
                        switch sw {
                        case 1: (dst + cols.lowerBound).update(from: line + first, count: cols.count)
                        case 2: for ox in cols { dst[ox] = from[2 * ox] }  // a constant stride the compiler vectorises
                        default: for ox in cols { dst[ox] = from[ox * sw] }
                        }
                        if cols.upperBound < ow { (dst + cols.upperBound).update(repeating: 0, count: ow - cols.upperBound) }
                    }
                }
            }
        }
    }

    /// One filter per channel: each output row starts at the bias and gains the channel's plane
    /// convolved with the channel's filter (``accumulateRow(_:_:filter:scale:into:_:columns:)``).
    static func depthwise(_ x: UnsafeMutablePointer<Float>, _ w: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>,
                          _ out: UnsafeMutablePointer<Float>, _ g: Geometry) {
        let columns = columnRanges(g)
        Parallel.each(g.n * g.c, elementsEach: g.h * g.w) { plane in
            let channel = plane % g.c, src = x + plane * g.h * g.w, dst = out + plane * g.oh * g.ow, filter = w + channel * g.kh * g.kw
            for oy in 0..<g.oh {
                (dst + oy * g.ow).update(repeating: b[channel], count: g.ow)
                accumulateRow(oy, src, filter: filter, scale: 1, into: dst, g, columns: columns)
            }
        }
    }

    /// Per kx, the output columns whose tap lies inside the input.
    static func columnRanges(_ g: Geometry) -> [Range<Int>] {
        (0..<g.kw).map { validRange(outputs: g.ow, stride: g.sw, pad: g.padLeft, offset: $0 * g.dw, size: g.w) }
    }

    /// Adds to output row `oy` of `dst` `scale` × one input plane convolved with one kh × kw
    /// filter: weight × a shifted input row per tap, over the range where the tap stays inside
    /// the input (`columns`, from ``columnRanges(_:)``).
    @inline(__always)
    static func accumulateRow(_ oy: Int, _ src: UnsafePointer<Float>, filter: UnsafePointer<Float>, scale: Float,
                              into dst: UnsafeMutablePointer<Float>, _ g: Geometry, columns: [Range<Int>]) {
        let (h, wd, ow, kh, kw, sh, sw, dh, dw, pt, pl) = (g.h, g.w, g.ow, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padLeft)
        let d = dst + oy * ow
        for ky in 0..<kh {
            let iy = oy * sh - pt + ky * dh
            guard iy >= 0, iy < h else { continue }
            let line = src + iy * wd
            for kx in 0..<kw {
                let weight = scale * filter[ky * kw + kx], range = columns[kx]
                guard !range.isEmpty else { continue }
                let shift = kx * dw - pl
                if sw == 1 {
                    let s = line + shift
                    for ox in range { d[ox] += weight * s[ox] }
                } else {
                    for ox in range { d[ox] += weight * line[ox * sw + shift] }
                }
            }
        }
    }

    static func addBias(_ out: UnsafeMutablePointer<Float>, _ bias: UnsafeMutablePointer<Float>, channels: Int, spatial: Int) {
        for m in 0..<channels {
            let p = out + m * spatial, value = bias[m]
            if value != 0 { for i in 0..<spatial { p[i] += value } }
        }
    }

    /// ConvTranspose: columns = Wᵀ·x, then col2im scatters them into the output.
    static func convTranspose(_ ctx: KernelContext) throws -> StepBody {
        let g = try Geometry(ctx, weight: ctx.shape(1), output: ctx.outputShapes[0], transposed: true)
        guard g.group == 1 else { throw ctx.unsupported("grouped transposed convolution") }
        let (w, b) = try weightsAndBias(ctx, filters: g.m, foldingBatchNorm: nil)
        let x = try ctx.input(0)
        let k = g.m * g.kh * g.kw, spatialIn = g.h * g.w
        let columns = ctx.constants.scratch(k * spatialIn)
        return { ws in
            let input = x.pointer(ws), out = ctx.output(ws)
            for image in 0..<g.n {
                Gemm.multiply(transA: true, m: k, n: spatialIn, k: g.c, w, lda: k, input + image * g.c * spatialIn, ldb: spatialIn,
                              columns, ldc: spatialIn)
                let dst = out + image * g.m * g.oh * g.ow
                dst.update(repeating: 0, count: g.m * g.oh * g.ow)
                for m in 0..<g.m {
                    for ky in 0..<g.kh {
                        for kx in 0..<g.kw {
                            let row = columns + ((m * g.kh + ky) * g.kw + kx) * spatialIn
                            for iy in 0..<g.h {
                                let oy = iy * g.sh - g.padTop + ky * g.dh
                                guard oy >= 0, oy < g.oh else { continue }
                                for ix in 0..<g.w {
                                    let ox = ix * g.sw - g.padLeft + kx * g.dw
                                    if ox >= 0, ox < g.ow { dst[(m * g.oh + oy) * g.ow + ox] += row[iy * g.w + ix] }
                                }
                            }
                        }
                    }
                }
                addBias(dst, b, channels: g.m, spatial: g.oh * g.ow)
            }
        }
    }
}
