import Foundation
import ScalpelCore

/// Backward rules of elementwise math: activations, Cast, and broadcasting binary ops.
extension BackwardRules {
    /// ∂L/∂x = ∂L/∂y · ∂y/∂x, element by element.
    func unary(_ dy: [Float], _ derivative: (Float, Float) -> Float) throws -> [(ValueID, [Float])] {
        let x = node.inputs[0], xs = try floats(x), ys = try floats(node.outputs[0])
        return [(x, (0..<dy.count).map { dy[$0] * derivative(xs[$0], ys[$0]) })]
    }

    /// A cast to float32 passes the gradient through; casts to other types end it.
    func cast(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        guard node.elementType("to", default: .float32) == .float32 else {
            throw noRule("a cast to a type other than float32 carries no gradient")
        }
        return [(node.inputs[0], dy)]
    }

    /// Div, Pow, PRelu and two-input Sum, Max, Min with NumPy broadcasting: each input's
    /// gradient is summed over the axes it was broadcast along.
    func binary(_ dy: [Float], _ partials: (_ a: Float, _ b: Float, _ y: Float) -> (Float, Float)) throws -> [(ValueID, [Float])] {
        let scale: Float = node.op == .arithmetic(.mean) ? 1 / Float(node.inputs.count) : 1
        if node.inputs.count == 1 { return [(node.inputs[0], dy)] }
        let out = dims(node.outputs[0])
        if node.op == .arithmetic(.sum) || node.op == .arithmetic(.mean) {
            // Each input receives dy (over the count, for Mean), summed over the axes it was broadcast along.
            let share = scale == 1 ? dy : dy.map { $0 * scale }
            return node.inputs.filter(carriesGradient).map { v in
                guard dims(v) != out else { return (v, share) }
                let offsets = Broadcasting.sourceOffsets(base: 0, strides: Broadcasting.strides(dims(v), to: out), shape: out)
                return (v, Self.scatterAdd(share, at: offsets, count: dims(v).reduce(1, *)))
            }
        }
        guard node.inputs.count == 2 else { throw noRule("\(node.opType) with more than two inputs of different shapes") }
        let (a, b) = (node.inputs[0], node.inputs[1])
        let av = try floats(a), bv = try floats(b), ys = try floats(node.outputs[0])
        let ia = Broadcasting.sourceOffsets(base: 0, strides: Broadcasting.strides(dims(a), to: out), shape: out)
        let ib = Broadcasting.sourceOffsets(base: 0, strides: Broadcasting.strides(dims(b), to: out), shape: out)
        var ga = [Float](repeating: 0, count: av.count), gb = [Float](repeating: 0, count: bv.count)
        for i in 0..<dy.count where dy[i] != 0 {
            let (pa, pb) = partials(av[ia[i]], bv[ib[i]], ys[i])
            ga[ia[i]] += dy[i] * pa
            gb[ib[i]] += dy[i] * pb
        }
        return [(a, ga), (b, gb)].filter { carriesGradient($0.0) }
    }

    /// Where(condition, X, Y): X's elements get the gradient where the condition holds, Y's
    /// elsewhere, each summed over the axes it was broadcast along.
    func select(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        let out = dims(node.outputs[0]), condition = try floats(node.inputs[0])
        let ic = Broadcasting.sourceOffsets(base: 0, strides: Broadcasting.strides(dims(node.inputs[0]), to: out), shape: out)
        var result: [(ValueID, [Float])] = []
        for (slot, taken) in [(1, true), (2, false)] where carriesGradient(node.inputs[slot]) {
            let v = node.inputs[slot]
            let offsets = Broadcasting.sourceOffsets(base: 0, strides: Broadcasting.strides(dims(v), to: out), shape: out)
            var g = [Float](repeating: 0, count: dims(v).reduce(1, *))
            for i in 0..<dy.count where (condition[ic[i]] != 0) == taken { g[offsets[i]] += dy[i] }
            result.append((v, g))
        }
        return result
    }
}
