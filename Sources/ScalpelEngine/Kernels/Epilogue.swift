import ScalpelCore

/// An activation a kernel applies to what it has just written (Relu or Clip after a Conv).
enum Epilogue {
    case none
    case relu
    case clip(Float, Float)

    /// The epilogue for an activation node, or nil when it cannot be fused.
    init?(_ node: Node, constants: (Int) -> Float?) {
        switch node.opType {
        case "Relu": self = .relu
        case "Clip":
            let low = node.input(1) == nil ? node.attribute("min")?.float ?? -.infinity : constants(1)
            let high = node.input(2) == nil ? node.attribute("max")?.float ?? .infinity : constants(2)
            guard let low, let high else { return nil }
            self = .clip(low, high)
        default: return nil
        }
    }

    /// Applies the activation in place to `count` values.
    func apply(_ p: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .none: return
        case .relu: Parallel.chunks(count) { r in for i in r { p[i] = Swift.max(p[i], 0) } }
        case let .clip(low, high): Parallel.chunks(count) { r in for i in r { p[i] = Swift.min(Swift.max(p[i], low), high) } }
        }
    }

    /// The activation as a clamp to [low, high] (infinite bounds where it has none).
    var bounds: (low: Float, high: Float) {
        switch self {
        case .none: (-.infinity, .infinity)
        case .relu: (0, .infinity)
        case let .clip(low, high): (low, high)
        }
    }
}
