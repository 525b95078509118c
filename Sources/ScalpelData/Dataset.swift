/// Samples as one N×C×… float32 buffer (row-major: images N×C×H×W, sequences N×C×L, features N×F) with optional integer class labels.
public struct Dataset: Sendable {
    /// Every pixel, sample after sample, each sample channel-major (C×H×W).
    public let images: [Float]
    /// The dimensions of `images`: N, then one sample's (C, H, W for images).
    public let shape: [Int]
    /// One class index (0, 1, 2, …) per sample, when the data has labels.
    public let labels: [Int]?

    /// Wraps samples already in N×C×… order; throws when the shape, element count or labels disagree.
    public init(images: [Float], shape: [Int], labels: [Int]? = nil) throws {
        let source = "images given in memory"
        guard shape.count >= 2, shape.allSatisfy({ $0 >= 0 }) else {
            throw DataError.imagesRank(path: source, shape: shape)
        }
        guard shape.reduce(1, *) == images.count else {
            throw DataError.shapeMismatch(what: "dataset images", shape: shape, count: images.count)
        }
        if let labels {
            guard labels.count == shape[0] else {
                throw DataError.countMismatch(images: source, imageCount: shape[0], labels: "labels given in memory", labelCount: labels.count)
            }
            if let i = labels.firstIndex(where: { $0 < 0 }) {
                throw DataError.negativeLabel(path: "labels given in memory", index: i, value: Int64(labels[i]))
            }
        }
        self.init(checkedImages: images, shape: shape, labels: labels)
    }

    /// Wraps data the loader has already checked.
    init(checkedImages images: [Float], shape: [Int], labels: [Int]?) {
        self.images = images
        self.shape = shape
        self.labels = labels
    }

    /// The number of samples, N.
    public var count: Int { shape[0] }

    /// The shape of one sample: C, H, W for images; C, L for sequences.
    public var sampleShape: [Int] { Array(shape.dropFirst()) }

    /// The number of floats in one sample (C·H·W for images).
    public var sampleSize: Int { shape.dropFirst().reduce(1, *) }

    /// One more than the largest label (the number of classes the labels name), nil without labels.
    public var classCount: Int? { labels.map { ($0.max() ?? -1) + 1 } }

    /// Consecutive sample ranges of `size` samples (the last may be shorter); a size below 1 counts as 1.
    public func batches(size: Int) -> [Range<Int>] {
        let step = max(1, size)
        return stride(from: 0, to: count, by: step).map { $0..<min($0 + step, count) }
    }

    /// The values of the samples in `range` (clamped to the dataset), as one contiguous buffer.
    public func images(in range: Range<Int>) -> [Float] {
        let r = range.clamped(to: 0..<count)
        return Array(images[(r.lowerBound * sampleSize)..<(r.upperBound * sampleSize)])
    }

    /// The labels of the samples in `range` (clamped to the dataset), nil without labels.
    public func labels(in range: Range<Int>) -> [Int]? {
        labels.map { Array($0[range.clamped(to: 0..<count)]) }
    }
}
