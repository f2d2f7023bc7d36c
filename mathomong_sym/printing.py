r"""Printing expressions the way a textbook prints them.

Every piece of LaTeX or Unicode math the package writes goes through
:func:`to_latex` or :func:`to_text`, so that ``w2_1_13`` prints as
``w^{(2)}_{1,13}`` / ``w⁽²⁾₁,₁₃``, ``yhat`` as ``\hat{y}`` / ``ŷ``, and an
unevaluated ``Derivative(L, W)`` as ``\frac{\partial L}{\partial W}`` /
``∂L/∂W``.

Teaching form
-------------
sympy stores the factors of an evaluated product and the terms of a sum in
its own canonical order (``(1 − σ(z))σ(z)``, ``−y + ŷ``, ``b + W·x``).  The
printers keep a product or sum *exactly* in the order it was built when it
was built unevaluated (the steps of a derivation are), and otherwise put it
in the order a textbook uses: numbers, then symbols and functions, then
bracketed sums (``2x(ŷ − y)``, ``σ(z)(1 − σ(z))``); positive terms before
negative ones and higher-degree terms first (``ŷ − y``, ``W·x + b``).

Numbers
-------
Floats print short (``0.5312``, integers as integers) through
:func:`format_number`.  The ``numbers`` setting maps sub-expressions
(symbols, ∂'s, applied functions) to numbers that print in their place, with
the structure of the expression kept: ``to_text(2*(yhat - y), numbers={yhat:
0.5, y: 1})`` is ``2(0.5 − 1)``.  Renderers use it to print a formula and
"the same line with numbers".
"""

from __future__ import annotations

import math
import re

import sympy
from sympy import S
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from .naming import latex_name, unicode_name
from .parsing.values import as_expression

__all__ = [
    "to_latex",
    "to_text",
    "format_number",
    "displays_exactly",
    "TextbookLatexPrinter",
    "TextbookTextPrinter",
]

MINUS = "−"
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_NUMBER_TEXT = re.compile(r"^[0-9][0-9.]*$")


# ---------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------

def _as_float(value) -> float | None:
    try:
        number = complex(as_expression(value))
    except (TypeError, ValueError, sympy.SympifyError):
        return None
    if abs(number.imag) > 1e-12 * max(1.0, abs(number.real)):
        return None
    return number.real


def format_number(value, *, digits: int = 4, latex: bool = False) -> str:
    """A short decimal for *value*: integers as integers, else *digits* significant digits.

    ``0.53125`` → ``0.5312``, ``-0.5`` → ``−0.5`` (``-0.5`` in LaTeX),
    ``2.0`` → ``2``, ``1.5e-07`` → ``1.5×10⁻⁷``.
    """
    minus = "-" if latex else MINUS
    value = as_expression(value)
    if value.is_Integer:
        return str(int(value)).replace("-", minus)
    f = _as_float(value)
    if f is None:
        return (to_latex(value) if latex else to_text(value))
    if math.isnan(f):
        return r"\mathrm{NaN}" if latex else "NaN"
    if math.isinf(f):
        return (minus if f < 0 else "") + (r"\infty" if latex else "∞")
    if f == 0:
        return "0"
    nearest = round(f)
    if abs(f - nearest) <= 1e-12 * max(1.0, abs(f)) and abs(f) < 1e15:
        return str(int(nearest)).replace("-", minus)
    magnitude = math.floor(math.log10(abs(f)))
    if magnitude < -4 or magnitude >= 15:
        mantissa, exponent = f"{f:.{digits - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".").replace("-", minus)
        exponent = str(int(exponent))
        if latex:
            return rf"{mantissa} \times 10^{{{exponent}}}"
        return f"{mantissa}×10{exponent.translate(_SUPERSCRIPT)}"
    decimals = max(digits - 1 - magnitude, 0)
    text = f"{f:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "0"):
        text = f"{f:.{digits - 1}e}"
    return text.replace("-", minus)


