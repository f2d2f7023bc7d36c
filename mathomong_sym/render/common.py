"""Pieces every renderer shares: an expression, an equation with its numbers, prose with math in it."""

from __future__ import annotations

import functools
import re

import sympy

from ..derivation import Words
from ..printing import MINUS, format_number, to_latex, to_text
from .document import Equation, _by_factors, factors_of, is_product, number_text

__all__ = ["math", "equation_pieces", "symbolic_hint", "words_text", "given_text", "report_text", "checked_text", "checked_words"]

_PARTIAL_LATEX = re.compile(r"\\partial(?![A-Za-z])")
_PARTIAL_WORD = re.compile(r"∂(?=[A-Za-z]{2,}\()")


def math(expr, *, latex: bool, numbers: dict | None = None, factors: bool = False, ordinary: bool = False) -> str:
    """*expr* printed; a product of named factors factor by factor (``2(ŷ − y) · σ(z)(1 − σ(z)) · x``).

    ``ordinary`` writes the derivatives of a function of one variable with d, as the guide does (dy/dx).
    """
    if not numbers and isinstance(expr, sympy.Basic):
        # a document prints the same names and derivatives many times over: each is printed once
        try:
            return _math_of(expr, latex, factors, ordinary)
        except TypeError:  # unhashable: printed as it comes
            pass
    return _math(expr, latex=latex, numbers=numbers, factors=factors, ordinary=ordinary)


@functools.lru_cache(maxsize=8192)
def _math_of(expr, latex: bool, factors: bool, ordinary: bool) -> str:
    return _math(expr, latex=latex, numbers=None, factors=factors, ordinary=ordinary)


def _math(expr, *, latex: bool, numbers: dict | None, factors: bool, ordinary: bool) -> str:
    printer = to_latex if latex else to_text
    if isinstance(expr, sympy.Equality):  # n = 2 in a reason
        return " = ".join(math(side, latex=latex, numbers=numbers, ordinary=ordinary) for side in expr.args)
    if not (factors and is_product(expr)):
        text = printer(expr, numbers=numbers or None)
    else:
        separator = r" \cdot " if latex else " · "
        parts = []
        for index, factor in enumerate(factors_of(expr)):
            text = printer(factor, numbers=numbers or None)
            negative = text.startswith(("-", MINUS))
            valued = numbers is not None and factor in numbers  # a sum put in as its value is a number, not a sum
            if (factor.is_Add and not valued) or (negative and index > 0) or (negative and valued):
                text = rf"\left({text}\right)" if latex else f"({text})"
            parts.append(text)
        text = separator.join(parts)
    if ordinary:
        # d sin(u)/du, not dsin(u)/du
        text = _PARTIAL_LATEX.sub("d", text) if latex else _PARTIAL_WORD.sub("d ", text).replace("∂", "d")
    return text


def equation_pieces(equation: Equation, *, latex: bool, ordinary: bool = False) -> list[tuple[str, str]]:
    """[(relation, text)]: the left side (relation ""), then each side, the numbers and the value, each once."""
    def show(expr, numbers=None):
        # a product of separately found quantities prints factor by factor (2u · 1), others as they are
        factors = _by_factors(expr)
        return math(expr, latex=latex, numbers=numbers, factors=factors, ordinary=ordinary)

    relation = {"←": r"\leftarrow" if latex else "←"}.get(equation.relation, "=")
    pieces = [("", show(equation.lhs))]
    seen = {pieces[0][1]}
    for side in equation.sides:
        text = show(side)
        if text not in seen:
            pieces.append((relation, text))
            seen.add(text)
        relation = "="
    related, number = number_text(equation.value, latex=latex) if equation.value is not None else ("=", None)
    for expr, numbers in equation.at:
        text = show(expr, numbers)
        if text not in seen:
            # the line with numbers may already be the rounded value: then it is "≈" it
            pieces.append((related if text == number and related != "=" else relation, text))
            seen.add(text)
        relation = "="
    if number is not None and number not in seen:
        pieces.append((relation if related == "=" else related, number))
    return pieces


def symbolic_hint(step) -> Equation | None:
    """For a one-line step with no rule to name (an update): its line without the numbers, as its hint.

    "W ← W − η·∂L/∂W" first, the same line with the numbers after the reveal.
    """
    if step.rule or step.reason or not step.worked:
        return None
    equation = step.worked[0]
    if not equation.sides or not equation.has_numbers:
        return None
    return Equation(equation.lhs, equation.sides[:1], relation=equation.relation)


def words_text(words, *, ordinary: bool = False) -> str:
    """Prose as Unicode text, its math printed by the text printer."""
    if not isinstance(words, Words):
        return str(words or "")
    return "".join(p if isinstance(p, str) else math(p, latex=False, ordinary=ordinary) for p in words)


def given_text(given, *, latex: bool) -> str:
    printer = to_latex if latex else to_text
    return ", ".join(f"{printer(s)} = {format_number(v, latex=latex)}" for s, v in given)


def report_text(report) -> str:
    """One sentence on the verification outcome."""
    counts = report.counts()
    parts = []
    if counts["proved"]:
        parts.append(f"{counts['proved']} proved symbolically")
    if counts["numeric"]:
        parts.append(f"{counts['numeric']} checked at random points to 50 digits")
    if counts["failed"]:
        parts.append(f"{counts['failed']} FAILED")
    total = sum(counts.values())
    if not report.ok:
        return f"verification FAILED ({', '.join(parts)})"
    if counts["proved"] == total:
        return f"all {total} steps proved symbolically"
    return f"all {total} steps ({', '.join(parts)})"


def checked_words(document) -> Words | None:
    """The verification and the number sentences' checks, in one sentence (None when nothing was checked).

    Words, so that each renderer sets the names in it (L, W) as math.
    """
    if document.report is None:
        return None
    pieces = Words(report_text(document.report))
    meanings = document.meanings
    if meanings:
        if len(meanings) == 1:
            pieces = pieces + Words("; the nudge, by ", meanings[0].check)
        else:
            output = Words(meanings[0].output) if meanings[0].output is not None else Words("the function")
            pieces = pieces + Words(f"; the {len(meanings)} nudges, each by computing ", output, " again")
    return pieces


def checked_text(document) -> str | None:
    """:func:`checked_words` as Unicode text."""
    words = checked_words(document)
    return None if words is None else words_text(words, ordinary=document.ordinary)
