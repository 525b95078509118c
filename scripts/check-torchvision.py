#!/usr/bin/env python3
"""Checks Scalpel's shape inference and save round trip on torchvision classification models.

Usage:
  check-torchvision.py --scalpel PATH [--cache DIR] [--models a,b,...] [--variants bn,fused]
                       [--batch 2] [--out DIR] [--allow-unknown]
  check-torchvision.py --export-only [--cache DIR] [--models a,b,...]
  check-torchvision.py --surgery --scalpel PATH [--models a,b,...] [--variants bn,fused]

Every architecture is built with weights=None (random init, nothing is downloaded), seeded, with
BatchNorm made non-trivial (random affine, running statistics measured on random data), put in
eval mode and exported with the TorchScript exporter (dynamo=False) at opset 17, input "x",
output "y", dynamic batch axis "N", in two variants:
  bn     do_constant_folding=False: BatchNormalization nodes kept
  fused  do_constant_folding=True: the exporter folds BN into the preceding Conv where it can;
         BN nodes that remain (e.g. DenseNet's pre-activation BN) are counted and reported
Exports are cached in DIR (default <repo>/.cache/torchvision) as NAME_VARIANT.onnx and are
reused when present; DIR/manifest.json records export time, node count, BN nodes left and
ORT-vs-PyTorch difference at export.

For every exported model:
  a) runs `SCALPEL MODEL -c "shapes --json" -c "save OUT.onnx"` and parses the first JSON object
     on stdout: {"values": [{"name", "dtype", "shape": [int | "N" | null, ...] | null}, ...]};
  b) gets ONNX Runtime's real shape of the graph input and of every node output (all node
     outputs added as graph outputs of a copy, run once) and compares: each dim must be equal,
     a string dim is accepted only if it is "N" and ORT's dim there equals the batch size;
     a null shape or null dim counts as unknown; a value Scalpel does not list is a mismatch;
  c) runs the original and OUT.onnx in ORT on the same input (max |diff| must be exactly 0)
     and runs onnx.checker.check_model(OUT.onnx, full_check=True).
A model passes when scalpel exits 0, there are no mismatches, no unknowns (unless
--allow-unknown), the round-trip difference is 0 and the checker passes. Prints a markdown
table and "N passed, M failed"; exits 1 if any failed.

With --surgery, for every exported model instead:
  d) `score --all --by l1 --json`: no layer may appear in two groups (groups partition the channels);
  e) `prune --global --by l1 --target-params F` for F in 0.9, 0.5 and `save`: the saved model must pass
     onnx.checker, run in ORT with the original output shape, hold exactly the parameters scalpel
     reports (scripts/onnx_parameters.py) and keep between F and F + 0.05 of them.

Needs torch + torchvision only to export (not when everything is cached), plus onnx,
onnxruntime and numpy.
"""
import argparse
import collections
import copy
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_parameters import parameter_count  # noqa: E402

warnings.filterwarnings("ignore")

OPSET = 17
SEED = 0
DYN = "N"
IMAGE = (3, 224, 224)

MODELS = collections.OrderedDict([
    ("resnet18", {}),
    ("resnet50", {}),
    ("vgg11_bn", {}),
    ("mobilenet_v2", {}),
    ("mobilenet_v3_small", {}),
    ("densenet121", {}),
    ("efficientnet_b0", {}),
    ("squeezenet1_1", {}),
    ("shufflenet_v2_x1_0", {}),
    ("googlenet", {"aux_logits": False, "init_weights": True}),
    ("regnet_x_400mf", {}),
    ("convnext_tiny", {}),
])
VARIANTS = ("bn", "fused")


# ----------------------------------------------------------------------------- export

def model_input(batch):
    rng = np.random.default_rng(SEED)
    return rng.standard_normal((batch,) + IMAGE, dtype=np.float32)