def displays_exactly(value, shown: str) -> bool:
    """Whether the short form *shown* is *value* itself (print "=") or rounded ("≈")."""
    f = _as_float(value)
    if f is None:
        return True
    try:
        back = float(shown.replace(MINUS, "-").replace("×10", "e").translate(
            str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")).replace(r" \times 10^{", "e").rstrip("}"))
    except ValueError:
        return True
    return abs(back - f) <= 1e-12 * max(1.0, abs(f))


# ---------------------------------------------------------------------------
# order of factors and terms
# ---------------------------------------------------------------------------

def _built_unevaluated(expr) -> bool:
    """True when *expr* keeps an order its author chose (built with evaluate=False)."""
    try:
        return tuple(expr.func(*expr.args).args) != tuple(expr.args) if (expr.is_Add or expr.is_Mul) else False
    except (TypeError, ValueError):  # pragma: no cover - exotic arguments
        return True


def _factor_rank(factor) -> int:
    if factor.is_Number:
        return 0
    if isinstance(factor, sympy.Derivative):
        return 3  # the factor still to be worked out goes last: 2(ŷ − y) · ∂(ŷ − y)/∂ŷ
    if factor.is_Add or (factor.is_Pow and factor.base.is_Add and factor.exp.is_positive):
        return 2
    return 1


def textbook_factors(expr) -> list:
    """The factors of a product in the order they should be printed."""
    if not expr.is_Mul:
        return [expr]
    if _built_unevaluated(expr):
        return list(expr.args)
    # stable: sympy's order within a rank, except that a weight leads (w·a, W·x)
    return sorted(expr.args, key=lambda f: (_factor_rank(f), not (f.is_Symbol and f.name[:1] in "wW")))


def _degree(term) -> int | None:
    """Total degree of a monomial, or None when the term is not one."""
    total = 0
    for factor in (term.args if term.is_Mul else (term,)):
        if factor.is_Number:
            continue
        if factor.is_Symbol:
            total += 1
        elif factor.is_Pow and factor.base.is_Symbol and factor.exp.is_Integer and factor.exp > 0:
            total += int(factor.exp)
        else:
            return None
    return total


def _is_negative_term(term) -> bool:
    if term.is_Number:
        return bool(term.is_negative)
    if term.is_Mul and term.args and term.args[0].is_Number:
        return bool(term.args[0].is_negative)
    return False


def textbook_terms(expr) -> list:
    """The terms of a sum in the order they should be printed."""
    terms = list(expr.args)
    if _built_unevaluated(expr):
        return terms
    degrees = [_degree(t) for t in terms]
    known = [d for d in degrees if d is not None]
    if len(known) == len(degrees):
        order = sorted(range(len(terms)), key=lambda i: (_is_negative_term(terms[i]), -known[i]))
    else:
        order = sorted(range(len(terms)), key=lambda i: _is_negative_term(terms[i]))
    return [terms[i] for i in order]


# ---------------------------------------------------------------------------
# shared behaviour of the two printers
# ---------------------------------------------------------------------------

class _TextbookMixin:
    """Order, numbers-in-place and product layout, common to LaTeX and text."""

    _minus = MINUS
    _latex = False
    _settings: dict  # set by the sympy printer this is mixed into

    # -- numbers in place of sub-expressions ------------------------------------

    def _numbers(self) -> dict:
        return self._settings.get("numbers") or {}

    def _number_of(self, expr):
        numbers = self._numbers()
        if numbers and isinstance(expr, sympy.Basic) and not expr.is_Number:
            try:
                return numbers.get(expr)
            except TypeError:  # pragma: no cover - unhashable
                return None
        return None

    def _is_negative_number(self, item) -> bool:
        value = self._number_of(item)
        if value is None:
            return bool(getattr(item, "is_Number", False) and item.is_negative)
        f = _as_float(value)
        return f is not None and f < 0 and format_number(value, latex=self._latex) != "0"

    def _wrap(self, text: str) -> str:
        return rf"\left({text}\right)" if self._latex else f"({text})"

    def _print(self, expr, **kwargs):
        value = self._number_of(expr)
        if value is None:
            return super()._print(expr, **kwargs)
        text = format_number(value, latex=self._latex)
        exp = kwargs.get("exp")
        if exp is not None:  # a function raised to a power: tanh²(x) → 0.76²
            base = self._wrap(text) if text.startswith(("-", MINUS)) or " " in text else text
            return f"{base}^{{{exp}}}" if self._latex else f"{base}^{exp}"
        return text

    def _parenthesize_factor(self, item, level) -> str:
        text = self._print(item)
        if self._is_negative_number(item):
            return self._wrap(text)
        if self._number_of(item) is not None:
            return text
        if precedence(item) < level or item.is_Add:
            return self._wrap(text)
        return text

    # -- sums -------------------------------------------------------------------

    def _print_Add(self, expr, order=None):
        pieces = []
        for index, term in enumerate(textbook_terms(expr)):
            text = self._print(term)
            if term.is_Add:
                text = self._wrap(text)
            negative = text.startswith(("-", MINUS))
            if negative:
                text = text[1:].lstrip()
            if index == 0:
                pieces.append((self._minus if negative else "") + text)
            else:
                pieces.append(f" {self._minus if negative else '+'} {text}")
        return "".join(pieces)

    # -- products ---------------------------------------------------------------

    def _separator(self, left: str, right: str) -> str:
        raise NotImplementedError

    def _join(self, factors, signed: bool = False) -> str:
        out = ""
        for index, factor in enumerate(factors):
            if index == 0 and not signed and (self._is_negative_number(factor) or (
                    factor.is_Mul and self._number_of(factor) is None and _is_negative_term(factor))):
                text = self._print(factor)  # a leading sign is unambiguous: −0.24·0.5, −sinh(z)·sinh(z)
            else:
                text = self._parenthesize_factor(factor, PRECEDENCE["Mul"])
            out = text if not out else out + self._separator(out, text) + text
        return out

    def _split_sign(self, factors):
        """(negative?, factors without a leading −1 or with its sign taken out)."""
        if factors and factors[0].is_Number and factors[0].is_negative and len(factors) > 1:
            first = -factors[0]
            rest = factors[1:]
            return True, (rest if first == 1 else [first, *rest])
        return False, factors

    def _fraction(self, numerator: str, denominator: str, group_top: bool, group_bottom: bool) -> str:
        raise NotImplementedError

    def _print_Mul(self, expr):
        factors = textbook_factors(expr)
        negative, factors = self._split_sign(factors)
        numerator, denominator = factors, []
        if expr.is_Mul and _built_unevaluated(expr):
            # a quotient kept as typed, a/b = a·b⁻¹: the trailing reciprocals are its denominator
            numerator = list(factors)
            while len(numerator) > 1 and self._is_reciprocal(numerator[-1]):
                denominator.insert(0, numerator.pop().base)
            if numerator == [S.One] and denominator:
                numerator = []
        else:
            numerator = []
            for f in factors:
                if self._number_of(f) is None and f.is_Pow and f.exp.is_Rational and f.exp.is_negative:
                    denominator.append(f.base if f.exp == -1 else sympy.Pow(f.base, -f.exp, evaluate=False))
                elif f.is_Rational and not f.is_Integer:
                    if f.p != 1:
                        numerator.append(sympy.Integer(f.p))
                    denominator.append(sympy.Integer(f.q))
                else:
                    numerator.append(f)
        if denominator:
            top = self._fraction_part(numerator, negative) if numerator else "1"
            bottom = self._fraction_part(denominator, signed=True)
            text = self._fraction(top, bottom, len(numerator) == 1 and numerator[0].is_Add,
                                  len(denominator) > 1 or denominator[0].is_Add or denominator[0].is_Mul)
        else:
            text = self._join(factors, negative) if factors else "1"
        return (self._minus if negative else "") + text

    def _is_reciprocal(self, factor) -> bool:
        return factor.is_Pow and factor.exp is S.NegativeOne and self._number_of(factor) is None

    def _fraction_part(self, factors, signed: bool = False) -> str:
        if len(factors) == 1 and self._number_of(factors[0]) is None:
            return self._print(factors[0])  # the fraction bar groups it
        return self._join(factors, signed)


# ---------------------------------------------------------------------------
# LaTeX
# ---------------------------------------------------------------------------

class TextbookLatexPrinter(_TextbookMixin, LatexPrinter):
    """sympy's LaTeX printer with the project's symbol names, ∂-fractions and teaching order."""

    _default_settings = {**LatexPrinter._default_settings, "mul_symbol": None, "ln_notation": True,
                         "numbers": None}
    _minus = "-"
    _latex = True

    def _print_Symbol(self, expr, style="plain"):
        return latex_name(expr.name)

    def _print_Dummy(self, expr):
        return latex_name(expr.name)

    def parenthesize(self, item, level, is_neg=False, strict=False):
        if self._is_negative_number(item):
            return self._wrap(self._print(item))
        if self._number_of(item) is not None:
            return self._print(item)
        return super().parenthesize(item, level, is_neg=is_neg, strict=strict)

    def _separator(self, left: str, right: str) -> str:
        # a number after anything needs a visible dot: 2 \cdot 3, x \cdot 2
        if right[:1].isdigit() or right.startswith(r"\frac") or right.startswith(r"\left(-") or left == "1":
            return r" \cdot "
        return " "

    def _fraction(self, numerator, denominator, group_top, group_bottom) -> str:
        return rf"\frac{{{numerator}}}{{{denominator}}}"

    def _print_Float(self, expr):
        return format_number(expr, digits=6, latex=True)

    def _print_Derivative(self, expr):
        function, variables = expr.expr, expr.variable_count
        numerator = self._print(function)
        parts = []
        total = 0
        for var, count in variables:
            total += count
            v = self._print(var)
            parts.append(rf"\partial {v}" if count == 1 else rf"\partial {v}^{{{count}}}")
        order = "" if total == 1 else f"^{{{total}}}"
        if function.is_Symbol:
            return rf"\frac{{\partial{order} {numerator}}}{{{' '.join(parts)}}}"
        if _of_one_variable(expr):
            return rf"\frac{{d{order}}}{{{' '.join(parts).replace(chr(92) + 'partial', 'd')}}}\left({numerator}\right)"
        return rf"\frac{{\partial{order}}}{{{' '.join(parts)}}}\left({numerator}\right)"

    def _print_Heaviside(self, expr, exp=None):
        tex = rf"H\left({self._print(expr.args[0])}\right)"
        return tex if exp is None else rf"{tex}^{{{exp}}}"


# ---------------------------------------------------------------------------
# Unicode text
# ---------------------------------------------------------------------------

_LETTERS_CALL = re.compile(r"[A-Za-z]{2,}\(")


def _of_one_variable(derivative) -> bool:
    """A derivative of a written-out function of its one variable (u², σ(u)): d, not ∂.

    A named quantity (∂z/∂W, ∂ŷ/∂z) keeps ∂: it stands for a function of
    more than the variable, even where its formula is not written beside it.
    """
    function = derivative.expr
    variables = {v for v, _ in derivative.variable_count}
    return not function.is_Symbol and len(variables) == 1 and function.free_symbols == variables


class TextbookTextPrinter(_TextbookMixin, StrPrinter):
    """One-line Unicode: σ(z), ŷ, w⁽²⁾₁₃, ∂L/∂W, e^(−z), ·, −, ², √."""

    _default_settings = {**StrPrinter._default_settings, "numbers": None}
    _SUPERSCRIPT = _SUPERSCRIPT

    def _print_Symbol(self, expr):
        return unicode_name(expr.name)

    _print_Dummy = _print_Symbol

    def parenthesize(self, item, level, strict=False):
        if self._is_negative_number(item):
            return self._wrap(self._print(item))
        if self._number_of(item) is not None:
            return self._print(item)
        return super().parenthesize(item, level, strict)

    def _separator(self, left: str, right: str) -> str:
        last = left.rsplit(" ", 1)[-1]
        if "/" in last or "/" in right.split(" ", 1)[0]:
            return "·"  # an inline fraction needs a visible product: ∂L/∂ŷ·∂ŷ/∂z
        if right.startswith("(") and not right.startswith("(" + MINUS):
            return ""  # 2(ŷ − y), σ(z)(1 − σ(z))
        if _NUMBER_TEXT.match(last) and last != "1" and not right[:1].isdigit() and not right.startswith("("):
            return ""  # 2x, 2σ(z); but a factor 1 kept on purpose stays visible: 1·x
        return "·"

    def _fraction(self, numerator, denominator, group_top, group_bottom) -> str:
        top = f"({numerator})" if group_top else numerator
        bottom = f"({denominator})" if group_bottom else denominator
        return f"{top}/{bottom}"

    def _print_Derivative(self, expr):
        function = expr.expr
        plain = function.is_Symbol or (function.is_Function and not function.is_Pow)
        numerator = self._print(function) if plain else f"({self._print(function)})"
        parts = []
        total = 0
        for var, count in expr.variable_count:
            total += count
            v = self._print(var)
            parts.append(f"∂{v}" if count == 1 else f"∂{v}{str(count).translate(_SUPERSCRIPT)}")
        order = "" if total == 1 else str(total).translate(_SUPERSCRIPT)
        if _of_one_variable(expr):
            # a function of one variable has an ordinary derivative: d(u²)/du, d ReLU(u)/du
            space = " " if _LETTERS_CALL.match(numerator) else ""
            return f"d{order}{space}{numerator}/{''.join(parts).replace('∂', 'd')}"
        return f"∂{order}{numerator}/{''.join(parts)}"

    def _print_Function(self, expr):
        name = getattr(expr.func, "text_name", "") or expr.func.__name__
        return f"{name}({', '.join(self._print(a) for a in expr.args)})"

    def _print_softmax(self, expr):
        index = int(expr.args[0]) + 1
        return f"softmax{str(index).translate(str.maketrans('0123456789', '₀₁₂₃₄₅₆₇₈₉'))}({', '.join(self._print(a) for a in expr.args[1:])})"

    def _print_Heaviside(self, expr):
        return f"H({self._print(expr.args[0])})"

    def _print_Piecewise(self, expr):
        pieces = []
        for value, condition in expr.args:
            when = "otherwise" if condition is sympy.true else f"if {self._print(condition)}"
            pieces.append(f"{self._print(value)} {when}")
        return "{" + "; ".join(pieces) + "}"

    def _print_exp(self, expr):
        argument = expr.args[0]
        text = self._print(argument)
        if argument.is_Symbol or (argument.is_Integer and argument >= 0):
            return f"e^{text}"
        return f"e^({text})"

    def _print_log(self, expr):
        return f"ln({', '.join(self._print(a) for a in expr.args)})"

    def _print_Abs(self, expr):
        return f"|{self._print(expr.args[0])}|"

    def _print_Max(self, expr):
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_Min(self, expr):
        return f"min({', '.join(self._print(a) for a in expr.args)})"

    def _print_Exp1(self, expr):
        return "e"

    def _print_Pi(self, expr):
        return "π"

    def _print_Float(self, expr):
        return format_number(expr, digits=6)

    def _print_Integer(self, expr):
        return str(int(expr)).replace("-", MINUS)

    def _print_Rational(self, expr):
        return f"{expr.p}/{expr.q}".replace("-", MINUS)

    def _print_Pow(self, expr, rational=False):
        base, exponent = expr.base, expr.exp
        if exponent is S.Half:
            inner = self._print(base)
            return f"√{inner}" if (base.is_Atom or self._number_of(base) is not None) and \
                not self._is_negative_number(base) else f"√({inner})"
        base_text = self.parenthesize(base, PRECEDENCE["Pow"], strict=False)
        if exponent.is_Integer and self._number_of(exponent) is None:
            if exponent == -1:
                return f"1/{base_text}"
            return f"{base_text}{str(int(exponent)).translate(_SUPERSCRIPT)}"
        exponent_text = self._print(exponent)
        if exponent.is_Symbol and len(exponent_text) == 1:
            return f"{base_text}^{exponent_text}"
        return f"{base_text}^({exponent_text})"

    def emptyPrinter(self, expr):
        return str(expr)


def to_latex(expr, **settings) -> str:
    """LaTeX of *expr* with textbook names (no surrounding ``$``)."""
    settings.setdefault("order", "none")  # keep ŷ − y as built, not sorted to −y + ŷ
    return TextbookLatexPrinter(settings).doprint(as_expression(expr))


def to_text(expr, **settings) -> str:
    """One-line Unicode of *expr* with textbook names."""
    settings.setdefault("order", "none")
    return TextbookTextPrinter(settings).doprint(as_expression(expr))
