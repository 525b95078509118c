import Foundation
import ONNXProto
import ScalpelCore

/// Structure-aware mutations of a real model: each fuzz input is read as a short program of
/// edits to the decoded ONNX message (attribute values and types, dims, initializer contents,
/// wiring, op types, opsets), so every mutant is a well-formed protobuf that reaches the
/// loader's checks, shape inference and the engine instead of failing at decoding.
struct ModelMutator {
    /// Attribute names ops read, offered to nodes that may not expect them.
    static let attributeNames = ["axis", "axes", "group", "kernel_shape", "pads", "strides", "dilations", "perm",
                                 "keepdims", "blocksize", "alpha", "epsilon", "to", "transA", "transB", "split",
                                 "starts", "ends", "mode", "auto_pad", "output_padding", "output_shape", "ceil_mode",
                                 "allowzero", "value", "equation", "coordinate_transformation_mode", "batch_dims"]

    /// Op names a node may be turned into: every op Scalpel knows, and one it does not.
    static let opNames = OpType.known.map(\.name) + ["NoSuchOp"]

    /// What is left of the input once the mutant is made.
    private(set) var bytes: FuzzBytes
    private var model: Onnx_ModelProto

    /// A mutator of `model` steered by `bytes`.
    init(_ model: Onnx_ModelProto, bytes: FuzzBytes) {
        self.model = model
        self.bytes = bytes
    }

    /// Applies one to eight edits and returns the mutant.
    mutating func mutant() -> Onnx_ModelProto {
        for _ in 0...(bytes.byte() % 8) { mutateOnce() }
        return model
    }

    /// Every value name of the graph (inputs, initializers, node outputs) and two that do not exist.
    private var valueNames: [String] {
        model.graph.input.map(\.name) + model.graph.initializer.map(\.name) + model.graph.node.flatMap(\.output) + ["", "ghost"]
    }

    private mutating func mutateOnce() {
        let nodes = model.graph.node.count
        switch bytes.byte() % 16 {
        case 0, 1, 2:
            guard nodes > 0 else { return }
            let n = bytes.index(nodes)
            guard !model.graph.node[n].attribute.isEmpty else { return }
            let a = bytes.index(model.graph.node[n].attribute.count)
            model.graph.node[n].attribute[a] = mutated(model.graph.node[n].attribute[a])
        case 3:
            guard nodes > 0 else { return }
            var attribute = Onnx_AttributeProto()
            attribute.name = Self.attributeNames[bytes.index(Self.attributeNames.count)]
            attribute.type = [.int, .ints, .float, .floats, .string, .tensor][bytes.index(6)]
            let n = bytes.index(nodes)
            model.graph.node[n].attribute.append(mutated(attribute))
        case 4:
            guard nodes > 0 else { return }
            let n = bytes.index(nodes)
            guard !model.graph.node[n].attribute.isEmpty else { return }
            let a = bytes.index(model.graph.node[n].attribute.count)
            if bytes.byte() % 2 == 0 {
                model.graph.node[n].attribute.remove(at: a)
            } else {
                let types = Onnx_AttributeProto.AttributeType.allCases
                model.graph.node[n].attribute[a].type = types[bytes.index(types.count)]
            }
        case 5:
            guard !model.graph.input.isEmpty else { return }
            let i = bytes.index(model.graph.input.count)
            model.graph.input[i].type.tensorType.shape = mutated(model.graph.input[i].type.tensorType.shape)
            if bytes.byte() % 8 == 0 { model.graph.input[i].type.tensorType.elemType = Int32(bytes.index(17)) }
        case 6:
            guard !model.graph.initializer.isEmpty else { return }
            let t = bytes.index(model.graph.initializer.count)
            model.graph.initializer[t].dims = mutated(model.graph.initializer[t].dims)
        case 7, 8:
            guard !model.graph.initializer.isEmpty else { return }
            let t = bytes.index(model.graph.initializer.count)
            model.graph.initializer[t] = mutatedContents(of: model.graph.initializer[t])
        case 9, 10:
            guard nodes > 0 else { return }
            let n = bytes.index(nodes), names = valueNames
            let node = model.graph.node[n]
            switch bytes.byte() % 4 {
            case 0 where !node.input.isEmpty:
                let slot = bytes.index(node.input.count), name = names[bytes.index(names.count)]
                model.graph.node[n].input[slot] = name
            case 1:
                let name = names[bytes.index(names.count)]
                model.graph.node[n].input.append(name)
            case 2 where !node.input.isEmpty: model.graph.node[n].input.removeLast()
            case 3 where !node.output.isEmpty:
                let slot = bytes.index(node.output.count), name = names[bytes.index(names.count)]
                model.graph.node[n].output[slot] = name
            default: model.graph.node[n].output.append("extra")
            }
        case 11:
            guard nodes > 0 else { return }
            model.graph.node[bytes.index(nodes)].opType = Self.opNames[bytes.index(Self.opNames.count)]
        case 12:
            guard nodes > 0 else { return }
            let n = bytes.index(nodes)
            switch bytes.byte() % 3 {
            case 0: model.graph.node.insert(model.graph.node[n], at: bytes.index(nodes + 1))
            case 1: model.graph.node.remove(at: n)
            default: model.graph.node.swapAt(n, bytes.index(nodes))
            }
        case 13:
            guard !model.opsetImport.isEmpty else { return }
            model.opsetImport[0].version = bytes.byte() % 2 == 0 ? Int64(bytes.index(26)) : bytes.integer()
        case 14:
            let names = valueNames
            if bytes.byte() % 2 == 0, !model.graph.output.isEmpty {
                model.graph.output.remove(at: bytes.index(model.graph.output.count))
            } else {
                var output = Onnx_ValueInfoProto()
                output.name = names[bytes.index(names.count)]
                model.graph.output.append(output)
            }
        default:
            guard !model.graph.output.isEmpty else { return }
            let o = bytes.index(model.graph.output.count)
            model.graph.output[o].type.tensorType.shape = mutated(model.graph.output[o].type.tensorType.shape)
        }
    }

