/// Reductions over axes, arg-reductions and running sums.
public enum ReductionOp: String, OpFamily, ShapeDeclaring {
    case reduceMean = "ReduceMean", reduceSum = "ReduceSum", reduceMax = "ReduceMax", reduceMin = "ReduceMin"
    case reduceProd = "ReduceProd", reduceL1 = "ReduceL1", reduceL2 = "ReduceL2", reduceLogSum = "ReduceLogSum"
    case reduceLogSumExp = "ReduceLogSumExp", reduceSumSquare = "ReduceSumSquare", argMax = "ArgMax", argMin = "ArgMin"
    case cumSum = "CumSum"

    var shapeRule: ShapeRule {
        switch self {
        case .argMax, .argMin: ReductionRules.argReduce
        case .cumSum: ElementwiseRules.sameAsInput
        default: ReductionRules.reduce
        }
    }

    public var channels: Facet<ChannelRule> {
        switch self {
        case .argMax, .argMin: .unsupported("its output is indices, not channels")
        case .cumSum: .unsupported("Scalpel does not follow channels through a running sum yet")
        default: .supported(.reduction)
        }
    }

    public var macs: MACRule { .notCounted }

    public var parameters: ParameterSlots { .none }

    public var inputCount: ClosedRange<Int> {
        switch self {
        case .argMax, .argMin: 1...1
        case .cumSum: 2...2
        default: 1...2
        }
    }

    public var insertion: Insertion? { nil }

    /// The axes a reduction node reduces over an input of `rank`: its `axes` attribute or input
    /// (`known` gives the input's values); none or empty means every axis, or none at all with
    /// `noop_with_empty_axes`. Nil when the axes input's values are not known.
    public static func reducedAxes(of node: Node, rank: Int, known: (ValueID) -> [Int]?) -> Set<Int>? {
        var given = node.ints("axes")
        if let v = node.input(1) {
            guard let values = known(v) else { return nil }
            given = values
        }
        if given?.isEmpty ?? true, node.int("noop_with_empty_axes", default: 0) != 0 { return [] }
        return Set((given?.isEmpty == false ? given! : Array(0..<rank)).map { $0 < 0 ? $0 + rank : $0 })
    }
}
