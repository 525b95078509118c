import Foundation
import ScalpelCore

/// What a classifier's output holds — raw scores, probabilities or log-probabilities — read
/// from the op that computes it, so that its cross-entropy is the model's true loss.
public struct ClassifierOutput: Sendable, Equatable {
    /// The three things an N × classes output can be.
    public enum Kind: String, Sendable {
        /// Unnormalised scores: the loss takes their softmax.
        case logits
        /// A Softmax's output: the loss is −log p(label).
        case probabilities
        /// A LogSoftmax's output: the loss is −output(label).
        case logProbabilities = "log-probabilities"
    }

    /// What the output holds.
    public let kind: Kind
    /// The Softmax or LogSoftmax input (the logits) when the output is normalised, else the output.
    /// The loss gradient is seeded there as softmax − one-hot, which is exact and never divides by p.
    public let logits: ValueID
    /// The graph output.
    public let output: ValueID

    /// Ops between the normaliser and the output that keep every value and its order.
    static let valueKeeping: Set<String> = ["Identity", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Cast", "Dropout"]

    /// Reads the kind of `graph`'s first output: a Softmax or LogSoftmax over the class axis (the
    /// last non-unit one of its input), seen through ops that keep values, makes probabilities or
    /// log-probabilities.
    public init(graph: Graph, shapes: ShapeInfo) {
        output = graph.outputs.first?.id ?? .absent
        (kind, logits) = Self.normaliser(of: output, graph: graph, shapes: shapes) ?? (.logits, output)
    }

    /// The kind a normalising op makes of `output`, and that op's input.
    private static func normaliser(of output: ValueID, graph: Graph, shapes: ShapeInfo) -> (Kind, ValueID)? {
        let producers = Dictionary(graph.nodes.flatMap { node in node.outputs.map { ($0, node) } }, uniquingKeysWith: { a, _ in a })
        var value = output
        while let node = producers[value], valueKeeping.contains(node.opType), let input = node.inputs.first {
            value = input
        }
        guard let node = producers[value], node.opType == "Softmax" || node.opType == "LogSoftmax", let input = node.inputs.first,
              let dims = shapes[input].dims, let classes = shapes[output].dims?.last else { return nil }
        // Without an axis attribute the default differs by opset (1 before 13, −1 after); both
        // name the class axis of an N × classes input.
        guard let axis = node.attribute("axis")?.int ?? (dims.count == 2 ? 1 : nil) else { return nil }
        let a = axis < 0 ? axis + dims.count : axis
        guard a >= 0, a < dims.count, dims[a] == classes, dims[(a + 1)...].allSatisfy({ $0 == .value(1) }) else { return nil }
        return (node.opType == "Softmax" ? .probabilities : .logProbabilities, input)
    }

    /// The cross-entropy of one sample's outputs against its label: −log softmax for logits,
    /// −log p (p floored at the smallest normal float, so a zero probability costs about 87)
    /// for probabilities, −output for log-probabilities.
    public func loss<S: Collection<Float>>(_ row: S, _ label: Int) -> Double {
        let picked = Double(row[row.index(row.startIndex, offsetBy: label)])
        switch kind {
        case .logits:
            let m = Double(row.max() ?? 0)
            let sum = row.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) }
            return -(picked - m - Foundation.log(sum))
        case .probabilities:
            return -Foundation.log(Swift.max(picked, Double(Float.leastNormalMagnitude)))
        case .logProbabilities:
            return -picked
        }
    }

    /// Summed cross-entropy of an N × classes batch of outputs, and its gradient with respect to
    /// ``logits`` (softmax of the logits − one-hot; the values between keep their order).
    func lossGradient(output values: Activation, logits: Activation, labels: [Int]) throws -> (loss: Double, gradient: [Float]) {
        guard values.shape.count == 2, values.shape[0] == labels.count, logits.count == values.count else {
            throw EngineError.badInput("the loss needs N × classes outputs and one label per sample")
        }
        let classes = values.shape[1]
        var grad = [Float](repeating: 0, count: values.count)
        var loss = 0.0
        for (n, label) in labels.enumerated() {
            guard label >= 0, label < classes else { throw EngineError.badInput("label \(label) is out of range for \(classes) classes") }
            loss += self.loss(values.values[(n * classes)..<((n + 1) * classes)], label)
            let row = logits.values[(n * classes)..<((n + 1) * classes)]
            let m = Double(row.max() ?? 0)
            let exps = row.map { Foundation.exp(Double($0) - m) }
            let sum = exps.reduce(0, +)
            for c in 0..<classes { grad[n * classes + c] = Float(exps[c] / sum - (c == label ? 1 : 0)) }
        }
        return (loss, grad)
    }
}
