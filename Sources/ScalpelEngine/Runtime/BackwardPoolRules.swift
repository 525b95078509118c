import ScalpelCore

/// MaxPool's and AveragePool's input gradients, plane by plane in parallel.
extension BackwardRules {
    /// ∂L/∂x of a 2-D max or average pool: each output's gradient goes to its window's first
    /// largest input (max), or is shared evenly over the window's inputs inside the image (average).
    func pool(_ dy: [Float], max isMax: Bool) throws -> [Float] {
        let x = node.inputs[0], s = shape(x), y = shape(node.outputs[0])
        guard s.count == 4, let k = node.ints("kernel_shape"), node.string("auto_pad", default: "NOTSET") == "NOTSET" else {
            throw unsupported("2-D pooling with explicit pads only")
        }
        let st = node.ints("strides") ?? [1, 1], p = node.ints("pads") ?? [0, 0, 0, 0], dil = node.ints("dilations") ?? [1, 1]
        guard isMax || node.int("count_include_pad", default: 0) == 0 || p.allSatisfy({ $0 == 0 }) else {
            throw unsupported("count_include_pad with padding")
        }
        let xs = try data(x)
        let (ih, iw, oh, ow) = (s[2], s[3], y[2], y[3])
        let rowTaps = (0..<oh).map { Self.taps(at: $0, stride: st[0], pad: p[0], dilation: dil[0], kernel: k[0], size: ih) }
        let columnTaps = (0..<ow).map { Self.taps(at: $0, stride: st[1], pad: p[1], dilation: dil[1], kernel: k[1], size: iw) }
        var dx = [Float](repeating: 0, count: xs.count)
        xs.withUnsafeBufferPointer { xp in
            dy.withUnsafeBufferPointer { dp in
                dx.withUnsafeMutableBufferPointer { op in
                    let (src, grad, out) = (xp.baseAddress!, dp.baseAddress!, op.baseAddress!)
                    Parallel.each(s[0] * s[1], elementsEach: ih * iw) { plane in
                        let input = src + plane * ih * iw, result = out + plane * ih * iw, gradients = grad + plane * oh * ow
                        for oy in 0..<oh {
                            let rows = rowTaps[oy], top = oy * st[0] - p[0]
                            for ox in 0..<ow {
                                let columns = columnTaps[ox], left = ox * st[1] - p[1], g = gradients[oy * ow + ox]
                                guard !rows.isEmpty, !columns.isEmpty else { continue }
                                if isMax {
                                    var best = (top + rows.lowerBound * dil[0]) * iw + left + columns.lowerBound * dil[1]
                                    var largest = input[best]
                                    for ky in rows {
                                        let line = (top + ky * dil[0]) * iw + left
                                        for kx in columns where input[line + kx * dil[1]] > largest {
                                            best = line + kx * dil[1]
                                            largest = input[best]
                                        }
                                    }
                                    result[best] += g
                                } else {
                                    let share = g / Float(rows.count * columns.count)
                                    for ky in rows {
                                        let line = result + (top + ky * dil[0]) * iw + left
                                        for kx in columns { line[kx * dil[1]] += share }
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

    /// The taps of a pooling window at output position `o` that land inside `0..<size`.
    static func taps(at o: Int, stride: Int, pad: Int, dilation: Int, kernel: Int, size: Int) -> Range<Int> {
        let first = o * stride - pad
        let low = first >= 0 ? 0 : (-first + dilation - 1) / dilation
        let high = first >= size ? 0 : Swift.min(kernel, (size - 1 - first) / dilation + 1)
        return low..<Swift.max(low, high)
    }
}
