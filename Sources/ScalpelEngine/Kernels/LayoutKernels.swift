import ScalpelCore

/// Ops that move data without arithmetic: reshapes, transposes, joins, cuts, padding, resizing.
enum LayoutKernels {
    static func copy(_ ctx: KernelContext) throws -> StepBody {
        let x = try ctx.input(0), count = ctx.outputCount()
        return { ws in ctx.output(ws).update(from: x.pointer(ws), count: count) }
    }

    /// Copies `source` viewed through `strides` (one per output axis) into a dense output.
    static func gatherStrided(_ src: UnsafeMutablePointer<Float>, base: Int, strides: [Int], shape: [Int], into dst: UnsafeMutablePointer<Float>) {
        let count = shape.reduce(1, *)
        guard count > 0 else { return }
        let inner = shape.last ?? 1, innerStride = strides.last ?? 1
        let rows = count / inner
        Parallel.chunks(rows, grain: Swift.max(1, 8192 / Swift.max(1, inner))) { r in
            for row in r {
                var rest = row, offset = base
                for d in stride(from: shape.count - 2, through: 0, by: -1) {
                    offset += (rest % shape[d]) * strides[d]
                    rest /= shape[d]
                }
                let out = dst + row * inner
                if innerStride == 1 {
                    out.update(from: src + offset, count: inner)
                } else {
                    for j in 0..<inner { out[j] = src[offset + j * innerStride] }
                }
            }
        }
    }

