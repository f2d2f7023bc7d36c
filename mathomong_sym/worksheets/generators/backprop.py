"""Part 7 of the guide: backpropagation through a 2-2-1 network."""

from __future__ import annotations

import sympy

from ... import naming
from ...network import MLP
from ..figures import network_figure
from ..problem import Mistake, Problem, say
from ..randomness import Degenerate
from ..registry import register_generator
from .common import (
    activation_mistakes,
    dropped_factor_mistakes,
    equations_latex,
    numbers_latex,
    numeric_part,
    swap_mistakes,
    symbolic_part,
)

DECIMALS = 4


def network_point(rng, net, difficulty):
    """Inputs, weights, biases and a target; no weight is 0, no z lands on 0."""
    point = {}
    for x in net.inputs:
        point[x] = rng.integer(-2, 2) if difficulty != "easy" else rng.integer(1, 2)
    for layer in net.layers:
        for row in layer.weights:
            for w in row:
                point[w] = rng.decimal(-1, 1, places=1)
        for b in layer.biases:
            point[b] = rng.decimal(-0.5, 0.5, places=1, nonzero=False)
    for y in net.targets:
        point[y] = sympy.Integer(rng.choice([0, 1]))
    values = net.values_at(point)
    for layer in net.layers:
        for z in layer.pre_activations:
            if abs(values[z]) < 1e-12:
                raise Degenerate(f"{z} = 0")
    return point


def _given(net):
    """σ′ and tanh′ are taught in Part 8, after backpropagation: the statement gives them."""
    if net.activation.name == "tanh":
        return (("tanh rule", r"\tanh'(z) = 1 - \tanh^2(z)"), ("sigmoid rule", r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z))"))
    return (("sigmoid rule", r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z))"),)


def _network(difficulty):
    # tanh, not ReLU: with ReLU an active unit's factor is 1, so leaving it out looks right
    return MLP([2, 2, 1], activation="tanh" if difficulty == "hard" else "sigmoid")


def _statement(net, point):
    return (say("The 2-2-1 network below has inputs {x1}, {x2} and one output; its loss is the squared error.",
                x1=naming.sym("x_1"), x2=naming.sym("x_2"))
            + equations_latex(net)
            + say("Use ") + numbers_latex(point, net.inputs + net.parameters + net.targets) + ".")


@register_generator(
    "backprop-delta",
    levels={"easy": "sigmoid units, positive inputs", "medium": "sigmoid units", "hard": "tanh hidden units"}, title="Backpropagation: the δ's", part=7,
    skills=("δ of the output layer", "δ of a hidden unit from the layer above"), difficulty="hard", points=6,
)
def backprop_delta(rng, difficulty):
    net = _network(difficulty)
    unit = rng.family([1, 2])
    point = network_point(rng, net, difficulty)
    d_out, d_hidden = net.delta(2, 1), net.delta(1, unit)
    hidden_act = net.activation
    mistakes_hidden = dropped_factor_mistakes(d_hidden) + activation_mistakes(d_hidden, hidden_act)
    other = naming.weight(2, 1, 3 - unit)
    wrong_weight = d_hidden.named_result.xreplace({naming.weight(2, 1, unit): other})
    mistakes_hidden.append(Mistake(wrong_weight, "The δ travels back along the weight that leaves this unit, "
                                                 f"$w^{{(2)}}_{{1{unit}}}$."))
    parts = (
        numeric_part("a", say("Do the forward pass, then find {d}.", d=d_out.lhs), d_out, point,
                     decimals=DECIMALS, mistakes=dropped_factor_mistakes(d_out)
                     + activation_mistakes(d_out, net.output_activation)),
        symbolic_part("b", say("Write {d} in terms of {d2}, a weight and {z}.", d=d_hidden.lhs, d2=d_out.lhs,
                               z=naming.pre_activation(1, unit)),
                      d_hidden, answer=d_hidden.named_result, mistakes=mistakes_hidden),
        numeric_part("c", say("Evaluate {d}.", d=d_hidden.lhs), d_hidden, point, decimals=DECIMALS,
                     mistakes=mistakes_hidden),
    )
    return Problem("backprop-delta", _statement(net, point), parts, points=6, difficulty=difficulty,
                   given=_given(net), figure=network_figure(net, point))


@register_generator(
    "backprop-weight",
    levels={"easy": "sigmoid units, positive inputs", "medium": "sigmoid units", "hard": "tanh hidden units"}, title="Backpropagation: a first-layer weight", part=7,
    skills=("∂L/∂w = δ · input", "backpropagate δ through a hidden layer"), difficulty="hard", points=5,
)
def backprop_weight(rng, difficulty):
    net = _network(difficulty)
    i, j = rng.family([(1, 1), (1, 2), (2, 1), (2, 2)])
    point = network_point(rng, net, difficulty)
    if abs(point[naming.input_symbol(j)]) == 1:
        # ∂L/∂w = δ·x_j and ∂L/∂b = δ: at x_j = ±1 a bias for the weight (and a sign flip) looks right
        raise Degenerate(f"x_{j} = ±1")
    w = naming.weight(1, i, j)
    d_w = net.derive(w)
    L = naming.sym("L")
    x_other = naming.input_symbol(3 - j)
    mistakes = dropped_factor_mistakes(d_w) + swap_mistakes(net, w) + [
        Mistake(d_w.named_result.xreplace({naming.input_symbol(j): x_other}),
                f"The weight ${naming.latex_name(w.name)}$ multiplies $x_{j}$: that input is the local factor."),
    ]
    # the derivation's "δ times the local factor" line: the form backprop computes
    delta_form = next(step.rhs for step in d_w.steps if step.kind == "delta")
    parts = (
        symbolic_part("a", say("Write {d} in terms of a δ and an input.", d=sympy.Derivative(L, w)),
                      d_w, answer=delta_form, mistakes=mistakes),
        numeric_part("b", say("Evaluate {d}.", d=sympy.Derivative(L, w)), d_w, point, decimals=DECIMALS,
                     mistakes=mistakes),
    )
    return Problem("backprop-weight", _statement(net, point), parts, points=5, difficulty=difficulty,
                   given=_given(net), figure=network_figure(net, point))
