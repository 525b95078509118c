import Foundation
import ScalpelCore

/// BatchNorm (where not folded), LayerNorm and Softmax.
enum NormalizationKernels {
    static func batchNorm(_ ctx: KernelContext) throws -> StepBody {
        let eps = ctx.node.float("epsilon", default: 1e-5)
        // training_mode = 1 in the file (NF-Nets standardise their weights so): normalised by the
        // batch's own statistics, whatever the running ones are.
        if ctx.training || ctx.node.int("training_mode", default: 0) != 0 {
            let read = ctx.node.outputs.dropFirst().filter { v in
                !v.isAbsent && (ctx.graph.nodes.contains { $0.inputs.contains(v) } || ctx.graph.outputs.contains { $0.id == v })
            }
            guard read.isEmpty else {
                throw ctx.unsupported("the running statistics a training-mode BatchNormalization outputs are not computed")
            }
            return try batchNormTraining(ctx, eps: eps)
        }
        guard let gamma = ctx.constantValues(1), let beta = ctx.constantValues(2), let mean = ctx.constantValues(3),
              let variance = ctx.constantValues(4) else { throw ctx.unsupported("parameters must be constant") }
        let x = ctx.shape(0)
        let channels = x.count > 1 ? x[1] : 1, spatial = x.dropFirst(2).reduce(1, *)
        let scale = (0..<channels).map { gamma[$0] / (variance[$0] + eps).squareRoot() }
        let shift = (0..<channels).map { beta[$0] - mean[$0] * scale[$0] }
        let input = try ctx.input(0)
        return { ws in
            let src = input.pointer(ws), dst = ctx.output(ws)
            Parallel.each(x[0] * channels, elementsEach: spatial) { plane in
                let c = plane % channels, a = scale[c], b = shift[c]
                for i in (plane * spatial)..<((plane + 1) * spatial) { dst[i] = src[i] * a + b }
            }
        }
    }

    /// Training-mode BatchNorm: each channel normalised by the batch's mean and (biased) variance;
    /// γ and β are read where the pool keeps them, so updates in place take effect.
    static func batchNormTraining(_ ctx: KernelContext, eps: Float) throws -> StepBody {
        let x = ctx.shape(0)
        let n = x[0], channels = x.count > 1 ? x[1] : 1, spatial = x.dropFirst(2).reduce(1, *)
        let input = try ctx.input(0), scale = try ctx.input(1), shift = try ctx.input(2)
        return { ws in
            let src = input.pointer(ws), dst = ctx.output(ws), gamma = scale.pointer(ws), beta = shift.pointer(ws)
            Parallel.each(channels, elementsEach: n * spatial) { c in
                let (mean, variance) = Reductions.channelMoments(src, images: n, channels: channels, spatial: spatial, channel: c)
                let a = gamma[c] / Float(variance + Double(eps)).squareRoot(), b = beta[c] - Float(mean) * a
                for image in 0..<n {
                    let offset = (image * channels + c) * spatial
                    for i in offset..<(offset + spatial) { dst[i] = src[i] * a + b }
                }
            }
        }
    }

    static func layerNorm(_ ctx: KernelContext) throws -> StepBody {
        let x = ctx.shape(0)
        let axisAttr = ctx.node.int("axis", default: -1)
        let axis = axisAttr < 0 ? axisAttr + x.count : axisAttr
        let rows = x.prefix(axis).reduce(1, *), size = x.dropFirst(axis).reduce(1, *)
        let eps = ctx.node.float("epsilon", default: 1e-5)
        let scale = ctx.node.input(1) != nil ? try ctx.input(1) : nil
        let bias = ctx.node.input(2) != nil ? try ctx.input(2) : nil
        let input = try ctx.input(0)
        return { ws in
            let src = input.pointer(ws), dst = ctx.output(ws)
            let g = scale?.pointer(ws), b = bias?.pointer(ws)
            Parallel.each(rows) { r in
                let s = src + r * size, d = dst + r * size
                var mean: Float = 0
                for i in 0..<size { mean += s[i] }
                mean /= Float(size)
                var variance: Float = 0
                for i in 0..<size { variance += (s[i] - mean) * (s[i] - mean) }
                let inv = 1 / (variance / Float(size) + eps).squareRoot()
                for i in 0..<size { d[i] = (s[i] - mean) * inv * (g?[i] ?? 1) + (b?[i] ?? 0) }
            }
        }
    }

    static func softmax(_ ctx: KernelContext, log: Bool) throws -> StepBody {
        let x = ctx.shape(0)
        let axis = try normalisedAxis(ctx)
        let lanes = AxisLanes(x, axis: axis), (size, inner) = (lanes.size, lanes.stride)
        let input = try ctx.input(0)
        return { ws in
            let src = input.pointer(ws), dst = ctx.output(ws)
            for k in 0..<lanes.count {
                let base = lanes.start(k)
                var m = -Float.infinity
                for i in 0..<size { m = Swift.max(m, src[base + i * inner]) }
                var sum: Float = 0
                for i in 0..<size { sum += Foundation.exp(src[base + i * inner] - m) }
                for i in 0..<size {
                    let shifted = src[base + i * inner] - m
                    dst[base + i * inner] = log ? shifted - Foundation.log(sum) : Foundation.exp(shifted) / sum
                }
            }
        }
    }

    /// The axis of Softmax, LogSoftmax or Hardmax (``NormalizationOp/normalisedAxis(of:rank:)``),
    /// or an error where it is implicit on a rank above 2 or out of range.
    static func normalisedAxis(_ ctx: KernelContext) throws -> Int {
        let rank = ctx.shape(0).count
        guard let axis = NormalizationOp.normalisedAxis(of: ctx.node, rank: rank) else {
            throw ctx.unsupported("its axis is implicit, and what that means on rank \(rank) changed at opset 13; set the axis explicitly")
        }
        guard axis >= 0, axis < rank else { throw ctx.unsupported("axis \(ctx.node.int("axis", default: -1)) is out of range for rank \(rank)") }
        return axis
    }
}
