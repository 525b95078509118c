import ScalpelData

/// The options that every command reading a dataset shares, declared once: the file, its
/// labels, normalisation and layout (`reading`), and for the criteria how much of it to use and
/// the seed (`sampling`). Commands take their flags, option names and usage from here.
enum DataOptions {
    /// The options that name and shape the dataset.
    static let reading = (flags: ["--channels-last"], options: ["--data", "--labels", "--mean", "--std"],
                          usage: "--data FILE [--labels FILE] [--mean M[,M…]] [--std S[,S…]] [--channels-last]")
    /// The options that say how much data a criterion reads and seeds its randomness.
    static let sampling = (options: ["--batches", "--seed"], usage: "[--batches N] [--seed N]")
    /// Options whose value is a file path, for completion.
    static let fileOptions: Set<String> = ["--data", "--labels", "--val", "--input", "--output", "-o", "--plot"]

    /// The dataset the option `option` (`--data` by default) names, with the line's --mean/--std
    /// and layout options; --labels applies to `--data` only.
    static func load(_ args: Arguments, option: String = "--data") throws -> Dataset {
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
                                mean: try list("--mean"), std: try list("--std"))
    }

    /// `--batches N`: how many batches a criterion reads (nil: all).
    static func batches(_ args: Arguments) throws -> Int? {
        try args.option("--batches").map { try RunCommands.positive($0, "--batches", args) }
    }

    /// `--seed N`: any whole number, 0 (the default) included.
    static func seed(_ args: Arguments) throws -> UInt64 {
        try args.option("--seed").map { text in
            guard let n = UInt64(text) else { throw args.usageError("--seed wants a whole number, not '\(text)'") }
            return n
        } ?? 0
    }
}
