import ScalpelCore

/// How the backward pass differentiates an op: the one table ``BackwardRules`` dispatches on,
/// and what `ops` reports. An op absent from ``GradientRule/table`` has no backward rule.
enum GradientRule: Sendable, Equatable {
    /// The gradient passes unchanged (Identity, Dropout, reshapes).
    case passThrough
    case relu, leakyRelu, clip, sigmoid
    case batchNormalization, globalAveragePool, gemm
    /// Add, Sub, Mul with broadcasting.
    case broadcastArithmetic
    case concat
    /// MaxPool and AveragePool.
    case pool
    case conv
    /// An elementwise function with a derivative in ``BackwardRules/unaryDerivative()``.
    case unary
    /// Div, Pow, PRelu, Sum, Mean, Max, Min.
    case binary
    case cast, transpose, slice, expand, gather, pad, split, resize, softmax, layerNormalization, reduce, globalMaxPool, matMul, convTranspose
    /// No gradient flows, for the reason given.
    case none(String)

    /// The rule of every op the backward pass knows.
    static let table: [String: GradientRule] = {
        var t: [String: GradientRule] = [:]
        for op in ["Identity", "Dropout", "Flatten", "Reshape", "Squeeze", "Unsqueeze"] { t[op] = .passThrough }
        for op in ["HardSigmoid", "HardSwish", "Tanh", "Elu", "Selu", "Softplus", "Softsign", "Celu", "Gelu", "Mish", "ThresholdedRelu",
                   "Shrink", "Sin", "Cos", "Tan", "Erf", "Exp", "Log", "Sqrt", "Neg", "Abs", "Reciprocal"] {
            t[op] = .unary
        }
        for op in ["Div", "Pow", "PRelu", "Sum", "Mean", "Max", "Min"] { t[op] = .binary }
        for op in ["Add", "Sub", "Mul"] { t[op] = .broadcastArithmetic }
        for op in ["Floor", "Ceil", "Round", "Sign"] {
            t[op] = .none("\(op) is piecewise constant, so its gradient is zero wherever it exists and nothing before it could be scored or trained")
        }
        let others: [(String, GradientRule)] = [
            ("Relu", .relu), ("LeakyRelu", .leakyRelu), ("Clip", .clip), ("Sigmoid", .sigmoid), ("BatchNormalization", .batchNormalization),
            ("GlobalAveragePool", .globalAveragePool), ("Gemm", .gemm), ("Concat", .concat), ("MaxPool", .pool), ("AveragePool", .pool),
            ("Conv", .conv), ("Cast", .cast), ("Transpose", .transpose), ("Slice", .slice), ("Expand", .expand), ("Gather", .gather),
            ("Pad", .pad), ("Split", .split), ("Resize", .resize), ("Upsample", .resize), ("Softmax", .softmax), ("LogSoftmax", .softmax),
            ("LayerNormalization", .layerNormalization), ("ReduceMean", .reduce), ("ReduceSum", .reduce), ("GlobalMaxPool", .globalMaxPool),
            ("MatMul", .matMul), ("ConvTranspose", .convTranspose),
        ]
        for (op, rule) in others { t[op] = rule }
        return t
    }()
}

/// What the engine can do with each op, for `ops` and the completeness test.
public enum EngineSupport {
    /// The op types with a forward kernel, sorted.
    public static var kernelOps: [String] { Kernels.table.keys.sorted() }

    /// Whether the engine runs the op (constant-folded nodes aside).
    public static func runs(_ op: String) -> Bool { Kernels.supports(op) }

    /// Nil when the backward pass differentiates the op; otherwise why not.
    public static func gradientGap(_ op: String) -> String? {
        switch GradientRule.table[op] {
        case nil: "no backward rule yet"
        case let .none(reason)?: reason
        default: nil
        }
    }
}
