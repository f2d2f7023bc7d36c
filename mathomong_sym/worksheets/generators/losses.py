"""Part 3 of the guide: mean squared error and its derivative.

Part 3 comes before the chain rule (Part 6), so a part that asks for the
loss's slope asks for it the Part 2 way: expand the squares, then use the
power and sum rules.  The key prints the expansion, then differentiates the
expanded loss.
"""

from __future__ import annotations

from dataclasses import replace

import sympy

from ...naming import sym
from ..problem import Mistake, Problem, display_latex, math, say
from ..registry import register_generator
from .common import diff_steps, numeric_part, symbolic_part

yhat, y, w = sym("yhat"), sym("y"), sym("w")


#: an easy problem's kinds: one output, or two outputs and the slope for one of them
OUTPUTS = ((1, 1), (2, 1), (2, 2))


def _one_example(rng, difficulty):
    outputs, asked = rng.family(OUTPUTS)
    names = [(yhat, y)] if outputs == 1 else [(sym(f"yhat_{k}"), sym(f"y_{k}")) for k in range(1, outputs + 1)]
    point = {}
    for prediction_symbol, target_symbol in names:
        target = rng.choice([0, 1, 1, 2, 3])
        point[prediction_symbol] = rng.decimal(-1, 4, places=1, exclude=(target,))
        point[target_symbol] = sympy.Integer(target)
    squares = [(p - t) ** 2 for p, t in names]
    loss = sympy.Add(*squares, evaluate=False) if outputs > 1 else squares[0]
    p, t = names[asked - 1]
    expanded = sympy.expand(loss)
    derivation = diff_steps(expanded, p)
    values = ", ".join(f"{display_latex(s)} = {display_latex(point[s])}" for s in (n for pair in names for n in pair))
    loss_latex = "L = " + " + ".join(display_latex(sq) for sq in squares)
    if outputs == 1:
        statement = say("A network predicts {p} for one example whose target is {t}. Its loss is {L}.",
                        p=math(r"\hat{y} = " + display_latex(point[yhat])), t=math(f"y = {point[y]}"),
                        L=math(loss_latex))
    else:
        statement = say("A network with two outputs predicts, for one example, {v}. Its loss adds the squared "
                        "error of each output: {L}.", v=math(values), L=math(loss_latex))
    mistakes = [
        Mistake(p - t, f"The power rule brings the 2 down: $2({display_latex(p)} - {display_latex(t)})$."),
        Mistake(2 * (t - p), f"The sign is flipped: differentiate ${display_latex((p - t) ** 2)}$ with respect to "
                             f"${display_latex(p)}$.", kind="sign"),
    ]
    if outputs > 1:
        q, u = names[2 - asked]
        mistakes.append(Mistake(2 * (p - t) + 2 * (q - u), f"Only the square that holds ${display_latex(p)}$ "
                                                           f"changes with it: the other is a constant."))
        mistakes.append(Mistake(2 * (q - u), f"That is the slope for ${display_latex(q)}$, the other output."))
    slope = math(rf"\frac{{\partial L}}{{\partial {display_latex(p)}}}")
    parts = (
        replace(symbolic_part("a", say("Expand {L} and find {d}.", L=math("L"), d=slope), derivation,
                              mistakes=mistakes), lead=(expansion(math("L"), loss, expanded),)),
        numeric_part("b", say("Evaluate {d} for this example.", d=slope),
                     derivation, point, mistakes=mistakes + [Mistake(loss, "That is the loss, not its slope.")]),
    )
    return Problem("mse", statement, parts, points=4, difficulty=difficulty, function=loss, variables=(p,))


def expansion(name, loss, expanded) -> str:
    """The key's first line: the loss with its squares multiplied out."""
    return r"\[" + f"{name} = {display_latex(loss)} = {display_latex(expanded)}" + r"\]"


def _data_set(rng, difficulty):
    n = 2 if difficulty == "medium" else 3
    xs = rng.sample([-2, -1, 1, 2, 3] if difficulty == "medium" else [-3, -2, -1, 1, 2, 3], n)
    ys = [rng.integer(-3, 4, nonzero=False) for _ in xs]
    # unevaluated, so the mean stays a factor of the sum, as the guide writes it
    loss = sympy.Mul(sympy.Rational(1, n), sympy.Add(*[(w * xi - yi) ** 2 for xi, yi in zip(xs, ys)],
                                                    evaluate=False), evaluate=False)
    expanded = sympy.expand(loss)
    derivation = diff_steps(expanded, w)
    w0 = rng.decimal(-1, 2, places=1)
    mistakes = [
        Mistake(derivation.result * n, f"The mean divides the sum by {n}: keep the factor $\\frac{{1}}{{{n}}}$."),
        Mistake(derivation.result / 2, "The power rule brings a 2 down from each square."),
        Mistake(sympy.Rational(2, n) * sympy.Add(*[(w * xi - yi) for xi, yi in zip(xs, ys)]),
                "Multiplied out, $(w x_i - y_i)^2 = x_i^2 w^2 - 2 x_i y_i w + y_i^2$: every term keeps its $x_i$."),
    ]
    rows = " & ".join(["x_i"] + [str(v) for v in xs]) + r" \\ " + " & ".join(["y_i"] + [str(v) for v in ys])
    table = math(r"\begin{array}{c|" + "c" * n + "}" + rows + r"\end{array}")
    statement = say("A model predicts {p} and is scored with the mean squared error {L} on the data {t}.",
                    p=math(r"\hat{y} = w x"),
                    L=math(rf"L(w) = \frac{{1}}{{{n}}}\sum_{{i=1}}^{{{n}}} (w x_i - y_i)^2"),
                    t=table)
    parts = (
        replace(symbolic_part("a", say("Write {L} out for these data, expand it and find {d}.", L=math("L(w)"),
                                       d=math(r"\frac{dL}{dw}")), derivation, mistakes=mistakes),
                lead=(expansion(math("L(w)"), loss, expanded),)),
        numeric_part("b", say("Evaluate {d} at {w0}.", d=math(r"\frac{dL}{dw}"),
                              w0=math("w = " + display_latex(w0))), derivation, {w: w0}, mistakes=mistakes),
    )
    return Problem("mse", statement, parts, points=5, difficulty=difficulty, function=loss, variables=(w,))


@register_generator(
    "mse",
    levels={"easy": "one example, one or two outputs: ∂L/∂ŷ", "medium": "a data set of two examples: dL/dw", "hard": "a data set of three examples: dL/dw"}, title="Mean squared error and its derivative", part=3,
    skills=("MSE of predictions", "derivative of a square", "mean over examples"), difficulty="medium", points=5,
)
def mse(rng, difficulty):
    if difficulty == "easy":
        return _one_example(rng, difficulty)
    return _data_set(rng, difficulty)
