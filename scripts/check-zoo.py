#!/usr/bin/env python3
"""Checks Scalpel on a zoo of real CNNs from many exporters, built with random weights.

Usage (from the repository root; the exports need the framework venvs named below):
  nice -n 10 /work/venv/bin/python scripts/check-zoo.py [--source torchvision,timm,...]
        [--only SUBSTRING] [--limit N] [--scalpel PATH] [--out DIR] [--cache DIR]
        [--timeout 300] [--export-timeout 900] [--max-params 200e6] [--force-export]
        [--merge] [--keep]

Nothing is downloaded at run time: every model is built from code or a yaml file with random
(seeded) weights, BatchNorm made non-trivial (random affine, running statistics measured on
random data for torch models, random statistics for Keras and Paddle), then exported:

  source       built by                                   exported by
  torchvision  torchvision.models.NAME(weights=None)      torch.onnx.export(dynamo=False, opset 17)
               every classification model, plus a few segmentation and detection models
  timm         timm.create_model(NAME, pretrained=False)  the same; one small model per CNN family
  ultralytics  YOLO("NAME.yaml")                          model.export(format="onnx", imgsz=64,
                                                          dynamic=False, simplify=False, opset 17)
  keras        keras.applications.X(weights=None) and     tf2onnx.convert.from_keras (opset 17)
               two small Sequentials (Conv1D, Conv2D)
  paddle       paddle.vision.models.NAME()                paddle.jit.save + paddle2onnx (opset 17)

Each export runs in a child process (`check-zoo.py --export-one SOURCE NAME OUT`) of the venv
that has the framework: --torch-python (default: this interpreter) for torchvision, timm and
ultralytics, --tf-python (/work/venv-tf/bin/python), --paddle-python (/work/venv-paddle/bin/python).
Input: batch 1, the smallest of 64, 96, 128, 224, 299 (56 for /14 ViTs) at which the model runs and exports.
Exports and their outcome (also failures and skips) are cached in --cache (default
<repo>/.cache/zoo/SOURCE/NAME.onnx + NAME.json): a rerun does not export again (--force-export does).
Models with more than --max-params parameters are skipped (reported as such).

Per model the steps run in order and the model stops at its first failing step; "n/a" marks a step
that cannot apply (it does not stop the model). The ONNX Runtime reference (CPU, 1 thread, graph
optimisations off, a seeded N(0,1) input) is computed once on the export.
  1 export       the exporter made a model ONNX Runtime can run (a failure is the exporter's);
  2 load         `summary --json` exits 0; params, MACs and the number of shape problems recorded
                 (and, as information, the op types `ops --json` says have no shapes, run or
                 channel rule);
  3 round-trip   `save` of the unmodified model: every ORT output of the saved file is bit-equal
                 to the original's (and onnx.checker passes on it if it passes on the export);
  4 shapes       `shapes --json` against the shape ORT produces for the graph input and every node
                 output: a value Scalpel gives a fully known shape for must match (mismatches
                 counted; unknown or unlisted values are counted but not failures);
  5 engine       `run --input x.npy -o y.npy` against ORT's first output:
                 max|a-b| / max|b| <= 1e-4 (n/a for models with more than one input). Deep
                 random-weight models can be so ill-conditioned that two fp32 implementations
                 differ by more than 1e-4 (the message gives ORT's own noise: ORT with graph
                 optimisations against ORT without). For torchvision and timm models the exact
                 answer then decides: the model rebuilt in PyTorch (zoo_torch.py, proven bit-equal
                 to the export) run in float64; the step passes when Scalpel's error against it
                 is <= max(1e-4, ORT's error against it), i.e. Scalpel is no further from the
                 exact output than ONNX Runtime (both errors are recorded), or, on a model with
                 a 3×3 stride-1 ungrouped Conv (run by Winograd F(4×4, 3×3)), when it is
                 <= max(1e-4, 5 × ORT's error): see WINOGRAD_FACTOR for the measured reason;
  6 prune        `prune --global --by l1 --target-params 0.5` + `save`: ORT runs the saved model with
                 every output shape unchanged, and the parameter count of the file
                 (scripts/onnx_parameters.py) equals `summary --json` of the saved model (and what
                 the prune printed); the kept fraction is recorded (n/a when nothing is prunable);
  7 zero-delete  up to 3 layers picked at random (seeded by the model name) from
                 `score --all --by l1 --json`, 1-2 random channels each, closed over grouped
                 convolutions: `group LAYER CH --coupled --json`
                 tells every coupled slice (a layer it refuses, e.g. one whose channels reach the
                 model output, is passed over: up to 15 refusals, n/a when every layer is refused); the producers of those channels are zeroed in the file
                 with onnx (out-channels, biases, BN beta and running mean, depthwise filters, the
                 per-channel constants of Add/Sub/Mul) and ORT runs it; then `delete channels LAYER CH`
                 + `save` on the zeroed file: ORT's outputs must equal the zeroed model's within 1e-4
                 relative. When they differ, the zeroed model's activations listed by the group are
                 inspected: if the zeroed channels are not all zero somewhere (LayerNorm, Softmax
                 over channels, ... make a zero channel contribute), the layer is "inconclusive"
                 rather than a failure, and so is a difference no larger than ORT's own on the
                 zeroed model (with graph optimisations against without: fp32 noise of an
                 ill-conditioned model); the step fails only on a real difference or an error.
  8 torch-pruning  torchvision and timm: 2 Conv layers picked at random (seeded by the model
                 name), 2 random output channels each, closed by `group --coupled`; Torch-Pruning
                 (DependencyGraph on the PyTorch model rebuilt by zoo_torch.py) prunes them and
                 the result is exported as the original was; Scalpel deletes the same channels
                 by the module path (`delete channels layer1.0.conv1 …`). ORT's outputs of both
                 files must agree within 1e-4 relative and their parameter counts be equal. A
                 layer Torch-Pruning prunes and Scalpel refuses fails the step; one Scalpel
                 prunes and Torch-Pruning refuses is counted as "only Scalpel"; one whose
                 Torch-Pruning result changes the model's output shape is not compared; n/a when
                 no layer could be compared or the PyTorch side failed (rebuild, Torch-Pruning,
                 or its 8 GB address-space limit).

Writes OUT/report.md and OUT/report.json (default OUT = <cache>): one row per model (model, source,
exporter, input, nodes, params, MACs, problems, kept fraction, first failing step, one-line
message, times) and totals per source and per failing step (messages grouped with numbers and
quoted names blanked). The report is rewritten after every model; --merge keeps the rows of an
earlier report for the models not checked in this run. Exit code 0 when no model failed a
Scalpel step (exporter failures and skips do not count).
Threads: exports, ORT and the frameworks run with 1 thread (OMP_NUM_THREADS=1 and the like).
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib

from zoo_torch import OPSET, SEED, fit_and_export, module_path, torch_module

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOL = 1e-4
STEPS = ["export", "load", "round-trip", "shapes", "engine", "prune", "zero-delete", "torch-pruning"]
TORCH_SOURCES = ("torchvision", "timm")  # rebuilt in PyTorch by zoo_torch.py
# How much further from the float64 answer than ONNX Runtime the engine may be on a model with
# Winograd convolutions: one F(4×4, 3×3) layer's rms error against float64 is 2.6-4.6× a direct
# fp32 convolution's (64-512 channels, 7²-56² planes, random weights), the price of its 4× fewer
# multiplications (the transforms' coefficients amplify rounding).
WINOGRAD_FACTOR = 5
SOURCES = ["torchvision", "timm", "ultralytics", "keras", "paddle"]
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "CPU_NUM": "1",
              "TF_CPP_MIN_LOG_LEVEL": "2", "YOLO_OFFLINE": "1", "YOLO_VERBOSE": "False",
              "PYTHONWARNINGS": "ignore", "HF_HUB_OFFLINE": "1"}

# ----------------------------------------------------------------------------- the zoo

TORCHVISION_EXTRA = ["fcn_resnet50", "deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large",
                     "ssdlite320_mobilenet_v3_large", "fasterrcnn_mobilenet_v3_large_320_fpn"]

# One small model per timm CNN family (and a few hybrid CNN/attention families).
TIMM = """resnet18 resnext26ts regnetx_002 regnety_002 efficientnet_b0 tf_efficientnetv2_b0 mobilenetv2_050
mobilenetv3_small_050 mobilenetv4_conv_small ghostnet_050 ghostnetv2_100 repvgg_a0 convnext_atto convnextv2_atto
cs3darknet_s darknet17 dla46_c dpn48b hrnet_w18_small inception_v3 mixnet_s rexnet_100 ese_vovnet19b_slim_dw
xception41 res2net50_14w_8s resnest14d skresnet18 nf_regnet_b0 dm_nfnet_f0 densenet121 mnasnet_small fbnetc_100
hardcorenas_a tinynet_e lcnet_050 selecsls42b tresnet_m vgg11 gernet_s rdnet_tiny mobileone_s0 fastvit_t8
efficientvit_b0 efficientvit_m0 levit_conv_128s mobilevit_xxs edgenext_xx_small repghostnet_050 repvit_m0_9
hgnetv2_b0 inception_next_atto fasternet_t0 starnet_s050 efficientformerv2_s0 mambaout_femto poolformer_s12
tiny_vit_5m_224 legacy_seresnet18 resnetv2_18 visformer_tiny ecaresnet26t halonet26t gcresnet33ts regnetz_b16
spnasnet_100 semnasnet_050 inception_v4""".split()

ULTRALYTICS = """yolov3-tiny yolov5n yolov6n yolov8n yolov8n-seg yolov8n-pose yolov8n-cls yolov8n-obb yolov8n-ghost
yolov9t yolov10n yolo11n yolo11n-seg yolo11n-pose yolo11n-cls yolo11n-obb yolo12n yolo26n""".split()

KERAS = ["MobileNetV2", "ResNet50", "EfficientNetB0", "DenseNet121", "Xception", "MobileNetV3Small",
         "InceptionV3", "conv1d_sequential", "conv2d_sequential"]

PADDLE = ["resnet18", "mobilenet_v2", "mobilenet_v3_small", "shufflenet_v2_x0_25"]


def torchvision_models(python):
    out = subprocess.run([python, "-c", "import torchvision; print('\\n'.join(torchvision.models.list_models("
                          "module=torchvision.models)))"], capture_output=True, text=True, env=child_env())
    if out.returncode != 0:
        raise SystemExit(f"check-zoo: cannot list torchvision models with {python}: {out.stderr.strip()[-300:]}")
    return out.stdout.split() + TORCHVISION_EXTRA


def catalogue(args):
    """[(source, name)] in the order checked."""
    lists = {}
    for source in args.sources:
        if source == "torchvision":
            names = torchvision_models(args.torch_python)
        else:
            names = {"timm": TIMM, "ultralytics": ULTRALYTICS, "keras": KERAS, "paddle": PADDLE}[source]
        names = [n for n in names if not args.only or args.only in f"{source}/{n}"]
        lists[source] = names[: args.limit] if args.limit else names
    return [(s, n) for s in args.sources for n in lists[s]]


# ----------------------------------------------------------------------------- exporters (child side)

def child_env(extra=None):
    env = dict(os.environ)
    env.update(ONE_THREAD)
    env.update(extra or {})
    return env


def export_ultralytics(name, out, max_params):
    torch = torch_module()
    work = tempfile.mkdtemp(prefix="zoo-yolo-")
    os.environ.setdefault("YOLO_CONFIG_DIR", os.path.join(work, "config"))
    cwd = os.getcwd()
    os.chdir(work)  # the exporter writes next to the model name
    try:
        import ultralytics
        from ultralytics import YOLO
        model = YOLO(f"{name}.yaml")
        n = sum(p.numel() for p in model.model.parameters())
        if n > max_params:
            return {"status": "skipped", "params": n, "message": f"{n:,} parameters > --max-params {max_params:,.0f}"}
        path = model.export(format="onnx", imgsz=64, dynamic=False, simplify=False, opset=OPSET, batch=1,
                            device="cpu", verbose=False)
        shutil.move(os.path.join(work, str(path)), out)
    finally:
        os.chdir(cwd)
        shutil.rmtree(work, ignore_errors=True)
    return {"status": "ok", "exporter": f"ultralytics {ultralytics.__version__} (torch {torch.__version__.split('+')[0]})",
            "input": [1, 3, 64, 64]}


def export_keras(name, out, max_params):
    import numpy as np
    import tensorflow as tf
    import tf2onnx
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.keras.utils.set_random_seed(SEED)
    L = tf.keras.layers
    apps = tf.keras.applications
    shape = {"Xception": (96, 96, 3), "InceptionV3": (96, 96, 3), "conv1d_sequential": (32, 8)}.get(name, (64, 64, 3))
    if name == "conv1d_sequential":
        model = tf.keras.Sequential([
            tf.keras.Input(shape, name="x"),
            L.Conv1D(16, 3, padding="same"), L.BatchNormalization(), L.ReLU(),
            L.Conv1D(24, 5, padding="same", activation="relu"), L.MaxPooling1D(2),
            L.SeparableConv1D(32, 3, padding="same", activation="relu"),
            L.GlobalAveragePooling1D(), L.Dense(10)])
    elif name == "conv2d_sequential":
        model = tf.keras.Sequential([
            tf.keras.Input(shape, name="x"),
            L.Conv2D(16, 3, padding="same"), L.BatchNormalization(), L.ReLU(), L.MaxPooling2D(2),
            L.DepthwiseConv2D(3, padding="same"), L.Conv2D(32, 1, activation="relu"),
            L.Conv2D(32, 3, strides=2, padding="same", activation="swish"), L.BatchNormalization(),
            L.GlobalAveragePooling2D(), L.Dropout(0.2), L.Dense(10, activation="softmax")])
    else:
        model = getattr(apps, name)(weights=None, input_shape=shape)
    n = int(model.count_params())
    if n > max_params:
        return {"status": "skipped", "params": n, "message": f"{n:,} parameters > --max-params {max_params:,.0f}"}
    rng = np.random.default_rng(SEED)
    for layer in model.layers:  # non-trivial BN: gamma, beta, moving mean, moving variance
        if isinstance(layer, L.BatchNormalization):
            ws = layer.get_weights()
            c = ws[0].shape
            new = [rng.uniform(0.8, 1.2, c), rng.normal(0, 0.1, c), rng.normal(0, 0.1, c), rng.uniform(0.8, 1.2, c)]
            layer.set_weights([w.astype(np.float32) for w in new[-len(ws):]] if len(ws) == 4 else ws)
    spec = (tf.TensorSpec((1,) + shape, tf.float32, name="x"),)
    model.output_names = ["y"]
    proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=OPSET)
    with open(out, "wb") as f:
        f.write(proto.SerializeToString())
    return {"status": "ok", "exporter": f"tf2onnx {tf2onnx.__version__} (tf {tf.__version__})", "input": [1, *shape]}


def export_paddle(name, out, max_params):
    import numpy as np
    import paddle
    import paddle2onnx
    paddle.set_device("cpu")
    paddle.seed(SEED)
    model = getattr(paddle.vision.models, name)(pretrained=False)
    n = sum(int(np.prod(p.shape)) for p in model.parameters())
    if n > max_params:
        return {"status": "skipped", "params": n, "message": f"{n:,} parameters > --max-params {max_params:,.0f}"}
    rng = np.random.default_rng(SEED)
    for layer in model.sublayers():
        if isinstance(layer, paddle.nn.layer.norm._BatchNormBase):
            c = layer.weight.shape
            layer.weight.set_value(rng.uniform(0.8, 1.2, c).astype("float32"))
            layer.bias.set_value(rng.normal(0, 0.1, c).astype("float32"))
            layer._mean.set_value(rng.normal(0, 0.1, c).astype("float32"))
            layer._variance.set_value(rng.uniform(0.8, 1.2, c).astype("float32"))
    model.eval()
    work = tempfile.mkdtemp(prefix="zoo-paddle-")
    try:
        prefix = os.path.join(work, "model")
        paddle.jit.save(model, prefix, input_spec=[paddle.static.InputSpec([1, 3, 64, 64], "float32", "x")])
        program = next(prefix + ext for ext in (".json", ".pdmodel") if os.path.exists(prefix + ext))
        paddle2onnx.export(program, prefix + ".pdiparams", out, opset_version=OPSET, verbose=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"status": "ok", "exporter": f"paddle2onnx {paddle2onnx.__version__} (paddle {paddle.__version__})",
            "input": [1, 3, 64, 64]}


EXPORTERS = {"torchvision": lambda *a: fit_and_export("torchvision", *a),
             "timm": lambda *a: fit_and_export("timm", *a), "ultralytics": export_ultralytics,
             "keras": export_keras, "paddle": export_paddle}


def export_one(source, name, out, max_params):
    """Child entry point: exports one model to out and prints one ZOO-RESULT line of JSON."""
    t0 = time.time()
    try:
        result = EXPORTERS[source](name, out, max_params)
    except BaseException as e:  # noqa: BLE001 - report whatever the exporter raised
        result = {"status": "failed", "message": f"{type(e).__name__}: {e}"}
    result["export_s"] = round(time.time() - t0, 1)
    print("ZOO-RESULT " + json.dumps(result), flush=True)


# ----------------------------------------------------------------------------- export (parent side)

def python_for(args, source):
    return {"keras": args.tf_python, "paddle": args.paddle_python}.get(source, args.torch_python)


def ensure_export(args, source, name):
    """(path or None, meta): the cached export, made first when missing."""
    folder = os.path.join(args.cache, source)
    os.makedirs(folder, exist_ok=True)
    path, meta_path = os.path.join(folder, f"{name}.onnx"), os.path.join(folder, f"{name}.json")
    if not args.force_export and os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        too_big = meta.get("status") == "skipped" and meta.get("params", float("inf")) > args.max_params
        if meta.get("status") == "failed" or too_big or (meta.get("status") == "ok" and os.path.exists(path)):
            meta["cached"] = True
            return (path if meta.get("status") == "ok" else None), meta
    python = python_for(args, source)
    tmp = path + ".tmp.onnx"
    cmd = [python, os.path.abspath(__file__), "--export-one", source, name, tmp, "--max-params", str(args.max_params)]
    t0 = time.time()
    if not os.access(python, os.X_OK):
        meta = {"status": "failed", "message": f"no interpreter {python} for {source}"}
    else:
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.export_timeout, env=child_env())
            line = next((l for l in reversed(p.stdout.splitlines()) if l.startswith("ZOO-RESULT ")), None)
            if line:
                meta = json.loads(line[len("ZOO-RESULT "):])
            else:
                tail = (p.stderr.strip() or p.stdout.strip() or f"exit {p.returncode}").splitlines()[-1:]
                meta = {"status": "failed", "message": f"exporter died (exit {p.returncode}): {' '.join(tail)}"}
        except subprocess.TimeoutExpired:
            meta = {"status": "failed", "message": f"export timed out after {args.export_timeout:.0f} s"}
    meta.setdefault("export_s", round(time.time() - t0, 1))
    if meta["status"] == "ok" and not os.path.exists(tmp):
        meta = {"status": "failed", "message": "exporter reported success but wrote no file", "export_s": meta["export_s"]}
    if meta["status"] == "ok":
        os.replace(tmp, path)
    for leftover in (tmp, tmp + ".data"):
        if os.path.exists(leftover):
            os.remove(leftover)
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=1)
    return (path if meta["status"] == "ok" else None), meta


# ----------------------------------------------------------------------------- ORT and scalpel helpers

class StepFailed(Exception):
    pass


class NotApplicable(Exception):
    pass


def ort_session(model_or_path, optimised=False):
    import onnxruntime as ort
    so = ort.SessionOptions()
    if not optimised:
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    src = model_or_path if isinstance(model_or_path, str) else model_or_path.SerializeToString()
    return ort.InferenceSession(src, so, providers=["CPUExecutionProvider"])


def ort_run(path, feeds, optimised=False):
    """{output name: array} of a model file, in graph order (dict keeps the order)."""
    sess = ort_session(path, optimised)
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, feeds)))


def ort_values(model, feeds, values=None):
    """{value: array} of node outputs (all of them, or those named), computed in one ORT run."""
    import onnx
    m = onnx.ModelProto()
    m.CopyFrom(model)
    have = {o.name for o in m.graph.output}
    for node in m.graph.node:
        for v in node.output:
            if v and v not in have and (values is None or v in values):
                m.graph.output.append(onnx.ValueInfoProto(name=v))
                have.add(v)
    sess = ort_session(m)
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, feeds)))


def rel_error(a, b):
    import numpy as np
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    if a.size == 0:
        return 0.0
    diff = np.abs(a - b)
    if not np.all(np.isfinite(diff)):
        return 0.0 if np.array_equal(a, b, equal_nan=True) else float("inf")
    scale = float(np.abs(b).max())
    return float(diff.max()) / scale if scale > 0 else (0.0 if float(diff.max()) == 0 else float("inf"))


def worst_rel_error(got, ref):
    """Max rel error over matching outputs (by position); inf when counts or shapes differ."""
    got, ref = list(got.values()), list(ref.values())
    if len(got) != len(ref):
        return float("inf")
    return max((rel_error(g, r) for g, r in zip(got, ref)), default=0.0)


def one_line(text, limit=200):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(name):
    return '"' + name + '"' if "'" in name else "'" + name + "'"


def scalpel(args, model, *commands):
    """stdout of `scalpel MODEL -c C ...`; StepFailed on non-zero exit or timeout."""
    cmd = [args.scalpel, model]
    for c in commands:
        cmd += ["-c", c]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, env=child_env())
    except subprocess.TimeoutExpired:
        raise StepFailed(f"`{commands[0].split()[0]}` timed out after {args.timeout:.0f} s")
    if p.returncode != 0:
        lines = (p.stderr.strip() or p.stdout.strip() or "no message").splitlines()
        raise StepFailed(f"`{' '.join(c.split()[0] for c in commands)}` exit {p.returncode}: " + " | ".join(lines[-2:]))
    return p.stdout


def first_json(text):
    start = min([i for i in (text.find("{"), text.find("[")) if i >= 0], default=-1)
    if start < 0:
        raise StepFailed("no JSON on stdout")
    return json.JSONDecoder().raw_decode(text, start)[0]


def checker_error(path):
    import onnx
    try:
        onnx.checker.check_model(path, full_check=True)
        return None
    except Exception as e:  # noqa: BLE001
        return one_line(f"{type(e).__name__}: {e}", 150)


# ----------------------------------------------------------------------------- the steps

# Slice roles whose entries produce a channel (zeroing them makes the channel exactly 0).
ZEROED_ROLES = {"out-channels", "out-features", "bias", "depthwise filters", "running mean"}
# Per-channel constants are zeroed where the channel then stays 0 (x + 0, x - 0, x * 0).
ZERO_KEEPING_OPS = {"Add", "Sub", "Mul"}


class Check:
    """The steps on one exported model; each step method raises StepFailed or NotApplicable."""

    def __init__(self, args, row, path, work):
        import numpy as np
        import onnx
        self.args, self.row, self.path, self.work = args, row, path, work
        self.model = onnx.load(path)
        graph = self.model.graph
        inits = {t.name for t in graph.initializer}
        self.inputs = [i for i in graph.input if i.name not in inits]
        rng = np.random.default_rng(SEED)
        self.feeds = {}
        for i in self.inputs:
            dims = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else 1 for d in i.type.tensor_type.shape.dim]
            self.feeds[i.name] = rng.standard_normal(dims).astype(np.float32)
        row["nodes"] = len(graph.node)
        row["input"] = "×".join(str(d) for d in next(iter(self.feeds.values())).shape) if self.feeds else ""
        self.x_path = os.path.join(work, "x.npy")
        if self.feeds:
            np.save(self.x_path, next(iter(self.feeds.values())))
        self.ref = ort_run(path, self.feeds)  # raises: the export is not runnable
        self.node_op = {n.name: n.op_type for n in graph.node}
        self.original_checker = checker_error(path)

    def out(self, name):
        return os.path.join(self.work, name)

    def load(self):
        s = first_json(scalpel(self.args, self.path, "summary --json"))
        self.row.update(params=s.get("total_params"), macs=s.get("total_macs"), problems=len(s.get("problems") or []))
        if not isinstance(self.row["params"], int):
            raise StepFailed("summary --json has no total_params")
        try:  # what `ops --json` says Scalpel cannot do with the op types of the model (information only)
            ops = first_json(scalpel(self.args, self.path, "ops --json"))
            self.row["op_gaps"] = {
                "no_shapes": sorted(o["op"] for o in ops if not o.get("shapes")),
                "no_run": sorted(o["op"] for o in ops if not o.get("runs")),
                "no_channels": sorted(o["op"] for o in ops if o.get("channels_gap") and o["op"] != "Constant")}
        except StepFailed as e:
            self.row["op_gaps"] = {"error": str(e)}
        return f"{self.row['problems']} shape problems" if self.row["problems"] else ""

    def round_trip(self):
        saved = self.out("saved.onnx")
        scalpel(self.args, self.path, f"save {saved}")
        got = ort_run(saved, self.feeds)
        if len(got) != len(self.ref):
            raise StepFailed(f"saved model has {len(got)} outputs, the export {len(self.ref)}")
        for (name, a), b in zip(got.items(), self.ref.values()):
            if a.shape != b.shape or not (a == b).all():
                raise StepFailed(f"output {name} differs after save: max rel {rel_error(a, b):.3g}")
        error = checker_error(saved)
        if error and not self.original_checker:
            raise StepFailed(f"onnx.checker fails on the saved model only: {error}")
        return ""

    def shapes(self):
        values = first_json(scalpel(self.args, self.path, "shapes --json")).get("values", [])
        by_name = {v.get("name"): v.get("shape") for v in values}
        try:
            real = ort_values(self.model, self.feeds)
        except Exception as e:  # noqa: BLE001 - not scalpel's doing
            raise NotApplicable(f"ORT cannot return the intermediates: {one_line(e, 100)}")
        real.update(self.feeds)
        compared = unknown = unlisted = 0
        bad = []
        for name, array in real.items():
            shape = by_name.get(name, "missing")
            if shape == "missing":
                unlisted += 1
            elif shape is None or not all(isinstance(d, int) and not isinstance(d, bool) for d in shape):
                unknown += 1
            else:
                compared += 1
                if list(shape) != list(array.shape):
                    bad.append(f"{name}: scalpel {shape}, ORT {list(array.shape)}")
        self.row["shapes"] = {"compared": compared, "mismatches": len(bad), "unknown": unknown, "unlisted": unlisted}
        if bad:
            raise StepFailed(f"{len(bad)} of {compared} shapes differ, e.g. {bad[0]}")
        return f"{compared} compared" + (f", {unknown} unknown" if unknown else "") + (f", {unlisted} unlisted" if unlisted else "")

    def engine(self):
        import numpy as np
        if len(self.feeds) != 1:
            raise NotApplicable(f"{len(self.feeds)} inputs")
        y_path = self.out("y.npy")
        scalpel(self.args, self.path, f"run --input {self.x_path} -o {y_path}")
        y, ref = np.load(y_path), next(iter(self.ref.values()))
        if y.shape != ref.shape:
            raise StepFailed(f"output shape {list(y.shape)}, ORT {list(ref.shape)}")
        error = rel_error(y, ref)
        self.row["engine_rel_error"] = error
        if not error <= TOL:
            # fp32 noise of this model: ORT with its graph optimisations (other kernels, fusions)
            # against ORT without; large for ill-conditioned random-weight models.
            try:
                noise = rel_error(next(iter(ort_run(self.path, self.feeds, optimised=True).values())), ref)
                self.row["ort_noise"] = noise
                context = f" (ORT optimised vs unoptimised: {noise:.2g})"
            except Exception:  # noqa: BLE001
                context = ""
            exact = self.float64_reference(self.x_path)
            if exact is not None:
                ours, ort = rel_error(y, exact), rel_error(ref, exact)
                self.row.update(engine_vs_float64=ours, ort_vs_float64=ort)
                judged = f"vs float64 {ours:.2g}, ORT vs float64 {ort:.2g}"
                if ours <= max(TOL, ort):
                    return f"max rel error {error:.2g} vs ORT; {judged}"
                if self.has_winograd_conv() and ours <= max(TOL, WINOGRAD_FACTOR * ort):
                    self.row["engine_tolerance"] = "winograd"
                    return f"max rel error {error:.2g} vs ORT; {judged} (within the Winograd tolerance)"
                context += f"; {judged}"
            raise StepFailed(f"max rel error {error:.3g} > {TOL:g}{context}")
        return f"max rel error {error:.2g}"

    def has_winograd_conv(self):
        """Whether a Conv of the model is one the engine runs by Winograd (3×3, stride 1, undilated, ungrouped)."""
        import onnx
        inits = {t.name: list(t.dims) for t in self.model.graph.initializer}
        for n in self.model.graph.node:
            if n.op_type != "Conv" or len(n.input) < 2 or len(inits.get(n.input[1], [])) != 4:
                continue
            a = {x.name: onnx.helper.get_attribute_value(x) for x in n.attribute}
            if (inits[n.input[1]][2:] == [3, 3] and a.get("group", 1) == 1 and all(v == 1 for v in a.get("strides", [1]))
                    and all(v == 1 for v in a.get("dilations", [1]))):
                return True
        return False

    def torch_side(self, job, *paths):
        """The ZOO-RESULT of `zoo_torch.py JOB SOURCE NAME ONNX PATHS…` (StepFailed if it failed)."""
        source, name = self.row["model"].split("/", 1)
        cmd = [self.args.torch_python, os.path.join(ROOT, "scripts", "zoo_torch.py"), job, source, name, self.path, *paths]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=self.args.export_timeout, env=child_env())
        except subprocess.TimeoutExpired:
            raise StepFailed(f"zoo_torch.py {job} timed out after {self.args.export_timeout:.0f} s")
        line = next((l for l in reversed(p.stdout.splitlines()) if l.startswith("ZOO-RESULT ")), None)
        result = json.loads(line[len("ZOO-RESULT "):]) if line else {
            "status": "failed", "message": f"exit {p.returncode}: {one_line(p.stderr.strip()[-300:], 150)}"}
        if result["status"] != "ok":
            raise StepFailed(f"zoo_torch.py {job}: {result['message']}")
        return result

    def float64_reference(self, x_path):
        """The rebuilt PyTorch model's float64 output on x_path (None for other sources)."""
        import numpy as np
        if self.row["source"] not in TORCH_SOURCES:
            return None
        out = self.out("y64.npy")
        self.torch_side("float64", x_path, out)
        return np.load(out)

    def prune(self):
        pruned = self.out("pruned.onnx")
        text = scalpel(self.args, self.path, "prune --global --by l1 --target-params 0.5", f"save {pruned}")
        found = re.search(r"parameters ([\d,]+) → ([\d,]+)", text)
        if not found:
            if re.search(r"removed 0 channels|no prunable|nothing to prune", text):
                raise NotApplicable(one_line(text, 120))
            raise StepFailed(f"no 'parameters A → B' in the prune output: {one_line(text, 120)}")
        before, after = (int(g.replace(",", "")) for g in found.groups())
        self.row["kept"] = round(after / before, 4) if before else None
        if after == before:
            raise NotApplicable("nothing was pruned")
        from onnx_parameters import parameter_count
        counted = parameter_count(pruned)
        reported = first_json(scalpel(self.args, pruned, "summary --json")).get("total_params")
        if counted != reported or counted != after:
            raise StepFailed(f"file holds {counted:,} parameters, summary of the saved model {reported}, prune printed {after:,}")
        try:
            got = ort_run(pruned, self.feeds)
        except Exception as e:  # noqa: BLE001
            raise StepFailed(f"ORT cannot run the pruned model: {one_line(e, 150)}")
        shapes = [list(a.shape) for a in got.values()]
        if shapes != [list(a.shape) for a in self.ref.values()]:
            raise StepFailed(f"output shapes {shapes} after prune, {[list(a.shape) for a in self.ref.values()]} before")
        error = checker_error(pruned)
        if error and not self.original_checker:
            raise StepFailed(f"onnx.checker fails on the pruned model only: {error}")
        return f"kept {after / before:.3f}"

    def zeroed(self, group, out_path):
        from onnx import numpy_helper
        model = self.model.__class__()
        model.CopyFrom(self.model)
        inits = {t.name: t for t in model.graph.initializer}
        for p in group["parameters"]:
            role, tensor = p["role"], inits.get(p["tensor"])
            if tensor is None:
                continue
            if role not in ZEROED_ROLES and not (role == "per-channel constant"
                                                 and self.node_op.get(p.get("layer")) in ZERO_KEEPING_OPS):
                continue
            array = numpy_helper.to_array(tensor).copy()
            index = [slice(None)] * array.ndim
            index[p["axis"]] = p["indices"]
            array[tuple(index)] = 0
            tensor.CopyFrom(numpy_helper.from_array(array, tensor.name))
        import onnx
        onnx.save(model, out_path)
        return model

    def zero_is_nothing(self, zero_model, group):
        """None when every activation of the group has its removed channels all zero in the zeroed
        model; else the first value (and op) where a zeroed channel is not zero."""
        import numpy as np
        acts = [a for a in group.get("activations", []) if a.get("value")]
        values = ort_values(zero_model, self.feeds, {a["value"] for a in acts})
        producer = {v: n.op_type for n in zero_model.graph.node for v in n.output}
        for a in acts:
            v = values.get(a["value"])
            if v is None or v.ndim <= a["axis"]:
                continue
            moved = np.moveaxis(v, a["axis"], 0).reshape(v.shape[a["axis"]], -1)
            if int((np.abs(moved).max(axis=1) == 0).sum()) < a.get("removed", 0):
                return f"{a['value']} ({producer.get(a['value'], 'input')})"
        return None

    def zero_delete(self):
        import numpy as np
        entries = first_json(scalpel(self.args, self.path, "score --all --by l1 --json"))
        candidates = [e for e in entries if len(e.get("channels", [])) >= 2]
        rng = np.random.default_rng(zlib.crc32(self.row["model"].encode()))
        order = [candidates[i] for i in rng.permutation(len(candidates))]
        results, inconclusive, refused = [], [], []
        for entry in order:
            if len(results) + len(inconclusive) == 3 or len(refused) >= 15:
                break
            layer, n = entry["layer"], len(entry["channels"])
            channels = sorted(int(c) for c in rng.choice(n, min(2, n - 1), replace=False))
            try:  # `score --all` scores every layer; `group` refuses those Scalpel cannot prune
                spec = " ".join(map(str, channels))
                group = first_json(scalpel(self.args, self.path, f"group {quote(layer)} {spec} --coupled --json"))
            except StepFailed as e:
                refused.append(str(e).split("error: ", 1)[-1])
                continue
            spec = " ".join(map(str, group["channels"]))  # closed over grouped convolutions
            k = len(results) + len(inconclusive)
            zero_path, cut_path = self.out(f"zero{k}.onnx"), self.out(f"cut{k}.onnx")
            zero_model = self.zeroed(group, zero_path)
            before = ort_run(zero_path, self.feeds)
            scalpel(self.args, zero_path, f"delete channels {quote(layer)} {spec}", f"save {cut_path}")
            try:
                after = ort_run(cut_path, self.feeds)
            except Exception as e:  # noqa: BLE001
                raise StepFailed(f"{layer} [{spec}]: ORT cannot run the model after delete: {one_line(e, 120)}")
            error = worst_rel_error(after, before)
            if error <= TOL:
                results.append(f"{layer} [{spec}] {error:.1g}")
                continue
            where = self.zero_is_nothing(zero_model, group)
            if where:
                inconclusive.append(f"{layer} [{spec}]: rel {error:.3g}, zeroed channels not zero at {where}")
                continue
            noise = worst_rel_error(ort_run(zero_path, self.feeds, optimised=True), before)
            if error <= noise:  # so ill-conditioned that ORT differs from itself by more
                inconclusive.append(f"{layer} [{spec}]: rel {error:.3g}, within ORT's own fp32 noise on the model ({noise:.2g})")
                continue
            raise StepFailed(f"{layer} [{spec}]: outputs differ after delete, max rel {error:.3g}")
        self.row["zero_delete"] = {"exact": results, "inconclusive": inconclusive, "refused": refused}
        if not results:
            if inconclusive:
                raise NotApplicable("inconclusive: " + inconclusive[0])
            raise NotApplicable(f"group refused {len(refused)} layer(s): " + (refused[0] if refused else "no layer with 2+ channels"))
        return (f"{len(results)} exact" + (f", {len(inconclusive)} inconclusive ({inconclusive[0]})" if inconclusive else "")
                + (f", {len(refused)} refused" if refused else ""))


    def tp_layers(self, count=2):
        """Up to count Conv layers picked at random (seeded by the model name), each with 2 random
        output channels closed by `group --coupled` (grouped convolutions take the same channels
        in every group, as Torch-Pruning does): [{"layer": module path, "channels": [...]}]."""
        import numpy as np
        inits = {t.name: list(t.dims) for t in self.model.graph.initializer}
        convs = [(module_path(n.name, n.op_type), inits[n.input[1]][0]) for n in self.model.graph.node
                 if n.op_type == "Conv" and len(n.input) > 1 and n.input[1] in inits and n.name.startswith("/")]
        convs = [(m, c) for m, c in convs if c >= 3]
        rng = np.random.default_rng(zlib.crc32(self.row["model"].encode()) + 1)
        picked = []
        for i in rng.permutation(len(convs))[:count]:
            layer, n = convs[i]
            channels = sorted(int(c) for c in rng.choice(n, 2, replace=False))
            try:
                group = first_json(scalpel(self.args, self.path, f"group {quote(layer)} {' '.join(map(str, channels))} --coupled --json"))
                channels = group["channels"]
            except StepFailed:
                pass  # Scalpel refuses the layer: Torch-Pruning decides whether that is a failure
            picked.append({"layer": layer, "channels": channels})
        return picked

    def torch_pruning(self):
        from onnx_parameters import parameter_count
        if self.row["source"] not in TORCH_SOURCES:
            raise NotApplicable("not a torchvision or timm model")
        layers = self.tp_layers()
        if not layers:
            raise NotApplicable("no Conv layer with 3+ output channels")
        spec = self.out("tp-spec.json")
        with open(spec, "w") as f:
            json.dump({"layers": layers}, f)
        try:
            outcomes = self.torch_side("torch-pruning", spec, self.work)["layers"]
        except StepFailed as e:  # the rebuild or Torch-Pruning failed, not Scalpel
            raise NotApplicable(str(e))
        equal, both_refuse, only_scalpel, output_changed = [], [], [], []
        for k, o in enumerate(outcomes):
            layer, spec_text = o["layer"], " ".join(map(str, o["channels"]))
            cut = self.out(f"scalpel-tp-{k}.onnx")
            try:
                scalpel(self.args, self.path, f"delete channels {quote(layer)} {spec_text}", f"save {cut}")
            except StepFailed as e:
                if o["status"] == "pruned":
                    raise StepFailed(f"{layer} [{spec_text}]: Torch-Pruning prunes it, Scalpel refuses: {e}")
                both_refuse.append(layer)
                continue
            if o["status"] != "pruned":
                only_scalpel.append(f"{layer} ({one_line(o['message'], 80)})")
                continue
            theirs, ours = ort_run(o["path"], self.feeds), ort_run(cut, self.feeds)
            if [a.shape for a in theirs.values()] != [a.shape for a in self.ref.values()]:
                output_changed.append(layer)  # Torch-Pruning cut the model's output channels
                continue
            error = worst_rel_error(ours, theirs)
            counted, tp_counted = parameter_count(cut), parameter_count(o["path"])
            if not error <= TOL or counted != tp_counted:
                raise StepFailed(f"{layer} [{spec_text}]: Scalpel against Torch-Pruning: max rel {error:.3g}, "
                                 f"{counted:,} parameters against {tp_counted:,}")
            equal.append(f"{layer} [{spec_text}] {error:.1g}")
        self.row["torch_pruning"] = {"equal": equal, "both_refuse": both_refuse, "only_scalpel": only_scalpel,
                                     "tp_changes_output": output_changed}
        if not equal:
            raise NotApplicable(f"Torch-Pruning pruned none of {len(outcomes)} layer(s) without changing the output"
                                + (f"; only Scalpel: {only_scalpel[0]}" if only_scalpel else ""))
        return (f"{len(equal)} equal" + (f", {len(only_scalpel)} only Scalpel" if only_scalpel else "")
                + (f", {len(both_refuse)} both refuse" if both_refuse else ""))


