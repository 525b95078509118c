import ScalpelCore
@testable import ScalpelEngine
import Testing

/// The Winograd 3×3 convolution and the input gradient built on it, against direct loops in double.
@Suite struct WinogradTests {
    /// One convolution to check: sizes, pads (top, left, bottom, right), activation, block size.
    struct Case: CustomTestStringConvertible, Sendable {
        let n, c, m, h, w: Int
        let pads: [Int]
        let activation: Epilogue
        var blockBytes: Int?
        var oh: Int { h + pads[0] + pads[2] - 2 }
        var ow: Int { w + pads[1] + pads[3] - 2 }
        var testDescription: String { "\(n)×\(c)×\(h)×\(w) → \(m), pads \(pads), \(activation), block \(blockBytes.map { "\($0) B" } ?? "default")" }
    }

    static let cases: [Case] = [
        Case(n: 1, c: 16, m: 16, h: 8, w: 8, pads: [1, 1, 1, 1], activation: .none),
        Case(n: 3, c: 17, m: 20, h: 7, w: 9, pads: [1, 1, 1, 1], activation: .relu),
        Case(n: 2, c: 16, m: 24, h: 13, w: 11, pads: [0, 0, 0, 0], activation: .none),
        Case(n: 2, c: 19, m: 16, h: 5, w: 6, pads: [1, 0, 2, 1], activation: .clip(-0.5, 0.5)),
        Case(n: 5, c: 16, m: 18, h: 10, w: 3, pads: [1, 1, 1, 1], activation: .relu, blockBytes: 20_000),
        // Seven and four tiles a row: groups of eight straddle tile rows and images (two runs each).
        Case(n: 2, c: 16, m: 16, h: 28, w: 28, pads: [1, 1, 1, 1], activation: .relu),
        Case(n: 3, c: 16, m: 17, h: 14, w: 15, pads: [1, 1, 1, 1], activation: .none),
    ]

    static func random(_ count: Int, _ rng: inout SeededRandom) -> [Float] {
        (0..<count).map { _ in Float(Double(rng.next() % 20_001) / 10_000 - 1) }
    }

    /// The convolution of `t` before its activation, summed in double by direct loops.
    static func direct(_ t: Case, x: [Float], weights: [Float], bias: [Float]) -> [Double] {
        var sums = [Double](repeating: 0, count: t.n * t.m * t.oh * t.ow)
        for n in 0..<t.n {
            for f in 0..<t.m {
                for oy in 0..<t.oh {
                    for ox in 0..<t.ow {
                        var sum = Double(bias[f])
                        for ch in 0..<t.c {
                            for ky in 0..<3 {
                                for kx in 0..<3 {
                                    let iy = oy - t.pads[0] + ky, ix = ox - t.pads[1] + kx
                                    guard iy >= 0, iy < t.h, ix >= 0, ix < t.w else { continue }
                                    sum += Double(x[((n * t.c + ch) * t.h + iy) * t.w + ix]) * Double(weights[((f * t.c + ch) * 3 + ky) * 3 + kx])
                                }
                            }
                        }
                        sums[((n * t.m + f) * t.oh + oy) * t.ow + ox] = sum
                    }
                }
            }
        }
        return sums
    }

