"""Every command that reads an expression is bounded: a verdict, a result or one line, in time.

The inputs are the ones that hung or crashed the commands before: huge
powers and products of big numbers, a max of many symbols, numbers of any
size in ``--at``, a matrix, and work that is simply too long for the limit.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

MAX60 = r"\max(" + ",".join(f"x_{{{i}}}" for i in range(60)) + ")"
MATRIX = r"\begin{pmatrix}" + r" \\ ".join(" & ".join("x" for _ in range(20)) for _ in range(20)) + r"\end{pmatrix}"


def _run(*argv, timeout=120):
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "mathomong_sym", *argv], capture_output=True, text=True,
                            timeout=timeout)
    return result, time.monotonic() - started


def _one_line(result) -> str:
    assert result.returncode != 0, result.stdout[-300:]
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    # a foreseen limit, said in words: not the last-resort line that names a Python exception
    assert "cannot finish" not in lines[0] and not re.search(r"[A-Z]\w+Error\b", lines[0]), lines[0]
    return lines[0]


@pytest.mark.parametrize("argv, expected", [
    (["explain", "(x+y+z)^{999}", "--wrt", "x", "--timeout", "3"], "stopped after 3 s"),
    (["explain", MAX60, "--wrt", "x_{1}"], "arguments"),
    (["explain", "((x^{999})^{999})^{999}"], "degree|exponent"),
    (["explain", "(2^{999})^{15}"], "digits"),
    (["explain", "9^{999}" * 5 + "x"], "more than 1000 digits"),
    (["explain", "(9^{999}x)^{5}"], "more than 1000 digits"),
    (["explain", "x^2", "--at", "x=" + "9" * 200], "range|characters"),
    (["explain", r"\exp(\exp(\exp(100)))x"], "digits"),
    (["explain", "x^2", "--at", "x=1e400"], "range"),
    (["explain", "x^2", "--at", "x=1e-99999999"], "range"),
    (["explain", "x^2", "--at", "x=" + "9" * 5000], "range|characters"),
    (["explain", MATRIX], "scalar"),
    (["derive", "--net", "6-6-6-1", "--wrt", "all", "--timeout", "2"], "stopped after 2 s"),
    (["descend", MAX60], "arguments"),
    (["descend", "x^2", "--start", "1e400"], "finite"),
    (["check", "--key", "x", "--answer", "(2^{999})^{15}"], "digits"),
])
def test_hostile_input_ends_in_one_line_in_time(argv, expected):
    result, seconds = _run(*argv)
    # check reports an unreadable answer as its verdict (exit 3, on stdout); the others as an error line
    line = result.stdout if argv[0] == "check" and result.returncode == 3 else _one_line(result)
    assert re.search(expected, line), line
    assert seconds < 60


def test_a_stopped_command_prints_no_half_document():
    result, seconds = _run("explain", "(x+y+z)^{999}", "--wrt", "x", "--timeout", "2", "--format", "latex")
    assert result.stdout == "" and result.returncode == 4  # LIMIT in the table of exit codes
    assert seconds < 30


def test_ordinary_work_is_not_disturbed():
    result, _ = _run("explain", r"\sigma(wx+b)", "--wrt", "w", "--at", "w=0.5,x=2,b=-1")
    assert result.returncode == 0 and "σ" in result.stdout and not result.stderr
    result, _ = _run("derive", "--net", "neuron", "--wrt", "W", "--at", "example")
    assert result.returncode == 0 and result.stdout


def test_timeout_must_be_positive():
    result, _ = _run("explain", "x^2", "--timeout", "0")
    assert "positive" in _one_line(result)


def test_a_teachers_expression_in_a_worksheet_is_bounded(tmp_path):
    definition = tmp_path / "big.toml"
    definition.write_text('id = "big"\ntitle = "Big"\nseed = 1\nversions = ["A"]\n\n[[problems]]\n'
                          'text = "A function."\nexpression = "(x+y+z)^{999}"\nask = ["derivative x"]\n',
                          encoding="utf-8")
    result, seconds = _run("worksheet", str(definition), "--out", str(tmp_path / "out"), "--no-pdf", "--timeout", "3")
    assert "stopped after 3 s" in _one_line(result)
    assert seconds < 30
    assert not any(p.is_file() and not p.name.startswith(".") for p in tmp_path.glob("out/*"))
    definition.write_text(definition.read_text().replace("(x+y+z)^{999}", "10^{10^{10}} x"), encoding="utf-8")
    result, _ = _run("worksheet", str(definition), "--out", str(tmp_path / "out"), "--no-pdf")
    assert re.search("tower|exponent|digits", _one_line(result))


@pytest.mark.parametrize("answer, key", [
    (r"\frac{(x+y)^{100}-(x-y)^{100}}{(x+y)^{50}+(x-y)^{50}}", r"(x+y)^{50}-(x-y)^{50}"),
    (r"\exp(\exp(\exp(100)))", "x"),
    (r"\sigma(\exp(\exp(50)))", "x"),
    (r"(x+y+z)^{999}(x-1)^{500}", r"(x+y+z)^{998}"),
    (r"((x+1)^{40})^{20}", r"(x+1)^{800}"),
    ("9^{999}" * 5 + "x", "x"),
])
def test_in_process_checking_is_bounded(answer, key):
    """``check_answer(..., timeout=None)`` has no worker to stop it: what it cannot do quickly it refuses or
    decides without the costly step (a generous bound here; the alarm only keeps a regression from hanging)."""
    import signal

    from mathomong_sym import check_answer

    def hung(*_):
        raise AssertionError("check_answer(timeout=None) did not return within 120 s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)
    try:
        started = time.monotonic()
        result = check_answer(answer, key, timeout=None)
        seconds = time.monotonic() - started
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.verdict in ("correct", "incorrect", "invalid") and result.feedback
    assert seconds < 15, seconds