def check_model(args, source, name):
    row = {"model": f"{source}/{name}", "source": source, "exporter": "", "input": "", "nodes": None, "params": None,
           "macs": None, "problems": None, "kept": None, "failed_step": None, "message": "", "steps": {},
           "notes": {}, "times": {}}
    t0 = time.time()
    path, meta = ensure_export(args, source, name)
    row["exporter"] = meta.get("exporter", "")
    row["times"]["export"] = meta.get("export_s")
    row["export_cached"] = bool(meta.get("cached"))
    row["times"]["total"] = round(time.time() - t0, 1)
    if meta.get("status") == "skipped":
        row.update(failed_step="skipped", message=one_line(meta.get("message", "")))
        row["steps"]["export"] = "skipped"
        return row
    if path is None:
        row.update(failed_step="export", message=one_line(meta.get("message", "")))
        row["steps"]["export"] = "fail"
        return row
    work = tempfile.mkdtemp(prefix="zoo-", dir=args.work)
    t1 = time.time()
    try:
        try:
            check = Check(args, row, path, work)
        except Exception as e:  # noqa: BLE001 - the export is broken: the exporter's failure
            row.update(failed_step="export", message=one_line(f"ORT cannot run the export: {type(e).__name__}: {e}"))
            row["steps"]["export"] = "fail"
            return row
        row["steps"]["export"] = "pass"
        for step, method in [("load", check.load), ("round-trip", check.round_trip), ("shapes", check.shapes),
                             ("engine", check.engine), ("prune", check.prune), ("zero-delete", check.zero_delete),
                             ("torch-pruning", check.torch_pruning)]:
            ts = time.time()
            try:
                note = method()
                row["steps"][step] = "pass"
            except NotApplicable as e:
                row["steps"][step], note = "n/a", str(e)
            except StepFailed as e:
                row["steps"][step] = "fail"
                row.update(failed_step=step, message=one_line(e))
            except Exception as e:  # noqa: BLE001 - a crash of the check itself counts against the step
                row["steps"][step] = "fail"
                row.update(failed_step=step, message=one_line(f"check error {type(e).__name__}: {e}"))
            row["times"][step] = round(time.time() - ts, 2)
            if row["failed_step"]:
                break
            if note:
                row["notes"][step] = one_line(note)
    finally:
        row["times"]["checks"] = round(time.time() - t1, 1)
        row["times"]["total"] = round(time.time() - t0, 1)
        if args.keep:
            print(f"   kept files in {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return row


# ----------------------------------------------------------------------------- report

def message_key(message):
    """A message with names and numbers blanked and its tail cut, to group equal failures."""
    key = re.sub(r"^`[^`]*` exit \d+: (scalpel: error: )?", "", message)
    key = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", "'…'", key)
    key = re.sub(r"\[[\d, ]*\]", "[…]", key)
    key = re.sub(r"(?<![A-Za-z])[-+]?\d[\d,.]*(e[-+]?\d+)?(?!-D)", "N", key)
    key = re.sub(r"(^|\s)/?[\w./:-]*(/|::)[\w./:-]*", r"\1…", key)  # node and value paths
    key = key.split(";")[0].split(" Please ")[0]
    return key[:90].rstrip(" …:,") + ("…" if len(key) > 90 else "")


def totals(rows):
    lines = []
    by_source = collections.OrderedDict()
    for r in rows:
        by_source.setdefault(r["source"], []).append(r)
    lines.append("| source | models | skipped | exported | " + " | ".join(STEPS[1:]) + " | all steps |")
    lines.append("|---|---:|---:|---:|" + "---:|" * (len(STEPS) - 1) + "---:|")
    for source, rs in list(by_source.items()) + [("**all**", rows)]:
        cells = [source, str(len(rs)), str(sum(r["failed_step"] == "skipped" for r in rs)),
                 str(sum(r["steps"].get("export") == "pass" for r in rs))]
        for step in STEPS[1:]:
            passed = sum(r["steps"].get(step) == "pass" for r in rs)
            na = sum(r["steps"].get(step) == "n/a" for r in rs)
            cells.append(f"{passed}" + (f" (+{na} n/a)" if na else ""))
        cells.append(str(sum(r["steps"].get("export") == "pass" and not r["failed_step"] for r in rs)))
        lines.append("| " + " | ".join(cells) + " |")
    engine = [r for r in rows if r["steps"].get("engine") == "pass"]
    strict = sum(r.get("engine_rel_error", float("inf")) <= TOL for r in engine)
    winograd = sum(r.get("engine_tolerance") == "winograd" for r in engine)
    lines.append(f"\nengine passes: {strict} within {TOL:g} of ORT, {len(engine) - strict - winograd} more no further "
                 f"from the float64 answer than ORT, {winograd} more within the Winograd tolerance")
    lines.append("\n(a step's count is the models that passed it, '+N n/a' those where it could not apply; a model "
                 "stops at its first failing step, so later steps are not run for it; 'all steps': no step failed)\n")
    lines.append("### Failures by step and message\n")
    for step in STEPS + ["skipped"]:
        failed = [r for r in rows if r["failed_step"] == step]
        if not failed:
            continue
        lines.append(f"**{step}**: {len(failed)} model(s)")
        groups = collections.OrderedDict()
        for r in failed:
            groups.setdefault(message_key(r["message"]), []).append(r)
        for key, rs in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            examples = "; ".join(f"{r['model']} ({r['message'][:100]})" for r in rs[:3])
            lines.append(f"- {len(rs)} × `{key}` — e.g. {examples}")
        lines.append("")
    return lines


def write_report(args, rows, started):
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump({"scalpel": args.scalpel, "started": started, "rows": rows}, f, indent=1)
    md = ["# Scalpel model zoo check\n", f"- scalpel: `{args.scalpel}`; started {started}; {len(rows)} models",
          f"- steps: {', '.join(STEPS)} (see scripts/check-zoo.py)\n", "## Totals\n"]
    md += totals(rows)
    md.append("## Models\n")
    md.append("| model | exporter | input | nodes | params | MACs | problems | kept | result | message | export s | check s |")
    md.append("|---|---|---|---:|---:|---:|---:|---:|---|---|---:|---:|")
    for r in rows:
        result = r["failed_step"] and f"**{r['failed_step']}**" or "pass"
        na = [s for s, v in r["steps"].items() if v == "n/a"]
        if na and not r["failed_step"]:
            result += f" ({', '.join(na)} n/a)"
        message = r["message"] or "; ".join(f"{k}: {v}" for k, v in r["notes"].items() if k in ("prune", "zero-delete", "shapes"))
        fmt = lambda v: f"{v:,}" if isinstance(v, int) else ("" if v is None else str(v))  # noqa: E731
        md.append(f"| {r['model']} | {r['exporter']} | {r['input']} | {fmt(r['nodes'])} | {fmt(r['params'])} | "
                  f"{fmt(r['macs'])} | {fmt(r['problems'])} | {fmt(r['kept'])} | {result} | "
                  f"{one_line(message).replace('|', '/')} | {fmt(r['times'].get('export'))} | {fmt(r['times'].get('checks'))} |")
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write("\n".join(md) + "\n")


# ----------------------------------------------------------------------------- main

def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "--export-one":
        max_params = float(sys.argv[sys.argv.index("--max-params") + 1]) if "--max-params" in sys.argv else float("inf")
        export_one(sys.argv[2], sys.argv[3], sys.argv[4], max_params)
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog="See the module docstring for the steps.")
    ap.add_argument("--source", default=",".join(SOURCES), help="comma-separated: " + ", ".join(SOURCES))
    ap.add_argument("--only", help="check only models whose SOURCE/NAME contains this substring")
    ap.add_argument("--limit", type=int, help="at most N models of each source (catalogue order)")
    ap.add_argument("--scalpel", default=os.path.join(ROOT, ".build", "release", "scalpel"))
    ap.add_argument("--cache", default=os.path.join(ROOT, ".cache", "zoo"), help="exported models")
    ap.add_argument("--out", help="folder for report.md and report.json (default: the cache)")
    ap.add_argument("--work", default=None, help="folder for the temporary files (default: system temp)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per scalpel command")
    ap.add_argument("--export-timeout", type=float, default=900, help="seconds per export")
    ap.add_argument("--max-params", type=float, default=200e6, help="skip models with more parameters")
    ap.add_argument("--force-export", action="store_true", help="export again even when cached")
    ap.add_argument("--merge", action="store_true", help="keep rows of OUT/report.json for models not checked now")
    ap.add_argument("--keep", action="store_true", help="keep each model's saved/pruned/cut files")
    ap.add_argument("--torch-python", default=sys.executable)
    ap.add_argument("--tf-python", default="/work/venv-tf/bin/python")
    ap.add_argument("--paddle-python", default="/work/venv-paddle/bin/python")
    args = ap.parse_args()
    args.sources = [s.strip() for s in args.source.split(",") if s.strip()]
    unknown = [s for s in args.sources if s not in SOURCES]
    if unknown:
        ap.error(f"unknown source {unknown}; sources: {', '.join(SOURCES)}")
    args.scalpel = os.path.abspath(args.scalpel)
    if not os.access(args.scalpel, os.X_OK):
        ap.error(f"{args.scalpel} is not an executable")
    args.cache = os.path.abspath(args.cache)
    args.out = os.path.abspath(args.out or args.cache)
    os.environ.update(ONE_THREAD)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # onnx_parameters

    models = catalogue(args)
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    previous = []
    report_json = os.path.join(args.out, "report.json")
    if args.merge and os.path.exists(report_json):
        with open(report_json) as f:
            checking = {f"{s}/{n}" for s, n in models}
            previous = [r for r in json.load(f)["rows"] if r["model"] not in checking]
    rows = []
    print(f"check-zoo: {len(models)} models, scalpel {args.scalpel}", flush=True)
    for i, (source, name) in enumerate(models, 1):
        row = check_model(args, source, name)
        rows.append(row)
        verdict = row["failed_step"] and f"FAIL at {row['failed_step']}: {row['message']}" or "pass"
        if row["failed_step"] in ("export", "skipped"):
            verdict = f"{row['failed_step']}: {row['message']}"
        extra = f" [{'; '.join(f'{k}: {v}' for k, v in row['notes'].items())}]" if row["notes"] else ""
        print(f"[{i}/{len(models)}] {row['model']}: {verdict} ({row['times'].get('total', 0):.0f} s){extra}", flush=True)
        write_report(args, previous + rows, started)
    all_rows = previous + rows
    print("\n" + "\n".join(totals(all_rows)))
    print(f"report: {os.path.join(args.out, 'report.md')}")
    scalpel_failures = sum(r["failed_step"] in STEPS[1:] for r in all_rows)
    return 1 if scalpel_failures else 0


if __name__ == "__main__":
    sys.exit(main())
