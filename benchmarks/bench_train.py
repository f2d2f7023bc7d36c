"""Training speed against hand-written numpy backprop, measured in the same run.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_train.py [--quick]

Prints ratios (ours / hand-written numpy; below 1 is faster), each the
median over interleaved repetitions, for:

  (a) one training step (gradient + gradient-descent update) at batch 4, 256
      and 1024, on [2,4,1] and [16,32,32,1] tanh/sigmoid/mse networks;
      target ≤ 1.2×;
  (b) 5000 full-batch XOR steps with ``train()`` (derive + compile excluded,
      gradient check off), target ≤ 1.5×; also derive+compile and the
      gradient check, in seconds;
  (c) the JAX backend at batch ≤ 32: one gradient call (inputs already on
      the device, and as numpy arrays), one training step inside ``train()``
      (steps run in a jitted ``lax.scan``) and 5000 XOR steps; target ≤ 0.5×;
  (d) MNIST-sized classifiers (relu hidden layers, softmax, cross-entropy)
      [64, 32, 10] and [784, 512, 512, 10] at batch 128: one training step,
      target ≤ 1.1×, with its FLOP count and GFLOP/s; and the JAX backend on
      the larger (float64 for reference, float32 against the ≤ 0.5× target),
      beside the GFLOP/s of the step's matrix products alone in OpenBLAS and
      XLA, float64 and float32: the floor no step goes below.

The whole process runs on one CPU (``--all-cores`` lets XLA have a thread
per CPU), so XLA works single-threaded like OpenBLAS; the header says which.

The reference is written out by hand below for the two shapes measured:
float64, the same overflow-free sigmoid (0.5(1 + tanh(z/2))), the same
batch-mean mse without ½, the gradient returned as one flat vector in the
same layout, and the update θ ← θ − ηg in place.
"""

from __future__ import annotations

import os

# one thread everywhere, before numpy (and jax) are imported
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")


def _one_cpu() -> str:
    """Keep this process on one CPU (unless --all-cores), and say which.

    OPENBLAS_NUM_THREADS=1 makes numpy single-threaded, but XLA's CPU client
    sizes its own thread pool from the CPUs the process may use, and splits
    fusions and YNNPACK products across it.  On a machine shared with other
    work, those threads wait on one another: measured here on 2 busy cores,
    a JAX float64 step took 113 ms with XLA's 2 threads against 33 ms on one
    CPU (float32: 42 against 10 ms).  One CPU for the whole process gives
    both sides the same single core; it must happen before XLA starts.
    """
    if "--all-cores" in sys.argv[1:] or not hasattr(os, "sched_setaffinity"):
        return f"all {os.cpu_count()} CPUs: numpy uses 1 thread, XLA a thread pool of one per CPU"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}: numpy (OPENBLAS_NUM_THREADS=1) and XLA both run on one core"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from mathomong_sym import MLP, initial_parameters, load_dataset, train  # noqa: E402


# ---------------------------------------------------------------------------
# the hand-written reference
# ---------------------------------------------------------------------------

def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def hand_one_hidden(sizes):
    """loss_and_gradient for [n0, n1, n2], tanh hidden, sigmoid output, mse."""
    n0, n1, n2 = sizes
    s1 = n1 * n0
    s2 = s1 + n1
    s3 = s2 + n2 * n1

    def loss_and_gradient(theta, X, Y):
        W1 = theta[:s1].reshape(n1, n0)
        b1 = theta[s1:s2]
        W2 = theta[s2:s3].reshape(n2, n1)
        b2 = theta[s3:]
        N = X.shape[0]
        A1 = np.tanh(X @ W1.T + b1)
        A2 = sigmoid(A1 @ W2.T + b2)
        E = A2 - Y
        loss = (E * E).sum() / N
        D2 = (2.0 / N) * E * A2 * (1.0 - A2)
        D1 = (D2 @ W2) * (1.0 - A1 * A1)
        return loss, np.concatenate(((D1.T @ X).ravel(), D1.sum(axis=0),
                                     (D2.T @ A1).ravel(), D2.sum(axis=0)))

    return loss_and_gradient


