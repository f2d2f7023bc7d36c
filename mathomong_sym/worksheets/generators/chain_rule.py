"""Part 6 of the guide: the chain rule for composed functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy

from ...activations import sigmoid
from ...naming import sym
from ..problem import Mistake, Problem, display_latex, math, say
from ..randomness import Degenerate
from ..registry import register_generator
from .common import diff_steps, numeric_part, symbolic_part

x, u = sym("x"), sym("u")


@dataclass(frozen=True)
class Outer:
    """An outer function g(u), and the largest |u| at which a number stays readable."""

    name: str
    g: Callable
    max_u: int
    difficulties: tuple[str, ...]


OUTERS = (
    # unevaluated: sympy would print (−3x)³ as −27x³, and the problem asks for the chain rule
    Outer("square", lambda v: sympy.Pow(v, 2, evaluate=False), 6, ("easy", "medium")),
    Outer("cube", lambda v: sympy.Pow(v, 3, evaluate=False), 4, ("easy", "medium", "hard")),
    Outer("exp", sympy.exp, 2, ("medium", "hard")),
    Outer("sigmoid", sigmoid, 3, ("medium", "hard")),
    Outer("log", sympy.log, 10, ("hard",)),
)


#: outer functions whose derivative the guide does not teach: the statement gives it
GIVEN = {
    "exp": (("exponential rule", r"\frac{d}{du} e^{u} = e^{u}"),),
    "log": (("logarithm rule", r"\frac{d}{du} \ln u = \frac{1}{u}"),),
    "sigmoid": (("sigmoid rule", r"\sigma'(u) = \sigma(u)\,(1 - \sigma(u))"),),
}


def _inner(rng, difficulty):
    a = rng.integer(2, 4) * rng.sign()
    c = rng.integer(-3, 3)  # never 0: u = a·x alone would hide the inside
    if difficulty == "hard":
        return rng.integer(1, 2) * x**2 + a * x + c
    return a * x + c


@register_generator(
    "chain-rule",
    levels={"easy": "a square or a cube of ax + c", "medium": "also e^u and σ(u)", "hard": "a cube, e^u, σ(u) or ln u of a quadratic, at a decimal x"}, title="The chain rule", part=6,
    skills=("dC/dA = dC/dB · dB/dA", "name the inner function", "evaluate at a point"),
    difficulty="medium", points=4,
)
def chain_rule(rng, difficulty):
    # the same kind of outer function in this slot of every version; the numbers differ
    outer = rng.family([o for o in OUTERS if difficulty in o.difficulties], key=lambda o: o.name)
    inner = _inner(rng, difficulty)
    x0 = rng.integer(-2, 2, nonzero=False) if difficulty != "hard" else rng.decimal(-1, 1, places=1)
    u0 = inner.xreplace({x: x0})
    if abs(u0) > outer.max_u or (outer.name == "log" and u0 <= 0) or u0 == 0:
        raise Degenerate(f"u = {u0} is outside the readable range of {outer.name}")
    f = outer.g(inner)
    derivation = diff_steps(f, x)
    inner_slope = sympy.diff(inner, x)  # only to build the mistakes below, never the key
    outer_only = derivation.result / inner_slope
    mistakes = [
        Mistake(outer_only, "The inner function $u = " + display_latex(inner)
                + "$ changes too: multiply by $\\frac{du}{dx}$."),
        Mistake(inner_slope, "That is only $\\frac{du}{dx}$: multiply by $\\frac{dg}{du}$ at $u$."),
    ]
    statement = say("Let {f}.", f=math("f(x) = " + display_latex(f))) + " " + say(
        "Write it as {g} of {u} and use the chain rule.", g=math("g(u)"), u=math("u = " + display_latex(inner)))
    parts = (
        symbolic_part("a", say("Find {d}.", d=math("f'(x)")), derivation, mistakes=mistakes),
        numeric_part("b", say("Evaluate {d}.", d=math(f"f'({display_latex(x0)})")), derivation, {x: x0},
                     mistakes=mistakes),
    )
    return Problem("chain-rule", statement, parts, points=4, difficulty=difficulty, function=f, variables=(x,),
                   given=GIVEN.get(outer.name, ()))
