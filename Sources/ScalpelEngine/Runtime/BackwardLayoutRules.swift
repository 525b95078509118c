import ScalpelCore

/// Backward rules of ops that move data: each sends every output element's gradient back to
/// the input element it was copied from, summing where one input element fed several.
extension BackwardRules {
    /// Each output element's gradient goes back through the inverse permutation.
    func transpose(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        let x = node.inputs[0], s = dims(x), source = LayoutKernels.denseStrides(s)
        let perm = node.ints("perm") ?? Array(s.indices.reversed())
        let offsets = Broadcasting.sourceOffsets(base: 0, strides: perm.map { source[$0] }, shape: dims(node.outputs[0]))
        return [(x, Self.scatterAdd(dy, at: offsets, count: s.reduce(1, *)))]
    }

    /// Tile, DepthToSpace, SpaceToDepth: the gradient goes back through the op's index map.
    func indexMap(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        let x = node.inputs[0], s = dims(x)
        guard let map = LayoutOp.sourceIndices(node, input: s, output: dims(node.outputs[0])) else {
            throw noRule("its shapes do not fit its attributes")
        }
        return [(x, Self.scatterAdd(dy, at: map, count: s.reduce(1, *)))]
    }

    /// Each kept element's gradient goes back to its place; the rest of the input gets zero.
    func slice(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        let x = node.inputs[0], s = dims(x)
        guard let starts = node.input(1) != nil ? constantIntegers(node.input(1)) : node.ints("starts"),
              let ends = node.input(2) != nil ? constantIntegers(node.input(2)) : node.ints("ends") else {
            throw noRule("starts and ends must be constant")
        }
        let axes = (node.input(3) != nil ? constantIntegers(node.input(3)) : node.ints("axes")) ?? Array(starts.indices)
        let steps = constantIntegers(node.input(4)) ?? Array(repeating: 1, count: starts.count)
        let (base, strides) = LayoutKernels.sliceLayout(s, starts: starts, ends: ends, axes: axes, steps: steps)
        let offsets = Broadcasting.sourceOffsets(base: base, strides: strides, shape: dims(node.outputs[0]))
        return [(x, Self.scatterAdd(dy, at: offsets, count: s.reduce(1, *)))]
    }

    /// Each input element gets the sum of the gradients of its broadcast copies.
    func expand(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        let x = node.inputs[0], out = dims(node.outputs[0])
        let offsets = Broadcasting.sourceOffsets(base: 0, strides: Broadcasting.strides(dims(x), to: out), shape: out)
        return [(x, Self.scatterAdd(dy, at: offsets, count: dims(x).reduce(1, *)))]
    }

    /// Each picked slice's gradient goes back to its index, summed where an index repeats.
    func gather(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        let x = node.inputs[0], s = dims(x)
        guard let indices = constantIntegers(node.input(1)) else { throw noRule("indices must be constant") }
        let axis = axis("axis", default: 0, rank: s.count)
        let outer = s.prefix(axis).reduce(1, *), inner = s.dropFirst(axis + 1).reduce(1, *)
        var offsets: [Int] = []
        offsets.reserveCapacity(dy.count)
        for o in 0..<outer {
            for i in indices {
                let start = (o * s[axis] + (i < 0 ? i + s[axis] : i)) * inner
                offsets.append(contentsOf: start..<(start + inner))
            }
        }
        return [(x, Self.scatterAdd(dy, at: offsets, count: s.reduce(1, *)))]
    }

    /// Constant padding: each input element reads its gradient back from where it sits in the output.
    func pad(_ dy: [Float]) throws -> [(ValueID, [Float])] {
        let x = node.inputs[0], s = dims(x)
        guard let pads = node.input(1) != nil ? constantIntegers(node.input(1)) : node.ints("pads"), pads.count == 2 * s.count,
              pads.allSatisfy({ $0 >= 0 }) else {
            throw noRule("only non-negative padding given as constants for every axis")
        }
        let mode = node.string("mode", default: "constant")
        if mode != "constant" {
            // Each output element's gradient goes back to the input element it copies.
            guard let map = LayoutKernels.padSources(mode: mode, input: s, output: dims(node.outputs[0]), pads: pads) else {
                throw noRule("\(mode) padding of \(s) by \(pads)")
            }
            return [(x, Self.scatterAdd(dy, at: map, count: s.reduce(1, *)))]
        }
        let outStrides = LayoutKernels.denseStrides(dims(node.outputs[0]))
        let base = s.indices.reduce(0) { $0 + pads[$1] * outStrides[$1] }
        return [(x, Broadcasting.sourceOffsets(base: base, strides: outStrides, shape: s).map { dy[$0] })]
    }

    /// The gradients of a Split's input from each output's gradient (nil where nothing reads that output).
    func splitGradients(_ outputGradients: [[Float]?]) throws -> [(ValueID, [Float])] {
        let x = node.inputs[0], s = dims(x)
        let axis = axis("axis", default: 0, rank: s.count)
        let outer = s.prefix(axis).reduce(1, *), inner = s.dropFirst(axis + 1).reduce(1, *), total = s[axis] * inner
        var dx = [Float](repeating: 0, count: s.reduce(1, *)), offset = 0
        for (output, g) in zip(node.outputs, outputGradients) {
            let shape = dims(output), block = shape.isEmpty ? 0 : shape[axis] * inner
            if let g {
                for o in 0..<outer { for i in 0..<block { dx[o * total + offset + i] = g[o * block + i] } }
            }
            offset += block
        }
        return [(x, dx)]
    }
}
