r"""Printing expressions the way a textbook prints them.

Every piece of LaTeX or Unicode math the package writes goes through
:func:`to_latex` or :func:`to_text`, so that ``w2_1_13`` prints as
``w^{(2)}_{1,13}`` / ``w⁽²⁾₁,₁₃``, ``yhat`` as ``\hat{y}`` / ``ŷ``, and an
unevaluated ``Derivative(L, W)`` as ``\frac{\partial L}{\partial W}`` /
``∂L/∂W``.  Products keep the order they were built in where sympy allows
(``order="none"``), which keeps the teaching form legible.
"""

from __future__ import annotations

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from .naming import latex_name, unicode_name

__all__ = ["to_latex", "to_text", "TextbookLatexPrinter", "TextbookTextPrinter"]


class TextbookLatexPrinter(LatexPrinter):
    """sympy's LaTeX printer with the project's symbol names and ∂-fractions."""

    _default_settings = {**LatexPrinter._default_settings, "mul_symbol": None}

    def _print_Symbol(self, expr, style="plain"):
        return latex_name(expr.name)

    def _print_Dummy(self, expr):
        return latex_name(expr.name)

    def _print_Derivative(self, expr):
        function, variables = expr.expr, expr.variable_count
        partial = r"\partial" if len(expr.free_symbols) > 1 or not function.is_Symbol or True else "d"
        numerator = self._print(function)
        parts = []
        total = 0
        for var, count in variables:
            total += count
            v = self._print(var)
            parts.append(rf"{partial} {v}" if count == 1 else rf"{partial} {v}^{{{count}}}")
        order = "" if total == 1 else f"^{{{total}}}"
        if function.is_Symbol:
            return rf"\frac{{{partial}{order} {numerator}}}{{{' '.join(parts)}}}"
        return rf"\frac{{{partial}{order}}}{{{' '.join(parts)}}}\left({numerator}\right)"

    def _print_Heaviside(self, expr, exp=None):
        tex = rf"H\left({self._print(expr.args[0])}\right)"
        return tex if exp is None else rf"{tex}^{{{exp}}}"


class TextbookTextPrinter(StrPrinter):
    """One-line Unicode: σ(z), ŷ, w⁽²⁾₁₃, ∂L/∂W, ·, −, ², √."""

    _SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

    def _print_Symbol(self, expr):
        return unicode_name(expr.name)

    _print_Dummy = _print_Symbol

    def _print_Derivative(self, expr):
        function = expr.expr
        numerator = self._print(function) if function.is_Symbol else f"({self._print(function)})"
        parts = []
        total = 0
        for var, count in expr.variable_count:
            total += count
            v = self._print(var)
            parts.append(f"∂{v}" if count == 1 else f"∂{v}{str(count).translate(self._SUPERSCRIPT)}")
        order = "" if total == 1 else str(total).translate(self._SUPERSCRIPT)
        return f"∂{order}{numerator}/{''.join(parts)}"

    def _print_Function(self, expr):
        name = getattr(expr.func, "text_name", "") or expr.func.__name__
        return f"{name}({', '.join(self._print(a) for a in expr.args)})"

    def _print_softmax(self, expr):
        index = int(expr.args[0]) + 1
        return f"softmax{str(index).translate(str.maketrans('0123456789', '₀₁₂₃₄₅₆₇₈₉'))}({', '.join(self._print(a) for a in expr.args[1:])})"

    def _print_Heaviside(self, expr):
        return f"H({self._print(expr.args[0])})"

    def _print_Exp1(self, expr):
        return "e"

    def _print_Pow(self, expr, rational=False):
        base, exponent = expr.as_base_exp()
        if exponent is sympy.S.Half:
            return f"√({self._print(base)})"
        if exponent.is_Integer and exponent > 1:
            return f"{self.parenthesize(base, sympy.printing.precedence.PRECEDENCE['Pow'])}{str(exponent).translate(self._SUPERSCRIPT)}"
        return super()._print_Pow(expr, rational)

    def _print_Mul(self, expr):
        return super()._print_Mul(expr).replace("*", "·")

    def _print_Add(self, expr, order=None):
        return super()._print_Add(expr, order).replace(" - ", " − ")

    def emptyPrinter(self, expr):
        return str(expr)


def to_latex(expr, **settings) -> str:
    """LaTeX of *expr* with textbook names (no surrounding ``$``)."""
    settings.setdefault("order", "none")  # keep ŷ − y as built, not sorted to −y + ŷ
    return TextbookLatexPrinter(settings).doprint(sympy.sympify(expr) if not isinstance(expr, sympy.Basic) else expr)


def to_text(expr, **settings) -> str:
    """One-line Unicode of *expr* with textbook names."""
    settings.setdefault("order", "none")
    return TextbookTextPrinter(settings).doprint(expr)
