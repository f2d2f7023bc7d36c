"""Part 3 of the guide: mean squared error and its derivative."""

from __future__ import annotations

import sympy

from ...naming import sym
from ..problem import Mistake, Problem, display_latex, math, say
from ..registry import register_generator
from .common import diff_steps, numeric_part, symbolic_part

yhat, y, w = sym("yhat"), sym("y"), sym("w")


def _one_example(rng, difficulty):
    loss = (yhat - y) ** 2
    derivation = diff_steps(loss, yhat)
    target = rng.choice([0, 1, 1, 2, 3])
    prediction = rng.decimal(-1, 4, places=1, exclude=(target,))
    point = {yhat: prediction, y: sympy.Integer(target)}
    statement = say("A network predicts {p} for one example whose target is {t}. Its loss is {L}.",
                    p=math(r"\hat{y} = " + display_latex(prediction)), t=math(f"y = {target}"),
                    L=math(r"L = (\hat{y} - y)^2"))
    mistakes = [
        Mistake(yhat - y, "The power rule brings the 2 down: $2(\\hat{y} - y)$."),
        Mistake(2 * (y - yhat), "The sign is flipped: differentiate $(\\hat{y} - y)^2$ with respect to $\\hat{y}$."),
    ]
    parts = (
        symbolic_part("a", say("Find {d}.", d=math(r"\frac{\partial L}{\partial \hat{y}}")), derivation,
                      mistakes=mistakes),
        numeric_part("b", say("Evaluate {d} for this example.", d=math(r"\frac{\partial L}{\partial \hat{y}}")),
                     derivation, point, mistakes=mistakes + [Mistake(loss, "That is the loss, not its slope.")]),
    )
    return Problem("mse", statement, parts, points=4, difficulty=difficulty)


def _data_set(rng, difficulty):
    n = 2  # three squares make a key line wider than the page; hard draws wider ranges instead
    xs = rng.sample([-2, -1, 1, 2, 3] if difficulty == "medium" else [-3, -2, -1, 1, 2, 3, 4], n)
    ys = [rng.integer(-3, 4, nonzero=False) for _ in xs]
    # unevaluated, so the mean stays a factor of the sum, as the guide writes it
    loss = sympy.Mul(sympy.Rational(1, n), sympy.Add(*[(w * xi - yi) ** 2 for xi, yi in zip(xs, ys)],
                                                    evaluate=False), evaluate=False)
    derivation = diff_steps(loss, w)
    w0 = rng.decimal(-1, 2, places=1)
    mistakes = [
        Mistake(derivation.result * n, f"The mean divides the sum by {n}: keep the factor $\\frac{{1}}{{{n}}}$."),
        Mistake(derivation.result / 2, "The power rule brings a 2 down from each square."),
        Mistake(sympy.Rational(2, n) * sympy.Add(*[(w * xi - yi) for xi, yi in zip(xs, ys)]),
                "Each square's inside, $w x_i - y_i$, has derivative $x_i$: the chain rule multiplies by it."),
    ]
    rows = " & ".join(["x_i"] + [str(v) for v in xs]) + r" \\ " + " & ".join(["y_i"] + [str(v) for v in ys])
    table = math(r"\begin{array}{c|" + "c" * n + "}" + rows + r"\end{array}")
    statement = say("A model predicts {p} and is scored with the mean squared error {L} on the data {t}.",
                    p=math(r"\hat{y} = w x"),
                    L=math(rf"L(w) = \frac{{1}}{{{n}}}\sum_{{i=1}}^{{{n}}} (w x_i - y_i)^2"),
                    t=table)
    parts = (
        symbolic_part("a", say("Write {L} out for these data and find {d}.", L=math("L(w)"),
                               d=math(r"\frac{dL}{dw}")), derivation, mistakes=mistakes),
        numeric_part("b", say("Evaluate {d} at {w0}.", d=math(r"\frac{dL}{dw}"),
                              w0=math("w = " + display_latex(w0))), derivation, {w: w0}, mistakes=mistakes),
    )
    return Problem("mse", statement, parts, points=5, difficulty=difficulty, function=loss, variables=(w,))


@register_generator(
    "mse",
    levels={"easy": "one example: ∂L/∂ŷ", "medium": "a data set of two: dL/dw", "hard": "a data set of two, from a wider range"}, title="Mean squared error and its derivative", part=3,
    skills=("MSE of predictions", "derivative of a square", "mean over examples"), difficulty="medium", points=5,
)
def mse(rng, difficulty):
    if difficulty == "easy":
        return _one_example(rng, difficulty)
    return _data_set(rng, difficulty)
