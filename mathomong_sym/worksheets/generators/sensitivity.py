"""Part 1 of the guide: "if I change this weight slightly, how will the error change?"

Part 1 asks the question before Part 2 teaches derivatives, so the problem
answers it with arithmetic alone: the loss at the weight, the loss after a
small change Δw, and how many times Δw the loss changed (ΔL/Δw, whose sign
says which way to move the weight).  Every number is exact.
"""

from __future__ import annotations

import sympy

from ...naming import sym
from ..problem import Mistake, Problem, display_latex, math, say
from ..randomness import Degenerate
from ..registry import register_generator
from .common import evaluation, numeric_part

w = sym("w")

#: the changes of the weight a sheet uses, per difficulty: small, and short decimals
NUDGES = {
    "easy": (sympy.Rational(1, 10),),
    "medium": (sympy.Rational(1, 10), sympy.Rational(-1, 10)),
    "hard": (sympy.Rational(1, 10), sympy.Rational(-1, 10), sympy.Rational(1, 20), sympy.Rational(-1, 20)),
}


def _loss_at(loss, value):
    return loss.xreplace({w: value})


@register_generator(
    "sensitivity",
    levels={"easy": "a whole-number weight raised by 0.1",
            "medium": "a whole-number weight raised or lowered by 0.1",
            "hard": "two examples, a weight with one decimal changed by ±0.1 or ±0.05"},
    title="Why calculus: how the loss responds to a weight", part=1,
    skills=("evaluate a loss", "the change in the loss for a small change in a weight", "rate of change ΔL/Δw"),
    difficulty="easy", points=4,
)
def sensitivity(rng, difficulty):
    nudge = rng.family(NUDGES[difficulty])
    examples = 2 if difficulty == "hard" else 1
    xs = [rng.integer(-3, 3) for _ in range(examples)]
    ys = [rng.integer(-4, 5) for _ in range(examples)]
    w0 = rng.integer(-2, 3) if difficulty != "hard" else rng.decimal(-2, 2, places=1)
    if any(w0 * x == y for x, y in zip(xs, ys)):
        raise Degenerate("the weight already fits an example: its error is 0")
    w1 = w0 + nudge
    squares = [(w * x - y) ** 2 for x, y in zip(xs, ys)]
    loss = sympy.Add(*squares, evaluate=False) if examples > 1 else squares[0]
    before, after = _loss_at(loss, w0), _loss_at(loss, w1)
    if before == after:
        raise Degenerate("the loss does not change")
    L0, L1 = math(f"L({display_latex(w0)})"), math(f"L({display_latex(w1)})")
    statement = say(
        "A network with one weight {w} has, on one example, the loss {L}. "
        "If {w} changes a little, how does the loss change?" if examples == 1 else
        "A network with one weight {w} has, on two examples, the loss {L}. "
        "If {w} changes a little, how does the loss change?",
        w=w, L=math("L(w) = " + display_latex(loss)),
    )
    errors = sympy.Add(*[w * x - y for x, y in zip(xs, ys)])
    unsquared = Mistake(errors, "Square each error: $L(w) = " + display_latex(loss) + "$.")
    rate_symbols = {name: sympy.Symbol(name) for name in ("L_1", "L_0", "dw")}
    change = (rate_symbols["L_1"] - rate_symbols["L_0"]) / rate_symbols["dw"]
    # the rate as the sheet writes it: (L(w₁) − L(w₀)) / Δw, with the two losses of parts (a) and (b)
    rate_point = {rate_symbols["L_1"]: after, rate_symbols["L_0"]: before, rate_symbols["dw"]: nudge}
    rate = evaluation(math(r"\frac{\Delta L}{\Delta w}"), change, rate_point)
    parts = (
        numeric_part("a", say("The weight is {w0}. Evaluate {L}.", w0=math(f"w = {display_latex(w0)}"), L=L0),
                     evaluation(L0, loss, {w: w0}), {},
                     mistakes=[Mistake(unsquared.answer.xreplace({w: w0}), unsquared.message)]),
        numeric_part("b", say("The weight changes by {dw} to {w1}. Evaluate {L}.",
                              dw=math(r"\Delta w = " + display_latex(nudge)),
                              w1=math(f"w = {display_latex(w1)}"), L=L1),
                     evaluation(L1, loss, {w: w1}), {}, mistakes=[
                         Mistake(unsquared.answer.xreplace({w: w1}), unsquared.message),
                         Mistake(before + nudge, "Work the loss out again at the new weight; the change in the "
                                                 "weight is not the change in the loss."),
                     ]),
        numeric_part("c", say("Find {r}, the change in the loss per unit of change in the weight (its sign "
                              "says which way to move {w} to lower the loss).",
                              r=math(r"\frac{\Delta L}{\Delta w} = \frac{L(w + \Delta w) - L(w)}{\Delta w}"), w=w),
                     rate, {}, mistakes=[
                         Mistake(after - before, "Divide the change in the loss by the change in the weight, "
                                                 "$\\Delta w = " + display_latex(nudge) + "$."),
                         Mistake((before - after) / nudge, "Subtract in order: the new loss minus the old one.",
                                 kind="sign"),
                         Mistake(nudge / (after - before), "The change in the loss goes on top: "
                                                           "$\\Delta L / \\Delta w$."),
                     ]),
    )
    return Problem("sensitivity", statement, parts, points=4, difficulty=difficulty, function=loss, variables=(w,))
