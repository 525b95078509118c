/// im2col and col2im for stride-1, undilated convolutions with short output rows (8×8 or 4×4
/// maps): each channel's plane is copied once into a zero-bordered buffer, after which every
/// tap's rows are whole-row vector moves with no bounds to check. Row-by-row memmove and memset
/// calls cost more than such rows' few floats.
enum PaddedPlane {
    /// Output rows up to this long take this path; longer ones copy efficiently as they are.
    static let widest = 16

    /// Whether `g` is a convolution this path handles.
    static func applies(_ g: ConvKernels.Geometry) -> Bool {
        g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.ow <= widest && g.padTop >= 0 && g.padLeft >= 0
    }

    /// The padded buffer's height and width: every tap of every output position lies inside it.
    private static func size(_ g: ConvKernels.Geometry) -> (height: Int, width: Int) {
        (g.oh + g.kh - 1, g.ow + g.kw - 1)
    }

    /// The input rows and columns that lie inside the padded buffer.
    private static func interior(_ g: ConvKernels.Geometry) -> (rows: Int, columns: Int) {
        let (ph, pw) = size(g)
        return (max(0, min(g.h, ph - g.padTop)), max(0, min(g.w, pw - g.padLeft)))
    }

    /// ConvKernels.im2col's layout (row (c, ky, kx), column (image, oy, ox)) for `channels`
    /// channels of `images` images `imageStride` floats apart.
    static func unfold(_ src: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, _ channels: Int,
                       _ g: ConvKernels.Geometry, images: Int, imageStride: Int) {
        let ((ph, pw), (rows, columns), spatial, pitch) = (size(g), interior(g), g.oh * g.ow, images * g.oh * g.ow)
        forEachChunk(images * channels, g) { items, padded in
            padded.initialize(repeating: 0, count: ph * pw)
            for item in items {
                let image = item / channels, c = item % channels
                let plane = src + image * imageStride + c * g.h * g.w
                for iy in 0..<rows { (padded + (iy + g.padTop) * pw + g.padLeft).copyFloats(from: plane + iy * g.w, count: columns) }
                for ky in 0..<g.kh {
                    for kx in 0..<g.kw {
                        let row = col + ((c * g.kh + ky) * g.kw + kx) * pitch + image * spatial
                        for oy in 0..<g.oh { (row + oy * g.ow).copyFloats(from: padded + (oy + ky) * pw + kx, count: g.ow) }
                    }
                }
            }
        }
    }

    /// col2im for `channels` channels of `images` images: adds each column value onto the input
    /// position its tap reads in `dx` (planes `imageStride` floats apart per image).
    static func fold(_ col: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, _ channels: Int,
                     _ g: ConvKernels.Geometry, images: Int, imageStride: Int) {
        let ((ph, pw), (rows, columns), spatial, pitch) = (size(g), interior(g), g.oh * g.ow, images * g.oh * g.ow)
        forEachChunk(images * channels, g) { items, padded in
            for item in items {
                let image = item / channels, c = item % channels
                padded.initialize(repeating: 0, count: ph * pw)
                for ky in 0..<g.kh {
                    for kx in 0..<g.kw {
                        let row = col + ((c * g.kh + ky) * g.kw + kx) * pitch + image * spatial
                        for oy in 0..<g.oh { addRow(padded + (oy + ky) * pw + kx, row + oy * g.ow, g.ow) }
                    }
                }
                let plane = dx + image * imageStride + c * g.h * g.w
                for iy in 0..<rows { addRow(plane + iy * g.w, padded + (iy + g.padTop) * pw + g.padLeft, columns) }
            }
        }
    }

    /// Runs `body(items, padded)` over `count` (image, channel) planes in chunks on all cores,
    /// each chunk with its own padded buffer.
    private static func forEachChunk(_ count: Int, _ g: ConvKernels.Geometry,
                                     _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        let (ph, pw) = size(g)
        Parallel.chunks(count, grain: max(1, Parallel.inlineBelow / max(1, g.kh * g.kw * g.oh * g.ow))) { items in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: ph * pw) { body(items, $0.baseAddress!) }
        }
    }

    /// Adds `count` floats of `src` onto `dst` with inline vector arithmetic.
    @inline(__always)
    private static func addRow(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ count: Int) {
        var i = 0
        while i + 8 <= count { (dst + i).store((dst + i).vector() + (src + i).vector(SIMD8<Float>.self)); i += 8 }
        if i + 4 <= count { (dst + i).store((dst + i).vector() + (src + i).vector(SIMD4<Float>.self)); i += 4 }
        while i < count { dst[i] += src[i]; i += 1 }
    }
}
