import Foundation
import ScalpelCore
import ScalpelShell

// `scalpel-fuzz TARGET [libFuzzer arguments or input files…]`: one input at a time through the
// model loader (`loader`: bytes → load, shape inference, warnings, summary) or the command
// language (`commands`: up to 8 lines run on mini_resnet, file-writing commands left out).
// Built by scripts/fuzz with libFuzzer linked in, it fuzzes; built plainly (as the test build
// does), it replays the files it is given, so that a committed crash corpus stays fixed.

/// libFuzzer's entry point taking our callback, when libFuzzer is linked in.
typealias FuzzDriver = @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                                       @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// Loads a model from the bytes, infers its shapes, and renders what `summary` shows.
func loadModel(_ bytes: UnsafeRawBufferPointer) {
    guard let model = try? Model(serialized: Data(bytes), directory: nil) else { return }
    let shapes = ShapeInference.infer(model.graph)
    _ = model.warnings
    _ = ModelSummary(graph: model.graph, shapes: shapes)
}

/// Commands that touch files or run for long are not fuzzed: they would write anywhere on disk.
let skipped: Set<String> = ["save", "save-script", "graph", "source", "load", "run", "eval", "finetune", "quit", "critical"]

/// The session the command target starts every input from.
nonisolated(unsafe) var pristine: Session?

/// Runs up to 8 lines of the bytes as commands on a fresh copy of the session.
func runCommands(_ bytes: UnsafeRawBufferPointer) {
    guard var session = pristine else { return }
    var console: any Console = StringConsole()
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).prefix(8) {
        let first = line.split(separator: " ").first.map(String.init) ?? ""
        guard !skipped.contains(first), !line.contains("--data"), !line.contains("--plot") else { continue }
        _ = try? CommandRunner.run(String(line), session: &session, console: &console)
    }
}

nonisolated(unsafe) var target: (UnsafeRawBufferPointer) -> Void = loadModel

let callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32 = { data, count in
    target(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : count))
    return 0
}

var arguments = CommandLine.arguments
guard arguments.count >= 2, ["loader", "commands"].contains(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: scalpel-fuzz loader|commands [libFuzzer arguments | input files…]\n".utf8))
    exit(2)
}
if arguments[1] == "commands" {
    let model = ProcessInfo.processInfo.environment["SCALPEL_FUZZ_MODEL"] ?? "Tests/Fixtures/mini_resnet.onnx"
    pristine = try Session(loading: model)
    target = runCommands
}
arguments.remove(at: 1)
if let symbol = dlsym(nil, "LLVMFuzzerRunDriver") {  // RTLD_DEFAULT: the program and its libraries
    var argc = Int32(arguments.count)
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    let status = argv.withUnsafeMutableBufferPointer { buffer -> Int32 in
        var base = buffer.baseAddress!
        return unsafeBitCast(symbol, to: FuzzDriver.self)(&argc, &base, callback)
    }
    exit(status)
}
// No libFuzzer: replay every file given (folders: every file in them).
var replayed = 0
for path in arguments.dropFirst() {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
    let files = isDirectory.boolValue ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 } : [path]
    for file in files {
        guard let data = FileManager.default.contents(atPath: file) else { continue }
        data.withUnsafeBytes { target($0) }
        replayed += 1
    }
}
print("replayed \(replayed) input(s)")