def hand_two_hidden(sizes):
    """loss_and_gradient for [n0, n1, n2, n3], tanh hidden, sigmoid output, mse."""
    n0, n1, n2, n3 = sizes
    s1 = n1 * n0
    s2 = s1 + n1
    s3 = s2 + n2 * n1
    s4 = s3 + n2
    s5 = s4 + n3 * n2

    def loss_and_gradient(theta, X, Y):
        W1 = theta[:s1].reshape(n1, n0)
        b1 = theta[s1:s2]
        W2 = theta[s2:s3].reshape(n2, n1)
        b2 = theta[s3:s4]
        W3 = theta[s4:s5].reshape(n3, n2)
        b3 = theta[s5:]
        N = X.shape[0]
        A1 = np.tanh(X @ W1.T + b1)
        A2 = np.tanh(A1 @ W2.T + b2)
        A3 = sigmoid(A2 @ W3.T + b3)
        E = A3 - Y
        loss = (E * E).sum() / N
        D3 = (2.0 / N) * E * A3 * (1.0 - A3)
        D2 = (D3 @ W3) * (1.0 - A2 * A2)
        D1 = (D2 @ W2) * (1.0 - A1 * A1)
        return loss, np.concatenate(((D1.T @ X).ravel(), D1.sum(axis=0),
                                     (D2.T @ A1).ravel(), D2.sum(axis=0),
                                     (D3.T @ A2).ravel(), D3.sum(axis=0)))

    return loss_and_gradient


def hand_classifier(sizes):
    """loss_and_gradient for relu hidden layers, a softmax output and the mean cross-entropy."""
    shapes = list(zip(sizes[1:], sizes[:-1]))
    offsets = [0]
    for n_out, n_in in shapes:
        offsets += [offsets[-1] + n_out * n_in, offsets[-1] + n_out * n_in + n_out]
    depth = len(shapes)

    def loss_and_gradient(theta, X, Y):
        N = X.shape[0]
        Ws, bs = [], []
        for l, (n_out, n_in) in enumerate(shapes):
            Ws.append(theta[offsets[2 * l]:offsets[2 * l + 1]].reshape(n_out, n_in))
            bs.append(theta[offsets[2 * l + 1]:offsets[2 * l + 2]])
        activations = [X]
        for l in range(depth - 1):
            activations.append(np.maximum(activations[-1] @ Ws[l].T + bs[l], 0.0))
        Z = activations[-1] @ Ws[-1].T + bs[-1]
        Z = Z - Z.max(axis=1, keepdims=True)
        E = np.exp(Z)
        S = E.sum(axis=1, keepdims=True)
        loss = (np.log(S).sum() - (Y * Z).sum()) / N
        D = (E / S - Y) / N
        grads = []
        for l in range(depth - 1, -1, -1):
            grads.append(bs[l] * 0 + D.sum(axis=0))
            grads.append((D.T @ activations[l]).ravel())
            if l:
                D = (D @ Ws[l]) * (activations[l] > 0)
        return loss, np.concatenate(grads[::-1])

    return loss_and_gradient


def hand_reference(sizes):
    return hand_one_hidden(sizes) if len(sizes) == 3 else hand_two_hidden(sizes)


def hand_train(loss_and_gradient, theta0, X, Y, lr, steps):
    theta = theta0.copy()
    losses = np.empty(steps)
    for t in range(steps):
        loss, grad = loss_and_gradient(theta, X, Y)
        losses[t] = loss
        theta -= lr * grad
    return theta


# ---------------------------------------------------------------------------
# measuring
# ---------------------------------------------------------------------------

