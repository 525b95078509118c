#!/usr/bin/env python3
"""Builds Tests/Fixtures/keras/: Keras models exported by tf2onnx, with what Keras measured.

  digits_keras.onnx    a small Conv2D Sequential trained for 15 epochs on the example digits,
                       channels-last input N×8×8×1, ending in a softmax (the model outputs
                       probabilities), exported by tf2onnx at opset 17
  conv1d_keras.onnx    a random-weight Conv1D Sequential (N×16×4 input, two Conv1D, GlobalMaxPooling1D,
                       Dense), exported by tf2onnx: Unsqueeze → Conv → Squeeze around every Conv1D
  conv1d_keras.npz     x: a seeded N=2 input, y: ONNX Runtime's output (checked against Keras)
  digits_keras.json    Keras's own top-1 accuracy and mean sparse categorical cross-entropy of
                       the model on examples/digits_test.npz (pixels as the example stores them)

Needs tensorflow(-cpu), tf2onnx, onnx, onnxruntime, numpy; not run in CI. Seeded.
Usage: scripts/make-keras-fixtures.py [--out Tests/Fixtures/keras]
"""
import argparse
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402


def conv1d_model():
    """A text-style Conv1D Sequential (N×L×C input): tf2onnx writes every Conv1D as
    Unsqueeze → Conv (1×k) → Squeeze, and GlobalMaxPooling1D ends in a Squeeze too."""
    return tf.keras.Sequential([
        tf.keras.Input((16, 4), name="x"),
        tf.keras.layers.Conv1D(32, 3, padding="same", activation="relu", name="conv1"),
        tf.keras.layers.Conv1D(48, 3, padding="same", activation="relu", name="conv2"),
        tf.keras.layers.GlobalMaxPooling1D(name="pool"),
        tf.keras.layers.Dense(5, name="fc"),
    ])


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(root, "Tests", "Fixtures", "keras"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    tf.keras.utils.set_random_seed(0)
    train, test = (np.load(os.path.join(root, "examples", f"digits_{s}.npz")) for s in ("train", "test"))
    to_nhwc = lambda x: np.transpose(x, (0, 2, 3, 1)).astype(np.float32)  # noqa: E731
    x_train, x_test = to_nhwc(train["x"]), to_nhwc(test["x"])
    model = tf.keras.Sequential([
        tf.keras.Input((8, 8, 1), name="x"),
        tf.keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1"),
        tf.keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2"),
        tf.keras.layers.MaxPooling2D(2, name="pool"),
        tf.keras.layers.GlobalAveragePooling2D(name="gap"),
        tf.keras.layers.Dense(10, activation="softmax", name="fc"),
    ])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, train["y"], epochs=15, batch_size=64, verbose=0)
    loss, accuracy = model.evaluate(x_test, test["y"], verbose=0)
    spec = (tf.TensorSpec((None, 8, 8, 1), tf.float32, name="x"),)
    model.output_names = ["y"]
    proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=17)
    path = os.path.join(args.out, "digits_keras.onnx")
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())
    probabilities = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"x": x_test})[0]
    ort_loss = float(np.mean(-np.log(probabilities[np.arange(len(test["y"])), test["y"]])))
    with open(os.path.join(args.out, "digits_keras.json"), "w") as f:
        json.dump({"data": "examples/digits_test.npz", "layout": "NHWC", "keras_top1": float(accuracy),
                   "keras_loss": float(loss), "ort_loss": ort_loss}, f, indent=2)
        f.write("\n")
    text = conv1d_model()
    text.output_names = ["y"]
    spec = (tf.TensorSpec((None, 16, 4), tf.float32, name="x"),)
    text_proto, _ = tf2onnx.convert.from_keras(text, input_signature=spec, opset=17)
    path = os.path.join(args.out, "conv1d_keras.onnx")
    with open(path, "wb") as f:
        f.write(text_proto.SerializeToString())
    x = np.random.default_rng(3).standard_normal((2, 16, 4)).astype(np.float32)
    y = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    if not np.allclose(y, text(x).numpy(), rtol=1e-4, atol=1e-5):
        raise SystemExit("conv1d_keras: ONNX Runtime and Keras disagree")
    np.savez(os.path.join(args.out, "conv1d_keras.npz"), x=x, y=y)
    print("conv1d_keras: ops " + ", ".join(sorted({n.op_type for n in text_proto.graph.node})))
    print(f"digits_keras: Keras top-1 {accuracy:.4f}, loss {loss:.4f}; ORT loss {ort_loss:.4f}; ops "
          + ", ".join(sorted({n.op_type for n in proto.graph.node})))


if __name__ == "__main__":
    main()
