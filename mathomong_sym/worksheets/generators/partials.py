"""Part 5 of the guide: partial derivatives of a neuron with n inputs."""

from __future__ import annotations

import sympy

from ...naming import sym
from ...network import Neuron
from ..problem import Mistake, Problem, display_latex, math, say
from ..registry import register_generator
from .common import diff_steps, dropped_factor_mistakes, numeric_part, symbolic_part


def _inputs(difficulty) -> int:
    return {"easy": 2, "medium": 3, "hard": 4}[difficulty]


@register_generator(
    "partial-neuron",
    levels={"easy": "two inputs", "medium": "three inputs", "hard": "four inputs"}, title="Partial derivatives of a neuron", part=5,
    skills=("partial derivative: the other variables are constants", "∂z/∂Wₖ = xₖ", "∂L/∂Wₖ of a linear neuron"),
    difficulty="medium", points=5,
)
def partial_neuron(rng, difficulty):
    n = _inputs(difficulty)
    net = Neuron(n, activation="identity")
    xs = [sym(f"x_{j}") for j in range(1, n + 1)]
    ws = [sym(f"W_{j}") for j in range(1, n + 1)]
    b, y, z = sym("b"), sym("y"), sym("z")
    # which ∂z/∂W_k and which ∂L/∂W_j: the same in every version, another k for each problem of the sheet
    k = rng.family(range(n))
    j = rng.family([i for i in range(n) if i != k])
    z_expr = sympy.Add(*[wi * xi for wi, xi in zip(ws, xs)]) + b
    dz = diff_steps(z_expr, ws[k])
    point = {xi: rng.integer(-3, 3) for xi in xs}
    point.update({wi: rng.decimal(-1, 1, places=1) for wi in ws})
    point[b] = rng.decimal(-1, 1, places=1, nonzero=False)
    point[y] = rng.integer(-2, 3, nonzero=False)
    d_weight = net.derive(ws[j])
    d_bias = net.derive(b)
    numbers = ", ".join(f"{display_latex(s)} = {display_latex(point[s])}" for s in xs + ws + [b, y])
    statement = say("A neuron with {n} inputs computes {z} and predicts {yh}; its loss on one example is {L}.",
                    n=math(str(n)), z=math("z = " + display_latex(z_expr)), yh=math(r"\hat{y} = z"),
                    L=math(r"L = (\hat{y} - y)^2"))
    statement += " Use $" + numbers + "$."
    other_input = d_weight.named_result.xreplace({xs[j]: xs[k]})
    parts = (
        symbolic_part("a", say("Find {d}.", d=sympy.Derivative(z, ws[k])), dz, mistakes=[
            Mistake(z_expr, "Differentiate: every term without $" + display_latex(ws[k]) + "$ is a constant."),
            Mistake(ws[k], "The derivative of $W_k x_k$ with respect to $W_k$ is the input $x_k$."),
        ]),
        numeric_part("b", say("Evaluate {d}.", d=sympy.Derivative(sym("L"), ws[j])), d_weight, point,
                     mistakes=dropped_factor_mistakes(d_weight) + [
                         Mistake(other_input, "Each weight's partial derivative uses its own input.")]),
        numeric_part("c", say("Evaluate {d}.", d=sympy.Derivative(sym("L"), b)), d_bias, point,
                     mistakes=dropped_factor_mistakes(d_bias) + [
                         Mistake(d_weight.named_result, "The bias has no input: $\\partial z/\\partial b = 1$.")]),
    )
    return Problem("partial-neuron", statement, parts, points=5, difficulty=difficulty, given=SLOPE)


#: the squared error's slope through z; the chain rule that gives it is Part 6, so the sheet states it
SLOPE = (("chain rule",
          r"\frac{\partial L}{\partial v} = 2(\hat{y} - y)\,\frac{\partial z}{\partial v}"
          r" \text{ for any weight or bias } v"),)
