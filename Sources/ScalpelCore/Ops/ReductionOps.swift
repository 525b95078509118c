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

    public var insertion: Insertion? { nil }
}
