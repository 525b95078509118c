#!/usr/bin/env python3
"""Checks Scalpel's inference engine against ONNX Runtime, and localises any divergence.

Usage:
  check-engine.py --scalpel PATH [--models a,b,...] [--variants bn,fused] [--batch 2]
                  [--fixtures Tests/Fixtures] [--cache .cache/torchvision] [--tol 1e-4]
                  [--work DIR] [--no-diagnose] [--no-fixtures] [--no-torchvision]

Models checked:
  - every fixture FIXTURES/NAME.onnx that has FIXTURES/NAME.npz (x, y): input is the npz's x
    (variant column "fixture");
  - every cached torchvision export CACHE/NAME_VARIANT.onnx (see scripts/check-torchvision.py,
    which makes them) for the variants asked for: input is a seeded standard normal
    batch×3×224×224 float32 array (numpy default_rng(0)).
  --models filters both lists by name (fixture name or torchvision architecture).

For each model: writes the input to X.npy, times `SCALPEL MODEL -c "run --input X.npy -o Y.npy"`
(wall clock of the whole process: load, plan, run, write), runs ONNX Runtime (CPU, graph
optimisations disabled, so the reference is the graph as written) on the same input and computes
  max rel error = max|scalpel − ort| / max|ort|        (must be ≤ --tol, default 1e-4)
Prints a markdown table and "N passed, M failed"; exits 1 if any failed.

Diagnosis (unless --no-diagnose) for each failure, whether scalpel gave wrong numbers or an error:
ONNX Runtime computes every float intermediate at once; Scalpel's CLI only returns the first
graph output, so the script makes truncated copies of the model whose only output is one
intermediate value (nodes not needed for it removed) and runs the CLI on each. It bisects over
the float node outputs in topological order, then walks back through the inputs of the node it
landed on until it finds a node whose output diverges while every float input it reads matches:
that node is reported (op, name, attributes, input/output shapes, error). Repro files go under
--work (default .cache/check-engine/NAME_VARIANT/): the truncated model and, when its first
input is 4-D, a single-node model with its other activation inputs baked in as initializers;
the report prints the commands to rerun them.
"""
import argparse
import collections
import copy
import json
import os
import shlex
import subprocess
import sys
import time
import warnings

import numpy as np
import onnx
from onnx import helper, numpy_helper
import onnxruntime as ort

warnings.filterwarnings("ignore")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 0
IMAGE = (3, 224, 224)
TORCHVISION = ["resnet18", "resnet50", "vgg11_bn", "mobilenet_v2", "mobilenet_v3_small", "densenet121",
               "efficientnet_b0", "squeezenet1_1", "shufflenet_v2_x1_0", "googlenet", "regnet_x_400mf", "convnext_tiny"]
VARIANTS = ("bn", "fused")


# ----------------------------------------------------------------------------- helpers

