import ScalpelCore
import ScalpelData
import ScalpelEngine

/// The oracle criteria (oracle-loss, oracle-accuracy, class): every channel's true effect,
/// by rerunning the network after the layer with the channel removed.
extension DataCriteria {
    /// Images one oracle rerun may hold: the batch is repeated once per channel removed, so
    /// several channels share one run of the network after the layer.
    static let rerunImages = 128

    /// The loss and accuracy effect of removing each channel, from the cached activation: only
    /// the network after the layer reruns, for several channels at once. Where the activation's
    /// one reader is a convolution, that convolution's cached output less the channel's
    /// contribution stands in for it, and only the network after it reruns.
    func oracle(_ criterion: Criterion) throws -> ChannelScores {
        guard let labels = dataset.labels else { throw DataError.noLabels(purpose: criterion.rawValue) }
        var lossDelta: [Double] = [], correctDelta: [Double] = [], classDelta: [[Double]] = [], classLossDelta: [[Double]] = []
        var classCount: [Double] = []
        let reader = linearReader()
        try forEachBatch(restartingAfter: reader?.output) { range, a, y, inputs in
            let channels = a.shape[1], spatial = a.shape.dropFirst(2).reduce(1, *), classes = y.shape[1]
            if lossDelta.isEmpty {
                (lossDelta, correctDelta) = (Array(repeating: 0, count: channels), Array(repeating: 0, count: channels))
                classDelta = Array(repeating: Array(repeating: 0, count: classes), count: channels)
                classLossDelta = classDelta
                classCount = Array(repeating: 0, count: classes)
            }
            let batchLabels = Array(labels[range])
            let base = score(y, labels: batchLabels)
            for label in batchLabels where label < classes { classCount[label] += 1 }
            // The reader's cached output (one of `inputs`) and how to take a channel out of it.
            let shortcut = try reader.map { reader in
                guard let removal = InputChannelRemoval(node: reader.conv, graph: graph, input: a.shape, output: inputs[reader.output]?.shape ?? [])
                else { throw ScoringError("'\(reader.conv.name)' did not give an output that its input channels can be taken out of") }
                return (removal: removal, output: reader.output)
            }
            let perRun = max(1, min(channels, Self.rerunImages / range.count))
            for first in stride(from: 0, to: channels, by: perRun) {
                let removed = first..<min(channels, first + perRun)
                var feed = inputs.mapValues { $0.shape.first == range.count ? $0.repeated(removed.count) : $0 }
                if let shortcut, var output = feed[shortcut.output] {
                    let perCopy = output.count / removed.count
                    a.values.withUnsafeBufferPointer { ap in
                        output.values.withUnsafeMutableBufferPointer { op in
                            for (copy, k) in removed.enumerated() {
                                shortcut.removal.subtract(channel: k, of: ap.baseAddress!, from: op.baseAddress! + copy * perCopy, images: range.count)
                            }
                        }
                    }
                    feed[shortcut.output] = output
                } else {
                    var masked = a.repeated(removed.count)
                    for (copy, k) in removed.enumerated() {
                        for n in 0..<range.count {
                            let start = ((copy * range.count + n) * channels + k) * spatial
                            masked.values.replaceSubrange(start..<(start + spatial), with: repeatElement(0, count: spatial))
                        }
                    }
                    feed[observed] = masked
                }
                guard let out = try engine.run(feed)[graph.outputs[0].id] else { continue }
                for (copy, k) in removed.enumerated() {
                    let rows = (copy * range.count * classes)..<((copy + 1) * range.count * classes)
                    let cut = score(Activation(shape: [range.count, classes], values: Array(out.values[rows])), labels: batchLabels)
                    lossDelta[k] += cut.loss - base.loss
                    correctDelta[k] += Double(base.correct.filter { $0 }.count - cut.correct.filter { $0 }.count)
                    for (n, label) in batchLabels.enumerated() where label < classes {
                        classDelta[k][label] += (base.correct[n] ? 1 : 0) - (cut.correct[n] ? 1 : 0)
                        classLossDelta[k][label] += cut.losses[n] - base.losses[n]
                    }
                }
            }
        }
        func perClassMean(_ sums: [[Double]]) -> [[Double]] {
            sums.map { row in row.indices.map { classCount[$0] > 0 ? row[$0] / classCount[$0] : 0 } }
        }
        let perClass = perClassMean(classDelta), perClassLoss = perClassMean(classLossDelta)
        let scores: [Double] = switch criterion {
        case .oracleLoss: lossDelta.map { $0 / Double(samples) }
        case .oracleAccuracy: correctDelta.map { $0 / Double(samples) }
        default: perClassLoss.map { $0.reduce(0, +) }
        }
        var result = ChannelScores(criterion: criterion, scores: scores, dead: [], perClassDrop: perClass)
        result.perClassLossIncrease = perClassLoss
        return result
    }

    /// The observed activation's only reader, with its output, when it is a convolution whose
    /// input channels' contributions can be taken out of its output (``InputChannelRemoval``).
    private func linearReader() -> (conv: Node, output: ValueID)? {
        let readers = graph.nodes.filter { $0.inputs.contains(observed) }
        guard readers.count == 1, let conv = readers.first, conv.inputs.first == observed, !conv.inputs.dropFirst().contains(observed),
              let output = conv.outputs.first, !graph.outputs.contains(where: { $0.id == observed || $0.id == output }),
              InputChannelRemoval.applies(to: conv, graph: graph) else { return nil }
        return (conv, output)
    }

    /// Summed and per-sample cross-entropy and per-sample top-1 correctness of a batch of the model's outputs.
    func score(_ logits: Activation, labels: [Int]) -> (loss: Double, losses: [Double], correct: [Bool]) {
        let classes = logits.shape[1]
        var losses: [Double] = []
        var correct: [Bool] = []
        for (n, label) in labels.enumerated() {
            let row = Array(logits.values[(n * classes)..<((n + 1) * classes)])
            losses.append(engine.classifierOutput.loss(row, min(label, classes - 1)))
            correct.append(row.indices.max { row[$0] < row[$1] } == label)
        }
        return (losses.reduce(0, +), losses, correct)
    }
}

private extension Activation {
    /// The activation stacked `times` times along its first (batch) axis.
    func repeated(_ times: Int) -> Activation {
        guard times > 1 else { return self }
        var stacked: [Float] = []
        stacked.reserveCapacity(values.count * times)
        for _ in 0..<times { stacked.append(contentsOf: values) }
        return Activation(shape: [shape[0] * times] + shape.dropFirst(), values: stacked)
    }
}
