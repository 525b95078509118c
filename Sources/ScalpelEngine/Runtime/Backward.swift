import Foundation
import ScalpelCore

/// Gradients of a classifier's cross-entropy by reverse-mode differentiation: with respect to
/// one activation (for scoring), or to every trainable parameter (for training).
extension Engine {
    /// The activation `value` for a batch, the gradient of the batch's summed cross-entropy
    /// against `labels` with respect to it, and that summed loss.
    public func gradient(of value: ValueID, inputs: [ValueID: Activation], labels: [Int]) throws
        -> (activation: Activation, gradient: Activation, loss: Double)
    {
        let downstream = Self.downstream(of: value, in: graph)
        let keep = Set(downstream.flatMap { $0.inputs + $0.outputs }.filter { !$0.isAbsent }).union([value])
        let values = try run(inputs, keep: keep)
        let (loss, seed) = try lossGradient(values, labels: labels)
        guard let a = values[value] else { throw EngineError.badInput("the gradient needs '\(value)'") }
        let shapes = shapes(for: inputs)
        let grads = try backpropagate(through: downstream, values: values, shapes: shapes, seed: seed,
                                      wanted: keep, parameters: [])
        return (a, Activation(shape: a.shape, values: grads[value] ?? Array(repeating: 0, count: a.count)), loss)
    }

    /// Walks `nodes` backwards from the gradients in `seed`, summing each value's gradient over
    /// its readers. Returns the gradients of the values in `wanted` and of `parameters`
    /// (initializers whose gradient the training step needs). `batchStatistics` spares
    /// training-mode BatchNorms computing their inputs' statistics again.
    func backpropagate(through nodes: [Node], values: [ValueID: Activation], shapes: ShapeInfo, seed: [ValueID: [Float]],
                       wanted: Set<ValueID>, parameters: Set<ValueID>,
                       batchStatistics: [ValueID: BatchStatistics] = [:]) throws -> [ValueID: [Float]] {
        var grads = seed
        func accumulate(_ v: ValueID, _ g: [Float]) {
            guard let slot = grads.index(forKey: v) else { grads[v] = g; return }
            // Added in place; the sum is copied only where another value still shares its storage.
            grads.values[slot].withUnsafeMutableBufferPointer { e in g.withUnsafeBufferPointer { d in for i in e.indices { e[i] += d[i] } } }
        }
        for node in nodes.reversed() {
            let outputGradients = node.outputs.map { grads[$0] }
            guard outputGradients.contains(where: { $0 != nil }) else { continue }
            let rule = BackwardRules(node: node, graph: graph, shapes: shapes, values: values, training: training,
                                     needsInputGradient: { wanted.contains($0) }, batchStatistics: batchStatistics)
            // Split is the one multi-output op whose outputs are all data; the others' later outputs carry no gradient.
            let inputGradients = node.opType == "Split"
                ? try rule.splitGradients(outputGradients) : try outputGradients[0].map { try rule.inputGradients($0) } ?? []
            for (input, dx) in inputGradients where wanted.contains(input) || parameters.contains(input) {
                accumulate(input, dx)
            }
            if let dy = outputGradients[0], node.inputs.contains(where: parameters.contains) {
                for (parameter, g) in try rule.parameterGradients(dy) where parameters.contains(parameter) { accumulate(parameter, g) }
            }
        }
        return grads
    }

    /// The values computed before `value` that the nodes after it read (a residual branch's
    /// input, for instance): with them given, rerunning from `value` needs nothing upstream.
    public func frontier(after value: ValueID) -> Set<ValueID> {
        let nodes = Self.downstream(of: value, in: graph)
        let produced = Set(nodes.flatMap(\.outputs))
        return Set(nodes.flatMap(\.inputs)).subtracting(produced).filter { v in
            !v.isAbsent && v != value && graph.initializers[v] == nil && !graph.nodes.contains { $0.opType == "Constant" && $0.outputs.contains(v) }
        }
    }

    /// The nodes whose result depends on `value`, in topological order.
    static func downstream(of value: ValueID, in graph: Graph) -> [Node] {
        downstream(of: [value], in: graph)
    }

    /// The nodes whose result depends on any of `values`, in topological order.
    static func downstream(of values: Set<ValueID>, in graph: Graph) -> [Node] {
        var reached = values
        var nodes: [Node] = []
        for node in graph.nodes where node.inputs.contains(where: reached.contains) {
            nodes.append(node)
            reached.formUnion(node.outputs)
        }
        return nodes
    }

    /// The summed cross-entropy of a batch's outputs (among `values`) against `labels`, and its
    /// gradient, keyed by the value it is seeded at (``ClassifierOutput/logits``).
    func lossGradient(_ values: [ValueID: Activation], labels: [Int]) throws -> (loss: Double, seed: [ValueID: [Float]]) {
        let kind = classifierOutput
        guard let output = values[kind.output], let logits = values[kind.logits] else {
            throw EngineError.badInput("the loss needs the model's output '\(kind.output)'")
        }
        let (loss, gradient) = try kind.lossGradient(output: output, logits: logits, labels: labels)
        return (loss, [kind.logits: gradient])
    }
}
