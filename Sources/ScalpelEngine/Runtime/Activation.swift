/// A float32 tensor the engine reads or produces, row-major (NCHW for images).
public struct Activation: Sendable, Equatable {
    /// The dimensions.
    public var shape: [Int]
    /// The elements, row-major.
    public var values: [Float]

    /// An activation from its parts; `values.count` must equal the product of `shape`.
    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
}
