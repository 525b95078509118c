#!/usr/bin/env python3
"""Channel surgery checked by ONNX Runtime (no torch needed; run by scripts/test).

Exactness: for the Conv, ConvTranspose, Gemm and MatMul layers of every fixture, zero the
channels' whole group (the filters, biases, BatchNorm running mean of every coupled producer,
depthwise filters, and the consumers' weights that read the channels), then delete those
channels with scalpel. The channels contributed nothing, so the outputs must not change.
Inserted layers that keep the function (identity BatchNormalization, Dropout, a Conv with
in = out that keeps the size) must leave the outputs unchanged too. A global prune at several
targets, by l1 and by random, must save a model that ONNX Runtime runs with the output shape
unchanged and exactly the parameter count scalpel reports, near the target. Every saved model
must pass onnx.checker.

    check-surgery.py --scalpel .build/debug/scalpel --fixtures Tests/Fixtures
"""
import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
from onnx_parameters import parameter_count  # noqa: E402

# Slice roles zeroed before the cut: the entries that produce a channel (zeroing them makes the
# channel exactly 0) and the consumers' entries that read it (so a zeroed channel that is not
# nothing downstream — 0 plus a broadcast term — is read by nobody either).
ZEROED_ROLES = {"out-channels", "out-features", "bias", "depthwise filters", "running mean", "in-channels", "in-features"}


def scalpel(binary, model, *commands):
    args = [binary, str(model)]
    for c in commands:
        args += ["-c", c]
    return subprocess.run(args, capture_output=True, text=True)


