#!/usr/bin/env python3
"""Taylor scores: Scalpel against PyTorch autograd on the example CNN (needs torch).

Rebuilds examples/digits_cnn.onnx as the PyTorch module scripts/train-example.py trains, with
the ONNX file's weights, and computes |mean(a · ∂L/∂a)| per channel, where a is the activation
after each conv's BatchNorm and ReLU and L the mean cross-entropy over the data. Scalpel computes
the same with `score LAYER --by taylor`. Passes when the relative error is ≤ 1e-3.

    check-taylor.py --scalpel .build/debug/scalpel [--data examples/digits_test.npz]
"""
import argparse
import json
import subprocess
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper


class DigitsCNN(nn.Module):
    """The architecture of scripts/train-example.py, returning the post-ReLU activations too."""

    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16)
        self.conv2, self.bn2 = nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.pool = nn.MaxPool2d(2)
        self.conv3, self.bn3 = nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        a1 = F.relu(self.bn1(self.conv1(x)))
        a2 = F.relu(self.bn2(self.conv2(a1)))
        a3 = F.relu(self.bn3(self.conv3(self.pool(a2))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(a3, 1), 1)), [a1, a2, a3]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scalpel", required=True)
    parser.add_argument("--model", default="examples/digits_cnn.onnx")
    parser.add_argument("--data", default="examples/digits_test.npz")
    args = parser.parse_args()
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in onnx.load(args.model).graph.initializer}
    model = DigitsCNN().eval()
    state = {k: weights[k] for k in model.state_dict() if k in weights}
    model.load_state_dict(state, strict=False)
    data = np.load(args.data)
    x, y = torch.from_numpy(data["x"]), torch.from_numpy(data["y"]).long()
    logits, activations = model(x)
    for a in activations:
        a.retain_grad()
    F.cross_entropy(logits, y).backward()
    passed = failed = 0
    for k, a in enumerate(activations, start=1):
        reference = (a * a.grad).mean(dim=(0, 2, 3)).abs().detach().numpy().astype(np.float64)
        result = subprocess.run([args.scalpel, args.model, "-c", f"score conv{k} --by taylor --data {args.data} --json"],
                                capture_output=True, text=True, check=True)
        ours = np.array([c["score"] for c in sorted(json.loads(result.stdout)[0]["channels"], key=lambda c: c["channel"])])
        error = float(np.max(np.abs(ours - reference)) / np.max(np.abs(reference)))
        ok = error <= 1e-3
        passed, failed = passed + ok, failed + (not ok)
        print(f"{'PASS' if ok else 'FAIL'} conv{k}: {len(ours)} channels, max relative error {error:.2e}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
