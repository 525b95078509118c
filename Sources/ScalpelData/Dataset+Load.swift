extension Dataset {
    /// Array names tried, in order, for images and labels in an `.npz` archive.
    static let imageKeys = ["x", "images", "data"]
    static let labelKeys = ["y", "labels", "targets"]

    /// Loads samples (and labels) from `.npz`, `.npy` or IDX files, gzipped or not, as N×C×… float32
    /// (N×C×H×W images, N×C×L sequences, N×F features, …).
    ///
    /// - `.npz`: samples from `x` (else `images`, `data`); labels from `y` (else `labels`, `targets`) when present.
    /// - `.npy` or IDX: samples only; labels from the file named by `labels` (.npy, IDX or .npz).
    /// - float32 is used as is, float64 narrowed, uint8 scaled by 1/255, other integers converted as is.
    /// - `sampleRank` is the rank of one sample the model takes (its input's rank less the batch
    ///   axis): data of that rank plus N is used as it is, data one axis short gets C = 1 (grayscale
    ///   N×H×W for an N×1×H×W model). Without it, N×H×W gets C = 1 and other ranks are used as they are.
    /// - with `channelsLast`, N×…×C is transposed to N×C×… first.
    /// - `mean`/`std` (one value or one per channel) normalise each channel: (x − mean) / std, after scaling.
    /// - `labels` given here replaces any labels in an `.npz`.
    public static func load(path: String, labels labelsPath: String? = nil, channelsLast: Bool = false, mean: [Float]? = nil, std: [Float]? = nil,
                            sampleRank: Int? = nil) throws -> Dataset {
        let (imageArray, fileLabels, fileLabelSource) = try readImagesFile(path)
        let (labelArray, labelSource) = try labelsPath.map(readLabelsFile) ?? (fileLabels, fileLabelSource)
        var (images, shape) = try sampleTensor(imageArray, channelsLast: channelsLast, sampleRank: sampleRank, source: path)
        var labels: [Int]?
        if let labelArray {
            let values = try labelValues(labelArray, source: labelSource)
            guard values.count == shape[0] else {
                throw DataError.countMismatch(images: path, imageCount: shape[0], labels: labelSource, labelCount: values.count)
            }
            labels = values
        }
        if mean != nil || std != nil {
            try normalize(&images, shape: shape, mean: mean ?? [0], std: std ?? [1])
        }
        return Dataset(checkedImages: images, shape: shape, labels: labels)
    }

    /// The images array of a data file, with the labels an `.npz` holds beside it.
    private static func readImagesFile(_ path: String) throws -> (NumericArray, NumericArray?, String) {
        let (bytes, format) = try readAnyFile(path)
        switch format {
        case .npz:
            let archive = try NPZ(bytes: bytes, source: path)
            guard let imageKey = imageKeys.first(where: archive.contains) else {
                throw DataError.missingArray(path: path, tried: imageKeys, available: archive.keys)
            }
            let labelKey = labelKeys.first(where: archive.contains)
            return (try archive.array(imageKey), try labelKey.map(archive.array), labelKey.map { "\(path)[\($0)]" } ?? path)
        case .npy:
            return (try NPY.decode(bytes, source: path), nil, path)
        default:
            return (try IDX.decode(bytes, source: path), nil, path)
        }
    }

    /// The labels array of a labels file (`.npy`, IDX, or an `.npz` with `y`/`labels`/`targets`) and how to name it.
    private static func readLabelsFile(_ path: String) throws -> (NumericArray, String) {
        let (bytes, format) = try readAnyFile(path)
        switch format {
        case .npz:
            let archive = try NPZ(bytes: bytes, source: path)
            guard let key = labelKeys.first(where: archive.contains) else {
                throw DataError.missingArray(path: path, tried: labelKeys, available: archive.keys)
            }
            return (try archive.array(key), "\(path)[\(key)]")
        case .npy:
            return (try NPY.decode(bytes, source: path), path)
        default:
            return (try IDX.decode(bytes, source: path), path)
        }
    }

    /// The file's bytes, gunzipped when gzipped, and the format its magic names (never `.gzip`).
    private static func readAnyFile(_ path: String) throws -> ([UInt8], FileFormat) {
        var bytes = try FileBytes.contents(of: path)
        var format = bytes.withUnsafeBytes { FileFormat(sniffing: $0) }
        if format == .gzip {
            bytes = try bytes.withUnsafeBytes { try Inflate.gunzip($0, source: path) }
            format = bytes.withUnsafeBytes { FileFormat(sniffing: $0) }
        }
        guard let format, format != .gzip else { throw DataError.unknownFormat(path: path) }
        return (bytes, format)
    }

    /// Samples as N×C×… floats: uint8 scaled to [0, 1], channels-last transposed, a unit channel
    /// axis added where the data is one axis short of what the model takes (see ``load(path:labels:channelsLast:mean:std:sampleRank:)``).
    private static func sampleTensor(_ array: NumericArray, channelsLast: Bool, sampleRank: Int?, source: String) throws -> ([Float], [Int]) {
        var values: [Float]
        if case let .uint8(bytes) = array.values {
            values = bytes.map { Float($0) / 255 }
        } else {
            values = array.floats()
        }
        var s = array.shape
        guard s.count >= 2 else { throw DataError.imagesRank(path: source, shape: s) }
        if channelsLast {
            guard s.count >= 3 else { throw DataError.imagesRank(path: source, shape: s) }
            let (n, c) = (s[0], s[s.count - 1]), inner = s.dropFirst().dropLast().reduce(1, *)
            var out = [Float](repeating: 0, count: values.count)
            values.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<n {
                        let base = i * inner * c
                        for p in 0..<inner {
                            for k in 0..<c { dst[base + k * inner + p] = src[base + p * c + k] }
                        }
                    }
                }
            }
            values = out
            s = [n, c] + s.dropFirst().dropLast()
        }
        // Without a model to ask, N×H×W is a batch of grayscale images.
        let rank = sampleRank ?? (s.count == 3 && !channelsLast ? 3 : s.count - 1)
        if s.count == rank + 1 { return (values, s) }
        if s.count == rank { return (values, [s[0], 1] + s.dropFirst()) }
        throw DataError.sampleRank(path: source, shape: s, expected: rank)
    }

    /// One class index per sample from an N or N×1 integer (or whole-number float) array.
    private static func labelValues(_ array: NumericArray, source: String) throws -> [Int] {
        guard array.shape.count == 1 || (array.shape.count == 2 && array.shape[1] == 1) else {
            throw DataError.labelsShape(path: source, shape: array.shape)
        }
        let integers: [Int64]
        switch array.values {
        case let .int64(v): integers = v
        case let .uint8(v): integers = v.map(Int64.init)
        case let .float32(v): integers = try wholeNumbers(v.map(Double.init), source: source)
        case let .float64(v): integers = try wholeNumbers(v, source: source)
        }
        if let i = integers.firstIndex(where: { $0 < 0 }) {
            throw DataError.negativeLabel(path: source, index: i, value: integers[i])
        }
        return integers.map { Int($0) }
    }

    private static func wholeNumbers(_ values: [Double], source: String) throws -> [Int64] {
        try values.enumerated().map { i, v in
            guard let n = Int64(exactly: v) else {
                throw DataError.nonIntegerLabel(path: source, index: i, value: v)
            }
            return n
        }
    }

    /// Subtracts `mean` and divides by `std`, per channel (each one value, or one per channel).
    private static func normalize(_ images: inout [Float], shape: [Int], mean: [Float], std: [Float]) throws {
        let channels = shape[1]
        for (name, values) in [("mean", mean), ("std", std)] where values.count != 1 && values.count != channels {
            throw DataError.normalizationCount(name: name, count: values.count, channels: channels)
        }
        if let zero = std.firstIndex(of: 0) {
            throw DataError.zeroStd(channel: zero)
        }
        let plane = shape.dropFirst(2).reduce(1, *)
        images.withUnsafeMutableBufferPointer { buffer in
            for n in 0..<shape[0] {
                for c in 0..<channels {
                    let m = mean.count == 1 ? mean[0] : mean[c]
                    let s = std.count == 1 ? std[0] : std[c]
                    let start = (n * channels + c) * plane
                    for i in start..<(start + plane) { buffer[i] = (buffer[i] - m) / s }
                }
            }
        }
    }
}
