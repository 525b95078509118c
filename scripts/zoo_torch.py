#!/usr/bin/env python3
"""The PyTorch side of scripts/check-zoo.py: torchvision and timm models built, exported, rebuilt.

Usage (children of check-zoo.py, in a venv with torch, torchvision, timm, torch_pruning, onnx,
onnxruntime; each prints one ZOO-RESULT line of JSON):
  zoo_torch.py float64 SOURCE NAME ONNX X.npy OUT.npy
  zoo_torch.py torch-pruning SOURCE NAME ONNX SPEC.json OUTDIR

A model is built exactly as its export was (same seed, same order of random draws, so the same
weights) and is only used once the rebuild is proven equal to the export: the rebuilt model
exported again holds bit-equal initializers (as a multiset of byte strings) to ONNX. Then
  float64        runs the model in float64 on X: the exact answer both fp32 engines are judged by;
  torch-pruning  for each {"layer": module path, "channels": [...]} of SPEC's "layers", prunes a
                 deep copy with Torch-Pruning (DependencyGraph, the layer's output channels) and
                 exports it as the original was: OUTDIR/tp-K.onnx, or the reason it refused.
"""
import copy
import hashlib
import json
import os
import re
import sys

SEED = 0
OPSET = 17


def torch_module():
    """torch, single-threaded and seeded, warnings off."""
    import warnings
    warnings.filterwarnings("ignore")
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    return torch


def parameter_count(torch_model):
    """Number of parameters of a torch module."""
    return sum(p.numel() for p in torch_model.parameters())


def calibrate_bn(torch, model, size):
    """Random BN affine, running statistics measured on random data (activations stay sane)."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    with torch.no_grad():
        for m in bns:
            if m.affine:
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.2)
            if m.track_running_stats:
                m.reset_running_stats()
                m.momentum = None
        try:
            model.train()
            gen = torch.Generator().manual_seed(SEED + 1)
            for _ in range(2):
                model(torch.randn((2, 3, size, size), generator=gen))
        except Exception:  # noqa: BLE001 - keep the reset statistics
            pass
        for m in bns:
            m.momentum = 0.1
    model.eval()


def torch_export(torch, model, size, out):
    """The zoo's export of a torch model: TorchScript exporter, opset 17, input "x", batch 1."""
    x = torch.randn(1, 3, size, size)
    torch.onnx.export(model, (x,), out, dynamo=False, opset_version=OPSET, input_names=["x"])


TORCHVISION_SEGMENTATION = {"fcn_resnet50", "deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large"}
TORCHVISION_DETECTION = {"ssdlite320_mobilenet_v3_large", "fasterrcnn_mobilenet_v3_large_320_fpn"}


def torchvision_builder(name):
    """(build(size) -> model, input sizes to try) for a torchvision model."""
    torch = torch_module()
    import torchvision

    class FirstOutput(torch.nn.Module):  # segmentation models return {"out": ..., "aux": ...}
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, x):
            return self.m(x)["out"]

    def build(s):
        torch.manual_seed(SEED)
        kw = {"weights": None}
        if name.startswith("vit_"):
            kw["image_size"] = s
        if name.startswith("maxvit"):
            kw["input_size"] = (s, s)
        if name in ("googlenet", "inception_v3"):
            kw.update(aux_logits=False, init_weights=True)
        if name in TORCHVISION_SEGMENTATION or name in TORCHVISION_DETECTION:
            kw["weights_backbone"] = None
        m = torchvision.models.get_model(name, **kw)
        return FirstOutput(m) if name in TORCHVISION_SEGMENTATION else m

    sizes = [56, 112, 224] if re.match(r"vit_.*_14$", name) else [64, 96, 128, 224, 299]
    return build, sizes


def timm_builder(name):
    """(build(size) -> model, input sizes to try) for a timm model."""
    torch = torch_module()
    import timm

    def build(s):
        torch.manual_seed(SEED)
        try:
            return timm.create_model(name, pretrained=False, img_size=s)
        except TypeError:
            return timm.create_model(name, pretrained=False)

    try:
        default = timm.models.get_pretrained_cfg(name).input_size[-1]
    except Exception:  # noqa: BLE001
        default = 224
    return build, sorted({64, 128, 224, default})


BUILDERS = {"torchvision": torchvision_builder, "timm": timm_builder}


def prepared(torch, build, size):
    """build(size) in eval mode after one forward and BN calibration: the draws of an export."""
    model = build(size).eval()
    with torch.no_grad():
        model(torch.randn(1, 3, size, size))
    return model


