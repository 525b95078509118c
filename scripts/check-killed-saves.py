#!/usr/bin/env python3
"""Kills `scalpel … save` with SIGKILL at random moments and checks the target survives each time.

Usage: check-killed-saves.py --scalpel PATH_TO_SCALPEL --model MODEL.onnx [--saves 30] [--seed 0] [--out DIR]

Each round k deletes channel k of the model's first layer and saves over one target file:
  1. a reference run saves the same edit to a file of its own, to know the new content;
  2. the run under test is killed with SIGKILL after a random delay, uniform between the time the
     same run takes without its save (load and edit) and the reference run's duration;
  3. the target must then be whole: byte-equal to what it held before or to the reference, and
     accepted by onnx.checker;
  4. the same save runs to completion; it must exit 0, the target must equal the reference, and
     no temporary file may be left in the folder (a killed save's are removed by the next one).
Prints one line per round (when the kill landed, what the target held, temporary files seen),
then a summary; exits 1 if any round failed. Needs onnx; not part of CI (it wants a large model).
"""
import argparse
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import onnx


def digest(path):
    """The file's SHA-256, or None when it does not exist."""
    if not os.path.exists(path):
        return None
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def temporaries(folder, keep):
    """Files in `folder` other than those named in `keep`."""
    return sorted(set(os.listdir(folder)) - set(keep))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scalpel", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--saves", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="/tmp/scalpel-killed-saves")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    shutil.rmtree(args.out, ignore_errors=True)
    folder, refs = os.path.join(args.out, "target"), os.path.join(args.out, "reference")
    os.makedirs(folder)
    os.makedirs(refs)
    target = os.path.join(folder, "model.onnx")
    shutil.copyfile(args.model, target)
    env = dict(os.environ, HOME=args.out)  # journals of killed sessions stay out of the user's home
    failures = 0
    landed = {"before a temporary file appeared": 0, "with a temporary file written": 0, "after the rename": 0}
    for k in range(args.saves):
        commands = ["-c", f"delete channels 0 {k}"]
        reference = os.path.join(refs, "model.onnx")
        start = time.monotonic()
        subprocess.run([args.scalpel, args.model, *commands, "-c", f"save {reference} --force"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        duration = time.monotonic() - start
        start = time.monotonic()
        subprocess.run([args.scalpel, args.model, *commands], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        edit = time.monotonic() - start
        expected, before = digest(reference), digest(target)
        delay = rng.uniform(min(edit, duration), duration)
        process = subprocess.Popen([args.scalpel, args.model, *commands, "-c", f"save {target} --force"],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        left = temporaries(folder, ["model.onnx"])
        after = digest(target)
        problems = []
        if after == before and not left:
            moment = "before a temporary file appeared"
        elif after == before:
            moment = "with a temporary file written"
        elif after == expected:
            moment = "after the rename"
        else:
            moment = "?"
            problems.append("the target is neither its old content nor the new one")
        if after is not None:
            try:
                onnx.checker.check_model(target, full_check=True)
            except Exception as error:  # noqa: BLE001 — any checker complaint fails the round
                problems.append(f"onnx.checker: {str(error).splitlines()[0]}")
        else:
            problems.append("the target is gone")
        landed[moment] = landed.get(moment, 0) + 1
        done = subprocess.run([args.scalpel, args.model, *commands, "-c", f"save {target} --force"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            problems.append(f"the next save failed: {done.stderr.strip()}")
        if digest(target) != expected:
            problems.append("after the next save the target differs from the reference")
        remaining = temporaries(folder, ["model.onnx"])
        if remaining:
            problems.append(f"left after the next save: {', '.join(remaining)}")
        failures += bool(problems)
        print(f"{'FAIL' if problems else 'PASS'} round {k + 1}: killed after {delay:.2f} s (load and edit {edit:.2f} s, with the save {duration:.2f} s) "
              f"({moment}); temporary files then: {len(left)}" + "".join(f"; {p}" for p in problems), flush=True)
    print(f"{args.saves - failures} of {args.saves} rounds passed; kills landed "
          + ", ".join(f"{n} {moment}" for moment, n in landed.items()))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
