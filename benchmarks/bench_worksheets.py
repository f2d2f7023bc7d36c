"""Benchmark: a 20-problem worksheet and its key, to LaTeX and to PDF.

Targets (issue 5): sheet + key rendered to LaTeX in at most 1 s, compiled to
PDF in at most 3 s.  Drawing and verifying the problems is timed on its own
(it happens once per version, before any rendering).  The reference for the
PDF time is pdflatex on a one-line exam document, measured in the same run,
so the ratio shows what the worksheet adds to pdflatex's own start-up.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_worksheets.py [--repeat 5]

``--club`` instead builds every definition in ``worksheets/`` (every version,
PDFs included) once, and prints the time of the whole build, its drawing and
LaTeX part on its own, the time per PDF against a one-line exam document
typeset in the same run, and the student, key and answers pages per sheet.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from mathomong_sym.worksheets import GENERATORS  # noqa: E402
from mathomong_sym.worksheets.assemble import assemble  # noqa: E402
from mathomong_sym.worksheets.definition import parse_worksheet  # noqa: E402
from mathomong_sym.worksheets.latex import render_answers, render_key, render_sheet  # noqa: E402
from mathomong_sym.worksheets.pdf import compile_many, pdflatex_path  # noqa: E402

RENDER_TARGET = 1.0
CHECK_TARGET = 0.5
PDF_TARGET = 3.0
MINIMAL = ("\\documentclass[11pt,addpoints]{exam}\\pdftrailerid{}\\begin{document}"
           "\\begin{questions}\\question[1] One.\\end{questions}\\end{document}\n")


def twenty_problem_definition():
    topics = list(GENERATORS)
    counts = {t: 0 for t in topics}
    for i in range(20):
        counts[topics[i % len(topics)]] += 1
    text = "id = 'bench'\ntitle = 'Benchmark: twenty problems'\nseed = 1\n" + "".join(
        f"[[problems]]\ntopic = '{t}'\ncount = {c}\n" for t, c in counts.items() if c)
    return parse_worksheet(text, source="bench.toml")


def timed(function):
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def _pages(pdf: Path) -> int:
    import re
    import subprocess

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def club(folder: Path) -> int:
    """Build the club's sheets once: times and page counts."""
    from mathomong_sym.worksheets import build_all

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        latex_time, _ = timed(lambda: build_all(folder, out / "tex", pdf=False))
        build_time, results = timed(lambda: build_all(folder, out / "pdf"))
        pdfs = [p for r in results for p in r.files if p.suffix == ".pdf"]
        reference, _ = timed(lambda: compile_many([(MINIMAL, out / f"m{i}.pdf") for i in range(4)]))
        per_reference = reference / 4
        print(f"club sheets: {len(results)} definitions, {len(pdfs)} PDFs, built in {build_time:.1f} s "
              f"(drawing, keys and LaTeX alone: {latex_time:.1f} s)")
        print(f"per PDF: {build_time / len(pdfs):.2f} s; a one-line exam document: {per_reference:.2f} s "
              f"({build_time / len(pdfs) / per_reference:.1f}x)")
        totals = {"sheet": 0, "key": 0, "answers": 0}
        for result in results:
            counts = {"sheet": 0, "key": 0, "answers": 0}
            for pdf in (p for p in result.files if p.suffix == ".pdf"):
                kind = "key" if pdf.stem.endswith("-key") else "answers" if pdf.stem.endswith("-answers") else "sheet"
                counts[kind] += _pages(pdf)
            totals = {k: totals[k] + counts[k] for k in totals}
            print(f"  {result.definition.id:22s} student {counts['sheet']:3d}  key {counts['key']:3d}  "
                  f"answers {counts['answers']:2d}")
        print(f"  {'all':22s} student {totals['sheet']:3d}  key {totals['key']:3d}  answers {totals['answers']:2d}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--club", nargs="?", const=str(Path(__file__).resolve().parent.parent / "worksheets"),
                        metavar="FOLDER", help="build the club's sheets in FOLDER once: times and pages")
    args = parser.parse_args(argv)
    if args.club:
        if pdflatex_path() is None:
            print("pdflatex not found: the club's build is timed with PDFs")
            return 1
        return club(Path(args.club))

    definition = twenty_problem_definition()
    draw_time, version = timed(lambda: assemble(definition, "A"))
    assert len(version.problems) == 20
    print(f"draw + verify 20 problems: {draw_time:.2f} s (once per version)")

    render_times = []
    for _ in range(args.repeat):
        seconds, (sheet, key) = timed(lambda: (render_sheet(version), render_key(version)))
        render_times.append(seconds)
    render_median = statistics.median(render_times)
    answers_time, _ = timed(lambda: render_answers(version))
    from pylatexenc.latexwalker import LatexWalker

    check_times = [timed(lambda: LatexWalker(key, tolerant_parsing=False).get_latex_nodes())[0]
                   for _ in range(args.repeat)]
    check_median = statistics.median(check_times)
    print(f"well-formedness check of the key (pylatexenc, as the tests run it): median {check_median * 1000:.0f} ms "
          f"({check_median / CHECK_TARGET:.2f}x the {CHECK_TARGET:.1f} s target)")
    print(f"LaTeX, sheet + key: median {render_median * 1000:.0f} ms of {args.repeat} "
          f"({render_median / RENDER_TARGET:.2f}x the {RENDER_TARGET:.0f} s target); "
          f"answers page {answers_time * 1000:.0f} ms; key is {len(key) // 1024} KiB")

    if pdflatex_path() is None:
        print("pdflatex not found: PDF timing skipped")
        return 0
    pdf_times, reference_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        # interleaved, so that a busy machine slows both alike
        for i in range(max(1, args.repeat // 2 + 1)):
            seconds, runs = timed(lambda: compile_many([(sheet, out / f"s{i}.pdf"), (key, out / f"k{i}.pdf")]))
            pdf_times.append(seconds)
            reference, _ = timed(lambda: compile_many([(MINIMAL, out / f"m{i}.pdf"), (MINIMAL, out / f"n{i}.pdf")]))
            reference_times.append(reference)
    pdf_median, reference_median = statistics.median(pdf_times), statistics.median(reference_times)
    print(f"PDF, sheet + key (side by side): median {pdf_median:.2f} s "
          f"({pdf_median / PDF_TARGET:.2f}x the {PDF_TARGET:.0f} s target); pdflatex runs {sorted(runs.values())}")
    print(f"reference, two one-line exam documents: median {reference_median:.2f} s; "
          f"worksheet / reference = {pdf_median / reference_median:.1f}x")
    ok = render_median <= RENDER_TARGET and pdf_median <= PDF_TARGET and check_median <= CHECK_TARGET
    print("within targets" if ok else "OVER TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
