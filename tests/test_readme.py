"""The README's Python examples, run as doctests (in the order a reader meets them)."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _examples() -> str:
    blocks = BLOCK.findall(README.read_text(encoding="utf-8"))
    return "\n".join(block for block in blocks if ">>>" in block)


def test_the_readme_has_python_examples():
    assert _examples().count(">>>") >= 20


def test_the_readmes_python_examples_run_as_written():
    parser = doctest.DocTestParser()
    test = parser.get_doctest(_examples(), {}, "README.md", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    output: list[str] = []
    runner.run(test, out=output.append)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, "".join(output)
    assert results.attempted == len(test.examples) >= 20
