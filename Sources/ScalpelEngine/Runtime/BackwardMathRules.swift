import Foundation
import ScalpelCore

/// Backward rules of elementwise math: activations, Cast, and broadcasting binary ops.
extension BackwardRules {
    /// ∂y/∂x of a unary op as a function of its input x and output y, or nil for other ops.
    func unaryDerivative() -> ((_ x: Float, _ y: Float) -> Float)? {
        switch node.opType {
        case "HardSigmoid":
            let a = node.float("alpha", default: 0.2), b = node.float("beta", default: 0.5)
            return { x, _ in a * x + b > 0 && a * x + b < 1 ? a : 0 }
        case "HardSwish": return { x, _ in x < -3 ? 0 : x > 3 ? 1 : x / 3 + 0.5 }
        case "Tanh": return { _, y in 1 - y * y }
        case "Elu":
            let a = node.float("alpha", default: 1)
            return { x, y in x < 0 ? y + a : 1 }
        case "Selu":
            let a = node.float("alpha", default: 1.67326319), g = node.float("gamma", default: 1.05070102)
            return { x, y in x <= 0 ? y + g * a : g }
        case "Softplus": return { x, _ in 1 / (1 + Foundation.exp(-x)) }
        case "Softsign": return { x, _ in 1 / ((1 + Swift.abs(x)) * (1 + Swift.abs(x))) }
        case "Celu":
            let a = node.float("alpha", default: 1)
            return { x, _ in x > 0 ? 1 : Foundation.exp(x / a) }
        case "Gelu":
            guard node.attribute("approximate")?.string == "tanh" else {
                return { x, _ in 0.5 * (1 + Foundation.erf(x / Float(2).squareRoot())) + x * Foundation.exp(-x * x / 2) / (2 * Float.pi).squareRoot() }
            }
            let c = (2 / Float.pi).squareRoot()
            return { x, _ in
                let t = Foundation.tanh(c * (x + 0.044715 * x * x * x))
                return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
            }
        case "Mish":
            return { x, _ in
                let t = Foundation.tanh(Foundation.log1p(Foundation.exp(x)))
                return t + x * (1 - t * t) / (1 + Foundation.exp(-x))
            }
        case "ThresholdedRelu":
            let a = node.float("alpha", default: 1)
            return { x, _ in x > a ? 1 : 0 }
        case "Shrink":
            let l = node.float("lambd", default: 0.5)
            return { x, _ in x < -l || x > l ? 1 : 0 }
        case "Sin": return { x, _ in Foundation.cos(x) }
        case "Cos": return { x, _ in -Foundation.sin(x) }
        case "Tan": return { _, y in 1 + y * y }
        case "Erf": return { x, _ in 2 / Float.pi.squareRoot() * Foundation.exp(-x * x) }
        case "Exp": return { _, y in y }
        case "Log": return { x, _ in 1 / x }
        case "Sqrt": return { _, y in 0.5 / y }
        case "Neg": return { _, _ in -1 }
        case "Abs": return { x, _ in x > 0 ? 1 : x < 0 ? -1 : 0 }
        case "Reciprocal": return { _, y in -y * y }
        default: return nil
        }
    }

    /// ∂L/∂x = ∂L/∂y · ∂y/∂x, element by element.
    func unary(_ dy: [Float], _ derivative: (Float, Float) -> Float) throws -> [(ValueID, [Float])] {
        let x = node.inputs[0], xs = try floats(x), ys = try floats(node.outputs[0])
        return [(x, (0..<dy.count).map { dy[$0] * derivative(xs[$0], ys[$0]) })]
    }

    /// A cast to float32 passes the gradient through; casts to other types end it.
    func cast(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        guard ElementType(rawValue: Int32(node.int("to", default: 1))) == .float32 else {
            throw noRule("a cast to a type other than float32 carries no gradient")
        }
        return [(node.inputs[0], dy)]
    }

    /// Div, Pow, PRelu and two-input Sum, Max, Min with NumPy broadcasting: each input's
    /// gradient is summed over the axes it was broadcast along.
    func binary(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        let scale: Float = node.opType == "Mean" ? 1 / Float(node.inputs.count) : 1
        if node.inputs.count == 1 { return [(node.inputs[0], dy)] }
        let out = dims(node.outputs[0])
        if node.opType == "Sum" || node.opType == "Mean", node.inputs.allSatisfy({ dims($0) == out }) {
            // Every input of the output's shape: each receives dy (over the count, for Mean).
            let share = scale == 1 ? dy : dy.map { $0 * scale }
            return node.inputs.filter(carriesGradient).map { ($0, share) }
        }
        guard node.inputs.count == 2 else { throw noRule("\(node.opType) with more than two inputs of different shapes") }
        let partials: (_ a: Float, _ b: Float, _ y: Float) -> (Float, Float)
        switch node.opType {
        case "Div": partials = { _, b, y in (1 / b, -y / b) }
        case "Pow": partials = { a, b, y in (b * Foundation.pow(a, b - 1), a > 0 ? y * Foundation.log(a) : 0) }
        case "PRelu": partials = { x, slope, _ in x < 0 ? (slope, x) : (1, 0) }
        case "Max": partials = { a, b, _ in a >= b ? (1, 0) : (0, 1) }
        case "Min": partials = { a, b, _ in a <= b ? (1, 0) : (0, 1) }
        default: partials = { _, _, _ in (scale, scale) }
        }
        let (a, b) = (node.inputs[0], node.inputs[1])
        let av = try floats(a), bv = try floats(b), ys = try floats(node.outputs[0])
        let ia = Self.sourceOffsets(base: 0, strides: Broadcasting.strides(dims(a), to: out), shape: out)
        let ib = Self.sourceOffsets(base: 0, strides: Broadcasting.strides(dims(b), to: out), shape: out)
        var ga = [Float](repeating: 0, count: av.count), gb = [Float](repeating: 0, count: bv.count)
        for i in 0..<dy.count where dy[i] != 0 {
            let (pa, pb) = partials(av[ia[i]], bv[ib[i]], ys[i])
            ga[ia[i]] += dy[i] * pa
            gb[ib[i]] += dy[i] * pb
        }
        return [(a, ga), (b, gb)].filter { carriesGradient($0.0) }
    }
}
