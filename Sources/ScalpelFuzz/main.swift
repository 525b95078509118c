import Foundation
import ONNXProto
import ScalpelShell

// `scalpel-fuzz TARGET [libFuzzer arguments or input files…]`: one input at a time through the
// model loader (`loader`: bytes → load, shape inference, warnings, summary), the command
// language (`commands`: up to 8 lines run on mini_resnet, file-writing commands left out), or
// structure-aware mutations of real models from several exporters (`models`: ModelMutator, then
// load, edits and an engine run). Built by scripts/fuzz with libFuzzer linked in, it fuzzes;
// built plainly (as the test build does), it replays the files it is given, so that a committed
// crash corpus stays fixed.

/// libFuzzer's entry point taking our callback, when libFuzzer is linked in.
typealias FuzzDriver = @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                                       @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// The real models `models` mutates: one per exporter and op family the fixtures cover.
let seedFiles = ["Tests/Fixtures/mini_resnet.onnx", "Tests/Fixtures/mobilenetv2_block.onnx", "Tests/Fixtures/yolo_block.onnx",
                 "Tests/Fixtures/attention_block.onnx", "Tests/Fixtures/layout_zoo.onnx", "Tests/Fixtures/rearrange_zoo.onnx",
                 "Tests/Fixtures/reduction_zoo.onnx", "Tests/Fixtures/einsum_zoo.onnx", "Tests/Fixtures/normalization_zoo.onnx",
                 "Tests/Fixtures/math_zoo.onnx", "Tests/Fixtures/predicate_zoo.onnx", "Tests/Fixtures/pad_modes_zoo.onnx",
                 "Tests/Fixtures/shape_read_cnn.onnx", "Tests/Fixtures/mobilenet_v3_slim.onnx", "Tests/Fixtures/shuffle_block.onnx",
                 "Tests/Fixtures/exporters/paddle_cnn.onnx", "Tests/Fixtures/keras/digits_keras.onnx", "Tests/Fixtures/keras/conv1d_keras.onnx"]

nonisolated(unsafe) var target: (UnsafeRawBufferPointer) -> Void = loadModel

let callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32 = { data, count in
    target(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : count))
    return 0
}

var arguments = CommandLine.arguments
guard arguments.count >= 2, ["loader", "commands", "models"].contains(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: scalpel-fuzz loader|commands|models [libFuzzer arguments | input files…]\n".utf8))
    exit(2)
}
switch arguments[1] {
case "commands":
    let model = ProcessInfo.processInfo.environment["SCALPEL_FUZZ_MODEL"] ?? "Tests/Fixtures/mini_resnet.onnx"
    pristine = try Session(loading: model)
    target = runCommands
case "models":
    seedModels = try seedFiles.map { try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: $0))) }
    target = mutateModel
default: break
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
try? FileManager.default.removeItem(atPath: mutantPath)
print("replayed \(replayed) input(s)")
