/// The element type of a tensor, numbered as ONNX's `TensorProto.DataType`.
public enum ElementType: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case float32 = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7
    case string = 8, bool = 9, float16 = 10, float64 = 11, uint32 = 12, uint64 = 13
    case complex64 = 14, complex128 = 15, bfloat16 = 16
    case float8e4m3fn = 17, float8e4m3fnuz = 18, float8e5m2 = 19, float8e5m2fnuz = 20
    case uint4 = 21, int4 = 22, float4e2m1 = 23, float8e8m0 = 24, uint2 = 25, int2 = 26

    /// Bits one element occupies in raw little-endian storage (0 for strings).
    public var bitWidth: Int {
        switch self {
        case .string: 0
        case .uint2, .int2: 2
        case .uint4, .int4, .float4e2m1: 4
        case .uint8, .int8, .bool, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0: 8
        case .uint16, .int16, .float16, .bfloat16: 16
        case .float32, .int32, .uint32: 32
        case .int64, .float64, .uint64, .complex64: 64
        case .complex128: 128
        }
    }

    /// Bytes needed to hold `count` elements in raw storage (sub-byte types pack, rounding up).
    public func byteCount(elements count: Int) -> Int { (count * bitWidth + 7) / 8 }

    /// Whether the type is an integer type that shape arithmetic can fold.
    public var isInteger: Bool {
        switch self {
        case .uint8, .int8, .uint16, .int16, .int32, .int64, .uint32, .uint64, .bool: true
        default: false
        }
    }

    /// The short lowercase name (`float32`, `int64`, …).
    public var description: String {
        switch self {
        case .float32: "float32"
        case .uint8: "uint8"
        case .int8: "int8"
        case .uint16: "uint16"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .string: "string"
        case .bool: "bool"
        case .float16: "float16"
        case .float64: "float64"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .complex64: "complex64"
        case .complex128: "complex128"
        case .bfloat16: "bfloat16"
        case .float8e4m3fn: "float8e4m3fn"
        case .float8e4m3fnuz: "float8e4m3fnuz"
        case .float8e5m2: "float8e5m2"
        case .float8e5m2fnuz: "float8e5m2fnuz"
        case .uint4: "uint4"
        case .int4: "int4"
        case .float4e2m1: "float4e2m1"
        case .float8e8m0: "float8e8m0"
        case .uint2: "uint2"
        case .int2: "int2"
        }
    }
}
