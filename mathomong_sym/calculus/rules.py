r"""The elementary differentiation rules, one small class each.

Every rule knows three things: when it applies (``applies``), what it gives
(``apply``, which writes one line and asks the context for the lines of its
sub-derivatives), and how it is said (``name``, ``formula_text``,
``formula_latex``).  A rule computes its result from its sub-steps; none calls
``sympy.diff`` except :class:`BySympy`, the labelled fallback.

Rules are found through :data:`REGISTRY`, keyed by the head of the
expression (``expr.func``), after the two rules that look at the whole
expression first (a constant, the variable itself).  Functions of one
argument (sin, σ, xⁿ, aˣ …) subclass :class:`FunctionRule`; when the argument
is not the variable itself they hand over to :class:`ChainRule`, which names
the inner function and derives both parts.

Each line a rule writes is ``d(expr)/d(var) = result`` (kind ``"rule"``); its
``substeps`` are the algebra inside the rule (kind ``"algebra"``): the
general formula with the pieces put in, or, for σ, tanh, ReLU and the other
rules with a derivation of their own, that derivation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import sympy
from sympy import Pow, S

from ..activations import LEAKY_SLOPE, get_activation, leaky_relu, logsumexp, relu, sigmoid, softmax, softplus, step
from ..derivation import Step
from ..printing import to_text
from .forms import derivative, minus, plus, scale, substitute, times

__all__ = [
    "Rule",
    "FunctionRule",
    "REGISTRY",
    "GENERAL_RULES",
    "FALLBACK_FUNCTIONS",
    "choose_rule",
    "register",
    "rule_names",
]

#: heads of expressions → the rules that may apply to them, tried in order
REGISTRY: dict = {}
#: rules tried before the registry, whatever the expression's head
GENERAL_RULES: list = []

#: functions with no elementary rule here: their own derivative comes from
#: sympy, in a step labelled "by sympy" (the chain rule around it still applies)
FALLBACK_FUNCTIONS = (
    sympy.erf, sympy.erfc, sympy.erfi, sympy.gamma, sympy.loggamma, sympy.polygamma, sympy.digamma,
    sympy.besselj, sympy.bessely, sympy.zeta, sympy.LambertW, sympy.Ei, sympy.Si, sympy.Ci,
    sympy.fresnels, sympy.fresnelc, sympy.DiracDelta, sympy.floor, sympy.ceiling,
)


def register(*heads):
    """Class decorator: make one instance of the rule and file it under *heads*."""

    def decorate(cls):
        rule = cls()
        if not heads:
            GENERAL_RULES.append(rule)
        for head in heads:
            REGISTRY.setdefault(head, []).append(rule)
        return cls

    return decorate


def choose_rule(expr, variable) -> "Rule":
    """The first rule that applies to *expr*; the sympy fallback when none does."""
    for rule in GENERAL_RULES:
        if rule.applies(expr, variable):
            return rule
    for rule in REGISTRY.get(expr.func, ()):
        if rule.applies(expr, variable):
            return rule
    return BY_SYMPY


def rule_names() -> list[str]:
    """The name of every rule, for documentation and tests."""
    names = [r.name for r in GENERAL_RULES]
    for rules in REGISTRY.values():
        names.extend(r.name for r in rules if r.name not in names)
    names.extend([CHAIN.name, BY_SYMPY.name])
    return list(dict.fromkeys(names))


def _depends(expr, variable) -> bool:
    return expr.has(variable)


def _d(expr, variable):
    return derivative(expr, variable)


def _t(expr) -> str:
    return to_text(expr)


@dataclass(frozen=True)
class Rule:
    """A differentiation rule: when it applies, what it gives, how it is said."""

    name: ClassVar[str] = ""
    formula_text: ClassVar[str] = ""
    formula_latex: ClassVar[str] = ""

    def applies(self, expr, variable) -> bool:  # pragma: no cover - every rule defines it
        raise NotImplementedError

    def apply(self, expr, variable, context) -> Step:  # pragma: no cover - every rule defines it
        raise NotImplementedError

    def line(self, expr, variable, result, reason="", substeps=(), definitions=None) -> Step:
        return Step(_d(expr, variable), result, rule=self.name, reason=reason, substeps=list(substeps),
                    definitions=dict(definitions or {}), kind="rule", formula=self.formula_latex)

    def algebra(self, expr, variable, rhs, reason="", rule=None) -> Step:
        return Step(_d(expr, variable), rhs, rule=rule or self.name, reason=reason, kind="algebra",
                    formula=self.formula_latex)


# ---------------------------------------------------------------------------
# the expression as a whole
# ---------------------------------------------------------------------------

@register()
class ConstantRule(Rule):
    """d/dx c = 0 for anything c that does not contain x."""

    name = "constant rule"
    formula_text = "d/dx c = 0"
    formula_latex = r"\frac{d}{dx} c = 0"

    def applies(self, expr, variable):
        return not _depends(expr, variable)

    def apply(self, expr, variable, context):
        return self.line(expr, variable, S.Zero, f"{_t(expr)} does not contain {_t(variable)}")


@register()
class IdentityRule(Rule):
    """d/dx x = 1."""

    name = "identity rule"
    formula_text = "d/dx x = 1"
    formula_latex = r"\frac{d}{dx} x = 1"

    def applies(self, expr, variable):
        return expr == variable

    def apply(self, expr, variable, context):
        return self.line(expr, variable, S.One, f"the slope of {_t(variable)} against itself is 1")


# ---------------------------------------------------------------------------
# sums and products
# ---------------------------------------------------------------------------

@register(sympy.Add)
class SumRule(Rule):
    """(f ± g)′ = f′ ± g′; terms without the variable are constants and drop out."""

    name = "sum rule"
    formula_text = "(f + g)′ = f′ + g′"
    formula_latex = r"\left(f \pm g\right)' = f' \pm g'"

    def applies(self, expr, variable):
        return True

    def apply(self, expr, variable, context):
        terms = list(sympy.Add.make_args(expr))
        varying = [t for t in terms if _depends(t, variable)]
        constant = [t for t in terms if not _depends(t, variable)]
        placeholders = plus(*[_d(t, variable) for t in varying])
        results = [context.derive(t, variable).rhs for t in varying]
        result = plus(*results)
        reason = self._reason(varying, constant, variable)
        substeps = [self.algebra(expr, variable, placeholders, reason)]
        return self.line(expr, variable, result, reason, substeps)

    @staticmethod
    def _reason(varying, constant, variable) -> str:
        v = _t(variable)
        if not constant:
            return "differentiate term by term"
        listed = ", ".join(_t(c) for c in constant)
        them = "it is a constant" if len(constant) == 1 else "they are constants"
        if len(varying) == 1:
            return (f"only the term {_t(varying[0])} contains {v}; {listed} "
                    f"{'does' if len(constant) == 1 else 'do'} not, so {them} and {'its' if len(constant) == 1 else 'their'}"
                    f" derivative is 0")
        return (f"term by term; {listed} {'does' if len(constant) == 1 else 'do'} not contain {v}, "
                f"so {them} with derivative 0")


def _split_constant(expr, variable):
    """(c, rest): the factors of a product without the variable, and the others."""
    constant, varying = [], []
    for factor in sympy.Mul.make_args(expr):
        (varying if _depends(factor, variable) else constant).append(factor)
    return sympy.Mul(*constant), varying


@register(sympy.Mul)
class ConstantMultipleRule(Rule):
    """(c·f)′ = c·f′ for a constant c."""

    name = "constant multiple rule"
    formula_text = "(c·f)′ = c·f′"
    formula_latex = r"\left(c\, f\right)' = c\, f'"

    def applies(self, expr, variable):
        coefficient, _ = _split_constant(expr, variable)
        return coefficient != 1

    def apply(self, expr, variable, context):
        coefficient, varying = _split_constant(expr, variable)
        inner = sympy.Mul(*varying)
        c, f = _t(coefficient), _t(inner)
        if inner == variable:
            reason = f"{c} is a constant factor and d/d{_t(variable)} {_t(variable)} = 1"
            return self.line(expr, variable, coefficient, reason)
        result = scale(coefficient, context.derive(inner, variable).rhs)
        if coefficient == -1:
            reason = f"the minus sign stays in front of the derivative of {f}"
        else:
            reason = f"{c} does not contain {_t(variable)}: keep it as a factor of the derivative of {f}"
        substeps = [self.algebra(expr, variable, times(coefficient, _d(inner, variable)), reason)]
        return self.line(expr, variable, result, reason, substeps)


def _ratio(expr, variable):
    """(numerator, denominator) when *expr* is written as a ratio of two varying parts."""
    numerator, denominator = [], []
    for factor in sympy.Mul.make_args(expr):
        if factor.is_Pow and factor.exp.is_number and factor.exp.is_negative and _depends(factor.base, variable):
            denominator.append(Pow(factor.base, -factor.exp))
        else:
            numerator.append(factor)
    numerator = sympy.Mul(*numerator)
    if not denominator or not _depends(numerator, variable):
        return None
    return numerator, sympy.Mul(*denominator)


@register(sympy.Mul)
class QuotientRule(Rule):
    """(f/g)′ = (f′g − fg′)/g²."""

    name = "quotient rule"
    formula_text = "(f/g)′ = (f′·g − f·g′)/g²"
    formula_latex = r"\left(\frac{f}{g}\right)' = \frac{f' g - f g'}{g^{2}}"

    def applies(self, expr, variable):
        return _ratio(expr, variable) is not None

    def apply(self, expr, variable, context):
        f, g = _ratio(expr, variable)
        df = context.derive(f, variable).rhs
        dg = context.derive(g, variable).rhs
        reason = f"a ratio with f = {_t(f)} and g = {_t(g)}"
        shape = sympy.Mul(minus(times(_d(f, variable), g), times(f, _d(g, variable))), Pow(g, -2))
        result = sympy.Mul(minus(times(df, g), times(f, dg)), Pow(g, -2))
        return self.line(expr, variable, result, reason, [self.algebra(expr, variable, shape, reason)])


@register(sympy.Mul)
class ProductRule(Rule):
    """(fg)′ = f′g + fg′, and (fgh)′ = f′gh + fg′h + fgh′ for more factors."""

    name = "product rule"
    formula_text = "(f·g)′ = f′·g + f·g′"
    formula_latex = r"\left(f g\right)' = f' g + f g'"

    def applies(self, expr, variable):
        return True

    def apply(self, expr, variable, context):
        factors = list(sympy.Mul.make_args(expr))
        derivatives = [context.derive(f, variable).rhs for f in factors]

        def expand(which):
            return plus(*[times(*[which[i] if i == j else f for i, f in enumerate(factors)])
                          for j in range(len(factors))])

        shape = expand([_d(f, variable) for f in factors])
        result = expand(derivatives)
        letters = "fghkmn"
        named = ", ".join(f"{letters[i] if i < len(letters) else f'f_{i}'} = {_t(f)}" for i, f in enumerate(factors))
        reason = f"a product of {len(factors)} factors that contain {_t(variable)}: {named}"
        return self.line(expr, variable, result, reason, [self.algebra(expr, variable, shape, reason)])


# ---------------------------------------------------------------------------
# functions of one argument, and the chain rule
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class FunctionRule(Rule):
    """The rule for f(u) of one argument; f(g(x)) goes through the chain rule.

    Subclasses give ``derivative(expr, u)`` (f′ at the argument u, in its
    teaching form) and may give ``derivation(expr, u)``: the algebra that
    proves it, as a list of right sides (with reasons) for ∂f(u)/∂u.
    """

    function: ClassVar = None

    def argument(self, expr):
        return expr.args[0]

    def rebuild(self, expr, u):
        return expr.func(u)

    def fits(self, expr, variable) -> bool:
        """Does *expr* have this rule's shape (whatever its argument is)?"""
        return True

    def applies(self, expr, variable):
        return self.fits(expr, variable)

    def derivative(self, expr, u):  # pragma: no cover - every rule defines it
        raise NotImplementedError

    def derivation(self, expr, u) -> list[tuple]:
        return []

    def reason(self, expr, u) -> str:
        return self.formula_text

    def apply(self, expr, variable, context):
        if self.argument(expr) != variable:
            return CHAIN.apply_with(self, expr, variable, context)
        result = self.derivative(expr, variable)
        # the rule's own derivation is written for a generic {v}: say it in this variable
        name = _t(variable)
        substeps = [self.algebra(expr, variable, rhs, why.replace("{v}", name))
                    for rhs, why in self.derivation(expr, variable)]
        return self.line(expr, variable, result, self.reason(expr, variable), substeps)


