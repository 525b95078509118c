#!/usr/bin/env python3
"""Checks Scalpel's channel deletion against Torch-Pruning on torchvision models.

Usage:
  check-torch-pruning.py --scalpel PATH [--models a,b,...] [--variants bn,fused]
                         [--layers-per-model K] [--channels C] [--cache DIR] [--seed S]
                         [--size PX] [--keep]

Every architecture is built with weights=None (nothing is downloaded), seeded, BatchNorm made
non-trivial (random affine, running statistics measured on random data in train mode), put in
eval mode and exported (TorchScript exporter, dynamo=False, opset 17, input "x", output "y",
dynamic batch "N", 1x3xPXxPX, PX=224 by default) in two variants:
  bn     do_constant_folding=False: BatchNormalization nodes kept
  fused  do_constant_folding=True: the exporter folds BN into the preceding convs
The original exports are cached in DIR (default <repo>/.cache/torch-pruning) and reused when
ONNX Runtime still reproduces the freshly built model on them.

For each model, K layers are taken from a hand-picked list (first conv, convs inside residual
blocks and the ones feeding residual Adds, depthwise/expand convs and SE convs, DenseNet convs
feeding concats, the last conv before a Flatten->Linear, ...) and C seeded random output channels
of each are deleted:
  a) Torch-Pruning: DependencyGraph on a deep copy, get_pruning_group(module,
     prune_conv_out_channels / prune_linear_out_channels, idxs), check_pruning_group,
     group.prune(), export with each variant's settings -> reference model;
  b) Scalpel: `SCALPEL ORIGINAL -c "group LAYER CH.. --json"` (the group) and
     `SCALPEL ORIGINAL -c "delete channels LAYER CH.." -c "save OUT"`, LAYER being the PyTorch
     module path (if Scalpel cannot resolve it, that is a failure and the full ONNX node name is
     used to test the rest);
  c) both pruned models run in ONNX Runtime on the same random batch of 2: max |a-b| and
     max |a-b| / max |b| (b = Torch-Pruning) must be <= 1e-4 relative;
  d) groups equal: the module names Torch-Pruning's group touches (Conv/Linear/BN, out- and
     in-channel pruning) against the "module" fields of Scalpel's group parameters (fused
     variant: Conv/Linear only, as BN does not exist there as such);
  e) onnx.checker.check_model(OUT, full_check=True).
A test (model x variant x layer) passes when all of a)-e) pass. A layer Torch-Pruning refuses is
"skipped" when Scalpel refuses it too and fails otherwise. Prints one line per test, a markdown
table per model and variant, "N passed, M failed", the failures with a command reproducing
them, and exits 1 on any failure. The pruned models of failing tests are kept under
DIR/failures (the others under DIR/kept with --keep); both are emptied at the start of a run.

Needs torch, torchvision, torch_pruning, onnx, onnxruntime, numpy.
"""
import argparse
import collections
import copy
import io
import json
import os
import shlex
import subprocess
import sys
import time
import warnings

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_parameters import parameter_count  # noqa: E402
from zoo_torch import module_path  # noqa: E402

warnings.filterwarnings("ignore")

OPSET = 17
DYN = "N"
REL_TOL = 1e-4
VARIANTS = ("bn", "fused")