def build_model(name):
    import torch
    import torchvision

    torch.manual_seed(SEED)
    model = getattr(torchvision.models, name)(weights=None, **MODELS[name])
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if bns:
        # Non-trivial BN: random affine, running statistics measured on random data so that
        # activations stay in a sane range through deep networks.
        with torch.no_grad():
            for m in bns:
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.2)
                m.reset_running_stats()
                m.momentum = None  # cumulative average over the calibration passes
            model.train()
            gen = torch.Generator().manual_seed(SEED + 1)
            for _ in range(2):
                model(torch.randn((4,) + IMAGE, generator=gen))
            for m in bns:
                m.momentum = 0.1
    model.eval()
    return model


def export_model(name, cache, manifest, force=False):
    """Exports the missing variants of one architecture; returns {variant: path}."""
    paths = {v: os.path.join(cache, f"{name}_{v}.onnx") for v in VARIANTS}
    todo = [v for v in VARIANTS if force or not os.path.exists(paths[v])]
    if not todo:
        return paths
    import torch

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    t0 = time.time()
    model = build_model(name)
    x = torch.from_numpy(model_input(2))
    with torch.no_grad():
        y_ref = model(x).numpy()
    build_s = time.time() - t0
    for v in todo:
        t0 = time.time()
        f = io.BytesIO()
        torch.onnx.export(model, (x,), f, dynamo=False, opset_version=OPSET,
                          input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: DYN}, "y": {0: DYN}},
                          do_constant_folding=(v == "fused"))
        export_s = time.time() - t0
        proto = onnx.load_from_string(f.getvalue())
        tmp = paths[v] + ".tmp"
        onnx.save_model(proto, tmp)
        os.replace(tmp, paths[v])
        y = run_ort(paths[v], x.numpy())
        diff = float(np.abs(y - y_ref).max())
        scale = float(np.abs(y_ref).max())
        manifest[f"{name}_{v}"] = {
            "export_s": round(export_s, 2), "build_s": round(build_s, 2),
            "nodes": len(proto.graph.node),
            "bn_nodes": sum(n.op_type == "BatchNormalization" for n in proto.graph.node),
            "bytes": os.path.getsize(paths[v]),
            "ort_vs_torch_max_diff": diff, "torch_max_abs_output": scale,
        }
        ok = diff <= 1e-3 * max(1.0, scale)
        print(f"exported {name}_{v}: {export_s:.1f}s, {len(proto.graph.node)} nodes, "
              f"ORT vs torch max |diff| {diff:.2e} (|y| max {scale:.3g})"
              f"{'' if ok else '  <-- LARGE'}", flush=True)
        save_manifest(cache, manifest)
    return paths


def load_manifest(cache):
    p = os.path.join(cache, "manifest.json")
    if os.path.exists(p):
        with open(p) as f:
            return json.load(f)
    return {}