    /// A new value for an attribute of its declared type (a hostile number, a changed length, a
    /// wrong string, an odd tensor).
    private mutating func mutated(_ attribute: Onnx_AttributeProto) -> Onnx_AttributeProto {
        var attribute = attribute
        switch attribute.type {
        case .int: attribute.i = bytes.integer()
        case .float: attribute.f = bytes.float()
        case .ints:
            if attribute.ints.isEmpty || bytes.byte() % 4 == 0 {
                attribute.ints = (0..<bytes.index(9)).map { _ in bytes.integer() }
            } else {
                let k = bytes.index(attribute.ints.count)
                attribute.ints[k] = bytes.integer()
            }
        case .floats: attribute.floats = (0..<bytes.index(5)).map { _ in bytes.float() }
        case .string: attribute.s = Data(["", "NOTSET", "SAME_UPPER", "VALID", "nearest", "linear", "cubic", "bc,cd->bd", "...", "\u{1b}[2J"][bytes.index(10)].utf8)
        case .tensor:
            var tensor = Onnx_TensorProto()
            tensor.dataType = Int32(bytes.index(17))
            tensor.dims = mutated(tensor.dims)
            tensor.int64Data = (0..<bytes.index(4)).map { _ in bytes.integer() }
            attribute.t = tensor
        default: attribute.i = bytes.integer()
        }
        return attribute
    }

    /// A dimension replaced, made symbolic, removed, or added.
    private mutating func mutated(_ shape: Onnx_TensorShapeProto) -> Onnx_TensorShapeProto {
        var shape = shape
        switch bytes.byte() % 4 {
        case 0 where !shape.dim.isEmpty: shape.dim[bytes.index(shape.dim.count)].dimValue = bytes.integer()
        case 1 where !shape.dim.isEmpty: shape.dim[bytes.index(shape.dim.count)].dimParam = ["N", "", "batch"][bytes.index(3)]
        case 2 where !shape.dim.isEmpty: shape.dim.remove(at: bytes.index(shape.dim.count))
        default:
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = Int64(bytes.index(5))
            shape.dim.insert(dim, at: bytes.index(shape.dim.count + 1))
        }
        return shape
    }

    /// Dims replaced (small, so that contents may still match, or hostile), removed, or added.
    private mutating func mutated(_ dims: [Int64]) -> [Int64] {
        var dims = dims
        switch bytes.byte() % 4 {
        case 0 where !dims.isEmpty: dims[bytes.index(dims.count)] = Int64(bytes.index(9))
        case 1 where !dims.isEmpty: dims[bytes.index(dims.count)] = bytes.integer()
        case 2 where !dims.isEmpty: dims.remove(at: bytes.index(dims.count))
        default: dims.insert(Int64(bytes.index(4)), at: bytes.index(dims.count + 1))
        }
        return dims
    }

    /// An initializer's numbers overwritten in place (so shape tensors, scales and axes stored as
    /// data turn hostile), or its element type changed.
    private mutating func mutatedContents(of tensor: Onnx_TensorProto) -> Onnx_TensorProto {
        var tensor = tensor
        if bytes.byte() % 8 == 0 {
            tensor.dataType = Int32(bytes.index(17))
        } else if !tensor.int64Data.isEmpty {
            tensor.int64Data[bytes.index(tensor.int64Data.count)] = bytes.integer()
        } else if !tensor.floatData.isEmpty {
            tensor.floatData[bytes.index(tensor.floatData.count)] = bytes.float()
        } else if tensor.rawData.count >= 8 {
            let offset = bytes.index(tensor.rawData.count / 4) * 4
            let word: [UInt8] = tensor.dataType == 7
                ? withUnsafeBytes(of: bytes.integer().littleEndian, Array.init)
                : withUnsafeBytes(of: bytes.float().bitPattern.littleEndian, Array.init)
            let end = min(tensor.rawData.count, offset + word.count)
            tensor.rawData.replaceSubrange(offset..<end, with: word.prefix(end - offset))
        }
        return tensor
    }
}