# Hand-picked layers, most interesting first; K of them are used per model.
LAYERS = collections.OrderedDict([
    ("resnext50_32x4d", [
        "layer1.0.conv1",          # feeds a grouped 3x3 conv (32 groups): the same channels leave each group
        "layer1.0.conv2",          # the grouped conv itself
        "layer2.0.conv1",
        "layer3.2.conv2",
        "conv1",
        "layer4.0.conv3",
    ]),
    ("regnet_y_400mf", [
        "trunk_output.block1.block1-0.f.a.0",   # feeds a grouped conv, with a squeeze-excitation after it
        "trunk_output.block2.block2-0.f.b.0",
        "trunk_output.block3.block3-2.f.se.fc1",
    ]),
    ("regnet_x_400mf", [
        "trunk_output.block1.block1-0.f.a.0",   # feeds a grouped conv (groups of 16 channels)
        "trunk_output.block1.block1-0.f.b.0",   # the grouped conv
        "trunk_output.block3.block3-1.f.a.0",
        "trunk_output.block2.block2-0.f.b.0",
    ]),
    ("resnet18", [
        "conv1",                   # stem: coupled with every layer1 residual Add
        "layer1.0.conv2",          # feeds a residual Add (identity shortcut)
        "layer2.0.downsample.0",   # downsample shortcut: couples all layer2 residual outputs
        "layer1.0.conv1",          # inside a basic block
        "layer4.1.conv2",          # last residual stage: -> avgpool -> flatten -> fc in-features
        "layer3.1.conv1",
        "layer2.1.conv1",
    ]),
    ("resnet50", [
        "conv1",
        "layer1.0.conv3",          # bottleneck output, coupled with the downsample shortcut
        "layer2.0.downsample.0",
        "layer1.0.conv2",
        "layer4.2.conv3",          # -> fc
        "layer3.5.conv1",
        "layer4.0.conv2",
    ]),
    ("mobilenet_v2", [
        "features.0.0",            # stem, feeds the first depthwise conv
        "features.3.conv.2",       # projection into a residual Add
        "features.2.conv.0.0",     # expansion conv feeding a depthwise conv
        "features.14.conv.1.0",    # depthwise conv (coupled with its expansion conv)
        "features.18.0",           # last conv -> classifier Linear
        "features.1.conv.0.0",     # depthwise conv right after the stem
        "features.17.conv.2",
    ]),
    ("densenet121", [
        "features.conv0",                          # stem -> pool0 -> every concat in block 1
        "features.denseblock2.denselayer3.conv2",  # new features appended to the concats
        "features.transition1.conv",               # -> pool -> every concat in block 2
        "features.denseblock1.denselayer1.conv1",  # bottleneck inside a dense layer
        "features.denseblock4.denselayer16.conv2", # last features -> norm5 -> classifier
        "features.transition3.conv",
        "features.denseblock3.denselayer10.conv2",
    ]),
    ("efficientnet_b0", [
        "features.0.0",            # stem -> first depthwise conv and its SE block
        "features.2.0.block.0.0",  # expansion conv -> depthwise -> SE scale
        "features.2.1.block.3.0",  # projection into a residual Add
        "features.3.0.block.2.fc1",  # squeeze-excitation reduce conv
        "features.5.1.block.1.0",  # depthwise conv
        "features.8.0",            # last conv -> classifier
        "features.6.2.block.3.0",
    ]),
    ("vgg11_bn", [
        "features.0",              # first conv
        "features.25",             # last conv: -> AdaptiveAvgPool(7,7) -> Flatten -> Linear ranges
        "features.8",
        "classifier.0",            # Linear -> Linear
        "features.15",
        "features.4",
        "features.22",
    ]),
    ("squeezenet1_1", [
        "features.0",
        "features.3.expand3x3",    # second half of a Fire concat (offset)
        "features.3.squeeze",
        "features.12.expand1x1",   # last concat -> classifier conv
        "features.6.expand3x3",
        "features.9.squeeze",
        "features.12.expand3x3",
    ]),
])


# ----------------------------------------------------------------------------- models

def build_model(name, seed, size):
    import torch
    import torchvision

    torch.manual_seed(seed)
    model = getattr(torchvision.models, name)(weights=None)
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if bns:
        with torch.no_grad():
            for m in bns:
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.2)
                m.reset_running_stats()
                m.momentum = None  # cumulative average over the calibration passes
            model.train()
            gen = torch.Generator().manual_seed(seed + 1)
            for _ in range(2):
                model(torch.randn((4, 3, size, size), generator=gen))
            for m in bns:
                m.momentum = 0.1
    model.eval()
    return model


def export(model, variant, size, path):
    import torch

    f = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(model, (torch.zeros(1, 3, size, size),), f, dynamo=False,
                          opset_version=OPSET, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: DYN}, "y": {0: DYN}},
                          do_constant_folding=(variant == "fused"))
    proto = onnx.load_from_string(f.getvalue())
    tmp = path + ".tmp"
    onnx.save_model(proto, tmp)
    os.replace(tmp, path)
    return proto


