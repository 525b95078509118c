import Foundation
import ONNXProto

/// Converts between ONNX `TensorProto`s and ``Tensor``s, reading raw, typed and external data.
enum TensorCodec {
    /// Decodes a tensor. `location` resolves external data; nil refuses it.
    static func decode(_ proto: Onnx_TensorProto, location: ExternalDataReader?) throws -> Tensor {
        let name = proto.name
        guard let type = ElementType(rawValue: proto.dataType) else {
            throw CoreError.tensorData(tensor: name, reason: "unknown data type \(proto.dataType)")
        }
        var count = 1
        for d in proto.dims {
            guard d >= 0 else { throw CoreError.tensorData(tensor: name, reason: "negative dimension \(d) in shape \(proto.dims)") }
            guard d <= SizeLimit.elements else { throw CoreError.tensorData(tensor: name, reason: "dimension \(d) in shape \(proto.dims) exceeds \(SizeLimit.description)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow else { throw CoreError.tensorData(tensor: name, reason: "shape \(proto.dims) is too large") }
            count = product
        }
        let shape = proto.dims.map { Int($0) }
        if proto.hasSegment {
            throw CoreError.tensorData(tensor: name, reason: "segmented tensors are not supported")
        }
        if type == .string {
            guard proto.stringData.count == count else {
                throw sizeError(name, "has \(proto.stringData.count) strings", shape: shape, type: type)
            }
            return Tensor(elementType: type, shape: shape, storage: .strings(proto.stringData.map { Array($0) }))
        }
        let expected = type.byteCount(elements: count)
        let bytes: Data
        if proto.dataLocation == .external {
            guard let location else { throw CoreError.externalData(tensor: name, reason: "is not allowed here") }
            bytes = try location.read(proto)
        } else if proto.hasRawData {
            bytes = proto.rawData
        } else {
            return try decodeTypedFields(proto, type: type, shape: shape, count: count)
        }
        guard bytes.count == expected else {
            throw sizeError(name, "has \(bytes.count) bytes of data", shape: shape, type: type, needs: expected)
        }
        return Tensor(elementType: type, shape: shape, storage: storage(bytes, type: type, count: count))
    }

    /// Encodes a tensor with its data inline as `raw_data` (or `string_data`).
    static func encode(_ tensor: Tensor, name: ValueID, extras: Onnx_TensorProto?) -> Onnx_TensorProto {
        var p = extras ?? Onnx_TensorProto()
        p.name = name.name
        p.dims = tensor.shape.map { Int64($0) }
        p.dataType = tensor.elementType.rawValue
        switch tensor.storage {
        case let .float32(values): p.rawData = values.withUnsafeBytes { Data($0) }
        case let .raw(bytes): p.rawData = Data(bytes)
        case let .strings(strings): p.stringData = strings.map { Data($0) }
        }
        return p
    }

    private static func storage(_ bytes: Data, type: ElementType, count: Int) -> Tensor.Storage {
        if type == .float32 {
            let floats = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                _ = bytes.withUnsafeBytes { memcpy(buffer.baseAddress!, $0.baseAddress!, count * 4) }
                initialized = count
            }
            return .float32(count == 0 ? [] : floats)
        }
        return .raw([UInt8](bytes))
    }

    private static func decodeTypedFields(_ p: Onnx_TensorProto, type: ElementType, shape: [Int], count: Int) throws -> Tensor {
        func check(_ have: Int, _ need: Int, _ field: String) throws {
            guard have == need else {
                throw sizeError(p.name, "has \(have) values in \(field)", shape: shape, type: type, needs: need, unit: "values")
            }
        }
        func raw<T>(_ values: [T]) -> Tensor {
            Tensor(elementType: type, shape: shape, storage: .raw(values.withUnsafeBytes { Array($0) }))
        }
        switch type {
        case .float32:
            try check(p.floatData.count, count, "float_data")
            return Tensor(floats: p.floatData, shape: shape)
        case .complex64:
            try check(p.floatData.count, 2 * count, "float_data")
            return raw(p.floatData)
        case .float64, .complex128:
            try check(p.doubleData.count, type == .float64 ? count : 2 * count, "double_data")
            return raw(p.doubleData)
        case .int64:
            try check(p.int64Data.count, count, "int64_data")
            return raw(p.int64Data)
        case .uint32:
            try check(p.uint64Data.count, count, "uint64_data")
            return raw(p.uint64Data.map { UInt32(truncatingIfNeeded: $0) })
        case .uint64:
            try check(p.uint64Data.count, count, "uint64_data")
            return raw(p.uint64Data)
        case .int32:
            try check(p.int32Data.count, count, "int32_data")
            return raw(p.int32Data)
        case .int16, .uint16, .float16, .bfloat16:
            try check(p.int32Data.count, count, "int32_data")
            return raw(p.int32Data.map { UInt16(truncatingIfNeeded: $0) })
        case .int8, .uint8, .bool, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0:
            try check(p.int32Data.count, count, "int32_data")
            return raw(p.int32Data.map { UInt8(truncatingIfNeeded: $0) })
        case .uint4, .int4, .float4e2m1, .uint2, .int2, .string:
            if count == 0 { return Tensor(elementType: type, shape: shape, storage: .raw([])) }
            throw CoreError.tensorData(tensor: p.name, reason: "\(type) data in typed fields is not supported; store it as raw_data")
        }
    }

    private static func sizeError(_ name: String, _ have: String, shape: [Int], type: ElementType,
                                  needs: Int? = nil, unit: String = "bytes") -> CoreError {
        let need = needs.map { ", which needs \($0) \(unit)" } ?? ""
        return CoreError.tensorData(tensor: name, reason: "\(have) but its shape \(shape) of \(type)\(need)")
    }
}

extension Attribute {
    /// The value of a `TENSOR` attribute (nil when absent or malformed).
    public var tensor: Tensor? {
        guard proto.type == .tensor else { return nil }
        return try? TensorCodec.decode(proto.t, location: nil)
    }
}
