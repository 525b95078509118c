import Foundation
import ScalpelCore

/// The input-gradient rule of each op the backward pass supports: given ∂L/∂output, ∂L/∂input
/// for every data input. Checked against finite differences in the tests.
struct BackwardRules {
    let node: Node
    let graph: Graph
    let shapes: ShapeInfo
    let values: [ValueID: Activation]
    /// Whether the forward pass ran in training mode (BatchNormalization by batch statistics).
    var training = false
    /// Whether a data input's gradient is wanted; costly rules skip the ones that are not.
    var needsInputGradient: (ValueID) -> Bool = { _ in true }
    /// Per-channel batch statistics of training-mode BatchNorm inputs, where already computed.
    var batchStatistics: [ValueID: BatchStatistics] = [:]

    func shape(_ v: ValueID) -> [Int] { shapes[v].staticShape ?? [] }

    func data(_ v: ValueID) throws -> [Float] {
        if let a = values[v] { return a.values }
        if let t = graph.initializers[v] ?? shapes.constants[v], let f = t.floats { return f }
        throw EngineError.unsupported(op: node.opType, node: graph.displayName(of: node), detail: "the backward pass lacks '\(v)'")
    }

    private func isData(_ v: ValueID) -> Bool { values[v] != nil && graph.initializers[v] == nil && shapes.constants[v] == nil }

    func unsupported(_ detail: String) -> EngineError {
        .unsupported(op: node.opType, node: graph.displayName(of: node), detail: "no backward rule: \(detail)")
    }

    func inputGradients(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        let x = node.inputs[0]
        let rule = node.op.gradient
        if let type = shapes[node.outputs[0]].elementType, type != .float32 {
            throw noRule("its output is \(type), and only float32 values carry a gradient")
        }
        switch rule {
        case .passThrough:
            return [(x, dy)]
        case .relu:
            let xs = try data(x)
            return [(x, Self.combined(dy, xs) { $1 > 0 ? $0 : 0 })]
        case .leakyRelu:
            let alpha = node.float("alpha", default: 0.01), xs = try data(x)
            return [(x, Self.combined(dy, xs) { $1 > 0 ? $0 : $0 * alpha })]
        case .clip:
            let low = node.input(1).flatMap { graph.initializers[$0]?.floats?.first ?? shapes.constants[$0]?.floats?.first } ?? -.infinity
            let high = node.input(2).flatMap { graph.initializers[$0]?.floats?.first ?? shapes.constants[$0]?.floats?.first } ?? .infinity
            let xs = try data(x)
            return [(x, Self.combined(dy, xs) { $1 > low && $1 < high ? $0 : 0 })]
        case .sigmoid:
            let ys = try data(node.outputs[0])
            return [(x, Self.combined(dy, ys) { $0 * $1 * (1 - $1) })]
        case .batchNormalization where training:
            return try batchNormTraining(dy)
        case .batchNormalization:
            let gamma = try data(node.inputs[1]), variance = try data(node.inputs[4])
            let eps = node.float("epsilon", default: 1e-5)
            let s = shape(x), spatial = s.dropFirst(2).reduce(1, *), c = s[1]
            var dx = dy
            for i in dx.indices { let ch = (i / spatial) % c; dx[i] *= gamma[ch] / (variance[ch] + eps).squareRoot() }
            return [(x, dx)]
        case .globalAveragePool:
            let s = shape(x), spatial = s.dropFirst(2).reduce(1, *)
            return [(x, (0..<(s.reduce(1, *))).map { dy[$0 / spatial] / Float(spatial) })]
        case .gemm:
            guard node.int("transA", default: 0) == 0 else { throw unsupported("transA") }
            let b = try data(node.inputs[1]), bs = shape(node.inputs[1]), transB = node.int("transB", default: 0) != 0
            let m = shape(x)[0], k = shape(x)[1], n = transB ? bs[0] : bs[1]
            let alpha = node.float("alpha", default: 1)
            var dx = [Float](repeating: 0, count: m * k)
            for i in 0..<m { for j in 0..<n { let g = dy[i * n + j] * alpha; if g != 0 { for p in 0..<k { dx[i * k + p] += g * (transB ? b[j * k + p] : b[p * n + j]) } } } }
            return [(x, dx)]
        case .broadcastArithmetic:
            return try elementwise(dy)
        case .concat:
            let out = shape(node.outputs[0]), a = node.int("axis", default: 0)
            let axis = a < 0 ? a + out.count : a
            let outer = out.prefix(axis).reduce(1, *), inner = out.dropFirst(axis + 1).reduce(1, *)
            var offset = 0
            var result: [(ValueID, [Float])] = []
            for v in node.inputs {
                let block = shape(v)[axis] * inner, total = out[axis] * inner
                var g = [Float](repeating: 0, count: outer * block)
                for o in 0..<outer { for i in 0..<block { g[o * block + i] = dy[o * total + offset + i] } }
                result.append((v, g))
                offset += block
            }
            return result
        case .pool:
            return [(x, try pool(dy, max: node.op == .convPool(.maxPool)))]
        case .conv:
            return needsInputGradient(x) ? [(x, try convInput(dy))] : []
        case let .unary(derivative): return try unary(dy, derivative(node))
        case let .binary(partials): return try binary(dy, partials(node))
        case .select: return try select(dy)
        case .indexMap: return try indexMap(dy)
        case .cast: return try cast(dy)
        case let .none(reason): throw noRule(reason)
        case .transpose: return try transpose(dy)
        case .slice: return try slice(dy)
        case .expand: return try expand(dy)
        case .gather: return try gather(dy)
        case .pad: return try pad(dy)
        case .split:
            try requireOnlyFirstOutputRead()
            return try splitGradients([dy] + Array(repeating: nil, count: node.outputs.count - 1))
        case .resize: return try resize(dy)
        case .softmax: return try softmax(dy)
        case .layerNormalization: return try layerNorm(dy)
        case let .reduce(derivative): return try reduce(dy, derivative.map { $0(node) })
        case .globalMaxPool: return try globalMaxPool(dy)
        case .matMul: return try matMul(dy)
        case .convTranspose: return try convTranspose(dy)
        }
    }