def save_manifest(cache, manifest):
    p = os.path.join(cache, "manifest.json")
    with open(p + ".tmp", "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    os.replace(p + ".tmp", p)


# ----------------------------------------------------------------------------- ORT helpers

def session(src):
    so = ort.SessionOptions()
    so.log_severity_level = 3
    so.intra_op_num_threads = max(1, os.cpu_count() or 1)
    return ort.InferenceSession(src, so, providers=["CPUExecutionProvider"])


def run_ort(path, x):
    sess = session(path)
    return sess.run(None, {sess.get_inputs()[0].name: x})[0]


def ort_value_shapes(path, x):
    """{name: shape} for the graph input(s) and every node output, as ORT produces them."""
    model = onnx.load(path)
    m = copy.deepcopy(model)
    seen = {o.name for o in m.graph.output}
    for node in m.graph.node:
        for name in node.output:
            if name and name not in seen:
                m.graph.output.append(onnx.ValueInfoProto(name=name))
                seen.add(name)
    sess = session(m.SerializeToString())
    names = [o.name for o in sess.get_outputs()]
    inits = {i.name for i in model.graph.initializer}
    feeds = {i.name: x for i in model.graph.input if i.name not in inits}
    outs = sess.run(names, feeds)
    shapes = {k: list(v.shape) for k, v in feeds.items()}
    dtypes = {k: str(v.dtype) for k, v in feeds.items()}
    for n, v in zip(names, outs):
        v = np.asarray(v)
        shapes[n] = [int(d) for d in v.shape]
        dtypes[n] = str(v.dtype)
    return shapes, dtypes, model


# ----------------------------------------------------------------------------- checking

def parse_first_json(text):
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON object on stdout")
    obj, _ = json.JSONDecoder().raw_decode(text, start)
    return obj


def compare_shapes(scalpel_values, ort_shapes, ort_dtypes, batch):
    by_name = {}
    for v in scalpel_values:
        by_name[v.get("name")] = v
    compared = mismatches = unknown = dtype_mismatch = 0
    notes = []
    for name, real in ort_shapes.items():
        compared += 1
        sv = by_name.get(name)
        if sv is None:
            mismatches += 1
            notes.append(f"{name}: not listed by scalpel (ORT {real})")
            continue
        dt = sv.get("dtype")
        if dt is not None and dt != ort_dtypes[name]:
            dtype_mismatch += 1
            if dtype_mismatch <= 3:
                notes.append(f"{name}: dtype {dt}, ORT {ort_dtypes[name]} (not counted)")
        shape = sv.get("shape")
        if shape is None:
            unknown += 1
            continue
        if len(shape) != len(real):
            mismatches += 1
            notes.append(f"{name}: scalpel {shape}, ORT {real}")
            continue
        bad = has_unknown = False
        for d, r in zip(shape, real):
            if d is None:
                has_unknown = True
            elif isinstance(d, str):
                if not (d == DYN and r == batch):
                    bad = True
            elif isinstance(d, bool) or not isinstance(d, int) or d != r:
                bad = True
        if bad:
            mismatches += 1
            notes.append(f"{name}: scalpel {shape}, ORT {real}")
        elif has_unknown:
            unknown += 1
    return compared, mismatches, unknown, dtype_mismatch, notes


def check_one(args, name, variant, path, out_dir, x):
    row = {"model": name, "variant": variant, "nodes": "?", "compared": 0, "mismatches": "-",
           "unknown": "-", "diff": "-", "checker": "-", "verdict": "FAIL", "notes": []}
    shapes, dtypes, model = ort_value_shapes(path, x)
    row["nodes"] = len(model.graph.node)
    out = os.path.join(out_dir, f"{name}_{variant}.onnx")
    if os.path.exists(out):
        os.remove(out)
    cmd = [args.scalpel, path, "-c", "shapes --json", "-c", f"save {out}"]
    t0 = time.time()
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=args.timeout)
    except subprocess.TimeoutExpired:
        row["notes"].append(f"scalpel timed out after {args.timeout}s")
        return row
    row["scalpel_s"] = time.time() - t0
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        row["notes"].append(f"scalpel exited {proc.returncode}: {err[-1] if err else ''}")
    try:
        obj = parse_first_json(proc.stdout.decode(errors="replace"))
        compared, mism, unk, dtm, notes = compare_shapes(obj.get("values", []), shapes, dtypes,
                                                         args.batch)
        row.update(compared=compared, mismatches=mism, unknown=unk)
        row["notes"] += notes
    except Exception as e:
        row["notes"].append(f"cannot parse shapes JSON: {e}")
    if os.path.isfile(out):
        try:
            y0 = run_ort(path, x)
            y1 = run_ort(out, x)
            row["diff"] = float(np.abs(y0 - y1).max()) if y0.shape == y1.shape else "shape"
        except Exception as e:
            row["notes"].append(f"round trip: {str(e).strip().splitlines()[0]}")
        try:
            onnx.checker.check_model(out, full_check=True)
            row["checker"] = "ok"
        except Exception as e:
            row["checker"] = "FAIL"
            row["notes"].append(f"checker: {str(e).strip().splitlines()[0]}")
        if not args.keep:
            for p in (out, out + ".data"):
                if os.path.exists(p):
                    os.remove(p)
    else:
        row["notes"].append(f"no saved model at {out}")
    ok = (proc.returncode == 0 and row["mismatches"] == 0 and row["checker"] == "ok"
          and row["diff"] == 0.0 and (args.allow_unknown or row["unknown"] == 0))
    row["verdict"] = "PASS" if ok else "FAIL"
    return row


