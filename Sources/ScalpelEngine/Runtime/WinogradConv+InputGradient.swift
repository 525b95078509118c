extension WinogradConv {
    /// ∂L/∂x of a convolution, or nil where this kernel does not suit it: for a 3×3, stride-1,
    /// ungrouped convolution with pads ≤ 2 the gradient is itself such a convolution, of ∂L/∂y
    /// with the filters flipped in space and in/out swapped, padded by 2 − pad.
    static func inputGradient(_ dy: [Float], weights: [Float], inputShape s: [Int], outputShape y: [Int], weightShape ws: [Int],
                              pads: [Int], strides: [Int], dilations: [Int], group: Int) -> [Float]? {
        guard s.count == 4, y.count == 4, ws.count == 4, pads.count == 4, (0...2).contains(pads[0]), (0...2).contains(pads[1]),
              suits(c: y[1], m: s[1], kernel: Array(ws[2...]), strides: strides, dilations: dilations, group: group) else { return nil }
        let (n, c, m) = (s[0], s[1], y[1])
        var dx = [Float](repeating: 0, count: s.reduce(1, *))
        let sizes = scratch(c: m, m: c, oh: s[2], ow: s[3], images: n)
        // Scratch kept between calls: the transformed filters alone can exceed what the heap keeps,
        // and a fresh mapping would fault in every page on every call.
        BackwardScratch.with(sizes.filters + sizes.tiles + sizes.products) { scratch in
            var next = scratch
            weights.withUnsafeBufferPointer { w in
                let conv = WinogradConv(c: m, m: c, h: y[2], w: y[3], oh: s[2], ow: s[3], padTop: 2 - pads[0], padLeft: 2 - pads[1],
                                        images: n, weights: w.baseAddress!, flipped: true, bias: nil) { count in
                    defer { next += count }
                    return next
                }
                dy.withUnsafeBufferPointer { g in
                    dx.withUnsafeMutableBufferPointer { conv.run(g.baseAddress!, $0.baseAddress!, images: n, activation: .none) }
                }
            }
        }
        return dx
    }
}
