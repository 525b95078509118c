import Foundation
import ScalpelCore

/// A unary function of the element, made from the node (for its attributes).
typealias UnaryFunction = @Sendable (Node) -> @Sendable (Float) -> Float

/// Elementwise kernels: unary functions, and arithmetic that broadcasts its inputs.
enum ElementwiseKernels {
    /// A kernel applying `make(node)` to every element.
    static func unary(_ make: @escaping UnaryFunction) -> KernelBuilder {
        { ctx in
            let f = make(ctx.node), x = try ctx.input(0), count = ctx.outputCount()
            return { ws in
                let src = x.pointer(ws), dst = ctx.output(ws)
                Parallel.chunks(count, grain: 4096) { r in for i in r { dst[i] = f(src[i]) } }
            }
        }
    }

    static func relu(_ ctx: KernelContext) throws -> StepBody {
        let x = try ctx.input(0), count = ctx.outputCount()
        return { ws in
            let src = x.pointer(ws), dst = ctx.output(ws)
            Parallel.chunks(count) { r in for i in r { dst[i] = Swift.max(src[i], 0) } }
        }
    }

    static func prelu(_ ctx: KernelContext) throws -> StepBody { try binaryKernel(ctx) { x, slope in x < 0 ? x * slope : x } }

    static func clip(_ ctx: KernelContext) throws -> StepBody {
        let low = ctx.node.input(1).flatMap { _ in ctx.constantValues(1)?.first } ?? ctx.node.attribute("min")?.float ?? -.infinity
        let high = ctx.node.input(2).flatMap { _ in ctx.constantValues(2)?.first } ?? ctx.node.attribute("max")?.float ?? .infinity
        let x = try ctx.input(0)
        let count = ctx.outputCount()
        return { ws in
            let src = x.pointer(ws), dst = ctx.output(ws)
            Parallel.chunks(count) { r in for i in r { dst[i] = Swift.min(Swift.max(src[i], low), high) } }
        }
    }

    /// A kernel computing `f(a, b)` with NumPy broadcasting.
    static func binary(_ f: @escaping @Sendable (Float, Float) -> Float) -> KernelBuilder { { ctx in try binaryKernel(ctx, f) } }

    /// Add and Mul: same-shape inputs (residual joins, gates) run as plain loops the compiler vectorises.
    static func addOrMul(_ ctx: KernelContext, add: Bool) throws -> StepBody {
        let out = ctx.outputShapes[0]
        guard ctx.shape(0) == out, ctx.shape(1) == out else { return try binaryKernel(ctx, add ? { $0 + $1 } : { $0 * $1 }) }
        let a = try ctx.input(0), b = try ctx.input(1), count = out.reduce(1, *)
        return { ws in
            let pa = a.pointer(ws), pb = b.pointer(ws), dst = ctx.output(ws)
            Parallel.chunks(count) { r in
                if add { for i in r { dst[i] = pa[i] + pb[i] } } else { for i in r { dst[i] = pa[i] * pb[i] } }
            }
        }
    }

    static func mean(_ ctx: KernelContext) throws -> StepBody {
        let sum = try variadic(ctx, +), scale = 1 / Float(ctx.node.inputs.count), count = ctx.outputCount()
        return { ws in
            sum(ws)
            let dst = ctx.output(ws)
            for i in 0..<count { dst[i] *= scale }
        }
    }

    /// `f` folded over the inputs, which broadcast to the output.
    static func variadic(_ ctx: KernelContext, _ f: @escaping (Float, Float) -> Float) throws -> StepBody {
        let n = ctx.node.inputs.count
        if n == 1 { return try unaryCopy(ctx) }
        let out = ctx.outputShapes[0]
        guard (0..<n).allSatisfy({ ctx.shape($0) == out }) else {
            if n == 2 { return try binaryKernel(ctx, f) }
            // Element i of input k is read at offsets[k][i] (nil: the input has the output's shape).
            let inputs = try (0..<n).map { try ctx.input($0) }, count = ctx.outputCount()
            let offsets = (0..<n).map { Broadcasting.reads(ctx.shape($0), into: out) }
            return { ws in
                let dst = ctx.output(ws), sources = inputs.map { $0.pointer(ws) }
                Parallel.chunks(count) { r in
                    for i in r {
                        var acc = sources[0][offsets[0]?[i] ?? i]
                        for k in 1..<n { acc = f(acc, sources[k][offsets[k]?[i] ?? i]) }
                        dst[i] = acc
                    }
                }
            }
        }
        let inputs = try (0..<n).map { try ctx.input($0) }, count = ctx.outputCount()
        return { ws in
            let dst = ctx.output(ws), sources = inputs.map { $0.pointer(ws) }
            Parallel.chunks(count) { r in
                for i in r {
                    var acc = sources[0][i]
                    for s in sources.dropFirst() { acc = f(acc, s[i]) }
                    dst[i] = acc
                }
            }
        }
    }

