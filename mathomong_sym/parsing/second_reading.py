r"""A second, independent reading of the LaTeX the package prints: latex2sympy2's.

Answers and keys are read by the package's own grammar (:mod:`.grammar`),
and keys, echoes and worksheets are printed by its own printer
(:func:`mathomong_sym.printing.to_latex`).  A printer and a reader written
together can agree with each other and still print something that means
another thing to everyone else: ``\log`` that a reader takes as base 10, a
missing bracket that only the package's own precedence rules forgive.

:func:`read_back` prints an expression as the package prints it and hands
the LaTeX to latex2sympy2, an ANTLR grammar of LaTeX written independently
of both, then says whether it reads the same mathematics back.  Worksheet
keys are read back before they are written (:mod:`mathomong_sym.worksheets.key`),
so the answer a key prints means to another reader what the checker
compares with; the tests read back random trees the same way.

latex2sympy2 reads a few things in its own way (``\sigma(z)`` as a product,
``a^{(1)}_2`` as a power, ``\log`` as base 10), so what it is shown is the
*arithmetic* of the printed expression: every name and every application of
a function other than ``exp``, ``ln``, the trigonometric and hyperbolic
functions and ``|x|`` is printed as a placeholder ``v_{k}``, exactly where
and as the printer puts it.  It is not used on what people type: one parse
takes it about a tenth of a second, and the package's reader is the one
that knows the club's notation.
"""

from __future__ import annotations

import random
import re
import sys
import threading
import types
from functools import lru_cache

import sympy

__all__ = ["read_back", "ReadBack", "latex2sympy_parser"]

#: functions latex2sympy2 reads as sympy does, printed as themselves
_PLAIN_FUNCTIONS = (sympy.exp, sympy.log, sympy.sin, sympy.cos, sympy.tan, sympy.sinh, sympy.cosh, sympy.tanh,
                    sympy.Abs)
#: what latex2sympy2 is shown as it is printed: sums, products, powers and numbers
_ARITHMETIC = (sympy.Add, sympy.Mul, sympy.Pow, sympy.Number, sympy.NumberSymbol)
_PLACEHOLDER = "v"
_LOCK = threading.Lock()  # latex2sympy2 keeps module-global parser state


class ReadBack:
    """What latex2sympy2 made of the printed LaTeX of an expression."""

    def __init__(self, latex: str, agrees: bool | None, theirs=None):
        self.latex = latex        # the LaTeX it was shown (with placeholders)
        self.agrees = agrees      # True, False, or None when it could not say (it failed to parse)
        self.theirs = theirs      # its reading, or None

    def __repr__(self) -> str:
        return f"ReadBack(agrees={self.agrees}, latex={self.latex!r})"


def latex2sympy_parser():
    """latex2sympy2's ``latex2sympy`` function, importable on every Python the package supports.

    antlr4-python3-runtime 4.7.2, which latex2sympy2 1.9.1 pins, imports
    ``TextIO`` from ``typing.io``: deprecated since Python 3.8 and gone in
    3.13.  While it is imported, ``typing.io`` is a small module holding
    the names it needs; whatever was there before is put back.
    """
    return _imported()


@lru_cache(maxsize=1)
def _imported():
    import typing

    shim = types.ModuleType("typing.io")
    shim.TextIO, shim.BinaryIO, shim.IO = typing.TextIO, typing.BinaryIO, typing.IO
    before = sys.modules.get("typing.io")
    sys.modules["typing.io"] = shim
    try:
        from latex2sympy2 import latex2sympy
    finally:
        if before is None:
            del sys.modules["typing.io"]
        else:
            sys.modules["typing.io"] = before
    return latex2sympy


def _printer_class():
    from ..printing import TextbookLatexPrinter

    class SkeletonPrinter(TextbookLatexPrinter):
        """The package's LaTeX printer, with names and unfamiliar functions printed as placeholders."""

        def __init__(self, settings=None):
            super().__init__(settings)
            self.atoms: dict = {}

        def _placeholder(self, expr) -> str:
            index = self.atoms.setdefault(expr, len(self.atoms) + 1)
            return f"{_PLACEHOLDER}_{{{index}}}"

        def _print(self, expr, **kwargs):
            # anything but arithmetic and the plain functions: names, σ, ReLU, max, ∂L/∂w …
            if isinstance(expr, sympy.Basic) and not isinstance(expr, _ARITHMETIC + _PLAIN_FUNCTIONS):
                name = self._placeholder(expr)
                # a power of a function is printed by the function (\sigma^{2}\left(z\right)): keep its exponent
                return f"{name}^{{{kwargs['exp']}}}" if kwargs.get("exp") else name
            return super()._print(expr, **kwargs)

    return SkeletonPrinter


