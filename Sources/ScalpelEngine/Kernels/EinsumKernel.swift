import ScalpelCore

/// Einsum of one or two operands. With two, each operand is gathered (summing away the labels
/// only it has) into batch × rows × shared or batch × shared × columns matrices, multiplied by one
/// SGEMM per batch entry, and the products scattered into the output's axis order.
enum EinsumKernel {
    static func build(_ ctx: KernelContext) throws -> StepBody {
        let shapes = ctx.node.inputs.indices.map { ctx.shape($0) }
        guard let equation = try? EinsumEquation(ctx.node.string("equation", default: ""), ranks: shapes.map(\.count)) else {
            throw ctx.unsupported("its equation '\(ctx.node.string("equation", default: ""))' cannot be read")
        }
        guard let labelled = try? equation.sizes(shapes.map { $0.map(Dim.value) }) else {
            throw ctx.unsupported("a label's sizes differ, and Scalpel does not broadcast Einsum operands")
        }
        let size = labelled.compactMapValues(\.value)
        let out = equation.output, outCount = ctx.outputCount()
        switch shapes.count {
        case 1:
            let x = try ctx.input(0)
            let gather = AxisGather(source: equation.operands[0], shape: shapes[0], target: out, sizes: size)
            return { ws in
                let dst = ctx.output(ws)
                dst.update(repeating: 0, count: outCount)
                gather.accumulate(x.pointer(ws), into: dst)
            }
        case 2:
            let (left, right) = (equation.operands[0], equation.operands[1])
            let batch = out.filter { left.contains($0) && right.contains($0) }
            let rows = out.filter { left.contains($0) && !right.contains($0) }
            let columns = out.filter { right.contains($0) && !left.contains($0) }
            let shared = left.filter { right.contains($0) && !out.contains($0) }
            let product = { (labels: [Int]) in labels.reduce(1) { $0 * size[$1]! } }
            let (nb, m, n, k) = (product(batch), product(rows), product(columns), product(shared))
            let packA = AxisGather(source: left, shape: shapes[0], target: batch + rows + shared, sizes: size)
            let packB = AxisGather(source: right, shape: shapes[1], target: batch + shared + columns, sizes: size)
            let products = batch + rows + columns
            let unpack = AxisGather(source: products, shape: products.map { size[$0]! }, target: out, sizes: size)
            let a = try ctx.input(0), b = try ctx.input(1)
            let pa = ctx.constants.scratch(nb * m * k), pb = ctx.constants.scratch(nb * k * n), pc = ctx.constants.scratch(nb * m * n)
            return { ws in
                pa.update(repeating: 0, count: nb * m * k)
                pb.update(repeating: 0, count: nb * k * n)
                packA.accumulate(a.pointer(ws), into: pa)
                packB.accumulate(b.pointer(ws), into: pb)
                for i in 0..<nb {
                    Gemm.multiply(m: m, n: n, k: k, pa + i * m * k, lda: k, pb + i * k * n, ldb: n, pc + i * m * n, ldc: n)
                }
                let dst = ctx.output(ws)
                dst.update(repeating: 0, count: outCount)
                unpack.accumulate(pc, into: dst)
            }
        default:
            throw ctx.unsupported("it has \(shapes.count) operands; Scalpel runs Einsum of one or two")
        }
    }
}

/// Where each element of a tensor whose axes carry labels goes in another tensor with some of
/// those labels in another order; the labels the target lacks are summed over.
struct AxisGather {
    /// The source's shape, and the target offset one step along each source axis moves (0: summed).
    let shape: [Int], strides: [Int]

    init(source: [Int], shape: [Int], target: [Int], sizes: [Int: Int]) {
        var targetStride: [Int: Int] = [:], stride = 1
        for label in target.reversed() {
            targetStride[label] = stride
            stride *= sizes[label] ?? 1
        }
        self.shape = shape
        strides = source.map { targetStride[$0] ?? 0 }
    }

    /// Adds every element of `source` into its place in `target`.
    func accumulate(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>) {
        let count = shape.reduce(1, *)
        guard count > 0 else { return }
        guard let inner = shape.last, let innerStride = strides.last else { target[0] += source[0]; return }
        var index = [Int](repeating: 0, count: shape.count), base = 0, i = 0
        while i < count {
            for j in 0..<inner { target[base + j * innerStride] += source[i + j] }
            i += inner
            var d = shape.count - 2
            while d >= 0 {  // the next row: an odometer over the outer axes
                index[d] += 1
                base += strides[d]
                if index[d] < shape[d] { break }
                base -= strides[d] * shape[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}
