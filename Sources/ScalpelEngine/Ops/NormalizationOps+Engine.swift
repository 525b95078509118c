import Foundation
import ScalpelCore

/// How the engine runs and differentiates normalisations.
extension NormalizationOp: EngineFamily {
    var kernel: Facet<KernelBuilder> {
        switch self {
        case .batchNormalization: .supported(NormalizationKernels.batchNorm)
        case .layerNormalization: .supported(NormalizationKernels.layerNorm)
        case .softmax: .supported { try NormalizationKernels.softmax($0, log: false) }
        case .logSoftmax: .supported { try NormalizationKernels.softmax($0, log: true) }
        case .instanceNormalization: .supported { try Self.groupNorm($0, groups: $0.shape(0)[1], epsilonDefault: 1e-5) }
        case .groupNormalization: .supported { try Self.groupNorm($0, groups: $0.node.int("num_groups", default: 1), epsilonDefault: 1e-5) }
        case .lrn: .supported(Self.lrn)
        case .meanVarianceNormalization: .supported(Self.meanVariance)
        case .hardmax: .supported(Self.hardmax)
        }
    }

    var gradient: GradientRule {
        switch self {
        case .batchNormalization: .batchNormalization
        case .layerNormalization: .layerNormalization
        case .softmax, .logSoftmax: .softmax
        case .hardmax: .none("its output is one-hot, piecewise constant, so no gradient flows through it")
        case .instanceNormalization, .groupNormalization, .lrn, .meanVarianceNormalization:
            .none("Scalpel has no backward rule for \(rawValue) yet")
        }
    }

    /// GroupNormalization (InstanceNormalization: one group per channel): each sample's group of
    /// channels normalised by its own mean and variance, then scaled and shifted per channel (or,
    /// with as many scales as groups, per group as in opset 18).
    private static func groupNorm(_ ctx: KernelContext, groups: Int, epsilonDefault: Float) throws -> StepBody {
        let x = ctx.shape(0)
        guard x.count >= 2, groups > 0, x[1] % groups == 0 else { throw ctx.unsupported("\(x.count < 2 ? 0 : x[1]) channels do not split into \(groups) groups") }
        let n = x[0], channels = x[1], spatial = x.dropFirst(2).reduce(1, *), perGroup = channels / groups * spatial
        let eps = ctx.node.float("epsilon", default: epsilonDefault)
        let scale = try ctx.input(1), bias = try ctx.input(2)
        let scaleCount = ctx.shape(1).reduce(1, *)
        guard scaleCount == channels || scaleCount == groups else { throw ctx.unsupported("\(scaleCount) scales for \(channels) channels in \(groups) groups") }
        let input = try ctx.input(0)
        return { ws in
            let src = input.pointer(ws), dst = ctx.output(ws), gamma = scale.pointer(ws), beta = bias.pointer(ws)
            Parallel.each(n * groups, elementsEach: perGroup) { block in
                let base = block * perGroup, group = block % groups
                var mean: Double = 0
                for i in 0..<perGroup { mean += Double(src[base + i]) }
                mean /= Double(perGroup)
                var variance: Double = 0
                for i in 0..<perGroup { let d = Double(src[base + i]) - mean; variance += d * d }
                let inverse = Float(1 / (variance / Double(perGroup) + Double(eps)).squareRoot())
                for i in 0..<perGroup {
                    let p = scaleCount == channels ? group * (channels / groups) + i / spatial : group
                    dst[base + i] = (src[base + i] - Float(mean)) * inverse * gamma[p] + beta[p]
                }
            }
        }
    }

    /// LRN: each element divided by (bias + α/size · Σ x²)^β over `size` neighbouring channels.
    private static func lrn(_ ctx: KernelContext) throws -> StepBody {
        let x = ctx.shape(0), size = ctx.node.int("size", default: 0)
        guard x.count >= 2, size > 0 else { throw ctx.unsupported("LRN needs a positive size") }
        let alpha = ctx.node.float("alpha", default: 1e-4), beta = ctx.node.float("beta", default: 0.75)
        let bias = ctx.node.float("bias", default: 1)
        let channels = x[1], spatial = x.dropFirst(2).reduce(1, *)
        let below = (size - 1) / 2, above = size - 1 - below
        let input = try ctx.input(0)
        return { ws in
            let src = input.pointer(ws), dst = ctx.output(ws)
            Parallel.each(x[0] * channels, elementsEach: spatial * size) { plane in
                let image = plane / channels, c = plane % channels
                let low = Swift.max(0, c - below), high = Swift.min(channels - 1, c + above)
                for i in 0..<spatial {
                    var squares: Float = 0
                    for k in low...high { let v = src[(image * channels + k) * spatial + i]; squares += v * v }
                    dst[plane * spatial + i] = src[plane * spatial + i] / Foundation.pow(bias + alpha / Float(size) * squares, beta)
                }
            }
        }
    }

    /// MeanVarianceNormalization: (x − mean) / (std + 1e-9) over `axes` (default N, H, W), as ONNX's function body.
    private static func meanVariance(_ ctx: KernelContext) throws -> StepBody {
        let x = ctx.shape(0)
        let axes = Set((ctx.node.ints("axes") ?? [0, 2, 3]).map { $0 < 0 ? $0 + x.count : $0 })
        guard axes.allSatisfy({ $0 >= 0 && $0 < x.count }) else { throw ctx.unsupported("axes out of range for rank \(x.count)") }
        let kept = x.indices.map { axes.contains($0) ? 1 : x[$0] }
        let strides = Broadcasting.strides(kept, to: x)
        let count = x.reduce(1, *), groups = kept.reduce(1, *), members = Float(count / Swift.max(1, groups))
        let offsets = Broadcasting.sourceOffsets(base: 0, strides: strides, shape: x)
        let input = try ctx.input(0)
        return { ws in
            let src = input.pointer(ws), dst = ctx.output(ws)
            var mean = [Float](repeating: 0, count: groups), meanSquare = mean
            for i in 0..<count { mean[offsets[i]] += src[i]; meanSquare[offsets[i]] += src[i] * src[i] }
            let std = (0..<groups).map { g in (Swift.max(0, meanSquare[g] / members - (mean[g] / members) * (mean[g] / members))).squareRoot() }
            for i in 0..<count { dst[i] = (src[i] - mean[offsets[i]] / members) / (std[offsets[i]] + 1e-9) }
        }
    }

    /// Hardmax along `axis` (default the last): 1 at the first largest element, 0 elsewhere.
    private static func hardmax(_ ctx: KernelContext) throws -> StepBody {
        let x = ctx.shape(0), axis = try NormalizationKernels.normalisedAxis(ctx)
        let lanes = AxisLanes(x, axis: axis), input = try ctx.input(0), count = ctx.outputCount()
        return { ws in
            let src = input.pointer(ws), dst = ctx.output(ws)
            dst.update(repeating: 0, count: count)
            for k in 0..<lanes.count {
                let start = lanes.start(k)
                var best = 0
                for i in 1..<Swift.max(1, lanes.size) where src[start + i * lanes.stride] > src[start + best * lanes.stride] { best = i }
                dst[start + best * lanes.stride] = 1
            }
        }
    }
}
