/// An n-dimensional array read from a data file, in C (row-major) order.
///
/// Storage keeps the precision the file had but folds the many integer widths into one:
/// `uint8` stays `uint8` (so images can be scaled by 1/255), every other integer type and
/// `bool` widen to `int64`, `float16` widens to `float32`. `dtype` records the file's own type.
public struct NumericArray: Sendable, Equatable {
    /// The element storage, one case per kept precision.
    public enum Values: Sendable, Equatable {
        /// 32-bit floats (also holds data stored as float16).
        case float32([Float])
        /// 64-bit floats.
        case float64([Double])
        /// Unsigned bytes, kept apart so image data can be scaled to [0, 1].
        case uint8([UInt8])
        /// Every other integer type and bool, widened to 64 bits.
        case int64([Int64])
    }

    /// The dimensions; `[]` for a scalar.
    public var shape: [Int]
    /// The elements, `shape.reduce(1, *)` of them.
    public var values: Values
    /// The element type as the file stored it, in numpy's words (`float32`, `int32`, `bool`…).
    public var dtype: String

    /// Wraps `values` with `shape`; throws when the element count is not the product of the dimensions.
    public init(shape: [Int], values: Values, dtype: String? = nil) throws {
        let n = Self.count(of: values)
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == n else {
            throw DataError.shapeMismatch(what: "array", shape: shape, count: n)
        }
        self.shape = shape
        self.values = values
        self.dtype = dtype ?? Self.defaultDType(values)
    }

    /// Wraps already-checked storage (count equals the product of `shape`).
    init(checkedShape shape: [Int], values: Values, dtype: String) {
        self.shape = shape
        self.values = values
        self.dtype = dtype
    }

    /// The number of elements.
    public var count: Int { Self.count(of: values) }

    /// Whether the elements are floating point.
    public var isFloatingPoint: Bool {
        switch values {
        case .float32, .float64: true
        case .uint8, .int64: false
        }
    }

    /// Every element converted to `Float` as is (no scaling).
    public func floats() -> [Float] {
        switch values {
        case let .float32(v): v
        case let .float64(v): v.map { Float($0) }
        case let .uint8(v): v.map { Float($0) }
        case let .int64(v): v.map { Float($0) }
        }
    }

    static func count(of values: Values) -> Int {
        switch values {
        case let .float32(v): v.count
        case let .float64(v): v.count
        case let .uint8(v): v.count
        case let .int64(v): v.count
        }
    }

    static func defaultDType(_ values: Values) -> String {
        switch values {
        case .float32: "float32"
        case .float64: "float64"
        case .uint8: "uint8"
        case .int64: "int64"
        }
    }
}
