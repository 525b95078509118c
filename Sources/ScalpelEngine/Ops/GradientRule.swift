import ScalpelCore

/// ∂y/∂x of a unary op as a function of its input x and output y, made from the node.
typealias UnaryDerivative = @Sendable (Node) -> @Sendable (_ x: Float, _ y: Float) -> Float

/// ∂y/∂a and ∂y/∂b of a binary op as a function of a, b and y, made from the node.
typealias BinaryPartials = @Sendable (Node) -> @Sendable (_ a: Float, _ b: Float, _ y: Float) -> (Float, Float)

/// How the backward pass differentiates an op: what each op family declares
/// (``EngineFamily/gradient``), what ``BackwardRules`` dispatches on and what `ops` reports.
enum GradientRule: Sendable {
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
    /// An elementwise function with this derivative.
    case unary(UnaryDerivative)
    /// A broadcasting binary op (Div, Pow, PRelu, Sum, Mean, Max, Min) with these partials.
    case binary(BinaryPartials)
    /// Where: the gradient goes to X where the condition holds, to Y elsewhere.
    case select
    /// Ops whose output element i copies input element map[i] (Tile, DepthToSpace, SpaceToDepth).
    case indexMap
    case cast, transpose, slice, expand, gather, pad, split, resize, softmax, layerNormalization, globalMaxPool, matMul, convTranspose
    /// A reduction with ∂y/∂x as a function of the element and the reduced value (nil: ReduceSum, ReduceMean).
    case reduce(UnaryDerivative?)
    /// No gradient flows, for the reason given.
    case none(String)
}
