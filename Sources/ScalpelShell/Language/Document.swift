import ScalpelCore
import ScalpelScoring

/// One edit in effect: the command that made it and the model before and after.
public struct EditRecord: Sendable {
    /// The command line as typed.
    public let line: String
    /// What the edit reported doing.
    public let message: String
    /// The model before the edit (undo restores it).
    let before: ModelState
    /// The model after the edit (redo restores it).
    let after: ModelState
    /// A number unique within the session, to tell whether the model changed since a save.
    let serial: Int

    /// Parameter count before → after.
    public var parameters: (before: Int, after: Int) { (before.summary.totalParameters, after.summary.totalParameters) }
    /// Per-sample MACs before → after.
    public var macs: (before: Int, after: Int) { (before.summary.totalMACs, after.summary.totalMACs) }
}

/// A model with what is derived from it, kept together so undo restores all of it at once.
struct ModelState: Sendable {
    let model: Model
    let shapes: ShapeInfo
    let summary: ModelSummary

    init(_ model: Model) {
        self.model = model
        self.shapes = ShapeInference.infer(model.graph)
        self.summary = ModelSummary(graph: model.graph, shapes: shapes)
    }
}

/// The model being worked on, its origin, and its undo and redo stacks.
///
/// Undo keeps earlier model values, not inverse operations: a graph is a value whose tensors
/// share storage, so each step costs only the bytes its edit replaced.
public struct Document: Sendable {
    /// The file the model was loaded from.
    public let path: String
    private let original: ModelState
    private var state: ModelState
    /// Edits in effect, oldest first.
    public private(set) var edits: [EditRecord] = []
    private var undone: [EditRecord] = []
    private var nextSerial = 1
    private var savedSerial = 0
    /// Evaluations of the model states they were run on, by state.
    private var evaluations: [Int: EvaluationResult] = [:]
    /// Channel scores computed on model states, by state, then layer and criterion.
    private var scores: [Int: [String: ChannelScores]] = [:]

    /// A document over a freshly loaded model.
    init(model: Model, path: String) {
        self.path = path
        self.original = ModelState(model)
        self.state = original
    }

    /// The current model.
    public var model: Model { state.model }
    /// Inferred types of the current model's values.
    public var shapes: ShapeInfo { state.shapes }
    /// The current model's layer summary.
    public var summary: ModelSummary { state.summary }
    /// The model as loaded.
    public var originalModel: Model { original.model }
    /// The summary of the model as loaded.
    public var originalSummary: ModelSummary { original.summary }
    /// The shapes of the model as loaded.
    public var originalShapes: ShapeInfo { original.shapes }
    /// Whether the model differs from what was last saved (or loaded).
    public var isModified: Bool { (edits.last?.serial ?? 0) != savedSerial }
    /// How many edits a quit would lose (at least 1 when modified).
    public var unsavedEditCount: Int {
        guard isModified else { return 0 }
        if let i = edits.firstIndex(where: { $0.serial == savedSerial }) { return max(1, edits.count - i - 1) }
        return max(1, edits.count)
    }
    /// Whether `redo` has something to do.
    public var canRedo: Bool { !undone.isEmpty }

    /// Applies an edit as a transaction: `body` changes a copy, the whole result is shape-checked,
    /// and only then does it become current. Throws, leaving the document unchanged, when `body`
    /// throws, the edit breaks a shape that was fine before, or (unless `reshapesOutputs`) it
    /// changes a size of what the model returns.
    mutating func apply(_ line: String, reshapesOutputs: Bool = false, _ body: (inout Model) throws -> String) throws -> EditRecord {
        var model = state.model
        let message = try body(&model)
        let next = ModelState(model)
        if let broken = next.shapes.newProblem(since: state.shapes) {
            throw ShellError.refused("the edit would break shapes: \(broken); nothing was changed")
        }
        if !reshapesOutputs, let output = model.graph.outputs.first(where: { Self.sizesDiffer(state.shapes[$0.id], next.shapes[$0.id]) }) {
            throw ShellError.refused("the edit would change the model output '\(output.id.name)' from \(state.shapes[output.id].shapeDescription) to "
                + "\(next.shapes[output.id].shapeDescription), and what the model returns must keep its shape; nothing was changed")
        }
        let record = EditRecord(line: line, message: message, before: state, after: next, serial: nextSerial)
        nextSerial += 1
        edits.append(record)
        undone.removeAll()
        state = next
        return record
    }

    /// Whether two types give different sizes to an axis both know (or have different ranks).
    private static func sizesDiffer(_ a: ValueType, _ b: ValueType) -> Bool {
        guard let x = a.dims, let y = b.dims else { return false }
        return x.count != y.count || zip(x, y).contains { p, q in p.value != nil && q.value != nil && p != q }
    }

    /// Reverts the latest edit, returning it.
    mutating func undo() throws -> EditRecord {
        guard let last = edits.popLast() else { throw ShellError.refused("nothing to undo") }
        undone.append(last)
        state = last.before
        return last
    }

    /// Re-applies the latest undone edit, returning it.
    mutating func redo() throws -> EditRecord {
        guard let next = undone.popLast() else { throw ShellError.refused("nothing to redo") }
        edits.append(next)
        state = next.after
        return next
    }

    /// The identity of the current model state (0: as loaded).
    private var stateSerial: Int { edits.last?.serial ?? 0 }

    /// Remembers an evaluation of the current model, for `history` and `diff`.
    mutating func record(_ result: EvaluationResult) { evaluations[stateSerial] = result }

    /// Remembers channel scores of a layer of the current model, for `show`.
    mutating func record(_ result: ChannelScores, layer: NodeID) {
        scores[stateSerial, default: [:]]["\(layer.rawValue) \(result.criterion.rawValue)"] = result
    }

    /// The scores computed on the current model for a layer, by criterion.
    public func cachedScores(of layer: NodeID) -> [ChannelScores] {
        (scores[stateSerial] ?? [:]).filter { $0.key.hasPrefix("\(layer.rawValue) ") }.map(\.value)
            .sorted { $0.criterion.rawValue < $1.criterion.rawValue }
    }

    /// The evaluation of the current model, if one was run on it.
    public var currentEvaluation: EvaluationResult? { evaluations[stateSerial] }

    /// The evaluation of the model as loaded, if one was run on it.
    public var originalEvaluation: EvaluationResult? { evaluations[0] }

    /// The evaluations of the states before and after an edit, where run.
    public func evaluations(around record: EditRecord) -> (before: EvaluationResult?, after: EvaluationResult?) {
        let index = edits.firstIndex { $0.serial == record.serial }
        let before = index.map { $0 == 0 ? 0 : edits[$0 - 1].serial } ?? 0
        return (evaluations[before], evaluations[record.serial])
    }

    /// Records that the current model is what is on disk now.
    mutating func markSaved() { savedSerial = edits.last?.serial ?? 0 }
}
