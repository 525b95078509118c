import Foundation
import ScalpelCore

/// Runs a graph on the CPU in float32: plans the nodes once per input shape (folding BatchNorm
/// into convolutions, reusing buffers), then runs the plan for each batch.
public final class Engine: @unchecked Sendable {
    /// The graph it runs, with the parameters a training engine was last given.
    public private(set) var graph: Graph
    /// Whether BatchNormalization normalises by batch statistics (training mode) instead of its running ones.
    let training: Bool
    /// What the model's output holds (logits, probabilities, log-probabilities): the loss follows it.
    public let classifierOutput: ClassifierOutput
    private let declared: ShapeInfo
    private let constants = ConstantPool()
    private var plans: [String: (Plan, Workspace)] = [:]
    private var recent: [String] = []
    private var inferred: [String: ShapeInfo] = [:]
    private let lock = NSLock()

    /// An engine for a graph; throws ``EngineError/unsupported(op:node:detail:)`` naming the
    /// first op without a kernel. A training engine folds nothing and normalises BatchNormalization
    /// by each batch's statistics, as frameworks do in training mode.
    public init(graph: Graph, shapes: ShapeInfo, training: Bool = false) throws {
        self.graph = graph
        self.training = training
        self.declared = shapes
        self.classifierOutput = ClassifierOutput(graph: graph, shapes: shapes)
        HeapPolicy.retainFreedMemory
        for node in graph.nodes {
            guard let reason = node.op.kernel.gap else { continue }
            let outputsConstant = node.outputs.allSatisfy { shapes.folded[$0] != nil || shapes.constants[$0] != nil }
            if !outputsConstant {
                throw EngineError.unsupported(op: node.opType, node: graph.displayName(of: node), detail: "no kernel for this op: \(reason)")
            }
        }
        // A training engine trains what such values are computed from, so computes them each step.
        if !training { self.graph = try ConstantSubgraphs.folded(graph, shapes: shapes, constants: constants) }
    }

    /// The model's data inputs (graph inputs that are not initializers).
    public var inputs: [ValueInfo] { graph.dataInputs }

    /// Runs the graph. `inputs` holds the graph's data inputs and, optionally, activations to
    /// start from (only the part of the graph after them runs). Returns the graph outputs and
    /// every value named in `keep`.
    public func run(_ inputs: [ValueID: Activation], keep: Set<ValueID> = []) throws -> [ValueID: Activation] {
        try run(inputs, keep: keep, observing: []) { _, _ in }
    }

    /// Runs the graph, handing `visit` each value of `observing` as soon as it is computed (in
    /// graph order), so statistics of many layers take one pass and the memory of one forward
    /// pass plus one activation. Returns what ``run(_:keep:)`` returns.
    public func run(_ inputs: [ValueID: Activation], keep: Set<ValueID> = [], observing: Set<ValueID>,
                    _ visit: (ValueID, Activation) throws -> Void) throws -> [ValueID: Activation] {
        var types: [ValueID: ValueType] = [:]
        for (v, a) in inputs {
            guard a.values.count == a.count else { throw EngineError.badInput("'\(v)' has \(a.values.count) values for shape \(a.shape)") }
            types[v] = ValueType(.float32, a.shape)
        }
        for input in graph.dataInputs where inputs[input.id] == nil {
            throw EngineError.badInput("the model's input '\(input.id)' was not given")
        }
        try checkInputShapes(inputs)
        let results = Set(graph.outputs.map(\.id))
        lock.lock()
        defer { lock.unlock() }
        let (plan, ws) = try plan(types, results: results, keep: keep, observed: observing)
        for (v, a) in inputs {
            guard let slot = plan.inputSlots[v] else { continue }
            a.values.withUnsafeBufferPointer { if let b = $0.baseAddress { ws[slot].update(from: b, count: a.count) } }
        }
        for (step, seen) in zip(plan.steps, plan.observations) {
            step.body(ws)
            for o in seen {
                try visit(o.value, Activation(shape: o.shape, values: Array(UnsafeBufferPointer(start: ws[o.slot], count: o.shape.reduce(1, *)))))
            }
        }
        for (v, a) in inputs where observing.contains(v) { try visit(v, a) }
        var out: [ValueID: Activation] = [:]
        for v in results.union(keep) {
            if let a = inputs[v] { out[v] = a; continue }
            guard let slot = plan.resultSlots[v], let shape = plan.shapes[v].staticShape else { continue }
            let n = shape.reduce(1, *)
            out[v] = Activation(shape: shape, values: Array(UnsafeBufferPointer(start: ws[slot], count: n)))
        }
        return out
    }

