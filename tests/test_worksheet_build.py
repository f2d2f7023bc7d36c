"""Building worksheets: files, LaTeX well-formed, PDFs, byte-identical rebuilds, the CLI."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pylatexenc.latexwalker import LatexWalker

from mathomong_sym.cli import main
from mathomong_sym.worksheets import build_all, build_worksheet, load_worksheet
from mathomong_sym.worksheets import pdf as pdf_module
from mathomong_sym.worksheets.assemble import assemble
from mathomong_sym.worksheets.build import NO_PDFLATEX_NOTE
from mathomong_sym.worksheets.definition import parse_worksheet
from mathomong_sym.worksheets.latex import render_answers, render_key, render_sheet
from mathomong_sym.worksheets.pdf import LatexError, compile_pdf

SMALL = """
id = "small"
title = "Small & quick: 100% derivatives"
seed = 11
versions = ["A", "B"]

[[problems]]
topic = "derivative-power"
difficulty = "easy"

[[problems]]
topic = "one-neuron"
"""


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def pdflatex_verdict(pdflatex, environ) -> str:
    """"run" with pdflatex; without it "skip", or "fail" in CI (CI=true)."""
    if pdflatex is not None:
        return "run"
    return "fail" if environ.get("CI", "").lower() == "true" else "skip"


@pytest.fixture
def needs_pdflatex():
    verdict = pdflatex_verdict(pdf_module.pdflatex_path(), os.environ)
    if verdict == "fail":
        pytest.fail("pdflatex is not installed, and CI=true requires real PDFs")
    if verdict == "skip":
        pytest.skip("pdflatex is not installed")


def test_ci_turns_a_missing_pdflatex_into_a_failure():
    assert pdflatex_verdict(None, {"CI": "true"}) == "fail"
    assert pdflatex_verdict(None, {}) == "skip"
    assert pdflatex_verdict("/usr/bin/pdflatex", {"CI": "true"}) == "run"


def well_formed(latex: str):
    LatexWalker(latex, tolerant_parsing=False).get_latex_nodes()


def test_writes_sheet_key_answers_and_json_for_each_version(small, tmp_path):
    result = build_worksheet(small, ["A", "B"], tmp_path / "out", pdf=False)
    names = sorted(p.name for p in result.files)
    assert names == sorted(f"small-{v}-11{suffix}" for v in "AB"
                           for suffix in (".tex", "-key.tex", "-answers.tex", "-key.json"))
    for path in result.files:
        if path.suffix == ".tex":
            text = path.read_text(encoding="utf-8")
            well_formed(text)
            assert "small-" in text and "-11" in text  # the header shows worksheet-version-seed
            assert r"\documentclass" in text


def test_student_sheet_has_space_but_no_answers(small, tmp_path):
    definition = load_worksheet(small)
    version = assemble(definition, "A")
    sheet, key = render_sheet(version), render_key(version)
    assert r"\documentclass[11pt]{exam}" in sheet and "Score" in sheet
    assert r"\documentclass[11pt,answers]{exam}" in key
    assert r"\finalanswer{" not in sheet and r"\finalanswer{" in key
    assert r"\begin{solution}[" in sheet  # reserved answer space
    for problem in version.problems:
        for part in problem.parts:
            assert part.answer_latex() in key
            assert part.prompt in sheet
    # plain text is escaped: the title's & and % cannot break the document
    assert r"Small \& quick: 100\% derivatives" in sheet
    assert r"\pdftrailerid{}" in sheet and r"\pdftrailerid{}" in key


def test_rounding_instructions_match_the_tolerance(small):
    version = assemble(load_worksheet(small), "A")
    sheet = render_sheet(version)
    for problem in version.problems:
        for part in problem.parts:
            if part.numeric and not part.exact_decimals:
                assert f"round to {part.decimals} decimal places" in sheet
                assert part.tolerance == pytest.approx(10.0 ** -part.decimals)
            elif part.numeric:
                assert part.tolerance == 0.0


def test_answers_page_lists_every_answer(small):
    version = assemble(load_worksheet(small), "B")
    page = render_answers(version)
    well_formed(page)
    for problem in version.problems:
        for part in problem.parts:
            assert part.answer_latex() in page
    assert str(version.total_points) in page


def test_the_key_is_well_formed_latex(small):
    # how long the check takes is measured in benchmarks/bench_worksheets.py, not here
    version = assemble(load_worksheet(small), "A")
    for render in (render_sheet, render_key, render_answers):
        well_formed(render(version))


def test_same_seed_same_tex_other_version_other_numbers(small):
    definition = load_worksheet(small)
    assert render_key(assemble(definition, "A")) == render_key(assemble(definition, "A"))
    assert render_sheet(assemble(definition, "A")) != render_sheet(assemble(definition, "B"))


def test_missing_pdflatex_writes_tex_and_says_so_once(small, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pdf_module.shutil, "which", lambda name: None)
    code = main(["worksheet", str(small), "--versions", "A", "--out", str(tmp_path / "out")])
    assert code == 0
    captured = capsys.readouterr()
    assert captured.err.strip() == f"mathomong worksheet: {NO_PDFLATEX_NOTE}"
    assert (tmp_path / "out" / "small-A-11.tex").exists()
    assert not list((tmp_path / "out").glob("*.pdf"))


def test_cli_requires_a_definition_or_all(capsys):
    assert main(["worksheet"]) == 2
    assert "--all" in capsys.readouterr().err


def test_cli_lists_topics(capsys):
    assert main(["worksheet", "--topics"]) == 0
    out = capsys.readouterr().out
    assert "derivative-power" in out and "Part 10" in out


def test_build_all_puts_each_sheet_in_its_folder(small, tmp_path):
    (tmp_path / "other.toml").write_text(SMALL.replace('id = "small"', 'id = "other"').replace(
        'versions = ["A", "B"]', 'versions = ["A"]'), encoding="utf-8")
    results = build_all(tmp_path, tmp_path / "out", pdf=False)
    assert [r.definition.id for r in results] == ["other", "small"]
    assert (tmp_path / "out" / "other" / "other-A-11-key.json").exists()
    assert (tmp_path / "out" / "small" / "small-B-11.tex").exists()


def test_cli_all_builds_a_folder(small, tmp_path, capsys):
    assert main(["worksheet", "--all", str(small.parent), "--out", str(tmp_path / "out"), "--no-pdf"]) == 0
    assert "small-A-11, small-B-11" in capsys.readouterr().out


@pytest.mark.pdflatex
def test_a_latex_error_is_reported_with_its_line(tmp_path, needs_pdflatex):
    broken = "\\documentclass{article}\n\\begin{document}\n\\undefinedcommand\n\\end{document}\n"
    with pytest.raises(LatexError, match=r"broken.pdf: pdflatex failed: Undefined control sequence"):
        compile_pdf(broken, tmp_path / "broken.pdf")


@pytest.mark.pdflatex
def test_pdfs_compile_with_reruns_only_while_asked(small, tmp_path, needs_pdflatex):
    result = build_worksheet(small, ["A"], tmp_path / "out")
    pdfs = [p for v in result.versions for p in v.pdf]
    assert len(pdfs) == 3 and all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    runs = {p.name: n for p, n in result.pdflatex_runs.items()}
    # the exam class needs a second run for the page count and grade table; nothing needs five
    assert 2 <= runs["small-A-11.pdf"] <= pdf_module.MAX_RUNS
    one_run = compile_pdf("\\documentclass{article}\\pdftrailerid{}\\begin{document}x\\end{document}",
                          tmp_path / "plain.pdf")
    assert one_run == 1


def _build_in_subprocess(definition: Path, out: Path, hash_seed: str) -> dict:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    env.pop("SOURCE_DATE_EPOCH", None)
    subprocess.run([sys.executable, "-m", "mathomong_sym", "worksheet", str(definition), "--versions", "A",
                    "--out", str(out)], check=True, env=env, capture_output=True, timeout=300)
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())
            if p.suffix in (".pdf", ".json", ".tex")}


@pytest.mark.pdflatex
def test_byte_identical_across_processes_hash_seeds_and_folders(small, tmp_path, needs_pdflatex):
    first = _build_in_subprocess(small, tmp_path / "one", "1")
    second = _build_in_subprocess(small, tmp_path / "elsewhere" / "two", "4242")
    assert any(name.endswith(".pdf") for name in first)
    assert first == second


@pytest.mark.pdflatex
def test_a_sample_of_every_topic_compiles(tmp_path, needs_pdflatex):
    from mathomong_sym.worksheets import GENERATORS

    text = "title = 'Every topic'\n" + "".join(f"[[problems]]\ntopic = '{g}'\n" for g in GENERATORS)
    version = assemble(parse_worksheet(text, source="every.toml"), "A")
    # compile_pdf raises on any "!" error in the log
    assert compile_pdf(render_key(version), tmp_path / "every-key.pdf") >= 1


@pytest.mark.slow
def test_the_clubs_sheets_all_build(tmp_path, capsys):
    assert main(["worksheet", "--all", "--out", str(tmp_path), "--no-pdf"]) == 0  # the club's sheets
    built = sorted(p.name for p in tmp_path.glob("*/*-key.json"))
    assert len(built) >= 2 * 10


def test_all_and_a_definition_do_not_mix(small, tmp_path, capsys):
    assert main(["worksheet", str(small), "--all", str(small.parent), "--out", str(tmp_path)]) == 2
    assert "--all" in capsys.readouterr().err
    assert main(["worksheet", "--all", str(tmp_path / "empty"), "--out", str(tmp_path)]) == 2
    assert "no worksheet definitions" in capsys.readouterr().err
