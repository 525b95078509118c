import ScalpelCore

/// Where a kernel reads an operand: a workspace slot, or a constant held by the plan.
enum Operand {
    case slot(Int)
    case constant(UnsafeMutablePointer<Float>)

    /// The operand's memory in a workspace.
    func pointer(_ ws: Workspace) -> UnsafeMutablePointer<Float> {
        switch self {
        case let .slot(s): ws[s]
        case let .constant(p): p
        }
    }
}

/// A kernel's body: runs one node (or a fused group) on a workspace.
typealias StepBody = (Workspace) -> Void

/// Builds a node's kernel for its concrete shapes and constants.
typealias KernelBuilder = @Sendable (KernelContext) throws -> StepBody

/// What a kernel builder sees of its node: operands, concrete shapes, constants, attributes.
struct KernelContext {
    let node: Node
    let graph: Graph
    let shapes: ShapeInfo
    let operands: [ValueID: Operand]
    /// The value each output of the node is written to (BatchNorm folding redirects a Conv's).
    let outputSlots: [Int]
    let outputShapes: [[Int]]
    let constants: ConstantPool
    /// Whether the plan trains: BatchNormalization then normalises by the batch's statistics.
    let training: Bool

    /// The operand of input `i`.
    func input(_ i: Int) throws -> Operand {
        guard let v = node.input(i), let op = operands[v] else {
            throw EngineError.unsupported(op: node.opType, node: graph.displayName(of: node), detail: "input \(i) is missing")
        }
        return op
    }

    /// The concrete shape of input `i`.
    func shape(_ i: Int) -> [Int] { node.input(i).flatMap { shapes[$0].staticShape } ?? [] }

    /// The float values of a constant input (weights), if it is one.
    func constantValues(_ i: Int) -> [Float]? { node.input(i).flatMap { constants.values(of: $0, graph: graph, shapes: shapes) } }

    /// The integer values of a constant or folded input (axes, sizes), if known.
    func integers(_ i: Int) -> [Int]? {
        guard let v = node.input(i) else { return nil }
        if let folded = shapes.folded[v]?.integers { return folded }
        return (graph.initializers[v] ?? shapes.constants[v])?.integers?.map { Int($0) }
    }

    /// An error saying this node's op or setting has no kernel.
    func unsupported(_ detail: String) -> EngineError {
        .unsupported(op: node.opType, node: graph.displayName(of: node), detail: detail)
    }
}

/// Constants copied once into memory the kernels can point at, shared by every plan of an engine.
final class ConstantPool: @unchecked Sendable {
    private var pointers: [ValueID: (UnsafeMutablePointer<Float>, Int)] = [:]
    private var owned: [(UnsafeMutablePointer<Float>, Int)] = []

    deinit {
        for (p, n) in owned {
            p.deinitialize(count: n)
            p.deallocate()
        }
    }

    /// The values of a constant value (initializer, Constant node, folded integers) as floats.
    func values(of v: ValueID, graph: Graph, shapes: ShapeInfo) -> [Float]? {
        if let t = graph.initializers[v] ?? shapes.constants[v] {
            if let f = t.floats { return f }
            if let d = t.doubles { return d.map { Float($0) } }
            return nil
        }
        return shapes.folded[v]?.integers?.map { Float($0) }
    }

    /// Memory holding a constant's values, copied on first request.
    func pointer(of v: ValueID, graph: Graph, shapes: ShapeInfo) -> UnsafeMutablePointer<Float>? {
        if let known = pointers[v] { return known.0 }
        guard let values = values(of: v, graph: graph, shapes: shapes) else { return nil }
        return store(values, as: v)
    }

    /// Counts ``update(_:with:)`` calls, so kernels that derive data from a constant (transformed
    /// filters) know when to derive it again.
    private(set) var generation = 0

    /// Overwrites the memory of a constant handed out before with new values of the same count.
    func update(_ v: ValueID, with values: [Float]) {
        guard let (p, count) = pointers[v], count == values.count else { return }
        values.withUnsafeBufferPointer { if let base = $0.baseAddress { p.update(from: base, count: count) } }
        generation += 1
    }

    /// Working memory a kernel keeps for its plan (im2col columns), freed with the pool.
    func scratch(_ count: Int) -> UnsafeMutablePointer<Float> { store([Float](repeating: 0, count: count)) }

    /// Copies derived values (folded weights) into pool memory.
    func store(_ values: [Float], as v: ValueID? = nil) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, values.count))
        p.initialize(repeating: 0, count: max(1, values.count))
        values.withUnsafeBufferPointer { if let base = $0.baseAddress { p.update(from: base, count: values.count) } }
        owned.append((p, max(1, values.count)))
        if let v { pointers[v] = (p, values.count) }
        return p
    }
}

/// Whether a constant pool has been updated since a kernel last derived data from it.
final class Generation: @unchecked Sendable {
    private let pool: ConstantPool
    private var seen: Int

    /// Starts out current: the kernel derives its data when it is built.
    init(_ pool: ConstantPool) {
        self.pool = pool
        seen = pool.generation
    }

    /// True once after each update of the pool (and marks it seen).
    var isStale: Bool {
        guard seen != pool.generation else { return false }
        seen = pool.generation
        return true
    }
}

extension KernelContext {
    /// The output slot `i`'s memory in a workspace.
    func output(_ ws: Workspace, _ i: Int = 0) -> UnsafeMutablePointer<Float> { ws[outputSlots[i]] }
    /// The element count of output `i`.
    func outputCount(_ i: Int = 0) -> Int { outputShapes[i].reduce(1, *) }
}
