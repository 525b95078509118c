import Foundation
import ScalpelCore

/// Max, average and Lp pooling over 1-D and 2-D windows, and global pooling.
enum PoolKernels {
    /// What a pooling window computes.
    enum Mode: Sendable {
        case max, average
        /// (Σ |x|ᵖ)^(1/p), LpPool's norm.
        case lp(Float)
    }

    /// MaxPool, AveragePool and LpPool over 2-D windows with pads, strides and dilations.
    static func pool(_ ctx: KernelContext, _ mode: Mode) throws -> StepBody {
        guard let given = ctx.node.ints("kernel_shape"), given.count == ctx.shape(0).count - 2,
              let window = ConvKernels.Window(ctx.node, rank: given.count) else {
            throw ctx.unsupported("only 1-D and 2-D pooling (NCL, NCHW) is supported")
        }
        // A 1-D pool is the 2-D pool of the N×C×1×L view.
        let x = window.lift(ctx.shape(0)), y = window.lift(ctx.outputShapes[0]), kernel = given.count == 1 ? [1] + given : given
        let (strides, dil) = (window.strides, window.dilations)
        var pads = window.pads
        let autoPad = ctx.node.string("auto_pad", default: "NOTSET")
        if autoPad.hasPrefix("SAME") {
            let th = Swift.max(0, (y[2] - 1) * strides[0] + (kernel[0] - 1) * dil[0] + 1 - x[2])
            let tw = Swift.max(0, (y[3] - 1) * strides[1] + (kernel[1] - 1) * dil[1] + 1 - x[3])
            pads = autoPad == "SAME_UPPER" ? [th / 2, tw / 2, th - th / 2, tw - tw / 2] : [th - th / 2, tw - tw / 2, th / 2, tw / 2]
        }
        let includePad = ctx.node.int("count_include_pad", default: 0) != 0
        let (h, w, oh, ow) = (x[2], x[3], y[2], y[3])
        let (kh, kw, sh, sw, dh, dw, pt, pl) = (kernel[0], kernel[1], strides[0], strides[1], dil[0], dil[1], pads[0], pads[1])
        let (padBottom, padRight) = (pads[2], pads[3])
        let input = try ctx.input(0)
        if case .max = mode {
            let columns = (0..<kw).map { ConvKernels.validRange(outputs: ow, stride: sw, pad: pl, offset: $0 * dw, size: w) }
            return { ws in
                let src = input.pointer(ws), dst = ctx.output(ws)
                Parallel.each(x[0] * x[1], elementsEach: h * w) { plane in
                    maxPlane(src + plane * h * w, dst + plane * oh * ow, h: h, w: w, oh: oh, ow: ow, rows: (kh, sh, dh, pt),
                             columns: columns, sw: sw, dw: dw, pl: pl)
                }
            }
        }
        return { ws in
            let src = input.pointer(ws), dst = ctx.output(ws)
            Parallel.each(x[0] * x[1], elementsEach: h * w) { plane in
                let s = src + plane * h * w, d = dst + plane * oh * ow
                for oy in 0..<oh {
                    let y0 = oy * sh - pt
                    for ox in 0..<ow {
                        let x0 = ox * sw - pl
                        var acc: Float = 0
                        var inside = 0
                        for ky in 0..<kh {
                            let iy = y0 + ky * dh
                            guard iy >= 0, iy < h else { continue }
                            let line = s + iy * w
                            for kx in 0..<kw {
                                let ix = x0 + kx * dw
                                guard ix >= 0, ix < w else { continue }
                                if case let .lp(p) = mode { acc += Foundation.pow(Swift.abs(line[ix]), p) } else { acc += line[ix] }
                                inside += 1
                            }
                        }
                        if case let .lp(p) = mode {
                            d[oy * ow + ox] = Foundation.pow(acc, 1 / p)
                            continue
                        }
                        // count_include_pad counts the padding but not what lies beyond it.
                        let rows = Swift.min(y0 + (kh - 1) * dh, h - 1 + padBottom) - Swift.max(y0, -pt)
                        let cols = Swift.min(x0 + (kw - 1) * dw, w - 1 + padRight) - Swift.max(x0, -pl)
                        let padded = (rows / dh + 1) * (cols / dw + 1)
                        d[oy * ow + ox] = acc / Float(Swift.max(1, includePad ? padded : inside))
                    }
                }
            }
        }
    }

    /// One plane of max pooling: per output row, the element-wise max of the window's input rows,
    /// then per kernel column the max over the output positions where that column stays inside.
    static func maxPlane(_ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, h: Int, w: Int, oh: Int, ow: Int,
                                 rows: (kernel: Int, stride: Int, dilation: Int, pad: Int), columns: [Range<Int>],
                                 sw: Int, dw: Int, pl: Int) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: w) { buffer in
            let line = buffer.baseAddress!
            for oy in 0..<oh {
                let out = d + oy * ow
                out.update(repeating: -.infinity, count: ow)
                let y0 = oy * rows.stride - rows.pad
                var any = false
                for ky in 0..<rows.kernel {
                    let iy = y0 + ky * rows.dilation
                    guard iy >= 0, iy < h else { continue }
                    let r = s + iy * w
                    if any { for i in 0..<w { line[i] = Swift.max(line[i], r[i]) } } else { line.update(from: r, count: w) }
                    any = true
                }
                guard any else { continue }
                for (kx, range) in columns.enumerated() where !range.isEmpty {
                    let shift = kx * dw - pl
                    if sw == 1 {
                        let r = line + shift
                        for ox in range { out[ox] = Swift.max(out[ox], r[ox]) }
                    } else {
                        for ox in range { out[ox] = Swift.max(out[ox], line[ox * sw + shift]) }
                    }
                }
            }
        }
    }

    /// The pool of each whole plane.
    static func global(_ ctx: KernelContext, _ mode: Mode) throws -> StepBody {
        let x = ctx.shape(0)
        let planes = x.prefix(2).reduce(1, *), size = x.dropFirst(2).reduce(1, *)
        let input = try ctx.input(0)
        return { ws in
            let src = input.pointer(ws), dst = ctx.output(ws)
            Parallel.each(planes, elementsEach: size) { p in
                let s = src + p * size
                switch mode {
                case .max:
                    var m = -Float.infinity
                    for i in 0..<size { m = Swift.max(m, s[i]) }
                    dst[p] = m
                case .average:
                    var sum: Float = 0
                    for i in 0..<size { sum += s[i] }
                    dst[p] = sum / Float(size)
                case let .lp(power):
                    var sum: Float = 0
                    for i in 0..<size { sum += Foundation.pow(Swift.abs(s[i]), power) }
                    dst[p] = Foundation.pow(sum, 1 / power)
                }
            }
        }
    }
}
