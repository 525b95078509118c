/// The largest tensor Scalpel believes a model can mean: 2⁴⁰ elements (4 TiB of float32). A size
/// a file or a command asks for beyond it is an error that names it, never an overflow or an
/// allocation attempt.
public enum SizeLimit {
    /// The most elements a tensor may have.
    public static let elements = 1 << 40
    /// The most weights a layer `insert` or `replace` builds may hold (1 GiB of float32).
    public static let insertedWeights = 1 << 28
    /// The most dimensions a tensor may have (NumPy's limit).
    public static let rank = 64
    /// The largest window attribute (kernel, stride, pad, dilation) a convolution or pool may have.
    public static let window = Int(Int32.max)

    /// The number of elements of `shape`, or nil when a dimension is negative or the count exceeds ``elements``.
    public static func count(_ shape: [Int]) -> Int? {
        product(shape).flatMap { $0 <= elements ? $0 : nil }
    }

    /// The product of non-negative sizes (0 when one is 0), or nil when one is negative or the
    /// product overflows (a count of MACs, say).
    public static func product(_ sizes: [Int]) -> Int? {
        guard sizes.allSatisfy({ $0 >= 0 }) else { return nil }
        if sizes.contains(0) { return 0 }
        var total = 1
        for d in sizes {
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow else { return nil }
            total = p
        }
        return total
    }

    /// Whether `value` lies in `-limit...limit` (`abs` would trap on `Int.min`).
    public static func within(_ value: Int, _ limit: Int) -> Bool { value.magnitude <= UInt(limit) }

    /// Whether `value` is a whole number a size may be converted from.
    public static func fits(_ value: Double) -> Bool { value.isFinite && abs(value) <= Double(elements) }

    /// `2^40` as the messages write it.
    static let description = "2^40"
}
