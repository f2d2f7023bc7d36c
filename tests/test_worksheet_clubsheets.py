"""Every sheet in worksheets/: byte-identical builds, no line past the margin, the teacher's example keyed.

The club's sheets are built three times, in separate processes with three
hash seeds and three output folders (one of them nested, one without
SOURCE_DATE_EPOCH set): every .tex, .pdf and .json must be byte-identical.
The first build's pdflatex logs must report no overfull line wider than
2 pt.  Slow (three full builds): CI runs it with -m slow.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mathomong_sym.check.checker import check_answer
from mathomong_sym.check.key import AnswerKey
from mathomong_sym.worksheets import load_worksheet
from mathomong_sym.worksheets.build import OVERFULL_LIMIT_PT
from mathomong_sym.worksheets.club import club_folder
from mathomong_sym.worksheets.pdf import overfull_boxes

REPO = Path(__file__).resolve().parent.parent
SHEETS = club_folder()
HASH_SEEDS = ("0", "1", "4242")


def _build(out: Path, hash_seed: str, keep_epoch: bool) -> tuple[dict, str]:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    if not keep_epoch:
        env.pop("SOURCE_DATE_EPOCH", None)
    done = subprocess.run([sys.executable, "-m", "mathomong_sym", "worksheet", "--all", str(SHEETS),
                           "--out", str(out)], env=env, capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stderr
    files = {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(out.rglob("*")) if p.suffix in (".tex", ".pdf", ".json")}
    return files, done.stderr


@pytest.fixture(scope="module")
def builds(tmp_path_factory, require_pdflatex):
    root = tmp_path_factory.mktemp("club")
    folders = [root / "one", root / "deeper" / "two", root / "three"]
    return [_build(folder, seed, keep_epoch=k == 0) for k, (folder, seed) in enumerate(zip(folders, HASH_SEEDS))]


@pytest.mark.slow
@pytest.mark.pdflatex
def test_every_club_sheet_is_byte_identical_across_hash_seeds_processes_and_folders(builds):
    definitions = sorted(SHEETS.glob("*.toml"))
    (first, _), *others = builds
    ids = {load_worksheet(p).id for p in definitions}
    assert {name.split("/")[0] for name in first} == ids  # every definition was built
    assert sum(name.endswith(".pdf") for name in first) >= 3 * len(definitions)
    for files, _ in others:
        assert files == first, sorted(k for k in first if first.get(k) != files.get(k))


@pytest.mark.slow
@pytest.mark.pdflatex
def test_no_club_sheet_has_a_line_past_the_margin(builds):
    for _, stderr in builds[:1]:
        assert "run past the margin" not in stderr, stderr


def test_the_overfull_report_reads_pdflatex_logs():
    log = ("Overfull \\hbox (63.5pt too wide) detected at line 122\n[]\n"
           "Overfull \\hbox (1.2pt too wide) in paragraph at lines 3--4\n")
    assert overfull_boxes(log, wider_than=OVERFULL_LIMIT_PT) == [(63.5, "detected at line 122")]
    assert len(overfull_boxes(log)) == 2


@pytest.mark.pdflatex
def test_a_line_past_the_margin_is_reported(tmp_path, require_pdflatex, capsys):
    from mathomong_sym.cli import main

    definition = tmp_path / "wide.toml"
    definition.write_text('title = "Wide"\n[[problems]]\nexpression = "x^2"\nask = ["derivative"]\n'
                          'text = "' + "7" * 200 + '"\n', encoding="utf-8")  # a number too long to break
    assert main(["worksheet", str(definition), "--out", str(tmp_path / "out")]) == 0
    assert "run past the margin" in capsys.readouterr().err


def test_the_teachers_example_sheet_keys_check_against_themselves(tmp_path):
    from mathomong_sym.worksheets import build_worksheet

    result = build_worksheet(SHEETS / "teacher-quiz.toml", None, tmp_path, pdf=False)
    assert len(result.versions) == 3
    for files in result.versions:
        key = AnswerKey.load(files.key_json)
        assert len(key.entries) >= 6
        for entry in key.entries:
            verdict = check_answer(entry.latex, entry, timeout=None)
            assert verdict.correct, (files.sheet_id, entry.id, entry.latex, str(verdict))
            for mistake in entry.mistakes:
                assert not check_answer(mistake.latex, entry, timeout=None).correct, (entry.id, mistake.message)
