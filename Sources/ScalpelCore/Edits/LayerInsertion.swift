import Foundation

/// Inserting and replacing layers. New layers get weights that keep the model's function where
/// that is possible (BatchNormalization as identity, a Conv as identity when in = out and its
/// geometry keeps the size) and He initialisation otherwise; the returned message says which.
extension Graph {
    /// Where a new layer goes relative to an existing one.
    public enum Placement: Sendable {
        /// On the layer's output: every consumer reads the new layer instead.
        case after
        /// On the layer's data input, for that layer only.
        case before
    }

    /// Inserts a layer next to the layer at `position`.
    public mutating func insert(_ spec: LayerSpec, _ placement: Placement, layerAt position: Int, shapes: ShapeInfo) throws -> String {
        let anchor = nodes[position]
        let label = "'\(displayName(of: anchor))'"
        switch placement {
        case .after:
            guard let v = anchor.outputs.first, !v.isAbsent else { throw CoreError.editRefused("\(label) has no output") }
            let fresh = uniqueValueName(v.name + "_scalpel")
            let isOutput = outputs.contains { $0.id == v }
            // A model output keeps its name: the anchor's output is renamed and the new layer produces it.
            let (input, output) = isOutput ? (fresh, v) : (v, fresh)
            let (node, note) = try build(spec, input: input, output: output, channels: channels(of: v, shapes), spatialRank: spatialRank(of: v, shapes), near: anchor)
            if isOutput {
                nodes[position].outputs = anchor.outputs.map { $0 == v ? fresh : $0 }
            } else {
                for i in nodes.indices { nodes[i].inputs = nodes[i].inputs.map { $0 == v ? fresh : $0 } }
            }
            nodes.insert(node, at: position + 1)
            return "inserted \(spec) after \(label); \(note)"
        case .before:
            guard let u = dataInput(of: anchor, shapes) else { throw CoreError.editRefused("\(label) has no single data input to insert before") }
            let fresh = uniqueValueName(u.name + "_scalpel")
            let (node, note) = try build(spec, input: u, output: fresh, channels: channels(of: u, shapes), spatialRank: spatialRank(of: u, shapes), near: anchor)
            nodes[position].inputs = anchor.inputs.map { $0 == u ? fresh : $0 }
            nodes.insert(node, at: position)
            return "inserted \(spec) before \(label); \(note)"
        }
    }

    /// Replaces the layer at `position` by a new one reading its data input and producing its output.
    public mutating func replace(layerAt position: Int, with spec: LayerSpec, shapes: ShapeInfo) throws -> String {
        let old = nodes[position]
        guard let u = dataInput(of: old, shapes), let v = old.outputs.first else {
            throw CoreError.editRefused("'\(displayName(of: old))' needs one data input and an output to be replaced")
        }
        let (node, note) = try build(spec, input: u, output: v, channels: channels(of: u, shapes), spatialRank: spatialRank(of: u, shapes), near: old)
        nodes[position] = node
        removeDeadConstants(among: old.inputs.filter { $0 != u })
        return "replaced '\(displayName(of: old))' (\(old.opType)) with \(spec); \(note)"
    }

    private func dataInput(of node: Node, _ shapes: ShapeInfo) -> ValueID? {
        let data = node.inputs.filter { !$0.isAbsent && initializers[$0] == nil && shapes.constants[$0] == nil }
        return data.count == 1 ? data[0] : nil
    }

    private func channels(of v: ValueID, _ shapes: ShapeInfo) -> Int? {
        guard let dims = shapes[v].dims, dims.count >= 2, let c = dims[1].value, c >= 0 else { return nil }
        return c
    }

    /// The number of spatial axes of a value (2 for N×C×H×W, 1 for N×C×L, 0 for N×F); 2 when unknown.
    private func spatialRank(of v: ValueID, _ shapes: ShapeInfo) -> Int {
        guard let dims = shapes[v].dims else { return 2 }
        return max(0, dims.count - 2)
    }