@dataclass(frozen=True)
class ChainRule(Rule):
    """(f(g(x)))′ = f′(g(x))·g′(x): name the inner function u = g(x)."""

    name: ClassVar[str] = "chain rule"
    formula_text: ClassVar[str] = "d/dx f(u) = f′(u)·du/dx"
    formula_latex: ClassVar[str] = r"\frac{d}{dx} f(u) = f'(u)\,\frac{du}{dx}"

    def applies(self, expr, variable):  # reached only through a FunctionRule
        return False

    def apply_with(self, outer: FunctionRule, expr, variable, context) -> Step:
        inner = outer.argument(expr)
        u = context.name_for(inner)
        rebuilt = outer.rebuild(expr, u)
        outer_line = context.derive(rebuilt, u)
        inner_line = context.derive(inner, variable)
        if inner_line.lhs != _d(u, variable) and not inner.is_Symbol:
            inner_line = context.relabel(inner_line, _d(u, variable))
        result = times(outer_line.rhs, inner_line.rhs)
        how = "by sympy" if outer.name == BySympy.name else f"by the {outer.name}"
        reason = (f"let {_t(u)} = {_t(inner)}: the outer function {_t(rebuilt)} {how}, "
                  f"times the derivative of the inner one")
        shape = times(_d(rebuilt, u), _d(u, variable))
        return self.line(expr, variable, result, reason, [self.algebra(expr, variable, shape, reason)],
                         definitions={u: inner})


