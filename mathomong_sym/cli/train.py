"""``mathomong train`` and ``mathomong descend``.

``train`` fits a network to a built-in data set or a CSV file with the
network's own derived gradient; ``descend`` walks downhill on a function the
user types.  Both print a readable report, or JSON with ``--json``.
:func:`demo_training` is the training part of ``mathomong demo``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

from ..errors import IncompatibleError, ShapeError
from .exits import JSON_FORMAT_VERSION, Exit
from .inputs import file_argument, text_argument
from .limits import add_timeout_option

#: learning rates that train the built-in data sets well with each optimizer
#: (plain gradient descent at 0.5 brings XOR 2-4-1 tanh below 0.01 within
#: ~1000 steps from every seed 0–99)
DEFAULT_LR = {"gd": 0.5, "momentum": 0.1, "adam": 0.05}
DEFAULT_STEPS = 5000
DEFAULT_HIDDEN = 4
#: a data set of this many examples or more is split, this fraction held out to test on
SPLIT_FROM = 500
DEFAULT_TEST_FRACTION = 0.2


def register(subparsers) -> None:
    _register_train(subparsers)
    _register_descend(subparsers)


# ---------------------------------------------------------------------------
# train
# ---------------------------------------------------------------------------

def _register_train(subparsers):
    from ..datasets import dataset_names
    from ..training import OPTIMIZERS

    p = subparsers.add_parser(
        "train",
        help="train a network with its derived gradient",
        description="Train a network on a built-in data set or a CSV file, following the "
                    "gradient derived for it (checked against numeric differences first).",
        epilog="examples:\n"
               "  mathomong train --net 2-4-1 --data xor --steps 5000\n"
               "  mathomong train --net 2-8-1 --data moons --optimizer adam --epochs 200 --batch-size 32\n"
               "  mathomong train --data points.csv --features x1,x2 --target label --net 2-4-1\n"
               "  mathomong train --net 64-32-10 --activation relu --output-activation softmax --loss cross_entropy "
               "--data digits --plot-loss loss.png --plot-confusion confusion.png\n"
               "  mathomong train --data train-images-idx3-ubyte.gz --labels train-labels-idx1-ubyte.gz "
               "--net 784-128-10 --activation relu --epochs 5 --batch-size 128 --optimizer adam --lr 0.001\n"
               "  mathomong train --data mnist_train.csv --mnist --net 784-128-10 --activation relu --epochs 5 "
               "--batch-size 128 --optimizer adam --lr 0.001\n"
               "  cat points.csv | mathomong train --data - --features x1,x2 --target label",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--net", metavar="SIZES",
                   help=f"layer sizes such as 2-4-1 (default: inputs-{DEFAULT_HIDDEN}-outputs of the data)")
    p.add_argument("--activation", default="tanh", help="hidden-layer activation (default: tanh)")
    p.add_argument("--output-activation", default="auto",
                   help="output activation (default: sigmoid for 0/1 targets, softmax for one-hot "
                        "targets, identity for regression)")
    p.add_argument("--loss", default="auto",
                   help="loss (default: mse, or cross_entropy after softmax)")
    p.add_argument("--data", default="xor",
                   help=f"a built-in data set ({', '.join(dataset_names())}) or a CSV file "
                        "('-': a CSV from standard input; default: xor)")
    p.add_argument("--labels", metavar="FILE",
                   help="MNIST IDX: the labels file that goes with the images given as --data")
    p.add_argument("--mnist", action="store_true",
                   help="the --data CSV is MNIST-style: the label first, then the pixels (a header is skipped)")
    p.add_argument("--limit", type=int, metavar="N", help="MNIST files: read only the first N images")
    p.add_argument("--test-fraction", type=float, metavar="F",
                   help=f"hold out this fraction of the data to test on (default: {DEFAULT_TEST_FRACTION:g} "
                        f"for {SPLIT_FROM:,} examples or more, else none)")
    p.add_argument("--features", help="CSV: comma-separated input column names")
    p.add_argument("--target", "--targets", dest="targets", help="CSV: comma-separated target column names")
    p.add_argument("--n", type=int, help="number of examples to generate (built-in data sets)")
    p.add_argument("--noise", type=float, help="noise level of a generated data set")
    p.add_argument("--arms", type=int, help="spiral arms (spiral data set)")
    p.add_argument("--data-seed", type=int, help="seed of the generated data (default: 0)")
    p.add_argument("--optimizer", default="gd", choices=sorted(OPTIMIZERS),
                   help="gd (θ ← θ − η∇L), momentum or adam (default: gd)")
    p.add_argument("--lr", type=float,
                   help="learning rate η (default: " + ", ".join(f"{k} {v:g}" for k, v in DEFAULT_LR.items()) + ")")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, help=f"parameter updates (default: {DEFAULT_STEPS})")
    length.add_argument("--epochs", type=int, help="passes over the data")
    p.add_argument("--batch-size", type=int, help="mini-batch size (default: the full batch)")
    p.add_argument("--seed", type=int, default=0, help="seed of the starting parameters (default: 0)")
    p.add_argument("--target-loss", type=float, help="stop once the loss is below this")
    p.add_argument("--no-gradcheck", action="store_true", help="skip the gradient check at the start")
    p.add_argument("--backend", choices=("numpy", "jax"), default="numpy",
                   help="compiled code to run (jax needs the jax extra)")
    p.add_argument("--plot-loss", metavar="FILE", help="write the loss curve (PNG, PDF or SVG)")
    p.add_argument("--plot-boundary", metavar="FILE", help="write the decision boundary (2 inputs)")
    p.add_argument("--plot-confusion", metavar="FILE",
                   help="write the confusion matrix of the test set (or of all data without a split)")
    p.add_argument("--plot-landscape", metavar="FILE",
                   help="write the loss landscape over (w, b) with the path taken (a 1-1 network)")
    progress = p.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help="show a progress bar (default: only on a terminal)")
    progress.add_argument("--no-progress", dest="progress", action="store_false")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run_train)


def _load_data(args):
    from ..datasets import DATASETS, load_csv, load_dataset, load_mnist, load_mnist_csv

    name = file_argument(args, args.data, "--data", suffix=".csv")
    if args.limit is not None and args.limit < 1:
        raise IncompatibleError("--limit must be a positive number of images")
    if args.labels or args.mnist:
        if args.labels and args.mnist:
            raise IncompatibleError("--labels goes with IDX images, --mnist with a CSV file: give one of them")
        if args.features or args.targets:
            raise IncompatibleError("MNIST files have no --features or --target: the label is the target")
        if args.labels:
            return load_mnist(name, args.labels, limit=args.limit)
        return load_mnist_csv(name, limit=args.limit)
    if args.limit is not None:
        raise IncompatibleError("--limit applies to MNIST files (with --labels or --mnist)")
    is_file = name.lower().endswith((".csv", ".tsv", ".txt")) or Path(name).exists()
    if is_file and name.strip().lower() not in DATASETS:
        for flag in ("n", "noise", "arms", "data_seed"):
            if getattr(args, flag) is not None:
                raise IncompatibleError(f"--{flag.replace('_', '-')} applies to a built-in data set, not a CSV file")
        if not args.features or not args.targets:
            raise IncompatibleError("a CSV file needs --features and --target (column names)")
        delimiter = "\t" if name.lower().endswith(".tsv") else ","
        return load_csv(name, args.features, args.targets, delimiter=delimiter)
    if args.features or args.targets:
        raise IncompatibleError("--features and --target apply to a CSV file, not a built-in data set")
    seed = 0 if args.data_seed is None else args.data_seed
    return load_dataset(name, n=args.n, noise=args.noise, seed=seed, arms=args.arms)


def _sizes(text: str | None, data) -> list[int]:
    if text is None:
        return [data.n_inputs, DEFAULT_HIDDEN, data.n_outputs]
    try:
        sizes = [int(part) for part in text.replace(",", "-").split("-")]
    except ValueError:
        raise ShapeError(f"cannot read layer sizes from {text!r}; write them like 2-4-1") from None
    if sizes and sizes[0] != data.n_inputs:
        raise ShapeError(f"--net {text} takes {sizes[0]} input(s), but the data has "
                         f"{data.n_inputs} ({', '.join(data.feature_names)})")
    if sizes and sizes[-1] != data.n_outputs:
        raise ShapeError(f"--net {text} has {sizes[-1]} output(s), but the data has "
                         f"{data.n_outputs} target(s) ({', '.join(data.target_names)})")
    return sizes


def _output_and_loss(args, data) -> tuple[str, str]:
    output = args.output_activation
    if output == "auto":
        if data.task == "regression":
            output = "identity"
        elif data.n_outputs > 1:
            output = "softmax"
        else:
            output = "sigmoid"
    loss = args.loss
    if loss == "auto":
        loss = "cross_entropy" if output == "softmax" else "mse"
    return output, loss


def build_network(args, data):
    from ..network import MLP, Neuron

    sizes = _sizes(args.net, data)
    output, loss = _output_and_loss(args, data)
    if len(sizes) == 2 and sizes[1] == 1:
        # no hidden layer: the guide's neuron, z = Wx + b, ŷ = f(z), with its names
        return Neuron(sizes[0], activation=output, loss=loss)
    return MLP(sizes, activation=args.activation, output_activation=output, loss=loss)


def _split(args, data):
    """(training set, test set or None): a hold-out by default once the data set is large enough."""
    fraction = args.test_fraction
    if fraction is None:
        fraction = DEFAULT_TEST_FRACTION if len(data) >= SPLIT_FROM else 0.0
    if fraction == 0:
        return data, None
    seed = 0 if args.data_seed is None else args.data_seed
    return data.split(fraction, seed=seed)


def run_train(args) -> int:
    from ..training import accuracy, train

    everything = _load_data(args)
    data, test = _split(args, everything)
    net = build_network(args, data)
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.optimizer]
    steps = args.steps if args.steps is not None or args.epochs is not None else DEFAULT_STEPS
    compiled = net.compile(backend=args.backend) if args.backend != "numpy" else net.compile()
    result = train(
        compiled, data.X, data.Y, lr=lr, steps=steps, epochs=args.epochs,
        optimizer=args.optimizer, batch_size=args.batch_size, seed=args.seed,
        progress=False if args.json else args.progress,
        target_loss=args.target_loss, check_gradient=not args.no_gradcheck,
        record_path=bool(args.plot_landscape),
    )
    predictions = np.asarray(compiled.forward(result.theta, data.X))
    score = accuracy(predictions, data.Y) if data.task == "classification" else None
    test_predictions = np.asarray(compiled.forward(result.theta, test.X)) if test is not None else None
    test_score = accuracy(test_predictions, test.Y) if test_predictions is not None and test is not None \
        and data.task == "classification" else None
    written = _plots(args, net, compiled, data, result, test, test_predictions)
    if args.json:
        payload = {
            "format_version": JSON_FORMAT_VERSION,
            "network": {"description": net.description, "layer_sizes": net.layer_sizes,
                        "parameters": [p.name for p in net.parameters] if net.n_parameters <= 10_000
                        else f"{net.n_parameters} (listed up to 10 000)"},
            "data": {"name": data.name, "examples": len(data), "task": data.task,
                     "features": list(data.feature_names), "targets": list(data.target_names)},
            "lr": result.lr,
            **result.as_dict(),
            "accuracy": score,
            "test": None if test is None else {"examples": len(test), "accuracy": test_score},
            "plots": written,
        }
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False, allow_nan=False)
        sys.stdout.write("\n")
        return 0
    print(training_report(net, data, result, predictions, score, written, test=test, test_score=test_score))
    return 0


def _plots(args, net, compiled, data, result, test=None, test_predictions=None) -> dict:
    from .. import plots

    written = {}
    if args.plot_confusion:
        if data.task != "classification":
            raise IncompatibleError("--plot-confusion needs a classification data set")
        shown, shown_predictions = (test, test_predictions) if test is not None else \
            (data, np.asarray(compiled.forward(result.theta, data.X)))
        labels = [name.split("_")[-1] for name in shown.target_names] if shown.n_outputs > 1 else ["0", "1"]
        plots.plot_confusion(shown_predictions, shown.Y, args.plot_confusion, labels=labels,
                             title=None)
        written["confusion"] = args.plot_confusion
    if args.plot_loss:
        plots.plot_loss(result, args.plot_loss, threshold=args.target_loss)
        written["loss"] = args.plot_loss
    if args.plot_boundary:
        if data.task != "classification":
            raise IncompatibleError("--plot-boundary needs a classification data set")
        plots.plot_decision_boundary(compiled, result.theta, data.X, data.Y, args.plot_boundary)
        written["boundary"] = args.plot_boundary
    if args.plot_landscape:
        plots.plot_landscape(compiled, data.X, data.Y, result, args.plot_landscape)
        written["landscape"] = args.plot_landscape
    return written


def training_report(net, data, result, predictions, score, written=None, *, rows: int = 8,
                    test=None, test_score=None) -> str:
    """The text ``mathomong train`` prints."""
    lines = [
        f"network:   {net.description}, {net.n_parameters} parameters",
        f"data:      {data.summary()}",
        f"training:  {result.optimizer.describe()}, {result.steps} "
        + ("full-batch step(s)" if result.batch_size is None
           else f"step(s) on mini-batches of {result.batch_size}")
        + f", starting parameters from seed {result.seed}",
    ]
    report = result.gradient_check
    if report is not None:
        lines.append(f"check:     {report.summary()}")
    curve = result.loss_curve
    below = result.first_step_below(0.01)
    lines.append(f"loss:      {curve[0]:.6g} at the start → {result.final_loss:.6g} after "
                 f"{result.steps} step(s)"
                 + (f" (below 0.01 from step {below})" if below is not None else ""))
    if result.stopped:
        lines.append(f"           {result.stopped}")
    if result.steps:
        marks = sorted(set(np.linspace(0, result.steps, 6).round().astype(int).tolist()))
        lines.append("           " + "   ".join(f"step {k}: {curve[k]:.4g}" for k in marks))
    if score is not None:
        right = int(round(score * len(data)))
        where = " on the training set" if test is not None else ""
        lines.append(f"accuracy:  {score:.1%} ({right} of {len(data)} classified right){where}")
    if test_score is not None:
        right = int(round(test_score * len(test)))
        lines.append(f"test:      {test_score:.1%} ({right} of {len(test)} held-out examples classified right)")
    lines.append("")
    lines.append(_prediction_table(data, predictions, rows))
    for kind, path in (written or {}).items():
        lines.append(f"wrote the {kind} plot to {path}")
    return "\n".join(lines)


def _prediction_table(data, predictions, rows: int) -> str:
    if data.n_inputs + 2 * data.n_outputs > 12 and data.task == "classification" and data.n_outputs > 1:
        # too many columns to print: each example's true class, the predicted one and its probability
        names = [name.split("_")[-1] for name in data.target_names]
        title = f"predictions (first {min(rows, len(data))} of {len(data)})"
        out = [title + ":", "  example  true  predicted  probability"]
        for i in range(min(rows, len(data))):
            guess = int(np.argmax(predictions[i]))
            out.append(f"  {i + 1:>7}  {names[int(np.argmax(data.Y[i]))]:>4}  {names[guess]:>9}  "
                       f"{predictions[i, guess]:>11.4f}")
        return "\n".join(out)
    head = [*data.feature_names, *data.target_names,
            *(f"ŷ_{k + 1}" if data.n_outputs > 1 else "ŷ" for k in range(data.n_outputs))]
    body = []
    for i in range(min(rows, len(data))):
        body.append([*(f"{v:.4g}" for v in data.X[i]), *(f"{v:.4g}" for v in data.Y[i]),
                     *(f"{v:.4f}" for v in predictions[i])])
    widths = [max(len(r[c]) for r in [head, *body]) for c in range(len(head))]
    title = "predictions" if len(data) <= rows else f"predictions (first {rows} of {len(data)})"
    out = [title + ":", "  ".join(h.rjust(w) for h, w in zip(head, widths))]
    out += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in body]
    return "\n".join(out)


# ---------------------------------------------------------------------------
# descend
# ---------------------------------------------------------------------------

def _register_descend(subparsers):
    from ..training import OPTIMIZERS

    p = subparsers.add_parser(
        "descend",
        help="gradient descent on a function you type",
        description="Derive the gradient of a function symbolically and walk downhill on it, "
                    "showing every step's point, gradient and value.",
        epilog="examples:\n"
               "  mathomong descend 'x^2 + 3y^2' --start 2,1.5 --lr 0.1 --steps 30\n"
               "  mathomong descend '(1-x)^2 + 10(y-x^2)^2' --start=-1.2,1 --lr 0.01 --optimizer momentum\n"
               "  mathomong descend '\\frac{1}{2}w^2 + b^2' --start w=3,b=1 --plot path.png\n"
               "(a start with a minus sign needs the = form: --start=-1,2)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("expression", help="the function, in plain syntax (x^2 + 3*y^2) or LaTeX "
                                      "('-': read it from standard input)")
    p.add_argument("--from", "--start", dest="start", default=None, metavar="POINT",
                   help="starting point: 1,2 in the order of --vars, or x=1,y=2 (default: 1 for each); "
                        "a negative first coordinate needs --from=-1,2")
    p.add_argument("--vars", dest="variables",
                   help="comma-separated variables in order (default: the expression's, sorted by name)")
    p.add_argument("--lr", type=float, default=0.1, help="learning rate η (default: 0.1)")
    p.add_argument("--steps", type=int, default=50, help="number of steps (default: 50)")
    p.add_argument("--optimizer", default="gd", choices=sorted(OPTIMIZERS), help="default: gd")
    p.add_argument("--tol", type=float, default=1e-10,
                   help="stop when |∇f| is below this (default: 1e-10)")
    p.add_argument("--rows", type=int, default=25, help="table rows to print (default: 25)")
    p.add_argument("--plot", metavar="FILE", help="write the path over the contours (2 variables)")
    p.add_argument("--syntax", choices=("auto", "plain", "latex"), default="auto",
                   help="how to read the expression (default: auto)")
    p.add_argument("--json", action="store_true", help="print the path as JSON")
    add_timeout_option(p)
    p.set_defaults(func=run_descend)


def _parse_start(text: str | None, variables):
    if text is None:
        return [1.0] * len(variables)
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise ShapeError("--start is empty")
    if all("=" in part for part in parts):
        start = {}
        for part in parts:
            name, _, value = part.partition("=")
            start[name.strip()] = _number(value, f"--start {name.strip()}")
        return start
    if any("=" in part for part in parts):
        raise ShapeError("--start: give all coordinates as name=value, or none")
    return [_number(part, "--start") for part in parts]


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ShapeError(f"{what}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ShapeError(f"{what}: {text.strip()!r} is not a finite number")
    return value


def run_descend(args) -> int:
    from ..descent import _resolve_variables, descend
    from ..errors import ParseError
    from ..parsing import NotAFormula, parse_expression

    variables = None
    if args.variables:
        variables = [v.strip() for v in args.variables.split(",") if v.strip()]
    # the variables are the function's names: --vars prediction reads 'prediction' as one name
    try:
        expr = parse_expression(text_argument(args, args.expression, "the expression"), syntax=args.syntax, conventions={"symbols": variables or []})
    except NotAFormula as exc:
        if not exc.words:
            raise
        which = "it as a name" if len(exc.words) == 1 else "them as names"
        raise ParseError(f"{exc}; to read {which}, give --vars {','.join(exc.words)}") from None
    import sympy

    if not isinstance(expr, sympy.Expr):
        raise IncompatibleError("descend needs one expression (a number-valued function), not a tuple")
    chosen = _resolve_variables(expr, variables)
    start = _parse_start(args.start, chosen)
    path = descend(expr, start, lr=args.lr, steps=args.steps, variables=chosen,
                   optimizer=args.optimizer, tol=args.tol)
    written = None
    if args.plot:
        from ..plots import plot_descent

        plot_descent(path, args.plot)
        written = args.plot
    if args.json:
        payload = {"format_version": JSON_FORMAT_VERSION, **path.as_dict()}
        payload["plot"] = written
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(path.to_text(max_rows=max(args.rows, 2)))
        if written:
            print(f"wrote the plot to {written}")
    return Exit.NO if path.diverged else Exit.OK


# ---------------------------------------------------------------------------
# the demo
# ---------------------------------------------------------------------------

def demo_training(out_dir, stream=None) -> dict:
    """Train XOR with a 2-4-1 tanh network, report it, and draw two plots.

    Writes ``xor_loss.png`` and ``xor_boundary.png`` into *out_dir* (one
    line says so, or that matplotlib is missing).  Returns the paths written.
    """
    from ..datasets import load_dataset
    from ..network import MLP
    from ..plots import PlotUnavailableError, plot_decision_boundary, plot_loss
    from ..training import accuracy, train

    stream = sys.stdout if stream is None else stream
    data = load_dataset("xor")
    net = MLP([2, 4, 1], activation="tanh", output_activation="sigmoid", loss="mse")
    compiled = net.compile()
    result = train(compiled, data.X, data.Y, lr=DEFAULT_LR["gd"], steps=DEFAULT_STEPS,
                   optimizer="gd", seed=0, progress=False)
    predictions = np.asarray(compiled.forward(result.theta, data.X))
    print("Training: XOR, which no single neuron can learn, with one hidden layer of 4 tanh units,", file=stream)
    print("following the derived gradient (θ ← θ − η ∇L).", file=stream)
    print(training_report(net, data, result, predictions, accuracy(predictions, data.Y)), file=stream)
    out_dir = Path(out_dir)
    written = {}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        plot_loss(result, out_dir / "xor_loss.png", threshold=0.01)
        written["loss"] = str(out_dir / "xor_loss.png")
        plot_decision_boundary(compiled, result.theta, data.X, data.Y, out_dir / "xor_boundary.png")
        written["boundary"] = str(out_dir / "xor_boundary.png")
    except PlotUnavailableError:
        print("plots skipped: matplotlib is not installed (pip install 'mathomong_sym[plot]')", file=stream)
        return written
    print(f"wrote {written['loss']} and {written['boundary']}", file=stream)
    return written
