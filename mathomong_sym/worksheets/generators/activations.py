"""Part 8 of the guide: the derivatives of σ, tanh and ReLU.

σ and tanh are asked as f(x) = act(a·x + c), so that the answer needs both
the activation's own derivative and the inner factor a; ReLU is asked at one
point on each side of its kink (never at 0, where only a convention decides).
"""

from __future__ import annotations

import sympy

from ...activations import relu, sigmoid
from ...naming import sym
from ..problem import Mistake, Problem, display_latex, math, say
from ..randomness import Degenerate
from ..registry import register_generator
from .common import diff_steps, numeric_part, symbolic_part

x = sym("x")


def _inner(rng, difficulty):
    if difficulty == "easy":
        # the activation of x itself first; a second easy problem of the sheet shifts it: act(x + c)
        shifted = rng.family(("x", "x + c"), shuffle=False) == "x + c"
        return sympy.Integer(1), rng.integer(-2, 2) if shifted else sympy.Integer(0)
    a = rng.integer(-3, 3, exclude=(1,)) if difficulty == "hard" else rng.integer(2, 3)
    c = rng.integer(-2, 2, nonzero=False)
    return a, c


def _smooth_activation(rng, difficulty, name, function, confusions):
    a, c = _inner(rng, difficulty)
    inner = a * x + c
    f = function(inner, evaluate=False)  # tanh(−2x − 1) as asked, not −tanh(2x + 1)
    x0 = rng.decimal(-2, 2, places=1)
    z0 = inner.xreplace({x: x0})
    if z0 == 0:
        # σ(0) = 1 − σ(0) and tanh(0) = 0: a confused formula would look right
        raise Degenerate("the activation is evaluated at 0")
    if abs(z0) > 2:
        # far out the curve is flat and every answer rounds to almost 0
        raise Degenerate(f"the activation saturates at z = {z0}")
    derivation = diff_steps(f, x)
    own = function(inner)
    mistakes = [Mistake(m(own) * a, message) for m, message in confusions]
    if a != 1:
        mistakes.append(Mistake(derivation.result / a, "The inner function $" + display_latex(inner)
                                + "$ has derivative $" + display_latex(a) + "$: the chain rule multiplies by it."))
    head = "f(x) = " + display_latex(f)
    statement = say("Let {f}.", f=math(head))
    parts = (
        symbolic_part("a", say("Find {d}.", d=math("f'(x)")), derivation, mistakes=mistakes),
        numeric_part("b", say("Evaluate {d}.", d=math(f"f'({display_latex(x0)})")), derivation, {x: x0},
                     mistakes=mistakes + [Mistake(f, "That is the activation's value, not its slope.")]),
    )
    return Problem(f"activation-{name}", statement, parts, points=4, difficulty=difficulty, function=f,
                   variables=(x,))


@register_generator(
    "activation-sigmoid",
    levels={"easy": "σ(x), then σ(x + c)", "medium": "σ(ax + c), a = 2 or 3", "hard": "σ(ax + c), a from −3 to 3"}, title="The sigmoid's derivative", part=8,
    skills=("σ′(z) = σ(z)(1 − σ(z))", "chain rule with a linear inside"), difficulty="medium", points=4,
)
def activation_sigmoid(rng, difficulty):
    return _smooth_activation(rng, difficulty, "sigmoid", sigmoid, [
        (lambda s: s, "That is $\\sigma$ itself: its derivative is $\\sigma(1-\\sigma)$."),
        (lambda s: 1 - s, "Only one factor of $\\sigma'(z) = \\sigma(z)\\,(1-\\sigma(z))$ is there."),
    ])


@register_generator(
    "activation-tanh",
    levels={"easy": "tanh(x), then tanh(x + c)", "medium": "tanh(ax + c), a = 2 or 3", "hard": "tanh(ax + c), a from −3 to 3"}, title="The tanh derivative", part=8,
    skills=("tanh′(z) = 1 − tanh²(z)", "chain rule with a linear inside"), difficulty="medium", points=4,
)
def activation_tanh(rng, difficulty):
    return _smooth_activation(rng, difficulty, "tanh", sympy.tanh, [
        (lambda t: 1 - t, "The derivative is $1 - \\tanh^2$: square the tanh."),
        (lambda t: t**2, "The derivative is $1 - \\tanh^2$, not $\\tanh^2$."),
    ])


@register_generator(
    "activation-relu",
    levels={"easy": "ReLU(x), then ReLU(x + c)", "medium": "ReLU(ax + c), a = 2 or 3", "hard": "ReLU(ax + c), a from −3 to 3"}, title="The ReLU derivative", part=8,
    skills=("ReLU′ is 1 for z > 0 and 0 for z < 0", "chain rule with a linear inside"),
    difficulty="easy", points=4,
)
def activation_relu(rng, difficulty):
    a, c = _inner(rng, difficulty)
    inner = a * x + c
    f = relu(inner)
    derivation = diff_steps(f, x)
    # one point where ReLU is on, one where it is off; never at its kink
    candidates = [rng.integer(-4, 4, nonzero=False) for _ in range(12)]
    on = [v for v in candidates if inner.xreplace({x: v}) > 0]
    off = [v for v in candidates if inner.xreplace({x: v}) < 0]
    if not on or not off:
        raise Degenerate("no point on each side of the kink")
    x_on, x_off = on[0], off[0]
    statement = say("Let {f}, where {r}.", f=math("f(x) = " + display_latex(f)),
                    r=math(r"\operatorname{ReLU}(z) = \max(0, z)"))
    parts = (
        numeric_part("a", say("Evaluate {d}.", d=math(f"f'({x_on})")), derivation, {x: x_on}, mistakes=[
            Mistake(f, "That is ReLU's value; its slope for $z > 0$ is 1, times the inner derivative."),
            Mistake(sympy.Integer(0), "For $z > 0$ ReLU has slope 1, not 0."),
        ] + ([Mistake(sympy.Integer(1), "Multiply by the inner derivative $" + display_latex(a) + "$.")]
             if a != 1 else [])),
        numeric_part("b", say("Evaluate {d}.", d=math(f"f'({x_off})")), derivation, {x: x_off},
                     allow_zero=True, mistakes=[
            Mistake(a, "Here $z < 0$: ReLU is flat, so its slope is 0."),
        ]),
    )
    return Problem("activation-relu", statement, parts, points=4, difficulty=difficulty)
