// The `--engine` part of scalpel-bench: times ScalpelEngine's inference on one batch (images/s,
// GFLOP/s) and, with --per-op, each node run alone in a one-node graph through the same public
// Engine, summed by op type, to show where the time goes. scripts/bench --part engine compares
// the result with ONNX Runtime and PyTorch.

import Foundation
import ScalpelCore
import ScalpelEngine

/// Settings of the engine benchmark.
struct EngineSettings {
    /// Batch size of the generated input (ignored with `input`).
    var batch = 8
    /// Height and width of the generated input (ignored with `input`).
    var size = 224
    /// Untimed runs before the timed ones (the first also builds the plan).
    var warmup = 3
    /// A float32 .npy (N×C×H×W) to run instead of a generated input.
    var input: String?
    /// Where to write the first graph output as .npy.
    var output: String?
    /// Whether to time every node alone and sum by op type.
    var perOp = false
    /// Timed runs of each node with --per-op.
    var opRepeat = 5
}

/// A float32 C-order .npy file: just enough of the format for the bench's input and output.
enum NPYFile {
    static func read(_ path: String) throws -> (shape: [Int], values: [Float]) {
        guard let data = FileManager.default.contents(atPath: path) else { throw BenchError(message: "cannot read '\(path)'") }
        let bytes = [UInt8](data)
        guard bytes.count > 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw BenchError(message: "'\(path)' is not a .npy file")
        }
        let major = bytes[6]
        let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        let start = major == 1 ? 10 : 12
        guard let header = String(bytes: bytes[start..<(start + headerLength)], encoding: .ascii) else {
            throw BenchError(message: "'\(path)': unreadable header")
        }
        guard header.contains("'<f4'"), header.contains("'fortran_order': False") else {
            throw BenchError(message: "'\(path)': only little-endian float32 in C order is supported (header \(header))")
        }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw BenchError(message: "'\(path)': no shape in header")
        }
        let shape = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = shape.reduce(1, *)
        let offset = start + headerLength
        guard bytes.count - offset >= count * 4 else { throw BenchError(message: "'\(path)': truncated data") }
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                _ = memcpy(buffer.baseAddress!, raw.baseAddress! + offset, count * 4)
            }
            initialized = count
        }
        return (shape, values)
    }

    static func write(_ values: [Float], shape: [Int], to path: String) throws {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        values.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: $0.count * 4)) }
        guard FileManager.default.createFile(atPath: path, contents: data) else { throw BenchError(message: "cannot write '\(path)'") }
    }
}

/// Deterministic pseudo-random floats in [-1, 1) (xorshift64*), for generated inputs.
func pseudoRandomFloats(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        let r = state &* 0x2545_F491_4F6C_DD1D
        return Float(r >> 40) / Float(1 << 23) - 1
    }
}

/// Multiply-accumulates per image of the convolutions and matrix products, from the concrete shapes.
func macs(of node: Node, _ shapes: ShapeInfo, batch: Int) -> Int {
    func shape(_ v: ValueID?) -> [Int]? { v.flatMap { shapes[$0].staticShape } }
    switch node.opType {
    case "Conv":
        guard let w = shape(node.input(1)), let y = shape(node.outputs.first), w.count >= 3, y.count >= 2 else { return 0 }
        return y.dropFirst().reduce(1, *) * w.dropFirst().reduce(1, *)
    case "ConvTranspose":
        guard let w = shape(node.input(1)), let x = shape(node.input(0)), w.count >= 3, x.count >= 2 else { return 0 }
        return x.dropFirst().reduce(1, *) * w.dropFirst().reduce(1, *)
    case "Gemm", "MatMul":
        guard let a = shape(node.input(0)), let y = shape(node.outputs.first), let k = a.last else { return 0 }
        let transA = node.opType == "Gemm" && node.int("transA", default: 0) != 0
        let inner = transA ? a[0] : k
        return y.reduce(1, *) * inner / max(1, batch)
    default:
        return 0
    }
}

/// The op type, with convolutions told apart by kind (depthwise, pointwise, K×K, strided), since
/// each takes a different kernel path in the engine.
func opCategory(_ node: Node, _ shapes: ShapeInfo) -> String {
    guard node.opType == "Conv", let w = node.input(1).flatMap({ shapes[$0].staticShape }), w.count == 4 else { return node.opType }
    let group = node.int("group", default: 1)
    let strides = node.ints("strides") ?? [1, 1]
    let stride = strides.allSatisfy { $0 == 1 } ? "" : " s\(strides[0])"
    if group > 1 && w[1] == 1 { return "Conv depthwise \(w[2])x\(w[3])\(stride)" }
    if group > 1 { return "Conv grouped \(w[2])x\(w[3])\(stride)" }
    return "Conv \(w[2])x\(w[3])\(stride)"
}