def interleaved(functions: dict, repeats: int) -> dict:
    """Median seconds of each function, run in turn *repeats* times."""
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def data_for(sizes, batch, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, sizes[0]))
    Y = (rng.random((batch, sizes[-1])) > 0.5).astype(np.float64)
    return X, Y


def verdict(ratio, target):
    return "ok" if ratio <= target else "MISS"


def bench_steps(repeats: int, quick: bool):
    print("(a) one training step (gradient + update), ours / hand-written numpy; target ≤ 1.2×")
    print(f"    {'network':<14} {'batch':>5} {'hand µs':>9} {'ours µs':>9} {'ratio':>6}")
    rows = []
    for sizes in ([2, 4, 1], [16, 32, 32, 1]):
        net = MLP(sizes, activation="tanh", output_activation="sigmoid", loss="mse")
        compiled = net.compile()
        reference = hand_reference(sizes)
        theta0 = initial_parameters(net, 0)
        for batch in (4, 256, 1024):
            X, Y = data_for(sizes, batch)
            # the two must compute the same thing before their speed means anything
            ours_lg = compiled.loss_and_gradient(theta0, X, Y)
            hand_lg = reference(theta0, X, Y)
            assert abs(ours_lg[0] - hand_lg[0]) <= 1e-12 * max(1.0, abs(hand_lg[0]))
            np.testing.assert_allclose(ours_lg[1], hand_lg[1], rtol=1e-10, atol=1e-14)
            per_call = _estimate(lambda: reference(theta0, X, Y))
            # short runs, many times, in turn: a busy machine slows both sides alike
            steps = max(10, int((0.005 if quick else 0.01) / per_call))
            timing = interleaved({
                "hand": lambda: hand_train(reference, theta0, X, Y, 0.1, steps),
                "ours": lambda: train(compiled, X, Y, lr=0.1, steps=steps, theta0=theta0,
                                      check_gradient=False, progress=False),
            }, 3 * repeats)
            ratio = timing["ours"] / timing["hand"]
            rows.append(ratio)
            print(f"    {'-'.join(map(str, sizes)):<14} {batch:>5} {timing['hand'] / steps * 1e6:>9.1f} "
                  f"{timing['ours'] / steps * 1e6:>9.1f} {ratio:>5.2f}× {verdict(ratio, 1.2)}")
    return rows


def _estimate(fn, seconds=0.02):
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        count += 1
    return (time.perf_counter() - start) / max(count, 1)


def bench_xor(repeats: int):
    print("(b) 5000 full-batch XOR steps, 2-4-1 tanh/sigmoid/mse, gd lr 0.5; target ≤ 1.5×")
    data = load_dataset("xor")
    start = time.perf_counter()
    net = MLP([2, 4, 1], activation="tanh", output_activation="sigmoid", loss="mse")
    compiled = net.compile()
    derive_compile = time.perf_counter() - start
    theta0 = initial_parameters(net, 0)
    reference = hand_reference([2, 4, 1])
    start = time.perf_counter()
    from mathomong_sym import gradient_check

    gradient_check(net, theta0, data.X, data.Y, compiled=compiled)
    check = time.perf_counter() - start
    timing = interleaved({
        "hand": lambda: hand_train(reference, theta0, data.X, data.Y, 0.5, 5000),
        "ours": lambda: train(compiled, data.X, data.Y, lr=0.5, steps=5000, theta0=theta0,
                              check_gradient=False, progress=False),
    }, repeats)
    ratio = timing["ours"] / timing["hand"]
    print(f"    hand-written {timing['hand']:.4f} s, train() {timing['ours']:.4f} s: "
          f"{ratio:.2f}× {verdict(ratio, 1.5)}")
    print(f"    (not counted: derive + compile {derive_compile:.3f} s, gradient check {check * 1e3:.1f} ms)")
    return ratio, timing["hand"]