def check_surgery(args, name, variant, path, out_dir, x):
    """Partition of `score --all` groups, and global prunes saved and run in ORT."""
    notes = []
    proc = subprocess.run([args.scalpel, path, "-c", "score --all --by l1 --json"], capture_output=True, text=True,
                          timeout=args.timeout)
    if proc.returncode != 0:
        notes.append(f"score --all: {proc.stderr.strip()}")
    else:
        entries = json.loads(proc.stdout)
        members = [m for e in entries for m in e.get("group", [])]
        twice = sorted({m for m in members if members.count(m) > 1})
        if twice:
            notes.append(f"in two groups: {', '.join(twice[:3])}")
    shape = run_ort(path, x).shape
    for target in (0.9, 0.5):
        out = os.path.join(out_dir, f"{name}_{variant}_pruned.onnx")
        proc = subprocess.run([args.scalpel, path, "-c", f"prune --global --by l1 --target-params {target}", "-c", f"save {out}"],
                              capture_output=True, text=True, timeout=args.timeout)
        found = re.search(r"parameters ([\d,]+) → ([\d,]+)", proc.stdout)
        if proc.returncode != 0 or not found:
            notes.append(f"prune {target}: {(proc.stderr or proc.stdout).strip().splitlines()[-1:]}")
            continue
        before, after = (int(g.replace(",", "")) for g in found.groups())
        onnx.checker.check_model(out, full_check=True)
        counted, got = parameter_count(out), run_ort(out, x).shape
        if counted != after or got != shape or not target <= after / before <= target + 0.05:
            notes.append(f"prune {target}: reported {after:,}, file {counted:,}, kept {after / before:.3f}, output {got} (was {shape})")
        for p in (out, out + ".data"):
            if os.path.exists(p):
                os.remove(p)
    return notes


