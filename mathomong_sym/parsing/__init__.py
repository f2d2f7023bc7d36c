r"""The one parsing module: LaTeX or plain calculator syntax to sympy.

    >>> parse_expression(r"2(\hat{y} - y)\sigma'(z) x")
    >>> parse_expression("sigmoid(w*x + b)")

Every symbol produced is the project's symbol ``naming.sym(plain_name)``
(``\hat{y}_1`` → ``yhat_1``, ``w^{(2)}_{13}`` → ``w2_1_3``); every function is
the project's (σ is :class:`~mathomong_sym.activations.sigmoid`, H is
:class:`~mathomong_sym.activations.step`).  Nothing is ever evaluated by
Python: plain syntax goes through :func:`ast.parse` and a whitelist, LaTeX
through latex2sympy2 behind :mod:`.latex`.  Bad input raises
:class:`~mathomong_sym.errors.ParseError` with the reason.

An answer written as an equation (``y' = 2x``,
``\frac{\partial L}{\partial w} = …``) is read by its right side.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sympy

from ..errors import ParseError
from .conventions import Conventions, as_conventions
from .limits import MAX_LENGTH, check_text, check_tree

__all__ = ["parse_expression", "Conventions", "as_conventions", "split_equation", "looks_like_latex", "MAX_LENGTH"]

_SYNTAXES = ("auto", "latex", "plain")
_LATEX_HINT = re.compile(r"[\\{}]|[^\x00-\x7f]|\^\{")


def looks_like_latex(text: str) -> bool:
    """True when *text* has a backslash, a brace or non-ASCII math in it."""
    return bool(_LATEX_HINT.search(text))


def split_equation(text: str) -> str:
    """The right side of the last top-level ``=``; the text itself when it has none.

    ``\\le``/``\\ge``/``<=`` are not equations; an ``=`` inside brackets
    (``\\left.f\\right|_{x=1}``) is not top level.
    """
    depth = 0
    cut = None
    for index, char in enumerate(text):
        if char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
        elif char == "=" and depth == 0:
            before = text[index - 1] if index else ""
            after = text[index + 1] if index + 1 < len(text) else ""
            if before in "<>!=" or after == "=":
                continue
            cut = index
    if cut is None:
        return text
    right = text[cut + 1:]
    if not right.strip():
        raise ParseError("nothing after the '='")
    return right


def parse_expression(text, *, syntax: str = "auto", conventions=None):
    """Read *text* as a sympy expression (a ``Tuple`` for a tuple or vector).

    ``syntax`` is ``"latex"``, ``"plain"`` or ``"auto"`` (plain when the text
    has no backslash, brace or Unicode math and reads as plain syntax, LaTeX
    otherwise).  ``conventions`` is a :class:`Conventions` or a mapping of its
    fields (``{"log_base": "10"}``).
    """
    if syntax not in _SYNTAXES:
        raise ParseError(f"syntax must be one of {', '.join(_SYNTAXES)}, not {syntax!r}")
    if not isinstance(text, str):
        raise ParseError(f"an expression must be text, not {type(text).__name__}")
    return _parse_cached(text, syntax, as_conventions(conventions))


def parse_uncached(text: str, syntax: str, conventions: Conventions):
    """:func:`parse_expression` without its cache (for benchmarks that must not reuse parses)."""
    check_text(text)
    body = split_equation(text).strip()
    if not body:
        raise ParseError("the expression is empty")
    if syntax == "auto":
        syntax = "latex" if looks_like_latex(body) else "plain"
        if syntax == "plain":
            try:
                return _finish(_plain(body, conventions))
            except ParseError as plain_error:
                if not getattr(plain_error, "not_plain", False):
                    raise
                try:
                    return _finish(_latex(body, conventions))
                except ParseError:
                    raise plain_error from None
    if syntax == "plain":
        return _finish(_plain(body, conventions))
    return _finish(_latex(body, conventions))


_parse_cached = lru_cache(maxsize=4096)(parse_uncached)


def _guarded(reader, text, conventions):
    """Run a reader; whatever sympy raises while building becomes a ParseError."""
    try:
        return reader(text, conventions)
    except ParseError:
        raise
    except RecursionError:
        raise ParseError("the expression is nested too deeply") from None
    except (TypeError, ValueError, AttributeError, ArithmeticError, IndexError, KeyError) as exc:
        raise ParseError(f"cannot build the expression ({type(exc).__name__}: {str(exc)[:80]})") from None


def _plain(text, conventions):
    from .plain import parse_plain

    return _guarded(parse_plain, text, conventions)


def _latex(text, conventions):
    from .latex import parse_latex

    return _guarded(parse_latex, text, conventions)


def _finish(expr):
    """Check the unevaluated tree, then evaluate it (``2^{3}`` → 8) safely."""
    check_tree(expr)
    try:
        value = _evaluate(expr)
    except RecursionError:
        raise ParseError("the expression is nested too deeply") from None
    except (ZeroDivisionError, OverflowError, MemoryError):
        raise ParseError("the expression cannot be evaluated (division by zero or overflow)") from None
    if isinstance(value, sympy.Basic) and value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ParseError("the expression divides by zero or is infinite")
    if not isinstance(value, (sympy.Expr, sympy.Tuple, sympy.MatrixBase)):
        raise ParseError("the answer is not an expression")
    return value


def _evaluate(expr):
    if not isinstance(expr, sympy.Basic) or not expr.args or isinstance(expr, sympy.MatrixBase):
        return expr
    if isinstance(expr, sympy.Piecewise):
        return sympy.Piecewise(*[(_evaluate(e), _evaluate(c)) for e, c in expr.args])
    return expr.func(*[_evaluate(arg) for arg in expr.args])
