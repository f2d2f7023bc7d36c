"""How the cost of a network grows with its size: build + compile, and one parameter's derivation.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_scale.py [--quick]

(a) Build + compile time and peak memory of MLPs whose parameter count
    doubles (six sizes, [784, h, h, 10] with h from 16 up), the fitted
    exponent of time against parameters (target ≤ 1.1: linear), and the
    full-size [784, 512, 512, 10] (target ≤ 10 s, ≤ 2 GB).  Each size runs in
    a fresh process, so the peak memory is its own.
(b) One parameter's derivation, checked and printed as ``mathomong derive
    … --level 0`` does it (a fresh process each, seconds of wall time;
    target ≤ 5 s): w1_1_1 of [784, 512, 512, 10], W_1 of neuron:100000 and
    w1_1_1 of a chain of 300 layers of width 1.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

_BUILD = """
import json, resource, sys, time
start = time.perf_counter()
from mathomong_sym import MLP
imported = time.perf_counter()
sizes = json.loads(sys.argv[1])
net = MLP(sizes, activation="relu", output_activation="softmax", loss="cross_entropy")
built = time.perf_counter()
compiled = net.compile()
done = time.perf_counter()
import numpy as np
theta = np.zeros(net.n_parameters)
compiled.loss_and_gradient(theta, np.zeros((2, sizes[0])), np.eye(sizes[-1])[:2] if sizes[-1] >= 2 else np.ones((2, 1)))
print(json.dumps({"parameters": net.n_parameters, "build": built - imported, "compile": done - built,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def build_and_compile(sizes) -> dict:
    out = subprocess.run([sys.executable, "-c", _BUILD, json.dumps(sizes)], capture_output=True, text=True,
                         check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def fitted_exponent(xs, ys) -> float:
    """The slope of log(time) against log(parameters), least squares."""
    slope, _ = np.polyfit(np.log(xs), np.log(ys), 1)
    return float(slope)


def bench_build(repeats: int) -> bool:
    print("(a) build + compile, MLP [784, h, h, 10] relu/softmax/cross-entropy, fresh process each, "
          f"best of {repeats}")
    print(f"    {'h':>5} {'parameters':>11} {'build s':>9} {'compile s':>10} {'total s':>8} {'peak MB':>8}")
    widths = [16, 32, 64, 128, 256, 512]
    rows = []
    for h in widths:
        runs = [build_and_compile([784, h, h, 10]) for _ in range(repeats)]
        best = min(runs, key=lambda r: r["build"] + r["compile"])
        total = best["build"] + best["compile"]
        rows.append((best["parameters"], total, best["peak_mb"]))
        print(f"    {h:>5} {best['parameters']:>11,} {best['build']:>9.4f} {best['compile']:>10.4f} "
              f"{total:>8.4f} {best['peak_mb']:>8.0f}")
    params = [r[0] for r in rows]
    doublings = math.log2(params[-1] / params[0])
    exponent = fitted_exponent(params, [r[1] for r in rows])
    full_time, full_memory = rows[-1][1], rows[-1][2]
    ok = exponent <= 1.1 and full_time <= 10 and full_memory <= 2048
    print(f"    {doublings:.1f} doublings of the parameter count; fitted exponent {exponent:.2f} "
          f"(target ≤ 1.1; below 1 means a fixed cost still dominates)")
    print(f"    [784, 512, 512, 10]: {full_time:.3f} s, {full_memory:.0f} MB peak (targets ≤ 10 s, ≤ 2048 MB): "
          f"{'ok' if ok else 'MISS'}")
    return ok


def bench_derive() -> bool:
    print("(b) mathomong derive … --level 0 (derive, check every step, print), wall seconds, target ≤ 5 s")
    chain = "-".join(["1"] * 301)
    cases = [
        ("784-512-512-10, w1_1_1", ["--net", "784-512-512-10", "--wrt", "w1_1_1"]),
        ("neuron:100000, W_1", ["--net", "neuron:100000", "--wrt", "W_1"]),
        ("300 layers of width 1, w1_1_1", ["--net", chain, "--wrt", "w1_1_1"]),
    ]
    import resource

    print(f"    {'':<32} {'wall s':>7} {'CPU s':>6}   (CPU: the command's own time, what a busy machine "
          "does not inflate)")
    ok = True
    for label, arguments in cases:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "mathomong_sym", "derive", *arguments, "--level", "0",
                              "--timeout", "300"], capture_output=True, text=True, timeout=600)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        checked = next((line for line in out.stdout.splitlines() if line.startswith("Checked")), out.stderr.strip())
        good = out.returncode == 0 and seconds <= 5
        ok &= good
        print(f"    {label:<32} {seconds:7.2f} {cpu:6.2f}  {'ok' if good else 'MISS'}   {checked[:80]}")
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run per size instead of three")
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    results = [bench_build(1 if args.quick else 3), bench_derive()]
    print(f"targets missed: {results.count(False)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