CHAIN = ChainRule()


@register(Pow)
class SquareRootRule(FunctionRule):
    """d/dx √x = 1/(2√x)."""

    name = "square root rule"
    formula_text = "d/dx √x = 1/(2√x)"
    formula_latex = r"\frac{d}{dx}\sqrt{x} = \frac{1}{2\sqrt{x}}"

    def fits(self, expr, variable):
        return expr.exp == S.Half

    def argument(self, expr):
        return expr.base

    def rebuild(self, expr, u):
        return sympy.sqrt(u)

    def derivative(self, expr, u):
        return 1 / (2 * sympy.sqrt(u))

    def derivation(self, expr, u):
        half = S.Half
        return [
            (times(half, Pow(u, sympy.Add(half, -1, evaluate=False), evaluate=False)),
             "√x = x^(1/2): power rule with n = 1/2"),
            (times(half, Pow(u, -half)), "1/2 − 1 = −1/2"),
        ]


@register(Pow)
class PowerRule(FunctionRule):
    """d/dx xⁿ = n·xⁿ⁻¹ for any constant n (negative and fractional too)."""

    name = "power rule"
    formula_text = "d/dx x^n = n·x^(n − 1)"
    formula_latex = r"\frac{d}{dx} x^{n} = n\, x^{n-1}"

    def fits(self, expr, variable):
        return not _depends(expr.exp, variable)

    def argument(self, expr):
        return expr.base

    def rebuild(self, expr, u):
        return Pow(u, expr.exp)

    def derivative(self, expr, u):
        n = expr.exp
        return scale(n, Pow(u, n - 1))

    def derivation(self, expr, u):
        n = expr.exp
        written = times(n, Pow(u, sympy.Add(n, -1, evaluate=False), evaluate=False))
        if written == self.derivative(expr, u):
            return []
        return [(written, f"bring the exponent {_t(n)} down and lower it by 1")]

    def reason(self, expr, u):
        return f"n = {_t(expr.exp)}: bring n down, lower the exponent by 1"