    /// The convolution of `t` run by WinogradConv, its activation applied.
    static func winograd(_ t: Case, x: [Float], weights: [Float], bias: [Float]) -> [Float] {
        var owned: [UnsafeMutablePointer<Float>] = []
        defer { for p in owned { p.deallocate() } }
        var out = [Float](repeating: .nan, count: t.n * t.m * t.oh * t.ow)
        weights.withUnsafeBufferPointer { wp in
            bias.withUnsafeBufferPointer { bp in
                let conv = WinogradConv(c: t.c, m: t.m, h: t.h, w: t.w, oh: t.oh, ow: t.ow, padTop: t.pads[0], padLeft: t.pads[1],
                                        images: t.n, weights: wp.baseAddress!, bias: bp.baseAddress!, blockBytes: t.blockBytes) { count in
                    let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
                    p.initialize(repeating: 0, count: count)
                    owned.append(p)
                    return p
                }
                if t.blockBytes != nil { #expect(conv.imagesPerBlock < t.n) }
                x.withUnsafeBufferPointer { xp in
                    out.withUnsafeMutableBufferPointer { conv.run(xp.baseAddress!, $0.baseAddress!, images: t.n, activation: t.activation) }
                }
            }
        }
        return out
    }

    @Test(arguments: cases)
    func matchesDirectConvolution(_ t: Case) {
        var rng = SeededRandom(seed: UInt64(t.c * 100 + t.m))
        let x = Self.random(t.n * t.c * t.h * t.w, &rng), weights = Self.random(t.m * t.c * 9, &rng), bias = Self.random(t.m, &rng)
        let sums = Self.direct(t, x: x, weights: weights, bias: bias)
        let scale = sums.map(abs).max() ?? 1  // the largest output before the activation
        let (low, high) = t.activation.bounds
        let expected = sums.map { min(max($0, Double(low)), Double(high)) }
        let out = Self.winograd(t, x: x, weights: weights, bias: bias)
        let error = zip(out, expected).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(error / scale <= 1e-5, "max relative error \(error / scale)")
    }

    /// The rounding of the transforms (points 0, ±3/2, ±2/3) at 64 channels: rms and largest
    /// error relative to the output's rms and largest value (7.2e-7 and 1.2e-6 here; points
    /// 0, ±1, ±2 gave 1.6e-6 and 7.7e-6).
    @Test func roundingStaysNearDirectConvolution() {
        let t = Case(n: 1, c: 64, m: 64, h: 16, w: 16, pads: [1, 1, 1, 1], activation: .none)
        var rng = SeededRandom(seed: 7)
        let x = Self.random(t.n * t.c * t.h * t.w, &rng), weights = Self.random(t.m * t.c * 9, &rng)
        let bias = [Float](repeating: 0, count: t.m)
        let expected = Self.direct(t, x: x, weights: weights, bias: bias)
        let errors = zip(Self.winograd(t, x: x, weights: weights, bias: bias), expected).map { Double($0) - $1 }
        let rms = { (v: [Double]) in (v.map { $0 * $0 }.reduce(0, +) / Double(v.count)).squareRoot() }
        let rmsError = rms(errors) / rms(expected)
        let maxError = (errors.map(abs).max() ?? 0) / (expected.map(abs).max() ?? 1)
        #expect(rmsError <= 1e-6 && maxError <= 3e-6, "rms \(rmsError), max \(maxError)")
    }

    @Test(arguments: [0, 1, 2])
    func inputGradientMatchesDirectSum(pad: Int) throws {
        let (n, c, m, h, w) = (2, 16, 17, 6, 7)
        let oh = h + 2 * pad - 2, ow = w + 2 * pad - 2
        var rng = SeededRandom(seed: UInt64(pad + 1))
        let dy = Self.random(n * m * oh * ow, &rng), weights = Self.random(m * c * 9, &rng)
        let dx = try #require(WinogradConv.inputGradient(dy, weights: weights, inputShape: [n, c, h, w], outputShape: [n, m, oh, ow],
                                                         weightShape: [m, c, 3, 3], pads: [pad, pad, pad, pad], strides: [1, 1],
                                                         dilations: [1, 1], group: 1))
        var expected = [Double](repeating: 0, count: n * c * h * w)
        for b in 0..<n {
            for f in 0..<m {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let g = Double(dy[((b * m + f) * oh + oy) * ow + ox])
                        for ch in 0..<c {
                            for ky in 0..<3 {
                                for kx in 0..<3 {
                                    let iy = oy - pad + ky, ix = ox - pad + kx
                                    guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                    expected[((b * c + ch) * h + iy) * w + ix] += g * Double(weights[((f * c + ch) * 3 + ky) * 3 + kx])
                                }
                            }
                        }
                    }
                }
            }
        }
        let scale = expected.map(abs).max() ?? 1
        let error = zip(dx, expected).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(error / scale <= 1e-5, "max relative error \(error / scale)")
    }

    @Test func inputGradientDeclinesOtherConvolutions() {
        let strided = WinogradConv.inputGradient([], weights: [], inputShape: [1, 16, 8, 8], outputShape: [1, 16, 4, 4],
                                                 weightShape: [16, 16, 3, 3], pads: [1, 1, 1, 1], strides: [2, 2],
                                                 dilations: [1, 1], group: 1)
        #expect(strided == nil)
    }

    /// Weights a training engine updates in place are transformed again before the next run
    /// (the pool's generation says they changed), and the output then equals a kernel built on them.
    @Test func updatedWeightsAreTransformedAgain() {
        let (n, c, m, h, w) = (1, 16, 16, 9, 9)
        var rng = SeededRandom(seed: 7)
        let x = Self.random(n * c * h * w, &rng), before = Self.random(m * c * 9, &rng), after = Self.random(m * c * 9, &rng)
        let pool = ConstantPool()
        let weights = pool.store(before, as: ValueID("w"))
        let derived = Generation(pool)
        #expect(!derived.isStale)
        let conv = WinogradConv(c: c, m: m, h: h, w: w, oh: h, ow: w, padTop: 1, padLeft: 1, images: n, weights: weights, bias: nil,
                                allocate: pool.scratch)
        func run(_ kernel: WinogradConv) -> [Float] {
            var out = [Float](repeating: .nan, count: n * m * h * w)
            x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { kernel.run(xp.baseAddress!, $0.baseAddress!, images: n, activation: .none) } }
            return out
        }
        let old = run(conv)
        pool.update(ValueID("w"), with: after)
        #expect(derived.isStale)
        #expect(!derived.isStale, "stale once per update")
        conv.transformFilters(from: weights)
        let fresh = after.withUnsafeBufferPointer { wp in
            WinogradConv(c: c, m: m, h: h, w: w, oh: h, ow: w, padTop: 1, padLeft: 1, images: n, weights: wp.baseAddress!, bias: nil,
                         allocate: pool.scratch)
        }
        #expect(run(conv) == run(fresh))
        #expect(run(conv) != old)
    }
}
