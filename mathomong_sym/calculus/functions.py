r"""Rules for the elementary functions: powers, roots, exponentials, logarithms,
|x|, sign, H, max and min, the trigonometric and hyperbolic functions and
their inverses, and piecewise functions.

Each is a :class:`~mathomong_sym.calculus.rules.FunctionRule` (one argument,
the chain rule around it comes for free) or a plain
:class:`~mathomong_sym.calculus.rules.Rule`.  The derivative forms of the
inverse functions are the ones that hold on every branch, so a step checked
at a point where the value is complex is still right.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Pow, S

from ..derivation import Words
from .forms import plus, scale, times
from .rules import FunctionRule, Rule, _d, _depends, register

__all__ = ["SquareRootRule", "PowerRule", "ExponentialBaseRule", "GeneralPowerRule", "ExponentialRule",
           "LogarithmRule", "AbsoluteValueRule", "SignRule", "HeavisideRule", "MaxRule", "MinRule",
           "TangentRule", "PiecewiseRule"]


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
             Words.of("√{v} = {p}: the power rule with n = 1/2", v=u, p=Pow(u, half, evaluate=False))),
            (times(half, Pow(u, -half)), Words("1/2 − 1 = −1/2")),
        ]


@register(Pow)
class PowerRule(FunctionRule):
    """d/dx xⁿ = n·xⁿ⁻¹ for any constant n (negative and fractional too)."""

    name = "power rule"
    formula_text = "d/dx xⁿ = n·xⁿ⁻¹"
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

    #: n·x^(n − 1) written out is the rule applied, not a proof of it
    derivation_kind = "shape"

    def derivation(self, expr, u):
        n = expr.exp
        written = times(n, Pow(u, sympy.Add(n, -1, evaluate=False), evaluate=False))
        if written == self.derivative(expr, u):
            return []
        return [(written, Words.of("bring the exponent {n} down and lower it by 1", n=n))]

    def reason(self, expr, u):
        return Words(sympy.Eq(sympy.Symbol("n"), expr.exp, evaluate=False))


@register(Pow)
class ExponentialBaseRule(FunctionRule):
    """d/dx aˣ = aˣ·ln a for a constant base a."""

    name = "exponential rule (base a)"
    formula_text = "d/dx aˣ = aˣ·ln a"
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
            (_d(e, u), Words.of("{p} = {q}", p=Pow(a, u, evaluate=False), q=e)),
            (times(e, sympy.log(a)), Words("the exponential rule; ln a is a constant")),
        ]

    def reason(self, expr, u):
        return Words(sympy.Eq(sympy.Symbol("a"), expr.base, evaluate=False))


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
        reason = Words.of("{f} = {e}: the exponential rule around g·ln f", f=expr,
                          e=sympy.exp(exponent, evaluate=False))
        shape = times(expr, _d(sympy.Mul(expr.exp, sympy.log(expr.base)), variable))
        return self.line(expr, variable, times(expr, inner), reason, [self.algebra(expr, variable, shape, reason)])


@register(sympy.exp)
class ExponentialRule(FunctionRule):
    """d/dx eˣ = eˣ."""

    name = "exponential rule"
    formula_text = "d/dx eˣ = eˣ"
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
            # built unevaluated: for a real u sympy would turn √(u²) straight back into |u|
            (_d(Pow(u ** 2, S.Half, evaluate=False), u),
             Words.of("{a} = {r}", a=sympy.Abs(u), r=Pow(u ** 2, S.Half, evaluate=False))),
            (times(Pow(times(2, Pow(u ** 2, S.Half, evaluate=False)), -1, evaluate=False), 2 * u),
             Words("the chain rule, with the square root rule outside")),
            (u / sympy.Abs(u), Words.of("{r} = {a}", a=sympy.Abs(u), r=Pow(u ** 2, S.Half, evaluate=False))),
        ]

    def reason(self, expr, u):
        return Words("slope 1 right of 0, −1 left of it; a corner at 0")


@register(sympy.sign)
class SignRule(FunctionRule):
    """sign is flat away from 0; at 0 it jumps (sympy writes the jump as 2δ(x))."""

    name = "sign rule"
    formula_text = "d/dx sign(x) = 0 for x ≠ 0"
    formula_latex = r"\frac{d}{dx} \operatorname{sign}(x) = 2\,\delta(x)"

    def derivative(self, expr, u):
        return 2 * sympy.DiracDelta(u)

    def reason(self, expr, u):
        return Words("0 for every x ≠ 0 (δ is 0 there); the jump at 0 is 2δ(x)")


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
        return Words("H is flat on both sides of 0 (δ(x) = 0 for x ≠ 0); its jump at 0 is δ")


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
        return Words(reason)

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
            (_d(sympy.Mul(s, Pow(c, -1)), u), Words.of("{t} = {q}", t=sympy.tan(u), q=sympy.Mul(s, Pow(c, -1)))),
            (sympy.Mul(plus(times(c, c), times(s, s)), Pow(c, -2)), Words("the quotient rule")),
            (Pow(c, -2), Words("sin²x + cos²x = 1")),
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
        reason = Words("each piece by its own rule, inside its own interval")
        return self.line(expr, variable, result, reason)
