import Foundation
import ScalpelCore

/// How the engine runs and differentiates elementwise functions of one tensor.
extension ActivationOp: EngineFamily {
    var kernel: Facet<KernelBuilder> {
        switch self {
        case .relu: .supported(ElementwiseKernels.relu)
        case .clip: .supported(ElementwiseKernels.clip)
        case .prelu: .supported(ElementwiseKernels.prelu)
        case .cast: .supported { ctx in try Self.cast(ctx, to: ctx.node.elementType("to", default: .float32)) }
        case .castLike: .supported { ctx in try Self.cast(ctx, to: ctx.node.input(1).flatMap { ctx.shapes[$0].elementType }) }
        default: .supported(ElementwiseKernels.unary(function))
        }
    }

    /// The op as a function of one element (for the ops `kernel` runs through ``ElementwiseKernels/unary(_:)``).
    private var function: UnaryFunction {
        switch self {
        case .relu: { _ in { Swift.max($0, 0) } }
        case .leakyRelu: { n in let a = n.float("alpha", default: 0.01); return { $0 < 0 ? a * $0 : $0 } }
        case .sigmoid: { _ in { 1 / (1 + Foundation.exp(-$0)) } }
        case .hardSigmoid: { n in
            let a = n.float("alpha", default: 0.2), b = n.float("beta", default: 0.5)
            return { Swift.max(0, Swift.min(1, a * $0 + b)) }
        }
        case .hardSwish: { _ in { $0 * Swift.max(0, Swift.min(1, $0 / 6 + 0.5)) } }
        case .tanh: { _ in { Foundation.tanh($0) } }
        case .elu: { n in let a = n.float("alpha", default: 1); return { $0 < 0 ? a * (Foundation.exp($0) - 1) : $0 } }
        case .selu: { n in
            let a = n.float("alpha", default: 1.67326319), g = n.float("gamma", default: 1.05070102)
            return { $0 <= 0 ? g * (a * Foundation.exp($0) - a) : g * $0 }
        }
        case .softplus: { _ in { Foundation.log1p(Foundation.exp($0)) } }
        case .softsign: { _ in { $0 / (1 + Swift.abs($0)) } }
        case .celu: { n in let a = n.float("alpha", default: 1); return { Swift.max(0, $0) + Swift.min(0, a * (Foundation.exp($0 / a) - 1)) } }
        case .gelu: { n in
            guard n.attribute("approximate")?.string == "tanh" else { return { 0.5 * $0 * (1 + Foundation.erf($0 / Float(2).squareRoot())) } }
            let c = (2 / Float.pi).squareRoot()
            return { 0.5 * $0 * (1 + Foundation.tanh(c * ($0 + 0.044715 * $0 * $0 * $0))) }
        }
        case .mish: { _ in { $0 * Foundation.tanh(Foundation.log1p(Foundation.exp($0))) } }
        case .swish: { n in let a = n.float("alpha", default: 1); return { $0 / (1 + Foundation.exp(-a * $0)) } }
        case .thresholdedRelu: { n in let a = n.float("alpha", default: 1); return { $0 > a ? $0 : 0 } }
        case .shrink: { n in
            let l = n.float("lambd", default: 0.5), b = n.float("bias", default: 0)
            return { $0 < -l ? $0 + b : $0 > l ? $0 - b : 0 }
        }
        case .sin: { _ in { Foundation.sin($0) } }
        case .cos: { _ in { Foundation.cos($0) } }
        case .tan: { _ in { Foundation.tan($0) } }
        case .erf: { _ in { Foundation.erf($0) } }
        case .exp: { _ in { Foundation.exp($0) } }
        case .log: { _ in { Foundation.log($0) } }
        case .sqrt: { _ in { $0.squareRoot() } }
        case .neg: { _ in { -$0 } }
        case .abs: { _ in { Swift.abs($0) } }
        case .reciprocal: { _ in { 1 / $0 } }
        case .floor: { _ in { $0.rounded(.down) } }
        case .round: { _ in { $0.rounded(.toNearestOrEven) } }
        case .sign: { _ in { $0 > 0 ? 1 : $0 < 0 ? -1 : 0 } }
        case .ceil: { _ in { $0.rounded(.up) } }
        case .identity, .dropout: { _ in { $0 } }
        case .not: { _ in { $0 == 0 ? 1 : 0 } }
        case .isNaN: { _ in { $0.isNaN ? 1 : 0 } }
        case .isInf: { n in
            let negative = n.int("detect_negative", default: 1) != 0, positive = n.int("detect_positive", default: 1) != 0
            return { $0.isInfinite && ($0 > 0 ? positive : negative) ? 1 : 0 }
        }
        case .clip, .prelu, .cast, .castLike: { _ in { $0 } }  // kernels of their own
        }
    }

