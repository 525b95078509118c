#!/usr/bin/env python3
"""Records what PyTorch's optimizers do to Tests/Fixtures/mini_resnet.onnx, for the training tests.

Loads the fixture's initializers into the same PyTorch module scripts/make-fixtures.py exported
it from, then, in training mode (BatchNorm by batch statistics, running statistics updated),
takes two steps on one seeded batch with
  sgd:  torch.optim.SGD(lr=0.1, momentum=0.9, weight_decay=5e-4)
  adam: torch.optim.Adam(lr=0.01, weight_decay=5e-4)
each from the fixture's weights, and writes Tests/Fixtures/training/mini_resnet.steps.npz holding
  x, y                 the batch (float32 N×3×16×16) and its labels (int64)
  loss.sgd, loss.adam  the mean cross-entropy before each step (2 values)
  sgd.NAME, adam.NAME  every parameter and BatchNorm running statistic after the two steps,
                       NAME being the ONNX initializer's name.
It also recalibrates the fixture's BatchNorms as `recalibrate` does (training mode, momentum=None,
no gradient: each running statistic the average over batches of the batch mean and unbiased
variance) on 3 batches of 8 seeded images, and writes Tests/Fixtures/training/mini_resnet.recalibrated.npz:
  x                    the 24 images, read in order, 8 to a batch
  NAME                 every BatchNorm running mean and variance afterwards.
Needs torch, onnx, numpy.  Usage: scripts/make-training-golden.py
"""
import importlib.util
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")


def fixture_module():
    spec = importlib.util.spec_from_file_location("make_fixtures", os.path.join(ROOT, "scripts", "make-fixtures.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_model():
    model = fixture_module().MiniResNet()
    proto = onnx.load(os.path.join(FIXTURES, "mini_resnet.onnx"))
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in proto.graph.initializer}
    state = model.state_dict()
    for name in state:
        if name.endswith("num_batches_tracked"):
            continue
        state[name] = weights[name]
    model.load_state_dict(state)
    return model


def two_steps(make_optimizer, x, y):
    model = load_model()
    model.train()
    optimizer = make_optimizer(model.parameters())
    losses = []
    for _ in range(2):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    state = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    return np.array(losses, dtype=np.float64), state


def recalibrated(x, batch):
    model = load_model()
    model.train()
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.momentum = None
            m.reset_running_stats()
    with torch.no_grad():
        for start in range(0, len(x), batch):
            model(x[start:start + batch])
    return {k: v.numpy().astype(np.float32) for k, v in model.state_dict().items() if k.endswith(("running_mean", "running_var"))}


def main():
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(7)
    x = torch.randn((6, 3, 16, 16), generator=gen)
    y = torch.randint(0, 10, (6,), generator=gen)
    arrays = {"x": x.numpy(), "y": y.numpy().astype(np.int64)}
    runs = {
        "sgd": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=5e-4),
        "adam": lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=5e-4),
    }
    for name, make in runs.items():
        losses, state = two_steps(make, x, y)
        arrays[f"loss.{name}"] = losses
        for k, v in state.items():
            arrays[f"{name}.{k}"] = v
    path = os.path.join(FIXTURES, "training", "mini_resnet.steps.npz")
    np.savez(path, **arrays)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")
    images = torch.randn((24, 3, 16, 16), generator=gen)
    path = os.path.join(FIXTURES, "training", "mini_resnet.recalibrated.npz")
    np.savez(path, x=images.numpy(), **recalibrated(images, 8))
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
