"""The guide's examples, Parts 2, 3, 5, 6, 7, 8 and 9, explained at level 1 with numbers: the text, exactly.

Each file in ``tests/golden`` was read line by line as a beginner who has
just read the guide would read it: rule before parts, parts before the
product, numbers last, every line at most 100 characters.  A change to an
explanation shows up here as a diff to read again; regenerate with
``MATHOMONG_UPDATE_GOLDEN=1 pytest tests/test_golden.py`` once it reads well.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mathomong_sym.cli import main

GOLDEN = Path(__file__).resolve().parent / "golden"

CASES = {
    "part2-derivative": ["explain", "x^2", "--at", "x=3"],
    "part3-loss": ["explain", "(yhat - y)^2", "--wrt", "yhat", "--at", "yhat=0.8,y=1"],
    "part5-partials": ["derive", "--net", "neuron:2", "--wrt", "all", "--at", "x_1=1,x_2=2,W_1=0.5,W_2=-0.5,b=0,y=1"],
    "part6-chain-rule": ["explain", "(3x+1)^2", "--at", "x=1"],
    "part6-chain-rule-neuron": ["explain", "sigmoid(w*x + b)", "--wrt", "w", "--at", "w=0.5,x=2,b=-1"],
    "part7-backpropagation": ["derive", "--net", "2-2-1", "--wrt", "w1_1_1", "--at", "example", "--seed", "1"],
    "part8-relu": ["explain", "max(0, x)", "--at", "x=0"],
    "part8-sigmoid": ["explain", "1/(1+exp(-x))", "--at", "x=0"],
    "part8-tanh": ["explain", "tanh(x)", "--at", "x=0.5"],
    "part9-one-neuron": ["derive", "--net", "neuron", "--wrt", "W", "--at", "x=2,W=0.5,b=-1,y=1"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_guides_examples_read_as_reviewed(name, capsys):
    assert main([*CASES[name], "--level", "1"]) == 0
    out = capsys.readouterr().out
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("MATHOMONG_UPDATE_GOLDEN"):
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8"), f"mathomong {' '.join(CASES[name])} changed"
    for line in out.splitlines():
        assert len(line) <= 100, line


def test_the_neuron_fits_in_about_15_lines():
    lines = (GOLDEN / "part9-one-neuron.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 17
