import ScalpelData

/// The options that every command reading a dataset shares, declared once: the file, its
/// labels, normalisation and layout (`reading`), and for the criteria how much of it to use and
/// the seed (`sampling`).
enum DataOptions {
    /// The options that name and shape the dataset; `required` when the command cannot run without data.
    static func reading(required: Bool) -> [OptionSpec] {
        [.value("--data", "FILE", .path, required: required, "the dataset: .npz with x (and y), .npy, or IDX"),
         .value("--labels", "FILE", .path, "labels for --data when it has none (.npy or IDX)"),
         .value("--mean", "M[,M…]", .text, "subtract this per-channel mean from the inputs"),
         .value("--std", "S[,S…]", .text, "then divide by this per-channel standard deviation"),
         .flag("--channels-last", "the inputs are N×H×W×C; transpose them to N×C×H×W")]
    }

    /// The options that say how much data a criterion reads and seeds its randomness.
    static let sampling: [OptionSpec] = [
        .value("--batches", "N", .count, "read only the first N batches of the data"),
        .value("--seed", "N", .wholeNumber, "seed of the random criterion and sampling (default 0)"),
    ]

    /// `--json`.
    static let json = OptionSpec.flag("--json", "print JSON instead of text")

    /// The dataset the option `option` (`--data` by default) names, with the line's --mean/--std
    /// and layout options, shaped for the document's model input; --labels applies to `--data` only.
    static func load(_ args: Arguments, option: String = "--data", for doc: Document) throws -> Dataset {
        guard let path = args.option(option) else { throw args.usageError("\(option) names the dataset (.npz with x and y, .npy, or IDX)") }
        func list(_ option: String) throws -> [Float]? {
            try args.option(option).map { text in
                try text.split(separator: ",").map { part in
                    guard let v = Float(part) else { throw args.usageError("\(option) wants numbers like 0.5 or 0.485,0.456,0.406, not '\(text)'") }
                    return v
                }
            }
        }
        return try Dataset.load(path: path, labels: option == "--data" ? args.option("--labels") : nil, channelsLast: args.flag("--channels-last"),
                                mean: try list("--mean"), std: try list("--std"), sampleRank: sampleRank(of: doc))
    }

    /// The rank of one sample the model takes (its first data input's rank less the batch axis), when declared.
    static func sampleRank(of doc: Document) -> Int? {
        doc.model.graph.dataInputs.first?.declaredType?.dims.map { $0.count - 1 }
    }

    /// `--batches N`: how many batches a criterion reads (nil: all).
    static func batches(_ args: Arguments) -> Int? { args.count("--batches") }

    /// `--seed N`: any whole number, 0 (the default) included.
    static func seed(_ args: Arguments) -> UInt64 { args.option("--seed").flatMap { UInt64($0) } ?? 0 }
}
