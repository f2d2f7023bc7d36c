"""A worksheet build writes its whole set or none, never through a link, with a sandboxed pdflatex."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mathomong_sym.worksheets.pdf import LatexError, compile_pdf

pytestmark = pytest.mark.pdflatex

DEFINITION = '''
id = "tiny"
title = "Derivatives, build {seed}"
seed = 7
versions = ["A", "B"]

[[problems]]
topic = "derivative-power"
count = 2
difficulty = "easy"
'''


def _definition(folder: Path, seed: int) -> Path:
    path = folder / f"definition-{seed}" / "tiny.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(DEFINITION.format(seed=seed), encoding="utf-8")
    return path


def _build(definition, out, **run):
    return subprocess.run([sys.executable, "-m", "mathomong_sym", "worksheet", str(definition), "--out", str(out)],
                          capture_output=True, text=True, timeout=600, **run)


def _files(folder: Path) -> dict:
    """The build's files (a lock or staging folder a kill left is hidden, and cleared by the next run)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    """The complete sets of two different builds of one sheet (PDFs are reproducible byte for byte)."""
    folder = tmp_path_factory.mktemp("reference")
    sets = []
    for seed in (1, 2):
        out = folder / f"seed{seed}"
        result = _build(_definition(folder, seed), out)
        assert result.returncode == 0, result.stderr
        sets.append(_files(out))
    assert sets[0].keys() == sets[1].keys() and sets[0] != sets[1]
    assert {name.rsplit(".", 1)[1] for name in sets[0]} == {"tex", "pdf", "json"}
    return sets


def _one_of(files: dict, sets) -> int:
    """Which reference set *files* is, whole; fails on a mix."""
    for index, reference in enumerate(sets):
        if files == reference:
            return index
    mixed = sorted(name for name in files if files[name] != sets[0].get(name))
    raise AssertionError(f"a mix of two builds: {mixed}")


def test_a_failing_pdflatex_leaves_the_previous_set(tmp_path, two_builds, require_pdflatex):
    out = tmp_path / "out"
    assert _build(_definition(tmp_path, 1), out).returncode == 0
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "pdflatex").write_text("#!/bin/sh\necho '! Emergency stop.'\nexit 1\n")
    (fake / "pdflatex").chmod(0o755)
    result = _build(_definition(tmp_path, 2), out, env={**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"})
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert _one_of(_files(out), two_builds) == 0  # no new key beside the old PDFs
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow
def test_a_kill_at_any_moment_leaves_one_whole_set(tmp_path, two_builds, require_pdflatex):
    out = tmp_path / "out"
    assert _build(_definition(tmp_path, 1), out).returncode == 0
    started = time.monotonic()
    assert _build(_definition(tmp_path, 2), tmp_path / "timing").returncode == 0
    duration = time.monotonic() - started
    rng = random.Random(4)
    for seed in (2, 1, 2, 1, 2, 1):
        process = subprocess.Popen([sys.executable, "-m", "mathomong_sym", "worksheet",
                                    str(_definition(tmp_path, seed)), "--out", str(out)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * rng.uniform(0.3, 1.05))
        process.kill()
        process.wait()
        # what a reader sees right after the kill: one set, or one being finished by the next run
        visible = {name: data for name, data in _files(out).items()}
        assert visible.keys() == two_builds[0].keys()
        assert _build(_definition(tmp_path, seed), out).returncode == 0
        assert _one_of(_files(out), two_builds) == seed - 1


def test_a_link_at_an_output_name_is_replaced_not_followed(tmp_path, two_builds, require_pdflatex):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    names = sorted(two_builds[0])
    for name in {*[n for n in names if n.endswith((".json", ".pdf"))][:3], *names[:2]}:
        (out / name).symlink_to(victim)
    assert _build(_definition(tmp_path, 1), out).returncode == 0
    assert victim.read_text() == "precious"
    assert not any(p.is_symlink() for p in out.iterdir())
    assert _one_of(_files(out), two_builds) == 0


@pytest.mark.parametrize("case", ["under a file", "a file"])
def test_an_output_folder_that_cannot_be_one_is_one_line(tmp_path, case):
    (tmp_path / "file").write_text("precious")
    out = tmp_path / "file" / "sheets" if case == "under a file" else tmp_path / "file"
    result = subprocess.run([sys.executable, "-m", "mathomong_sym", "worksheet", str(_definition(tmp_path, 1)),
                             "--out", str(out), "--no-pdf"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "file" in result.stderr
    assert (tmp_path / "file").read_text() == "precious"


SANDBOXED = {
    "reads a file outside its folder": r"\input{/etc/hostname}",
    "reads a parent folder": r"\input{../outside.tex}",
    "writes outside its folder": r"\newwrite\out\immediate\openout\out=../escaped.tex\immediate\write\out{x}",
    "runs a shell command": r"\immediate\write18{touch SHELL_RAN}",
}


@pytest.mark.parametrize("case", sorted(SANDBOXED))
def test_pdflatex_cannot_reach_outside_its_folder(tmp_path, case, require_pdflatex, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outside.tex").write_text("SECRET")
    tex = "\\documentclass{article}\\begin{document}" + SANDBOXED[case] + " done\\end{document}\n"
    try:
        compile_pdf(tex, tmp_path / "out.pdf")
    except LatexError:
        pass  # refusing is fine; reading or writing outside is not
    assert not (tmp_path / "SHELL_RAN").exists()
    assert not list(tmp_path.glob("**/escaped.tex")) and not list(Path("/tmp").glob("escaped.tex"))
    if (tmp_path / "out.pdf").exists():
        text = subprocess.run(["pdftotext", str(tmp_path / "out.pdf"), "-"], capture_output=True, text=True).stdout
        assert "SECRET" not in text and os.uname().nodename not in text