@register(Pow)
class ExponentialBaseRule(FunctionRule):
    """d/dx aˣ = aˣ·ln a for a constant base a."""

    name = "exponential rule (base a)"
    formula_text = "d/dx a^x = a^x·ln a"
    formula_latex = r"\frac{d}{dx} a^{x} = a^{x} \ln a"

    def fits(self, expr, variable):
        return not _depends(expr.base, variable)

    def argument(self, expr):
        return expr.exp

    def rebuild(self, expr, u):
        return Pow(expr.base, u)

    def derivative(self, expr, u):
        return times(Pow(expr.base, u), sympy.log(expr.base))

    def derivation(self, expr, u):
        a = expr.base
        e = sympy.exp(times(u, sympy.log(a)), evaluate=False)
        return [
            (_d(e, u), f"{_t(a)}^{{v}} = e^({{v}}·ln {_t(a)})"),
            (times(e, sympy.log(a)), "exponential rule and the constant ln a"),
        ]

    def reason(self, expr, u):
        return f"a = {_t(expr.base)}"


@register(Pow)
class GeneralPowerRule(Rule):
    """(f^g)′ = f^g·(g·ln f)′, from f^g = e^(g·ln f), when base and exponent both vary."""

    name = "general power rule"
    formula_text = "(f^g)′ = f^g·(g·ln f)′"
    formula_latex = r"\left(f^{g}\right)' = f^{g} \left(g \ln f\right)'"

    def applies(self, expr, variable):
        return True

    def apply(self, expr, variable, context):
        exponent = times(expr.exp, sympy.log(expr.base))
        inner = context.derive(sympy.Mul(expr.exp, sympy.log(expr.base)), variable).rhs
        reason = f"{_t(expr)} = e^({_t(exponent)}): the exponential rule and the chain rule"
        shape = times(expr, _d(sympy.Mul(expr.exp, sympy.log(expr.base)), variable))
        return self.line(expr, variable, times(expr, inner), reason, [self.algebra(expr, variable, shape, reason)])