    /// The plan and workspace for these input types, made once and kept among the few most
    /// recently used (each workspace holds a forward pass's memory; scoring layer after layer
    /// asks for a new one per layer).
    private func plan(_ types: [ValueID: ValueType], results: Set<ValueID>, keep: Set<ValueID>,
                      observed: Set<ValueID>) throws -> (Plan, Workspace) {
        let key = Self.key(types) + "|" + keep.sorted().map(\.name).joined(separator: ",") + "|" + observed.sorted().map(\.name).joined(separator: ",")
        if let cached = plans[key] {
            recent.removeAll { $0 == key }
            recent.append(key)
            return cached
        }
        let made = try Plan(graph: graph, givenTypes: types, results: results, keep: keep, observed: observed, constants: constants, training: training)
        let entry = (made, Workspace(sizes: made.slotSizes))
        plans[key] = entry
        recent.append(key)
        while recent.count > Self.cachedPlans { plans[recent.removeFirst()] = nil }
        return entry
    }

    /// How many plans (and workspaces) an engine keeps: the full and the last, smaller batch of
    /// two kinds of run.
    private static let cachedPlans = 4

    /// The graph's shapes for inputs of these shapes (inferred once per input shapes).
    func shapes(for inputs: [ValueID: Activation]) -> ShapeInfo {
        let types = inputs.mapValues { ValueType(.float32, $0.shape) }
        let key = Self.key(types)
        lock.lock()
        defer { lock.unlock() }
        if let known = inferred[key] { return known }
        let shapes = ShapeInference.infer(graph, inputs: types)
        inferred[key] = shapes
        return shapes
    }

    /// A cache key naming each input and its shape.
    private static func key(_ types: [ValueID: ValueType]) -> String {
        types.sorted { $0.key < $1.key }.map { "\($0.key.name)\($0.value.shapeDescription)" }.joined()
    }

    /// Replaces the values of float initializers (each with as many values as before) in the
    /// graph and in the memory the kernels read, so later runs use them without planning again.
    /// Only for training engines (an inference engine has folded its weights); not to be called
    /// while a run is under way.
    public func setParameters(_ values: [ValueID: [Float]]) throws {
        guard training else { throw EngineError.badInput("parameters can be replaced only in an engine made for training") }
        for (v, new) in values where graph.initializers[v]?.floats?.count != new.count {
            throw EngineError.badInput("'\(v)' is not a float initializer with \(new.count) values")
        }
        lock.lock()
        defer { lock.unlock() }
        for (v, new) in values {
            graph.initializers[v]?.storage = .float32(new)
            constants.update(v, with: new)
        }
    }

    /// Compares given inputs with the model's declared input shapes (symbols match any size).
    private func checkInputShapes(_ inputs: [ValueID: Activation]) throws {
        for input in graph.dataInputs {
            guard let a = inputs[input.id], let dims = input.declaredType?.dims else { continue }
            let fits = dims.count == a.shape.count && zip(dims, a.shape).allSatisfy { d, n in d.value.map { $0 == n } ?? true }
            if !fits {
                throw EngineError.badInput(
                    "input '\(input.id)' has shape \(a.shape) but the model expects \(input.declaredType?.shapeDescription ?? "?")")
            }
        }
    }
}
