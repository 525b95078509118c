#!/usr/bin/env python3
"""Checks that `scalpel MODEL -c "save OUT"` writes a valid, equivalent model for every fixture.

Usage: check-saved.py --scalpel PATH_TO_SCALPEL --fixtures Tests/Fixtures [--out DIR]

For every NAME.onnx in the fixtures folder that has a sibling NAME.npz:
  1. runs `SCALPEL NAME.onnx -c "save OUT/NAME.onnx"` and checks its exit status;
  2. onnx.checker.check_model(OUT/NAME.onnx, full_check=True);
  3. runs the saved model in ONNX Runtime on the npz's x and checks the output equals the npz's y
     (np.allclose, rtol=1e-5, atol=1e-6);
  4. checks the saved model has the same node count, op types in order, initializer names,
     graph input/output names, opset imports and metadata props as the original.
Prints one PASS/FAIL line per fixture, then "N passed, M failed"; exits 1 if any failed.

Needs only numpy, onnx and onnxruntime (no torch).
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort


class Failure(Exception):
    pass


def ort_session(path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def opsets(model):
    return {(o.domain or "ai.onnx"): o.version for o in model.opset_import}


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"at {i}: {x!r} vs {y!r}"
    return f"lengths {len(a)} vs {len(b)}"


def compare_structure(orig, saved):
    og, sg = orig.graph, saved.graph
    if len(og.node) != len(sg.node):
        raise Failure(f"node count {len(sg.node)}, expected {len(og.node)}")
    o_ops = [n.op_type for n in og.node]
    s_ops = [n.op_type for n in sg.node]
    if o_ops != s_ops:
        raise Failure(f"op types differ {first_difference(s_ops, o_ops)}")
    o_init = sorted(i.name for i in og.initializer)
    s_init = sorted(i.name for i in sg.initializer)
    if o_init != s_init:
        missing = sorted(set(o_init) - set(s_init))
        extra = sorted(set(s_init) - set(o_init))
        raise Failure(f"initializer names differ (missing {missing[:5]}, extra {extra[:5]}, "
                      f"counts {len(s_init)} vs {len(o_init)})")
    for what, o_list, s_list in (("graph inputs", og.input, sg.input),
                                 ("graph outputs", og.output, sg.output)):
        o_names = [v.name for v in o_list]
        s_names = [v.name for v in s_list]
        if o_names != s_names:
            raise Failure(f"{what} differ: {s_names} vs {o_names}")
    if opsets(orig) != opsets(saved):
        raise Failure(f"opset imports {opsets(saved)}, expected {opsets(orig)}")
    o_meta = {p.key: p.value for p in orig.metadata_props}
    s_meta = {p.key: p.value for p in saved.metadata_props}
    if o_meta != s_meta:
        raise Failure(f"metadata props {s_meta}, expected {o_meta}")


def check_fixture(scalpel, fixture, npz_path, out_dir, timeout):
    name = os.path.splitext(os.path.basename(fixture))[0]
    saved = os.path.join(out_dir, name + ".onnx")
    if os.path.exists(saved):
        os.remove(saved)
    cmd = [scalpel, fixture, "-c", f"save {saved}"]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failure(f"scalpel timed out after {timeout}s")
    except OSError as e:
        raise Failure(f"cannot run scalpel: {e}")
    if proc.returncode != 0:
        err = (proc.stderr.decode(errors="replace").strip() or
               proc.stdout.decode(errors="replace").strip()).splitlines()
        raise Failure(f"scalpel exited {proc.returncode}: {err[-1] if err else '(no output)'}")
    if not os.path.isfile(saved):
        raise Failure(f"scalpel exited 0 but wrote no {saved}")

    try:
        onnx.checker.check_model(saved, full_check=True)
    except Exception as e:
        raise Failure(f"onnx checker: {str(e).strip().splitlines()[0] if str(e).strip() else e!r}")

    data = np.load(npz_path)
    x, y_ref = data["x"], data["y"]
    try:
        sess = ort_session(saved)
        in_name = sess.get_inputs()[0].name
        y = sess.run(None, {in_name: x})[0]
    except Exception as e:
        raise Failure(f"onnxruntime: {str(e).strip().splitlines()[0]}")
    if y.shape != y_ref.shape:
        raise Failure(f"output shape {list(y.shape)}, expected {list(y_ref.shape)}")
    if not np.allclose(y, y_ref, rtol=1e-5, atol=1e-6):
        raise Failure(f"output differs: max |diff| {float(np.abs(y - y_ref).max()):.3g}")

    compare_structure(onnx.load(fixture), onnx.load(saved))
    return f"{len(onnx.load(saved, load_external_data=False).graph.node)} nodes, " \
           f"max |diff| {float(np.abs(y - y_ref).max()):.3g}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scalpel", required=True, help="path to the scalpel binary")
    ap.add_argument("--fixtures", required=True, help="folder holding NAME.onnx + NAME.npz")
    ap.add_argument("--out", help="folder for the saved models (default: a temporary folder)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per scalpel run")
    args = ap.parse_args()

    scalpel = os.path.abspath(args.scalpel) if os.sep in args.scalpel else args.scalpel
    fixtures = sorted(glob.glob(os.path.join(args.fixtures, "*.onnx")))
    pairs = [(f, os.path.splitext(f)[0] + ".npz") for f in fixtures]
    pairs = [(f, n) for f, n in pairs if os.path.isfile(n)]

    tmp = None
    if args.out:
        out_dir = args.out
        os.makedirs(out_dir, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="scalpel-check-saved-")
        out_dir = tmp.name
    out_dir = os.path.abspath(out_dir)

    passed = failed = 0
    if not pairs:
        print(f"FAIL no NAME.onnx with a NAME.npz in {args.fixtures}")
        failed += 1
    for fixture, npz_path in pairs:
        name = os.path.splitext(os.path.basename(fixture))[0]
        try:
            info = check_fixture(scalpel, fixture, npz_path, out_dir, args.timeout)
            print(f"PASS {name} ({info})")
            passed += 1
        except Failure as e:
            print(f"FAIL {name}: {e}")
            failed += 1
        except Exception as e:  # anything unexpected still counts as one failure
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            failed += 1
        sys.stdout.flush()

    if tmp is not None:
        tmp.cleanup()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
