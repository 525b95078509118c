/// Everything that can go wrong while reading, checking or writing a dataset or array file.
public enum DataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not exist.
    case missingFile(path: String)
    /// The file exists but cannot be read (a folder, permissions).
    case unreadable(path: String, reason: String)
    /// The bytes are none of the formats Scalpel reads.
    case unknownFormat(path: String)
    /// The file ends before the data its header announces.
    case truncated(path: String, detail: String)
    /// A header, archive directory or compressed stream is broken.
    case malformed(path: String, reason: String)
    /// The element type is one Scalpel cannot use (strings, objects, complex, structured…).
    case unsupportedDType(path: String, dtype: String)
    /// The array is stored in Fortran (column-major) order.
    case fortranOrder(path: String)
    /// The array is stored big-endian.
    case bigEndian(path: String, dtype: String)
    /// A zip member uses a compression method other than stored or deflated.
    case unsupportedCompression(path: String, member: String, method: Int)
    /// None of the expected arrays is in an .npz archive.
    case missingArray(path: String, tried: [String], available: [String])
    /// Images are not N×H×W or N×C×H×W.
    case imagesRank(path: String, shape: [Int])
    /// The samples' rank is neither the model's sample rank nor one less (a missing channel axis).
    case sampleRank(path: String, shape: [Int], expected: Int)
    /// Labels are not one per sample (N or N×1).
    case labelsShape(path: String, shape: [Int])
    /// Images and labels disagree on the number of samples.
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    /// A label is below zero.
    case negativeLabel(path: String, index: Int, value: Int64)
    /// A floating-point label is not a whole number.
    case nonIntegerLabel(path: String, index: Int, value: Double)
    /// `mean` or `std` has neither one value nor one per channel.
    case normalizationCount(name: String, count: Int, channels: Int)
    /// A `std` value is zero.
    case zeroStd(channel: Int)
    /// Values and shape disagree (element count is not the product of the dimensions).
    case shapeMismatch(what: String, shape: [Int], count: Int)
    /// Writing a file failed; the old file, if any, is untouched.
    case writeFailed(path: String, reason: String)
    /// A use of the dataset (evaluation, a criterion, training) needs labels and it has none.
    case noLabels(purpose: String)

    /// A one-line account of the problem that names the file and says what to do.
    public var description: String {
        switch self {
        case let .missingFile(path):
            "'\(path)': no such file; check the path"
        case let .unreadable(path, reason):
            "cannot read '\(path)': \(reason)"
        case let .unknownFormat(path):
            "'\(path)' is not a .npy, .npz or IDX (MNIST-style) file, nor one of those gzipped; save the data with numpy.save or numpy.savez"
        case let .truncated(path, detail):
            "'\(path)' is truncated: \(detail); copy or save the file again"
        case let .malformed(path, reason):
            "'\(path)' is malformed: \(reason); copy or save the file again"
        case let .unsupportedDType(path, dtype):
            "'\(path)': element type '\(dtype)' is not supported; convert it to float32 or an integer type (e.g. x.astype(np.float32))"
        case let .fortranOrder(path):
            "'\(path)' stores its array in Fortran order; save np.ascontiguousarray(x) instead"
        case let .bigEndian(path, dtype):
            "'\(path)' stores big-endian '\(dtype)'; save x.astype(x.dtype.newbyteorder('<')) instead"
        case let .unsupportedCompression(path, member, method):
            "member '\(member)' of '\(path)' uses zip compression method \(method); save it with np.savez or np.savez_compressed"
        case let .missingArray(path, tried, available):
            "'\(path)' has no array named \(tried.map { "'\($0)'" }.joined(separator: " or ")) (it has \(available.isEmpty ? "none" : available.map { "'\($0)'" }.joined(separator: ", "))); save it with np.savez(FILE, x=images, y=labels)"
        case let .imagesRank(path, shape):
            "samples in '\(path)' have shape \(Self.format(shape)); expected N×C×… (N×C×H×W images, N×C×L sequences, N×F features; N×H×W is read as one channel; use channelsLast for N×…×C)"
        case let .sampleRank(path, shape, expected):
            "samples in '\(path)' have shape \(Self.format(shape)), but the model takes samples of rank \(expected) (N×\(expected == 1 ? "F" : "C×…") with \(expected + 1) axes in all); reshape the data, or give channelsLast for N×…×C"
        case let .labelsShape(path, shape):
            "labels in '\(path)' have shape \(Self.format(shape)); expected one integer class per sample (N or N×1), not one-hot"
        case let .countMismatch(images, imageCount, labels, labelCount):
            "'\(images)' has \(imageCount) image\(imageCount == 1 ? "" : "s") but '\(labels)' has \(labelCount) label\(labelCount == 1 ? "" : "s"); give the labels that belong to these images"
        case let .negativeLabel(path, index, value):
            "label \(index) in '\(path)' is \(value); labels must be class indices 0, 1, 2, …"
        case let .nonIntegerLabel(path, index, value):
            "label \(index) in '\(path)' is \(value), not a whole number; labels must be class indices 0, 1, 2, …"
        case let .normalizationCount(name, count, channels):
            "\(name) has \(count) values but the images have \(channels) channel\(channels == 1 ? "" : "s"); give one value, or one per channel"
        case let .noLabels(purpose):
            "\(purpose) needs labels, and the dataset has none: give a `y` array in the .npz, or a labels file"
        case let .zeroStd(channel):
            "std for channel \(channel) is 0; every std value must be non-zero"
        case let .shapeMismatch(what, shape, count):
            "\(what): shape \(Self.format(shape)) holds \(shape.reduce(1, *)) values but \(count) were given"
        case let .writeFailed(path, reason):
            "cannot write '\(path)': \(reason)"
        }
    }

    /// Formats a shape the way numpy prints it: `(450, 1, 8, 8)`.
    static func format(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
