extension WinogradConv {
    /// ∂L/∂x of a convolution, or nil where this kernel does not suit it: for a 3×3, stride-1,
    /// ungrouped convolution with pads ≤ 2 the gradient is itself such a convolution, of ∂L/∂y
    /// with the filters flipped in space and in/out swapped, padded by 2 − pad.
    static func inputGradient(_ dy: [Float], weights: [Float], inputShape s: [Int], outputShape y: [Int], weightShape ws: [Int],
                              pads: [Int], strides: [Int], dilations: [Int], group: Int) -> [Float]? {
        guard s.count == 4, y.count == 4, ws.count == 4, pads.count == 4, (0...2).contains(pads[0]), (0...2).contains(pads[1]),
              suits(c: y[1], m: s[1], kernel: Array(ws[2...]), strides: strides, dilations: dilations, group: group) else { return nil }
        let (n, c, m) = (s[0], s[1], y[1])
        var flipped = [Float](repeating: 0, count: weights.count)
        for filter in 0..<m {
            for channel in 0..<c {
                for tap in 0..<9 { flipped[(channel * m + filter) * 9 + 8 - tap] = weights[(filter * c + channel) * 9 + tap] }
            }
        }
        var owned: [UnsafeMutablePointer<Float>] = []
        defer { for p in owned { p.deallocate() } }
        let conv = flipped.withUnsafeBufferPointer { f in
            WinogradConv(c: m, m: c, h: y[2], w: y[3], oh: s[2], ow: s[3], padTop: 2 - pads[0], padLeft: 2 - pads[1], images: n,
                         weights: f.baseAddress!, bias: nil) { count in
                // Scratch that every run overwrites before reading: left uninitialised (floats).
                let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
                owned.append(p)
                return p
            }
        }
        var dx = [Float](repeating: 0, count: s.reduce(1, *))
        dy.withUnsafeBufferPointer { g in
            dx.withUnsafeMutableBufferPointer { conv.run(g.baseAddress!, $0.baseAddress!, images: n, activation: .none) }
        }
        return dx
    }
}
