"""Expressions and numbers handed to the Python API, made into sympy objects safely.

Every public function that takes an expression or a value accepts a sympy
object, a number, or text; text is read by
:func:`~mathomong_sym.parsing.parse_expression` and nothing else.  sympy's
own ``sympify`` (and ``S()``, ``nsimplify``, ``Function(...)``) hand a
string, or any object sympy does not know, to ``eval``: a notebook, a web
page or a script that passes a student's text would run it.  So the package
converts at its boundaries with these two functions, and a test forbids
``sympify`` on anything that may be a string everywhere else.

    >>> as_expression("2x + 1")        # read, never evaluated
    >>> as_number("1/3"), as_number(0.25)
"""

from __future__ import annotations

import math
import numbers

import sympy

from ..errors import ParseError

__all__ = ["as_expression", "as_number", "as_arguments"]


def _describe(value) -> str:
    return type(value).__name__


def as_expression(value, *, what: str = "an expression"):
    """*value* as a sympy object: sympy objects as they are, numbers exactly as given, text read.

    Raises :class:`~mathomong_sym.errors.ParseError` for unreadable text and
    for objects that are neither (sympy would have evaluated their ``str``).
    """
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, str):
        from . import parse_expression

        return parse_expression(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ParseError(f"{what} must be finite, not {value!r}")
    if isinstance(value, (list, tuple)):
        # sympy would build a Tuple whose items it sympifies as code
        return sympy.Tuple(*[as_expression(item, what=what) for item in value])
    if isinstance(value, (dict, set, frozenset)):
        raise ParseError(f"{what} must be a sympy expression, a number or text, not a {_describe(value)}")
    if getattr(value, "dtype", None) is not None and getattr(value.dtype, "kind", "") not in "biufc":
        raise ParseError(f"{what} must hold numbers, not an array of {value.dtype}")
    try:
        # strict: numbers, numpy scalars and arrays, objects with _sympy_; never a string
        return sympy.sympify(value, strict=True)
    except (sympy.SympifyError, TypeError, ValueError):
        raise ParseError(f"{what} must be a sympy expression, a number or text, not {_describe(value)}") from None


def as_number(value, *, what: str = "a value"):
    """A value for a point: decimals made exact (0.1 → 1/10), text read, other expressions kept.

    ``bool`` is not a number here; ``nan`` and infinities are refused.
    """
    if isinstance(value, bool):
        raise ParseError(f"{what} must be a number, not {value!r}")
    if isinstance(value, numbers.Integral):
        return sympy.Integer(int(value))
    if isinstance(value, numbers.Real) and not isinstance(value, sympy.Basic):
        number = float(value)
        if not math.isfinite(number):
            raise ParseError(f"{what} must be finite, not {number!r}")
        # the decimal the float prints as, exactly (nsimplify alone may return a product of radicals)
        return sympy.Rational(repr(number))
    value = as_expression(value, what=what)
    if isinstance(value, sympy.Float):
        if not value.is_finite:
            raise ParseError(f"{what} must be finite, not {value}")
        return sympy.nsimplify(value, rational=True)
    return value


def as_arguments(args) -> tuple:
    """The arguments of a sympy function call, each through :func:`as_expression`."""
    return tuple(as_expression(a, what="an argument") for a in args)
