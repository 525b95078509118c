/// A 2-D convolution's sizes as the kernel tests describe it, with the direct loop over its
/// taps that their references are computed from.
protocol ConvolutionSizes {
    var n: Int { get }
    var c: Int { get }
    var h: Int { get }
    var w: Int { get }
    var m: Int { get }
    var kernel: [Int] { get }
    var strides: [Int] { get }
    var dilations: [Int] { get }
    /// Top, left, bottom, right.
    var pads: [Int] { get }
    var group: Int { get }
}

extension ConvolutionSizes {
    var oh: Int { (h + pads[0] + pads[2] - (kernel[0] - 1) * dilations[0] - 1) / strides[0] + 1 }
    var ow: Int { (w + pads[1] + pads[3] - (kernel[1] - 1) * dilations[1] - 1) / strides[1] + 1 }

    /// Calls `body(y, x, w)` for every tap that lands inside the input: the NCHW offsets of the
    /// output, of the input value it reads, and of the weight (M × C/group × kh × kw) it uses.
    func forEachTap(_ body: (Int, Int, Int) -> Void) {
        let cg = c / group, mg = m / group
        for b in 0..<n {
            for f in 0..<m {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let y = ((b * m + f) * oh + oy) * ow + ox
                        for ch in 0..<cg {
                            for ky in 0..<kernel[0] {
                                for kx in 0..<kernel[1] {
                                    let iy = oy * strides[0] - pads[0] + ky * dilations[0]
                                    let ix = ox * strides[1] - pads[1] + kx * dilations[1]
                                    guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                    body(y, ((b * c + f / mg * cg + ch) * h + iy) * w + ix, ((f * cg + ch) * kernel[0] + ky) * kernel[1] + kx)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