def session(src):
    so = ort.SessionOptions()
    so.log_severity_level = 3
    so.intra_op_num_threads = max(1, os.cpu_count() or 1)
    return ort.InferenceSession(src, so, providers=["CPUExecutionProvider"])


def run_ort(path, x):
    sess = session(path)
    return sess.run(None, {sess.get_inputs()[0].name: x})[0]


def rel_err(a, b):
    d = float(np.abs(a - b).max())
    return d, d / max(float(np.abs(b).max()), 1e-12)


# ----------------------------------------------------------------------------- scalpel

def scalpel(args, model, commands, timeout=300):
    cmd = [args.scalpel, model]
    for c in commands:
        cmd += ["-c", c]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, "", f"timed out after {timeout}s"
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def repro(args, model, commands):
    parts = [shlex.quote(args.scalpel), shlex.quote(os.path.relpath(model))]
    for c in commands:
        parts += ["-c", shlex.quote(c)]
    return " ".join(parts)


def first_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1] if lines else ""


# ----------------------------------------------------------------------------- one layer

def torch_pruning_group(model, layer, channels, size):
    """Prunes a deep copy with Torch-Pruning. Returns (pruned model, {module: kind}) or raises."""
    import torch
    import torch_pruning as tp

    m = copy.deepcopy(model)
    names = {mod: n for n, mod in m.named_modules()}
    module = dict(m.named_modules())[layer]
    fn = tp.prune_linear_out_channels if isinstance(module, torch.nn.Linear) \
        else tp.prune_conv_out_channels
    DG = tp.DependencyGraph().build_dependency(m, example_inputs=torch.zeros(1, 3, size, size))
    group = DG.get_pruning_group(module, fn, idxs=list(channels))
    if not DG.check_pruning_group(group):
        raise RuntimeError("check_pruning_group returned False")
    touched = {}
    for item in group:
        target = item.dep.target.module
        if isinstance(target, (torch.nn.Conv2d, torch.nn.Linear, torch.nn.BatchNorm2d)):
            touched.setdefault(names[target], type(target).__name__)
    group.prune()
    return m, touched


def module_kinds(model):
    return {n: type(m).__name__ for n, m in model.named_modules()}


def compare_groups(tp_modules, scalpel_params, kinds, variant):
    """Returns (equal, only_tp, only_scalpel, structural_equal)."""
    def keep(name):
        if variant == "bn":
            return True
        return kinds.get(name) not in ("BatchNorm2d",)  # unknown names are kept: they differ

    a = {n for n in tp_modules if keep(n)}
    b = {p.get("module", "") for p in scalpel_params}
    b = {n for n in b if keep(n)}
    # The same comparison with module paths derived here from the ONNX node names, to tell a
    # naming problem from a dependency problem.
    c = set()
    for p in scalpel_params:
        layer = p.get("layer", "")
        op = layer.rsplit("/", 1)[-1].split("_")[0] if layer.startswith("/") else ""
        n = module_path(layer, op)
        if keep(n):
            c.add(n)
    return a == b, sorted(a - b), sorted(b - a), a == c


