r"""The activations' own rules: σ, tanh, ReLU, leaky ReLU, softplus, the step
function, softmax and log-sum-exp.

Their derivatives come from the Activation registry of
:mod:`mathomong_sym.activations`, in the form they are taught (σ(1 − σ),
1 − tanh², H with H(0) = 0); each rule adds the derivation behind it for
the finest level of detail, one rule per line.

The guide spells two activations out: ReLU(x) = max(0, x) and
sigmoid(x) = 1/(1 + e^−x).  Typed that way they are recognised, said so,
and differentiated by the activation's own rule (with its convention at the
kink, and σ′ = σ(1 − σ)), not by the rules for max and quotients.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import sympy
from sympy import Pow, S

from ..activations import LEAKY_SLOPE, get_activation, leaky_relu, logsumexp, relu, sigmoid, softmax, softplus, step
from ..derivation import Step, Words
from .forms import minus, plus, times
from .rules import FunctionRule, Rule, _d, _depends, register

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
        return Words()  # the convention at a kink is listed once, under the derivation


@register(sigmoid)
class SigmoidRule(ActivationRule):
    """σ′(z) = σ(z)(1 − σ(z))."""

    name = "sigmoid rule"
    activation = "sigmoid"

    def derivation(self, expr, u):
        e = sympy.exp(-u)
        one_plus = sympy.Add(1, e, evaluate=False)
        minus_square = times(-1, Pow(one_plus, -2, evaluate=False))
        fraction = sympy.Mul(e, Pow(one_plus, -1, evaluate=False))
        return [
            (_d(Pow(one_plus, -1, evaluate=False), u),
             Words.of("{s} = {d}", s=sigmoid(u), d=Pow(one_plus, -1, evaluate=False))),
            (times(minus_square, _d(one_plus, u)), Words("the reciprocal rule: (1/g)′ = −g′/g²")),
            (times(minus_square, times(-1, e)), Words.of("the exponential rule: the derivative of {e} is {m}",
                                                         e=e, m=times(-1, e))),
            (sympy.Mul(e, Pow(one_plus, -2, evaluate=False)), Words("the two minus signs cancel")),
            (times(Pow(one_plus, -1, evaluate=False), fraction), Words("split the fraction in two")),
            (self.derivative(expr, u), Words.of("{a} = {s} and {b} = {c}", a=Pow(one_plus, -1, evaluate=False),
                                                s=sigmoid(u), b=fraction, c=minus(1, sigmoid(u)))),
        ]


@register(sympy.tanh)
class TanhRule(ActivationRule):
    """tanh′(z) = 1 − tanh²(z)."""

    name = "tanh rule"
    activation = "tanh"

    def derivation(self, expr, u):
        s, c = sympy.sinh(u), sympy.cosh(u)
        return [
            (_d(sympy.Mul(s, Pow(c, -1)), u), Words.of("{t} = {q}", t=sympy.tanh(u), q=sympy.Mul(s, Pow(c, -1)))),
            (sympy.Mul(minus(times(c, c), times(s, s)), Pow(c, -2)),
             Words("the quotient rule, with sinh′ = cosh and cosh′ = sinh")),
            (minus(1, sympy.Mul(s ** 2, Pow(c, -2))), Words("split the fraction")),
            (self.derivative(expr, u), Words.of("{q} = {t}", q=sympy.Mul(s ** 2, Pow(c, -2)), t=sympy.tanh(u) ** 2)),
        ]


@register(relu)
class ReluRule(ActivationRule):
    """ReLU′(z) = H(z): 1 for z > 0, 0 for z < 0, and 0 at z = 0 by convention."""

    name = "ReLU rule"
    activation = "relu"

    def derivation(self, expr, u):
        return [
            (sympy.Piecewise((1, u > 0), (0, True)),
             "ReLU({v}) is {v} for {v} > 0 (slope 1) and 0 for {v} < 0 (slope 0); at the kink 0 the convention is 0"),
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
        return Words("H is flat (1 for z > 0, 0 for z < 0); at the jump z = 0 the convention is 0")


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
        reason = Words.of("softmax moves with every input; only those containing {v} count", v=variable)
        return self.line(expr, variable, result, reason, _unless_same(self.shape(expr, variable, shape, reason)))


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
        reason = Words.of("each input that contains {v} contributes its softmax times its derivative", v=variable)
        return self.line(expr, variable, result, reason, _unless_same(self.shape(expr, variable, shape, reason)))


# ---------------------------------------------------------------------------
# the guide's spellings: max(0, x) is ReLU, 1/(1 + e^−x) is σ
# ---------------------------------------------------------------------------

def _relu_argument(expr):
    """g when *expr* is max(0, g) (or max(g, 0)), else None."""
    if isinstance(expr, sympy.Max) and len(expr.args) == 2 and S.Zero in expr.args:
        return next(a for a in expr.args if a != 0)
    return None


def _sigmoid_argument(expr):
    """g when *expr* is 1/(1 + e^(−g)) or e^g/(1 + e^g), else None."""
    def one_plus_exp(node):
        if node.is_Add and len(node.args) == 2 and S.One in node.args:
            other = next(a for a in node.args if a != 1)
            if isinstance(other, sympy.exp):
                return other.args[0]
        return None

    if expr.is_Pow and expr.exp == -1:
        exponent = one_plus_exp(expr.base)
        return None if exponent is None else -exponent
    if expr.is_Mul and len(expr.args) == 2:
        for top, bottom in (expr.args, expr.args[::-1]):
            if isinstance(top, sympy.exp) and bottom.is_Pow and bottom.exp == -1 \
                    and one_plus_exp(bottom.base) == top.args[0]:
                return top.args[0]
    return None


@dataclass(frozen=True)
class SpelledOutRule(Rule):
    """A named activation typed as its formula: say which one it is, then use its own rule."""

    activation: ClassVar[str] = ""

    def recognise(self, expr):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def applies(self, expr, variable):
        return _depends(expr, variable) and self.recognise(expr) is not None

    def apply(self, expr, variable, context):
        entry = get_activation(self.activation)
        named = entry.function(self.recognise(expr))
        result = context.derive(named, variable).rhs
        # the convention at a kink is said once, under the derivation, as for the named activation
        reason = Words.of("{e} is {n}", e=expr, n=named)
        return self.line(expr, variable, result, reason, [self.shape(expr, variable, _d(named, variable), reason)])


@register(sympy.Max, first=True)
class ReluAsMaxRule(SpelledOutRule):
    """max(0, g) is ReLU(g): its derivative is H(g)·g′ with H(0) = 0, the package's convention."""

    name = "ReLU written as max"
    formula_text = "ReLU(x) = max(0, x)"
    formula_latex = r"\operatorname{ReLU}(x) = \max(0, x)"
    activation = "relu"

    def recognise(self, expr):
        return _relu_argument(expr)


@register(sympy.Pow, sympy.Mul, first=True)
class SigmoidSpelledOutRule(SpelledOutRule):
    """1/(1 + e^(−g)) and e^g/(1 + e^g) are σ(g): σ′ = σ(1 − σ)."""

    name = "sigmoid written out"
    formula_text = "σ(x) = 1/(1 + e^(−x))"
    formula_latex = r"\sigma(x) = \frac{1}{1 + e^{-x}}"
    activation = "sigmoid"

    def recognise(self, expr):
        return _sigmoid_argument(expr)
