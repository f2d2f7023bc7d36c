"""Pieces the text, LaTeX and Markdown renderers share: one side of a line, with or without numbers."""

from __future__ import annotations

from ..printing import MINUS, to_latex, to_text
from .document import Definition, Line, factors_of, is_product, number_text


def expression(expr, *, latex: bool, numbers: dict | None = None, by_factors: bool = False) -> str:
    """*expr* printed; a product of named factors factor by factor (``2(ŷ − y) · σ(z)(1 − σ(z)) · x``)."""
    printer = to_latex if latex else to_text
    if not (by_factors and is_product(expr)):
        return printer(expr, numbers=numbers or None)
    separator = r" \cdot " if latex else " · "
    parts = []
    for index, factor in enumerate(factors_of(expr)):
        text = printer(factor, numbers=numbers or None)
        negative = text.startswith(("-", MINUS))
        if factor.is_Add or (negative and index > 0):
            text = rf"\left({text}\right)" if latex else f"({text})"
        parts.append(text)
    return separator.join(parts)


def numbers_tail(item: Line | Definition, *, latex: bool) -> str | None:
    """``= 2(0.5 − 1) = −1``: the right side with numbers, then its value; None when it adds nothing."""
    if isinstance(item, Line):
        expr, by_factors = item.rhs, item.by_factors
    else:
        expr, by_factors = item.expression, False
    if not item.numbers and item.value is None:
        return None
    plain = expression(expr, latex=latex, by_factors=by_factors)
    with_numbers = expression(expr, latex=latex, numbers=item.numbers, by_factors=by_factors) if item.numbers else plain
    if item.value is None:
        return None if with_numbers == plain else f"= {with_numbers}"
    relation, value = number_text(item.value, latex=latex)
    if with_numbers == value or not item.numbers:
        if plain == value:
            return None  # the line is already a number
        return f"{relation} {value}"
    return f"= {with_numbers} {relation} {value}"


def given_text(given, *, latex: bool) -> str:
    from ..printing import format_number

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
    head = "every step checked against sympy.diff" if report.ok else "verification FAILED"
    return f"{head}: {', '.join(parts)}"
