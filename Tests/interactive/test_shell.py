"""PTY tests of the interactive shell: Tab completion, persistent history, Ctrl-R, Ctrl-C and
the question before unsaved edits are lost.

They drive the real binary (env SCALPEL, default .build/debug/scalpel) on
examples/digits_cnn.onnx through a pseudo-terminal, with HOME in a temporary folder so the
history goes to a fresh ~/.scalpel_history:

    SCALPEL=.build/debug/scalpel python3 -m pytest Tests/interactive
"""
import os
import re
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / os.environ.get("SCALPEL", ".build/debug/scalpel")
MODEL = ROOT / "examples" / "digits_cnn.onnx"
PROMPT = re.compile(r"scalpel digits_cnn\.onnx> ")
MODIFIED_PROMPT = re.compile(r"scalpel digits_cnn\.onnx\*> ")
DISCARD = re.compile(r"discard \d+ unsaved edits?\? \[y/N\] ")
UP = "\x1b[A"
CTRL_C, CTRL_D, CTRL_R, CTRL_U = "\x03", "\x04", "\x12", "\x15"


def spawn(home, cwd=None):
    """Starts the shell on the example model and waits for its first prompt."""
    assert os.access(BINARY, os.X_OK), f"no scalpel binary at {BINARY}: build it or set SCALPEL"
    env = dict(os.environ, HOME=str(home), TERM="xterm")
    shell = pexpect.spawn(str(BINARY), [str(MODEL)], env=env, cwd=str(cwd or ROOT),
                          dimensions=(40, 200), encoding="utf-8", timeout=10)
    shell.expect(PROMPT)
    return shell


def run(shell, line, prompt=PROMPT):
    """Types a line, presses Enter and waits for the next prompt; returns what was printed."""
    shell.send(line + "\r")
    shell.expect(prompt)
    return shell.before


def quit_cleanly(shell):
    """Quits a shell without unsaved edits and checks it exits with status 0."""
    shell.send(CTRL_U + "quit\r")
    shell.expect(pexpect.EOF)
    shell.close()
    assert shell.exitstatus == 0


def history_lines(home):
    """The lines of the history file under `home`."""
    return (Path(home) / ".scalpel_history").read_text().splitlines()


def test_tab_completes_a_command_name(tmp_path):
    shell = spawn(tmp_path)
    shell.send("summ\t")
    shell.expect_exact("ary ")
    assert "parameters:" in run(shell, "")
    quit_cleanly(shell)
    assert "summary" in [line.strip() for line in history_lines(tmp_path)]


def test_second_tab_lists_the_commands_that_match(tmp_path):
    shell = spawn(tmp_path)
    shell.send("sh\t\t")
    shell.expect(r"shapes\s+show|show\s+shapes")
    quit_cleanly(shell)


def test_tab_lists_layer_names_after_show(tmp_path):
    shell = spawn(tmp_path)
    shell.send("show conv\t")
    shell.expect(r"conv1\s+conv2\s+conv3")
    shell.expect(PROMPT)  # the line, drawn again below the list
    shell.send("2\t")
    assert "/conv2/Conv" in run(shell, "")
    quit_cleanly(shell)


def test_tab_completes_a_path_after_save(tmp_path):
    work = tmp_path / "work"
    (work / "exports").mkdir(parents=True)
    shell = spawn(tmp_path, cwd=work)
    shell.send("save exp\t")
    shell.expect_exact("orts/")
    run(shell, "small.onnx")
    assert (work / "exports" / "small.onnx").stat().st_size > 1000
    quit_cleanly(shell)


def test_history_survives_a_restart(tmp_path):
    shell = spawn(tmp_path)
    run(shell, "help")
    shell.send(CTRL_D)  # ends the shell without adding `quit` to the history
    shell.expect(pexpect.EOF)
    assert "help" in history_lines(tmp_path)
    shell = spawn(tmp_path)
    shell.send(UP)
    shell.expect_exact("help")
    quit_cleanly(shell)


def test_ctrl_r_finds_an_earlier_command(tmp_path):
    shell = spawn(tmp_path)
    run(shell, "summary")
    run(shell, "help show")
    shell.send(CTRL_R + "summ")
    shell.expect_exact("summary")
    assert "parameters:" in run(shell, "")
    quit_cleanly(shell)


def test_ctrl_c_abandons_the_line(tmp_path):
    shell = spawn(tmp_path)
    shell.send("show con" + CTRL_C)
    shell.expect_exact("^C")
    shell.expect(PROMPT)
    assert shell.isalive()
    quit_cleanly(shell)
    assert "show con" not in history_lines(tmp_path)


def test_quit_and_ctrl_d_ask_before_losing_edits(tmp_path):
    shell = spawn(tmp_path)
    run(shell, "rename conv1 first_conv", prompt=MODIFIED_PROMPT)
    shell.send("quit\r")
    shell.expect(DISCARD)
    shell.send("n\r")
    shell.expect(MODIFIED_PROMPT)
    assert shell.isalive()
    shell.send(CTRL_D)
    shell.expect(DISCARD)
    shell.send("y\r")
    shell.expect(pexpect.EOF)
    shell.close()
    assert shell.exitstatus == 0


def test_ctrl_c_stops_finetune_keeping_the_last_finished_epoch(tmp_path):
    shell = spawn(tmp_path)
    train = ROOT / "examples" / "digits_train.npz"
    shell.send(f"finetune --data {train} --epochs 50 --batch 16\r")
    shell.expect(r"epoch 1/50: train loss", timeout=120)
    shell.send(CTRL_C)
    shell.expect(r"stopped by Ctrl-C after (\d+) of 50 epochs .*; kept epoch (\d+)'s weights", timeout=120)
    finished, kept = int(shell.match.group(1)), int(shell.match.group(2))
    assert 1 <= finished < 50 and kept == finished
    shell.expect(MODIFIED_PROMPT)
    assert "finetune --data" in run(shell, "history", MODIFIED_PROMPT)
    assert "undid" in run(shell, "undo", PROMPT).lower()
    quit_cleanly(shell)
