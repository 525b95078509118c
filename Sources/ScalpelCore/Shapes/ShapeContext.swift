/// Infers a node's output types from its context, or throws a ``ShapeError`` (inconsistent
/// inputs) or ``Unknown`` (an input it needs is not known).
typealias ShapeRule = @Sendable (inout ShapeContext) throws -> [ValueType]

/// What a shape rule sees of one node: its attributes, its inputs' types and any folded values.
struct ShapeContext {
    /// The node being inferred.
    let node: Node
    /// The graph (for initializer values).
    let graph: Graph
    /// Everything inferred so far; rules may add folded values or constants.
    var info: ShapeInfo

    /// The type of input `i` (unknown when omitted or not inferred).
    func type(_ i: Int) -> ValueType {
        guard let v = node.input(i) else { return .unknown }
        return info[v]
    }

    /// The dimensions of input `i`, when its rank is known.
    func dims(_ i: Int) -> [Dim]? { type(i).dims }

    /// The element type of input `i`.
    func elementType(_ i: Int) -> ElementType? { type(i).elementType }

    /// Whether input `i` is given.
    func has(_ i: Int) -> Bool { node.input(i) != nil }

    /// The folded integer value of input `i`, if known.
    func folded(_ i: Int) -> FoldedValue? { node.input(i).flatMap { info.folded[$0] } }

    /// The integer values of input `i` when all are known numbers.
    func integers(_ i: Int) -> [Int]? { folded(i)?.integers }

    /// The constant tensor behind input `i` (initializer or `Constant` node), if any.
    func constant(_ i: Int) -> Tensor? {
        guard let v = node.input(i) else { return nil }
        return graph.initializers[v] ?? info.constants[v]
    }

    /// Input `i`'s dimensions; throws ``Unknown`` when its rank is unknown.
    func requireDims(_ i: Int) throws -> [Dim] {
        guard let d = dims(i) else { throw Unknown() }
        return d
    }

    /// Input `i`'s integer values; throws ``Unknown`` when they are not known before running.
    func requireIntegers(_ i: Int) throws -> [Int] {
        guard let v = integers(i) else { throw Unknown() }
        return v
    }

    /// The rank a 1-D shape input (Reshape's or ConstantOfShape's) gives when only its length is
    /// known; throws ``Unknown`` when the length is unknown too, and names a length no tensor has.
    func rankOfShapeInput(_ i: Int) throws -> Int {
        guard let d = dims(i), d.count == 1, let rank = d[0].value else { throw Unknown() }
        guard (0...SizeLimit.rank).contains(rank) else {
            throw ShapeError("the shape input has \(rank) entries; a tensor has between 0 and \(SizeLimit.rank) dimensions")
        }
        return rank
    }

    /// Normalises a possibly negative axis against a rank, or throws naming the bad axis.
    func axis(_ a: Int, rank: Int) throws -> Int {
        let r = a < 0 ? a + rank : a
        guard r >= 0, r < rank else { throw ShapeError("axis \(a) is out of range for rank \(rank)") }
        return r
    }
}

/// Thrown by a rule when an input it needs is unknown: the outputs become unknown, which is
/// not a problem in itself (the cause is recorded where the unknown started).
struct Unknown: Error {}

extension ShapeContext {
    /// Input `i`'s values as numbers when it is a constant or folded tensor (scales, bounds).
    func doubles(_ i: Int) -> [Double]? {
        if let t = constant(i), let values = t.doubles { return values }
        return integers(i)?.map(Double.init)
    }
}
