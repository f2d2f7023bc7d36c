"""Plain Unicode text: the formula, the same line with numbers, the rule at the right."""

from __future__ import annotations

import unicodedata

from ..printing import to_text
from .common import expression, given_text, numbers_tail, report_text
from .document import Document, build_document

__all__ = ["render_text", "document_text"]

_INDENT = "  "
# the rule column never starts further right than this
_RULE_COLUMN_LIMIT = 56


def width(text: str) -> int:
    """Printed width: combining marks (the hat of ŷ) take no column."""
    return sum(0 if unicodedata.combining(c) else 1 for c in text)


def _pad(text: str, column: int) -> str:
    return text + " " * max(column - width(text), 0)


def _annotation(rule: str, reason: str) -> str:
    if rule and reason:
        return f"[{rule}] {reason}"
    return f"[{rule}]" if rule else reason


def _section_rows(section) -> list[tuple[str, str]]:
    """(equation, annotation) rows of a section, '=' aligned within each run of one left side."""
    rows: list[tuple[str, str]] = []
    for line in section.lines:
        indent = _INDENT * (line.depth + 1)
        lhs = to_text(line.lhs)
        lead = indent + (" " * width(lhs) if line.continued else lhs)
        rhs = expression(line.rhs, latex=False, by_factors=line.by_factors)
        rows.append((f"{lead} = {rhs}", _annotation(line.rule, line.reason)))
        tail = numbers_tail(line, latex=False)
        if tail is not None:
            rows.append((f"{indent}{' ' * width(lhs)} {tail}", ""))
    return rows


def _layout(rows: list[tuple[str, str]]) -> list[str]:
    fitting = [width(e) for e, a in rows if a and width(e) <= _RULE_COLUMN_LIMIT]
    column = (max(fitting) if fitting else 0) + 3
    out = []
    for equation, annotation in rows:
        if not annotation:
            out.append(equation)
        elif width(equation) + 3 > column:
            out.append(f"{equation}   {annotation}")
        else:
            out.append(_pad(equation, column) + annotation)
    return out


def document_text(document: Document) -> str:
    out: list[str] = []
    if document.given:
        out.append(f"At {given_text(document.given, latex=False)}:")
    if document.definitions:
        out.append("Named quantities:")
        rows = []
        for definition in document.definitions:
            line = f"{_INDENT}{to_text(definition.symbol)} = {to_text(definition.expression)}"
            tail = numbers_tail(definition, latex=False)
            rows.append(line + (f" {tail}" if tail else ""))
        out.extend(rows)
    for section in document.sections:
        if out:
            out.append("")
        out.append(section.title + (" (derived once, cited below)" if section.cited else ""))
        out.extend(_layout(_section_rows(section)))
    if document.conventions:
        out.append("")
        out.extend(f"Convention: {c}" for c in document.conventions)
    if document.report is not None:
        out.append("")
        out.append(f"Checked: {report_text(document.report)}.")
    return "\n".join(out) + "\n"


def render_text(derivation, level: int = 0, *, verify: bool = False, definitions: bool = True, at=None) -> str:
    """The derivation as Unicode text down to *level*, with numbers after ``.at(...)`` or with ``at={…}``."""
    derivation = derivation.at(at) if at is not None else derivation
    report = derivation.verify() if verify else None
    return document_text(build_document(derivation, level, report=report, definitions=definitions))
