import ScalpelCore

/// The backward rule of Resize and Upsample on the spatial axes of NCHW, nearest or linear:
/// each output pixel's gradient goes back to the input pixels it was sampled from, weighted as
/// the forward kernel weighted them.
extension BackwardRules {
    /// An input index and its weight in one output coordinate.
    typealias Tap = (index: Int, weight: Float)

    /// ∂L/∂x of Resize or Upsample.
    func resize(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        let x = node.inputs[0], s = dims(x), y = dims(node.outputs[0])
        guard s.count == 4, s[0] == y[0], s[1] == y[1] else { throw noRule("only resizing the spatial axes of NCHW") }
        let mode = node.string("mode", default: "nearest")
        guard mode == "nearest" || mode == "linear" else { throw noRule("resize mode \(mode)") }
        let given = constantFloats(node.opType == "Upsample" || node.inputs.count == 2 ? node.input(1) : node.input(2))
        let scales = given.flatMap { $0.count == 4 ? $0 : nil }
        let rows = taps(outputs: y[2], inputs: s[2], scale: scales?[2], linear: mode == "linear")
        let cols = taps(outputs: y[3], inputs: s[3], scale: scales?[3], linear: mode == "linear")
        let (h, w, oh, ow) = (s[2], s[3], y[2], y[3])
        var dx = [Float](repeating: 0, count: s.reduce(1, *))
        for plane in 0..<(s[0] * s[1]) {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let g = dy[(plane * oh + oy) * ow + ox]
                    for r in rows[oy] { for c in cols[ox] { dx[(plane * h + r.index) * w + c.index] += g * r.weight * c.weight } }
                }
            }
        }
        return [(x, dx)]
    }

    /// For each output coordinate along one axis, the input coordinates it samples and their
    /// weights, by the node's coordinate transformation and nearest rounding.
    private func taps(outputs: Int, inputs: Int, scale given: Float?, linear: Bool) -> [[Tap]] {
        let scale = given ?? Float(outputs) / Float(inputs)
        let transform = node.string("coordinate_transformation_mode", default: node.opType == "Upsample" ? "asymmetric" : "half_pixel")
        let rounding = node.string("nearest_mode", default: "round_prefer_floor")
        return (0..<outputs).map { o in
            let v: Float = switch transform {
            case "asymmetric": Float(o) / scale
            case "align_corners": outputs == 1 ? 0 : Float(o) * Float(inputs - 1) / Float(outputs - 1)
            case "pytorch_half_pixel": outputs == 1 ? 0 : (Float(o) + 0.5) / scale - 0.5
            default: (Float(o) + 0.5) / scale - 0.5
            }
            if linear {
                let f = Swift.min(Swift.max(v, 0), Float(inputs - 1))
                let low = Int(f), high = Swift.min(low + 1, inputs - 1), t = f - Float(low)
                return [(low, 1 - t), (high, t)]
            }
            let i: Float = switch rounding {
            case "floor": v.rounded(.down)
            case "ceil": v.rounded(.up)
            case "round_prefer_ceil": (v + 0.5).rounded(.down)
            default: v == v.rounded(.down) + 0.5 ? v.rounded(.down) : v.rounded()
            }
            return [(Swift.min(Swift.max(Int(i), 0), inputs - 1), 1)]
        }
    }
}
