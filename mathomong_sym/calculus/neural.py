r"""The activations' own rules: σ, tanh, ReLU, leaky ReLU, softplus, the step
function, softmax and log-sum-exp.

Their derivatives come from the Activation registry of
:mod:`mathomong_sym.activations`, in the form they are taught (σ(1 − σ),
1 − tanh², H with H(0) = 0); each rule adds the derivation behind it for
the finest level of detail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import sympy
from sympy import Pow, S

from ..activations import LEAKY_SLOPE, get_activation, leaky_relu, logsumexp, relu, sigmoid, softmax, softplus, step
from ..derivation import Step
from .forms import minus, plus, times
from .rules import FunctionRule, Rule, _d, _depends, _t, register

__all__ = ["ActivationRule", "SigmoidRule", "TanhRule", "ReluRule", "LeakyReluRule", "SoftplusRule", "StepRule",
           "SoftmaxRule", "LogSumExpRule"]


# ---------------------------------------------------------------------------
# activations: the derivative in its teaching form comes from the registry
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ActivationRule(FunctionRule):
    """An activation's own rule, its formula and convention from the Activation registry."""

    activation: ClassVar[str] = ""

    @property
    def entry(self):
        return get_activation(self.activation)

    @property
    def formula_text(self):
        return self.entry.formula_text

    @property
    def formula_latex(self):
        return self.entry.formula_latex

    def derivative(self, expr, u):
        return self.entry.derivative(u)

    def reason(self, expr, u):
        entry = self.entry
        return entry.formula_text + (f"; {entry.convention}" if entry.convention else "")


@register(sigmoid)
class SigmoidRule(ActivationRule):
    """σ′(z) = σ(z)(1 − σ(z))."""

    name = "sigmoid rule"
    activation = "sigmoid"

    def derivation(self, expr, u):
        e = sympy.exp(-u)
        one_plus = sympy.Add(1, e, evaluate=False)
        return [
            (_d(Pow(one_plus, -1, evaluate=False), u), "σ({v}) = (1 + e^(−{v}))^(−1)"),
            (times(times(-1, Pow(one_plus, -2, evaluate=False)), times(-1, e)),
             "power rule, chain rule, d/d{v} e^(−{v}) = −e^(−{v})"),
            (sympy.Mul(e, Pow(one_plus, -2, evaluate=False)), "the two minus signs cancel"),
            (times(Pow(one_plus, -1, evaluate=False), sympy.Mul(e, Pow(one_plus, -1, evaluate=False))),
             "split the fraction in two"),
            (self.derivative(expr, u), "1/(1 + e^(−{v})) = σ({v}), and e^(−{v})/(1 + e^(−{v})) = 1 − σ({v})"),
        ]


@register(sympy.tanh)
class TanhRule(ActivationRule):
    """tanh′(z) = 1 − tanh²(z)."""

    name = "tanh rule"
    activation = "tanh"

    def derivation(self, expr, u):
        s, c = sympy.sinh(u), sympy.cosh(u)
        return [
            (_d(sympy.Mul(s, Pow(c, -1)), u), "tanh {v} = sinh {v} / cosh {v}"),
            (sympy.Mul(minus(times(c, c), times(s, s)), Pow(c, -2)), "quotient rule, sinh′ = cosh, cosh′ = sinh"),
            (minus(1, sympy.Mul(s ** 2, Pow(c, -2))), "split the fraction"),
            (self.derivative(expr, u), "sinh²/cosh² = tanh²"),
        ]


@register(relu)
class ReluRule(ActivationRule):
    """ReLU′(z) = H(z): 1 for z > 0, 0 for z < 0, and 0 at z = 0 by convention."""

    name = "ReLU rule"
    activation = "relu"

    def derivation(self, expr, u):
        return [
            (sympy.Piecewise((1, u > 0), (0, True)),
             "ReLU({v}) = {v} for {v} > 0 (slope 1) and 0 for {v} < 0 (slope 0); at the kink {v} = 0 the convention is 0"),
            (step(u), "that is the step function H, with H(0) = 0"),
        ]


@register(leaky_relu)
class LeakyReluRule(ActivationRule):
    """LReLU′(z) = 1 for z > 0, α = 0.01 for z ≤ 0."""

    name = "leaky ReLU rule"
    activation = "leaky_relu"

    def derivation(self, expr, u):
        return [
            (sympy.Piecewise((1, u > 0), (LEAKY_SLOPE, True)),
             "LReLU({v}) = {v} for {v} > 0 (slope 1) and α·{v} below (slope α); at 0 the convention is α"),
            (self.derivative(expr, u), "α + (1 − α)·H({v}) is 1 for {v} > 0 and α for {v} ≤ 0"),
        ]