@register(sympy.exp)
class ExponentialRule(FunctionRule):
    """d/dx eˣ = eˣ."""

    name = "exponential rule"
    formula_text = "d/dx e^x = e^x"
    formula_latex = r"\frac{d}{dx} e^{x} = e^{x}"

    def rebuild(self, expr, u):
        return sympy.exp(u)

    def derivative(self, expr, u):
        return sympy.exp(u)

    def reason(self, expr, u):
        return "e^x is its own derivative"


@register(sympy.log)
class LogarithmRule(FunctionRule):
    """d/dx ln x = 1/x."""

    name = "logarithm rule"
    formula_text = "d/dx ln x = 1/x"
    formula_latex = r"\frac{d}{dx} \ln x = \frac{1}{x}"

    def fits(self, expr, variable):
        return len(expr.args) == 1

    def derivative(self, expr, u):
        return 1 / u


@register(sympy.Abs)
class AbsoluteValueRule(FunctionRule):
    """d/dx |x| = sign(x) for real x ≠ 0."""

    name = "absolute value rule"
    formula_text = "d/dx |x| = sign(x) (x ≠ 0)"
    formula_latex = r"\frac{d}{dx} \lvert x \rvert = \operatorname{sign}(x),\ x \neq 0"

    def fits(self, expr, variable):
        # for complex arguments |z| is not differentiable: leave it to the fallback
        return bool(expr.args[0].is_extended_real)

    def derivative(self, expr, u):
        return sympy.sign(u)

    def derivation(self, expr, u):
        return [
            (_d(sympy.sqrt(u ** 2), u), "|{v}| = √({v}²)"),
            (times(1 / (2 * sympy.sqrt(u ** 2)), 2 * u), "square root rule and chain rule"),
            (u / sympy.Abs(u), "√({v}²) = |{v}|"),
        ]

    def reason(self, expr, u):
        return "slope 1 right of 0, −1 left of it; |x| has a corner at 0"


@register(sympy.sign)
class SignRule(FunctionRule):
    """sign is flat away from 0; at 0 it jumps (sympy writes the jump as 2δ(x))."""

    name = "sign rule"
    formula_text = "d/dx sign(x) = 0 for x ≠ 0"
    formula_latex = r"\frac{d}{dx} \operatorname{sign}(x) = 2\,\delta(x)"

    def derivative(self, expr, u):
        return 2 * sympy.DiracDelta(u)

    def reason(self, expr, u):
        return "0 for every x ≠ 0 (δ is 0 there); the jump at 0 is 2δ(x)"


