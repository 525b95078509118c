"""Parameter counting as Scalpel's `summary` does it, for the check and fixture scripts.

A parameter is a float initializer that some node reads directly (or that nothing reads), or
an Identity alias of one: exporters that merge equal tensors (`bn.running_var =
Identity(bn.weight)`) still hold one parameter per name, as the framework had. A tensor that
several nodes read directly (tied weights) counts once.
"""
import numpy as np
import onnx


def parameter_count(model):
    """Elements of every parameter of an onnx.ModelProto (or a path to one)."""
    if isinstance(model, str):
        model = onnx.load(model)
    graph = model.graph
    floats = {t.name: int(np.prod(t.dims)) for t in graph.initializer if t.data_type == onnx.TensorProto.FLOAT}
    sizes, direct, through_identity = {}, set(), set()
    for node in graph.node:
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
