r"""The elementary differentiation rules, one small class each.

Every rule knows three things: when it applies (``applies``), what it gives
(``apply``, which writes one line and asks the context for the lines of its
sub-derivatives), and how it is said (``name``, ``formula_text``,
``formula_latex``).  A rule computes its result from its sub-steps; none calls
``sympy.diff`` except :class:`BySympy`, the labelled fallback.

Rules are found through :data:`REGISTRY`, keyed by the head of the
expression (``expr.func``), after the two rules that look at the whole
expression first (a constant, the variable itself).  This module holds the
rules of algebra (sum, constant multiple, product, quotient, chain) and the
fallback; :mod:`.functions` the elementary functions and :mod:`.neural` the
activations.  Functions of one
argument (sin, σ, xⁿ, aˣ …) subclass :class:`FunctionRule`; when the argument
is not the variable itself they hand over to :class:`ChainRule`, which names
the inner function and derives both parts.

Each line a rule writes is ``d(expr)/d(var) = result`` (kind ``"rule"``).
Its ``substeps`` are, in order: its *parts* (the lines of the derivatives it
asked the context for, kind ``"rule"``), its *shape* (the general formula
with the pieces put in, the parts still written as derivatives, kind
``"shape"``), the parts' results put in before tidying (kind
``"assembled"``, shown when it differs from the result: the ·1 of a chain
whose inner derivative is 1) and, for σ, tanh, |x| and the other rules with
a derivation of their own, that derivation (kind ``"algebra"``).  Reasons
are :class:`~mathomong_sym.derivation.Words`, so that their math is set as
math.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from typing import ClassVar

import sympy
from sympy import Pow, S

from ..derivation import Step, Words
from ..parsing.values import as_expression
from ..printing import to_text
from .forms import derivative, minus, plus, scale, times

__all__ = [
    "Rule",
    "FunctionRule",
    "ChainRule",
    "BySympy",
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


def register(*heads, first: bool = False):
    """Class decorator: make one instance of the rule and file it under *heads*.

    ``first=True`` files it before the rules already there (a special shape
    of an expression, tried before the general rule for its head).
    """

    def decorate(cls):
        rule = cls()
        if not heads:
            GENERAL_RULES.append(rule)
        for head in heads:
            rules = REGISTRY.setdefault(head, [])
            rules.insert(0, rule) if first else rules.append(rule)
        return cls

    return decorate


def choose_rule(expr, variable) -> "Rule":
    """The first rule that applies to *expr*; the sympy fallback when none does."""
    expr, variable = as_expression(expr), as_expression(variable)
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


#: the parameters of a rule's methods that hold an expression (or the variable)
_EXPRESSION_PARAMETERS = frozenset({"expr", "u", "variable", "result", "rhs", "inner"})


def _reading_expressions(method):
    """*method* with its expression parameters made sympy objects safely (text read, never evaluated).

    A rule hands what it is given to sympy (``exp(u)``, ``sympy.diff``), which
    would run a string as Python; called from outside with text, a rule reads
    it with the package's reader instead.  Inside a derivation every argument
    is a sympy object already, and passes untouched.
    """
    positions = {name: index for index, name in enumerate(inspect.signature(method).parameters)
                 if name in _EXPRESSION_PARAMETERS}
    if not positions:
        return method

    @functools.wraps(method)
    def reading(*args, **kwargs):
        if any(not isinstance(args[i], sympy.Basic) for i in positions.values() if i < len(args)) or \
                any(not isinstance(kwargs[n], sympy.Basic) for n in positions if n in kwargs):
            args = tuple(as_expression(a) if i in positions.values() and not isinstance(a, sympy.Basic) else a
                         for i, a in enumerate(args))
            kwargs = {n: as_expression(v) if n in positions and not isinstance(v, sympy.Basic) else v
                      for n, v in kwargs.items()}
        return method(*args, **kwargs)

    reading.reads_expressions = True
    return reading


def _read_expressions_in(cls) -> None:
    for name, value in list(vars(cls).items()):
        if not name.startswith("_") and inspect.isfunction(value) and not getattr(value, "reads_expressions", False):
            setattr(cls, name, _reading_expressions(value))


@dataclass(frozen=True)
class Rule:
    """A differentiation rule: when it applies, what it gives, how it is said.

    Every public method of a rule (and of a subclass) takes its expressions
    as sympy objects, numbers or text; text is read, never evaluated.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _read_expressions_in(cls)

    name: ClassVar[str] = ""
    formula_text: ClassVar[str] = ""
    formula_latex: ClassVar[str] = ""

    def applies(self, expr, variable) -> bool:  # pragma: no cover - every rule defines it
        raise NotImplementedError

    def apply(self, expr, variable, context) -> Step:  # pragma: no cover - every rule defines it
        raise NotImplementedError

    def line(self, expr, variable, result, reason="", substeps=(), definitions=None) -> Step:
        return Step(_d(expr, variable), result, rule=self.name, reason=reason, substeps=list(substeps),
                    definitions=dict(definitions or {}), kind="rule", formula=self.formula_latex,
                    formula_text=self.formula_text)

    def algebra(self, expr, variable, rhs, reason="", rule=None) -> Step:
        return Step(_d(expr, variable), rhs, rule=rule or self.name, reason=reason, kind="algebra")

    def shape(self, expr, variable, rhs, reason="") -> Step:
        """The rule's formula with this expression's pieces put in."""
        return Step(_d(expr, variable), rhs, rule=self.name, reason=reason, kind="shape")

    def assembled(self, expr, variable, rhs, result) -> list[Step]:
        """[the parts' results put in, as written], unless that is the result already."""
        if rhs == result:
            return []
        return [Step(_d(expr, variable), rhs, rule=self.name, kind="assembled")]


