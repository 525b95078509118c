extension Tensor {
    /// The tensor without the given entries along `axis` (indices ascending, in range).
    public func removing(_ indices: [Int], along axis: Int) -> Tensor? {
        guard axis >= 0, axis < shape.count, !indices.isEmpty else { return indices.isEmpty ? self : nil }
        let size = shape[axis]
        var drop = [Bool](repeating: false, count: size)
        for i in indices where i >= 0 && i < size { drop[i] = true }
        let inner = shape.dropFirst(axis + 1).reduce(1, *)
        let outer = shape.prefix(axis).reduce(1, *)
        var newShape = shape
        newShape[axis] = size - drop.filter { $0 }.count
        func gather<T>(_ values: [T], width: Int) -> [T] {
            var out: [T] = []
            out.reserveCapacity(outer * newShape[axis] * inner * width)
            values.withUnsafeBufferPointer { src in
                for o in 0..<outer {
                    for k in 0..<size where !drop[k] {
                        let start = ((o * size + k) * inner) * width
                        out.append(contentsOf: src[start..<(start + inner * width)])
                    }
                }
            }
            return out
        }
        switch storage {
        case let .float32(values):
            return Tensor(elementType: elementType, shape: newShape, storage: .float32(gather(values, width: 1)))
        case let .raw(bytes):
            guard elementType.bitWidth % 8 == 0 else { return nil }
            return Tensor(elementType: elementType, shape: newShape, storage: .raw(gather(bytes, width: elementType.bitWidth / 8)))
        case let .strings(strings):
            return Tensor(elementType: elementType, shape: newShape, storage: .strings(gather(strings, width: 1)))
        }
    }
}
