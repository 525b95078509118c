// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Scalpel",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "scalpel", targets: ["scalpel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Code generated from onnx.proto by scripts/gen-onnx-proto; never edited by hand.
        .target(
            name: "ONNXProto",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // Graph IR, ONNX import/export, shape inference.
        .target(
            name: "ScalpelCore",
            dependencies: ["ONNXProto", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // OpenBLAS's CBLAS, for GEMM.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", providers: [.apt(["libopenblas-dev"])]),
        // glibc's mallopt, to keep freed tensors' memory between batches.
        .systemLibrary(name: "CHeap", path: "Sources/CHeap"),
        // CPU kernels and the interpreter that runs a Graph.
        .target(name: "ScalpelEngine", dependencies: ["ScalpelCore", "CBLAS", "CHeap"]),
        // Command language, session and renderers.
        .target(name: "ScalpelShell", dependencies: ["ScalpelCore", "ScalpelEngine", "ScalpelData", "ScalpelScoring", "ScalpelTraining", "CLibEdit"]),
        // libedit (line editing, history) behind small C helpers, so Swift never touches C globals.
        .target(name: "CLibEdit", linkerSettings: [.linkedLibrary("edit")]),
        // The command-line entry point.
        .executableTarget(
            name: "scalpel",
            dependencies: ["ScalpelShell", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // In-process load/save timings for scripts/bench.
        .executableTarget(name: "scalpel-bench", dependencies: ["ScalpelCore", "ScalpelEngine", "ScalpelData", "ScalpelScoring", "ScalpelTraining", "ScalpelShell"],
                          path: "Sources/ScalpelBench"),
        // Fuzz targets (the loader, the command language): fuzzes when scripts/fuzz links libFuzzer, else replays inputs.
        .executableTarget(name: "scalpel-fuzz", dependencies: ["ONNXProto", "ScalpelCore", "ScalpelEngine", "ScalpelShell"], path: "Sources/ScalpelFuzz"),
        // Dataset files (npy, npz with its DEFLATE, MNIST IDX) and the datasets read from them.
        .target(name: "ScalpelData", dependencies: ["ScalpelCore"]),
        // Filter criteria and evaluation over data.
        .target(name: "ScalpelScoring", dependencies: ["ScalpelCore", "ScalpelEngine", "ScalpelData"]),
        // Fine-tuning: the training loop over a dataset, with validation.
        .target(name: "ScalpelTraining", dependencies: ["ScalpelCore", "ScalpelEngine", "ScalpelData", "ScalpelScoring"]),
        .testTarget(name: "ScalpelDataTests", dependencies: ["ScalpelData"], exclude: ["Fixtures"]),
        .testTarget(name: "ScalpelCoreTests", dependencies: ["ScalpelCore", "ONNXProto"]),
        .testTarget(name: "ScalpelShellTests", dependencies: ["ScalpelShell", "ScalpelData", "ScalpelScoring"]),
        .testTarget(name: "ScalpelEngineTests", dependencies: ["ScalpelEngine", "ScalpelData", "ScalpelScoring", "ScalpelTraining"]),
    ]
)