def bench_jax(repeats: int, hand_xor: float | None):
    print("(c) JAX backend, ours / hand-written numpy; target ≤ 0.5× at batch ≤ 32")
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        print("    skipped: jax is not installed (pip install 'mathomong_sym[jax]')")
        return []
    net = MLP([2, 4, 1], activation="tanh", output_activation="sigmoid", loss="mse")
    compiled = net.compile(backend="jax")
    reference = hand_reference([2, 4, 1])
    theta0 = initial_parameters(net, 0)
    fn = compiled.raw_loss_and_gradient
    rows = []
    print(f"    {'one gradient, 2-4-1':<22} {'batch':>5} {'hand µs':>9} {'jax µs':>9} {'ratio':>6}"
          f"   (numpy inputs: µs, ratio)")
    calls = 300 if repeats < 9 else 1000
    for batch in (1, 4, 32):
        X, Y = data_for([2, 4, 1], batch)
        tj, Xj, Yj = jnp.asarray(theta0), jnp.asarray(X), jnp.asarray(Y)
        jax.block_until_ready(fn(tj, Xj, Yj))
        jax.block_until_ready(fn(theta0, X, Y))
        np.testing.assert_allclose(np.asarray(fn(tj, Xj, Yj)[1]), reference(theta0, X, Y)[1],
                                   rtol=1e-10, atol=1e-14)

        def hand():
            for _ in range(calls):
                reference(theta0, X, Y)

        def on_device():
            for _ in range(calls):
                out = fn(tj, Xj, Yj)
            jax.block_until_ready(out)

        def from_numpy():
            for _ in range(calls):
                out = fn(theta0, X, Y)
            jax.block_until_ready(out)

        timing = interleaved({"hand": hand, "device": on_device, "numpy": from_numpy}, repeats)
        ratio = timing["device"] / timing["hand"]
        rows.append(ratio)
        print(f"    {'':<22} {batch:>5} {timing['hand'] / calls * 1e6:>9.1f} "
              f"{timing['device'] / calls * 1e6:>9.1f} {ratio:>5.2f}× {verdict(ratio, 0.5)}"
              f"   ({timing['numpy'] / calls * 1e6:.1f} µs, {timing['numpy'] / timing['hand']:.2f}×)")
    print(f"    {'training step, 2-4-1':<22} {'batch':>5} {'hand µs':>9} {'jax µs':>9} {'ratio':>6}")
    for batch in (1, 4, 32):
        X, Y = data_for([2, 4, 1], batch)
        steps = 2000
        train(compiled, X, Y, lr=0.1, steps=steps, theta0=theta0, check_gradient=False)  # compile
        timing = interleaved({
            "hand": lambda: hand_train(reference, theta0, X, Y, 0.1, steps),
            "jax": lambda: train(compiled, X, Y, lr=0.1, steps=steps, theta0=theta0,
                                 check_gradient=False, progress=False),
        }, repeats)
        ratio = timing["jax"] / timing["hand"]
        rows.append(ratio)
        print(f"    {'':<22} {batch:>5} {timing['hand'] / steps * 1e6:>9.1f} "
              f"{timing['jax'] / steps * 1e6:>9.1f} {ratio:>5.2f}× {verdict(ratio, 0.5)}")
    data = load_dataset("xor")
    train(compiled, data.X, data.Y, lr=0.5, steps=5000, theta0=theta0, check_gradient=False)  # compile
    timing = interleaved({
        "hand": lambda: hand_train(reference, theta0, data.X, data.Y, 0.5, 5000),
        "jax": lambda: train(compiled, data.X, data.Y, lr=0.5, steps=5000, theta0=theta0,
                             check_gradient=False, progress=False),
    }, repeats)
    ratio = timing["jax"] / timing["hand"]
    rows.append(ratio)
    print(f"    5000 XOR steps with train(backend jax): {timing['jax']:.4f} s against "
          f"{timing['hand']:.4f} s: {ratio:.2f}× {verdict(ratio, 0.5)}")
    return rows


