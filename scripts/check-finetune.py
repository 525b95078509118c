#!/usr/bin/env python3
"""Fine-tuning checked by ONNX Runtime (no torch needed; run by scripts/test).

Fine-tunes Tests/Fixtures/digits_untrained.onnx (fresh BatchNorms, whose running statistics the
PyTorch exporter aliased to their weight and bias through Identity nodes) for 2 epochs on the
example digits, evaluates and saves it with scalpel, then runs the saved model in ONNX Runtime on
the test split: its accuracy and loss must be what scalpel's eval printed, and far above chance.

    check-finetune.py --scalpel .build/debug/scalpel
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scalpel", required=True)
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    train, test = root / "examples/digits_train.npz", root / "examples/digits_test.npz"
    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "tuned.onnx"
        result = subprocess.run([args.scalpel, str(root / "Tests/Fixtures/digits_untrained.onnx"),
                                 "-c", f"finetune --data {train} --epochs 2 --lr 0.05 --seed 1",
                                 "-c", f"eval --data {test} --json", "-c", f"save {saved}"], capture_output=True, text=True)
        if result.returncode != 0:
            print(f"FAIL finetune: {result.stderr.strip()}")
            print("0 passed, 1 failed")
            return 1
        start = next(i for i, l in enumerate(result.stdout.splitlines(keepends=True)) if l.startswith("{"))
        scalpel, _ = json.JSONDecoder().raw_decode("".join(result.stdout.splitlines(keepends=True)[start:]))
        onnx.checker.check_model(str(saved), full_check=True)
        data = np.load(test)
        session = ort.InferenceSession(str(saved), providers=["CPUExecutionProvider"])
        logits = session.run(None, {session.get_inputs()[0].name: data["x"]})[0].astype(np.float64)
        labels = data["y"].astype(int)
        accuracy = float(np.mean(np.argmax(logits, axis=1) == labels))
        shifted = logits - logits.max(axis=1, keepdims=True)
        loss = float(np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(labels)), labels]))
    # A sample whose two best logits tie to float rounding may go either way: allow one.
    ok = abs(accuracy - scalpel["top1"]) <= 1 / len(labels) + 1e-12 and abs(loss - scalpel["mean_loss"]) <= 1e-4 * max(1, loss) \
        and accuracy > 0.5
    print(f"{'PASS' if ok else 'FAIL'} finetune digits_untrained: ONNX Runtime top-1 {accuracy:.4f}, loss {loss:.4f}; "
          f"scalpel eval top-1 {scalpel['top1']:.4f}, loss {scalpel['mean_loss']:.4f} (chance 0.1)")
    print(f"{int(ok)} passed, {int(not ok)} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
