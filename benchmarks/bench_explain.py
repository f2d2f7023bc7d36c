"""Explaining one parameter of a [4,8,8,1] network: time, as ratios measured in one run.

What is timed, per parameter, with the network already built (a fresh one
each round, so no derivation is cached from the round before):

* ``explain``: ``net.derive(p)``, the level-1 text (each factor by its
  rule, which reads the elementary steps of ``calculus.diff_steps``) and
  ``verify(level=1)`` of every step that text shows, as
  ``mathomong derive --level 1`` does.  "cold" is the first explanation on
  a new network, in a process that has explained before (from the second
  round on, what the process remembers, such as compiled equations and
  derivatives taken, carries over between networks of the same shape);
  "warm" is the same parameter explained on a network that has already
  explained another one;
* ``first in a process``: the same, but the first explanation a new
  Python process makes (the package's modules imported and the network
  built, nothing else),
  so that nothing remembered by an earlier round helps: what one
  ``mathomong derive --level 1`` pays besides its imports (no target: it
  includes what a new process pays once, which a server, a notebook or a
  worksheet build pays for its first explanation only);
* ``verify (all levels)``: ``verify()`` of every step down to level 2;
* its parts: derive, render at level 1, verify;
* ``diff_steps``: the elementary-rule steps of every local factor alone;
* ``reference``: what a tool without derivations does to get the same
  number: ``sympy.diff`` of the expanded loss, evaluated at one point.

Both processes run as the ``mathomong`` program does: once sympy and the
engine are imported, what the imports made is frozen out of the garbage
collector (``gc.freeze()``), so a full collection does not walk it.
``--library`` leaves the collector alone, as a Python program that imports
the package does: a round in which a full collection falls then costs
about 50 ms more.

Target: explain ≤ 0.2 s for any single parameter.  Ratios are to the
reference and to the target; times are medians of interleaved rounds.

Run:  OPENBLAS_NUM_THREADS=1 python benchmarks/bench_explain.py [--quick] [--rounds N]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import sympy  # noqa: E402

from mathomong_sym import MLP  # noqa: E402
from mathomong_sym.calculus import diff_steps  # noqa: E402

TARGET_SECONDS = 0.2
#: freeze what the imports made out of the garbage collector, as the mathomong program does (not --library)
FREEZE = True
SIZES = [4, 8, 8, 1]


def _clock(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def explain_parts(p_name: str, warm: bool = False) -> dict:
    net = MLP(SIZES)
    p = net.parameter(p_name)
    if warm:  # another parameter explained first, on the same network
        other = net.parameter("b3_1" if p_name != "b3_1" else "w3_1_1")
        other_derivation = net.derive(other)
        other_derivation.to_text(level=1)
        other_derivation.verify(level=1)
    parts = {}
    start = time.perf_counter()
    derivation = net.derive(p)
    parts["derive"] = time.perf_counter() - start
    mark = time.perf_counter()
    derivation.to_text(level=1)
    parts["render level 1"] = time.perf_counter() - mark
    mark = time.perf_counter()
    report = derivation.verify(level=1)
    parts["verify"] = time.perf_counter() - mark
    parts["explain"] = time.perf_counter() - start
    if not report.ok:
        raise SystemExit(f"verification failed for {p_name}: {report}")
    parts["checks"] = len(report.checks)
    mark = time.perf_counter()
    full = derivation.verify()
    parts["verify (all levels)"] = time.perf_counter() - mark
    if not full.ok:
        raise SystemExit(f"verification failed for {p_name}: {full}")
    return parts


_FIRST_IN_PROCESS = """
import gc, sys, time
import sympy.printing.pycode  # the imports an explanation makes on first use, done before the clock
import mathomong_sym.calculus, mathomong_sym.render
from mathomong_sym import MLP
if {freeze}:
    gc.freeze()
