/// A convolution with small output planes by im2col + SGEMM over several images at once: their
/// columns lie side by side, so one SGEMM has images × plane columns instead of a plane's few
/// dozen, which a per-image SGEMM runs far below the machine's peak.
struct BatchedConv {
    let g: ConvKernels.Geometry
    /// Images whose columns one SGEMM covers.
    let imagesPerBlock: Int
    /// Scratch: columns (k × block columns) and the SGEMM's product (filters per group × block columns).
    let columns, product: UnsafeMutablePointer<Float>

    /// Output planes below this many positions gain from batching images.
    static let planeBelow = 1024
    /// Columns one SGEMM should reach, when memory allows: enough for an efficient SGEMM, few
    /// enough that a block's columns are still in cache when the SGEMM reads them.
    static let targetColumns = 512
    /// Floats the column scratch may hold.
    static let columnBudget = 4 << 20

    /// Whether batching images helps this convolution (several images, small output planes).
    static func applies(_ g: ConvKernels.Geometry) -> Bool { g.n > 1 && g.oh * g.ow < planeBelow }

    /// Scratch for blocks of images (columns of at most `columnBudget` floats, one image at
    /// least), taken from `allocate`.
    init(_ g: ConvKernels.Geometry, columnBudget: Int = Self.columnBudget, allocate: (Int) -> UnsafeMutablePointer<Float>) {
        self.g = g
        let spatial = g.oh * g.ow, k = g.c / g.group * g.kh * g.kw
        let wanted = (Self.targetColumns + spatial - 1) / spatial, affordable = columnBudget / max(1, k * spatial)
        imagesPerBlock = max(1, min(g.n, wanted, affordable))
        columns = allocate(k * imagesPerBlock * spatial)
        product = allocate(g.m / g.group * imagesPerBlock * spatial)
    }

    /// out = activation(W ∗ x + b) for all images, a block of images per SGEMM and group.
    func run(_ x: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
             _ out: UnsafeMutablePointer<Float>, activation: Epilogue) {
        let spatial = g.oh * g.ow, cg = g.c / g.group, mg = g.m / g.group, k = cg * g.kh * g.kw
        let (low, high) = activation.bounds
        for first in stride(from: 0, to: g.n, by: imagesPerBlock) {
            let count = min(imagesPerBlock, g.n - first), width = count * spatial
            for group in 0..<g.group {
                ConvKernels.im2col(x + (first * g.c + group * cg) * g.h * g.w, columns, cg, g, images: count, imageStride: g.c * g.h * g.w)
                Gemm.multiply(m: mg, n: width, k: k, weights + group * mg * k, lda: k, columns, ldb: width, product, ldc: width)
                // Product rows are filters, columns (image, position): scatter each run into NCHW.
                Parallel.each(mg, elementsEach: width) { m in
                    let b = bias[group * mg + m], row = product + m * width
                    for i in 0..<count {
                        let src = row + i * spatial, dst = out + ((first + i) * g.m + group * mg + m) * spatial
                        for s in 0..<spatial { dst[s] = Swift.min(Swift.max(src[s] + b, low), high) }
                    }
                }
            }
        }
    }
}
