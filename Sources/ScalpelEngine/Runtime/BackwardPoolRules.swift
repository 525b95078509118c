import ScalpelCore

/// MaxPool's and AveragePool's input gradients, plane by plane in parallel.
extension BackwardRules {
    /// ∂L/∂x of a 1-D or 2-D max or average pool (1-D as the 2-D pool of its N×C×1×L view): each
    /// output's gradient goes to its window's first largest input (max), or is shared evenly over
    /// the window's inputs inside the image (average).
    func pool(_ dy: [Float], max isMax: Bool) throws -> [Float] {
        let x = node.inputs[0]
        guard let given = node.ints("kernel_shape"), given.count == shape(x).count - 2, let window = ConvKernels.Window(node, rank: given.count),
              node.string("auto_pad", default: "NOTSET") == "NOTSET" else {
            throw unsupported("1-D and 2-D pooling with explicit pads only")
        }
        let s = window.lift(shape(x)), y = window.lift(shape(node.outputs[0])), k = given.count == 1 ? [1] + given : given
        let st = window.strides, p = window.pads, dil = window.dilations
        guard isMax || node.int("count_include_pad", default: 0) == 0 || p.allSatisfy({ $0 == 0 }) else {
            throw unsupported("count_include_pad with padding")
        }
        let xs = try data(x)
        let (ih, iw, oh, ow) = (s[2], s[3], y[2], y[3])
        let (sh, sw, dh, dw, pt, pl) = (st[0], st[1], dil[0], dil[1], p[0], p[1])
        let rowTaps = (0..<oh).map { Self.taps(at: $0, stride: st[0], pad: p[0], dilation: dil[0], kernel: k[0], size: ih) }
        let columnTaps = (0..<ow).map { Self.taps(at: $0, stride: st[1], pad: p[1], dilation: dil[1], kernel: k[1], size: iw) }
        // Per kernel column, the outputs whose tap lies inside the image.
        let validColumns = (0..<k[1]).map { ConvKernels.validRange(outputs: ow, stride: sw, pad: pl, offset: $0 * dw, size: iw) }
        var dx = [Float](repeating: 0, count: xs.count)
        xs.withUnsafeBufferPointer { xp in
            dy.withUnsafeBufferPointer { dp in
                dx.withUnsafeMutableBufferPointer { op in
                    let (src, grad, out) = (xp.baseAddress!, dp.baseAddress!, op.baseAddress!)
                    Parallel.each(s[0] * s[1], elementsEach: ih * iw) { plane in
                        let input = src + plane * ih * iw, result = out + plane * ih * iw, gradients = grad + plane * oh * ow
                        guard isMax else {
                            for oy in 0..<oh {
                                let rows = rowTaps[oy], top = oy * sh - pt
                                for ox in 0..<ow {
                                    let columns = columnTaps[ox], left = ox * sw - pl
                                    let share = gradients[oy * ow + ox] / Float(rows.count * columns.count)
                                    for ky in rows {
                                        let line = result + (top + ky * dh) * iw + left
                                        for kx in columns { line[kx * dw] += share }
                                    }
                                }
                            }
                            return
                        }
                        guard ow >= 8 else {
                            for oy in 0..<oh {
                                for ox in 0..<ow where !rowTaps[oy].isEmpty && !columnTaps[ox].isEmpty {
                                    let i = Self.firstLargest(input, rows: rowTaps[oy], columns: columnTaps[ox], top: oy * sh - pt,
                                                              left: ox * sw - pl, dilations: (dh, dw), width: iw)
                                    result[i] += gradients[oy * ow + ox]
                                }
                            }
                            return
                        }
                        // A row of outputs at a time, tap by tap: each output's running largest
                        // input is independent of its neighbours', so no tap waits on the last.
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: ow) { largest in
                            withUnsafeTemporaryAllocation(of: Int32.self, capacity: ow) { winner in
                                let (largest, winner) = (largest.baseAddress!, winner.baseAddress!)
                                for oy in 0..<oh {
                                    largest.update(repeating: -.infinity, count: ow)
                                    winner.update(repeating: -1, count: ow)
                                    for ky in rowTaps[oy] {
                                        let line = (oy * sh - pt + ky * dh) * iw - pl
                                        for kx in 0..<k[1] {
                                            Self.keepLarger(input, first: line + kx * dw, stride: sw, outputs: validColumns[kx],
                                                            largest: largest, winner: winner)
                                        }
                                    }
                                    for ox in 0..<ow where !rowTaps[oy].isEmpty && !columnTaps[ox].isEmpty {
                                        // Only −∞ or NaN seen: the window is searched again, as for short rows.
                                        let i = winner[ox] >= 0 ? Int(winner[ox])
                                            : Self.firstLargest(input, rows: rowTaps[oy], columns: columnTaps[ox], top: oy * sh - pt,
                                                                left: ox * sw - pl, dilations: (dh, dw), width: iw)
                                        result[i] += gradients[oy * ow + ox]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// The position of the first largest input in one window (rows and columns of taps inside
    /// the image, from `top`, `left`); the first tap where all are NaN or −∞.
    @inline(__always)
    private static func firstLargest(_ input: UnsafePointer<Float>, rows: Range<Int>, columns: Range<Int>, top: Int, left: Int,
                                     dilations: (Int, Int), width: Int) -> Int {
        var best = (top + rows.lowerBound * dilations.0) * width + left + columns.lowerBound * dilations.1
        var largest = input[best]
        for ky in rows {
            let line = (top + ky * dilations.0) * width + left
            for kx in columns {
                // A select, not a branch: which tap is largest is unpredictable.
                let i = line + kx * dilations.1, v = input[i], larger = v > largest
                best = larger ? i : best
                largest = larger ? v : largest
            }
        }
        return best
    }

    /// One tap for a row's `outputs`: where input[first + o · stride] is larger than the output's
    /// largest so far, it becomes the largest and its position the winner. Eight outputs at a time
    /// by vector compare and select (a branch per output would mispredict half the time).
    private static func keepLarger(_ input: UnsafePointer<Float>, first: Int, stride: Int, outputs: Range<Int>,
                                   largest: UnsafeMutablePointer<Float>, winner: UnsafeMutablePointer<Int32>) {
        let steps = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) &* Int32(stride)
        var o = outputs.lowerBound
        while o + 8 <= outputs.upperBound {
            let base = first + o * stride
            var v = SIMD8<Float>()
            for l in 0..<8 { v[l] = input[base + l * stride] }
            let best = (largest + o).vector(SIMD8<Float>.self), larger = v .> best
            (largest + o).store(best.replacing(with: v, where: larger))
            let won = UnsafeRawPointer(winner + o).loadUnaligned(as: SIMD8<Int32>.self)
            UnsafeMutableRawPointer(winner + o).storeBytes(of: won.replacing(with: steps &+ Int32(base), where: larger), as: SIMD8<Int32>.self)
            o += 8
        }
        for o in o..<outputs.upperBound {
            let i = first + o * stride
            if input[i] > largest[o] { largest[o] = input[i]; winner[o] = Int32(i) }
        }
    }

    /// The taps of a pooling window at output position `o` that land inside `0..<size`.
    static func taps(at o: Int, stride: Int, pad: Int, dilation: Int, kernel: Int, size: Int) -> Range<Int> {
        let first = o * stride - pad
        let low = first >= 0 ? 0 : (-first + dilation - 1) / dilation
        let high = first >= size ? 0 : Swift.min(kernel, (size - 1 - first) / dilation + 1)
        return low..<Swift.max(low, high)
    }
}
