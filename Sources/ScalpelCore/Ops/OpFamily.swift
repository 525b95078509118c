/// What Core declares about every op of a family: one file per family, one `switch` per facet,
/// so an op cannot be added without saying what each facet does with it.
public protocol OpFamily: RawRepresentable<String>, CaseIterable, Sendable, Hashable {
    /// How channels flow through the op, or why they cannot.
    var channels: Facet<ChannelRule> { get }
    /// How the op's multiply-accumulates are counted.
    var macs: MACRule { get }
    /// Which inputs hold parameters, and their channel axes.
    var parameters: ParameterSlots { get }
    /// Whether `insert`/`replace` can build the op, and with which settings.
    var insertion: Insertion? { get }
    /// How many inputs a node of the op may list, optional ones (empty names) included, over every opset.
    var inputCount: ClosedRange<Int> { get }
}

extension OpFamily {
    /// The ONNX op type.
    public var name: String { rawValue }
}

/// The shape rule half of a family's declaration (shape contexts are Core's own).
protocol ShapeDeclaring {
    /// Infers the op's output types.
    var shapeRule: ShapeRule { get }
}

/// A facet of an op: what Scalpel does with it, or why it does not.
public enum Facet<Value: Sendable>: Sendable {
    case supported(Value)
    /// Not supported, for the reason given (what a user reads).
    case unsupported(String)

    /// The value where supported.
    public var value: Value? {
        if case let .supported(v) = self { return v }
        return nil
    }

    /// The reason where not supported.
    public var gap: String? {
        if case let .unsupported(reason) = self { return reason }
        return nil
    }
}

/// How an op's multiply-accumulates per sample are counted (``LayerCost``).
public enum MACRule: Sendable, Equatable {
    /// Not counted: cheap next to convolutions and matrix products.
    case notCounted
    /// Output elements × weight elements per output channel.
    case convolution
    /// Input elements × weight elements per input channel.
    case transposedConvolution
    /// Output elements × shared dimension of B.
    case gemm
    /// Output elements × the last axis of A.
    case matMul
    /// Two operands: the product of every label's size (each output element sums over the labels it lacks).
    case einsum
}

/// Which inputs of an op hold parameters.
public struct ParameterSlots: Sendable, Equatable {
    /// Inputs gradient descent updates (weights, biases, BatchNorm γ and β).
    public var trained: [Int] = []
    /// Inputs a training pass overwrites with new statistics (BatchNorm running mean and variance).
    public var statistics: [Int] = []
    /// How input 1 (the weight) lays out the output channels, for weight criteria.
    public var weight: WeightLayout?

    /// No parameters.
    public static let none = ParameterSlots()
}

/// Where a weight tensor keeps its output channels.
public enum WeightLayout: Sendable, Equatable {
    /// Axis 0 (Conv's M × C/group × k…).
    case outputFirst
    /// Axis 1 (ConvTranspose's C × M/group × k…, MatMul's K × N).
    case outputSecond
    /// Gemm: axis 1 unless `transB`.
    case gemm

    /// The output-channel axis of the node's weight.
    public func outputAxis(of node: Node) -> Int {
        switch self {
        case .outputFirst: 0
        case .outputSecond: 1
        case .gemm: node.int("transB", default: 0) == 0 ? 1 : 0
        }
    }
}

/// How `insert` and `replace` build an op: the `key=value` settings its spec takes (a bare
/// number sets the first).
public struct Insertion: Sendable, Equatable {
    /// The settings, main one first.
    public let settings: [String]

    /// An op built with these settings.
    public init(_ settings: [String] = []) { self.settings = settings }
}