net = MLP({sizes})
p = net.parameter({name!r})
start = time.perf_counter()
derivation = net.derive(p)
derivation.to_text(level=1)
report = derivation.verify(level=1)
assert report.ok
print(time.perf_counter() - start)
"""


def first_in_process(p_name: str) -> float:
    """Seconds of the first explanation a fresh Python process makes."""
    import subprocess
    import sys

    code = _FIRST_IN_PROCESS.format(sizes=SIZES, name=p_name, freeze=FREEZE)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def local_factors(p_name: str) -> float:
    """diff_steps on every local factor of the derivation (what its level 1 reads)."""
    net = MLP(SIZES)
    derivation = net.derive(net.parameter(p_name))
    definitions = derivation.all_definitions()
    pairs = []
    for item in [*derivation._cited_closure(), derivation]:
        for step in item.steps:
            if step.kind.startswith("factor:"):
                (variable, _), = step.lhs.variable_count
                pairs.append((definitions.get(step.lhs.expr, step.lhs.expr), variable))
    return _clock(lambda: [diff_steps(e, v) for e, v in pairs])


def reference(p_name: str) -> float:
    net = MLP(SIZES)
    p = net.parameter(p_name)
    loss = net.loss
    point = {s: sympy.Rational(k % 7 - 3, 4) for k, s in enumerate(sorted(loss.free_symbols, key=lambda s: s.name))}
    return _clock(lambda: sympy.diff(loss, p).xreplace(point).evalf(50))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round, two parameters")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--library", action="store_true",
                        help="leave the garbage collector alone, as a Python program importing the package does")
    args = parser.parse_args()
    global FREEZE
    FREEZE = not args.library
    if FREEZE:
        import gc

        import mathomong_sym.calculus  # noqa: F401
        import mathomong_sym.render  # noqa: F401

        gc.freeze()
    rounds = 1 if args.quick else args.rounds
    names = ["b3_1", "w1_1_1"] if args.quick else ["b3_1", "w3_1_1", "w2_1_1", "w1_1_1"]

    print(f"Explaining one parameter of {SIZES} at level 1, with every step verified "
          f"(median of {rounds} interleaved round(s); "
          f"{'imports frozen out of the garbage collector, as the mathomong program runs' if FREEZE else 'the garbage collector left alone, as a library'})")
    results: dict = {name: {"cold": [], "warm": [], "factors": [], "reference": [], "first": []} for name in names}
    for _ in range(rounds):
        for name in names:
            results[name]["reference"].append(reference(name))
            results[name]["first"].append(first_in_process(name))
            results[name]["cold"].append(explain_parts(name))
            results[name]["warm"].append(explain_parts(name, warm=True))
            results[name]["factors"].append(local_factors(name))
    worst = {"cold": 0.0, "warm": 0.0, "first in a process": 0.0}
    for name in names:
        ref = statistics.median(results[name]["reference"])
        factors = statistics.median(results[name]["factors"])
        first = statistics.median(results[name]["first"])
        worst["first in a process"] = max(worst["first in a process"], first)
        print(f"  {name:>7} first in a process: explain {first * 1000:7.1f} ms = {first / ref:5.2f}× reference")
        for kind in ("cold", "warm"):
            parts = results[name][kind]
            med = {key: statistics.median(p[key] for p in parts) for key in parts[0]}
            worst[kind] = max(worst[kind], med["explain"])
            print(f"  {name:>7} {kind}: explain {med['explain'] * 1000:7.1f} ms = "
                  f"{med['explain'] / TARGET_SECONDS:5.2f}× target, {med['explain'] / ref:5.2f}× reference "
                  f"({ref * 1000:.1f} ms)   [derive {med['derive'] * 1000:.1f}, render "
                  f"{med['render level 1'] * 1000:.1f}, verify {med['verify'] * 1000:.1f} ms for "
                  f"{int(med['checks'])} checks; all levels {med['verify (all levels)'] * 1000:.1f} ms; "
                  f"diff_steps of all factors {factors * 1000:.1f} ms]")
    print(f"  slowest parameter (first in a process): {worst['first in a process'] * 1000:.1f} ms, with what a "
          f"new process pays once (sympy's caches, compiling the equations); no target")
    for kind in ("cold", "warm"):
        verdict = "meets" if worst[kind] <= TARGET_SECONDS else "misses"
        print(f"  slowest parameter ({kind}): {worst[kind] * 1000:.1f} ms, {verdict} the "
              f"{TARGET_SECONDS * 1000:.0f} ms target")


if __name__ == "__main__":
    main()
