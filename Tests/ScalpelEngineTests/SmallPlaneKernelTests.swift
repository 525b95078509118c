import ScalpelCore
@testable import ScalpelEngine
import Testing

/// Convolution and pooling kernels against direct loops: several images per SGEMM, bands of
/// output rows, and max pooling by rows.
@Suite struct SmallPlaneKernelTests {
    /// A convolution to check: sizes, kernel, strides, dilations, pads (top, left, bottom, right), groups.
    struct ConvCase: ConvolutionSizes, CustomTestStringConvertible, Sendable {
        let n, c, m, h, w: Int
        var kernel = [3, 3], strides = [1, 1], dilations = [1, 1], pads = [1, 1, 1, 1]
        var group = 1
        /// Floats the columns may hold (small values force several blocks of images, or bands of rows).
        var columnBudget = BatchedConv.columnBudget
        var testDescription: String {
            "\(n)×\(c)×\(h)×\(w) → \(m), kernel \(kernel) stride \(strides) dilation \(dilations) pads \(pads) group \(group), budget \(columnBudget)"
        }
    }

    static let convCases: [ConvCase] = [
        ConvCase(n: 3, c: 4, m: 6, h: 7, w: 7, strides: [2, 2], group: 2),
        ConvCase(n: 4, c: 3, m: 5, h: 6, w: 5, kernel: [3, 2], dilations: [2, 1], pads: [1, 0, 2, 1]),
        ConvCase(n: 5, c: 2, m: 3, h: 4, w: 4, kernel: [1, 1], pads: [0, 0, 0, 0], columnBudget: 40),
        ConvCase(n: 3, c: 6, m: 6, h: 5, w: 6, group: 6, columnBudget: 1),
        // Stride 1 with uneven pads: the zero-bordered copies of PaddedPlane.
        ConvCase(n: 4, c: 3, m: 5, h: 6, w: 5, kernel: [3, 2], pads: [2, 0, 1, 1]),
        ConvCase(n: 2, c: 2, m: 3, h: 3, w: 13, kernel: [2, 5], pads: [0, 3, 1, 2]),
    ]

    /// The convolution of `t` by direct sums in double, then ReLU.
    static func directConvolution(_ t: ConvCase, x: [Float], weights: [Float], bias: [Float]) -> [Double] {
        var sums = [Double](repeating: 0, count: t.n * t.m * t.oh * t.ow)
        t.forEachTap { y, xi, wi in sums[y] += Double(x[xi]) * Double(weights[wi]) }
        let spatial = t.oh * t.ow
        return sums.indices.map { max(sums[$0] + Double(bias[$0 / spatial % t.m]), 0) }
    }

