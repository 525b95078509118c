import ScalpelCore
@testable import ScalpelEngine
import Testing

/// Products split over the cores against a direct triple loop in double.
@Suite struct GemmTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func splitProductsMatchDirectSums(transA: Bool, transB: Bool) {
        for (m, n, k) in [(64, 2916, 16), (100, 1025, 40), (300, 20, 400), (7, 1000, 512), (129, 130, 131)] {
            var rng = SeededRandom(seed: UInt64(m * n + k))
            func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float(Double(rng.next() % 20_001) / 10_000 - 1) } }
            let a = random(m * k), b = random(k * n), c0 = random(m * n)
            let lda = transA ? m : k, ldb = transB ? k : n
            var c = c0
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer {
                        Gemm.multiply(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, ap.baseAddress!, lda: lda,
                                      bp.baseAddress!, ldb: ldb, beta: 1, $0.baseAddress!, ldc: n)
                    }
                }
            }
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0
                    for p in 0..<k {
                        sum += Double(transA ? a[p * lda + i] : a[i * lda + p]) * Double(transB ? b[j * ldb + p] : b[p * ldb + j])
                    }
                    worst = max(worst, abs(0.5 * sum + Double(c0[i * n + j]) - Double(c[i * n + j])))
                }
            }
            #expect(worst < 1e-3, "\(m)×\(n)×\(k): max difference \(worst)")
        }
    }
}
