/// Shape rules for ops that move, cut or join tensor data.
enum LayoutRules {
    static func gatherElements(_ c: inout ShapeContext) throws -> [ValueType] {
        [ValueType(elementType: c.elementType(0), dims: c.dims(1))]
    }

    static func flatten(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        let a = c.node.int("axis", default: 1)
        let axis = a < 0 ? a + x.count : a
        guard axis >= 0, axis <= x.count else { throw ShapeError("axis \(a) is out of range for rank \(x.count)") }
        return [ValueType(elementType: c.elementType(0), dims: [Dim.product(x.prefix(axis)), Dim.product(x.dropFirst(axis))])]
    }

    static func reshape(_ c: inout ShapeContext) throws -> [ValueType] {
        let type = c.elementType(0)
        guard let target = c.folded(1)?.elements else {
            return [ValueType(elementType: type, dims: Array(repeating: .unknown, count: try c.rankOfShapeInput(1)))]
        }
        let x = c.dims(0)
        let allowZero = c.node.int("allowzero", default: 0) != 0
        var out: [Dim] = try target.enumerated().map { i, d in
            guard case let .value(v) = d else { return d }
            if v == 0, !allowZero {
                guard let x, i < x.count else { throw ShapeError("shape entry \(i) is 0 (copy) but the input has no dimension \(i)") }
                return x[i]
            }
            guard v >= -1 else { throw ShapeError("shape \(target) has the invalid entry \(v)") }
            return d
        }
        let inferred = out.indices.filter { out[$0] == .value(-1) }
        guard inferred.count <= 1 else { throw ShapeError("shape \(target) has more than one -1") }
        if let x {
            let others = out.enumerated().filter { !inferred.contains($0.offset) }.map(\.element)
            let resolved = try resolveFree(input: x, others: others, target: target)
            if let i = inferred.first { out[i] = resolved }
        } else if let i = inferred.first {
            out[i] = .unknown
        }
        return [ValueType(elementType: type, dims: out)]
    }

    /// The size of the free (-1) entry of a reshape, or checks the element count when there is none.
    private static func resolveFree(input: [Dim], others: [Dim], target: [Dim]) throws -> Dim {
        var symbols: [String] = []
        var known = 1
        func times(_ a: Int, _ b: Int) throws -> Int {
            let (product, overflow) = a.multipliedReportingOverflow(by: b)
            guard !overflow, product <= SizeLimit.elements else {
                throw ShapeError("reshape \(input) into \(target) counts more than \(SizeLimit.description) elements")
            }
            return product
        }
        for d in input {
            switch d {
            case let .value(v): known = try times(known, v)
            case let .symbol(s): symbols.append(s)
            case .unknown: return .unknown
            }
        }
        var targetKnown = 1
        for d in others {
            switch d {
            case let .value(v): targetKnown = try times(targetKnown, v)
            case let .symbol(s):
                guard let j = symbols.firstIndex(of: s) else { return .unknown }
                symbols.remove(at: j)
            case .unknown: return .unknown
            }
        }
        let hasFree = others.count < target.count
        if symbols.isEmpty {
            if hasFree {
                guard targetKnown > 0, known % targetKnown == 0 else {
                    throw ShapeError("cannot reshape \(known) elements into \(target)")
                }
                return .value(known / targetKnown)
            }
            guard known == targetKnown else { throw ShapeError("cannot reshape \(known) elements into \(target)") }
            return .value(known)
        }
        return hasFree && symbols.count == 1 && known == targetKnown ? .symbol(symbols[0]) : .unknown
    }

    static func transpose(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        let perm = c.node.ints("perm") ?? Array(x.indices.reversed())
        guard perm.sorted() == Array(x.indices) else {
            throw ShapeError("perm \(perm) is not a permutation of the input's \(x.count) axes")
        }
        return [ValueType(elementType: c.elementType(0), dims: perm.map { x[$0] })]
    }