def fit_and_export(source, name, out, max_params):
    """Exports the model at the first input size at which it runs and exports (some exports,
    e.g. adaptive pooling to 7×7, need a bigger input than the forward does); a result dict."""
    torch = torch_module()
    build, sizes = BUILDERS[source](name)
    error = None
    for s in sizes:
        try:
            model = prepared(torch, build, s)
        except Exception as e:  # noqa: BLE001 - any failure means: try a bigger input
            error = e
            continue
        n = parameter_count(model)
        if n > max_params:
            return {"status": "skipped", "params": n, "message": f"{n:,} parameters > --max-params {max_params:,.0f}"}
        calibrate_bn(torch, model, s)
        try:
            torch_export(torch, model, s, out)
        except Exception as e:  # noqa: BLE001
            error = e
            continue
        exporter = f"torch {torch.__version__.split('+')[0]} TorchScript"
        if source == "timm":
            import timm
            exporter += f" (timm {timm.__version__})"
        return {"status": "ok", "exporter": exporter, "input": [1, 3, s, s]}
    raise RuntimeError(f"no input size of {sizes} runs and exports: {type(error).__name__}: {error}")


def initializer_digests(path):
    """Sorted digests of every initializer's bytes (names differ between exports, bytes do not)."""
    import onnx
    from onnx import numpy_helper
    model = onnx.load(path)
    return sorted(hashlib.sha1(numpy_helper.to_array(t).tobytes()).hexdigest() for t in model.graph.initializer)


def rebuilt(source, name, onnx_path, work):
    """(torch, model, size): the model of onnx_path rebuilt, proven bit-equal by re-exporting it."""
    import onnx
    torch = torch_module()
    dims = onnx.load(onnx_path, load_external_data=False).graph.input[0].type.tensor_type.shape.dim
    size = dims[-1].dim_value
    build, _ = BUILDERS[source](name)
    model = prepared(torch, build, size)
    calibrate_bn(torch, model, size)
    again = os.path.join(work, "rebuilt.onnx")
    torch_export(torch, model, size, again)
    if initializer_digests(again) != initializer_digests(onnx_path):
        raise RuntimeError("the rebuilt model's weights differ from the export's")
    os.remove(again)
    return torch, model, size


def float64_output(source, name, onnx_path, x_path, out_path):
    """Writes the rebuilt model's float64 output on X to out_path."""
    import numpy as np
    torch, model, _ = rebuilt(source, name, onnx_path, os.path.dirname(out_path))
    with torch.no_grad():
        y = model.double()(torch.from_numpy(np.load(x_path)).double())
    np.save(out_path, y.numpy())
    return {"status": "ok"}


def torch_pruning(source, name, onnx_path, spec_path, out_dir):
    """Prunes each layer of the spec with Torch-Pruning; {"layers": [per-layer outcome]}."""
    import torch_pruning as tp
    torch, model, size = rebuilt(source, name, onnx_path, out_dir)
    with open(spec_path) as f:
        spec = json.load(f)
    outcomes = []
    for k, item in enumerate(spec["layers"]):
        outcome = {"layer": item["layer"], "channels": item["channels"]}
        try:
            m = copy.deepcopy(model)
            module = dict(m.named_modules()).get(item["layer"])
            if module is None:
                raise LookupError(f"no module {item['layer']}")
            fn = tp.prune_linear_out_channels if isinstance(module, torch.nn.Linear) else tp.prune_conv_out_channels
            graph = tp.DependencyGraph().build_dependency(m, example_inputs=torch.zeros(1, 3, size, size))
            group = graph.get_pruning_group(module, fn, idxs=list(item["channels"]))
            if not graph.check_pruning_group(group):
                raise RuntimeError("check_pruning_group returned False")
            group.prune()
            path = os.path.join(out_dir, f"tp-{k}.onnx")
            torch_export(torch, m, size, path)
            outcome.update(status="pruned", path=path, params=parameter_count(m))
        except Exception as e:  # noqa: BLE001 - Torch-Pruning refused or failed on this layer
            outcome.update(status="refused", message=f"{type(e).__name__}: {str(e)[:200]}")
        outcomes.append(outcome)
    return {"status": "ok", "layers": outcomes}


def module_path(node_name, op_type):
    """PyTorch module path from a TorchScript-exported node name:
    /features/features.1/conv/conv.0/conv.0.0/Conv -> features.1.conv.0.0."""
    parts = node_name.split("/")
    if not node_name.startswith("/") or len(parts) < 2:
        return node_name
    parts = parts[1:]
    if parts and (parts[-1] == op_type or parts[-1].startswith(op_type + "_")):
        parts = parts[:-1]
    path, prev = "", None
    for p in parts:
        if prev is not None and p.startswith(prev + "."):
            path += p[len(prev):]
        else:
            path = p if not path else path + "." + p
        prev = p
    return path


def main():
    import resource
    # A model that makes Torch-Pruning's tracing blow up fails here instead of starving the machine.
    resource.setrlimit(resource.RLIMIT_AS, (8 << 30, resource.RLIM_INFINITY))
    jobs = {"float64": float64_output, "torch-pruning": torch_pruning}
    if len(sys.argv) != 7 or sys.argv[1] not in jobs:
        raise SystemExit(__doc__)
    try:
        result = jobs[sys.argv[1]](*sys.argv[2:])
    except BaseException as e:  # noqa: BLE001 - reported to the parent
        result = {"status": "failed", "message": f"{type(e).__name__}: {str(e)[:300]}"}
    print("ZOO-RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
