import ScalpelCore

/// Matrix products through SGEMM.
enum MatrixKernels {
    static func gemm(_ ctx: KernelContext) throws -> StepBody {
        let a = try ctx.input(0), b = try ctx.input(1)
        let aShape = ctx.shape(0), bShape = ctx.shape(1)
        let transA = ctx.node.int("transA", default: 0) != 0, transB = ctx.node.int("transB", default: 0) != 0
        let alpha = ctx.node.float("alpha", default: 1), beta = ctx.node.float("beta", default: 1)
        let m = transA ? aShape[1] : aShape[0], k = transA ? aShape[0] : aShape[1], n = transB ? bShape[0] : bShape[1]
        let c = ctx.node.input(2) != nil ? try ctx.input(2) : nil
        let cShape = ctx.shape(2)
        return { ws in
            let out = ctx.output(ws)
            if let c {
                broadcastFill(out, rows: m, cols: n, from: c.pointer(ws), shape: cShape, scale: beta)
            }
            Gemm.multiply(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a.pointer(ws), lda: aShape[1],
                          b.pointer(ws), ldb: bShape[1], beta: c == nil ? 0 : 1, out, ldc: n)
        }
    }

    /// Fills an m×n matrix with C broadcast (scalar, row vector, column vector or full), times `scale`.
    static func broadcastFill(_ out: UnsafeMutablePointer<Float>, rows m: Int, cols n: Int, from c: UnsafeMutablePointer<Float>,
                              shape: [Int], scale: Float) {
        let dims = Array(repeating: 1, count: max(0, 2 - shape.count)) + shape
        let (cr, cc) = (dims[dims.count - 2], dims[dims.count - 1])
        for i in 0..<m {
            for j in 0..<n { out[i * n + j] = scale * c[(cr == 1 ? 0 : i) * cc + (cc == 1 ? 0 : j)] }
        }
    }

    static func matMul(_ ctx: KernelContext) throws -> StepBody {
        let a = try ctx.input(0), b = try ctx.input(1)
        var aShape = ctx.shape(0), bShape = ctx.shape(1)
        if aShape.count == 1 { aShape.insert(1, at: 0) }
        if bShape.count == 1 { bShape.append(1) }
        let m = aShape[aShape.count - 2], k = aShape[aShape.count - 1], n = bShape[bShape.count - 1]
        let outShape = ctx.outputShapes[0]
        let batch = outShape.dropLast(min(2, outShape.count)).reduce(1, *)
        let aBatch = Array(aShape.dropLast(2)), bBatch = Array(bShape.dropLast(2))
        let batchShape = Array(outShape.prefix(max(0, outShape.count - 2)))
        func offset(_ index: Int, _ shape: [Int], _ matrix: Int) -> Int {
            // Index of batch `index` of the output in an operand whose batch dims broadcast.
            var rest = index, result = 0, stride = 1
            for d in (0..<batchShape.count).reversed() {
                let coordinate = rest % batchShape[d]
                rest /= batchShape[d]
                let own = d - (batchShape.count - shape.count)
                if own >= 0 {
                    if shape[own] != 1 { result += coordinate * stride }
                    stride *= shape[own]
                }
            }
            return result * matrix
        }
        return { ws in
            let out = ctx.output(ws), pa = a.pointer(ws), pb = b.pointer(ws)
            for i in 0..<batch {
                Gemm.multiply(m: m, n: n, k: k, pa + offset(i, aBatch, m * k), lda: k, pb + offset(i, bBatch, k * n), ldb: n,
                              out + i * m * n, ldc: n)
            }
        }
    }
}