@register(sympy.Heaviside)
class HeavisideRule(FunctionRule):
    """d/dx H(x) = δ(x): 0 everywhere except at the jump."""

    name = "Heaviside rule"
    formula_text = "d/dx H(x) = δ(x), 0 for every x ≠ 0"
    formula_latex = r"\frac{d}{dx} H(x) = \delta(x)"

    def rebuild(self, expr, u):
        return expr.func(u, *expr.args[1:])

    def derivative(self, expr, u):
        return sympy.DiracDelta(u)

    def reason(self, expr, u):
        return "H is flat on both sides of 0 (δ(x) = 0 for x ≠ 0); its jump at 0 is δ"


def _max_min_derivative(expr, variable, context, compare):
    branches = list(expr.args)
    terms = []
    for i, branch in enumerate(branches):
        if not _depends(branch, variable):
            continue
        selectors = [sympy.Heaviside(compare(branch, other)) for j, other in enumerate(branches) if j != i]
        terms.append(times(context.derive(branch, variable).rhs, *selectors))
    return plus(*terms)


@register(sympy.Max)
class MaxRule(Rule):
    """max(f, g)′ = f′ where f > g and g′ where g > f (no derivative at a tie)."""

    name = "max rule"
    formula_text = "max(f, g)′ = f′·H(f − g) + g′·H(g − f)"
    formula_latex = r"\max(f, g)' = f' H(f - g) + g' H(g - f)"

    def applies(self, expr, variable):
        return True

    def apply(self, expr, variable, context):
        result = _max_min_derivative(expr, variable, context, lambda a, b: a - b)
        return self.line(expr, variable, result, "the derivative of whichever argument is largest")


@register(sympy.Min)
class MinRule(Rule):
    """min(f, g)′ = f′ where f < g and g′ where g < f."""

    name = "min rule"
    formula_text = "min(f, g)′ = f′·H(g − f) + g′·H(f − g)"
    formula_latex = r"\min(f, g)' = f' H(g - f) + g' H(f - g)"

    def applies(self, expr, variable):
        return True

    def apply(self, expr, variable, context):
        result = _max_min_derivative(expr, variable, context, lambda a, b: b - a)
        return self.line(expr, variable, result, "the derivative of whichever argument is smallest")


def _simple(name, head, text, latex, derivative, reason=""):
    """A FunctionRule subclass for a function whose rule is one formula."""

    def derive(self, expr, u):
        return derivative(u)

    def say(self, expr, u):
        return reason or text

    cls = type(f"{head.__name__.capitalize()}Rule", (FunctionRule,), {
        "__doc__": text, "name": name, "formula_text": text, "formula_latex": latex,
        "derivative": derive, "reason": say, "__module__": __name__,
    })
    cls = dataclass(frozen=True)(cls)
    register(head)(cls)
    return cls


# trigonometric
SineRule = _simple("sine rule", sympy.sin, "d/dx sin x = cos x", r"\frac{d}{dx}\sin x = \cos x", sympy.cos)
CosineRule = _simple("cosine rule", sympy.cos, "d/dx cos x = −sin x", r"\frac{d}{dx}\cos x = -\sin x",
                     lambda u: -sympy.sin(u))
CotangentRule = _simple("cotangent rule", sympy.cot, "d/dx cot x = −csc²x", r"\frac{d}{dx}\cot x = -\csc^{2} x",
                        lambda u: -sympy.csc(u) ** 2)
SecantRule = _simple("secant rule", sympy.sec, "d/dx sec x = sec x·tan x", r"\frac{d}{dx}\sec x = \sec x \tan x",
                     lambda u: times(sympy.sec(u), sympy.tan(u)))
CosecantRule = _simple("cosecant rule", sympy.csc, "d/dx csc x = −csc x·cot x",
                       r"\frac{d}{dx}\csc x = -\csc x \cot x", lambda u: -sympy.csc(u) * sympy.cot(u))


@register(sympy.tan)
class TangentRule(FunctionRule):
    """d/dx tan x = sec²x = 1/cos²x."""

    name = "tangent rule"
    formula_text = "d/dx tan x = sec²x = 1/cos²x"
    formula_latex = r"\frac{d}{dx}\tan x = \sec^{2} x"

    def derivative(self, expr, u):
        return sympy.sec(u) ** 2

    def derivation(self, expr, u):
        s, c = sympy.sin(u), sympy.cos(u)
        return [
            (_d(sympy.Mul(s, Pow(c, -1)), u), "tan {v} = sin {v} / cos {v}"),
            (sympy.Mul(plus(times(c, c), times(s, s)), Pow(c, -2)), "quotient rule"),
            (Pow(c, -2), "sin²x + cos²x = 1"),
        ]