    var gradient: GradientRule {
        switch self {
        case .identity, .dropout: .passThrough
        case .relu: .relu
        case .leakyRelu: .leakyRelu
        case .clip: .clip
        case .sigmoid: .sigmoid
        case .cast, .castLike: .cast
        case .prelu: .binary { _ in { x, slope, _ in x < 0 ? (slope, x) : (1, 0) } }
        case .floor, .ceil, .round, .sign:
            .none("\(rawValue) is piecewise constant, so its gradient is zero wherever it exists and nothing before it could be scored or trained")
        case .isInf, .isNaN, .not: .none("its output is boolean, so no gradient flows through it")
        default: derivative.map(GradientRule.unary) ?? .none("Scalpel has no backward rule for \(rawValue) yet")
        }
    }

    /// ∂y/∂x of the ops differentiated as ``GradientRule/unary(_:)``, nil for the others.
    private var derivative: UnaryDerivative? {
        switch self {
        case .hardSigmoid: { n in
            let a = n.float("alpha", default: 0.2), b = n.float("beta", default: 0.5)
            return { x, _ in a * x + b > 0 && a * x + b < 1 ? a : 0 }
        }
        case .hardSwish: { _ in { x, _ in x < -3 ? 0 : x > 3 ? 1 : x / 3 + 0.5 } }
        case .tanh: { _ in { _, y in 1 - y * y } }
        case .elu: { n in let a = n.float("alpha", default: 1); return { x, y in x < 0 ? y + a : 1 } }
        case .selu: { n in
            let a = n.float("alpha", default: 1.67326319), g = n.float("gamma", default: 1.05070102)
            return { x, y in x <= 0 ? y + g * a : g }
        }
        case .softplus: { _ in { x, _ in 1 / (1 + Foundation.exp(-x)) } }
        case .softsign: { _ in { x, _ in 1 / ((1 + Swift.abs(x)) * (1 + Swift.abs(x))) } }
        case .celu: { n in let a = n.float("alpha", default: 1); return { x, _ in x > 0 ? 1 : Foundation.exp(x / a) } }
        case .gelu: { n in
            guard n.attribute("approximate")?.string == "tanh" else {
                return { x, _ in 0.5 * (1 + Foundation.erf(x / Float(2).squareRoot())) + x * Foundation.exp(-x * x / 2) / (2 * Float.pi).squareRoot() }
            }
            let c = (2 / Float.pi).squareRoot()
            return { x, _ in
                let t = Foundation.tanh(c * (x + 0.044715 * x * x * x))
                return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
            }
        }
        case .mish: { _ in { x, _ in
            let t = Foundation.tanh(Foundation.log1p(Foundation.exp(x)))
            return t + x * (1 - t * t) / (1 + Foundation.exp(-x))
        } }
        case .swish: { n in
            let a = n.float("alpha", default: 1)
            return { x, _ in
                let s = 1 / (1 + Foundation.exp(-a * x))
                return s + a * x * s * (1 - s)
            }
        }
        case .thresholdedRelu: { n in let a = n.float("alpha", default: 1); return { x, _ in x > a ? 1 : 0 } }
        case .shrink: { n in let l = n.float("lambd", default: 0.5); return { x, _ in x < -l || x > l ? 1 : 0 } }
        case .sin: { _ in { x, _ in Foundation.cos(x) } }
        case .cos: { _ in { x, _ in -Foundation.sin(x) } }
        case .tan: { _ in { _, y in 1 + y * y } }
        case .erf: { _ in { x, _ in 2 / Float.pi.squareRoot() * Foundation.exp(-x * x) } }
        case .exp: { _ in { _, y in y } }
        case .log: { _ in { x, _ in 1 / x } }
        case .sqrt: { _ in { _, y in 0.5 / y } }
        case .neg: { _ in { _, _ in -1 } }
        case .abs: { _ in { x, _ in x > 0 ? 1 : x < 0 ? -1 : 0 } }
        case .reciprocal: { _ in { _, y in -y * y } }
        default: nil
        }
    }

    /// A cast of float data: to a float type unchanged, to an integer type truncated toward zero,
    /// to bool as `x != 0` (every value the engine holds is a float32).
    private static func cast(_ ctx: KernelContext, to type: ElementType?) throws -> StepBody {
        guard let type else { throw ctx.unsupported("the target type is unknown") }
        let x = try ctx.input(0), count = ctx.outputCount()
        let convert: @Sendable (Float) -> Float
        switch type {
        case .float32, .float64: return try LayoutKernels.copy(ctx)
        case .bool: convert = { $0 != 0 ? 1 : 0 }
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64: convert = { $0.rounded(.towardZero) }
        default: throw ctx.unsupported("casts to \(type), whose values float32 does not hold exactly")
        }
        return { ws in
            let src = x.pointer(ws), dst = ctx.output(ws)
            Parallel.chunks(count, grain: 4096) { r in for i in r { dst[i] = convert(src[i]) } }
        }
    }
}