def outputs(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def zeroed(model_path, group, out_path):
    """The model with the group's ZEROED_ROLES entries set to 0, in initializers or Constant nodes."""
    model = onnx.load(str(model_path))
    inits = {t.name: t for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            inits.update({node.output[0]: a.t for a in node.attribute if a.name == "value"})
    for p in group["parameters"]:
        if p["role"] not in ZEROED_ROLES or p["tensor"] not in inits:
            continue
        tensor = inits[p["tensor"]]
        array = numpy_helper.to_array(tensor).copy()
        index = [slice(None)] * array.ndim
        index[p["axis"]] = p["indices"]
        array[tuple(index)] = 0
        tensor.CopyFrom(numpy_helper.from_array(array, tensor.name or None))
    onnx.save(model, str(out_path))


def prunable_layers(binary, model_path, ops=("Conv", "ConvTranspose", "Gemm", "MatMul")):
    """(name, channel count) of every layer of `ops` with more than 2 output channels (axis 1;
    the last axis of Gemm and MatMul)."""
    result = scalpel(binary, model_path, "summary --json")
    layers = []
    for layer in json.loads(result.stdout)["layers"]:
        shape = layer["outputs"][0]
        if layer["op"] not in ops or len(shape) < 2:
            continue
        channels = shape[-1] if layer["op"] in ("Gemm", "MatMul") else shape[1]
        if isinstance(channels, int) and channels > 2:
            layers.append((layer["name"], channels))
    return layers


# Fixtures where a zeroed channel still contributes, so zero-then-delete cannot be exact.
ZERO_IS_NOT_NOTHING = {
    "math_zoo": "its activations map 0 to non-zero values (HardSigmoid, Sigmoid, Exp, Reciprocal, …)",
    "activation_zoo": "Cos maps 0 to 1",
}


def check(binary, fixture, work):
    if fixture.stem in ZERO_IS_NOT_NOTHING:
        return [("channels", "skipped", ZERO_IS_NOT_NOTHING[fixture.stem])]
    data = np.load(fixture.with_suffix(".npz"))
    x = data["x"]
    results = []
    for name, channels in prunable_layers(binary, fixture):
        picked = sorted({0, channels // 2, channels - 1})
        spec = " ".join(map(str, picked))
        # --coupled: a grouped convolution's consumer takes the same channels from each group.
        group = scalpel(binary, fixture, f"group '{name}' {spec} --coupled --json")
        if group.returncode != 0:
            results.append((name, "refused", group.stderr.strip()))
            continue
        spec = " ".join(map(str, json.loads(group.stdout)["channels"]))
        zero_path, cut_path = work / f"{fixture.stem}-zero.onnx", work / f"{fixture.stem}-cut.onnx"
        zeroed(fixture, json.loads(group.stdout), zero_path)
        cut = scalpel(binary, zero_path, f"delete channels '{name}' {spec}", f"save {cut_path}")
        if cut.returncode != 0:
            results.append((name, "FAIL", cut.stderr.strip()))
            continue
        onnx.checker.check_model(str(cut_path), full_check=True)
        before, after = outputs(zero_path, x), outputs(cut_path, x)
        error = float(np.max(np.abs(before - after)) / max(1e-12, float(np.max(np.abs(before)))))
        results.append((name, "PASS" if error <= 1e-5 else "FAIL", f"channels {spec}, max rel diff {error:.2e}"))
    return results


def check_inserts(binary, fixture, work):
    """Function-preserving inserts after every Conv of a fixture leave the outputs unchanged."""
    x = np.load(fixture.with_suffix(".npz"))["x"]
    convs = [name for name, _ in prunable_layers(binary, fixture, ops=("Conv",))]
    if not convs:
        return []
    commands = []
    for i, name in enumerate(convs):
        spec = ["BatchNormalization", "Dropout 0.25", "Conv kernel=3 pad=1", "Identity"][i % 4]
        commands.append(f"insert after '{name}' {spec}")
    out = work / f"{fixture.stem}-inserted.onnx"
    result = scalpel(binary, fixture, *commands, f"save {out}")
    if result.returncode != 0:
        return [("inserts", "FAIL", result.stderr.strip())]
    onnx.checker.check_model(str(out), full_check=True)
    before, after = outputs(fixture, x), outputs(out, x)
    error = float(np.max(np.abs(before - after)) / max(1e-12, float(np.max(np.abs(before)))))
    return [("inserts", "PASS" if error <= 1e-5 else "FAIL", f"{len(commands)} layers inserted, max rel diff {error:.2e}")]


# Fixtures whose every channel group is global-pruned and checked (the depthwise and SE models).
GLOBAL_PRUNE = {"plain_cnn_constants", "mobilenet_v2_slim", "mobilenet_v2_slim_fused", "mobilenet_v3_slim", "mobilenet_v3_slim_fused",
                "mini_resnet", "plain_cnn_bn", "conv1d_keras", "grouped_cnn", "shuffle_block", "yolo_tiny", "paddle_cnn"}


# How far above the target a global prune may keep, where the model is small and its channels
# go in coarse bundles: shuffle_block's shuffle couples both units and the stem (1,818
# parameters); paddle_cnn has three groups, two of them in bundles of 4 channels, each bundle
# about 15 % of its 1,826 parameters.
OVERSHOOT = {"shuffle_block": 0.1, "paddle_cnn": 0.15}


def check_global(binary, fixture, work):
    """`prune --global` at several targets saves a model ORT runs with the parameters scalpel reports."""
    if fixture.stem not in GLOBAL_PRUNE:
        return []
    x = np.load(fixture.with_suffix(".npz"))["x"]
    shape = outputs(fixture, x).shape
    results = []
    for criterion in ["l1", "random"]:
        for target in [0.9, 0.7, 0.5]:
            out = work / f"{fixture.stem}-global.onnx"
            result = scalpel(binary, fixture, f"prune --global --by {criterion} --target-params {target}", f"save {out}")
            label = f"global {criterion} {target}"
            reported = re.search(r"parameters ([\d,]+) → ([\d,]+)", result.stdout)
            if result.returncode != 0 or not reported:
                results.append((label, "FAIL", (result.stderr or result.stdout).strip()))
                continue
            before, after = (int(g.replace(",", "")) for g in reported.groups())
            onnx.checker.check_model(str(out), full_check=True)
            counted = parameter_count(str(out))
            got = outputs(out, x).shape
            kept = after / before
            ok = counted == after and got == shape and target - 1e-9 <= kept <= target + OVERSHOOT.get(fixture.stem, 0.05)
            results.append((label, "PASS" if ok else "FAIL",
                            f"reported {after:,} parameters, file holds {counted:,}; kept {kept:.3f}; output {got} (was {shape})"))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scalpel", required=True)
    parser.add_argument("--fixtures", required=True)
    args = parser.parse_args()
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for fixture in sorted(Path(args.fixtures).glob("*.onnx")):
            if not fixture.with_suffix(".npz").exists() or "external" in fixture.stem or "typed" in fixture.stem:
                continue
            work = Path(tmp)
            results = check(args.scalpel, fixture, work) + check_inserts(args.scalpel, fixture, work) + check_global(args.scalpel, fixture, work)
            for name, verdict, detail in results:
                print(f"{verdict} {fixture.stem} {name}: {detail}")
                if verdict == "FAIL":
                    failed += 1
                elif verdict == "PASS":
                    passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
