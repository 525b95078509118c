#!/usr/bin/env python3
"""Trains a small CNN with BatchNorm on scikit-learn's bundled 8x8 digits and exports it.

Writes into examples/:
  digits_cnn.onnx     the trained model (opset 17, BatchNormalization kept, input "x" N x 1 x 8 x 8,
                      output "y" = N x 10 logits, dynamic batch axis "N")
  digits_train.npz    x: N x 1 x 8 x 8 float32 in [0, 1] (pixel / 16), y: int64 labels
  digits_test.npz     the same for the test split
  digits_cnn.json     accuracy and loss measured by PyTorch on the eval-mode model
  README.md           what these files are

Needs torch, scikit-learn, onnx, onnxruntime, numpy. No download: load_digits ships with
scikit-learn. Runs in well under a minute on 2 CPU cores.
Usage: scripts/train-example.py [--out examples] [--epochs 30] [--seed 0]
"""
import argparse
import io
import json
import os
import time
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

warnings.filterwarnings("ignore")  # the TorchScript exporter is chatty about being legacy


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.pool = nn.MaxPool2d(2)
        self.conv3 = nn.Conv2d(32, 32, 3, padding=1)
        self.bn3 = nn.BatchNorm2d(32)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = self.pool(x)
        x = F.relu(self.bn3(self.conv3(x)))
        x = torch.flatten(self.gap(x), 1)
        return self.fc(x)


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        logits = model(x)
        loss = F.cross_entropy(logits, y).item()
        pred = logits.argmax(1)
    correct = (pred == y)
    per_class = [int(correct[y == c].sum()) / int((y == c).sum()) for c in range(10)]
    return int(correct.sum()) / len(y), loss, per_class, pred.numpy()


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(root, "examples"))
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    digits = load_digits()
    images = (digits.images.astype(np.float32) / 16.0)[:, None, :, :]   # N x 1 x 8 x 8
    labels = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(images, labels, test_size=0.25,
                                              stratify=labels, random_state=0)
    np.savez(os.path.join(args.out, "digits_train.npz"), x=x_tr, y=y_tr)
    np.savez(os.path.join(args.out, "digits_test.npz"), x=x_te, y=y_te)

    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    xv, yv = torch.from_numpy(x_te), torch.from_numpy(y_te)

    model = DigitsCNN()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(args.seed)
    batch = 64
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        total = 0.0
        for i in range(0, len(xt), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = F.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        if (epoch + 1) % 5 == 0 or epoch == 0:
            acc, _, _, _ = evaluate(model, xv, yv)
            print(f"epoch {epoch + 1:3d}  train loss {total / len(xt):.4f}  test acc {acc:.4f}")
    train_s = time.time() - t0

    model.eval()
    train_acc, _, _, _ = evaluate(model, xt, yt)
    test_acc, test_loss, per_class, pred_torch = evaluate(model, xv, yv)

    # Export with BatchNormalization kept.
    f = io.BytesIO()
    torch.onnx.export(model, (xv[:2],), f, dynamo=False, opset_version=17,
                      input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "N"}, "y": {0: "N"}},
                      do_constant_folding=False)
    proto = onnx.load_from_string(f.getvalue())
    assert any(n.op_type == "BatchNormalization" for n in proto.graph.node)
    onnx.checker.check_model(proto, full_check=True)
    onnx_path = os.path.join(args.out, "digits_cnn.onnx")
    onnx.save_model(proto, onnx_path)

    # The ONNX model must classify the test set exactly as PyTorch does.
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    logits_ort = sess.run(["y"], {"x": x_te})[0]
    with torch.no_grad():
        logits_torch = model(xv).numpy()
    pred_ort = logits_ort.argmax(1)
    ort_acc = int((pred_ort == y_te).sum()) / len(y_te)
    max_diff = float(np.abs(logits_ort - logits_torch).max())
    assert ort_acc == test_acc, (ort_acc, test_acc)
    assert (pred_ort == pred_torch).all()
    print(f"ONNX Runtime test accuracy {ort_acc:.4f} (PyTorch {test_acc:.4f}), "
          f"max |logit diff| {max_diff:.2e}")

    report = {
        "test_accuracy": round(test_acc, 6),
        "test_loss": round(test_loss, 6),
        "train_accuracy": round(train_acc, 6),
        "per_class_test_accuracy": [round(a, 6) for a in per_class],
        "epochs": args.epochs,
        "seed": args.seed,
    }
    with open(os.path.join(args.out, "digits_cnn.json"), "w") as fh:
        json.dump(report, fh, indent=2)
        fh.write("\n")

    readme = f"""# Example model: digits CNN

`digits_cnn.onnx` is a small CNN (Conv 1→16 + BatchNorm + ReLU, Conv 16→32 + BatchNorm + ReLU, MaxPool 2, Conv 32→32 + BatchNorm + ReLU, global average pool, Flatten, Linear 32→10) trained by `scripts/train-example.py` on scikit-learn's bundled 8×8 handwritten digits (`sklearn.datasets.load_digits`, 1797 images, pixels scaled to [0, 1] by dividing by 16), with a stratified 75/25 train/test split (`random_state=0`), Adam (lr 1e-3, batch {batch}) for {args.epochs} epochs, seed {args.seed}. It is exported with the TorchScript exporter at opset 17 with the BatchNormalization nodes kept, input `x` (N×1×8×8 float32), output `y` (N×10 logits), dynamic batch axis `N`. `digits_train.npz` ({len(y_tr)} images) and `digits_test.npz` ({len(y_te)} images) hold `x` (N×1×8×8 float32) and `y` (int64 labels). Measured by PyTorch on the eval-mode model (and reproduced exactly by ONNX Runtime on the ONNX file): test accuracy {test_acc * 100:.2f}%, test loss {test_loss:.4f}, train accuracy {train_acc * 100:.2f}%; `digits_cnn.json` has these numbers and the per-class test accuracy.
"""
    with open(os.path.join(args.out, "README.md"), "w") as fh:
        fh.write(readme)
    print(f"trained in {train_s:.1f}s; train acc {train_acc:.4f}, test acc {test_acc:.4f}, "
          f"test loss {test_loss:.4f}")


if __name__ == "__main__":
    main()
