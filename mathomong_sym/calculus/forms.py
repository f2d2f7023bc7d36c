"""Building results in the form they are taught.

sympy's automatic evaluation reorders factors and distributes a number over
a sum (``2*(yhat - y)`` becomes ``2*yhat - 2*y``).  A learner should see the
rule's shape instead: f′(u)·u′ in the order the chain rule says it, 2(ŷ − y)
kept as a product.  These helpers combine pieces without that rewriting,
and drop only what never helps (a factor 1, a term 0).
"""

from __future__ import annotations

from typing import Mapping

import sympy
from sympy import Add, Mul, Pow, S
from ..parsing.values import as_expression

__all__ = ["times", "scale", "plus", "minus", "substitute", "derivative"]


def derivative(expr, variable) -> sympy.Expr:
    """∂expr/∂variable, unevaluated (a placeholder a rule fills in later)."""
    return sympy.Derivative(as_expression(expr), as_expression(variable), evaluate=False)


def times(*factors) -> sympy.Expr:
    """The product of *factors* in this order, a 1 left out, 0 if any is 0."""
    kept = []
    for factor in factors:
        factor = as_expression(factor)
        if factor == 0:
            return S.Zero
        if factor != 1:
            kept.append(factor)
    if not kept:
        return S.One
    if len(kept) == 1:
        return kept[0]
    if all(f.is_number for f in kept):
        return Mul(*kept)
    if kept[0] == -1:
        rest = times(*kept[1:])
        return _negate(rest)
    return Mul(*kept, evaluate=False)


def _negate(expr) -> sympy.Expr:
    if expr.is_number:
        return -expr
    if expr.is_Mul and expr.args and expr.args[0].is_number:
        coefficient = -expr.args[0]
        rest = expr.args[1:]
        if coefficient == 1:
            return rest[0] if len(rest) == 1 else Mul(*rest, evaluate=False)
        return Mul(coefficient, *rest, evaluate=False)
    if expr.is_Mul:
        # −(a·b) is written (−a)·b: one minus sign in front, not a factor −1
        return Mul(_negate(expr.args[0]), *expr.args[1:], evaluate=False)
    if expr.is_Add:
        return Mul(S.NegativeOne, expr, evaluate=False)
    return -expr


def scale(coefficient, expr) -> sympy.Expr:
    """coefficient·expr, multiplied out only when that cannot spread over a sum.

    3·2x becomes 6x, but 2·(ŷ − y) stays a product.
    """
    coefficient = as_expression(coefficient)
    if coefficient == 1 or expr == 0:
        return expr
    if coefficient == 0:
        return S.Zero
    if expr == 1:
        return coefficient
    if _is_evaluated(expr):
        product = Mul(coefficient, expr)
        if not product.is_Add:
            return product
    return times(coefficient, expr)


def plus(*terms) -> sympy.Expr:
    """The sum of *terms* in this order, 0s left out."""
    kept = [as_expression(t) for t in terms if as_expression(t) != 0]
    if not kept:
        return S.Zero
    if len(kept) == 1:
        return kept[0]
    if all(_is_evaluated(t) for t in kept):
        return Add(*kept)
    return Add(*kept, evaluate=False)


def minus(a, b) -> sympy.Expr:
    """a − b, as written."""
    a, b = as_expression(a), as_expression(b)
    if b == 0:
        return a
    if a == 0:
        return _negate(b)
    return Add(a, _negate(b), evaluate=False)


def _is_evaluated(expr) -> bool:
    """Is *expr* what sympy would build anyway (no hand-kept structure in it)?"""
    if not isinstance(expr, sympy.Basic) or not expr.args:
        return True
    if isinstance(expr, (Add, Mul, Pow)):
        try:
            if expr.func(*expr.args) != expr:
                return False
        except (TypeError, ValueError):  # pragma: no cover - defensive
            return False
    return all(_is_evaluated(a) for a in expr.args)


def substitute(expr, mapping: Mapping) -> sympy.Expr:
    """*expr* with the symbols of *mapping* replaced, keeping its written form.

    ``xreplace`` would rebuild every node with evaluation on, turning a kept
    2·(ŷ − y) into 2ŷ − 2y; here sums, products and powers are rebuilt as
    they were written.
    """
    if not mapping:
        return expr

    def walk(e):
        if e in mapping:
            return mapping[e]
        if not e.args or not (e.free_symbols & keys):
            return e
        args = [walk(a) for a in e.args]
        if isinstance(e, (Add, Mul, Pow)):
            if e.func(*e.args) == e:
                # written the way sympy writes it anyway: let sympy tidy the
                # rebuilt node, unless that would spread a factor over a sum
                rebuilt = e.func(*args)
                if not (e.is_Mul and rebuilt.is_Add):
                    return rebuilt
            return e.func(*args, evaluate=False)
        return e.func(*args)

    keys = set(mapping)
    return walk(as_expression(expr))