_read_expressions_in(Rule)


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
        return self.line(expr, variable, S.Zero, Words.of("{c} does not contain {v}", c=expr, v=variable))


@register()
class IdentityRule(Rule):
    """d/dx x = 1."""

    name = "identity rule"
    formula_text = "d/dx x = 1"
    formula_latex = r"\frac{d}{dx} x = 1"

    def applies(self, expr, variable):
        return expr == variable

    def apply(self, expr, variable, context):
        return self.line(expr, variable, S.One)


# ---------------------------------------------------------------------------
# sums and products
# ---------------------------------------------------------------------------

SUM_TEXT = "(f + g)′ = f′ + g′"
SUM_LATEX = r"\left(f \pm g\right)' = f' \pm g'"
CONSTANT_MULTIPLE_TEXT = "(c·f)′ = c·f′"
CONSTANT_MULTIPLE_LATEX = r"\left(c\, f\right)' = c\, f'"


@register(sympy.Add)
class SumRule(Rule):
    """(f ± g)′ = f′ ± g′; terms without the variable are constants and drop out."""

    name = "sum rule"
    formula_text = SUM_TEXT
    formula_latex = SUM_LATEX

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
        substeps = [self.shape(expr, variable, placeholders, reason)] if len(varying) > 1 or constant else []
        return self.line(expr, variable, result, reason, substeps)

    @staticmethod
    def _reason(varying, constant, variable) -> Words:
        if not constant:
            return Words("differentiate term by term")
        listed = Words.join(constant)
        verb = "does" if len(constant) == 1 else "do"
        if len(varying) == 1:
            # the sign of a term is not what matters here: y, not −y, does not contain ŷ
            listed = Words.join([-c if c.could_extract_minus_sign() else c for c in constant])
            return Words.of("{c} " + ("does" if len(constant) == 1 else "do") + " not contain {v}", c=listed,
                            v=variable)
        return Words.of("term by term; {c} " + verb + " not contain {v}", c=listed, v=variable)


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
    formula_text = CONSTANT_MULTIPLE_TEXT
    formula_latex = CONSTANT_MULTIPLE_LATEX

    def applies(self, expr, variable):
        coefficient, _ = _split_constant(expr, variable)
        return coefficient != 1

    def apply(self, expr, variable, context):
        coefficient, varying = _split_constant(expr, variable)
        inner = sympy.Mul(*varying)
        if inner == variable:
            return self.line(expr, variable, coefficient, Words.of("{c} is a constant factor", c=coefficient))
        derived = context.derive(inner, variable).rhs
        result = scale(coefficient, derived)
        if coefficient == -1:
            reason = Words.of("the minus sign stays in front of the derivative of {f}", f=inner)
        else:
            reason = Words.of("{c} does not contain {v}: it stays a factor", c=coefficient, v=variable)
        substeps = [self.shape(expr, variable, times(coefficient, _d(inner, variable)), reason),
                    *self.assembled(expr, variable, times(coefficient, derived), result)]
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
        reason = Words.of("a ratio with f = {f} and g = {g}", f=f, g=g)
        shape = sympy.Mul(minus(times(_d(f, variable), g), times(f, _d(g, variable))), Pow(g, -2))
        result = sympy.Mul(minus(times(df, g), times(f, dg)), Pow(g, -2))
        return self.line(expr, variable, result, reason, [self.shape(expr, variable, shape, reason)])


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
        # the parts put in as they are, a factor 1 included: 1·x + x·1, then 2x
        written = sympy.Add(*[sympy.Mul(*[derivatives[i] if i == j else f for i, f in enumerate(factors)],
                                        evaluate=False) for j in range(len(factors))], evaluate=False)
        letters = "fghkmn"
        named = Words.join([Words(f"{letters[i] if i < len(letters) else f'f_{i}'} = ", f)
                            for i, f in enumerate(factors)])
        reason = Words.of(f"a product of {len(factors)} factors that contain {{v}}: {{named}}", v=variable,
                          named=named)
        substeps = [self.shape(expr, variable, shape, reason), *self.assembled(expr, variable, written, result)]
        return self.line(expr, variable, result, reason, substeps)


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

    #: what the lines of ``derivation`` are: the rule written out ("shape") or a proof of it ("algebra")
    derivation_kind: ClassVar[str] = "algebra"

    def derivative(self, expr, u):  # pragma: no cover - every rule defines it
        raise NotImplementedError

    def derivation(self, expr, u) -> list[tuple]:
        return []

    def reason(self, expr, u) -> "str | Words":
        return ""

    def apply(self, expr, variable, context):
        if self.argument(expr) != variable:
            return CHAIN.apply_with(self, expr, variable, context)
        result = self.derivative(expr, variable)
        make = self.shape if self.derivation_kind == "shape" else self.algebra
        substeps = [make(expr, variable, rhs, _in_variable(why, variable))
                    for rhs, why in self.derivation(expr, variable)]
        return self.line(expr, variable, result, self.reason(expr, variable), substeps)


