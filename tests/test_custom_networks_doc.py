"""docs/custom-networks.md runs as written: its code blocks, in order, in one namespace."""

import pathlib
import re

import pytest

DOC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "custom-networks.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_page_has_its_examples():
    assert len(_blocks()) >= 4


def test_every_code_block_runs_in_order(restore_registries, capsys):
    pytest.importorskip("scipy")  # the exact GELU's erf
    namespace: dict = {}
    for block in _blocks():
        exec(compile(block, str(DOC), "exec"), namespace)  # the project's own documentation
    printed = capsys.readouterr().out
    assert "GraphNetwork 2-4-4-1 (tanh/relu/sigmoid, bce, skip connections, L2 0.001): 37 parameters" in printed
    assert "swish′(z) = z·σ(z)(1 − σ(z)) + σ(z)" in printed
    assert "z⁽²⁾₁ = w⁽¹⁾₁₁·a⁽¹⁾₁ + w⁽¹⁾₁₂·a⁽¹⁾₂ + b⁽¹⁾₁" in printed
