import Foundation
import ScalpelCore
import ScalpelData
import ScalpelEngine

/// Criteria measured by running the model over data: activation statistics and oracles.
struct DataCriteria {
    let engine: Engine
    let graph: Graph
    let dataset: Dataset
    let samples: Int
    let batchSize: Int
    /// The activation the criteria look at: the layer's output after its BatchNorm and nonlinearity.
    let observed: ValueID
    /// Whether a rectifier (Relu, or a Clip whose floor is 0 or more) lies between the layer and
    /// `observed`: only then does "never positive" mean dead.
    let rectified: Bool

    init(engine: Engine, graph: Graph, position: Int, dataset: Dataset, batches: Int?, batchSize: Int = 32) throws {
        self.engine = engine
        self.graph = graph
        self.dataset = dataset
        self.batchSize = batchSize
        self.samples = try Self.sampleCount(dataset, batches: batches, batchSize: batchSize)
        (observed, rectified) = Self.observedValue(after: graph.nodes[position], graph: graph)
    }

    /// How many samples the criteria read: `batches` batches, or the whole dataset.
    static func sampleCount(_ dataset: Dataset, batches: Int?, batchSize: Int) throws -> Int {
        let samples = min(dataset.count, batches.map { $0 * batchSize } ?? dataset.count)
        guard samples > 0 else { throw ScoringError("the dataset is empty") }
        return samples
    }

    /// Follows a layer's output through a single-reader chain of BatchNorm and activations; says
    /// whether the chain rectifies.
    static func observedValue(after node: Node, graph: Graph) -> (ValueID, rectified: Bool) {
        let chain: Set<String> = ["BatchNormalization", "Relu", "Clip", "LeakyRelu", "HardSwish", "Elu"]
        var v = node.outputs[0]
        var rectified = false
        while true {
            let readers = graph.nodes.filter { $0.inputs.contains(v) }
            guard readers.count == 1, chain.contains(readers[0].opType), !graph.outputs.contains(where: { $0.id == v }),
                  let next = readers[0].outputs.first else { return (v, rectified) }
            rectified = rectified || isRectifier(readers[0], graph: graph)
            v = next
        }
    }

    /// Relu, or a Clip whose lower bound (attribute `min`, or a constant second input) is at least 0.
    static func isRectifier(_ node: Node, graph: Graph) -> Bool {
        switch node.opType {
        case "Relu": return true
        case "Clip":
            if let floor = node.attribute("min")?.float { return floor >= 0 }
            guard let input = node.input(1) else { return false }
            let constant = graph.initializers[input]
                ?? graph.nodes.first { $0.opType == "Constant" && $0.outputs == [input] }?.attribute("value")?.tensor
            return constant?.floats?.first.map { $0 >= 0 } ?? false
        default: return false
        }
    }

    /// Runs every batch, handing the caller the input, the observed activation, the logits and
    /// the inputs to rerun the network after `restart` (by default the observed activation, which
    /// the caller replaces): the batch, every upstream value the rest of the network reads, and
    /// `restart` itself when it is another value.
    func forEachBatch(restartingAfter restart: ValueID? = nil,
                      _ body: (Range<Int>, Activation, Activation, [ValueID: Activation]) throws -> Void) throws {
        guard let input = engine.inputs.first, let output = graph.outputs.first?.id else { throw ScoringError("the model has no input or output") }
        let restart = restart ?? observed
        let frontier = engine.frontier(after: restart).union(restart == observed ? [] : [restart])
        try dataset.forEachBatch(upTo: samples, size: batchSize) { range, x in
            let out = try engine.run([input.id: x], keep: frontier.union([observed]))
            guard let a = out[observed], let y = out[output] else { throw ScoringError("the engine did not return '\(observed)'") }
            var rerun = [input.id: x]
            for v in frontier { rerun[v] = out[v] }
            try body(range, a, y, rerun)
        }
    }

    /// Mean activation, fraction active, and information gain, per channel.
    func activationStatistics(_ criterion: Criterion) throws -> ChannelScores {
        var statistics = ActivationStatistics()
        try forEachBatch { range, a, _, _ in statistics.add(a, labels: dataset.labels.map { Array($0[range]) }) }
        return try statistics.scores(criterion, rectified: rectified, samples: samples)
    }

    /// The activation statistics of many layers from one pass over the data: each layer's
    /// observed value is read as the engine computes it, so memory stays that of one forward
    /// pass (plus one activation) and the model runs once, not once per layer.
    static func activationStatistics(_ criterion: Criterion, positions: [Int], engine: Engine, graph: Graph, dataset: Dataset,
                                     batches: Int?, batchSize: Int = 32) throws -> [Int: ChannelScores] {
        guard let input = engine.inputs.first else { throw ScoringError("the model has no input") }
        let samples = try sampleCount(dataset, batches: batches, batchSize: batchSize)
        let observed = positions.map { observedValue(after: graph.nodes[$0], graph: graph) }
        var statistics = Dictionary(observed.map { ($0.0, ActivationStatistics()) }, uniquingKeysWith: { a, _ in a })
        try dataset.forEachBatch(upTo: samples, size: batchSize) { range, x in
            let labels = dataset.labels.map { Array($0[range]) }
            _ = try engine.run([input.id: x], observing: Set(statistics.keys)) { value, a in statistics[value]?.add(a, labels: labels) }
        }
        var scores: [Int: ChannelScores] = [:]
        for (position, (value, rectified)) in zip(positions, observed) {
            scores[position] = try statistics[value]?.scores(criterion, rectified: rectified, samples: samples)
        }
        return scores
    }