# inverse trigonometric (the forms sympy uses, which hold on every branch)
ArcsineRule = _simple("arcsine rule", sympy.asin, "d/dx arcsin x = 1/√(1 − x²)",
                      r"\frac{d}{dx}\arcsin x = \frac{1}{\sqrt{1 - x^{2}}}", lambda u: 1 / sympy.sqrt(1 - u ** 2))
ArccosineRule = _simple("arccosine rule", sympy.acos, "d/dx arccos x = −1/√(1 − x²)",
                        r"\frac{d}{dx}\arccos x = -\frac{1}{\sqrt{1 - x^{2}}}", lambda u: -1 / sympy.sqrt(1 - u ** 2))
ArctangentRule = _simple("arctangent rule", sympy.atan, "d/dx arctan x = 1/(1 + x²)",
                         r"\frac{d}{dx}\arctan x = \frac{1}{1 + x^{2}}", lambda u: 1 / (1 + u ** 2))
ArccotangentRule = _simple("arccotangent rule", sympy.acot, "d/dx arccot x = −1/(1 + x²)",
                           r"\frac{d}{dx}\operatorname{arccot} x = -\frac{1}{1 + x^{2}}", lambda u: -1 / (1 + u ** 2))
ArcsecantRule = _simple("arcsecant rule", sympy.asec, "d/dx arcsec x = 1/(x²·√(1 − 1/x²))",
                        r"\frac{d}{dx}\operatorname{arcsec} x = \frac{1}{x^{2}\sqrt{1 - x^{-2}}}",
                        lambda u: 1 / (u ** 2 * sympy.sqrt(1 - 1 / u ** 2)))
ArccosecantRule = _simple("arccosecant rule", sympy.acsc, "d/dx arccsc x = −1/(x²·√(1 − 1/x²))",
                          r"\frac{d}{dx}\operatorname{arccsc} x = -\frac{1}{x^{2}\sqrt{1 - x^{-2}}}",
                          lambda u: -1 / (u ** 2 * sympy.sqrt(1 - 1 / u ** 2)))

# hyperbolic (tanh is an activation, below)
SinhRule = _simple("sinh rule", sympy.sinh, "d/dx sinh x = cosh x", r"\frac{d}{dx}\sinh x = \cosh x", sympy.cosh)
CoshRule = _simple("cosh rule", sympy.cosh, "d/dx cosh x = sinh x", r"\frac{d}{dx}\cosh x = \sinh x", sympy.sinh)
CothRule = _simple("coth rule", sympy.coth, "d/dx coth x = 1 − coth²x", r"\frac{d}{dx}\coth x = 1 - \coth^{2} x",
                   lambda u: 1 - sympy.coth(u) ** 2)
SechRule = _simple("sech rule", sympy.sech, "d/dx sech x = −sech x·tanh x",
                   r"\frac{d}{dx}\operatorname{sech} x = -\operatorname{sech} x \tanh x",
                   lambda u: -sympy.sech(u) * sympy.tanh(u))
CschRule = _simple("csch rule", sympy.csch, "d/dx csch x = −csch x·coth x",
                   r"\frac{d}{dx}\operatorname{csch} x = -\operatorname{csch} x \coth x",
                   lambda u: -sympy.csch(u) * sympy.coth(u))
AsinhRule = _simple("arsinh rule", sympy.asinh, "d/dx arsinh x = 1/√(x² + 1)",
                    r"\frac{d}{dx}\operatorname{arsinh} x = \frac{1}{\sqrt{x^{2} + 1}}",
                    lambda u: 1 / sympy.sqrt(u ** 2 + 1))
AcoshRule = _simple("arcosh rule", sympy.acosh, "d/dx arcosh x = 1/(√(x − 1)·√(x + 1))",
                    r"\frac{d}{dx}\operatorname{arcosh} x = \frac{1}{\sqrt{x - 1}\sqrt{x + 1}}",
                    lambda u: 1 / (sympy.sqrt(u - 1) * sympy.sqrt(u + 1)))