    /// Broadcast arithmetic: each data input gets the gradient summed over its broadcast axes.
    private func elementwise(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        let out = shape(node.outputs[0])
        var result: [(ValueID, [Float])] = []
        for (slot, v) in node.inputs.enumerated() where isData(v) {
            let s = shape(v)
            let strides = Broadcasting.strides(s, to: out)
            var local = dy
            if node.op == .arithmetic(.sub), slot == 1 { local = local.map { -$0 } }
            if node.op == .arithmetic(.mul) {
                let other = node.inputs[1 - slot], os = shape(other), o = try data(other)
                let ostrides = Broadcasting.strides(os, to: out)
                local = os == out ? Self.combined(local, o, *) : (0..<local.count).map { i in local[i] * o[Self.offset(i, out, ostrides)] }
            }
            if s == out {
                result.append((v, local))
                continue
            }
            var g = [Float](repeating: 0, count: s.reduce(1, *))
            for i in 0..<local.count { g[Self.offset(i, out, strides)] += local[i] }
            result.append((v, g))
        }
        return result
    }

    /// `f(a[i], b[i])` for every element, written straight into the result, in parallel chunks where large.
    static func combined(_ a: [Float], _ b: [Float], _ f: (Float, Float) -> Float) -> [Float] {
        let count = Swift.min(a.count, b.count)
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            guard count > 0 else { return initialized = 0 }
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    let (x, y, result) = (ap.baseAddress!, bp.baseAddress!, out.baseAddress!)
                    Parallel.chunks(count) { range in for i in range { result[i] = f(x[i], y[i]) } }
                }
            }
            initialized = count
        }
    }

    static func offset(_ index: Int, _ shape: [Int], _ strides: [Int]) -> Int {
        var rest = index, o = 0
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            o += (rest % shape[d]) * strides[d]
            rest /= shape[d]
        }
        return o
    }
}