    static func concat(_ c: inout ShapeContext) throws -> [ValueType] {
        let shapes = try c.node.inputs.indices.map { try c.requireDims($0) }
        guard let first = shapes.first else { throw ShapeError("Concat needs at least one input") }
        let axis = try c.axis(c.node.int("axis", default: 0), rank: first.count)
        var out = first
        for shape in shapes.dropFirst() {
            guard shape.count == first.count else {
                throw ShapeError("inputs have different ranks: \(shapes.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" })")
            }
            for i in shape.indices {
                if i == axis {
                    guard case let .value(a) = out[i], case let .value(b) = shape[i] else { out[i] = .unknown; continue }
                    guard a + b <= SizeLimit.elements else { throw ShapeError("the joined axis \(axis) would exceed \(SizeLimit.description)") }
                    out[i] = .value(a + b)
                } else if let a = out[i].value, let b = shape[i].value, a != b {
                    throw ShapeError("inputs differ on axis \(i) (\(a) vs \(b)), which is not the concat axis \(axis)")
                } else if out[i] == .unknown {
                    out[i] = shape[i]
                }
            }
        }
        return [ValueType(elementType: c.elementType(0), dims: out)]
    }

    static func split(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        let axis = try c.axis(c.node.int("axis", default: 0), rank: x.count)
        let n = c.node.outputs.count
        let sizes: [Dim]
        if let explicit = c.has(1) ? c.integers(1) : c.node.ints("split") {
            guard explicit.count == n else { throw ShapeError("split sizes \(explicit) do not match \(n) outputs") }
            guard explicit.allSatisfy({ $0 >= 0 && $0 <= SizeLimit.elements }) else {
                throw ShapeError("split sizes \(explicit) must be between 0 and \(SizeLimit.description)")
            }
            if let total = x[axis].value, explicit.reduce(0, +) != total {
                throw ShapeError("split sizes \(explicit) do not add up to the axis size \(total)")
            }
            sizes = explicit.map { .value($0) }
        } else if c.has(1) {
            throw Unknown()
        } else if let total = x[axis].value {
            let chunk = (total + n - 1) / n
            guard c.node.attribute("num_outputs") != nil || total % n == 0 else {
                throw ShapeError("axis size \(total) does not split evenly into \(n) outputs")
            }
            sizes = (0..<n).map { .value(max(0, min(chunk, total - $0 * chunk))) }
        } else {
            sizes = Array(repeating: .unknown, count: n)
        }
        return sizes.map { size in
            var dims = x
            dims[axis] = size
            return ValueType(elementType: c.elementType(0), dims: dims)
        }
    }

    static func slice(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        let starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?
        if c.has(1) {
            starts = try c.requireIntegers(1)
            ends = try c.requireIntegers(2)
            axes = c.has(3) ? try c.requireIntegers(3) : nil
            steps = c.has(4) ? try c.requireIntegers(4) : nil
        } else {
            guard let s = c.node.ints("starts"), let e = c.node.ints("ends") else { throw ShapeError("starts and ends are missing") }
            (starts, ends, axes, steps) = (s, e, c.node.ints("axes"), nil)
        }
        let axisList = try (axes ?? Array(starts.indices)).map { try c.axis($0, rank: x.count) }
        let stepList = steps ?? Array(repeating: 1, count: starts.count)
        guard ends.count == starts.count, axisList.count == starts.count, stepList.count == starts.count else {
            throw ShapeError("starts \(starts), ends \(ends), axes and steps must have equal lengths")
        }
        var out = x
        for (k, axis) in axisList.enumerated() {
            out[axis] = try sliceLength(x[axis], start: starts[k], end: ends[k], step: stepList[k])
        }
        return [ValueType(elementType: c.elementType(0), dims: out)]
    }

    /// The number of elements `start:end:step` selects from an axis of the given size.
    static func sliceLength(_ size: Dim, start: Int, end: Int, step: Int) throws -> Dim {
        guard step != 0 else { throw ShapeError("slice step must not be 0") }
        guard case let .value(n) = size else {
            return start == 0 && step == 1 && end >= Int(Int32.max) ? size : .unknown
        }
        let (s, e) = SliceBounds.clamp(start: start, end: end, step: step, size: n)
        // Both bounds lie in -1...n, so a stride longer than the axis takes one element at most.
        let span = step > 0 ? e - s : s - e, stride = Int(min(step.magnitude, UInt(n) + 1))
        return .value(span > 0 ? (span - 1) / stride + 1 : 0)
    }

    static func squeeze(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        let given = c.has(1) ? try c.requireIntegers(1) : c.node.ints("axes")
        let axes: Set<Int>
        if let given {
            axes = Set(try given.map { try c.axis($0, rank: x.count) })
            for a in axes where x[a].value != nil && x[a].value != 1 {
                throw ShapeError("cannot squeeze axis \(a) of size \(x[a])")
            }
        } else {
            guard !x.contains(.unknown) else { throw Unknown() }
            axes = Set(x.indices.filter { x[$0] == .value(1) })
        }
        return [ValueType(elementType: c.elementType(0), dims: x.indices.filter { !axes.contains($0) }.map { x[$0] })]
    }

    static func unsqueeze(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        guard let given = c.has(1) ? try c.requireIntegers(1) : c.node.ints("axes") else {
            throw ShapeError("axes are missing")
        }
        let rank = x.count + given.count
        let axes = Set(try given.map { try c.axis($0, rank: rank) })
        guard axes.count == given.count else { throw ShapeError("axes \(given) repeat an axis") }
        var rest = x.makeIterator()
        let out: [Dim] = (0..<rank).map { axes.contains($0) ? .value(1) : (rest.next() ?? .unknown) }
        return [ValueType(elementType: c.elementType(0), dims: out)]
    }

    static func pad(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        guard let pads = c.has(1) ? try c.requireIntegers(1) : c.node.ints("pads") else {
            throw ShapeError("pads are missing")
        }
        let axes = c.has(3) ? try c.requireIntegers(3).map { try c.axis($0, rank: x.count) } : Array(x.indices)
        guard pads.count == 2 * axes.count else {
            throw ShapeError("pads \(pads) need 2 entries for each of \(axes.count) axes")
        }
        guard pads.allSatisfy({ SizeLimit.within($0, SizeLimit.elements) }) else {
            throw ShapeError("pads \(pads) exceed the limit of \(SizeLimit.description)")
        }
        var out = x
        // An axis padded by nothing keeps its dimension, symbolic ones (the batch) included.
        for (k, axis) in axes.enumerated() where pads[k] != 0 || pads[k + axes.count] != 0 {
            out[axis] = x[axis].map { $0 + pads[k] + pads[k + axes.count] }
        }
        return [ValueType(elementType: c.elementType(0), dims: out)]
    }

    static func resize(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        let axes = try (c.node.ints("axes") ?? Array(x.indices)).map { try c.axis($0, rank: x.count) }
        // Resize-10 and Upsample-9 take scales as input 1; Resize-11+ as input 2 and sizes as input 3.
        let legacy = c.node.opType == "Upsample" || c.node.inputs.count == 2
        let scalesInput = legacy ? 1 : 2
        var out = x
        if !legacy, c.has(3) {
            let sizes = try c.requireIntegers(3)
            guard sizes.count == axes.count else { throw ShapeError("sizes \(sizes) do not match \(axes.count) axes") }
            for (k, axis) in axes.enumerated() { out[axis] = .value(sizes[k]) }
        } else {
            let given = c.has(scalesInput) ? c.doubles(scalesInput) : c.node.attribute("scales")?.floats.map { $0.map(Double.init) }
            guard let scales = given else { throw Unknown() }
            guard scales.count == axes.count else { throw ShapeError("scales \(scales) do not match \(axes.count) axes") }
            let sane = scales.allSatisfy { scale in scale > 0 && x.allSatisfy { SizeLimit.fits(Double($0.value ?? 1) * scale) } }
            guard sane else {
                throw ShapeError("scales \(scales) must be finite and positive, and give sizes up to \(SizeLimit.description)")
            }
            for (k, axis) in axes.enumerated() where scales[k] != 1 {
                out[axis] = x[axis].map { Int((Double($0) * scales[k]).rounded(.down)) }
            }
        }
        return [ValueType(elementType: c.elementType(0), dims: out)]
    }

    static func expand(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        guard let target = c.folded(1)?.elements else { throw Unknown() }
        return [ValueType(elementType: c.elementType(0), dims: try Broadcast.dims([x, target]))]
    }

    static func tile(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0), repeats = try c.requireIntegers(1)
        guard repeats.count == x.count else { throw ShapeError("repeats \(repeats) do not match rank \(x.count)") }
        return [ValueType(elementType: c.elementType(0), dims: zip(x, repeats).map { d, r in d * .value(r) })]
    }

    static func gather(_ c: inout ShapeContext) throws -> [ValueType] {
        let data = try c.requireDims(0), indices = try c.requireDims(1)
        let axis = try c.axis(c.node.int("axis", default: 0), rank: data.count)
        return [ValueType(elementType: c.elementType(0), dims: Array(data.prefix(axis)) + indices + Array(data.dropFirst(axis + 1)))]
    }

    static func blockRearrange(_ c: inout ShapeContext, toDepth: Bool) throws -> [ValueType] {
        let x = try c.requireDims(0)
        let b = c.node.int("blocksize", default: 0)
        guard x.count == 4, b > 0, b <= SizeLimit.window else {
            throw ShapeError("needs a rank-4 input and a blocksize between 1 and \(SizeLimit.window)")
        }
        let dims: [Dim] = toDepth
            ? [x[0], try x[1].times(b).times(b), x[2].map { $0 / b }, x[3].map { $0 / b }]
            : [x[0], x[1].map { $0 / (b * b) }, try x[2].times(b), try x[3].times(b)]
        return [ValueType(elementType: c.elementType(0), dims: dims)]
    }
}

