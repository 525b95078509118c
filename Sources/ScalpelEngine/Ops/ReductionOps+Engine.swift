import Foundation
import ScalpelCore

/// How the engine runs and differentiates reductions, arg-reductions and running sums.
extension ReductionOp: EngineFamily {
    var kernel: Facet<KernelBuilder> {
        switch self {
        case .argMax, .argMin: .supported { try Self.argReduce($0, max: self == .argMax) }
        case .cumSum: .supported(Self.cumSum)
        default: .supported { try Self.reduce($0, self) }
        }
    }

    var gradient: GradientRule {
        switch self {
        case .reduceSum, .reduceMean: .reduce(nil)
        case .reduceSumSquare: .reduce { _ in { x, _ in 2 * x } }
        case .reduceL1: .reduce { _ in { x, _ in x > 0 ? 1 : x < 0 ? -1 : 0 } }
        case .reduceL2: .reduce { _ in { x, y in y > 0 ? x / y : 0 } }
        case .reduceLogSum: .reduce { _ in { _, y in Foundation.exp(-y) } }
        case .reduceLogSumExp: .reduce { _ in { x, y in Foundation.exp(x - y) } }
        case .reduceMax, .reduceMin, .reduceProd, .cumSum: .none("Scalpel has no backward rule for \(rawValue) yet")
        case .argMax, .argMin: .none("its output is indices, so no gradient flows through it")
        }
    }

    /// Every element's output position for a reduction over `axes` of `x`, in input order.
    private static func outputOffsets(_ x: [Int], axes: Set<Int>) -> [Int] {
        let kept = x.indices.map { axes.contains($0) ? 1 : x[$0] }
        return Broadcasting.sourceOffsets(base: 0, strides: Broadcasting.strides(kept, to: x), shape: x)
    }

    /// ReduceSum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare.
    private static func reduce(_ ctx: KernelContext, _ op: ReductionOp) throws -> StepBody {
        let x = ctx.shape(0)
        guard let axes = ReductionOp.reducedAxes(of: ctx.node, rank: x.count, known: { _ in ctx.integers(1) }) else {
            throw ctx.unsupported("its axes must be constant")
        }
        let offsets = outputOffsets(x, axes: axes)
        let outCount = ctx.outputCount(), reduced = Float(x.reduce(1, *)) / Float(Swift.max(1, outCount))
        let initial: Float = op == .reduceMax ? -.infinity : op == .reduceMin ? .infinity : op == .reduceProd ? 1 : 0
        let input = try ctx.input(0)
        return { ws in
            let src = input.pointer(ws), dst = ctx.output(ws)
            dst.update(repeating: initial, count: outCount)
            var shift = [Float](repeating: 0, count: op == .reduceLogSumExp ? outCount : 0)
            if op == .reduceLogSumExp {
                shift = [Float](repeating: -.infinity, count: outCount)
                for (i, o) in offsets.enumerated() { shift[o] = Swift.max(shift[o], src[i]) }
                for o in 0..<outCount where !shift[o].isFinite { shift[o] = 0 }
            }
            for (i, o) in offsets.enumerated() {
                let v = src[i]
                switch op {
                case .reduceMax: dst[o] = Swift.max(dst[o], v)
                case .reduceMin: dst[o] = Swift.min(dst[o], v)
                case .reduceProd: dst[o] *= v
                case .reduceL1: dst[o] += Swift.abs(v)
                case .reduceL2, .reduceSumSquare: dst[o] += v * v
                case .reduceLogSumExp: dst[o] += Foundation.exp(v - shift[o])
                default: dst[o] += v
                }
            }
            for o in 0..<outCount {
                switch op {
                case .reduceMean: dst[o] /= reduced
                case .reduceL2: dst[o] = dst[o].squareRoot()
                case .reduceLogSum: dst[o] = Foundation.log(dst[o])
                case .reduceLogSumExp: dst[o] = Foundation.log(dst[o]) + shift[o]
                default: break
                }
            }
        }
    }

    /// ArgMax and ArgMin along `axis`: the first extreme's index, or the last with `select_last_index`.
    private static func argReduce(_ ctx: KernelContext, max: Bool) throws -> StepBody {
        let x = ctx.shape(0), a = ctx.node.int("axis", default: 0), axis = a < 0 ? a + x.count : a
        guard axis >= 0, axis < x.count else { throw ctx.unsupported("axis \(a) is out of range") }
        let last = ctx.node.int("select_last_index", default: 0) != 0
        let lanes = AxisLanes(x, axis: axis), input = try ctx.input(0)
        return { ws in
            let src = input.pointer(ws), dst = ctx.output(ws)
            for k in 0..<lanes.count {
                let lane = src + lanes.start(k)
                var best = 0, value = lane[0]
                for i in 1..<Swift.max(1, lanes.size) {
                    let v = lane[i * lanes.stride]
                    if max ? (v > value || (last && v == value)) : (v < value || (last && v == value)) { (best, value) = (i, v) }
                }
                dst[k] = Float(best)
            }
        }
    }

    /// CumSum along the axis given as input 1, `exclusive` and `reverse` as ONNX defines them.
    private static func cumSum(_ ctx: KernelContext) throws -> StepBody {
        let x = ctx.shape(0)
        guard let given = ctx.integers(1)?.first else { throw ctx.unsupported("the axis must be a constant") }
        let axis = given < 0 ? given + x.count : given
        guard axis >= 0, axis < x.count else { throw ctx.unsupported("axis \(given) is out of range") }
        let exclusive = ctx.node.int("exclusive", default: 0) != 0, reverse = ctx.node.int("reverse", default: 0) != 0
        let lanes = AxisLanes(x, axis: axis), input = try ctx.input(0)
        return { ws in
            let src = input.pointer(ws), dst = ctx.output(ws)
            for k in 0..<lanes.count {
                var sum: Float = 0
                for step in 0..<lanes.size {
                    let at = lanes.start(k) + (reverse ? lanes.size - 1 - step : step) * lanes.stride
                    let v = src[at]
                    if exclusive { dst[at] = sum; sum += v } else { sum += v; dst[at] = sum }
                }
            }
        }
    }
}
