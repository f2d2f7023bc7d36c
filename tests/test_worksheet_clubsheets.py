"""Every sheet in worksheets/: byte-identical builds, no line past the margin, paper-friendly pages, keys that check.

The club's sheets are built three times, in separate processes, under three
hash seeds and into three output folders (one nested, one without
SOURCE_DATE_EPOCH set; the first through the Python API, the others through
the command line): every .tex, .pdf and .json must be byte-identical.  The
first build keeps the log of every pdflatex run; the test reads them and
finds no overfull line wider than 2 pt.  Every student page holds a
question or a part (never answer space alone), and every question starts
on the page of its first part.  Slow (three full builds): CI runs it from
the slow line of .ci/run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
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
#: the first build goes through the API and keeps every pdflatex log beside the output, for the test to read
_API_BUILD = """
import json, sys
from pathlib import Path
from mathomong_sym.worksheets import build_all
out, logs = Path(sys.argv[1]), Path(sys.argv[2])
for result in build_all(sys.argv[3], out):
    for pdf, log in result.logs.items():
        target = logs / Path(pdf).relative_to(out).with_suffix(".log")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(log, encoding="utf-8")
"""
_OVERFULL = re.compile(r"^Overfull \\hbox \(([0-9.]+)pt too wide\)", re.MULTILINE)


def _hashes(out: Path) -> dict:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.suffix in (".tex", ".pdf", ".json")}


def _build(out: Path, hash_seed: str, keep_epoch: bool, logs: Path | None) -> dict:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    if not keep_epoch:
        env.pop("SOURCE_DATE_EPOCH", None)
    if logs is not None:
        command = [sys.executable, "-c", _API_BUILD, str(out), str(logs), str(SHEETS)]
    else:
        command = [sys.executable, "-m", "mathomong_sym", "worksheet", "--all", str(SHEETS), "--out", str(out),
                   "--timeout", "3000"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stderr
    return _hashes(out)


@pytest.fixture(scope="module")
def builds(tmp_path_factory, require_pdflatex):
    root = tmp_path_factory.mktemp("club")
    folders = [root / "one", root / "deeper" / "two", root / "three"]
    logs = root / "logs"
    hashes = [_build(folder, seed, keep_epoch=k == 0, logs=logs if k == 0 else None)
              for k, (folder, seed) in enumerate(zip(folders, HASH_SEEDS))]
    return {"hashes": hashes, "first": folders[0], "logs": logs}


@pytest.mark.slow
@pytest.mark.pdflatex
def test_every_club_sheet_is_byte_identical_across_hash_seeds_processes_and_folders(builds):
    definitions = sorted(SHEETS.glob("*.toml"))
    first, *others = builds["hashes"]
    ids = {load_worksheet(p).id for p in definitions}
    assert {name.split("/")[0] for name in first} == ids  # every definition was built
    versions = sum(len(load_worksheet(p).versions) for p in definitions)
    # every file of every version: a sheet, a key and an answers page (.tex and .pdf), and a JSON key
    assert sum(name.endswith(".pdf") for name in first) == 3 * versions
    assert sum(name.endswith(".tex") for name in first) == 3 * versions
    assert sum(name.endswith("-key.json") for name in first) == versions
    for files in others:
        assert files == first, sorted(k for k in first if first.get(k) != files.get(k))


@pytest.mark.slow
@pytest.mark.pdflatex
def test_no_pdflatex_log_of_a_club_sheet_reports_a_line_past_the_margin(builds):
    pdfs = sorted(p.relative_to(builds["first"]) for p in builds["first"].rglob("*.pdf"))
    logs = sorted(p.relative_to(builds["logs"]) for p in builds["logs"].rglob("*.log"))
    assert [p.with_suffix("") for p in logs] == [p.with_suffix("") for p in pdfs]  # every PDF's log is read
    wide = {}
    for log in logs:
        text = (builds["logs"] / log).read_text(encoding="utf-8")
        assert "Output written on" in text, log  # a complete log of a run that wrote the PDF
        widths = [float(w) for w in _OVERFULL.findall(text) if float(w) > OVERFULL_LIMIT_PT]
        if widths:
            wide[str(log)] = widths
    assert not wide, wide


def _pages(pdf: Path) -> list[str]:
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                             text=True, check=True).stdout).group(1))
    return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout for n in range(1, count + 1)]


@pytest.mark.slow
@pytest.mark.pdflatex
def test_every_student_page_holds_a_question_and_no_stem_is_parted_from_its_first_part(builds):
    sheets = [p for p in builds["first"].rglob("*.pdf") if not p.stem.endswith(("-key", "-answers"))]
    assert sheets
    for sheet in sheets:
        for number, page in enumerate(_pages(sheet), start=1):
            # the running header and the footer are the first and last lines: the rest is the page's body
            body = [line for line in page.splitlines() if line.strip()][1:-1]
            assert body, f"{sheet.name}: page {number} holds only answer space"
            text = "\n".join(body)
            for stem in re.finditer(r"^\s*(\d+)\.\s", text, flags=re.MULTILINE):
                assert re.search(r"\(a\)", text[stem.end():]), \
                    f"{sheet.name}: page {number}: question {stem.group(1)} starts without its part (a)"


@pytest.mark.slow
@pytest.mark.pdflatex
def test_the_built_example_of_a_teachers_own_sheet_checks_against_itself(builds):
    keys = sorted((builds["first"] / "teacher-quiz").glob("*-key.json"))
    assert len(keys) == 3
    for path in keys:
        key = AnswerKey.load(path)
        for entry in key.entries:
            assert check_answer(entry.latex, entry, timeout=None).correct, (path.name, entry.id)
        assert json.loads(path.read_text(encoding="utf-8"))["worksheet"] == "teacher-quiz"


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