def check_layer(args, name, model, kinds, layer, channels, originals, onnx_names, work):
    """Runs one layer in every variant. Returns a list of test results (one per variant)."""
    ch = " ".join(str(c) for c in channels)
    tag = f"{name}_{layer}"
    results = []
    t0 = time.time()
    tp_err, touched, pruned = None, {}, None
    try:
        pruned, touched = torch_pruning_group(model, layer, channels, args.size)
    except Exception as e:
        tp_err = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
    tp_s = time.time() - t0
    x = np.random.default_rng(args.seed + 7).standard_normal(
        (2, 3, args.size, args.size), dtype=np.float32)
    y_torch = None
    if pruned is not None:
        import torch
        with torch.no_grad():
            y_torch = pruned(torch.from_numpy(x)).numpy()

    for variant in args.variant_list:
        r = {"model": name, "variant": variant, "layer": layer, "channels": channels,
             "status": "FAIL", "notes": [], "groups_equal": None, "rel": None, "abs": None,
             "checker": None, "repro": [], "only_tp": [], "only_scalpel": [],
             "nodes_equal": None}
        results.append(r)
        orig = originals[variant]
        tp_path = os.path.join(work, f"{tag}_{variant}_tp.onnx")
        sc_path = os.path.join(work, f"{tag}_{variant}_scalpel.onnx")
        # Scalpel names the layer by its module path; fall back to the ONNX node name.
        target = layer
        rc, out, err = scalpel(args, orig, [f"group {target} {ch} --json"])
        if rc != 0 and "no layer named" in err and layer in onnx_names[variant]:
            r["notes"].append(f"scalpel cannot resolve module path '{layer}': {first_line(err)}")
            r["repro"].append(repro(args, orig, [f"group {layer} {ch} --json"]))
            target = onnx_names[variant][layer]
            rc, out, err = scalpel(args, orig, [f"group {target} {ch} --json"])
        group = None
        if rc == 0:
            try:
                group = json.loads(out[out.find("{"):])
            except Exception as e:
                r["notes"].append(f"cannot parse group JSON: {e}")
        save_cmds = [f"delete channels {target} {ch}", f"save {sc_path}"]
        rc2, out2, err2 = scalpel(args, orig, save_cmds)
        sc_refused = rc != 0 or rc2 != 0
        sc_msg = first_line(err if rc != 0 else err2)

        if tp_err is not None:
            if sc_refused:
                r["status"] = "SKIP"
                r["notes"].append(f"both refuse: Torch-Pruning {tp_err}; scalpel {sc_msg}")
            else:
                r["notes"].append(f"Torch-Pruning refuses ({tp_err}) but scalpel deletes")
            continue
        if sc_refused:
            r["notes"].append(f"scalpel refuses: {sc_msg}")
            r["repro"].append(repro(args, orig, save_cmds if rc == 0 else
                                    [f"group {target} {ch} --json"]))
            continue

        try:
            export(pruned, variant, args.size, tp_path)
        except Exception as e:
            r["notes"].append(f"export of the Torch-Pruning model failed: {e}")
            continue
        y_tp = run_ort(tp_path, x)
        _, ref_rel = rel_err(y_tp, y_torch)
        if ref_rel > 1e-4:
            r["notes"].append(f"(reference: ORT vs torch on the pruned model rel {ref_rel:.2e})")
        try:
            y_sc = run_ort(sc_path, x)
            if y_sc.shape != y_tp.shape:
                r["notes"].append(f"output shape {list(y_sc.shape)} vs Torch-Pruning "
                                  f"{list(y_tp.shape)}")
            else:
                r["abs"], r["rel"] = rel_err(y_sc, y_tp)
        except Exception as e:
            r["notes"].append(f"ORT cannot run scalpel's model: {first_line(str(e))}")
        try:
            onnx.checker.check_model(sc_path, full_check=True)
            r["checker"] = "ok"
        except Exception as e:
            r["checker"] = "FAIL"
            r["notes"].append(f"checker: {first_line(str(e))}")
        p_tp, p_sc = parameter_count(tp_path), parameter_count(sc_path)
        if p_tp != p_sc:
            r["notes"].append(f"initializer elements: Torch-Pruning {p_tp}, scalpel {p_sc}")
        if group is not None:
            eq, only_tp, only_sc, structural = compare_groups(
                touched, group.get("parameters", []), kinds, variant)
            r["groups_equal"], r["only_tp"], r["only_scalpel"] = eq, only_tp, only_sc
            r["nodes_equal"] = structural
            if not eq:
                why = ("module paths differ only in naming (the ONNX nodes match)" if structural
                       else "different layers")
                r["notes"].append(f"groups differ ({why}): only Torch-Pruning {only_tp}; "
                                  f"only scalpel {only_sc}")
                r["repro"].append(repro(args, orig, [f"group {target} {ch} --json"]))
        bad_num = r["rel"] is None or r["rel"] > REL_TOL
        if bad_num and r["rel"] is not None:
            r["notes"].append(f"outputs differ: max abs {r['abs']:.3g}, rel {r['rel']:.3g}")
        if bad_num:
            r["repro"].append(repro(args, orig, save_cmds))
        ok = (not bad_num and r["groups_equal"] and r["checker"] == "ok"
              and target == layer)
        r["status"] = "PASS" if ok else "FAIL"
        keep_dir = None
        if r["status"] == "FAIL":
            keep_dir = os.path.join(args.cache, "failures")
        elif args.keep:
            keep_dir = os.path.join(args.cache, "kept")
        for p in (tp_path, sc_path):
            if os.path.exists(p):
                if keep_dir:
                    os.makedirs(keep_dir, exist_ok=True)
                    os.replace(p, os.path.join(keep_dir, os.path.basename(p)))
                else:
                    os.remove(p)
    for r in results:
        r["tp_s"] = tp_s
    return results


