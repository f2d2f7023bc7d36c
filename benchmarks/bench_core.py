"""Core engine speed, as ratios measured in one run.

(a) derive + compile time: [2,2,1] … [16,32,32,1], and depths 1…16 at width 4
    (network built, every parameter's derivation created, layer code compiled);
(b) compiled gradient time at batch 1, 32 and 1024 against a hand-written
    numpy backprop of the same network, for the default (layer) form, and for
    the per-parameter form on networks of at most 20 parameters;
(c) gradient time over forward time.

Targets: [16,32,32,1] derived and compiled in ≤ 1 s; layer form ≤ 1.1× hand
numpy at batch 1024 and ≤ 1.2× at batch 1; per-parameter form ≤ 2.5× for
≤ 20 parameters; gradient ≤ 2× forward.

Run:  OPENBLAS_NUM_THREADS=1 python benchmarks/bench_core.py [--quick]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from mathomong_sym import MLP  # noqa: E402


def hand_written(sizes):
    """A plain numpy backprop for a sigmoid MLP with mse, as one would write it by hand."""
    shapes = [(sizes[l + 1], sizes[l]) for l in range(len(sizes) - 1)]

    def loss_and_gradient(theta, X, Y):
        N = X.shape[0]
        Ws, bs = [], []
        offset = 0
        for n_out, n_in in shapes:
            Ws.append(theta[offset:offset + n_out * n_in].reshape(n_out, n_in))
            offset += n_out * n_in
            bs.append(theta[offset:offset + n_out])
            offset += n_out
        activations = [X]
        A = X
        for W, b in zip(Ws, bs):
            A = 0.5 * (1.0 + np.tanh(0.5 * (A @ W.T + b)))
            activations.append(A)
        E = A - Y
        loss = (E * E).sum() / N
        D = (2.0 / N) * E * A * (1.0 - A)
        grads = []
        for l in range(len(Ws) - 1, -1, -1):
            previous = activations[l]
            grads.append(D.sum(axis=0))
            grads.append((D.T @ previous).ravel())
            if l:
                D = (D @ Ws[l]) * previous * (1.0 - previous)
        return loss, np.concatenate(grads[::-1])

    def forward(theta, X):
        A = X
        offset = 0
        for n_out, n_in in shapes:
            W = theta[offset:offset + n_out * n_in].reshape(n_out, n_in)
            offset += n_out * n_in
            b = theta[offset:offset + n_out]
            offset += n_out
            A = 0.5 * (1.0 + np.tanh(0.5 * (A @ W.T + b)))
        return A

    return loss_and_gradient, forward


def _time(function, repeats: int) -> float:
    start = time.perf_counter()
    for _ in range(repeats):
        function()
    return (time.perf_counter() - start) / repeats


def interleaved(candidates: dict, rounds: int = 7, budget: float = 0.02) -> dict:
    """Median time per call of each candidate, measured in alternating rounds."""
    repeats = {}
    for name, function in candidates.items():
        function()
        single = max(_time(function, 3), 1e-7)
        repeats[name] = max(1, int(budget / single))
    samples = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, function in candidates.items():
            samples[name].append(_time(function, repeats[name]))
    return {name: statistics.median(values) for name, values in samples.items()}


def derive_and_compile(sizes) -> float:
    """Build, derive every parameter's ∂L/∂θ (forcing the lazy derivations) and compile."""
    start = time.perf_counter()
    net = MLP(sizes)
    gradients = net.gradients()
    for parameter in gradients:
        gradients[parameter]
    net.compile()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes and rounds")
    args = parser.parse_args()
    rounds = 3 if args.quick else 7

    print("(a) derive + compile (build the network, every parameter's derivation, the layer code)")
    for sizes in ([2, 2, 1], [4, 8, 8, 1], [8, 16, 16, 1], [16, 32, 32, 1]):
        seconds = min(derive_and_compile(sizes) for _ in range(3))
        print(f"    {str(sizes):>16}: {seconds * 1000:8.1f} ms   ({seconds:.2f}× the 1 s target)")
    depths = (1, 2, 4, 8, 16) if args.quick else range(1, 17)
    for depth in depths:
        sizes = [4] * depth + [1]
        seconds = min(derive_and_compile(sizes) for _ in range(2))
        print(f"    depth {depth:>2} width 4: {seconds * 1000:8.1f} ms")

    print("\n(b) compiled gradient vs hand-written numpy (ratio = ours / hand; median of interleaved rounds)")
    rng = np.random.default_rng(0)
    for sizes in ([2, 2, 1], [2, 4, 1], [4, 8, 8, 1], [16, 32, 32, 1]):
        net = MLP(sizes)
        layer = net.compile()
        per_parameter = net.compile(form="per_parameter") if net.n_parameters <= 20 else None
        hand, hand_forward = hand_written(sizes)
        theta = rng.normal(0, 0.5, size=net.n_parameters)
        for batch in (1, 32, 1024):
            X = rng.normal(size=(batch, sizes[0]))
            Y = rng.uniform(size=(batch, sizes[-1]))
            ours = layer.raw_loss_and_gradient(theta, X, Y)[1]
            reference = hand(theta, X, Y)[1]
            assert np.allclose(ours, reference, rtol=1e-10, atol=1e-14), "hand-written reference disagrees"
            candidates = {
                "hand": lambda: hand(theta, X, Y),
                "layer": lambda: layer.raw_loss_and_gradient(theta, X, Y),
                "forward": lambda: layer.raw_loss(theta, X, Y),
                "hand_forward": lambda: hand_forward(theta, X),
            }
            if per_parameter is not None:
                candidates["per_parameter"] = lambda: per_parameter.raw_loss_and_gradient(theta, X, Y)
            times = interleaved(candidates, rounds=rounds)
            line = (f"    {str(sizes):>16} batch {batch:>4}: hand {times['hand'] * 1e6:9.1f} µs   "
                    f"layer {times['layer'] / times['hand']:5.2f}×")
            if per_parameter is not None:
                line += f"   per-parameter {times['per_parameter'] / times['hand']:5.2f}×"
            line += f"   (c) gradient/forward {times['layer'] / times['forward']:4.2f}"
            print(line)


if __name__ == "__main__":
    main()
