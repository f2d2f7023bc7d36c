"""Markdown for notebooks and READMEs: nested lists (one level of nesting per level of detail), math in ``$…$``."""

from __future__ import annotations

from ..printing import to_latex
from .common import expression, given_text, numbers_tail, report_text
from .document import Document, build_document

__all__ = ["render_markdown", "document_markdown"]

_MARKDOWN_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|$"})


def _prose(text: str) -> str:
    return text.translate(_MARKDOWN_SPECIALS)


def document_markdown(document: Document, *, heading: str = "###") -> str:
    out: list[str] = []
    if document.given:
        out.append(f"**At** ${given_text(document.given, latex=True)}$")
        out.append("")
    if document.definitions:
        out.append("**Named quantities**")
        out.append("")
        for definition in document.definitions:
            tail = numbers_tail(definition, latex=True)
            math = f"{to_latex(definition.symbol)} = {to_latex(definition.expression)}" + (f" {tail}" if tail else "")
            out.append(f"- ${math}$")
        out.append("")
    for section in document.sections:
        suffix = " (derived once, cited below)" if section.cited else ""
        out.append(f"{heading} {_prose(section.title)}{suffix}")
        out.append("")
        for line in section.lines:
            indent = "  " * line.depth
            rhs = expression(line.rhs, latex=True, by_factors=line.by_factors)
            lhs = to_latex(line.lhs)
            math = f"{lhs} = {rhs}"
            annotation = ""
            if line.rule:
                annotation = f" — *{_prose(line.rule)}*" + (f": {_prose(line.reason)}" if line.reason else "")
            elif line.reason:
                annotation = f" — {_prose(line.reason)}"
            out.append(f"{indent}- ${math}${annotation}")
            tail = numbers_tail(line, latex=True)
            if tail is not None:
                # a hard line break keeps the numbers under their formula, in the same item
                out[-1] += "  "
                out.append(f"{indent}  ${tail}$")
        out.append("")
    for convention in document.conventions:
        out.append(f"*Convention:* {_prose(convention)}  ")
    if document.report is not None:
        out.append(f"*Checked:* {_prose(report_text(document.report))}.")
    return "\n".join(out).rstrip() + "\n"


def render_markdown(derivation, level: int = 0, *, verify: bool = False, definitions: bool = True,
                    heading: str = "###", at=None) -> str:
    """The derivation as Markdown down to *level*, with numbers after ``.at(...)``."""
    derivation = derivation.at(at) if at is not None else derivation
    report = derivation.verify() if verify else None
    return document_markdown(build_document(derivation, level, report=report, definitions=definitions),
                             heading=heading)
