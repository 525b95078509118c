import CBLAS

/// Single-precision matrix products with the cores split by us: OpenBLAS runs single-threaded
/// and each core computes a slice of the output. Its own threads would spin between calls and
/// contend with the kernels' threads for the same cores.
enum Gemm {
    /// Products smaller than this many multiply-adds run on the calling thread.
    static let splitAbove = 1 << 21

    /// Makes OpenBLAS single-threaded, once per process.
    private static let singleThreaded: Void = openblas_set_num_threads(1)

    /// C = α·op(A)·op(B) + β·C for row-major matrices, op(A) m×k and op(B) k×n. Large products
    /// are split over the cores by column blocks of C (or row blocks, when C is narrow); pass
    /// `split: false` from code that already runs on every core.
    static func multiply(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                         _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                         beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int, split: Bool = true) {
        _ = singleThreaded
        func run(_ m: Int, _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>) {
            guard m > 0, n > 0 else { return }
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
        let parts = Parallel.cores
        guard split, parts > 1, m * n * k >= splitAbove else { return run(m, n, a, b, c) }
        if n >= 16 * parts {
            // Column blocks, on 16-column boundaries so each block keeps whole SIMD panels.
            let block = ((n + parts - 1) / parts + 15) / 16 * 16
            Parallel.each(parts) { p in
                let j = min(n, p * block)
                run(m, min(n, j + block) - j, a, transB ? b + j * ldb : b + j, c + j)
            }
        } else {
            let block = (m + parts - 1) / parts
            Parallel.each(parts) { p in
                let i = min(m, p * block)
                run(min(m, i + block) - i, n, transA ? a + i : a + i * lda, b, c + i * ldc)
            }
        }
    }
}