/// One node's timing in the per-op breakdown.
struct NodeTiming {
    var name: String
    var op: String
    var ms: Double
    var overheadMs: Double
    var macs: Int
}

/// Times `body` `n` times and returns the median in ms.
func medianTime(_ n: Int, _ body: () throws -> Void) rethrows -> Double {
    var samples: [Double] = []
    for _ in 0..<n { samples.append(try timed(body).1) }
    return median(samples)
}

/// Runs every non-constant node of `graph` alone (one-node graph, random activations for its
/// inputs, constants kept) through the public Engine and returns the median time of each, minus
/// the cost of copying its activations in and its outputs out, which Engine.run also pays.
func perNodeTimings(_ graph: Graph, _ concrete: ShapeInfo, batch: Int, repeatCount: Int) throws -> ([NodeTiming], [String]) {
    guard let template = graph.inputs.first else { return ([], []) }
    var timings: [NodeTiming] = []
    var skipped: [String] = []
    func isConstant(_ v: ValueID) -> Bool {
        graph.initializers[v] != nil || concrete.constants[v] != nil || concrete.folded[v] != nil
    }
    for node in graph.nodes {
        let outputs = node.outputs.filter { !$0.isAbsent }
        if outputs.allSatisfy(isConstant) { continue }
        var sub = graph
        sub.nodes = [node]
        sub.valueInfo = []
        var initializers: [ValueID: Tensor] = [:]
        var order: [ValueID] = []
        var inputs: [ValueInfo] = []
        var feed: [ValueID: Activation] = [:]
        var ok = true
        for v in Set(node.inputs) where !v.isAbsent {
            if let t = graph.initializers[v] ?? concrete.constants[v] {
                initializers[v] = t
                order.append(v)
            } else if let f = concrete.folded[v], let ints = f.integers {
                initializers[v] = Tensor(int64s: ints.map(Int64.init), shape: f.shape)
                order.append(v)
            } else if let s = concrete[v].staticShape, concrete[v].elementType == .float32 || concrete[v].elementType == nil {
                var info = template
                info.id = v
                info.declaredType = ValueType(.float32, s)
                inputs.append(info)
                feed[v] = Activation(shape: s, values: pseudoRandomFloats(s.reduce(1, *), seed: UInt64(timings.count + 1) &* 0x9E37_79B9))
            } else {
                ok = false
            }
        }
        guard ok, !feed.isEmpty else { skipped.append("\(graph.displayName(of: node)) (\(node.opType))"); continue }
        sub.initializers = initializers
        sub.initializerOrder = order
        sub.inputs = inputs
        sub.outputs = outputs.map { v in
            var info = template
            info.id = v
            info.declaredType = concrete[v].staticShape.map { ValueType(.float32, $0) }
            return info
        }
        let engine: Engine
        do {
            engine = try Engine(graph: sub, shapes: ShapeInference.infer(sub))
            _ = try engine.run(feed)  // plan, weights
        } catch {
            skipped.append("\(graph.displayName(of: node)) (\(node.opType)): \(error)")
            continue
        }
        let ms = try medianTime(repeatCount) { _ = try engine.run(feed) }
        // What Engine.run costs besides the kernel: inputs copied in, outputs copied out to new arrays.
        let inCount = feed.values.reduce(0) { $0 + $1.count }
        let outCount = outputs.reduce(0) { $0 + (concrete[$1].staticShape?.reduce(1, *) ?? 0) }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(1, max(inCount, outCount)))
        scratch.initialize(repeating: 0, count: max(1, max(inCount, outCount)))
        defer { scratch.deallocate() }
        let overhead = medianTime(repeatCount) {
            var offset = 0
            for a in feed.values {
                a.values.withUnsafeBufferPointer { scratch.advanced(by: offset).update(from: $0.baseAddress!, count: a.count) }
                offset += a.count
            }
            let copy = Array(UnsafeBufferPointer(start: scratch, count: outCount))
            withExtendedLifetime(copy) {}
        }
        timings.append(NodeTiming(name: graph.displayName(of: node), op: opCategory(node, concrete), ms: max(0, ms - overhead),
                                  overheadMs: overhead, macs: macs(of: node, concrete, batch: batch) * batch))
    }
    return (timings, skipped)
}

