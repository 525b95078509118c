import ScalpelCore

/// A chunk of images' convolution patches side by side, for one group: row (channel, ky, kx),
/// column (image, oy, ox). One SGEMM then covers the whole chunk, which keeps it efficient where
/// one image's output plane would give it only a few columns.
struct BackwardConvColumns {
    /// The convolution.
    let geometry: ConvKernels.Geometry
    /// Input channels per group.
    let channels: Int
    /// Filters (output channels) per group.
    let filters: Int
    /// Rows of the columns: one per (channel, ky, kx).
    let rows: Int
    /// Output positions per image.
    let spatial: Int
    /// Images per chunk: one where an output plane alone gives the SGEMMs enough columns (so ∂L/∂y
    /// needs no gathering); otherwise as many as keep the columns and the gathered ∂L/∂y each within the limit given.
    let imagesPerChunk: Int
    /// Output planes at least this large make efficient SGEMMs on their own.
    static let widePlane = 256
    /// Per ky, the output rows whose tap lies inside the image.
    private let rowRanges: [Range<Int>]
    /// Per kx, the output columns whose tap lies inside the image.
    private let columnRanges: [Range<Int>]

    /// The layout for `g`, with chunks whose columns and gathered ∂L/∂y each hold at most `limit` floats (one image at least).
    init(_ g: ConvKernels.Geometry, limit: Int = 1 << 22) {
        geometry = g
        channels = g.c / g.group
        filters = g.m / g.group
        rows = channels * g.kh * g.kw
        spatial = g.oh * g.ow
        imagesPerChunk = spatial >= Self.widePlane ? 1 : max(1, min(g.n, limit / max(1, max(rows, filters) * spatial)))
        rowRanges = (0..<g.kh).map { ConvKernels.validRange(outputs: g.oh, stride: g.sh, pad: g.padTop, offset: $0 * g.dh, size: g.h) }
        columnRanges = ConvKernels.columnRanges(g)
    }

    /// The batch split into chunks of at most ``imagesPerChunk`` images.
    var chunks: [Range<Int>] {
        stride(from: 0, to: geometry.n, by: imagesPerChunk).map { $0..<min(geometry.n, $0 + imagesPerChunk) }
    }

    /// Runs `body(images, group, gradient, columns)` for each chunk of images and each group:
    /// the group's ∂L/∂y for the chunk as a filters × (images · positions) matrix, and scratch
    /// for the chunk's columns.
    func forEachChunk(of dy: UnsafePointer<Float>,
                      _ body: (Range<Int>, Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        BackwardScratch.with(rows * imagesPerChunk * spatial) { columns in
            BackwardScratch.with(imagesPerChunk > 1 ? filters * imagesPerChunk * spatial : 0) { gathered in
                for images in chunks {
                    for group in 0..<geometry.group {
                        body(images, group, outputGradient(dy, group: group, images: images, scratch: gathered), columns)
                    }
                }
            }
        }
    }

    /// The group's ∂L/∂y for `images` as a filters × (images · positions) matrix: for one image
    /// a view of `dy`, for several a copy into `scratch`.
    private func outputGradient(_ dy: UnsafePointer<Float>, group: Int, images: Range<Int>,
                                scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let first = dy + (images.lowerBound * geometry.m + group * filters) * spatial
        guard images.count > 1 else { return first }
        let width = images.count * spatial, imageStride = geometry.m * spatial
        Parallel.each(images.count, elementsEach: filters * spatial) { b in
            for f in 0..<filters { (scratch + f * width + b * spatial).update(from: first + b * imageStride + f * spatial, count: spatial) }
        }
        return UnsafePointer(scratch)
    }

    /// The group's patches of `images` of `x` (im2col): for one image of a pointwise convolution
    /// a view of `x`, otherwise unfolded into `scratch` with zeros where a tap leaves the image.
    func inputColumns(_ x: UnsafePointer<Float>, group: Int, images: Range<Int>,
                      scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let g = geometry
        let first = x + (images.lowerBound * g.c + group * channels) * g.h * g.w
        if g.isPointwise, images.count == 1 { return first }
        ConvKernels.im2col(first, scratch, channels, g, images: images.count, imageStride: g.c * g.h * g.w)
        return UnsafePointer(scratch)
    }

    /// Adds the group's columns for `images` back onto the input positions their taps read (col2im) in `dx`.
    func fold(_ columns: UnsafePointer<Float>, group: Int, images: Range<Int>, into dx: UnsafeMutablePointer<Float>) {
        let g = geometry
        if PaddedPlane.applies(g) {
            let first = dx + (images.lowerBound * g.c + group * channels) * g.h * g.w
            return PaddedPlane.fold(columns, into: first, channels, g, images: images.count, imageStride: g.c * g.h * g.w)
        }
        forEachPlane(group: group, images: images, base: UnsafePointer(dx)) { plane, block, width in
            forEachTap(width: width) { row, rows, valid, input in
                guard !valid.isEmpty else { return }
                var from = columns + block + row + rows.lowerBound * g.ow + valid.lowerBound
                var to = UnsafeMutablePointer(mutating: plane) + input
                for _ in rows {
                    if g.sw == 1 {
                        for i in 0..<valid.count { to[i] += from[i] }
                    } else {
                        for i in 0..<valid.count { to[i * g.sw] += from[i] }
                    }
                    from += g.ow
                    to += g.sh * g.w
                }
            }
        }
    }

    /// Runs `body(plane, block, width)` in parallel for each (image, channel) of the group: the
    /// channel's plane in `base`, the offset of its first row in the columns, and the columns' row length.
    private func forEachPlane(group: Int, images: Range<Int>, base: UnsafePointer<Float>,
                              _ body: (UnsafePointer<Float>, Int, Int) -> Void) {
        let g = geometry, width = images.count * spatial, taps = g.kh * g.kw
        Parallel.each(images.count * channels, elementsEach: taps * spatial) { item in
            let b = item / channels, c = item % channels
            let plane = base + ((images.lowerBound + b) * g.c + group * channels + c) * g.h * g.w
            body(plane, c * taps * width + b * spatial, width)
        }
    }

    /// For each tap of one channel, calls `body(row, rows, columns, input)`: the offset of the
    /// tap's row in the columns (rows `width` apart), the output rows and columns whose inputs
    /// lie inside the image, and the plane offset the first of them reads.
    @inline(__always)
    private func forEachTap(width: Int, _ body: (Int, Range<Int>, Range<Int>, Int) -> Void) {
        let g = geometry
        for ky in 0..<g.kh {
            let rows = rowRanges[ky], top = rows.lowerBound * g.sh - g.padTop + ky * g.dh
            for kx in 0..<g.kw {
                let columns = columnRanges[kx], left = columns.lowerBound * g.sw - g.padLeft + kx * g.dw
                body((ky * g.kw + kx) * width, rows, rows.isEmpty ? 0..<0 : columns, top * g.w + left)
            }
        }
    }
}