# ----------------------------------------------------------------------------- main

def prepare_originals(args, name, model):
    """Exports (or reuses) the original model in each variant; returns {variant: path}."""
    import torch

    x = np.random.default_rng(args.seed + 3).standard_normal(
        (2, 3, args.size, args.size), dtype=np.float32)
    with torch.no_grad():
        y = model(torch.from_numpy(x)).numpy()
    paths = {}
    for v in args.variant_list:
        path = os.path.join(args.cache, f"{name}_{v}_s{args.seed}_{args.size}.onnx")
        fresh = False
        if not os.path.exists(path):
            export(model, v, args.size, path)
            fresh = True
        _, rel = rel_err(run_ort(path, x), y)
        if rel > 1e-4 and not fresh:
            export(model, v, args.size, path)
            fresh = True
            _, rel = rel_err(run_ort(path, x), y)
        print(f"  original {os.path.basename(path)} ({'exported' if fresh else 'cached'}), "
              f"ORT vs torch rel {rel:.1e}", flush=True)
        paths[v] = path
    return paths


def coupled_channels(args, originals, layer, onnx_names, channels):
    variant = next(iter(originals))
    name = onnx_names[variant].get(layer, layer)
    r = subprocess.run([args.scalpel, originals[variant], "-c", f"group '{name}' {' '.join(map(str, channels))} --coupled --json"],
                       capture_output=True, text=True)
    return json.loads(r.stdout)["channels"] if r.returncode == 0 else channels


