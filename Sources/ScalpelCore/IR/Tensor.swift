/// A constant tensor (an initializer or a `Constant` node's value) with copy-on-write storage.
///
/// float32 — Scalpel's working type — is held as `[Float]`; every other type is carried as its
/// raw little-endian bytes, strings as byte strings. Arrays are copy-on-write, so copying a
/// `Tensor` (and so a `Graph`) shares storage until one copy is written.
public struct Tensor: Sendable, Equatable {
    /// How the elements are held.
    public enum Storage: Sendable, Equatable {
        /// float32 elements, the working type.
        case float32([Float])
        /// Any other numeric type, as raw little-endian bytes.
        case raw([UInt8])
        /// String elements, one byte string each.
        case strings([[UInt8]])
    }

    /// The element type.
    public var elementType: ElementType
    /// The dimensions; empty for a scalar.
    public var shape: [Int]
    /// The elements.
    public var storage: Storage

    /// A float32 tensor.
    public init(floats: [Float], shape: [Int]) {
        self.elementType = .float32
        self.shape = shape
        self.storage = .float32(floats)
    }

    /// An int64 tensor.
    public init(int64s: [Int64], shape: [Int]) {
        self.elementType = .int64
        self.shape = shape
        self.storage = .raw(int64s.withUnsafeBytes { Array($0) })
    }

    /// A tensor of any type from its parts; callers guarantee the storage fits the shape.
    public init(elementType: ElementType, shape: [Int], storage: Storage) {
        self.elementType = elementType
        self.shape = shape
        self.storage = storage
    }

    /// Number of elements (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// Bytes the elements occupy when stored raw.
    public var byteCount: Int {
        switch storage {
        case let .float32(values): values.count * 4
        case let .raw(bytes): bytes.count
        case let .strings(strings): strings.reduce(0) { $0 + $1.count }
        }
    }

    /// The elements, when this is a float32 tensor.
    public var floats: [Float]? {
        if case let .float32(values) = storage { return values }
        return nil
    }

    /// The elements widened to Int64, for integer and bool tensors (shape arithmetic).
    public var integers: [Int64]? {
        guard case let .raw(bytes) = storage, elementType.isInteger else { return nil }
        return bytes.withUnsafeBytes { raw -> [Int64] in
            switch elementType {
            case .int64: raw.bindMemory(to: Int64.self).map { $0 }
            case .uint64: raw.bindMemory(to: UInt64.self).map { Int64(truncatingIfNeeded: $0) }
            case .int32: raw.bindMemory(to: Int32.self).map { Int64($0) }
            case .uint32: raw.bindMemory(to: UInt32.self).map { Int64($0) }
            case .int16: raw.bindMemory(to: Int16.self).map { Int64($0) }
            case .uint16: raw.bindMemory(to: UInt16.self).map { Int64($0) }
            case .int8: raw.bindMemory(to: Int8.self).map { Int64($0) }
            default: raw.map { Int64($0) }
            }
        }
    }

    /// The elements as Double, for float32, float64 and integer tensors (scales, constants).
    public var doubles: [Double]? {
        if let floats { return floats.map(Double.init) }
        if let integers { return integers.map(Double.init) }
        if elementType == .float64, case let .raw(bytes) = storage {
            return bytes.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        }
        return nil
    }
}
