r"""``diff_steps``: the derivative of one expression, rule by rule.

The derivation it returns is laid out by level of detail (depth in the step
tree):

* level 0 (``steps``): the outermost rule applied, with the derivatives it
  needs still written as d/dx …; then the result with those put in; then, if
  inner functions were given letters, the result with them substituted back.
  When the outermost rule needs no other derivative (x², σ(z)) this is one
  line.
* level 1 (the first step's ``substeps``): one line per rule used, innermost
  first, so that every line uses only results already shown.
* level 2 (each rule line's ``substeps``): the algebra inside the rule: the
  general formula with the pieces put in, or the rule's own derivation
  (σ′ from σ = (1 + e^(−z))^(−1), tanh′ from sinh/cosh …).

A single-rule derivation puts that rule's algebra directly under its one
line.  :func:`detail_steps` gives what a network factor shows one level below
its own line.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import sympy
from sympy import Symbol

from ..derivation import Derivation, Step
from ..errors import IncompatibleError
from ..printing import to_text
from .context import DerivationContext
from .forms import derivative, substitute
from ..parsing.values import as_expression

__all__ = ["diff_steps", "detail_steps", "uses_fallback"]

_CONVENTIONS = (
    ("relu", "ReLU′(0) = 0 (H(0) = 0), as PyTorch, JAX and TensorFlow compute it"),
    ("step", "H(0) = 0; away from 0 the step function is flat, so its derivative is 0"),
    ("leaky_relu", "leaky ReLU: slope α = 0.01 below 0, and α at 0"),
    ("Abs", "|x| has no derivative at x = 0; the rule holds for x ≠ 0"),
)


def _check_input(expr, variable):
    if isinstance(expr, str) or isinstance(variable, str):
        raise IncompatibleError(
            "diff_steps takes sympy expressions; read text with mathomong_sym.parse_expression first")
    expr = as_expression(expr)
    if not isinstance(expr, sympy.Expr) or getattr(expr, "is_Matrix", False):
        raise IncompatibleError(f"diff_steps needs a scalar expression, not {type(expr).__name__}")
    if not isinstance(variable, Symbol):
        raise IncompatibleError(f"the variable to differentiate by must be a symbol, not {variable!r}")
    return expr


def diff_steps(expr, var, *, names: Mapping | Sequence | None = None) -> Derivation:
    """d(expr)/d(var), explained: every step named by its rule and checkable.

    *names* chooses the letters for inner functions: a mapping
    ``{inner expression: name}`` (``{W*x + b: z}`` makes the chain rule say
    z rather than u) or a sequence of names used in order; otherwise u, v,
    w … are used, each once, and substituted back in the last line.  The
    result keeps the teaching form (σ(z)(1 − σ(z)), 1 − tanh²(z)) and equals
    ``sympy.diff(expr, var)``.
    """
    expr = _check_input(expr, var)
    context = DerivationContext(expr, names)
    last = context.derive(expr, var)
    lhs = derivative(expr, var)
    lines = context.lines
    named = last.rhs
    if len(lines) == 1:
        steps = [last]
    else:
        shape = last.substeps[0] if last.substeps else None
        opening = Step(lhs, shape.rhs if shape is not None else last.rhs, rule=last.rule, reason=last.reason,
                       substeps=lines[:-1], definitions=dict(last.definitions), kind="rule",
                       formula=last.formula)
        steps = [opening]
        if shape is not None:
            steps.append(Step(lhs, named, rule="put the derivatives in",
                              reason="each d/d… above replaced by the line that derives it",
                              substeps=last.substeps[1:], kind="result"))
    # in the order the letters were given (u before v), never a set's order
    automatic = {s: inner for s, inner in context.definitions.items() if s in context.automatic}
    final = substitute(named, _resolved(automatic)) if automatic else named
    if automatic and final != named:
        letters = ", ".join(f"{to_text(s)} = {to_text(automatic[s])}" for s in automatic if named.has(s))
        steps.append(Step(lhs, final, rule="substitute back", reason=letters, kind="result"))
    result = substitute(final, _resolved(context.definitions)) if context.definitions else final
    return Derivation(
        lhs=lhs,
        steps=steps,
        result=result,
        variable=var,
        expression=expr,
        definitions=dict(context.definitions),
        title=f"d/d{to_text(var)} of {to_text(expr)}",
        conventions=_conventions(expr),
    )


def _resolved(definitions: Mapping) -> dict:
    """Each name mapped to its meaning with every other name inside substituted too."""
    resolved: dict = {}

    def resolve(symbol):
        if symbol not in resolved:
            inner = definitions[symbol]
            present = {s: resolve(s) for s in inner.free_symbols if s in definitions}
            resolved[symbol] = substitute(inner, present) if present else inner
        return resolved[symbol]

    for symbol in definitions:
        resolve(symbol)
    return resolved


def _conventions(expr) -> list[str]:
    heads = {getattr(f.func, "__name__", "") for f in expr.atoms(sympy.Function, sympy.Abs)}
    return [text for head, text in _CONVENTIONS if head in heads]


def detail_steps(expr, var, *, names: Mapping | Sequence | None = None) -> list[Step]:
    """The steps one level below a line ∂expr/∂var = … that already states the result.

    For a one-rule derivative (σ(z) by z) that is the rule's own algebra;
    otherwise the derivation's steps (outer rule, result, substitution).
    """
    derivation = diff_steps(expr, var, names=names)
    if len(derivation.steps) == 1 and derivation.steps[0].substeps:
        return list(derivation.steps[0].substeps)
    return list(derivation.steps)


def uses_fallback(derivation: Derivation) -> bool:
    """Does any step of *derivation* take its derivative from sympy?"""
    return any(step.rule == "by sympy" for step, _ in derivation.walk())