def _in_variable(why, variable) -> Words:
    """A rule's derivation is written for a generic {v}: say it in *variable*."""
    if isinstance(why, Words):
        return why
    if "{v}" not in why:
        return Words(why)
    pieces = why.split("{v}")
    out: list = [pieces[0]]
    for piece in pieces[1:]:
        out.extend([variable, piece])
    return Words(*out)


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
        reason = Words()
        shape = sympy.Mul(_d(rebuilt, u), _d(u, variable), evaluate=False)
        # the inner derivative stays visible even when it is 1: 2u · 1, then 2u
        written = sympy.Mul(outer_line.rhs, inner_line.rhs, evaluate=False) \
            if outer_line.rhs != 1 and inner_line.rhs != 0 else result
        substeps = [self.shape(expr, variable, shape, reason), *self.assembled(expr, variable, written, result)]
        return self.line(expr, variable, result, reason, substeps, definitions={u: inner})


CHAIN = ChainRule()


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
                         Words(f"no elementary rule here covers {name}: the derivative is sympy's"))


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
        return Words(f"no elementary rule here covers {getattr(expr.func, '__name__', expr.func)}: "
                     "the derivative is sympy's")


BY_SYMPY = BySympy()
_OUTER_BY_SYMPY = _OuterBySympy()