    /// Calls `run(geometry, x, weights, bias, out, allocate)`, which should convolve with ReLU
    /// using scratch from `allocate`, on seeded data for `t`; returns the largest difference from the direct sums.
    static func worstDifference(_ t: ConvCase,
                                _ run: (ConvKernels.Geometry, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
                                        UnsafeMutablePointer<Float>, (Int) -> UnsafeMutablePointer<Float>) -> Void) throws -> Double {
        var rng = SeededRandom(seed: UInt64(t.n * 31 + t.c))
        let cg = t.c / t.group
        let x = WinogradTests.random(t.n * t.c * t.h * t.w, &rng), weights = WinogradTests.random(t.m * cg * t.kernel[0] * t.kernel[1], &rng)
        let bias = WinogradTests.random(t.m, &rng)
        let expected = directConvolution(t, x: x, weights: weights, bias: bias)
        let node = Node(id: NodeID(0), name: "conv", opType: "Conv", inputs: [ValueID("x"), ValueID("w")], outputs: [ValueID("y")],
                        attributes: [.ints("kernel_shape", t.kernel), .ints("strides", t.strides), .ints("dilations", t.dilations),
                                     .ints("pads", t.pads), .int("group", t.group)])
        let g = try #require(ConvKernels.Geometry(node, input: [t.n, t.c, t.h, t.w], weight: [t.m, cg] + t.kernel,
                                                  output: [t.n, t.m, t.oh, t.ow]))
        var owned: [UnsafeMutablePointer<Float>] = []
        defer { for p in owned { p.deallocate() } }
        var out = [Float](repeating: .nan, count: expected.count)
        x.withUnsafeBufferPointer { xp in
            weights.withUnsafeBufferPointer { wp in
                bias.withUnsafeBufferPointer { bp in
                    out.withUnsafeMutableBufferPointer { op in
                        run(g, xp.baseAddress!, wp.baseAddress!, bp.baseAddress!, op.baseAddress!) { count in
                            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
                            owned.append(p)
                            return p
                        }
                    }
                }
            }
        }
        return zip(out, expected).map { abs(Double($0) - $1) }.max() ?? .nan
    }

    @Test(arguments: convCases)
    func batchedConvolutionMatchesDirectLoops(_ t: ConvCase) throws {
        var perBlock = 0
        let worst = try Self.worstDifference(t) { g, x, w, b, out, allocate in
            #expect(BatchedConv.applies(g))
            let conv = BatchedConv(g, columnBudget: t.columnBudget, allocate: allocate)
            perBlock = conv.imagesPerBlock
            conv.run(x, weights: w, bias: b, out, activation: .relu)
        }
        #expect(worst < 1e-5, "max difference \(worst) over \(t.n) images, \(perBlock) per block")
    }

    /// Convolutions run a band of output rows at a time; small budgets give bands of one or two rows.
    static let bandCases: [ConvCase] = [
        ConvCase(n: 2, c: 3, m: 5, h: 15, w: 13, kernel: [7, 7], strides: [2, 2], pads: [3, 3, 3, 3], columnBudget: 147 * 7 * 2),
        ConvCase(n: 1, c: 4, m: 6, h: 9, w: 11, kernel: [3, 2], dilations: [2, 1], pads: [2, 0, 1, 1], group: 2, columnBudget: 1),
        ConvCase(n: 3, c: 2, m: 3, h: 6, w: 20, kernel: [3, 3], strides: [1, 3], pads: [0, 1, 2, 1], columnBudget: 18 * 7 * 3),
        ConvCase(n: 2, c: 2, m: 4, h: 7, w: 7, columnBudget: BandedConv.bandFloats),
    ]

    @Test(arguments: bandCases)
    func bandedConvolutionMatchesDirectLoops(_ t: ConvCase) throws {
        var bands = 0
        let worst = try Self.worstDifference(t) { g, x, w, b, out, allocate in
            let conv = BandedConv(g, bandFloats: t.columnBudget, allocate: allocate)
            bands = conv.bands
            conv.run(x, weights: w, bias: b, out, activation: .relu)
        }
        #expect(worst < 1e-5, "max difference \(worst) over \(t.n) images in \(bands) bands")
    }

    /// Taking one input channel's contribution out of a convolution's output gives the output of
    /// the input with that channel zeroed (a bias large enough that ReLU never clips).
    @Test(arguments: [convCases[0], convCases[1], bandCases[0], bandCases[2]].filter { $0.group == 1 })
    func inputChannelRemovalMatchesAZeroedChannel(_ t: ConvCase) throws {
        var rng = SeededRandom(seed: UInt64(t.m * 17 + t.h))
        let x = WinogradTests.random(t.n * t.c * t.h * t.w, &rng), weights = WinogradTests.random(t.m * t.c * t.kernel[0] * t.kernel[1], &rng)
        let bias = [Float](repeating: 100, count: t.m), k = t.c - 1
        var zeroed = x
        for n in 0..<t.n { for i in 0..<(t.h * t.w) { zeroed[(n * t.c + k) * t.h * t.w + i] = 0 } }
        let expected = Self.directConvolution(t, x: zeroed, weights: weights, bias: bias)
        var output = Self.directConvolution(t, x: x, weights: weights, bias: bias).map(Float.init)
        let model = try Model.load(path: EngineParityTests.fixtures.appendingPathComponent("plain_cnn_bn.onnx").path)
        var graph = model.graph
        let node = Node(id: NodeID(0), name: "conv", opType: "Conv", inputs: [ValueID("x"), ValueID("w")], outputs: [ValueID("y")],
                        attributes: [.ints("kernel_shape", t.kernel), .ints("strides", t.strides), .ints("dilations", t.dilations),
                                     .ints("pads", t.pads)])
        graph.nodes = [node]
        graph.initializers = [ValueID("w"): Tensor(floats: weights, shape: [t.m, t.c] + t.kernel)]
        let removal = try #require(InputChannelRemoval(node: node, graph: graph, input: [t.n, t.c, t.h, t.w], output: [t.n, t.m, t.oh, t.ow]))
        x.withUnsafeBufferPointer { xp in
            output.withUnsafeMutableBufferPointer { removal.subtract(channel: k, of: xp.baseAddress!, from: $0.baseAddress!, images: t.n) }
        }
        let worst = zip(output, expected).map { abs(Double($0) - $1) }.max() ?? .nan
        #expect(worst < 1e-4, "max difference \(worst)")
    }

    /// Max pooling with pads, strides and dilations, including windows that hang over every edge.
    @Test(arguments: [(3, 2, 1, 1), (3, 1, 2, 2), (2, 2, 0, 1), (4, 3, 2, 1)])
    func maxPoolingMatchesDirectLoops(kernel: Int, stride: Int, pad: Int, dilation: Int) {
        let (h, w) = (9, 7)
        let oh = (h + 2 * pad - (kernel - 1) * dilation - 1) / stride + 1, ow = (w + 2 * pad - (kernel - 1) * dilation - 1) / stride + 1
        var rng = SeededRandom(seed: UInt64(kernel * 10 + stride))
        let x = WinogradTests.random(h * w, &rng)
        var expected = [Float](repeating: -.infinity, count: oh * ow)
        for oy in 0..<oh {
            for ox in 0..<ow {
                for ky in 0..<kernel {
                    for kx in 0..<kernel {
                        let iy = oy * stride - pad + ky * dilation, ix = ox * stride - pad + kx * dilation
                        if iy >= 0, iy < h, ix >= 0, ix < w { expected[oy * ow + ox] = max(expected[oy * ow + ox], x[iy * w + ix]) }
                    }
                }
            }
        }
        let columns = (0..<kernel).map { ConvKernels.validRange(outputs: ow, stride: stride, pad: pad, offset: $0 * dilation, size: w) }
        var out = [Float](repeating: .nan, count: oh * ow)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer {
                PoolKernels.maxPlane(xp.baseAddress!, $0.baseAddress!, h: h, w: w, oh: oh, ow: ow, rows: (kernel, stride, dilation, pad),
                                     columns: columns, sw: stride, dw: dilation, pl: pad)
            }
        }
        #expect(out == expected)
    }
}