    /// |mean(a · ∂L/∂a)| per channel, with L the mean cross-entropy over the evaluated samples.
    func taylor() throws -> ChannelScores {
        guard let input = engine.inputs.first else { throw ScoringError("the model has no data input") }
        guard let labels = dataset.labels else { throw DataError.noLabels(purpose: "taylor") }
        var sums: [Double] = []
        var positions = 0
        try dataset.forEachBatch(upTo: samples, size: batchSize) { range, x in
            let (a, g, _) = try engine.gradient(of: observed, inputs: [input.id: x], labels: Array(labels[range]))
            let channels = a.shape[1], spatial = a.shape.dropFirst(2).reduce(1, *)
            if sums.isEmpty { sums = Array(repeating: 0, count: channels) }
            for n in 0..<range.count {
                for c in 0..<channels {
                    let base = (n * channels + c) * spatial
                    for i in base..<(base + spatial) { sums[c] += Double(a.values[i]) * Double(g.values[i]) }
                }
            }
            positions = spatial
        }
        // ∂(mean loss)/∂a is the summed-loss gradient over the sample count.
        let scale = 1 / (Double(samples) * Double(samples) * Double(max(1, positions)))
        return ChannelScores(criterion: .taylor, scores: sums.map { abs($0) * scale }, dead: [], perClassDrop: nil)
    }

    /// Cosine similarity of every pair of channels' activation maps over the data, the nearest
    /// channel of each, and clusters of near-duplicates.
    func redundancy(threshold: Double = 0.9) throws -> ChannelScores {
        var gram: [[Double]] = []
        try forEachBatch { range, a, _, _ in
            let channels = a.shape.count > 1 ? a.shape[1] : 1, spatial = a.shape.dropFirst(2).reduce(1, *)
            if gram.isEmpty { gram = Array(repeating: Array(repeating: 0, count: channels), count: channels) }
            for n in 0..<range.count {
                for i in 0..<channels {
                    let p = (n * channels + i) * spatial
                    for j in i..<channels {
                        let q = (n * channels + j) * spatial
                        var dot = 0.0
                        for s in 0..<spatial { dot += Double(a.values[p + s]) * Double(a.values[q + s]) }
                        gram[i][j] += dot
                    }
                }
            }
        }
        let c = gram.count
        func similarity(_ i: Int, _ j: Int) -> Double {
            let (a, b) = (min(i, j), max(i, j))
            let norm = (gram[a][a] * gram[b][b]).squareRoot()
            return norm > 0 ? gram[a][b] / norm : 0
        }
        let nearest: [(channel: Int, similarity: Double)] = (0..<c).map { i in
            let best = (0..<c).filter { $0 != i }.max { similarity(i, $0) < similarity(i, $1) } ?? i
            return (best, similarity(i, best))
        }
        // Single-linkage clusters: union channels whose similarity reaches the threshold.
        var parent = Array(0..<c)
        func root(_ i: Int) -> Int { var i = i; while parent[i] != i { i = parent[i] }; return i }
        for i in 0..<c { for j in (i + 1)..<max(i + 1, c) where similarity(i, j) >= threshold { parent[root(j)] = root(i) } }
        let clusters = Dictionary(grouping: 0..<c, by: root).values.filter { $0.count > 1 }.map { $0.sorted() }
            .sorted { ($0.count, -$0[0]) > ($1.count, -$1[0]) }
        var result = ChannelScores(criterion: .redundancy, scores: nearest.map { 1 - $0.similarity }, dead: [], perClassDrop: nil)
        result.nearest = nearest
        result.clusters = clusters
        return result
    }

    /// I(X; Y) in bits between a continuous X (binned into 10 equal-count bins) and labels Y.
    static func mutualInformation(_ x: [Double], _ y: [Int]) -> Double {
        let n = x.count
        guard n > 0 else { return 0 }
        let order = x.indices.sorted { x[$0] < x[$1] }
        var bin = [Int](repeating: 0, count: n)
        let bins = min(10, n)
        for (rank, i) in order.enumerated() { bin[i] = rank * bins / n }
        // Equal values share a bin, so a constant channel carries no information.
        for r in 1..<max(1, order.count) where x[order[r]] == x[order[r - 1]] { bin[order[r]] = bin[order[r - 1]] }
        var joint: [Int: [Int: Int]] = [:], px: [Int: Int] = [:], py: [Int: Int] = [:]
        for i in 0..<n {
            joint[bin[i], default: [:]][y[i], default: 0] += 1
            px[bin[i], default: 0] += 1
            py[y[i], default: 0] += 1
        }
        var mi = 0.0
        for (b, row) in joint {
            for (label, count) in row {
                let pxy = Double(count) / Double(n)
                mi += pxy * Foundation.log2(pxy / (Double(px[b]!) / Double(n) * Double(py[label]!) / Double(n)))
            }
        }
        return max(0, mi)
    }
}