    /// The new node, its initializers added to the graph, and a note on how its weights were set.
    private mutating func build(_ spec: LayerSpec, input: ValueID, output: ValueID, channels: Int?, spatialRank: Int,
                                near anchor: Node) throws -> (Node, String) {
        // Windows (kernel, pads, strides) have one entry per spatial axis, pads two.
        func each(_ v: Int) -> [Int] { Array(repeating: v, count: spatialRank) }
        if spatialRank == 0, ["Conv", "MaxPool", "AveragePool"].contains(spec.opType) {
            throw CoreError.editRefused("\(spec.opType) slides over spatial axes, and its input here, next to '\(displayName(of: anchor))', is N×features with none")
        }
        let name = uniqueNodeName(LayerResolver.scope(of: anchor) + spec.opType.lowercased())
        let id = NodeID(nextNodeID)
        nextNodeID += 1
        var inputs = [input]
        var attributes: [Attribute] = []
        var note = "no weights"
        func weight(_ suffix: String, _ tensor: Tensor) {
            let v = uniqueValueName(name + "." + suffix)
            addInitializer(v, tensor)
            inputs.append(v)
        }
        switch spec.opType {
        case "LeakyRelu", "Elu":
            attributes = [.float("alpha", Float(spec.settings["alpha"] ?? (spec.opType == "Elu" ? 1 : 0.01)))]
        case "Clip":
            if spec.settings["min"] != nil || spec.settings["max"] != nil {
                weight("min", Tensor(floats: [Float(spec.settings["min"] ?? -Double(Float.greatestFiniteMagnitude))], shape: []))
                weight("max", Tensor(floats: [Float(spec.settings["max"] ?? Double(Float.greatestFiniteMagnitude))], shape: []))
            }
        case "Dropout":
            if let ratio = spec.settings["ratio"] {
                guard ratio >= 0, ratio < 1 else { throw CoreError.editRefused("Dropout ratio must be in [0, 1), not \(ratio)") }
                weight("ratio", Tensor(floats: [Float(ratio)], shape: []))
            }
            note = "inference ignores it"
        case "BatchNormalization":
            guard let c = channels else { throw CoreError.editRefused("the input's channel count is unknown") }
            guard c <= SizeLimit.insertedWeights else {
                throw CoreError.editRefused("BatchNormalization on \(c) channels would hold more than \(SizeLimit.insertedWeights) weights per parameter")
            }
            attributes = [.float("epsilon", Float(spec.settings["eps"] ?? 1e-5))]
            let eps = Float(spec.settings["eps"] ?? 1e-5)
            weight("weight", Tensor(floats: Array(repeating: 1, count: c), shape: [c]))
            weight("bias", Tensor(floats: Array(repeating: 0, count: c), shape: [c]))
            weight("running_mean", Tensor(floats: Array(repeating: 0, count: c), shape: [c]))
            weight("running_var", Tensor(floats: Array(repeating: 1 - eps, count: c), shape: [c]))
            note = "set as identity (scale 1, shift 0, mean 0, variance 1 − eps)"
        case "Conv":
            guard let c = channels else { throw CoreError.editRefused("the input's channel count is unknown") }
            let out = spec.int("out", c), k = spec.int("kernel", 1), pad = spec.int("pad", 0)
            let stride = spec.int("stride", 1), group = spec.int("group", 1)
            guard out > 0, k > 0, pad >= 0, stride > 0, group > 0, c % group == 0, out % group == 0 else {
                throw CoreError.editRefused("Conv out=\(out) kernel=\(k) pad=\(pad) stride=\(stride) group=\(group) does not fit \(c) input channels")
            }
            attributes = [.ints("kernel_shape", each(k)), .ints("pads", each(pad) + each(pad)), .ints("strides", each(stride)),
                          .int("group", group)]
            let perGroup = c / group
            guard let taps = SizeLimit.count(each(k)), let count = SizeLimit.count([out, perGroup, taps]), count <= SizeLimit.insertedWeights else {
                throw CoreError.editRefused("Conv out=\(out) kernel=\(k) on \(c) input channels would hold more than \(SizeLimit.insertedWeights) weights")
            }
            var w = [Float](repeating: 0, count: count)
            if out == c, group == 1, stride == 1, k % 2 == 1, pad == k / 2 {
                // The centre tap of filter i's input channel i: offset (k/2) along every spatial axis.
                let centre = each(k / 2).reduce(0) { $0 * k + $1 }
                for i in 0..<out { w[(i * perGroup + i) * taps + centre] = 1 }
                note = "set as identity (in = out = \(c), the size kept)"
            } else {
                var rng = SeededRandom(seed: UInt64(truncatingIfNeeded: name.hashValueStable))
                let std = (2.0 / Double(perGroup * taps)).squareRoot()
                for i in w.indices { w[i] = Float(rng.normal() * std) }
                note = "He-initialised (std \(String(format: "%.3g", std))): it changes the function; fine-tune to recover"
            }
            weight("weight", Tensor(floats: w, shape: [out, perGroup] + each(k)))
            weight("bias", Tensor(floats: Array(repeating: 0, count: out), shape: [out]))
        case "MaxPool", "AveragePool":
            let k = spec.int("kernel", 2), pad = spec.int("pad", 0)
            attributes = [.ints("kernel_shape", each(k)), .ints("pads", each(pad) + each(pad)), .ints("strides", each(spec.int("stride", k)))]
        default:
            break
        }
        return (Node(id: id, name: name, opType: spec.opType, inputs: inputs, outputs: [output], attributes: attributes), note)
    }

    /// A node name not yet used in the graph, built from `base`.
    func uniqueNodeName(_ base: String) -> String {
        let used = Set(nodes.map(\.name))
        var candidate = base, n = 1
        while used.contains(candidate) {
            candidate = "\(base)_\(n)"
            n += 1
        }
        return candidate
    }
}
