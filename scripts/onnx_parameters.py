"""Parameter counting as Scalpel's `summary` does it, for the check and fixture scripts.

A parameter is a float initializer that some node reads directly (or that nothing reads), or
an Identity alias of one: exporters that merge equal tensors (`bn.running_var =
Identity(bn.weight)`) still hold one parameter per name, as the framework had. A tensor that
several nodes read directly (tied weights) counts once. A float Constant node's output (or an
Identity alias of one) counts too where a layer reads it as a parameter (PARAMETER_SLOTS, the
`parameters` each op family declares in Sources/ScalpelCore/Ops): paddle2onnx writes weights so.
"""
import numpy as np
import onnx


# Inputs that hold parameters: trained weights and BatchNorm statistics.
PARAMETER_SLOTS = {"Conv": (1, 2), "ConvTranspose": (1, 2), "Gemm": (1, 2), "MatMul": (0, 1), "BatchNormalization": (1, 2, 3, 4)}


def parameter_count(model):
    """Elements of every parameter of an onnx.ModelProto (or a path to one)."""
    if isinstance(model, str):
        model = onnx.load(model)
    graph = model.graph
    floats = {t.name: int(np.prod(t.dims)) for t in graph.initializer if t.data_type == onnx.TensorProto.FLOAT}
    sizes, direct, through_identity, constants = {}, set(), set(), {}
    for node in graph.node:
        if node.op_type == "Constant" and node.output:
            value = next((a.t for a in node.attribute if a.name == "value" and a.type == onnx.AttributeProto.TENSOR), None)
            if value is not None and value.data_type == onnx.TensorProto.FLOAT:
                constants[node.output[0]] = int(np.prod(value.dims))
        if node.op_type == "Identity" and node.input and node.input[0] in constants and node.output:
            constants[node.output[0]] = constants[node.input[0]]
        for slot in PARAMETER_SLOTS.get(node.op_type, ()):
            if slot < len(node.input) and node.input[slot] in constants:
                sizes[node.input[slot]] = constants[node.input[slot]]
        for v in node.input:
            if v in floats:
                (through_identity if node.op_type == "Identity" else direct).add(v)
        if node.op_type == "Identity" and node.input and node.output:
            size = sizes.get(node.input[0], floats.get(node.input[0]))
            if size is not None:
                sizes[node.output[0]] = size
    for name, size in floats.items():
        if name in direct or name not in through_identity:
            sizes[name] = size
    return sum(sizes.values())
