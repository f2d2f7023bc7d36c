r"""``diff_steps``: the derivative of one expression, rule by rule.

The derivation it returns has one top step: the outermost rule applied,
``d(expr)/d(var) = result``.  Its sub-steps are the tree of everything it
rests on (see :class:`~mathomong_sym.derivation.Step`): the *parts* it is
built from (for a chain rule, the outer and then the inner derivative),
each a rule line with parts of its own; the rule's *shape* (its formula
with the pieces put in); and the *algebra* inside the rule (σ′ from
σ = (1 + e^(−z))^(−1), tanh′ from sinh/cosh …).  If inner functions were
given letters, a second step writes the result with them substituted back.

Every derivative is derived once: a part needed twice is the same line in
both places.  An explanation reads this tree top-down: the rule, its parts,
the parts put together, the number (see :mod:`mathomong_sym.render.document`).
:func:`detail_steps` gives what a network factor shows below its own line.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import sympy
from sympy import Symbol

from ..derivation import Derivation, Step, Words
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
    if isinstance(expr, str):
        raise IncompatibleError(
            "diff_steps takes sympy expressions; read text with mathomong_sym.parse_expression first")
    expr = as_expression(expr)
    if not isinstance(expr, sympy.Expr) or getattr(expr, "is_Matrix", False):
        raise IncompatibleError(f"diff_steps needs a scalar expression, not {type(expr).__name__}")
    if not isinstance(variable, (Symbol, str)):
        raise IncompatibleError(f"the variable to differentiate by must be a symbol, not {variable!r}")
    # a name, or a plain Symbol("x") for the expression's real x, means the expression's own symbol
    from ..naming import resolve_symbol

    return expr, resolve_symbol(variable, expr.free_symbols, what="variable to differentiate by")


def diff_steps(expr, var, *, names: Mapping | Sequence | None = None) -> Derivation:
    """d(expr)/d(var), explained: every step named by its rule and checkable.

    *names* chooses the letters for inner functions: a mapping
    ``{inner expression: name}`` (``{W*x + b: z}`` makes the chain rule say
    z rather than u) or a sequence of names used in order; otherwise u, v,
    w … are used, each once, and substituted back in the last line.  The
    result keeps the teaching form (σ(z)(1 − σ(z)), 1 − tanh²(z)) and equals
    ``sympy.diff(expr, var)``.
    """
    expr, var = _check_input(expr, var)
    context = DerivationContext(expr, names)
    root = context.derive(expr, var)
    lhs = derivative(expr, var)
    steps = [root]
    named = root.rhs
    # in the order the letters were introduced, so that the same derivation always reads the same
    automatic = {s: v for s, v in context.definitions.items() if s in context.automatic}
    final = substitute(named, _resolved(automatic)) if automatic else named
    if automatic and final != named:
        used = [s for s in automatic if named.has(s)]
        letters = Words.join([Words.of("{s} = {v}", s=s, v=automatic[s]) for s in used])
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
        conventions=_conventions(steps),
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


def _conventions(steps) -> list[str]:
    """The conventions of the functions the steps differentiate (max(0, x) is differentiated as ReLU)."""
    heads: set = set()
    for top in steps:
        for step, _ in top.walk():
            if step.kind == "rule" and isinstance(step.lhs, sympy.Derivative):
                heads.add(getattr(step.lhs.expr.func, "__name__", ""))
    return [text for head, text in _CONVENTIONS if head in heads]


def detail_steps(expr, var, *, names: Mapping | Sequence | None = None) -> list[Step]:
    """The steps below a line ∂expr/∂var = … that already states the result.

    The outermost rule's line (the same equality, said by its rule, with
    its parts) and, when letters were used, the result substituted back.
    """
    return list(diff_steps(expr, var, names=names).steps)


def uses_fallback(derivation: Derivation) -> bool:
    """Does any step of *derivation* take its derivative from sympy?"""
    return any(step.rule == "by sympy" for step, _ in derivation.walk())