def step_flops(sizes, batch: int) -> int:
    """Multiply-adds ×2 of one step: the forward products, and two products per layer backwards (the first none
    for δ below the input)."""
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    first = sizes[0] * sizes[1]
    return 2 * batch * (3 * weights - first)


def bench_classifiers(repeats: int, quick: bool):
    print("(d) MNIST-sized classifiers, relu/softmax/cross-entropy, batch 128: one training step, "
          "ours / hand-written numpy; target ≤ 1.1×; JAX ≤ 0.5× on the larger")
    print(f"    {'network':<16} {'parameters':>10} {'GFLOP':>7} {'hand ms':>8} {'ours ms':>8} {'ratio':>6} "
          f"{'GFLOP/s':>8}")
    rows = []
    jax_rows = []
    batch = 128
    for sizes in ([64, 32, 10], [784, 512, 512, 10]):
        net = MLP(sizes, activation="relu", output_activation="softmax", loss="cross_entropy")
        compiled = net.compile()
        reference = hand_classifier(sizes)
        theta0 = initial_parameters(net, 0)
        rng = np.random.default_rng(0)
        X = rng.random((batch, sizes[0]))
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
        ours_lg, hand_lg = compiled.loss_and_gradient(theta0, X, Y), reference(theta0, X, Y)
        assert abs(ours_lg[0] - hand_lg[0]) <= 1e-12 * max(1.0, abs(hand_lg[0]))
        np.testing.assert_allclose(ours_lg[1], hand_lg[1], rtol=1e-9, atol=1e-13)
        per_call = _estimate(lambda: reference(theta0, X, Y), 0.2)
        # enough steps that train()'s two extra loss evaluations (start, end) weigh under 3 %
        steps = max(60, int((0.3 if quick else 1.0) / per_call))
        timing = interleaved({
            "hand": lambda: hand_train(reference, theta0, X, Y, 0.1, steps),
            "ours": lambda: train(compiled, X, Y, lr=0.1, steps=steps, theta0=theta0,
                                  check_gradient=False, progress=False),
        }, repeats)
        ratio = timing["ours"] / timing["hand"]
        rows.append(ratio)
        flops = step_flops(sizes, batch)
        per_step = timing["ours"] / steps
        print(f"    {'-'.join(map(str, sizes)):<16} {net.n_parameters:>10,} {flops / 1e9:>7.3f} "
              f"{timing['hand'] / steps * 1e3:>8.3f} {per_step * 1e3:>8.3f} {ratio:>5.2f}× "
              f"{flops / per_step / 1e9:>8.2f} {verdict(ratio, 1.1)}")
        if sizes[0] == 784:
            jax_rows = _jax_classifier(net, reference, theta0, X, Y, steps, repeats)
    return rows, jax_rows


def _jax_classifier(net, reference, theta0, X, Y, steps, repeats):
    try:
        import jax  # noqa: F401
    except ImportError:
        print("    JAX: skipped, jax is not installed (pip install 'mathomong_sym[jax]')")
        return []
    _matmul_rates(net.layer_sizes, X.shape[0], repeats)
    rows = []
    for dtype in ("float64", "float32"):
        compiled = net.compile(backend="jax", dtype=dtype)
        train(compiled, X, Y, lr=0.1, steps=steps, theta0=theta0, check_gradient=False)  # compile
        timing = interleaved({
            "hand": lambda: hand_train(reference, theta0, X, Y, 0.1, steps),
            "jax": lambda: train(compiled, X, Y, lr=0.1, steps=steps, theta0=theta0,
                                 check_gradient=False, progress=False),
        }, repeats)
        ratio = timing["jax"] / timing["hand"]
        rows.append(ratio)
        print(f"    JAX {dtype}: {timing['jax'] / steps * 1e3:.3f} ms a step against "
              f"{timing['hand'] / steps * 1e3:.3f} ms (hand-written numpy, float64): {ratio:.2f}× "
              f"{verdict(ratio, 0.5) if dtype == 'float32' else '(float64: for reference)'}")
    return rows[-1:]


