"""Benchmark: a 20-problem worksheet and its key, to LaTeX and to PDF.

Targets (issue 5): sheet + key rendered to LaTeX in at most 1 s, compiled to
PDF in at most 3 s.  Drawing and verifying the problems is timed on its own
(it happens once per version, before any rendering).  The reference for the
PDF time is pdflatex on a one-line exam document, measured in the same run,
so the ratio shows what the worksheet adds to pdflatex's own start-up.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_worksheets.py [--repeat 5]
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

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
    ok = render_median <= RENDER_TARGET and pdf_median <= PDF_TARGET
    print("within targets" if ok else "OVER TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