/// ONNX Slice's clamping of start and end to an axis.
public enum SliceBounds {
    /// The effective start and end for a slice of an axis of `size` elements.
    public static func clamp(start: Int, end: Int, step: Int, size n: Int) -> (Int, Int) {
        var s = start < 0 ? start + n : start
        var e = end < 0 ? end + n : end
        if step > 0 {
            s = min(max(s, 0), n)
            e = min(max(e, 0), n)
        } else {
            s = min(max(s, 0), n - 1)
            e = min(max(e, -1), n - 1)
        }
        return (s, e)
    }

    /// A Slice's starts, ends, axes and steps, from its inputs (`integers` reads a constant one)
    /// or, before opset 10, its attributes; nil when starts or ends are not known, or when the
    /// lists differ in length. Axes and steps are nil where the node leaves them out (every axis
    /// in order; steps of 1), and steps are nil, too, when given but not known.
    public static func parameters(of node: Node, integers: (ValueID) -> [Int]?) -> (starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?)? {
        let found: (starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?)
        if node.input(1) == nil {
            guard let starts = node.ints("starts"), let ends = node.ints("ends") else { return nil }
            found = (starts, ends, node.ints("axes"), Array(repeating: 1, count: starts.count))
        } else {
            func read(_ i: Int) -> [Int]? { node.input(i).flatMap(integers) }
            guard let starts = read(1), let ends = read(2) else { return nil }
            found = (starts, ends, read(3), node.input(4) == nil ? Array(repeating: 1, count: starts.count) : read(4))
        }
        let n = found.starts.count
        guard found.ends.count == n, (found.axes?.count ?? n) == n, (found.steps?.count ?? n) == n else { return nil }
        return found
    }
}