    static func unaryCopy(_ ctx: KernelContext) throws -> StepBody {
        let x = try ctx.input(0), count = ctx.outputCount()
        return { ws in ctx.output(ws).update(from: x.pointer(ws), count: count) }
    }

    /// out = f(a, b) with a and b broadcast to the output shape.
    static func binaryKernel(_ ctx: KernelContext, _ f: @escaping (Float, Float) -> Float) throws -> StepBody {
        let a = try ctx.input(0), b = try ctx.input(1)
        let out = ctx.outputShapes[0]
        let sa = Broadcasting.strides(ctx.shape(0), to: out), sb = Broadcasting.strides(ctx.shape(1), to: out)
        let count = out.reduce(1, *)
        if ctx.shape(0) == out && ctx.shape(1) == out {
            return { ws in
                let pa = a.pointer(ws), pb = b.pointer(ws), dst = ctx.output(ws)
                Parallel.chunks(count) { r in for i in r { dst[i] = f(pa[i], pb[i]) } }
            }
        }
        let inner = out.last ?? 1, rows = count / Swift.max(1, inner)
        let ia = sa.last ?? 0, ib = sb.last ?? 0
        return { ws in
            let pa = a.pointer(ws), pb = b.pointer(ws), dst = ctx.output(ws)
            Parallel.chunks(rows, grain: Swift.max(1, 16_384 / Swift.max(1, inner))) { r in
                for row in r {
                    let (oa, ob) = Broadcasting.offsets(row: row, shape: out, sa, sb)
                    let d = dst + row * inner
                    for j in 0..<inner { d[j] = f(pa[oa + j * ia], pb[ob + j * ib]) }
                }
            }
        }
    }
}

/// Index arithmetic for NumPy broadcasting.
enum Broadcasting {
    /// Where each element of an `out`-shaped result reads an operand of `shape` broadcast to it;
    /// nil when the operand has the result's shape (element i reads element i).
    static func reads(_ shape: [Int], into out: [Int]) -> [Int]? {
        shape == out ? nil : sourceOffsets(base: 0, strides: strides(shape, to: out), shape: out)
    }

    /// For each element of `shape` in row-major order, `base` plus its coordinates times `strides`.
    static func sourceOffsets(base: Int, strides: [Int], shape: [Int]) -> [Int] {
        var offsets = [Int](repeating: base, count: shape.reduce(1, *))
        var block = offsets.count
        for (size, stride) in zip(shape, strides) {
            block /= Swift.max(size, 1)
            guard stride != 0 else { continue }
            for i in offsets.indices { offsets[i] += (i / block) % size * stride }
        }
        return offsets
    }

    /// Element strides of `shape` viewed as `target` (0 along broadcast axes).
    static func strides(_ shape: [Int], to target: [Int]) -> [Int] {
        var result = [Int](repeating: 0, count: target.count)
        var stride = 1
        for i in (0..<shape.count).reversed() {
            let t = i + target.count - shape.count
            result[t] = shape[i] == 1 ? 0 : stride
            stride *= shape[i]
        }
        return result
    }

    /// The offsets into two operands of the first element of output row `row` (all axes but the last).
    static func offsets(row: Int, shape: [Int], _ sa: [Int], _ sb: [Int]) -> (Int, Int) {
        var rest = row, oa = 0, ob = 0
        for d in stride(from: shape.count - 2, through: 0, by: -1) {
            let c = rest % shape[d]
            rest /= shape[d]
            oa += c * sa[d]
            ob += c * sb[d]
        }
        return (oa, ob)
    }
}
