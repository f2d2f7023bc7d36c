"""Checks per second on the labelled corpus, against a naive checker measured in the same run.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_check.py [--repeats 5] [--workers 2]

* **ours (pool)**: every corpus case through the warm worker pool (2 workers
  on this machine, the 2 s limit per check), as ``mathomong grade`` runs
  them.  Keys are prepared once per worker (as in grading: one key, many
  students); answer parses are *not* reused between repetitions.
* **ours (in-process)**: the same, one process, no pool; also gives the
  slowest single check.
The corpus is the checker's (``tests/corpus/check_corpus.toml``), the
reader's (``tests/corpus/reading.py``: each spelling against its hand-built
meaning and against its near misses, which must not be accepted), or both
(``--corpus``, default both).

* **naive**: latex2sympy2 on the answer and the key, then
  ``expand(answer - key) == 0`` — the parse-and-expand checker the issue
  compares with.  It runs on the cases it can survive (not the invalid and
  hostile ones: a power tower would stall it), in one process.

Repetitions are interleaved (ours, naive, ours, naive …) and the median is
reported, with the ratio ours/naive.  Accuracy on the corpus is printed for
both.  math-verify is not compared: it needs antlr4-python3-runtime 4.13,
which would replace the 4.7.2 that latex2sympy2 1.9.1 needs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def load(corpus: str = "both"):
    """(answer, entry, expected) per case; expected "not correct" for a near miss of the reader's corpus."""
    from mathomong_sym.check.checker import entry_for
    from test_check_corpus import CASES, READING, _entry

    cases = []
    if corpus in ("check", "both"):
        cases += [(answer, _entry(group), expected) for group, answer, expected, _ in CASES]
    if corpus in ("reading", "both"):
        for case in READING:
            variables = list(case.variables) if case.variables else None
            if case.means is None:
                cases.append((case.text, entry_for(case.key, variables=variables), "invalid"))
                continue
            cases.append((case.text, entry_for(case.means, variables=variables), "correct"))
            cases += [(case.text, entry_for(wrong, variables=variables), "not correct") for wrong in case.wrong]
    return cases


def _right(verdict: str, expected: str) -> bool:
    return verdict != "correct" if expected == "not correct" else verdict == expected


def _latex2sympy():
    """latex2sympy2's parse function, importable on Python 3.13 too (the package's own adapter)."""
    from mathomong_sym.parsing.second_reading import latex2sympy_parser

    return latex2sympy_parser()


def naive_check(answer: str, key: str):
    import sympy

    latex2sympy = _latex2sympy()

    try:
        a = latex2sympy(answer)
        k = latex2sympy(key)
        return "correct" if sympy.expand(a - k) == 0 else "incorrect"
    except Exception:
        return "invalid"


def run_ours_pool(pool, tasks):
    start = time.perf_counter()
    results = pool.run(tasks)
    return time.perf_counter() - start, results


def run_ours_inprocess(tasks):
    from mathomong_sym.check.engine import run_task

    times = []
    results = []
    start = time.perf_counter()
    for task in tasks:
        t = time.perf_counter()
        results.append(run_task(task))
        times.append(time.perf_counter() - t)
    return time.perf_counter() - start, results, times


def run_naive(cases):
    start = time.perf_counter()
    verdicts = [naive_check(answer, key_latex) for answer, key_latex, _ in cases]
    return time.perf_counter() - start, verdicts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--corpus", choices=("check", "reading", "both"), default="both",
                        help="the checker's TOML corpus, the reader's corpus (tests/corpus/reading.py), or both")
    args = parser.parse_args(argv)

    from mathomong_sym.check.checker import make_task
    from mathomong_sym.check.engine import prepare
    from mathomong_sym.check.pool import CheckerPool

    cases = load(args.corpus)
    tasks = [dict(make_task(answer, entry), cache=False) for answer, entry, _ in cases]
    # the naive checker reads the key's text: it runs on the TOML corpus, whose keys are typed
    naive_cases = [(answer, entry.latex, expected) for answer, entry, expected in load("check") if expected != "invalid"]
    for _, entry, _ in cases:  # a grader prepares each key once
        prepare(entry)

    pool_times, inproc_times, naive_times = [], [], []
    worst = 0.0
    with CheckerPool(workers=args.workers, timeout=2.0) as pool:
        _, warm = run_ours_pool(pool, tasks)  # keys prepared in the workers, as in a grading run
        for _ in range(args.repeats):
            seconds, results = run_ours_pool(pool, tasks)
            pool_times.append(seconds)
            seconds, inproc_results, per_check = run_ours_inprocess(tasks)
            inproc_times.append(seconds)
            worst = max(worst, max(per_check))
            seconds, naive_verdicts = run_naive(naive_cases)
            naive_times.append(seconds)
        timeouts = pool.killed

    n, n_naive = len(tasks), len(naive_cases)
    ours_right = sum(_right(r["verdict"], expected) for r, (_, _, expected) in zip(results, cases))
    false_accepts = sum(r["verdict"] == "correct" and expected != "correct" for r, (_, _, expected) in zip(results, cases))
    naive_right = sum(_right(v, expected) for v, (_, _, expected) in zip(naive_verdicts, naive_cases))
    naive_false = sum(v == "correct" and expected != "correct" for v, (_, _, expected) in zip(naive_verdicts, naive_cases))
    pool_rate = n / statistics.median(pool_times)
    inproc_rate = n / statistics.median(inproc_times)
    naive_rate = n_naive / statistics.median(naive_times)

    print(f"corpus ({args.corpus}): {n} checks ({n_naive} of the TOML corpus that the naive checker can run); "
          f"median of {args.repeats} interleaved runs")
    print(f"ours, pool of {args.workers} : {pool_rate:7.1f} checks/s   accuracy {ours_right}/{n}, false accepts {false_accepts}, timeouts {timeouts}")
    print(f"ours, in-process  : {inproc_rate:7.1f} checks/s   slowest single check {worst * 1000:.0f} ms")
    print(f"naive parse+expand: {naive_rate:7.1f} checks/s   accuracy {naive_right}/{n_naive}, false accepts {naive_false}")
    print(f"ratio ours(pool)/naive: {pool_rate / naive_rate:.2f}x   ours(in-process)/naive: {inproc_rate / naive_rate:.2f}x")
    print("math-verify: not installed (it needs antlr4-python3-runtime 4.13; latex2sympy2 1.9.1 needs 4.7.2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
