#!/usr/bin/env python3
"""PyTorch's side of `scripts/bench --part training`; prints one JSON object.

  epoch: the digits CNN of examples/digits_cnn.onnx (the same architecture, its weights loaded
         from the ONNX initializers), one shuffled epoch over examples/digits_train.npz in training
         mode, SGD(lr=0.01, momentum=0.9), batch --batch; one untimed warm-up epoch.
  step:  torchvision resnet18(weights=None) in training mode, one SGD(lr=0.01, momentum=0.9) step
         (zero_grad, forward, cross-entropy, backward, step) on the first --step-batch images of
         --x/--y; one untimed warm-up step.
Usage: bench-training-torch.py --threads T --repeat N --batch B --step-batch B --x X.npy --y Y.npy
"""
import argparse
import json
import os
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class DigitsCNN(nn.Module):
    """scripts/train-example.py's model, with channel counts read from the weights."""

    def __init__(self, w):
        super().__init__()
        c1, c2, c3 = (w[f"conv{i}.weight"].shape[0] for i in (1, 2, 3))
        self.conv1, self.bn1 = nn.Conv2d(1, c1, 3, padding=1), nn.BatchNorm2d(c1)
        self.conv2, self.bn2 = nn.Conv2d(c1, c2, 3, padding=1), nn.BatchNorm2d(c2)
        self.conv3, self.bn3 = nn.Conv2d(c2, c3, 3, padding=1), nn.BatchNorm2d(c3)
        self.fc = nn.Linear(c3, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = F.relu(self.bn3(self.conv3(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def timed_runs(run, repeat):
    """Runs `run` once untimed, then `repeat` timed times; returns the times in ms."""
    run()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def digits_epochs(repeat, batch):
    w = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
         for t in onnx.load(os.path.join(ROOT, "examples", "digits_cnn.onnx")).graph.initializer}
    model = DigitsCNN(w)
    state = model.state_dict()
    model.load_state_dict({k: w.get(k, v) for k, v in state.items()})
    data = np.load(os.path.join(ROOT, "examples", "digits_train.npz"))
    x, y = torch.from_numpy(data["x"]), torch.from_numpy(data["y"])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    generator = torch.Generator().manual_seed(0)

    def epoch():
        model.train()
        order = torch.randperm(len(x), generator=generator)
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            optimizer.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            optimizer.step()

    return timed_runs(epoch, repeat), len(x)


def resnet_steps(repeat, batch, x_path, y_path):
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).train()
    x = torch.from_numpy(np.load(x_path)[:batch])
    y = torch.from_numpy(np.load(y_path)[:batch])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()

    return timed_runs(step, repeat)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--step-batch", type=int, default=8)
    ap.add_argument("--x", required=True)
    ap.add_argument("--y", required=True)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    epoch_ms, samples = digits_epochs(args.repeat, args.batch)
    step_ms = resnet_steps(args.repeat, args.step_batch, args.x, args.y)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "digits_samples": samples,
                      "epoch_ms": epoch_ms, "step_ms": step_ms}))


if __name__ == "__main__":
    main()