_CALL = re.compile(r"\\(?:sinh|cosh|tanh|sin|cos|tan|ln|log)(?:\^\{[^{}]*\})?\{\\left\(")


def _unbraced_calls(latex: str) -> str:
    r"""``\tanh{\left(x \right)}`` as ``\tanh\left(x \right)``: the call the printer means, in the form latex2sympy2 reads.

    Given the braces, latex2sympy2 takes everything after the function up to
    the next operator as its argument (``\tanh{\left(a\right)} \left(b\right)``
    as tanh(a·b)), which no one reading the page would.
    """
    out, start = [], 0
    for match in _CALL.finditer(latex):
        if match.start() < start:
            continue
        brace = match.end() - len("{\\left(")
        depth, index = 0, brace
        while index < len(latex):
            depth += {"{": 1, "}": -1}.get(latex[index], 0)
            if depth == 0:
                break
            index += 1
        if index >= len(latex):
            return latex
        out += [latex[start:brace], latex[brace + 1:index]]
        start = index + 1
    return "".join(out) + latex[start:]


def _comparable(expr) -> bool:
    """An expression of numbers and arithmetic (no relations, matrices, sets or pieces)."""
    if not isinstance(expr, sympy.Expr) or expr.has(sympy.Piecewise, sympy.Integral, sympy.Sum, sympy.Order):
        return False
    return not any(isinstance(node, (sympy.MatrixBase, sympy.Tuple)) for node in sympy.preorder_traversal(expr))


def _value(expr, values: dict):
    try:
        number = sympy.N(expr.xreplace(values), 30)
        return complex(number)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None


def read_back(expr) -> ReadBack | None:
    """latex2sympy2's reading of *expr* as the package prints it; None when there is nothing to read back.

    A bare number or name has no structure another reader could take
    differently, and a relation, matrix or piecewise expression is not
    arithmetic latex2sympy2 is shown.
    """
    from ..parsing.values import as_expression

    expr = as_expression(expr)
    if not _comparable(expr) or expr.is_Atom:
        return None
    printer = _printer_class()({"order": "none"})
    latex = _unbraced_calls(printer.doprint(expr))
    placeholders = {atom: sympy.Symbol(f"{_PLACEHOLDER}_{index}") for atom, index in printer.atoms.items()}
    ours = expr.xreplace(placeholders)
    try:
        with _LOCK:
            theirs = latex2sympy_parser()(latex)
    except Exception:  # latex2sympy2 could not parse it: it says nothing either way
        return ReadBack(latex, None)
    if not isinstance(theirs, sympy.Expr):
        return ReadBack(latex, None, theirs)
    # its names for the placeholders: v_{12} keeps its braces, v_3 does not
    names = {s.name.replace("{", "").replace("}", ""): s for s in theirs.free_symbols}
    if not set(names) <= {s.name for s in placeholders.values()}:
        return ReadBack(latex, False, theirs)
    theirs = theirs.xreplace({s: sympy.Symbol(name) for name, s in names.items()})
    return ReadBack(latex, _same(ours, theirs), theirs)


def _same(ours, theirs) -> bool | None:
    """Equal as functions: at three random points (placeholders between 0.5 and 1.5, away from every edge)."""
    symbols = sorted(ours.free_symbols | theirs.free_symbols, key=lambda s: s.name)
    draw = random.Random(len(symbols))
    compared = 0
    for _ in range(3):
        values = {s: sympy.Float(draw.uniform(0.5, 1.5), 30) for s in symbols}
        a, b = _value(ours, values), _value(theirs, values)
        if a is None or b is None:
            continue
        compared += 1
        if abs(a - b) > 1e-12 * max(1.0, abs(a), abs(b)):
            return False
    return True if compared else None
