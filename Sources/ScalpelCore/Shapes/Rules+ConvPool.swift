/// Shape rules for convolutions, pooling and normalisations over the channel axis.
enum ConvPoolRules {
    /// Kernel geometry shared by convolution and pooling.
    struct Window {
        var kernel: [Int]
        var strides: [Int]
        var dilations: [Int]
        var pads: [Int]
        var autoPad: String
        var ceilMode: Bool

        init(_ node: Node, kernel: [Int]) throws {
            let n = kernel.count
            self.kernel = kernel
            strides = node.ints("strides") ?? Array(repeating: 1, count: n)
            dilations = node.ints("dilations") ?? Array(repeating: 1, count: n)
            pads = node.ints("pads") ?? Array(repeating: 0, count: 2 * n)
            autoPad = node.string("auto_pad", default: "NOTSET")
            ceilMode = node.int("ceil_mode", default: 0) != 0
            guard strides.count == n, dilations.count == n, pads.count == 2 * n else {
                throw ShapeError("kernel \(kernel) needs \(n) strides and dilations and \(2 * n) pads, got \(strides), \(dilations), \(pads)")
            }
            guard strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }) else {
                throw ShapeError("strides \(strides) and dilations \(dilations) must be positive")
            }
            for (name, values) in [("kernel", kernel), ("strides", strides), ("dilations", dilations), ("pads", pads)]
            where !values.allSatisfy({ SizeLimit.within($0, SizeLimit.window) }) {
                throw ShapeError("\(name) \(values) exceed the limit of \(SizeLimit.window) on window sizes")
            }
        }

        /// Output spatial sizes for the given input sizes.
        func output(_ spatial: [Dim]) throws -> [Dim] {
            guard spatial.count == kernel.count else {
                throw ShapeError("input has \(spatial.count) spatial dimensions but the kernel \(kernel) has \(kernel.count)")
            }
            return try spatial.indices.map { i in
                guard case let .value(size) = spatial[i] else { return .unknown }
                let s = strides[i], extent = (kernel[i] - 1) * dilations[i] + 1
                switch autoPad {
                case "SAME_UPPER", "SAME_LOWER": return .value((size + s - 1) / s)
                case "VALID":
                    guard size >= extent else { throw tooSmall(size, extent, i) }
                    return .value((size - extent) / s + 1)
                default:
                    let padded = size + pads[i] + pads[i + kernel.count]
                    guard padded >= extent else { throw tooSmall(padded, extent, i) }
                    var out = ceilMode ? (padded - extent + s - 1) / s + 1 : (padded - extent) / s + 1
                    if ceilMode, (out - 1) * s >= size + pads[i] { out -= 1 }
                    return .value(out)
                }
            }
        }

        private func tooSmall(_ size: Int, _ extent: Int, _ axis: Int) -> ShapeError {
            ShapeError("spatial size \(size) (padded) on axis \(axis + 2) is smaller than the kernel's extent \(extent)")
        }
    }

    static func conv(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0), w = try c.requireDims(1)
        guard x.count >= 3, w.count == x.count else {
            throw ShapeError("input \(c.type(0).shapeDescription) and weight \(c.type(1).shapeDescription) need equal ranks of at least 3")
        }
        let group = try groups(c.node)
        if let channels = x[1].value, let expected = try w[1].times(group).value, channels != expected {
            throw ShapeError("input has \(channels) channels but the weight \(c.type(1).shapeDescription) with group \(group) expects \(expected)")
        }
        if let bias = c.dims(2), bias.count != 1 || (bias[0].value != nil && w[0].value != nil && bias[0] != w[0]) {
            throw ShapeError("bias \(c.type(2).shapeDescription) must have one entry per output channel (\(w[0]))")
        }
        guard let kernel = c.node.ints("kernel_shape") ?? w.dropFirst(2).map(\.value).allKnown else { throw Unknown() }
        let window = try Window(c.node, kernel: kernel)
        return [ValueType(elementType: c.elementType(0), dims: [x[0], w[0]] + (try window.output(Array(x.dropFirst(2)))))]
    }

    static func convTranspose(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0), w = try c.requireDims(1)
        guard x.count >= 3, w.count == x.count else {
            throw ShapeError("input \(c.type(0).shapeDescription) and weight \(c.type(1).shapeDescription) need equal ranks of at least 3")
        }
        let group = try groups(c.node)
        if let channels = x[1].value, let wIn = w[0].value, channels != wIn {
            throw ShapeError("input has \(channels) channels but the weight \(c.type(1).shapeDescription) expects \(wIn)")
        }
        guard let kernel = c.node.ints("kernel_shape") ?? w.dropFirst(2).map(\.value).allKnown else { throw Unknown() }
        let window = try Window(c.node, kernel: kernel)
        let n = kernel.count
        let outputPadding = c.node.ints("output_padding") ?? Array(repeating: 0, count: n)
        let spatial: [Dim]
        if let explicit = c.node.ints("output_shape") {
            spatial = explicit.suffix(n).map { .value($0) }
        } else {
            guard outputPadding.count == n, outputPadding.allSatisfy({ SizeLimit.within($0, SizeLimit.window) }) else {
                throw ShapeError("output_padding \(outputPadding) needs \(n) entries up to \(SizeLimit.window)")
            }
            spatial = try x.dropFirst(2).enumerated().map { i, d in
                guard let size = d.value else { return .unknown }
                let s = Double(window.strides[i]), extent = Double(kernel[i] - 1) * Double(window.dilations[i]) + 1
                let out = window.autoPad.hasPrefix("SAME") ? Double(size) * s
                    : s * Double(size - 1) + Double(outputPadding[i]) + extent - Double(window.pads[i] + window.pads[i + n])
                guard SizeLimit.fits(out) else { throw ShapeError("its output would have a side of \(out), above \(SizeLimit.description)") }
                return .value(Int(out))
            }
        }
        return [ValueType(elementType: c.elementType(0), dims: [x[0], try w[1].times(group)] + spatial)]
    }

    /// A convolution's `group`, at least 1 and at most ``SizeLimit/window``.
    private static func groups(_ node: Node) throws -> Int {
        let group = node.int("group", default: 1)
        guard group >= 1, group <= SizeLimit.window else { throw ShapeError("group \(group) must be between 1 and \(SizeLimit.window)") }
        return group
    }

    static func pool(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        guard let kernel = c.node.ints("kernel_shape") else { throw ShapeError("kernel_shape attribute is missing") }
        guard x.count == kernel.count + 2 else {
            throw ShapeError("input \(c.type(0).shapeDescription) does not fit kernel_shape \(kernel)")
        }
        let window = try Window(c.node, kernel: kernel)
        let dims = Array(x.prefix(2)) + (try window.output(Array(x.dropFirst(2))))
        return [ValueType(elementType: c.elementType(0), dims: dims), ValueType(elementType: .int64, dims: dims)]
    }

    static func globalPool(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        guard x.count >= 3 else { throw ShapeError("input \(c.type(0).shapeDescription) needs rank ≥ 3") }
        return [ValueType(elementType: c.elementType(0), dims: Array(x.prefix(2)) + Array(repeating: .value(1), count: x.count - 2))]
    }

    static func batchNorm(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        guard x.count >= 2 else { throw ShapeError("input \(c.type(0).shapeDescription) needs rank ≥ 2") }
        for i in 1...4 {
            guard let p = c.dims(i) else { continue }
            if p.count != 1 || (p[0].value != nil && x[1].value != nil && p[0] != x[1]) {
                throw ShapeError("parameter \(i) has shape \(c.type(i).shapeDescription) but the input has \(x[1]) channels")
            }
        }
        let stat = ValueType(elementType: c.elementType(0), dims: [x[1]])
        return [ValueType(elementType: c.elementType(0), dims: x), stat, stat]
    }

    static func layerNorm(_ c: inout ShapeContext) throws -> [ValueType] {
        let x = try c.requireDims(0)
        let axis = try c.axis(c.node.int("axis", default: -1), rank: x.count)
        let stats = Array(x.prefix(axis)) + Array(repeating: .value(1), count: x.count - axis)
        return [ValueType(elementType: c.elementType(0), dims: x),
                ValueType(elementType: .float32, dims: stats), ValueType(elementType: .float32, dims: stats)]
    }

    static func perChannel(_ c: inout ShapeContext) throws -> [ValueType] {
        [ValueType(elementType: c.elementType(0), dims: try c.requireDims(0))]
    }
}

extension Array where Element == Int? {
    /// The values when none is nil.
    var allKnown: [Int]? {
        let known = compactMap { $0 }
        return known.count == count ? known : nil
    }
}
