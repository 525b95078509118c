import ScalpelCore

/// How the engine runs and differentiates ops that move, cut, join or repeat data.
extension LayoutOp: EngineFamily {
    var kernel: Facet<KernelBuilder> {
        switch self {
        case .flatten, .reshape, .squeeze, .unsqueeze: .supported(LayoutKernels.copy)
        case .transpose: .supported(LayoutKernels.transpose)
        case .concat: .supported(LayoutKernels.concat)
        case .split: .supported(LayoutKernels.split)
        case .slice: .supported(LayoutKernels.slice)
        case .pad: .supported(LayoutKernels.pad)
        case .resize, .upsample: .supported(LayoutKernels.resize)
        case .gather: .supported(LayoutKernels.gather)
        case .expand: .supported(LayoutKernels.expand)
        case .gatherElements: .supported(Self.gatherElements)
        case .tile, .depthToSpace, .spaceToDepth: .supported(Self.mapped)
        case .scatterND: .supported(Self.scatterND)
        }
    }

    var gradient: GradientRule {
        switch self {
        case .flatten, .reshape, .squeeze, .unsqueeze: .passThrough
        case .transpose: .transpose
        case .concat: .concat
        case .split: .split
        case .slice: .slice
        case .pad: .pad
        case .resize, .upsample: .resize
        case .gather: .gather
        case .expand: .expand
        case .tile, .depthToSpace, .spaceToDepth: .indexMap
        case .gatherElements, .scatterND: .none("Scalpel has no backward rule for \(rawValue) yet")
        }
    }

    /// For Tile, DepthToSpace and SpaceToDepth: the input element each output element copies.
    static func sourceIndices(_ node: Node, input x: [Int], output y: [Int]) -> [Int]? {
        let count = y.reduce(1, *)
        switch node.op {
        case .layout(.tile):
            guard x.count == y.count else { return nil }
            let strides = LayoutKernels.denseStrides(x)
            return (0..<count).map { i in
                var rest = i, source = 0
                for d in stride(from: y.count - 1, through: 0, by: -1) {
                    source += (rest % y[d]) % x[d] * strides[d]
                    rest /= y[d]
                }
                return source
            }
        case .layout(.depthToSpace), .layout(.spaceToDepth):
            let b = node.int("blocksize", default: 0)
            guard x.count == 4, y.count == 4, b > 0 else { return nil }
            let toSpace = node.op == .layout(.depthToSpace), crd = node.string("mode", default: "DCR") == "CRD"
            // Coordinates on the spatial side (the output of DepthToSpace, the input of SpaceToDepth).
            let (spatial, depth) = toSpace ? (y, x) : (x, y)
            let (c, h, w) = (spatial[1], spatial[2], spatial[3])
            var map = [Int](repeating: 0, count: count)
            for n in 0..<spatial[0] {
                for ch in 0..<c {
                    for row in 0..<h {
                        for col in 0..<w {
                            let (i, j) = (row % b, col % b)
                            let dc = toSpace && crd ? ch * b * b + i * b + j : (i * b + j) * c + ch
                            let deep = ((n * depth[1] + dc) * depth[2] + row / b) * depth[3] + col / b
                            let flat = ((n * c + ch) * h + row) * w + col
                            if toSpace { map[flat] = deep } else { map[deep] = flat }
                        }
                    }
                }
            }
            return map
        default:
            return nil
        }
    }

    /// An op whose output copies the input through ``sourceIndices(_:input:output:)``.
    private static func mapped(_ ctx: KernelContext) throws -> StepBody {
        guard let map = sourceIndices(ctx.node, input: ctx.shape(0), output: ctx.outputShapes[0]) else {
            throw ctx.unsupported("its input \(ctx.shape(0)) and output \(ctx.outputShapes[0]) do not fit its attributes")
        }
        let input = try ctx.input(0)
        return { ws in
            let src = input.pointer(ws), dst = ctx.output(ws)
            Parallel.chunks(map.count, grain: 8192) { r in for i in r { dst[i] = src[map[i]] } }
        }
    }

    /// GatherElements: each output element reads the input where its coordinate along `axis`
    /// is replaced by the index at the same position (negative indices count from the end; an
    /// index out of range gives NaN, as the kernel cannot stop the run).
    private static func gatherElements(_ ctx: KernelContext) throws -> StepBody {
        let x = ctx.shape(0), y = ctx.outputShapes[0], a = ctx.node.int("axis", default: 0), axis = a < 0 ? a + x.count : a
        guard axis >= 0, axis < x.count, y.count == x.count else { throw ctx.unsupported("axis \(a) does not fit rank \(x.count)") }
        let strides = LayoutKernels.denseStrides(x), input = try ctx.input(0), indices = try ctx.input(1), count = ctx.outputCount()
        return { ws in
            let src = input.pointer(ws), index = indices.pointer(ws), dst = ctx.output(ws)
            for i in 0..<count {
                var rest = i, source = 0, inside = true
                for d in stride(from: y.count - 1, through: 0, by: -1) {
                    var k = rest % y[d]
                    rest /= y[d]
                    if d == axis {
                        guard let position = IndexValues.position(index[i], size: x[d]) else { inside = false; break }
                        k = position
                    }
                    inside = inside && k < x[d]
                    source += k * strides[d]
                }
                dst[i] = inside ? src[source] : .nan
            }
        }
    }

    /// ScatterND: the data, with the slices the index tuples name replaced by (or, with
    /// `reduction`, combined with) the updates; an index out of range makes the whole output NaN,
    /// as the kernel cannot stop the run.
    private static func scatterND(_ ctx: KernelContext) throws -> StepBody {
        let x = ctx.shape(0), idx = ctx.shape(1)
        guard let k = idx.last, k >= 1, k <= x.count else { throw ctx.unsupported("indices \(idx) do not index data \(x)") }
        let tuples = idx.dropLast().reduce(1, *), slice = x.dropFirst(k).reduce(1, *)
        let strides = LayoutKernels.denseStrides(x)
        let reduction = ctx.node.string("reduction", default: "none")
        let combine: @Sendable (Float, Float) -> Float
        switch reduction {
        case "none": combine = { $1 }
        case "add": combine = { $0 + $1 }
        case "mul": combine = { $0 * $1 }
        case "max": combine = { Swift.max($0, $1) }
        case "min": combine = { Swift.min($0, $1) }
        default: throw ctx.unsupported("reduction '\(reduction)'")
        }
        let data = try ctx.input(0), indices = try ctx.input(1), updates = try ctx.input(2), count = ctx.outputCount()
        return { ws in
            let dst = ctx.output(ws), index = indices.pointer(ws), update = updates.pointer(ws)
            dst.update(from: data.pointer(ws), count: count)
            for t in 0..<tuples {
                var offset = 0, inside = true
                for d in 0..<k {
                    guard let i = IndexValues.position(index[t * k + d], size: x[d]) else { inside = false; break }
                    offset += i * strides[d]
                }
                guard inside else { return dst.update(repeating: .nan, count: count) }
                for j in 0..<slice { dst[offset + j] = combine(dst[offset + j], update[t * slice + j]) }
            }
        }
    }
}
