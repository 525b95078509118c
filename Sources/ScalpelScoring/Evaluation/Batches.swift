import ScalpelData
import ScalpelEngine

extension Dataset {
    /// Hands `body` the first `samples` images, a batch of `size` at a time (the last may be
    /// short), with their range.
    func forEachBatch(upTo samples: Int, size: Int, _ body: (Range<Int>, Activation) throws -> Void) rethrows {
        var start = 0
        while start < samples {
            let range = start..<min(samples, start + size)
            try body(range, Activation(shape: [range.count] + Array(shape.dropFirst()), values: images(in: range)))
            start = range.upperBound
        }
    }
}
