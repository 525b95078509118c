/// Summary statistics of a float tensor, for `show`.
public struct TensorStatistics: Sendable {
    /// Element count.
    public var count: Int
    /// Smallest element.
    public var min: Float
    /// Largest element.
    public var max: Float
    /// Arithmetic mean.
    public var mean: Double
    /// Population standard deviation.
    public var std: Double
    /// Fraction of elements exactly zero.
    public var zeroFraction: Double

    /// Statistics of the elements; nil for an empty tensor.
    public init?(_ values: [Float]) {
        guard let first = values.first else { return nil }
        var lo = first, hi = first, sum = 0.0, squares = 0.0, zeros = 0
        for v in values {
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
            sum += Double(v)
            squares += Double(v) * Double(v)
            if v == 0 { zeros += 1 }
        }
        count = values.count
        min = lo
        max = hi
        mean = sum / Double(count)
        std = (Swift.max(0, squares / Double(count) - mean * mean)).squareRoot()
        zeroFraction = Double(zeros) / Double(count)
    }
}
