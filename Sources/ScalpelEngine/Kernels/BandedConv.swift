/// A convolution with large output planes by im2col + SGEMM a band of output rows at a time:
/// each band's columns stay small enough for the core's cache (a whole plane's are megabytes,
/// written once and read back from memory), and the cores take bands in turn, each with its
/// own scratch. The SGEMM writes straight into the output rows; bias and activation follow on
/// the band while it is still in cache.
struct BandedConv {
    let g: ConvKernels.Geometry
    /// Output rows per band.
    let rowsPerBand: Int
    /// Bands per plane.
    let bands: Int
    /// Scratch: one band's columns per core.
    let columns: UnsafeMutablePointer<Float>

    /// Floats one band's columns should hold at most (512 KiB, within a core's L2 cache).
    static let bandFloats = 128 << 10

    /// Scratch for one band per core (bands of at most `bandFloats` columns' floats, one row at
    /// least), taken from `allocate`.
    init(_ g: ConvKernels.Geometry, bandFloats: Int = Self.bandFloats, allocate: (Int) -> UnsafeMutablePointer<Float>) {
        self.g = g
        let k = g.c / g.group * g.kh * g.kw
        rowsPerBand = max(1, min(g.oh, bandFloats / max(1, k * g.ow)))
        bands = (g.oh + rowsPerBand - 1) / rowsPerBand
        columns = allocate(Parallel.cores * k * rowsPerBand * g.ow)
    }

    /// out = activation(W ∗ x + b) for all images, band by band.
    func run(_ x: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
             _ out: UnsafeMutablePointer<Float>, activation: Epilogue) {
        let spatial = g.oh * g.ow, cg = g.c / g.group, mg = g.m / g.group, k = cg * g.kh * g.kw
        let (low, high) = activation.bounds
        let items = g.n * g.group * bands, parts = min(Parallel.cores, items)
        Parallel.each(parts) { part in
            let scratch = columns + part * k * rowsPerBand * g.ow
            for item in stride(from: part, to: items, by: parts) {
                let image = item / (g.group * bands), group = item / bands % g.group, band = item % bands
                let first = band * rowsPerBand, rows = min(rowsPerBand, g.oh - first), width = rows * g.ow
                ConvKernels.im2col(x + (image * g.c + group * cg) * g.h * g.w, scratch, cg, g.rows(first..<(first + rows)),
                                   parallel: false)
                let dst = out + (image * g.m + group * mg) * spatial + first * g.ow
                Gemm.multiply(m: mg, n: width, k: k, weights + group * mg * k, lda: k, scratch, ldb: width,
                              dst, ldc: spatial, split: false)
                for f in 0..<mg {
                    let b = bias[group * mg + f], line = dst + f * spatial
                    for i in 0..<width { line[i] = Swift.min(Swift.max(line[i] + b, low), high) }
                }
            }
        }
    }
}
