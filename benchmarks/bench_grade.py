"""Grading a class end to end: ``mathomong grade`` on 500 and 10 000 answers, and what it names.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_grade.py [--sizes 500,10000] [--workers 2]

The class comes from ``tests/grading_class.py``: two versions (a chain-rule
question with factors and named mistakes, the activation's derivative with
no mistakes listed, two numeric questions whose listed mistakes carry
LaTeX messages and generated ids), every kind of answer (right in several
spellings, each typical mistake, rounding, unreadable text, blanks).  A
class of N answers draws N rows from those kinds, 30 % of them with a slip of
the student's own (a random number, a random factor), so that, as in a real
class, many answers repeat (and are checked once) and many do not.  Printed per size: wall time of
the whole command (start-up, reading, checking, writing every file), the
answers and the distinct checks, and rows in / rows out.  For the 32-student
class: the share of wrong answers that got a named or generic mistake, and the
wrong answers that got none.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from grading_class import big_class, build_class  # noqa: E402


def _grade(keys, answers, out, roster=None, workers=None):
    command = [sys.executable, "-m", "mathomong_sym", "grade", "--key", str(keys[0]), "--key", str(keys[1]),
               "--answers", str(answers), "--out", str(out)]
    if roster:
        command += ["--roster", str(roster)]
    if workers:
        command += ["--workers", str(workers)]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return seconds, result.stdout


def _rows(path: Path) -> int:
    with open(path, newline="", encoding="utf-8") as stream:
        return sum(1 for _ in csv.DictReader(stream))


def _distinct(path: Path) -> int:
    """The checks a class needs: identical answers to one question of one version are checked once."""
    with open(path, newline="", encoding="utf-8") as stream:
        return len({(r["version"], r["question"], r["answer"]) for r in csv.DictReader(stream)})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,10000")
    parser.add_argument("--workers", type=int)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cls = build_class(folder / "class")
        seconds, _ = _grade(cls["keys"], cls["answers"], folder / "class-out", cls["roster"], args.workers)
        with open(folder / "class-out" / "report.csv", newline="", encoding="utf-8") as stream:
            report = list(csv.DictReader(stream))
        wrong = [r for r in report if r["verdict"] == "incorrect"]
        named = sum(1 for r in wrong if r["mistake"])
        print(f"class of {len(cls['students'])}: {len(report)} answers in {seconds:.1f} s; "
              f"wrong answers with a named or generic mistake: {named}/{len(wrong)} = {named / len(wrong):.1%}")
        for r in wrong:
            if not r["mistake"]:
                print(f"  no mistake named: version {r['version']} {r['question']}: {r['read'] or r['answer']}")
        for size in (int(s) for s in args.sizes.split(",")):
            answers = big_class(folder / f"big-{size}", size)
            out = folder / f"out-{size}"
            seconds, stdout = _grade(cls["keys"], answers, out, workers=args.workers)
            checked = next((line for line in stdout.splitlines() if line.startswith("read ")), "")
            print(f"{size} answers ({_distinct(answers)} distinct): {seconds:.1f} s ({size / seconds:.0f} answers/s); "
                  f"rows in {size}, rows out {_rows(out / 'report.csv')}; {checked}")


if __name__ == "__main__":
    main()
