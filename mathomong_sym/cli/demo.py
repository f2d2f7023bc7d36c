"""``mathomong demo``: a tour of the engine on the guide's own examples."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

GUIDE_POINT = {"x": 2, "W": 0.5, "b": -1, "y": 1}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="walk through the guide's one-neuron example, backprop, training and checking",
        description="A tour: the guide's neuron derived step by step with one step of gradient descent, "
                    "its compiled gradient and gradient check, a δ that sums two paths, "
                    "XOR trained with the derived gradients, and a student's answer checked.",
    )
    parser.add_argument("--out", default="mathomong-demo", metavar="DIR",
                        help="folder for the plots (default: ./mathomong-demo)")
    parser.add_argument("--level", type=int, choices=(0, 1, 2), default=1,
                        help="detail of the explanations (default: 1)")
    parser.set_defaults(func=run)


DEMO_SHEET = """
id = "demo"
title = "The one-neuron chain rule"
subtitle = "Parts 7 and 9 of Calculus in Neural Networks"
seed = 2026
versions = ["A"]

[[problems]]
topic = "one-neuron"

[[problems]]
topic = "backprop-delta"
"""


def _demo_worksheet(folder: Path, stream) -> None:
    from ..worksheets import build_worksheet, parse_worksheet

    result = build_worksheet(parse_worksheet(DEMO_SHEET, source="the demo sheet"), out_dir=folder)
    for version in result.versions:
        for path in version.tex + version.pdf + ([version.key_json] if version.key_json else []):
            print(f"wrote {path}", file=stream)
    if result.pdf_skipped:
        print("PDFs skipped: pdflatex is not installed (the .tex files compile with any TeX system)", file=stream)


def _section(stream, title: str) -> None:
    print(f"\n{'═' * 72}\n{title}\n{'═' * 72}", file=stream)


def run(args, stream=None) -> int:
    from .. import MLP, Neuron, gradient_check

    stream = stream or sys.stdout
    out = Path(args.out)

    _section(stream, "1. The guide's neuron (Part 9): z = W·x + b, ŷ = σ(z), L = (ŷ − y)²")
    net = Neuron()
    for equation in net.equations:
        print("   ", equation.to_text(), file=stream)
    print("\nAt the point x = 2, W = 0.5, b = −1, y = 1:", file=stream)

    _section(stream, "2. ∂L/∂W and ∂L/∂b by the chain rule: δ = ∂L/∂z found once, used by both")
    from ..derivation import VerificationReport
    from ..render.document import build_document
    from ..render.text import document_text

    derivations = [net.derive(name).at(GUIDE_POINT) for name in ("W", "b")]
    report = VerificationReport(tuple(c for d in derivations for c in d.verify().raise_if_failed().checks))
    print(document_text(build_document(derivations, args.level, report=report)), file=stream)

    _section(stream, "3. Compiled to numpy, and checked against numeric gradients")
    compiled = net.compile()
    theta = np.array([GUIDE_POINT["W"], GUIDE_POINT["b"]], dtype=float)
    X = np.array([[GUIDE_POINT["x"]]], dtype=float)
    Y = np.array([[GUIDE_POINT["y"]]], dtype=float)
    loss, gradient = compiled.loss_and_gradient(theta, X, Y)
    print(f"L = {loss:.6g},  ∂L/∂W = {gradient[0]:.6g},  ∂L/∂b = {gradient[1]:.6g}", file=stream)
    print(gradient_check(net, theta, X, Y), file=stream)
    print(gradient_check(net, theta, X, Y, method="complex").summary(), file=stream)

    _section(stream, "4. Backpropagation (Part 7): a first-layer weight of a 2-2-2 network")
    wide = MLP([2, 2, 2])
    derivation = wide.derive("w1_1_2")
    print(derivation.to_text(level=0), file=stream)
    print(f"    every step checked: {derivation.verify()}", file=stream)

    _section(stream, "5. Training XOR with the derived gradients")
    from .train import demo_training

    demo_training(out, stream)

    _section(stream, "6. Checking a student's answer for ∂L/∂W")
    from ..check import AnswerEntry, check_answer

    key = AnswerEntry.from_derivation("dL/dW", net.derive("W"))
    for answer in (r"2(\hat{y}-y)\,\sigma(z)(1-\sigma(z))\,x", r"2(y-\hat{y})\sigma(z)(1-\sigma(z))x",
                   r"2(\hat{y}-y)x"):
        result = check_answer(answer, key)
        print(f"answer {answer}\n    → {result.verdict}: {result.feedback}", file=stream)

    _section(stream, "7. A worksheet with its machine-verified key")
    _demo_worksheet(out / "worksheet", stream)

    print("\nNext:\n  mathomong explain 'x^2' --wrt x --at x=3\n"
          "  mathomong derive --net 2-2-1 --wrt all --at example\n"
          "  mathomong worksheet --all --out sheets/\n"
          "  mathomong --help", file=stream)
    return 0
