"""Every example a command's --help prints runs as written.

The examples are read from the parsers themselves (lines of the epilog that
start with ``mathomong``, with their ``\\`` continuations), and run in a
folder holding the files they name: a points CSV, answer keys, an answers
CSV and a roster.  ``serve`` is left out: its examples start a server that
runs until it is stopped.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys

import pytest

from mathomong_sym.cli import build_parser

LONG_RUNNING = {"serve"}


def _examples() -> list[tuple[str, str]]:
    parser = build_parser()
    subcommands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found = []
    for name, sub in subcommands.choices.items():
        if name in LONG_RUNNING or not sub.epilog:
            continue
        lines = sub.epilog.splitlines()
        index = 0
        while index < len(lines):
            line = lines[index].strip()
            if line.startswith("mathomong "):
                command = line
                while command.endswith("\\") and index + 1 < len(lines):
                    index += 1
                    command = command[:-1].rstrip() + " " + lines[index].strip()
                found.append((name, command))
            index += 1
    return found


EXAMPLES = _examples()


def test_every_command_with_examples_is_covered():
    assert {"explain", "derive", "train", "descend", "check", "grade"} <= {name for name, _ in EXAMPLES}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The files the examples name."""
    from mathomong_sym import Neuron
    from mathomong_sym.check import AnswerEntry
    from mathomong_sym.check.key import AnswerKey

    root = tmp_path_factory.mktemp("examples")
    rows = ["x1,x2,label"] + [f"{i / 10},{(i * 7 % 10) / 10},{int(i % 3 == 0)}" for i in range(24)]
    (root / "points.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    entry = AnswerEntry.from_derivation("q1", Neuron().derive("W"))
    for version in ("A", "B"):
        key = AnswerKey(worksheet="examples", version=version, seed=0, entries=[entry], title="Examples")
        (root / "keys").mkdir(exist_ok=True)
        (root / "keys" / f"{version}.json").write_text(key.to_json(), encoding="utf-8")
    (root / "key.json").write_text((root / "keys" / "A.json").read_text(encoding="utf-8"), encoding="utf-8")
    (root / "answers.csv").write_text(
        "student,question,answer\n"
        "ada,q1,\"2(\\hat{y}-y)\\sigma(z)(1-\\sigma(z))x\"\n"
        "bob,q1,\"2(\\hat{y}-y)x\"\n", encoding="utf-8")
    (root / "roster.csv").write_text("student,version\nada,A\nbob,B\n", encoding="utf-8")
    return root


@pytest.mark.slow
@pytest.mark.parametrize("command, example", EXAMPLES, ids=[f"{c}: {e[10:60]}" for c, e in EXAMPLES])
def test_a_help_example_runs_as_written(folder, command, example):
    argv = shlex.split(example)
    assert argv[0] == "mathomong"
    result = subprocess.run([sys.executable, "-m", "mathomong_sym", *argv[1:]], cwd=folder,
                            capture_output=True, text=True, timeout=300)
    # check exits 1 for an incorrect answer: that is its result, not a failure
    allowed = {0, 1} if command == "check" else {0}
    assert result.returncode in allowed, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.strip() or list(folder.iterdir())