def rel_error(a, b):
    """(max rel error, max abs error) of a against reference b; inf when shapes differ or a has NaN."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf"), float("inf")
    if a.size == 0:
        return 0.0, 0.0
    diff = np.abs(a - b)
    if not np.all(np.isfinite(diff)):
        return float("inf"), float("inf")
    mx = float(diff.max())
    scale = float(np.abs(b).max())
    return (mx / scale if scale > 0 else (0.0 if mx == 0 else float("inf"))), mx


def ort_session(model_or_path):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.log_severity_level = 3
    data = model_or_path if isinstance(model_or_path, str) else model_or_path.SerializeToString()
    return ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])


def load_model(path):
    # Loads external data too (plain_cnn_external); the base dir is the model's folder.
    return onnx.load(path, load_external_data=True)


def run_scalpel(scalpel, model_path, x_path, y_path, timeout=900):
    """Runs the CLI; returns (output array or None, wall seconds, error text)."""
    if os.path.exists(y_path):
        os.remove(y_path)
    cmd = [scalpel, model_path, "-c", f"run --input {x_path} -o {y_path}"]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - t0, f"timed out after {timeout} s"
    wall = time.perf_counter() - t0
    if p.returncode != 0 or not os.path.exists(y_path):
        msg = (p.stderr.strip() or p.stdout.strip() or f"exit {p.returncode}").splitlines()
        return None, wall, f"exit {p.returncode}: " + " | ".join(msg[-3:])
    return np.load(y_path), wall, None


def repro_command(scalpel, model_path, x_path, y_path):
    return f'{shlex.quote(scalpel)} {shlex.quote(model_path)} -c {shlex.quote(f"run --input {x_path} -o {y_path}")}'


# ----------------------------------------------------------------------------- diagnosis

class Bisector:
    """Finds the first node whose float output diverges between Scalpel and ORT."""

    def __init__(self, model, x, scalpel, tol, workdir):
        self.model = model
        self.x = x
        self.scalpel = scalpel
        self.tol = tol
        self.workdir = workdir
        self.graph = model.graph
        self.input_name = [i.name for i in self.graph.input if i.name not in {t.name for t in self.graph.initializer}][0]
        self.initializers = {t.name for t in self.graph.initializer}
        self.producer = {}
        for i, n in enumerate(self.graph.node):
            for o in n.output:
                if o:
                    self.producer[o] = i
        self.ref = self._ort_all()
        # Candidates: float32 node outputs ORT computed, in topological (graph) order.
        self.order = []
        for n in self.graph.node:
            for o in n.output:
                if o and o in self.ref and self.ref[o].dtype == np.float32 and self.ref[o].ndim >= 1:
                    self.order.append(o)
        self.cache = {}
        self.runs = 0
        os.makedirs(workdir, exist_ok=True)
        self.x_path = os.path.join(workdir, "x.npy")
        np.save(self.x_path, x)

    def _ort_all(self):
        m = copy.deepcopy(self.model)
        have = {o.name for o in m.graph.output}
        for n in m.graph.node:
            for o in n.output:
                if o and o not in have:
                    m.graph.output.append(helper.make_empty_tensor_value_info(o))
                    have.add(o)
        sess = ort_session(m)
        names = [o.name for o in sess.get_outputs()]
        outs = sess.run(names, {self.input_name: self.x})
        ref = {k: np.asarray(v) for k, v in zip(names, outs)}
        ref.setdefault(self.input_name, self.x)
        return ref

    def needed_nodes(self, value):
        need, stack, seen = set(), [value], set()
        while stack:
            v = stack.pop()
            if v in seen or v not in self.producer:
                continue
            seen.add(v)
            i = self.producer[v]
            if i in need:
                continue
            need.add(i)
            stack.extend(x for x in self.graph.node[i].input if x)
        return need

    def truncated(self, value):
        """A copy of the model whose only output is `value`, with unneeded nodes and initializers removed."""
        m = copy.deepcopy(self.model)
        need = self.needed_nodes(value)
        kept = [n for i, n in enumerate(m.graph.node) if i in need]
        del m.graph.node[:]
        m.graph.node.extend(kept)
        used = {x for n in kept for x in n.input} | {value}
        inits = [t for t in m.graph.initializer if t.name in used]
        del m.graph.initializer[:]
        m.graph.initializer.extend(inits)
        ins = [i for i in m.graph.input if i.name == self.input_name or i.name in used]
        del m.graph.input[:]
        m.graph.input.extend(ins)
        vis = [v for v in m.graph.value_info if v.name in used and v.name != value]
        del m.graph.value_info[:]
        m.graph.value_info.extend(vis)
        del m.graph.output[:]
        shape = list(self.ref[value].shape)
        dims = ["N" if k == 0 and shape and shape[0] == self.x.shape[0] else d for k, d in enumerate(shape)]
        m.graph.output.append(helper.make_tensor_value_info(value, onnx.TensorProto.FLOAT, dims))
        return m

    @staticmethod
    def safe(name):
        return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:80]

    def check(self, value):
        """(diverges, rel, abs, error, model path) for one intermediate value; cached."""
        if value in self.cache:
            return self.cache[value]
        m = self.truncated(value)
        path = os.path.join(self.workdir, f"trunc_{self.safe(value)}.onnx")
        onnx.save(m, path)
        y_path = os.path.join(self.workdir, f"trunc_{self.safe(value)}.y.npy")
        np.save(os.path.join(self.workdir, f"trunc_{self.safe(value)}.ref.npy"), self.ref[value])
        y, _, err = run_scalpel(self.scalpel, path, self.x_path, y_path)
        self.runs += 1
        if err is not None:
            res = (True, float("inf"), float("inf"), err, path)
        else:
            rel, ab = rel_error(y, self.ref[value])
            res = (rel > self.tol, rel, ab, None, path)
        self.cache[value] = res
        return res

    def locate(self, final_value):
        """Bisects over topological order, then walks back through inputs to a node whose
        float inputs all match but whose output diverges. Returns (value, node index) or None."""
        order = self.order
        if final_value in order:
            order = order[: order.index(final_value) + 1]
        lo, hi = 0, len(order) - 1
        if hi < 0 or not self.check(order[hi])[0]:
            return None
        # Smallest index whose value diverges, assuming later values inherit divergence.
        while lo < hi:
            mid = (lo + hi) // 2
            if self.check(order[mid])[0]:
                hi = mid
            else:
                lo = mid + 1
        value = order[lo]
        # Walk back: if some float input of the producer diverges, move to it.
        while True:
            node = self.graph.node[self.producer[value]]
            bad = None
            for inp in node.input:
                if inp and inp in self.producer and inp in self.ref and self.ref[inp].dtype == np.float32 \
                        and inp in self.order and self.check(inp)[0]:
                    bad = inp
                    break
            if bad is None:
                return value, self.producer[value]
            value = bad

    def single_node(self, node_index, value):
        """A one-node model: first float activation input as graph input, other activation inputs
        baked in as initializers (ORT's values). Returns (model path, x path, ref) or None."""
        node = self.graph.node[node_index]
        acts = [i for i in node.input if i and i not in self.initializers and i in self.ref
                and (i in self.producer or i == self.input_name)]
        i_first = next((i for i in acts if self.ref[i].dtype == np.float32), None)
        if i_first is None or self.ref[i_first].ndim not in (3, 4):
            return None
        inits = []
        consts = set()
        for i in node.input:
            if not i or i == i_first:
                continue
            if i in self.initializers:
                consts.add(i)
            elif i in self.ref:
                inits.append(numpy_helper.from_array(self.ref[i], i))
            else:
                return None  # an input neither constant nor computed (should not happen)
        inits += [copy.deepcopy(t) for t in self.graph.initializer if t.name in consts]
        xin = self.ref[i_first]
        g = helper.make_graph(
            [copy.deepcopy(node)], "single_node",
            [helper.make_tensor_value_info(i_first, onnx.TensorProto.FLOAT, ["N"] + list(xin.shape[1:]))],
            [helper.make_tensor_value_info(value, onnx.TensorProto.FLOAT, ["N"] + list(self.ref[value].shape[1:]))],
            initializer=inits)
        m = helper.make_model(g, opset_imports=list(self.model.opset_import))
        m.ir_version = self.model.ir_version
        path = os.path.join(self.workdir, f"node_{self.safe(node.name or node.op_type)}.onnx")
        onnx.save(m, path)
        x_path = os.path.join(self.workdir, f"node_{self.safe(node.name or node.op_type)}.x.npy")
        np.save(x_path, xin)
        return path, x_path, os.path.splitext(path)[0] + ".ref.npy"


def describe_node(graph, node, ref):
    attrs = []
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode(errors="replace")
        if isinstance(v, onnx.TensorProto):
            v = f"tensor{list(v.dims)}"
        attrs.append(f"{a.name}={v}")
    inits = {t.name: list(t.dims) for t in graph.initializer}
    ins = []
    for i in node.input:
        if not i:
            continue
        if i in inits:
            ins.append(f"{i} (initializer {inits[i]})")
        elif i in ref:
            ins.append(f"{i} {list(ref[i].shape)} {ref[i].dtype}")
        else:
            ins.append(i)
    outs = [f"{o} {list(ref[o].shape)}" if o in ref else o for o in node.output]
    return attrs, ins, outs


def diagnose(name, model_path, x, scalpel, tol, workdir):
    lines = []
    try:
        model = load_model(model_path)
        b = Bisector(model, x, scalpel, tol, workdir)
    except Exception as e:  # noqa: BLE001
        return [f"- diagnosis failed before bisection: {e}"]
    final = model.graph.output[0].name
    found = b.locate(final)
    if found is None:
        lines.append(f"- no intermediate diverged on its own (graph output checked: {b.check(final)[1:4]}); "
                     "the divergence only shows in the full model")
        return lines
    value, idx = found
    node = model.graph.node[idx]
    diverges, rel, ab, err, tpath = b.check(value)
    attrs, ins, outs = describe_node(model.graph, node, b.ref)
    pos = b.order.index(value) + 1
    lines.append(f"- first divergence: **{node.op_type}** node `{node.name or '(unnamed)'}` (#{idx + 1} of "
                 f"{len(model.graph.node)} nodes; value {pos} of {len(b.order)} float values), output `{value}`: "
                 + (f"scalpel error: {err}" if err else f"max rel error {rel:.3g}, max abs {ab:.3g}")
                 + "; all its float inputs match")
    lines.append(f"  - attributes: {', '.join(attrs) or '—'}")
    lines.append(f"  - inputs: {'; '.join(ins)}")
    lines.append(f"  - outputs: {'; '.join(outs)}")
    if err is None:
        s = b.ref[value]
        lines.append(f"  - ORT value range [{float(s.min()):.4g}, {float(s.max()):.4g}]")
    # Nearest matching predecessor values, for context.
    lines.append(f"  - {b.runs} truncated runs")
    lines.append(f"  - repro (truncated model, output `{value}`): "
                 f"`{repro_command(scalpel, tpath, b.x_path, os.path.join(workdir, 'repro_y.npy'))}`; "
                 f"ONNX Runtime's output is {tpath[:-5]}.ref.npy")
    single = b.single_node(idx, value)
    if single:
        spath, sx, sref_path = single
        ssess = ort_session(spath)
        sref = ssess.run(None, {ssess.get_inputs()[0].name: np.load(sx)})[0]
        np.save(sref_path, sref)
        sy, _, serr = run_scalpel(scalpel, spath, sx, os.path.join(workdir, "node_y.npy"))
        if serr:
            verdict = f"reproduces: scalpel error: {serr}"
        else:
            srel, sab = rel_error(sy, sref)
            verdict = (f"reproduces (max rel {srel:.3g}, max abs {sab:.3g})" if srel > tol
                       else f"does NOT reproduce alone (max rel {srel:.3g}): in the model the engine may take another "
                            "path for this node (e.g. BatchNormalization folded into the Conv before it, or an operand "
                            "that is an activation rather than a constant)")
        lines.append(f"  - single-node repro {verdict}: "
                     f"`{repro_command(scalpel, spath, sx, os.path.join(workdir, 'node_y.npy'))}`; "
                     f"ONNX Runtime's output is {sref_path}")
    return lines


# ----------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scalpel", required=True, help="path to the scalpel binary")
    ap.add_argument("--models", help="comma-separated names (fixtures and/or torchvision architectures)")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--fixtures", default=os.path.join(ROOT, "Tests", "Fixtures"))
    ap.add_argument("--cache", default=os.path.join(ROOT, ".cache", "torchvision"))
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--work", default=os.path.join(ROOT, ".cache", "check-engine"))
    ap.add_argument("--no-diagnose", action="store_true")
    ap.add_argument("--no-fixtures", action="store_true")
    ap.add_argument("--no-torchvision", action="store_true")
    args = ap.parse_args()

    scalpel = os.path.abspath(args.scalpel)
    if not os.access(scalpel, os.X_OK):
        sys.exit(f"check-engine: {scalpel} is not an executable")
    wanted = set(args.models.split(",")) if args.models else None
    variants = [v for v in args.variants.split(",") if v]
    for v in variants:
        if v not in VARIANTS:
            sys.exit(f"check-engine: unknown variant '{v}' (bn, fused)")

    cases = []  # (name, variant, model path, x)
    if not args.no_fixtures and os.path.isdir(args.fixtures):
        for f in sorted(os.listdir(args.fixtures)):
            if not f.endswith(".onnx"):
                continue
            name = f[:-5]
            npz = os.path.join(args.fixtures, name + ".npz")
            if not os.path.exists(npz) or (wanted and name not in wanted):
                continue
            x = np.load(npz)["x"].astype(np.float32)
            cases.append((name, "fixture", os.path.join(args.fixtures, f), x))
    if not args.no_torchvision:
        x = np.random.default_rng(SEED).standard_normal((args.batch,) + IMAGE, dtype=np.float32)
        for name in TORCHVISION:
            if wanted and name not in wanted:
                continue
            for v in variants:
                path = os.path.join(args.cache, f"{name}_{v}.onnx")
                if os.path.exists(path):
                    cases.append((name, v, path, x))
                else:
                    print(f"check-engine: {path} missing (make it with scripts/check-torchvision.py --export-only)",
                          file=sys.stderr)
    if wanted:
        missing = wanted - {c[0] for c in cases}
        if missing:
            print(f"check-engine: no model found for: {', '.join(sorted(missing))}", file=sys.stderr)
    if not cases:
        sys.exit("check-engine: nothing to check")

    rows, failures = [], []
    for name, variant, path, x in cases:
        work = os.path.join(args.work, f"{name}_{variant}")
        os.makedirs(work, exist_ok=True)
        x_path, y_path = os.path.join(work, "x.npy"), os.path.join(work, "y.npy")
        np.save(x_path, x)
        print(f"== {name} ({variant})", file=sys.stderr, flush=True)
        sess = ort_session(path)
        ref = sess.run(None, {sess.get_inputs()[0].name: x})[0]
        y, wall, err = run_scalpel(scalpel, path, x_path, y_path)
        if err:
            rel = ab = float("inf")
            ok = False
        else:
            rel, ab = rel_error(y, ref)
            ok = rel <= args.tol
            if y.shape != ref.shape:
                err = f"shape {list(y.shape)} vs ORT {list(ref.shape)}"
        rows.append((name, variant, rel, ab, wall, ok, err))
        if not ok:
            failures.append((name, variant, path, x, work, err))

    print(f"## Scalpel engine vs ONNX Runtime {ort.__version__} (tolerance: max rel error ≤ {args.tol:g})\n")
    print(f"- input: fixtures use their npz's x; torchvision exports a seeded N(0,1) array of "
          f"{args.batch}×{'×'.join(map(str, IMAGE))}")
    print(f"- time: wall clock of `scalpel MODEL -c \"run --input X.npy -o Y.npy\"` (load, plan, run, write); "
          f"binary {scalpel}\n")
    print("| model | variant | max rel error | max abs | time (s) | verdict |")
    print("|---|---|---:|---:|---:|---|")
    for name, variant, rel, ab, wall, ok, err in rows:
        verdict = "pass" if ok else ("FAIL: " + err if err else "FAIL")
        print(f"| {name} | {variant} | {rel:.3g} | {ab:.3g} | {wall:.2f} | {verdict} |")
    print()

    if failures and not args.no_diagnose:
        print("### Diagnosis\n")
        for name, variant, path, x, work, err in failures:
            print(f"**{name} ({variant})** — {path}" + (f" — {err}" if err else ""))
            print(f"- full-model repro: `{repro_command(scalpel, path, os.path.join(work, 'x.npy'), os.path.join(work, 'y.npy'))}`")
            print(f"- rerun this check: `scripts/check-engine.py --scalpel {shlex.quote(scalpel)} --models {name}"
                  + (f" --variants {variant}" if variant != "fixture" else " --no-torchvision") + "`")
            print("\n".join(diagnose(name, path, x, scalpel, args.tol, os.path.join(work, "bisect"))))
            print()

    passed = sum(1 for r in rows if r[5])
    print(f"{passed} passed, {len(rows) - passed} failed")
    sys.exit(0 if passed == len(rows) else 1)


if __name__ == "__main__":
    main()
