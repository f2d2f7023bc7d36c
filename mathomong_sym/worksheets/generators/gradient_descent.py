"""Part 4 of the guide: one gradient-descent step with numbers.

new weight = old weight − learning rate × gradient.  The neuron is linear
(ŷ = Wx + b) and the sheet states the slopes of its squared error, so the
part asks what Part 4 teaches, the step itself; the chain rule that gives
those slopes comes in Part 6.
"""

from __future__ import annotations

import sympy

from ...derivation import expand_definitions
from ...naming import sym
from ...network import Neuron
from ...printing import to_latex
from ..problem import Mistake, Problem, display_latex, math, say
from ..registry import register_generator
from .common import equations_latex, evaluation, neuron_point, numbers_latex, numeric_part, sign_mistake, step_line

eta = sym("eta")
DECIMALS = 4

#: the slopes of L = (ŷ − y)² for ŷ = Wx + b, stated on the sheet
SLOPES = (("chain rule",
           r"\frac{\partial L}{\partial W} = 2(\hat{y} - y)\,x, \quad \frac{\partial L}{\partial b} = 2(\hat{y} - y)"),)


def _step_part(label, p, d, point):
    mistakes = [
        Mistake(p + eta * d.result, "Gradient descent moves against the gradient: subtract "
                                    "$\\eta\\,\\partial L/\\partial " + to_latex(p) + "$."),
        Mistake(p - d.result, "Multiply the gradient by the learning rate $\\eta$ before subtracting."),
        Mistake(eta * d.result, "The step changes the old value: start from $" + to_latex(p) + "$."),
    ]
    return numeric_part(
        label, say("Find the new value of {p} after one step.", p=p), d, point, update=(p, eta),
        mistakes=mistakes, decimals=DECIMALS, extra=(step_line(p, d, point, DECIMALS),),
        quantity=to_latex(p) + r"_{\text{new}}",
    )


@register_generator(
    "gradient-step",
    levels={"easy": "a linear neuron: ∂L/∂W and the new W", "medium": "a linear neuron: the new W and b",
            "hard": "a linear neuron: the new W and b, and the loss after the step"},
    title="One step of gradient descent", part=4,
    skills=("new weight = old weight − learning rate × gradient", "move against the gradient",
            "the loss falls after a small step"),
    difficulty="medium", points=5,
)
def gradient_step(rng, difficulty):
    net = Neuron(1, activation="identity")
    W, b, L = sym("W"), sym("b"), sym("L")
    point = neuron_point(rng, "hard" if difficulty == "hard" else "medium")
    point[eta] = rng.choice([sympy.Rational(1, 10), sympy.Rational(1, 10), sympy.Rational(1, 20),
                             sympy.Rational(1, 5), sympy.Rational(1, 100)])
    d_w, d_b = net.derive(W), net.derive(b)
    first = numeric_part("a", say("Evaluate {d}.", d=sympy.Derivative(L, W)), d_w, point, decimals=DECIMALS,
                         mistakes=[
                             Mistake(d_b.named_result, "That is $\\partial L/\\partial b$: the slope for $W$ "
                                                       "has the factor $x$."),
                             Mistake(d_w.named_result / 2, "The square's slope brings a 2 down: $2(\\hat{y} - y)$."),
                             sign_mistake(d_w),
                         ])
    parts = [first, _step_part("b", W, d_w, point)]
    if difficulty != "easy":
        parts.append(_step_part("c", b, d_b, point))
    if difficulty == "hard":
        new_point = {**point, W: parts[1].answer, b: parts[2].answer}
        loss = expand_definitions(L, net.definitions)
        shown = math(r"L_{\text{new}}")
        parts.append(numeric_part(
            "d", say("Evaluate the loss {L} after the step, at the new {W} and {b}.", L=L, W=W, b=b),
            evaluation(shown, loss, {s: new_point[s] for s in (W, b, sym("x"), sym("y"))}), {},
            decimals=DECIMALS, mistakes=[Mistake(loss.xreplace(point), "That is the loss before the step.")],
            allow_zero=True,
        ))
    statement = (say("A neuron computes") + equations_latex(net) + say("Use ")
                 + numbers_latex(point, net.inputs + net.parameters + net.targets)
                 + say(", and the learning rate {eta}.", eta=math(r"\eta = " + display_latex(point[eta]))))
    return Problem("gradient-step", statement, tuple(parts), points=5, difficulty=difficulty, given=SLOPES)
