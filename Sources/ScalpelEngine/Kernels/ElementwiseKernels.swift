import Foundation
import ScalpelCore

/// Elementwise ops: activations, and arithmetic that broadcasts its inputs.
enum ElementwiseKernels {
    static let table: [String: Kernels.Builder] = {
        var t: [String: Kernels.Builder] = [:]
        for op in unaryOps.keys { t[op] = unary }
        for op in binaryOps.keys { t[op] = binary }
        t["Clip"] = clip
        t["PRelu"] = { ctx in try binaryKernel(ctx) { x, slope in x < 0 ? x * slope : x } }
        t["Sum"] = { ctx in try variadic(ctx, +) }
        t["Mean"] = { ctx in
            let sum = try variadic(ctx, +), scale = 1 / Float(ctx.node.inputs.count), count = ctx.outputCount()
            return { ws in
                sum(ws)
                let dst = ctx.output(ws)
                for i in 0..<count { dst[i] *= scale }
            }
        }
        t["Max"] = { ctx in try variadic(ctx, { Swift.max($0, $1) }) }
        t["Min"] = { ctx in try variadic(ctx, { Swift.min($0, $1) }) }
        return t
    }()

    /// Unary ops as functions of the element and the node (for attributes).
    static let unaryOps: [String: @Sendable (Node) -> @Sendable (Float) -> Float] = [
        "Relu": { _ in { Swift.max($0, 0) } },
        "LeakyRelu": { n in let a = n.float("alpha", default: 0.01); return { $0 < 0 ? a * $0 : $0 } },
        "Sigmoid": { _ in { 1 / (1 + Foundation.exp(-$0)) } },
        "HardSigmoid": { n in
            let a = n.float("alpha", default: 0.2), b = n.float("beta", default: 0.5)
            return { Swift.max(0, Swift.min(1, a * $0 + b)) }
        },
        "HardSwish": { _ in { $0 * Swift.max(0, Swift.min(1, $0 / 6 + 0.5)) } },
        "Tanh": { _ in { Foundation.tanh($0) } },
        "Elu": { n in let a = n.float("alpha", default: 1); return { $0 < 0 ? a * (Foundation.exp($0) - 1) : $0 } },
        "Selu": { n in
            let a = n.float("alpha", default: 1.67326319), g = n.float("gamma", default: 1.05070102)
            return { $0 <= 0 ? g * (a * Foundation.exp($0) - a) : g * $0 }
        },
        "Softplus": { _ in { Foundation.log1p(Foundation.exp($0)) } },
        "Softsign": { _ in { $0 / (1 + Swift.abs($0)) } },
        "Celu": { n in let a = n.float("alpha", default: 1); return { Swift.max(0, $0) + Swift.min(0, a * (Foundation.exp($0 / a) - 1)) } },
        "Gelu": { n in
            guard n.attribute("approximate")?.string == "tanh" else { return { 0.5 * $0 * (1 + Foundation.erf($0 / Float(2).squareRoot())) } }
            let c = (2 / Float.pi).squareRoot()
            return { 0.5 * $0 * (1 + Foundation.tanh(c * ($0 + 0.044715 * $0 * $0 * $0))) }
        },
        "Mish": { _ in { $0 * Foundation.tanh(Foundation.log1p(Foundation.exp($0))) } },
        "ThresholdedRelu": { n in let a = n.float("alpha", default: 1); return { $0 > a ? $0 : 0 } },
        "Shrink": { n in
            let l = n.float("lambd", default: 0.5), b = n.float("bias", default: 0)
            return { $0 < -l ? $0 + b : $0 > l ? $0 - b : 0 }
        },
        "Sin": { _ in { Foundation.sin($0) } },
        "Cos": { _ in { Foundation.cos($0) } },
        "Tan": { _ in { Foundation.tan($0) } },
        "Erf": { _ in { Foundation.erf($0) } },
        "Exp": { _ in { Foundation.exp($0) } },
        "Log": { _ in { Foundation.log($0) } },
        "Sqrt": { _ in { $0.squareRoot() } },
        "Neg": { _ in { -$0 } },
        "Abs": { _ in { Swift.abs($0) } },
        "Reciprocal": { _ in { 1 / $0 } },
        "Floor": { _ in { $0.rounded(.down) } },
        "Round": { _ in { $0.rounded(.toNearestOrEven) } },
        "Sign": { _ in { $0 > 0 ? 1 : $0 < 0 ? -1 : 0 } },
        "Ceil": { _ in { $0.rounded(.up) } },
        "Identity": { _ in { $0 } },
        "Dropout": { _ in { $0 } },
    ]

    /// Binary ops with NumPy broadcasting.
    static let binaryOps: [String: @Sendable (Float, Float) -> Float] = [
        "Add": { $0 + $1 }, "Sub": { $0 - $1 }, "Mul": { $0 * $1 }, "Div": { $0 / $1 }, "Pow": { Foundation.pow($0, $1) },
    ]

    static func unary(_ ctx: KernelContext) throws -> StepBody {
        guard let make = unaryOps[ctx.node.opType] else { throw ctx.unsupported("no kernel") }
        let f = make(ctx.node)
        let x = try ctx.input(0)
        let count = ctx.outputCount()
        if ctx.node.opType == "Relu" {
            return { ws in
                let src = x.pointer(ws), dst = ctx.output(ws)
                Parallel.chunks(count) { r in for i in r { dst[i] = Swift.max(src[i], 0) } }
            }
        }
        return { ws in
            let src = x.pointer(ws), dst = ctx.output(ws)
            Parallel.chunks(count, grain: 4096) { r in for i in r { dst[i] = f(src[i]) } }
        }
    }

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

    static func binary(_ ctx: KernelContext) throws -> StepBody {
        guard let f = binaryOps[ctx.node.opType] else { throw ctx.unsupported("no kernel") }
        let out = ctx.outputShapes[0]
        // Same-shape Add and Mul (residual joins, gates) run as plain loops the compiler vectorises.
        if ctx.shape(0) == out, ctx.shape(1) == out, ctx.node.opType == "Add" || ctx.node.opType == "Mul" {
            let a = try ctx.input(0), b = try ctx.input(1), count = out.reduce(1, *)
            let add = ctx.node.opType == "Add"
            return { ws in
                let pa = a.pointer(ws), pb = b.pointer(ws), dst = ctx.output(ws)
                Parallel.chunks(count) { r in
                    if add { for i in r { dst[i] = pa[i] + pb[i] } } else { for i in r { dst[i] = pa[i] * pb[i] } }
                }
            }
        }
        return try binaryKernel(ctx, f)
    }

    /// `f` folded over the inputs: any number of inputs of the output's shape, or two that broadcast.
    static func variadic(_ ctx: KernelContext, _ f: @escaping (Float, Float) -> Float) throws -> StepBody {
        let n = ctx.node.inputs.count
        if n == 1 { return try unaryCopy(ctx) }
        let out = ctx.outputShapes[0]
        guard (0..<n).allSatisfy({ ctx.shape($0) == out }) else {
            guard n == 2 else { throw ctx.unsupported("more than two inputs of different shapes") }
            return try binaryKernel(ctx, f)
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
