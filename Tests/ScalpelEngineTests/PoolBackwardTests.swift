import ScalpelCore
@testable import ScalpelEngine
import Testing

/// MaxPool's and AveragePool's input gradients against a window-by-window reference, for
/// overlapping, padded, strided and dilated windows.
@Suite struct PoolBackwardTests {
    /// One pooling: op, input size, kernel, strides, pads (top, left, bottom, right), dilations.
    struct Case: CustomTestStringConvertible, Sendable {
        var op = "MaxPool", n = 2, c = 3, h = 9, w = 8
        var kernel = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1], dilations = [1, 1]
        /// Inputs rounded to this many values, for ties between taps (nil: no rounding).
        var levels: Int?

        var oh: Int { (h + pads[0] + pads[2] - dilations[0] * (kernel[0] - 1) - 1) / strides[0] + 1 }
        var ow: Int { (w + pads[1] + pads[3] - dilations[1] * (kernel[1] - 1) - 1) / strides[1] + 1 }
        var testDescription: String { "\(op) \(n)×\(c)×\(h)×\(w), kernel \(kernel), strides \(strides), pads \(pads), dilations \(dilations)" }
    }

    static let cases: [Case] = [
        Case(),
        Case(kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0]),
        Case(kernel: [3, 2], strides: [1, 1], pads: [1, 0, 0, 1], dilations: [2, 2]),
        // Rows of over eight outputs (compared eight at a time), with and without ties.
        Case(h: 6, w: 37),
        Case(h: 5, w: 21, strides: [1, 1], levels: 3),
        Case(op: "AveragePool"),
        Case(op: "AveragePool", kernel: [3, 2], strides: [1, 2], pads: [0, 1, 2, 1]),
        Case(op: "AveragePool", kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0]),
    ]

    @Test(arguments: cases)
    func gradientMatchesWindowByWindowSums(_ t: Case) throws {
        var rng = SeededRandom(seed: UInt64(t.h * 10 + t.kernel[1]))
        let x = WinogradTests.random(t.n * t.c * t.h * t.w, &rng).map { v in t.levels.map { Float(Int(v * Float($0))) } ?? v }
        let dy = WinogradTests.random(t.n * t.c * t.oh * t.ow, &rng)
        var attributes: [Attribute] = [.ints("kernel_shape", t.kernel), .ints("strides", t.strides), .ints("pads", t.pads)]
        if t.op == "MaxPool" { attributes.append(.ints("dilations", t.dilations)) }
        let rule = try ConvBackwardTests.singleNodeRule(t.op, attributes: attributes, input: Activation(shape: [t.n, t.c, t.h, t.w], values: x))
        #expect(rule.shape(rule.node.outputs[0]) == [t.n, t.c, t.oh, t.ow])
        let dx = try #require(try rule.inputGradients(dy).first?.1)
        var expected = [Double](repeating: 0, count: x.count)
        for plane in 0..<(t.n * t.c) {
            for oy in 0..<t.oh {
                for ox in 0..<t.ow {
                    var window: [Int] = []
                    for ky in 0..<t.kernel[0] {
                        for kx in 0..<t.kernel[1] {
                            let iy = oy * t.strides[0] - t.pads[0] + ky * t.dilations[0], ix = ox * t.strides[1] - t.pads[1] + kx * t.dilations[1]
                            if iy >= 0, iy < t.h, ix >= 0, ix < t.w { window.append((plane * t.h + iy) * t.w + ix) }
                        }
                    }
                    let g = Double(dy[(plane * t.oh + oy) * t.ow + ox])
                    if t.op == "MaxPool" {
                        let best = window.reduce(window[0]) { x[$1] > x[$0] ? $1 : $0 }
                        expected[best] += g
                    } else {
                        for i in window { expected[i] += g / Double(window.count) }
                    }
                }
            }
        }
        let error = zip(dx, expected).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(dx.count == expected.count && error <= 1e-5, "max error \(error)")
    }
}