/// Times the engine on one batch and prints one JSON object.
func runEngine(_ options: Options) throws {
    let s = options.engine
    let (model, loadMs) = try timed { try Model.load(path: options.model) }
    let graph = model.graph
    guard let input = graph.dataInputs.first else { throw BenchError(message: "the model has no data input") }
    let shape: [Int]
    let values: [Float]
    if let path = s.input {
        (shape, values) = try NPYFile.read(path)
    } else {
        let channels = input.declaredType?.dims?.dropFirst().first?.value ?? 3
        shape = [s.batch, channels, s.size, s.size]
        values = pseudoRandomFloats(shape.reduce(1, *))
    }
    let batch = shape.first ?? 1
    let shapes = ShapeInference.infer(graph)
    let (engine, engineMs) = try timed { try Engine(graph: graph, shapes: shapes) }
    let feed = [input.id: Activation(shape: shape, values: values)]
    let (first, firstMs) = try timed { try engine.run(feed) }
    for _ in 1..<max(1, s.warmup) { _ = try engine.run(feed) }
    var samples: [Double] = []
    for _ in 0..<options.repeatCount { samples.append(try timed { _ = try engine.run(feed) }.1) }

    if let out = s.output, let id = graph.outputs.first?.id, let y = first[id] {
        try NPYFile.write(y.values, shape: y.shape, to: out)
    }

    let concrete = ShapeInference.infer(graph, inputs: [input.id: ValueType(.float32, shape)])
    let macsPerImage = graph.nodes.reduce(0) { $0 + macs(of: $1, concrete, batch: batch) }
    let med = median(samples), best = samples.min()!
    let flopsPerBatch = 2.0 * Double(macsPerImage) * Double(batch)
    var json = "{\"model\": \(jsonString(options.model)), \"input_shape\": \(shape), \"batch\": \(batch), "
        + "\"cores\": \(ProcessInfo.processInfo.activeProcessorCount), "
        + "\"openblas_threads\": \(jsonString(ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "")), "
        + "\"repeat\": \(options.repeatCount), \"warmup\": \(max(1, s.warmup)), "
        + "\"load_ms\": \(String(format: "%.2f", loadMs)), \"engine_init_ms\": \(String(format: "%.2f", engineMs)), "
        + "\"first_run_ms\": \(String(format: "%.2f", firstMs)), "
        + "\"samples_ms\": [\(samples.map { String(format: "%.3f", $0) }.joined(separator: ", "))], "
        + "\"median_ms\": \(String(format: "%.3f", med)), \"min_ms\": \(String(format: "%.3f", best)), "
        + "\"images_per_s\": \(String(format: "%.3f", Double(batch) / (med / 1e3))), "
        + "\"macs_per_image\": \(macsPerImage), "
        + "\"gflops\": \(String(format: "%.3f", flopsPerBatch / (med / 1e3) / 1e9))"

    if s.perOp {
        let (nodes, skipped) = try perNodeTimings(graph, concrete, batch: batch, repeatCount: s.opRepeat)
        var byOp: [String: (count: Int, ms: Double, macs: Int, overhead: Double)] = [:]
        for t in nodes {
            var e = byOp[t.op] ?? (0, 0, 0, 0)
            e.count += 1
            e.ms += t.ms
            e.macs += t.macs
            e.overhead += t.overheadMs
            byOp[t.op] = e
        }
        let ops = byOp.sorted { $0.value.ms > $1.value.ms }.map { op, e in
            "{\"op\": \(jsonString(op)), \"nodes\": \(e.count), \"ms\": \(String(format: "%.3f", e.ms)), "
                + "\"copy_overhead_ms\": \(String(format: "%.3f", e.overhead)), \"macs\": \(e.macs), "
                + "\"gflops\": \(e.macs > 0 && e.ms > 0 ? String(format: "%.3f", 2 * Double(e.macs) / (e.ms / 1e3) / 1e9) : "null")}"
        }
        let top = nodes.sorted { $0.ms > $1.ms }.map { t in
            "{\"node\": \(jsonString(t.name)), \"op\": \(jsonString(t.op)), \"ms\": \(String(format: "%.3f", t.ms)), "
                + "\"macs\": \(t.macs), "
                + "\"gflops\": \(t.macs > 0 && t.ms > 0 ? String(format: "%.3f", 2 * Double(t.macs) / (t.ms / 1e3) / 1e9) : "null")}"
        }
        json += ", \"per_op\": {\"op_repeat\": \(s.opRepeat), \"sum_ms\": \(String(format: "%.3f", nodes.reduce(0) { $0 + $1.ms })), "
            + "\"by_op\": [\(ops.joined(separator: ", "))], \"nodes\": [\(top.joined(separator: ", "))], "
            + "\"skipped\": [\(skipped.map(jsonString).joined(separator: ", "))]}"
    }
    print(json + "}")
}
