import ScalpelCore

/// How the engine runs ops that read shapes or make constants (usually folded before a run).
extension ShapeOp: EngineFamily {
    var kernel: Facet<KernelBuilder> {
        switch self {
        case .shape: .supported { ctx in
            let dims = ctx.shape(0), (start, end) = Self.shapeSlice(ctx.node, rank: dims.count)
            return Self.constant(ctx, start < end ? dims[start..<end].map(Float.init) : [])
        }
        case .size: .supported { ctx in Self.constant(ctx, [Float(ctx.shape(0).reduce(1, *))]) }
        case .constant: .supported { ctx in
            guard let values = ctx.node.outputs.first.flatMap({ ctx.constants.values(of: $0, graph: ctx.graph, shapes: ctx.shapes) }) else {
                throw ctx.unsupported("its value is not a number tensor")
            }
            return Self.constant(ctx, values)
        }
        case .constantOfShape: .supported { ctx in
            let value = ctx.node.attribute("value")?.tensor.flatMap { $0.floats?.first ?? $0.integers.flatMap { $0.first.map(Float.init) } } ?? 0
            return Self.constant(ctx, [Float](repeating: value, count: ctx.outputCount()))
        }
        case .range: .supported(Self.range)
        case .nonZero: .unsupported("its output's length depends on the data, and the engine plans fixed shapes")
        }
    }

    var gradient: GradientRule {
        switch self {
        case .shape, .size, .nonZero: .none("its output is integers read from the shape or positions, so no gradient flows through it")
        case .constant, .constantOfShape, .range: .none("it reads no tensor data, so no gradient flows through it")
        }
    }

    /// A step writing fixed values.
    private static func constant(_ ctx: KernelContext, _ values: [Float]) -> StepBody {
        { ws in
            let dst = ctx.output(ws)
            for (i, v) in values.prefix(ctx.outputCount()).enumerated() { dst[i] = v }
        }
    }

    /// Range(start, limit, delta), read when the step runs.
    private static func range(_ ctx: KernelContext) throws -> StepBody {
        let start = try ctx.input(0), delta = try ctx.input(2), count = ctx.outputCount()
        return { ws in
            let first = start.pointer(ws)[0], step = delta.pointer(ws)[0], dst = ctx.output(ws)
            for i in 0..<count { dst[i] = first + Float(i) * step }
        }
    }
}
