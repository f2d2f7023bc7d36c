"""Part 10 of the guide: the slope of a 2-D landscape and one step downhill."""

from __future__ import annotations

import sympy

from ...naming import sym
from ...printing import to_latex
from ..figures import landscape_figure
from ..problem import Mistake, Problem, display_latex, math, say
from ..randomness import Degenerate
from ..registry import register_generator
from .common import diff_steps, numeric_part

x, y, eta = sym("x"), sym("y"), sym("eta")


def _surface(rng, difficulty):
    a = rng.integer(1, 3)
    c = rng.integer(1, 4)
    terms = [a * x**2, c * y**2]
    if difficulty != "easy":
        terms.insert(1, rng.integer(-2, 2) * x * y)
    if difficulty == "hard":
        terms += [rng.integer(-3, 3) * x, rng.integer(-3, 3) * y]
    # in the order a textbook writes it: x², xy, y², then x and y
    return sympy.Add(*terms, evaluate=False)


@register_generator(
    "landscape",
    levels={"easy": "a x² + c y²", "medium": "with an xy term", "hard": "with an xy term and linear terms"}, title="The learning landscape", part=10,
    skills=("gradient of a function of two variables", "the next point of gradient descent"),
    difficulty="medium", points=6,
)
def landscape(rng, difficulty):
    f = _surface(rng, difficulty)
    a, b, c = (sympy.Poly(f, x, y).coeff_monomial(m) for m in (x**2, x * y, y**2))
    if 4 * a * c - b * b <= 0:
        raise Degenerate("a trough, not a bowl: no lowest point to descend to")
    d_x, d_y = diff_steps(f, x), diff_steps(f, y)
    point = {x: rng.integer(-2, 2), y: rng.integer(-2, 2), eta: rng.choice([sympy.Rational(1, 10),
                                                                             sympy.Rational(1, 20)])}
    statement = (say("A loss landscape has height {f}. You stand at {p} and take one gradient-descent step "
                     "with learning rate {eta}.",
                     f=math("f(x, y) = " + display_latex(f)),
                     p=math(f"({display_latex(point[x])}, {display_latex(point[y])})"),
                     eta=math(r"\eta = " + display_latex(point[eta]))))
    parts = [
        numeric_part("a", say("Find {d} at your position.", d=sympy.Derivative(sym("f"), x)), d_x, point,
                     mistakes=[Mistake(d_y.result, "That is the slope in the $y$ direction.")]),
        numeric_part("b", say("Find {d} at your position.", d=sympy.Derivative(sym("f"), y)), d_y, point,
                     mistakes=[Mistake(d_x.result, "That is the slope in the $x$ direction.")]),
    ]
    for label, coordinate, d in (("c", x, d_x), ("d", y, d_y)):
        new = coordinate - eta * d.result
        gradient_value, new_value = d.result.xreplace(point), new.xreplace(point)
        name = to_latex(coordinate)
        update = (r"\[" + name + r"_{\text{new}} = " + name + r" - \eta \frac{\partial f}{\partial " + name + "} = "
                  + display_latex(point[coordinate]) + " - " + display_latex(point[eta]) + r" \cdot \left("
                  + display_latex(gradient_value) + r"\right) = " + display_latex(new_value) + r"\]")
        parts.append(numeric_part(
            label, say("Find the {c}-coordinate of the next point.", c=coordinate), d, point, update=(coordinate, eta),
            allow_zero=True, extra=(update,), quantity=name + r"_{\text{new}}", mistakes=[
                Mistake(coordinate + eta * d.result, "Descent goes downhill: subtract the gradient, do not add it."),
                Mistake(coordinate - d.result, "Scale the gradient by the learning rate first."),
            ]))
    start = (point[x], point[y])
    return Problem("landscape", statement, tuple(parts), points=6, difficulty=difficulty, function=f,
                   variables=(x, y), figure=landscape_figure(f, x, y, start, point[eta]),
                   key_figure=landscape_figure(f, x, y, start, point[eta], path_steps=5))
