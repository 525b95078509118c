import Foundation
import ScalpelCore

/// `save FILE`: writes the current model atomically.
enum SaveCommand {
    static let spec = CommandSpec(
        name: "save",
        summary: "write the model atomically (temp file, fsync, rename); refuses to overwrite the file it was loaded from without `--force`",
        positionals: [Positional("FILE", .path)],
        options: [
            .flag("--force", "overwrite the file the model was loaded from"),
            .flag("--external-data", "keep tensors in a FILE.data file beside the model"),
            .flag("--inline", "keep every tensor inside the model file"),
        ],
        example: "save resnet18-pruned.onnx",
        run: { args, session, console in
            let path = try args.positionals(1, "the file to write")[0]
            let doc = try session.current()
            if !args.flag("--force"), sameFile(path, doc.path) {
                throw args.usageError("'\(path)' is the file the model was loaded from; add --force to overwrite it")
            }
            guard !(args.flag("--external-data") && args.flag("--inline")) else {
                throw args.usageError("--external-data and --inline exclude each other")
            }
            var options = SaveOptions()
            if args.flag("--external-data") { options.externalData = .always }
            if args.flag("--inline") { options.externalData = .never }
            let (model, chosen) = (doc.model, options)
            let message = "saved \(path) (\(doc.summary.rows.count) layers, \(Format.grouped(doc.summary.totalParameters)) parameters)"
            try session.write(path, message: message, console: &console) { try model.staged(to: path, options: chosen) }
            try session.modify { $0.markSaved() }
        })

    /// Whether two paths name the same file (after resolving links).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        func canonical(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
        return canonical(a) == canonical(b)
    }
}