@register(softplus)
class SoftplusRule(ActivationRule):
    """softplus′(z) = σ(z)."""

    name = "softplus rule"
    activation = "softplus"

    def derivation(self, expr, u):
        e = sympy.exp(u)
        one_plus = sympy.Add(1, e, evaluate=False)
        return [
            (_d(sympy.log(one_plus), u), "softplus({v}) = ln(1 + e^{v})"),
            (times(Pow(one_plus, -1, evaluate=False), e), "logarithm rule, chain rule, (e^{v})′ = e^{v}"),
            (Pow(sympy.Add(1, sympy.exp(-u), evaluate=False), -1, evaluate=False), "divide top and bottom by e^{v}"),
            (sigmoid(u), "that is σ({v})"),
        ]


@register(step)
class StepRule(FunctionRule):
    """H′(z) = 0 away from the kink at 0 (gradient descent uses 0 there too)."""

    name = "step rule"
    formula_text = "H′(z) = 0 for z ≠ 0"
    formula_latex = r"H'(z) = 0,\ z \neq 0"

    def derivative(self, expr, u):
        return S.Zero

    def reason(self, expr, u):
        return "H is flat (1 for z > 0, 0 for z < 0); at the jump z = 0 the convention is 0"


def _through_each_argument(expr, arguments, variable, context, partial):
    """Σₖ ∂f/∂zₖ · dzₖ/dx over the arguments zₖ that contain x (the multivariable chain rule)."""
    shape, terms = [], []
    for k, argument in enumerate(arguments):
        if not _depends(argument, variable):
            continue
        inner = S.One if argument == variable else context.derive(argument, variable).rhs
        shape.append(times(partial(k), _d(argument, variable)) if argument != variable else partial(k))
        terms.append(times(partial(k), inner))
    return plus(*shape), plus(*terms)


@register(softmax)
class SoftmaxRule(Rule):
    """∂softmaxᵢ/∂zⱼ = softmaxᵢ·(δᵢⱼ − softmaxⱼ), summed over the inputs that contain x."""

    name = "softmax rule"
    formula_text = "∂sᵢ/∂zⱼ = sᵢ(1 − sᵢ) if i = j, −sᵢsⱼ otherwise"
    formula_latex = r"\frac{\partial s_i}{\partial z_j} = s_i\left(\delta_{ij} - s_j\right)"

    def applies(self, expr, variable):
        return not _depends(expr.args[0], variable)

    def apply(self, expr, variable, context):
        index, zs = int(expr.args[0]), expr.args[1:]

        def partial(k):
            own = softmax(index, *zs)
            if k == index:
                return times(own, minus(1, own))
            return times(-own, softmax(k, *zs))

        shape, result = _through_each_argument(expr, zs, variable, context, partial)
        reason = (f"softmax moves with every input; only those containing {_t(variable)} count, "
                  f"each through ∂sᵢ/∂zⱼ = sᵢ(δᵢⱼ − sⱼ)")
        return self.line(expr, variable, result, reason, _unless_same(self.algebra(expr, variable, shape, reason)))


def _unless_same(step: Step) -> list:
    """[step], or nothing when the formula with the pieces put in is already the result."""
    return [] if not step.rhs.has(sympy.Derivative) else [step]


@register(logsumexp)
class LogSumExpRule(Rule):
    """∂/∂zⱼ ln Σₖ e^(zₖ) = softmaxⱼ, summed over the inputs that contain x."""

    name = "log-sum-exp rule"
    formula_text = "∂/∂zⱼ ln Σₖ e^(zₖ) = softmaxⱼ(z)"
    formula_latex = r"\frac{\partial}{\partial z_j} \ln \sum_k e^{z_k} = \operatorname{softmax}_j(z)"

    def applies(self, expr, variable):
        return True

    def apply(self, expr, variable, context):
        zs = expr.args
        shape, result = _through_each_argument(expr, zs, variable, context, lambda k: softmax(k, *zs))
        reason = f"each input zⱼ that contains {_t(variable)} contributes softmaxⱼ · dzⱼ/d{_t(variable)}"
        return self.line(expr, variable, result, reason, _unless_same(self.algebra(expr, variable, shape, reason)))