def op_summary(paths):
    total = collections.Counter()
    models = collections.Counter()
    for p in paths:
        m = onnx.load(p, load_external_data=False)
        c = collections.Counter(n.op_type for n in m.graph.node)
        total.update(c)
        models.update(c.keys())
    print(f"\nop types across {len(paths)} exports (nodes, exports using it):")
    print("| op type | nodes | exports |\n|---|---:|---:|")
    for op, n in sorted(total.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"| {op} | {n} | {models[op]} |")


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scalpel", help="path to the scalpel binary")
    ap.add_argument("--cache", default=os.path.join(root, ".cache", "torchvision"))
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--batch", type=int, default=2, help="batch size of the check input")
    ap.add_argument("--out", help="folder for the saved models (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the saved models")
    ap.add_argument("--allow-unknown", action="store_true",
                    help="unknown shapes/dims do not fail a model")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per scalpel run")
    ap.add_argument("--surgery", action="store_true", help="check group partition and global prunes instead")
    ap.add_argument("--export-only", action="store_true",
                    help="only export (and ORT-check) the models, then list their op types")
    ap.add_argument("--force-export", action="store_true", help="re-export even if cached")
    args = ap.parse_args()

    names = [m.strip() for m in args.models.split(",") if m.strip()]
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    bad = [m for m in names if m not in MODELS] + [v for v in variants if v not in VARIANTS]
    if bad:
        ap.error(f"unknown model/variant {bad}; models: {', '.join(MODELS)}")
    if not args.export_only and not args.scalpel:
        ap.error("--scalpel is required (or use --export-only)")
    if args.scalpel and os.sep in args.scalpel:
        args.scalpel = os.path.abspath(args.scalpel)
    os.makedirs(args.cache, exist_ok=True)
    manifest = load_manifest(args.cache)

    exported = {}
    t_all = time.time()
    for name in names:
        try:
            exported[name] = export_model(name, args.cache, manifest, args.force_export)
        except Exception as e:
            print(f"export of {name} failed: {type(e).__name__}: {e}", flush=True)
    if args.export_only:
        print(f"\nexport pass took {time.time() - t_all:.1f}s")
        print("| model | variant | nodes | BN nodes | MB | export s | ORT vs torch max diff |")
        print("|---|---|---:|---:|---:|---:|---:|")
        paths = []
        for name in names:
            for v in variants:
                key = f"{name}_{v}"
                if name in exported and key in manifest:
                    e = manifest[key]
                    paths.append(exported[name][v])
                    print(f"| {name} | {v} | {e['nodes']} | {e['bn_nodes']} | "
                          f"{e['bytes'] / 1e6:.1f} | {e['export_s']} | "
                          f"{e['ort_vs_torch_max_diff']:.2e} |")
        op_summary(paths)
        sys.exit(0 if len(exported) == len(names) else 1)

    tmp = None
    if args.out:
        out_dir = os.path.abspath(args.out)
        os.makedirs(out_dir, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="scalpel-tv-")
        out_dir = tmp.name
    x = model_input(args.batch)

    if args.surgery:
        failed = 0
        for name in names:
            for v in variants:
                notes = check_surgery(args, name, v, exported[name][v], out_dir, x) if name in exported else ["export failed"]
                failed += bool(notes)
                print(f"{'FAIL' if notes else 'PASS'} {name} {v}" + "".join(f"\n    {n}" for n in notes), flush=True)
        total = len(names) * len(variants)
        print(f"{total - failed} passed, {failed} failed")
        sys.exit(1 if failed else 0)

    rows = []
    for name in names:
        for v in variants:
            if name not in exported:
                rows.append({"model": name, "variant": v, "nodes": "?", "compared": 0,
                             "mismatches": "-", "unknown": "-", "diff": "-", "checker": "-",
                             "verdict": "FAIL", "notes": ["export failed"]})
                continue
            try:
                row = check_one(args, name, v, exported[name][v], out_dir, x)
            except Exception as e:
                row = {"model": name, "variant": v, "nodes": "?", "compared": 0,
                       "mismatches": "-", "unknown": "-", "diff": "-", "checker": "-",
                       "verdict": "FAIL", "notes": [f"{type(e).__name__}: {e}"]}
            rows.append(row)
            print(f"{row['verdict']} {name} {v}: {row['compared']} values, "
                  f"{row['mismatches']} mismatches, {row['unknown']} unknown, "
                  f"round-trip diff {row['diff']}, checker {row['checker']}", flush=True)
            for note in row["notes"][:5]:
                print(f"    {note}")
            if len(row["notes"]) > 5:
                print(f"    ... {len(row['notes']) - 5} more")
    if tmp is not None:
        tmp.cleanup()

    print("\n| model | variant | nodes | values compared | shape mismatches | unknown "
          "| round-trip max diff | checker | verdict |")
    print("|---|---|---:|---:|---:|---:|---:|---|---|")
    for r in rows:
        d = r["diff"]
        d = f"{d:.3g}" if isinstance(d, float) else d
        print(f"| {r['model']} | {r['variant']} | {r['nodes']} | {r['compared']} | "
              f"{r['mismatches']} | {r['unknown']} | {d} | {r['checker']} | {r['verdict']} |")
    fused_bn = [(k, e["bn_nodes"]) for k, e in sorted(manifest.items())
                if k.endswith("_fused") and e.get("bn_nodes")]
    if fused_bn:
        print("\nBatchNormalization nodes left in fused exports: "
              + ", ".join(f"{k} {n}" for k, n in fused_bn))
    passed = sum(r["verdict"] == "PASS" for r in rows)
    failed = len(rows) - passed
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
