"""``mathomong demo``: a tour of the engine on the guide's own examples."""

from __future__ import annotations

import re
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
    # the folder once, then each file by its name (a long folder would push every path past the line)
    print(f"wrote into {folder}:", file=stream)
    for version in result.versions:
        for path in version.tex + version.pdf + ([version.key_json] if version.key_json else []):
            print(f"  {Path(path).name}", file=stream)
    if result.pdf_skipped:
        print("PDFs skipped: pdflatex is not installed (the .tex files compile with any TeX system)", file=stream)


class _Fitted:
    """A stream that breaks every line longer than the text budget at its spaces.

    A continuation goes under the value of a "label:   value" line (check:,
    loss:), else two columns in from the line's own indentation.  The
    explanations already fit; this keeps the reports the tour prints beside
    them (gradient check, training, feedback) within the same width.
    """

    _LABEL = re.compile(r"^\s*[\w()]+:\s+")

    def __init__(self, stream):
        self.stream = stream
        self.pending = ""

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.stream.write("\n".join(_fit(line, self._LABEL)) + "\n")
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.stream.write("\n".join(_fit(self.pending, self._LABEL)))
            self.pending = ""
        self.stream.flush()


def _fit(line: str, label) -> list[str]:
    from ..render.text import WIDTH, width

    if width(line) <= WIDTH:
        return [line]
    found = label.match(line)
    indent = len(line) - len(line.lstrip(" "))
    head = found.group() if found else " " * indent
    hang = " " * len(head) if found else " " * (indent + 2)
    body = line[len(head):]
    # columns set three spaces apart ("step 0: 0.25   step 1000: 0.0017") break between columns
    separator = "   " if "   " in body else " "
    out, current = [], head
    for word in body.split(separator):
        candidate = f"{current}{separator}{word}" if current.strip() and current != head else current + word
        if width(candidate) > WIDTH and current.strip() and current != head:
            out.append(current)
            current = hang + word
        else:
            current = candidate
    out.append(current)
    if separator != " " and any(width(row) > WIDTH for row in out):
        return [piece for row in out for piece in _fit_words(row, hang)]
    return out


def _fit_words(line: str, hang: str) -> list[str]:
    from ..render.text import WIDTH, width

    if width(line) <= WIDTH:
        return [line]
    indent = len(line) - len(line.lstrip(" "))
    out, current = [], line[:indent]
    for word in line[indent:].split(" "):
        candidate = f"{current} {word}" if current.strip() else current + word
        if width(candidate) > WIDTH and current.strip():
            out.append(current)
            current = hang + word
        else:
            current = candidate
    out.append(current)
    return out


def _section(stream, title: str) -> None:
    print(f"\n{'═' * 72}\n{title}\n{'═' * 72}", file=stream)


def run(args, stream=None) -> int:
    stream = _Fitted(stream or sys.stdout)
    try:
        return _tour(args, stream)
    finally:
        stream.flush()


def _tour(args, stream) -> int:
    from .. import MLP, Neuron, gradient_check

    out = Path(args.out)

    _section(stream, "1. The guide's neuron (Part 9): z = W·x + b, ŷ = σ(z), L = (ŷ − y)²")
    net = Neuron()
    for equation in net.equations:
        print("   ", equation.to_text(), file=stream)
    print("\nThe point used below: x = 2, W = 0.5, b = −1, y = 1.", file=stream)

    _section(stream, "2. ∂L/∂W and ∂L/∂b by the chain rule: δ = ∂L/∂z found once, used by both")
    from ..derivation import verify_all
    from ..render.document import build_document
    from ..render.text import document_text

    derivations = [net.derive(name).at(GUIDE_POINT) for name in ("W", "b")]
    report = verify_all(derivations).raise_if_failed()
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
    print(document_text(build_document(derivation, 0, report=derivation.verify().raise_if_failed())),
          file=stream)

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
