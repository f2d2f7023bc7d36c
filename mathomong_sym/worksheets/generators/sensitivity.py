"""Part 1 of the guide: "if I change this weight slightly, how will the error change?"

The derivative answers it: for a small change Δw, ΔL ≈ L′(w)·Δw.  The
problem asks for the derivative of a one-weight loss, then uses it to
predict the change in the loss for a small nudge of the weight.
"""

from __future__ import annotations

import sympy

from ...naming import sym
from ..problem import Mistake, Problem, display_latex, math, say
from ..randomness import Degenerate
from ..registry import register_generator
from .common import diff_steps, numeric_part, symbolic_part

w = sym("w")

#: the nudges a sheet uses: small enough for the linear estimate to be good
NUDGES = {"easy": (sympy.Rational(1, 100),), "medium": (sympy.Rational(1, 100), sympy.Rational(-1, 100)),
          "hard": (sympy.Rational(1, 100), sympy.Rational(-2, 100), sympy.Rational(5, 1000))}


@register_generator(
    "sensitivity",
    levels={"easy": "a nudge of 0.01", "medium": "a nudge of ±0.01", "hard": "a nudge of 0.01, −0.02 or 0.005"}, title="Why calculus: how the loss responds to a weight", part=1,
    skills=("derivative as sensitivity", "chain rule", "linear estimate"),
    difficulty="easy", points=4,
)
def sensitivity(rng, difficulty):
    x = rng.integer(-3, 3, exclude=(0, 1))  # x = 1 would make w·x and w look alike
    y = rng.integer(-4, 5)
    w0 = rng.integer(-2, 3)
    if w0 * x == y:
        raise Degenerate("the weight already fits: the slope is 0")
    nudge = rng.choice(NUDGES[difficulty])
    loss = (w * x - y) ** 2
    derivation = diff_steps(loss, w)
    slope = derivation.result
    statement = say(
        "A network with one weight {w} has, on one example, the loss {L}. "
        "Calculus answers the guide's question: if {w} changes a little, how does the loss change?",
        w=w, L=math("L(w) = " + display_latex(loss)),
    )
    symbolic_mistakes = [
        Mistake(2 * (w * x - y), "Chain rule: multiply by the derivative of the inside, "
                                 f"$\\frac{{d}}{{dw}}({display_latex(w * x - y)}) = {display_latex(x)}$."),
    ]
    estimate_mistakes = [
        Mistake(slope, "That is the slope $L'(w)$; the change in the loss is the slope times the change in the "
                       "weight, $\\Delta L \\approx L'(w)\\,\\Delta w$."),
        Mistake(loss, "That is the loss itself, not how much it changes."),
        Mistake(-slope * nudge, "Check the sign: $\\Delta L \\approx L'(w)\\,\\Delta w$, with $\\Delta w$ as given."),
        Mistake(2 * (w * x - y) * nudge, "Chain rule: the slope includes the derivative of the inside, "
                                         f"{display_latex(x)}."),
    ]
    parts = (
        symbolic_part("a", say("Find {d}.", d=math("L'(w)")), derivation, mistakes=symbolic_mistakes),
        numeric_part(
            "b",
            say("The weight is {w0}. Use {d} to estimate the change in the loss, {dL}, when the weight "
                "changes by {dw}.", w0=math(f"w = {display_latex(w0)}"), d=math("L'(w)"),
                dL=math(r"\Delta L"), dw=math(r"\Delta w = " + display_latex(nudge))),
            derivation, {w: w0}, scale=nudge, mistakes=estimate_mistakes,
            quantity=r"\Delta L \approx L'(w)\,\Delta w",
            extra=(rf"\[\Delta L \approx L'({display_latex(w0)})\,\Delta w = "
                   rf"{display_latex(slope.subs(w, w0))} \cdot ({display_latex(nudge)}) = "
                   rf"{display_latex(slope.subs(w, w0) * nudge)}\]",),
        ),
    )
    return Problem("sensitivity", statement, parts, points=4, difficulty=difficulty, function=loss, variables=(w,))
