"""Part 2 of the guide: power and sum rules, and a derivative's value at a point."""

from __future__ import annotations

import itertools

import sympy

from ...naming import sym
from ..problem import Mistake, Problem, display_latex, math, say
from ..registry import register_generator
from .common import diff_steps, numeric_part, symbolic_part

x = sym("x")


#: the exponents of each difficulty: one kind each, dealt the same in every version
EXPONENTS = {
    "easy": [(2,), (3,), (4,)],
    "medium": [pattern for pattern in itertools.combinations((4, 3, 2, 1), 2)],
    # three powers; the lowest power 1 becomes x⁻¹: the power rule with a negative exponent
    "hard": [tuple(n if n != 1 else -1 for n in pattern) for pattern in itertools.combinations((5, 4, 3, 2, 1), 3)],
}


def _polynomial(rng, difficulty):
    exponents = rng.family(EXPONENTS[difficulty])
    if difficulty == "easy":
        # a single power, sometimes the guide's own x²
        (n,) = exponents
        a = rng.choice([1, 1, 2, 3, 4, 5]) if n == 2 else rng.integer(1, 3)
        return [(sympy.Integer(a), n)], sympy.Integer(0)
    terms = [(rng.integer(-5, 5), n) for n in exponents]
    constant = rng.integer(-9, 9, nonzero=False)
    return terms, constant


@register_generator(
    "derivative-power",
    levels={"easy": "one power a·xⁿ", "medium": "two powers and a constant", "hard": "three powers and a constant (1/x in place of x)"}, title="Power and sum rules", part=2,
    skills=("power rule", "sum rule", "constant rule", "derivative at a point"),
    difficulty="easy", points=4,
)
def derivative_power(rng, difficulty):
    terms, constant = _polynomial(rng, difficulty)
    # highest power first, the constant last, as a textbook writes a polynomial (never 4x² + 3 − 4x³)
    f = sympy.Add(*[a * x**n for a, n in terms], *([constant] if constant else []), evaluate=False)
    x0 = rng.integer(-3, 4, exclude=(0, 1))  # at 0 and 1 a forgotten exponent can look right
    if difficulty == "easy" and terms == [(1, 2)]:
        x0 = rng.choice([3, 3, 2, -2, 4])
    derivation = diff_steps(f, x)
    forgot_lowering = sympy.Add(*[a * n * x**n for a, n in terms])
    forgot_multiplying = sympy.Add(*[a * x**(n - 1) for a, n in terms])
    symbolic_mistakes = [
        Mistake(forgot_lowering, "Lower the exponent by one: the derivative of $x^n$ is $n x^{n-1}$."),
        Mistake(forgot_multiplying, "Bring the exponent down as a factor: the derivative of $x^n$ is $n x^{n-1}$."),
    ]
    value_mistakes = symbolic_mistakes + [
        Mistake(f, "That is $f(x_0)$, the function's value; the question asks for the slope $f'(x_0)$."),
    ]
    statement = say("Let {f}.", f=math("f(x) = " + display_latex(f)))
    parts = (
        symbolic_part("a", say("Find {d}.", d=math("f'(x)")), derivation, mistakes=symbolic_mistakes),
        numeric_part("b", say("Evaluate {d}.", d=math(f"f'({x0})")),
                     derivation, {x: x0}, mistakes=value_mistakes),
    )
    return Problem("derivative-power", statement, parts, points=4, difficulty=difficulty, function=f, variables=(x,))
