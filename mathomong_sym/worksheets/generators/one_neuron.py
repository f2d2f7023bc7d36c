"""Part 9 of the guide: ∂L/∂W and ∂L/∂b of one neuron, with symbols and numbers."""

from __future__ import annotations

import sympy

from ...naming import sym
from ...network import Neuron
from ..figures import network_figure
from ..problem import Problem, say
from ..randomness import Degenerate
from ..registry import register_generator
from .common import (
    activation_mistakes,
    dropped_factor_mistakes,
    equations_latex,
    neuron_point,
    numbers_latex,
    numeric_part,
    sign_mistake,
    swap_mistakes,
    symbolic_part,
)

DECIMALS = 4
#: the activations a one-neuron problem is dealt, in order
ACTIVATIONS = ("sigmoid", "tanh")


@register_generator(
    "one-neuron",
    levels={"easy": "a positive whole x", "medium": "a whole x from −3 to 3",
            "hard": "x with one decimal, b ≠ 0"}, title="The one-neuron chain rule", part=9,
    skills=("∂L/∂W = ∂L/∂ŷ · ∂ŷ/∂z · ∂z/∂W", "∂L/∂b", "forward pass with numbers"),
    difficulty="medium", points=6,
)
def one_neuron(rng, difficulty):
    # the guide's sigmoid neuron first; a second problem of the sheet gets tanh (the same in every version)
    activation = rng.family(ACTIVATIONS, shuffle=False)
    net = Neuron(1, activation=activation)
    W, b = sym("W"), sym("b")
    point = neuron_point(rng, difficulty)
    if abs(point[sym("x")]) == 1:
        # ∂L/∂W = ∂L/∂b · x: at x = ±1 the two answers (one with its sign flipped) are the same number
        raise Degenerate("x = ±1")
    d_w, d_b = net.derive(W), net.derive(b)

    def mistakes(d):
        return (dropped_factor_mistakes(d) + activation_mistakes(d, net.activation) + [sign_mistake(d)]
                + swap_mistakes(net, d.variable))

    statement = (say("A neuron computes") + equations_latex(net)
                 + say("Use ") + numbers_latex(point, net.inputs + net.parameters + net.targets) + ".")
    L = sym("L")
    parts = (
        symbolic_part("a", say("Use the chain rule to find {d} in terms of {x}, {y}, {yh} and {z}.",
                               d=sympy.Derivative(L, W), x=sym("x"), y=sym("y"), yh=sym("yhat"), z=sym("z")),
                      d_w, answer=d_w.named_result, mistakes=mistakes(d_w)),
        symbolic_part("b", say("Find {d} the same way.", d=sympy.Derivative(L, b)),
                      d_b, answer=d_b.named_result, mistakes=mistakes(d_b)),
        numeric_part("c", say("Evaluate {d} at the numbers above.", d=sympy.Derivative(L, W)), d_w, point,
                     decimals=DECIMALS, mistakes=mistakes(d_w)),
        numeric_part("d", say("Evaluate {d} at the numbers above.", d=sympy.Derivative(L, b)), d_b, point,
                     decimals=DECIMALS, mistakes=mistakes(d_b)),
    )
    return Problem("one-neuron", statement, parts, points=6, difficulty=difficulty,
                   figure=network_figure(net, point))