AtanhRule = _simple("artanh rule", sympy.atanh, "d/dx artanh x = 1/(1 − x²)",
                    r"\frac{d}{dx}\operatorname{artanh} x = \frac{1}{1 - x^{2}}", lambda u: 1 / (1 - u ** 2))
AcothRule = _simple("arcoth rule", sympy.acoth, "d/dx arcoth x = 1/(1 − x²)",
                    r"\frac{d}{dx}\operatorname{arcoth} x = \frac{1}{1 - x^{2}}", lambda u: 1 / (1 - u ** 2))


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
    formula_text = "σ′(z) = σ(z)(1 − σ(z))"
    formula_latex = r"\sigma'(z) = \sigma(z)\left(1 - \sigma(z)\right)"

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
    formula_text = "tanh′(z) = 1 − tanh²(z)"
    formula_latex = r"\tanh'(z) = 1 - \tanh^{2}(z)"

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
    formula_text = "ReLU′(z) = H(z): 1 for z > 0, 0 for z ≤ 0"
    formula_latex = r"\operatorname{ReLU}'(z) = H(z)"

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
    formula_text = "LReLU′(z) = 1 for z > 0, α = 0.01 for z ≤ 0"
    formula_latex = r"\operatorname{LReLU}'(z) = \alpha + (1 - \alpha) H(z)"

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
    formula_text = "softplus′(z) = σ(z)"
    formula_latex = r"\operatorname{softplus}'(z) = \sigma(z)"

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


@register(sympy.Piecewise)
class PiecewiseRule(Rule):
    """Differentiate each piece on its own interval (the boundaries themselves are left out)."""

    name = "piecewise rule"
    formula_text = "f = fₖ where cₖ holds ⇒ f′ = fₖ′ there"
    formula_latex = r"\left(\begin{cases} f_k & c_k \end{cases}\right)' = \begin{cases} f_k' & c_k \end{cases}"

    def applies(self, expr, variable):
        return True

    def apply(self, expr, variable, context):
        pieces = [(context.derive(piece, variable).rhs, condition) for piece, condition in expr.args]
        result = sympy.Piecewise(*pieces)
        reason = "each piece by its own rule, inside its own interval"
        return self.line(expr, variable, result, reason)


# ---------------------------------------------------------------------------
# the fallback
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class BySympy(Rule):
    """No elementary rule: sympy's derivative, labelled as such and still verified."""

    name: ClassVar[str] = "by sympy"
    formula_text: ClassVar[str] = "no elementary rule: sympy's derivative"
    formula_latex: ClassVar[str] = ""

    def applies(self, expr, variable):
        return True

    def apply(self, expr, variable, context):
        # a one-argument function of something that is not the variable: keep
        # the chain rule visible and ask sympy only for the outer function
        if len(expr.args) == 1 and isinstance(expr, sympy.Function) and expr.args[0] != variable \
                and self._outer_is_closed(expr):
            return CHAIN.apply_with(_OUTER_BY_SYMPY, expr, variable, context)
        name = getattr(expr.func, "__name__", str(expr.func))
        return self.line(expr, variable, sympy.diff(expr, variable),
                         f"no elementary rule here covers {name}: the derivative is sympy's")


    @staticmethod
    def _outer_is_closed(expr) -> bool:
        # |u| of a complex u differentiates to re/im derivatives of u itself:
        # those cannot be written with u as a letter, so take the whole node
        probe = sympy.Dummy("u", real=True) if expr.args[0].is_extended_real else sympy.Dummy("u")
        return not sympy.diff(expr.func(probe), probe).has(sympy.Derivative)


@dataclass(frozen=True)
class _OuterBySympy(FunctionRule):
    name: ClassVar[str] = "by sympy"
    formula_text: ClassVar[str] = "no elementary rule: sympy's derivative"

    def derivative(self, expr, u):
        return sympy.diff(expr, u)

    def reason(self, expr, u):
        return f"no elementary rule here covers {getattr(expr.func, '__name__', expr.func)}: the derivative is sympy's"


BY_SYMPY = BySympy()
_OUTER_BY_SYMPY = _OuterBySympy()