    static func denseStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for d in stride(from: shape.count - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * shape[d + 1] }
        return strides
    }

    /// Where a Slice of a dense `shape` reads: the offset of its first element, and the input
    /// stride of each output axis.
    static func sliceLayout(_ shape: [Int], starts: [Int], ends: [Int], axes: [Int], steps: [Int]) -> (base: Int, strides: [Int]) {
        let source = denseStrides(shape)
        var strides = source, base = 0
        for (k, a) in axes.enumerated() {
            let axis = a < 0 ? a + shape.count : a
            let (start, _) = SliceBounds.clamp(start: starts[k], end: ends[k], step: steps[k], size: shape[axis])
            base += start * source[axis]
            // A step longer than the axis takes one element, so its size never matters (nor overflows).
            let step = steps[k].signum() * Int(min(steps[k].magnitude, UInt(max(shape[axis], 1))))
            strides[axis] = source[axis] * step
        }
        return (base, strides)
    }

    static func transpose(_ ctx: KernelContext) throws -> StepBody {
        let x = ctx.shape(0)
        let perm = ctx.node.ints("perm") ?? Array(x.indices.reversed())
        let source = denseStrides(x)
        let strides = perm.map { source[$0] }, shape = ctx.outputShapes[0]
        let input = try ctx.input(0)
        return { ws in gatherStrided(input.pointer(ws), base: 0, strides: strides, shape: shape, into: ctx.output(ws)) }
    }

    static func concat(_ ctx: KernelContext) throws -> StepBody {
        let out = ctx.outputShapes[0]
        let a = ctx.node.int("axis", default: 0)
        let axis = a < 0 ? a + out.count : a
        let outer = out.prefix(axis).reduce(1, *), inner = out.dropFirst(axis + 1).reduce(1, *)
        let parts = try ctx.node.inputs.indices.map { (try ctx.input($0), ctx.shape($0)[axis] * inner) }
        let total = out[axis] * inner
        return { ws in
            let dst = ctx.output(ws)
            var offset = 0
            for (operand, block) in parts {
                let src = operand.pointer(ws)
                for o in 0..<outer { (dst + o * total + offset).update(from: src + o * block, count: block) }
                offset += block
            }
        }
    }

    static func split(_ ctx: KernelContext) throws -> StepBody {
        let x = ctx.shape(0)
        let a = ctx.node.int("axis", default: 0)
        let axis = a < 0 ? a + x.count : a
        let outer = x.prefix(axis).reduce(1, *), inner = x.dropFirst(axis + 1).reduce(1, *)
        let total = x[axis] * inner
        let blocks = ctx.outputShapes.map { $0.isEmpty ? 0 : $0[axis] * inner }
        let input = try ctx.input(0)
        return { ws in
            let src = input.pointer(ws)
            var offset = 0
            for (i, block) in blocks.enumerated() where ctx.outputSlots[i] >= 0 {
                let dst = ctx.output(ws, i)
                for o in 0..<outer { (dst + o * block).update(from: src + o * total + offset, count: block) }
                offset += block
            }
        }
    }

    static func slice(_ ctx: KernelContext) throws -> StepBody {
        let x = ctx.shape(0)
        guard let starts = ctx.node.input(1) != nil ? ctx.integers(1) : ctx.node.ints("starts"),
              let ends = ctx.node.input(2) != nil ? ctx.integers(2) : ctx.node.ints("ends") else {
            throw ctx.unsupported("starts and ends must be constant")
        }
        let axes = (ctx.node.input(3) != nil ? ctx.integers(3) : ctx.node.ints("axes")) ?? Array(starts.indices)
        let steps = (ctx.node.input(4) != nil ? ctx.integers(4) : nil) ?? Array(repeating: 1, count: starts.count)
        let (base, strides) = sliceLayout(x, starts: starts, ends: ends, axes: axes, steps: steps)
        let shape = ctx.outputShapes[0]
        let input = try ctx.input(0)
        return { ws in gatherStrided(input.pointer(ws), base: base, strides: strides, shape: shape, into: ctx.output(ws)) }
    }

    static func pad(_ ctx: KernelContext) throws -> StepBody {
        let x = ctx.shape(0), out = ctx.outputShapes[0]
        guard let pads = ctx.node.input(1) != nil ? ctx.integers(1) : ctx.node.ints("pads"), pads.count == 2 * x.count else {
            throw ctx.unsupported("pads must be constant and cover every axis")
        }
        guard pads.allSatisfy({ $0 >= 0 }) else { throw ctx.unsupported("negative pads") }
        let mode = ctx.node.string("mode", default: "constant")
        if mode != "constant" {
            guard let map = padSources(mode: mode, input: x, output: out, pads: pads) else {
                throw ctx.unsupported("\(mode) padding of \(x) by \(pads) (reflect needs every pad below its axis's size)")
            }
            let input = try ctx.input(0)
            return { ws in
                let src = input.pointer(ws), dst = ctx.output(ws)
                Parallel.chunks(map.count, grain: 8192) { r in for i in r { dst[i] = src[map[i]] } }
            }
        }
        let value = ctx.node.input(2) != nil ? (ctx.constantValues(2)?.first ?? 0) : ctx.node.float("value", default: 0)
        let outStrides = denseStrides(out)
        let base = (0..<x.count).reduce(0) { $0 + pads[$1] * outStrides[$1] }
        let input = try ctx.input(0)
        let count = x.reduce(1, *), inner = x.last ?? 1
        return { ws in
            let src = input.pointer(ws), dst = ctx.output(ws)
            dst.update(repeating: value, count: out.reduce(1, *))
            for row in 0..<(count / Swift.max(1, inner)) {
                var rest = row, offset = base
                for d in stride(from: x.count - 2, through: 0, by: -1) {
                    offset += (rest % x[d]) * outStrides[d]
                    rest /= x[d]
                }
                (dst + offset).update(from: src + row * inner, count: inner)
            }
        }
    }

    /// For `edge`, `reflect` and `wrap` padding: the input element each output element copies
    /// (edge repeats the border, reflect mirrors without repeating it, wrap starts over); nil when
    /// the mode is unknown or a reflection would run past the other side.
    static func padSources(mode: String, input x: [Int], output out: [Int], pads: [Int]) -> [Int]? {
        guard ["edge", "reflect", "wrap"].contains(mode), x.allSatisfy({ $0 > 0 }) else { return nil }
        if mode == "reflect", x.indices.contains(where: { pads[$0] >= x[$0] || pads[$0 + x.count] >= x[$0] }) { return nil }
        func source(_ o: Int, axis: Int) -> Int {
            let n = x[axis], i = o - pads[axis]
            switch mode {
            case "edge": return Swift.min(Swift.max(i, 0), n - 1)
            case "wrap": return ((i % n) + n) % n
            default:
                guard n > 1 else { return 0 }
                let period = 2 * (n - 1), r = ((i % period) + period) % period
                return r < n ? r : period - r
            }
        }
        let strides = denseStrides(x)
        var offsets = [0]
        for axis in out.indices {
            let sources = (0..<out[axis]).map { source($0, axis: axis) * strides[axis] }
            offsets = offsets.flatMap { base in sources.map { base + $0 } }
        }
        return offsets
    }

    static func resize(_ ctx: KernelContext) throws -> StepBody {
        let x = ctx.shape(0), y = ctx.outputShapes[0]
        guard x.count == 4, x[0] == y[0], x[1] == y[1] else { throw ctx.unsupported("only resizing the spatial axes of NCHW") }
        let mode = ctx.node.string("mode", default: "nearest")
        let transform = ctx.node.string("coordinate_transformation_mode", default: ctx.node.opType == "Upsample" ? "asymmetric" : "half_pixel")
        let nearestMode = ctx.node.string("nearest_mode", default: "round_prefer_floor")
        // Scales as the op defines them: given, or output/input.
        let given = ctx.node.opType == "Upsample" || ctx.node.inputs.count == 2 ? ctx.constantValues(1) : ctx.constantValues(2)
        let scaleH = given.map { $0.count == 4 ? $0[2] : Float(y[2]) / Float(x[2]) } ?? Float(y[2]) / Float(x[2])
        let scaleW = given.map { $0.count == 4 ? $0[3] : Float(y[3]) / Float(x[3]) } ?? Float(y[3]) / Float(x[3])
        func source(_ o: Int, _ scale: Float, _ inSize: Int, _ outSize: Int) -> Float {
            switch transform {
            case "asymmetric": return Float(o) / scale
            case "align_corners": return outSize == 1 ? 0 : Float(o) * Float(inSize - 1) / Float(outSize - 1)
            case "pytorch_half_pixel": return outSize == 1 ? 0 : (Float(o) + 0.5) / scale - 0.5
            default: return (Float(o) + 0.5) / scale - 0.5
            }
        }
        guard mode == "nearest" || mode == "linear" else { throw ctx.unsupported("resize mode \(mode)") }
        let (h, w, oh, ow) = (x[2], x[3], y[2], y[3])
        let ys = (0..<oh).map { source($0, scaleH, h, oh) }, xs = (0..<ow).map { source($0, scaleW, w, ow) }
        func nearest(_ v: Float, _ size: Int) -> Int {
            let i: Float = switch nearestMode {
            case "floor": v.rounded(.down)
            case "ceil": v.rounded(.up)
            case "round_prefer_ceil": (v + 0.5).rounded(.down)
            default: v == v.rounded(.down) + 0.5 ? v.rounded(.down) : v.rounded()
            }
            return Swift.min(Swift.max(Int(i), 0), size - 1)
        }
        let input = try ctx.input(0)
        if mode == "nearest" {
            let iy = ys.map { nearest($0, h) }, ix = xs.map { nearest($0, w) }
            return { ws in
                let src = input.pointer(ws), dst = ctx.output(ws)
                Parallel.each(x[0] * x[1]) { p in
                    let s = src + p * h * w, d = dst + p * oh * ow
                    for oy in 0..<oh { for ox in 0..<ow { d[oy * ow + ox] = s[iy[oy] * w + ix[ox]] } }
                }
            }
        }
        return { ws in
            let src = input.pointer(ws), dst = ctx.output(ws)
            Parallel.each(x[0] * x[1]) { p in
                let s = src + p * h * w, d = dst + p * oh * ow
                for oy in 0..<oh {
                    let fy = Swift.min(Swift.max(ys[oy], 0), Float(h - 1))
                    let y0 = Int(fy), y1 = Swift.min(y0 + 1, h - 1), wy = fy - Float(y0)
                    for ox in 0..<ow {
                        let fx = Swift.min(Swift.max(xs[ox], 0), Float(w - 1))
                        let x0 = Int(fx), x1 = Swift.min(x0 + 1, w - 1), wx = fx - Float(x0)
                        let top = s[y0 * w + x0] * (1 - wx) + s[y0 * w + x1] * wx
                        let bottom = s[y1 * w + x0] * (1 - wx) + s[y1 * w + x1] * wx
                        d[oy * ow + ox] = top * (1 - wy) + bottom * wy
                    }
                }
            }
        }
    }

    static func gather(_ ctx: KernelContext) throws -> StepBody {
        let x = ctx.shape(0)
        guard let indices = ctx.integers(1) else { throw ctx.unsupported("indices must be constant") }
        let a = ctx.node.int("axis", default: 0)
        let axis = a < 0 ? a + x.count : a
        guard axis >= 0, axis < x.count else { throw ctx.unsupported("axis \(a) does not fit rank \(x.count)") }
        let outer = x.prefix(axis).reduce(1, *), inner = x.dropFirst(axis + 1).reduce(1, *)
        let picked = indices.map { $0 < 0 ? $0 &+ x[axis] : $0 }
        if let wrong = picked.indices.first(where: { !(0..<x[axis]).contains(picked[$0]) }) {
            throw ctx.unsupported("index \(indices[wrong]) is outside axis \(a) of size \(x[axis])")
        }
        let input = try ctx.input(0)
        return { ws in
            let src = input.pointer(ws), dst = ctx.output(ws)
            var cursor = 0
            for o in 0..<outer {
                for i in picked {
                    (dst + cursor).update(from: src + (o * x[axis] + i) * inner, count: inner)
                    cursor += inner
                }
            }
        }
    }

    static func expand(_ ctx: KernelContext) throws -> StepBody {
        let out = ctx.outputShapes[0]
        let strides = Broadcasting.strides(ctx.shape(0), to: out)
        let input = try ctx.input(0)
        return { ws in gatherStrided(input.pointer(ws), base: 0, strides: strides, shape: out, into: ctx.output(ws)) }
    }
}
