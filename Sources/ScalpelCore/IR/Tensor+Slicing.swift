extension Tensor {
    /// The tensor without the given entries along `axis` (indices ascending, in range).
    /// Kept entries are copied as runs: consecutive kept channels move in one copy.
    public func removing(_ indices: [Int], along axis: Int) -> Tensor? {
        guard axis >= 0, axis < shape.count, !indices.isEmpty else { return indices.isEmpty ? self : nil }
        let size = shape[axis]
        var drop = [Bool](repeating: false, count: size)
        for i in indices where i >= 0 && i < size { drop[i] = true }
        var runs: [Range<Int>] = []
        var k = 0
        while k < size {
            guard !drop[k] else { k += 1; continue }
            let start = k
            while k < size, !drop[k] { k += 1 }
            runs.append(start..<k)
        }
        let inner = shape.dropFirst(axis + 1).reduce(1, *)
        let outer = shape.prefix(axis).reduce(1, *)
        var newShape = shape
        newShape[axis] = runs.reduce(0) { $0 + $1.count }
        func gather<T>(_ values: [T], width: Int) -> [T] {
            let count = outer * newShape[axis] * inner * width
            guard count > 0 else { return [] }
            return [T](unsafeUninitializedCapacity: count) { out, initialized in
                values.withUnsafeBufferPointer { src in
                    var cursor = 0
                    for o in 0..<outer {
                        for run in runs {
                            let start = (o * size + run.lowerBound) * inner * width
                            let length = run.count * inner * width
                            _ = out.baseAddress!.advanced(by: cursor).initialize(from: src.baseAddress!.advanced(by: start), count: length)
                            cursor += length
                        }
                    }
                    initialized = cursor
                }
            }
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
