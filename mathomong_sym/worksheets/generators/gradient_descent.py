"""Part 4 of the guide: one gradient-descent step with numbers."""

from __future__ import annotations

import sympy

from ...naming import sym
from ...network import Neuron
from ...printing import to_latex
from ..problem import Mistake, Problem, display_latex, math, say
from ..registry import register_generator
from .common import equations_latex, neuron_point, numbers_latex, numeric_part

eta = sym("eta")


def _update_line(p, gradient_value, point, new_value, decimals) -> str:
    """The update rule with the numbers in, as the key prints it."""
    name = to_latex(p)
    exact = isinstance(new_value, sympy.Rational) and isinstance(gradient_value, sympy.Rational)
    relation = "=" if exact else r"\approx"
    return (r"\[" + name + r"_{\text{new}} = " + name + r" - \eta \frac{\partial L}{\partial " + name + "} "
            + relation + " " + display_latex(point[p]) + r" - " + display_latex(point[eta]) + r" \cdot \left("
            + _rounded(gradient_value, decimals) + r"\right) " + relation + " " + _rounded(new_value, decimals)
            + r"\]")


def _rounded(value, decimals) -> str:
    if isinstance(value, sympy.Rational):
        return display_latex(value)
    return f"{float(sympy.N(value, 20)):.{decimals}f}"


@register_generator(
    "gradient-step",
    levels={"easy": "a linear neuron: the new W", "medium": "a linear neuron: the new W and b", "hard": "a sigmoid neuron: the new W and b"}, title="One step of gradient descent", part=4,
    skills=("new weight = old weight − learning rate × gradient", "move against the gradient"),
    difficulty="medium", points=5,
)
def gradient_step(rng, difficulty):
    activation = "sigmoid" if difficulty == "hard" else "identity"
    net = Neuron(1, activation=activation)
    W, b = sym("W"), sym("b")
    point = neuron_point(rng, "medium" if difficulty == "easy" else difficulty)
    point[eta] = rng.choice([sympy.Rational(1, 10), sympy.Rational(1, 10), sympy.Rational(1, 20),
                             sympy.Rational(1, 5), sympy.Rational(1, 100)])
    d_w, d_b = net.derive(W), net.derive(b)
    decimals = 4
    parts = []
    for label, p, d in (("b", W, d_w), ("c", b, d_b)):
        new = p - eta * d.result
        gradient_value = d.result.xreplace(point)
        new_value = new.xreplace(point)
        mistakes = [
            Mistake(p + eta * d.result, "Gradient descent moves against the gradient: subtract "
                                        "$\\eta\\,\\partial L/\\partial " + to_latex(p) + "$."),
            Mistake(p - d.result, "Multiply the gradient by the learning rate $\\eta$ before subtracting."),
            Mistake(eta * d.result, "The step changes the old value: start from $" + to_latex(p) + "$."),
        ]
        parts.append(numeric_part(
            label, say("Find the new value of {p} after one step.", p=p), d, point, update=(p, eta),
            mistakes=mistakes, decimals=decimals, extra=(_update_line(p, gradient_value, point, new_value, decimals),),
            quantity=to_latex(p) + r"_{\text{new}}",
        ))
    first = numeric_part("a", say("Evaluate {d}.", d=sympy.Derivative(sym("L"), W)), d_w, point, decimals=decimals)
    statement = (say("A neuron computes") + equations_latex(net) + say("Use ")
                 + numbers_latex(point, net.inputs + net.parameters + net.targets)
                 + say(", and the learning rate {eta}.", eta=math(r"\eta = " + display_latex(point[eta]))))
    chosen = [first] + (parts[:1] if difficulty == "easy" else parts)
    return Problem("gradient-step", statement, tuple(chosen), points=5, difficulty=difficulty)
