import Foundation
import ScalpelCore

/// Backward rules of Softmax, LogSoftmax, LayerNormalization, ReduceMean/ReduceSum and GlobalMaxPool.
extension BackwardRules {
    /// Softmax: ∂x = y·(∂y − Σ ∂y·y); LogSoftmax: ∂x = ∂y − softmax·Σ ∂y; sums along the axis.
    func softmax(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        let x = node.inputs[0], s = dims(x), ys = try floats(node.outputs[0]), log = node.op == .normalization(.logSoftmax)
        guard let axis = NormalizationOp.normalisedAxis(of: node, rank: s.count) else { throw noRule("its axis is implicit on rank \(s.count)") }
        let outer = s.prefix(axis).reduce(1, *), size = s[axis], inner = s.dropFirst(axis + 1).reduce(1, *)
        var dx = dy
        for o in 0..<outer {
            for j in 0..<inner {
                let lane = (0..<size).map { o * size * inner + $0 * inner + j }
                let sum = lane.reduce(Float(0)) { $0 + (log ? dy[$1] : dy[$1] * ys[$1]) }
                for i in lane { dx[i] = log ? dy[i] - Foundation.exp(ys[i]) * sum : ys[i] * (dy[i] - sum) }
            }
        }
        return [(x, dx)]
    }

    /// Over each row (the axes from `axis` on), with x̂ = (x − μ)/σ and g = ∂y·scale:
    /// ∂x = (g − mean(g) − x̂·mean(g·x̂))/σ, ∂scale = Σ ∂y·x̂, ∂bias = Σ ∂y over rows.
    func layerNorm(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        let x = node.inputs[0], s = dims(x), xs = try floats(x)
        let axis = axis("axis", default: -1, rank: s.count)
        let size = s.dropFirst(axis).reduce(1, *), rows = s.prefix(axis).reduce(1, *)
        let eps = node.float("epsilon", default: 1e-5)
        let scale = try node.input(1).map(floats) ?? [Float](repeating: 1, count: size)
        var dx = [Float](repeating: 0, count: xs.count)
        var dScale = [Float](repeating: 0, count: size), dBias = [Float](repeating: 0, count: size)
        for r in 0..<rows {
            let row = (r * size)..<((r + 1) * size)
            let mean = xs[row].reduce(0, +) / Float(size)
            let variance = xs[row].reduce(Float(0)) { $0 + ($1 - mean) * ($1 - mean) } / Float(size)
            let inv = 1 / (variance + eps).squareRoot()
            var meanG: Float = 0, meanGX: Float = 0
            for i in 0..<size {
                let xhat = (xs[r * size + i] - mean) * inv, g = dy[r * size + i] * scale[i]
                meanG += g / Float(size)
                meanGX += g * xhat / Float(size)
                dScale[i] += dy[r * size + i] * xhat
                dBias[i] += dy[r * size + i]
            }
            for i in 0..<size {
                let xhat = (xs[r * size + i] - mean) * inv
                dx[r * size + i] = (dy[r * size + i] * scale[i] - meanG - xhat * meanGX) * inv
            }
        }
        var result = [(x, dx)]
        if let v = node.input(1), carriesGradient(v) { result.append((v, dScale)) }
        if let v = node.input(2), carriesGradient(v) { result.append((v, dBias)) }
        return result
    }

    /// Every input element gets the gradient of the element it was reduced into, times ∂y/∂x
    /// (÷ count for the mean, 1 for the sum).
    func reduce(_ dy: [Float], _ derivative: ((_ x: Float, _ y: Float) -> Float)?) throws -> [(ValueID, [Float])] {
        let x = node.inputs[0], s = dims(x)
        guard let axes = ReductionOp.reducedAxes(of: node, rank: s.count, known: constantIntegers) else { throw noRule("its axes must be constant") }
        let kept = s.indices.map { axes.contains($0) ? 1 : s[$0] }
        let count = Float(s.reduce(1, *) / Swift.max(1, kept.reduce(1, *)))
        let offsets = Broadcasting.sourceOffsets(base: 0, strides: Broadcasting.strides(kept, to: s), shape: s)
        guard let derivative else {
            return [(x, offsets.map { node.op == .reduction(.reduceMean) ? dy[$0] / count : dy[$0] })]
        }
        let xs = try floats(x), ys = try floats(node.outputs[0])
        return [(x, offsets.indices.map { i in dy[offsets[i]] * derivative(xs[i], ys[offsets[i]]) })]
    }

    /// Each plane's gradient goes to its (first) largest element.
    func globalMaxPool(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        let x = node.inputs[0], s = dims(x), xs = try floats(x)
        let size = s.dropFirst(2).reduce(1, *)
        var dx = [Float](repeating: 0, count: xs.count)
        for plane in 0..<(s.prefix(2).reduce(1, *)) {
            let window = (plane * size)..<((plane + 1) * size)
            if let best = window.max(by: { xs[$0] < xs[$1] }) { dx[best] = dy[plane] }
        }
        return [(x, dx)]
    }
}