def _matmul_rates(sizes, batch: int, repeats: int) -> None:
    """GFLOP/s of the step's matrix products alone: OpenBLAS float64, XLA float64 and float32.

    They bound what any step can reach: the products are most of its FLOPs,
    so a JAX step cannot take less than its products' time, and float64
    through XLA is no faster than float64 through OpenBLAS on the same core.
    """
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(0)
    # every product of one step, laid out as the compiled code lays them out (one column per example)
    shapes = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        shapes.append(((n_out, n_in), (n_in, batch)))   # W a (forward)
        shapes.append(((n_out, batch), (batch, n_in)))  # δ aᵀ (∂L/∂W)
        if n_in != sizes[0]:
            shapes.append(((n_in, n_out), (n_out, batch)))  # Wᵀ δ (backward)
    pairs = {dtype: [(rng.random(a).astype(dtype), rng.random(b).astype(dtype)) for a, b in shapes]
             for dtype in (np.float64, np.float32)}
    flops = sum(2 * a[0] * a[1] * b[1] for a, b in shapes)
    xla = jax.jit(lambda ps: [a @ b for a, b in ps])
    device = {dtype: [(jnp.asarray(a), jnp.asarray(b)) for a, b in ps] for dtype, ps in pairs.items()}
    for ps in device.values():
        jax.block_until_ready(xla(ps))
    calls = 10
    timing = interleaved({
        "openblas float64": lambda: [a @ b for _ in range(calls) for a, b in pairs[np.float64]],
        "xla float64": lambda: jax.block_until_ready([xla(device[np.float64]) for _ in range(calls)]),
        "xla float32": lambda: jax.block_until_ready([xla(device[np.float32]) for _ in range(calls)]),
        "openblas float32": lambda: [a @ b for _ in range(calls) for a, b in pairs[np.float32]],
    }, repeats)
    rates = ", ".join(f"{name} {flops * calls / seconds / 1e9:.1f}" for name, seconds in timing.items())
    print(f"    the step's matrix products alone ({flops / 1e9:.3f} GFLOP), GFLOP/s: {rates}")
    print(f"      so a step can at best take {timing['xla float32'] / timing['openblas float64']:.2f}× "
          f"(float32) and {timing['xla float64'] / timing['openblas float64']:.2f}× (float64) of the "
          "hand-written step's products alone")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--repeats", type=int, help="repetitions per measurement (default 9, quick 5)")
    parser.add_argument("--all-cores", action="store_true",
                        help="let XLA use a thread per CPU instead of keeping the process on one CPU")
    parser.add_argument("--only-classifiers", action="store_true", help="run part (d) only")
    args = parser.parse_args(argv)
    repeats = args.repeats or (5 if args.quick else 9)
    cpus = _one_cpu()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, median of {repeats} interleaved runs")
    print(f"CPUs: {cpus}")
    if args.only_classifiers:
        classifier_ratios, classifier_jax = bench_classifiers(max(3, repeats // 2), args.quick)
        missed = sum(r > 1.1 for r in classifier_ratios) + sum(r > 0.5 for r in classifier_jax)
        print(f"targets missed: {missed}")
        return 0
    step_ratios = bench_steps(repeats, args.quick)
    xor_ratio, hand_xor = bench_xor(repeats)
    jax_ratios = bench_jax(repeats, hand_xor)
    classifier_ratios, classifier_jax = bench_classifiers(max(3, repeats // 2), args.quick)
    missed = sum(r > 1.2 for r in step_ratios) + (xor_ratio > 1.5) + sum(r > 0.5 for r in jax_ratios) \
        + sum(r > 1.1 for r in classifier_ratios) + sum(r > 0.5 for r in classifier_jax)
    print(f"targets missed: {missed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
