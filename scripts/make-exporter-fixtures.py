#!/usr/bin/env python3
"""Builds Tests/Fixtures/exporters/: small models written by exporters other than torch.onnx's
classifier path, each a witness of what those exporters write, with random (seeded) weights.

  yolo_tiny.onnx     ultralytics YOLOv8 (its yolov8.yaml with 2 classes at width 1/16) exported
                     by ultralytics with dynamic=True at 64×64: the Detect head builds its anchors
                     with Range from the input's run-time size, splits with Split and Slice
  paddle_cnn.onnx    a paddle.nn CNN (Conv2D, BatchNorm2D, ReLU, grouped conv, Linear) exported by
                     paddle2onnx: conv biases as separate Adds, the batch a named dynamic dim
                     (DynamicDimension.0), Flatten as Shape → Slice → Concat → Reshape, Linear
                     as MatMul + Add
  NAME.npz           x: a seeded input of batch 2, y: ONNX Runtime's first output for it (checked
                     against the framework's own output)

Each builder needs its framework: run with the interpreter of a venv that has it.
  /work/venv/bin/python scripts/make-exporter-fixtures.py --only yolo_tiny        (ultralytics, torch)
  /work/venv-paddle/bin/python scripts/make-exporter-fixtures.py --only paddle_cnn (paddlepaddle, paddle2onnx)
Not run in CI.
"""
import argparse
import os
import shutil
import tempfile

import numpy as np
import onnxruntime as ort

YOLO_YAML = """
nc: 2
scales:
  t: [0.33, 0.0625, 1024]
backbone:
  - [-1, 1, Conv, [64, 3, 2]]
  - [-1, 1, Conv, [128, 3, 2]]
  - [-1, 3, C2f, [128, True]]
  - [-1, 1, Conv, [256, 3, 2]]
  - [-1, 6, C2f, [256, True]]
  - [-1, 1, Conv, [512, 3, 2]]
  - [-1, 6, C2f, [512, True]]
  - [-1, 1, Conv, [1024, 3, 2]]
  - [-1, 3, C2f, [1024, True]]
  - [-1, 1, SPPF, [1024, 5]]
head:
  - [-1, 1, nn.Upsample, [None, 2, "nearest"]]
  - [[-1, 6], 1, Concat, [1]]
  - [-1, 3, C2f, [512]]
  - [-1, 1, nn.Upsample, [None, 2, "nearest"]]
  - [[-1, 4], 1, Concat, [1]]
  - [-1, 3, C2f, [256]]
  - [-1, 1, Conv, [256, 3, 2]]
  - [[-1, 12], 1, Concat, [1]]
  - [-1, 3, C2f, [512]]
  - [-1, 1, Conv, [512, 3, 2]]
  - [[-1, 9], 1, Concat, [1]]
  - [-1, 3, C2f, [1024]]
  - [[15, 18, 21], 1, Detect, [nc]]
"""


def randomize_bn(model, torch):
    gen = torch.Generator().manual_seed(7)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=gen))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=gen))
                m.running_mean.copy_(0.2 * torch.randn(m.running_mean.shape, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen))


def yolo_tiny(out):
    import torch
    from ultralytics import YOLO
    torch.manual_seed(0)
    work = tempfile.mkdtemp()
    yaml = os.path.join(work, "yolov8t.yaml")
    with open(yaml, "w") as f:
        f.write(YOLO_YAML)
    model = YOLO(yaml)
    randomize_bn(model.model, torch)
    model.model.eval()
    exported = model.export(format="onnx", imgsz=64, dynamic=True, simplify=False, opset=17)
    path = os.path.join(out, "yolo_tiny.onnx")
    shutil.move(exported, path)
    x = np.random.default_rng(3).random((2, 3, 64, 64), dtype=np.float32)
    with torch.no_grad():
        reference = model.model(torch.from_numpy(x))[0].numpy()
    return path, x, reference


def paddle_cnn(out):
    import paddle
    import paddle2onnx  # noqa: F401 (paddle.onnx.export needs it)
    paddle.seed(0)

    class Net(paddle.nn.Layer):
        def __init__(self):
            super().__init__()
            self.conv1 = paddle.nn.Conv2D(3, 16, 3, stride=2, padding=1)
            self.bn1 = paddle.nn.BatchNorm2D(16)
            self.conv2 = paddle.nn.Conv2D(16, 16, 3, padding=1, groups=4)
            self.bn2 = paddle.nn.BatchNorm2D(16)
            self.conv3 = paddle.nn.Conv2D(16, 24, 1)
            self.fc = paddle.nn.Linear(24, 10)

        def forward(self, x):
            x = paddle.nn.functional.relu(self.bn1(self.conv1(x)))
            x = paddle.nn.functional.relu(self.bn2(self.conv2(x)))
            x = paddle.nn.functional.relu(self.conv3(x))
            return self.fc(paddle.flatten(paddle.nn.functional.adaptive_avg_pool2d(x, 1), 1))

    net = Net()
    rng = np.random.default_rng(7)
    for bn in (net.bn1, net.bn2):
        n = bn.weight.shape[0]
        bn.weight.set_value((0.5 + rng.random(n)).astype(np.float32))
        bn.bias.set_value((0.2 * rng.standard_normal(n)).astype(np.float32))
        bn._mean.set_value((0.2 * rng.standard_normal(n)).astype(np.float32))
        bn._variance.set_value((0.5 + rng.random(n)).astype(np.float32))
    net.eval()
    work = tempfile.mkdtemp()
    spec = [paddle.static.InputSpec(shape=[-1, 3, 16, 16], dtype="float32", name="x")]
    paddle.onnx.export(net, os.path.join(work, "paddle_cnn"), input_spec=spec, opset_version=17)
    path = os.path.join(out, "paddle_cnn.onnx")
    shutil.move(os.path.join(work, "paddle_cnn.onnx"), path)
    x = np.random.default_rng(3).standard_normal((2, 3, 16, 16)).astype(np.float32)
    reference = net(paddle.to_tensor(x)).numpy()
    return path, x, reference


BUILDERS = {"yolo_tiny": yolo_tiny, "paddle_cnn": paddle_cnn}


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(root, "Tests", "Fixtures", "exporters"))
    ap.add_argument("--only", nargs="+", choices=list(BUILDERS), required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in args.only:
        path, x, reference = BUILDERS[name](args.out)
        session = ort.InferenceSession(path)
        y = session.run(None, {session.get_inputs()[0].name: x})[0]
        error = float(np.abs(y - reference).max() / max(1e-12, float(np.abs(reference).max())))
        if error > 1e-4:
            raise SystemExit(f"{name}: ONNX Runtime and the framework disagree ({error:.2e} relative)")
        np.savez(os.path.join(args.out, name + ".npz"), x=x, y=y)
        print(f"{name}: {os.path.getsize(path)} bytes, ORT vs framework {error:.1e} relative")


if __name__ == "__main__":
    main()
