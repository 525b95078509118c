import Foundation
import ScalpelCore

/// How the engine runs and differentiates broadcasting ops of several tensors.
extension ArithmeticOp: EngineFamily {
    var kernel: Facet<KernelBuilder> {
        switch self {
        case .add: .supported { try ElementwiseKernels.addOrMul($0, add: true) }
        case .mul: .supported { try ElementwiseKernels.addOrMul($0, add: false) }
        case .sub: .supported(ElementwiseKernels.binary { $0 - $1 })
        case .div: .supported(ElementwiseKernels.binary { $0 / $1 })
        case .pow: .supported(ElementwiseKernels.binary { Foundation.pow($0, $1) })
        case .sum: .supported { try ElementwiseKernels.variadic($0, +) }
        case .mean: .supported(ElementwiseKernels.mean)
        case .max: .supported { try ElementwiseKernels.variadic($0, { Swift.max($0, $1) }) }
        case .min: .supported { try ElementwiseKernels.variadic($0, { Swift.min($0, $1) }) }
        case .mod: .supported { ctx in
            guard ctx.node.int("fmod", default: 0) == 0 else { return try ElementwiseKernels.binary { Foundation.fmod($0, $1) }(ctx) }
            return try ElementwiseKernels.binary { a, b in
                let r = Foundation.fmod(a, b)
                return r != 0 && (r < 0) != (b < 0) ? r + b : r
            }(ctx)
        }
        case .bitShift: .supported { ctx in
            let left = ctx.node.string("direction", default: "") == "LEFT"
            return try ElementwiseKernels.binary { a, b in
                let (x, n) = (UInt64(Swift.max(0, IndexValues.saturating(a))), UInt64(Swift.max(0, IndexValues.saturating(b))))
                return Float(n >= 64 ? 0 : left ? x << n : x >> n)
            }(ctx)
        }
        case .bitwiseAnd: .supported(ElementwiseKernels.binary { Float(IndexValues.saturating($0) & IndexValues.saturating($1)) })
        case .bitwiseOr: .supported(ElementwiseKernels.binary { Float(IndexValues.saturating($0) | IndexValues.saturating($1)) })
        case .bitwiseXor: .supported(ElementwiseKernels.binary { Float(IndexValues.saturating($0) ^ IndexValues.saturating($1)) })
        case .equal: .supported(ElementwiseKernels.binary { $0 == $1 ? 1 : 0 })
        case .less: .supported(ElementwiseKernels.binary { $0 < $1 ? 1 : 0 })
        case .greater: .supported(ElementwiseKernels.binary { $0 > $1 ? 1 : 0 })
        case .lessOrEqual: .supported(ElementwiseKernels.binary { $0 <= $1 ? 1 : 0 })
        case .greaterOrEqual: .supported(ElementwiseKernels.binary { $0 >= $1 ? 1 : 0 })
        case .and: .supported(ElementwiseKernels.binary { $0 != 0 && $1 != 0 ? 1 : 0 })
        case .or: .supported(ElementwiseKernels.binary { $0 != 0 || $1 != 0 ? 1 : 0 })
        case .xor: .supported(ElementwiseKernels.binary { ($0 != 0) != ($1 != 0) ? 1 : 0 })
        case .where: .supported(Self.select)
        }
    }

    var gradient: GradientRule {
        switch self {
        case .add, .sub, .mul: .broadcastArithmetic
        case .div: .binary { _ in { _, b, y in (1 / b, -y / b) } }
        case .pow: .binary { _ in { a, b, y in (b * Foundation.pow(a, b - 1), a > 0 ? y * Foundation.log(a) : 0) } }
        case .max: .binary { _ in { a, b, _ in a >= b ? (1, 0) : (0, 1) } }
        case .min: .binary { _ in { a, b, _ in a <= b ? (1, 0) : (0, 1) } }
        case .sum: .binary { _ in { _, _, _ in (1, 1) } }
        case .mean: .binary { n in let s = 1 / Float(n.inputs.count); return { _, _, _ in (s, s) } }
        case .where: .select
        case .mod: .none("Scalpel has no backward rule for Mod yet")
        case .bitShift, .bitwiseAnd, .bitwiseOr, .bitwiseXor: .none("integer arithmetic carries no gradient")
        case .equal, .less, .greater, .lessOrEqual, .greaterOrEqual, .and, .or, .xor:
            .none("its output is boolean, so no gradient flows through it")
        }
    }

    /// Where(condition, X, Y) with the three inputs broadcast to the output.
    private static func select(_ ctx: KernelContext) throws -> StepBody {
        let out = ctx.outputShapes[0], count = out.reduce(1, *)
        let operands = try (0..<3).map { try ctx.input($0) }
        let reads = (0..<3).map { Broadcasting.reads(ctx.shape($0), into: out) }
        return { ws in
            let (c, x, y) = (operands[0].pointer(ws), operands[1].pointer(ws), operands[2].pointer(ws)), dst = ctx.output(ws)
            Parallel.chunks(count, grain: 4096) { r in
                for i in r { dst[i] = c[reads[0]?[i] ?? i] != 0 ? x[reads[1]?[i] ?? i] : y[reads[2]?[i] ?? i] }
            }
        }
    }
}