def pick_channels(rng, n_out, count):
    return sorted(int(c) for c in rng.choice(n_out, size=min(count, n_out - 1), replace=False))


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scalpel", required=True, help="path to the scalpel binary")
    ap.add_argument("--models", default=",".join(LAYERS))
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--layers-per-model", type=int, default=6)
    ap.add_argument("--channels", type=int, default=3, help="channels deleted per layer")
    ap.add_argument("--cache", default=os.path.join(root, ".cache", "torch-pruning"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--size", type=int, default=224, help="input height and width")
    ap.add_argument("--keep", action="store_true", help="keep every pruned model")
    args = ap.parse_args()

    names = [m.strip() for m in args.models.split(",") if m.strip()]
    args.variant_list = [v.strip() for v in args.variants.split(",") if v.strip()]
    bad = [m for m in names if m not in LAYERS] + [v for v in args.variant_list
                                                   if v not in VARIANTS]
    if bad:
        ap.error(f"unknown model/variant {bad}; models: {', '.join(LAYERS)}")
    if os.sep in args.scalpel:
        args.scalpel = os.path.abspath(args.scalpel)
    args.cache = os.path.abspath(args.cache)
    work = os.path.join(args.cache, "work")
    os.makedirs(work, exist_ok=True)
    for sub in ("failures", "kept"):  # pruned models of the previous run
        d = os.path.join(args.cache, sub)
        if os.path.isdir(d):
            for f in os.listdir(d):
                if f.endswith(".onnx"):
                    os.remove(os.path.join(d, f))

    import torch
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    t_all = time.time()
    tests = []
    timing = {}
    for name in names:
        t0 = time.time()
        print(f"{name}:", flush=True)
        model = build_model(name, args.seed, args.size)
        kinds = module_kinds(model)
        originals = prepare_originals(args, name, model)
        onnx_names = {}
        for v, p in originals.items():
            g = onnx.load(p, load_external_data=False).graph
            onnx_names[v] = {module_path(n.name, n.op_type): n.name for n in g.node
                             if n.op_type in ("Conv", "Gemm")}
        modules = dict(model.named_modules())
        rng = np.random.default_rng([args.seed, sum(map(ord, name))])
        layers = [l for l in LAYERS[name] if l in modules][:args.layers_per_model]
        if len(layers) < args.layers_per_model:  # fill up with random convs
            convs = [n for n, m in modules.items() if isinstance(m, torch.nn.Conv2d)
                     and n not in layers]
            extra = rng.choice(len(convs), size=min(len(convs), args.layers_per_model
                                                    - len(layers)), replace=False)
            layers += [convs[i] for i in sorted(extra)]
        for layer in layers:
            m = modules[layer]
            n_out = m.out_channels if isinstance(m, torch.nn.Conv2d) else m.out_features
            channels = pick_channels(rng, n_out, args.channels)
            if any(isinstance(c, torch.nn.Conv2d) and 1 < c.groups != c.in_channels for c in modules.values()):
                # Grouped convolutions take the same channels from every group: both tools get
                # the closed set Scalpel finds (Torch-Pruning's low-level API expects it).
                channels = coupled_channels(args, originals, layer, onnx_names, channels)
            for r in check_layer(args, name, model, kinds, layer, channels, originals,
                                 onnx_names, work):
                tests.append(r)
                rel = "-" if r["rel"] is None else f"{r['rel']:.1e}"
                print(f"  {r['status']} {name} {r['variant']} {layer} ch {channels}: "
                      f"groups equal {r['groups_equal']}, rel {rel}, checker {r['checker']}",
                      flush=True)
                for note in r["notes"]:
                    print(f"      {note}")
        timing[name] = time.time() - t0
        print(f"  ({timing[name]:.0f}s)", flush=True)

    total = time.time() - t_all
    print("\n| model | variant | layers tried | groups equal | max rel error | checker | verdict |")
    print("|---|---|---:|---:|---:|---:|---|")
    for name in names:
        for v in args.variant_list:
            rs = [r for r in tests if r["model"] == name and r["variant"] == v]
            cmp_ = [r for r in rs if r["groups_equal"] is not None]
            rels = [r["rel"] for r in rs if r["rel"] is not None]
            chk = [r for r in rs if r["checker"] is not None]
            fails = sum(r["status"] == "FAIL" for r in rs)
            skips = sum(r["status"] == "SKIP" for r in rs)
            verdict = "FAIL" if fails else "PASS"
            if fails or skips:
                verdict += f" ({fails} failed" + (f", {skips} skipped" if skips else "") + ")"
            geq = f"{sum(bool(r['groups_equal']) for r in cmp_)}/{len(cmp_)}"
            if any(r["groups_equal"] != r["nodes_equal"] for r in cmp_):
                geq += f" (by ONNX node: {sum(bool(r['nodes_equal']) for r in cmp_)}/{len(cmp_)})"
            mrel = f"{max(rels):.1e}" if rels else "-"
            print(f"| {name} | {v} | {len(rs)} | {geq} | {mrel} | "
                  f"{sum(r['checker'] == 'ok' for r in chk)}/{len(chk)} ok | {verdict} |")
    passed = sum(r["status"] == "PASS" for r in tests)
    failed = sum(r["status"] == "FAIL" for r in tests)
    skipped = sum(r["status"] == "SKIP" for r in tests)
    failures = [r for r in tests if r["status"] == "FAIL"]
    if failures:
        print("\nfailures:")
        for r in failures:
            print(f"- {r['model']} {r['variant']} {r['layer']} channels {r['channels']}")
            for note in r["notes"]:
                print(f"    {note}")
            for cmd in dict.fromkeys(r["repro"]):
                print(f"    repro: {cmd}")
    print(f"\ntime: {total:.0f}s (" + ", ".join(f"{k} {v:.0f}s" for k, v in timing.items())
          + ")")
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
          + " (tests = model x variant x layer)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
