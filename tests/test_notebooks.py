"""The tutorial notebooks, one per part of the guide, run from the top in a real Jupyter kernel.

Each notebook is executed with nbclient (as ``jupyter execute`` does) in a
fresh kernel; no cell may raise, the plots must display as pictures (with
no ``%matplotlib`` magic anywhere), and the closing exercise must show a
derivation whose steps give their hint first and reveal their working on a
click.  The notebooks are run two at a time, one kernel per core.
"""

from __future__ import annotations

import copy
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PARTS = sorted(NOTEBOOKS.glob("part*.ipynb"))


def _execute(path: Path, folder: Path):
    notebook = nbformat.read(path, as_version=4)
    fresh = copy.deepcopy(notebook)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = nbclient.NotebookClient(fresh, timeout=300, kernel_name="python3", record_timing=False,
                                     resources={"metadata": {"path": str(folder)}})
    try:
        client.execute()
        error = None
    except nbclient.exceptions.CellExecutionError as exc:
        error = str(exc)
    return notebook, fresh, error


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notebooks")
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = {path.name: pool.submit(_execute, path, folder) for path in PARTS}
        return {name: run.result() for name, run in runs.items()}


def test_there_is_a_notebook_for_every_part_of_the_guide():
    numbers = [int(re.match(r"part(\d+)-", path.name).group(1)) for path in PARTS]
    assert numbers == list(range(1, 11))


def _outputs(notebook):
    for cell in notebook.cells:
        if cell.cell_type == "code":
            yield cell, cell.outputs


@pytest.mark.parametrize("name", [path.name for path in PARTS])
def test_the_notebook_runs_from_the_top(executed, name):
    stored, fresh, error = executed[name]
    assert error is None, error[-3000:]
    part = int(name[4:6])
    assert stored.cells[0].cell_type == "markdown" and stored.cells[0].source.startswith(f"# Part {part} ")
    sources = "\n".join(cell.source for cell in fresh.cells if cell.cell_type == "code")
    assert "%matplotlib" not in sources
    kinds = [output.output_type for _, outputs in _outputs(fresh) for output in outputs]
    assert "error" not in kinds
    # the stored notebook was executed too, so that it reads with its outputs
    counts = [cell.execution_count for cell, _ in _outputs(stored)]
    assert counts == list(range(1, len(counts) + 1)), f"{name} is not stored as run from the top: {counts}"


@pytest.mark.parametrize("name", [path.name for path in PARTS])
def test_the_plots_display_as_pictures(executed, name):
    _, fresh, _ = executed[name]
    pictures = [output for _, outputs in _outputs(fresh) for output in outputs
                if "image/png" in output.get("data", {})]
    assert pictures, f"{name} shows no plot"
    for _, outputs in _outputs(fresh):
        for output in outputs:
            text = output.get("data", {}).get("text/plain", "")
            if text.startswith("<Figure"):
                assert "image/png" in output["data"], f"{name}: a figure printed as {text} instead of a picture"


@pytest.mark.parametrize("name", [path.name for path in PARTS])
def test_the_exercise_gives_a_hint_then_reveals(executed, name):
    stored, fresh, _ = executed[name]
    headings = [i for i, cell in enumerate(fresh.cells)
                if cell.cell_type == "markdown" and cell.source.startswith("## Try it yourself")]
    assert len(headings) == 1, name
    after = fresh.cells[headings[0] + 1:]
    reveal = next(cell for cell in after if cell.cell_type == "code")
    shown = "".join(output.get("data", {}).get("text/markdown", "") for output in reveal.outputs)
    assert "<details><summary>" in shown and "</details>" in shown, f"{name}: no hint-then-reveal derivation"
    checked = [output.get("data", {}).get("text/plain", "") for cell in after if cell.cell_type == "code"
               for output in cell.outputs]
    assert any(text.startswith("<CheckResult: ") for text in checked), f"{name}: no answer checked"
    # short, readable reprs: no result object prints a dataclass dump
    for _, outputs in _outputs(fresh):
        for output in outputs:
            text = output.get("data", {}).get("text/plain", "")
            assert "=array(" not in text and "Step(lhs=" not in text, text[:200]
