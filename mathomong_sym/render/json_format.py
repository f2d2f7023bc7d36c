"""JSON: the document as structured, documented data (docs/derivation-json.md).

The format is versioned by ``format_version``; a field is never renamed or
given another meaning without raising it.  It is the
:class:`~mathomong_sym.render.document.Document` itself: sections of steps,
each step a hint (rule, formula, reason, names, opening), its parts, its
worked lines and a note, in reading order.  Every expression is an object
with three spellings: ``text`` (Unicode), ``latex`` and ``plain`` (sympy's
``str``, whose symbol names are the project's plain names such as
``w2_1_13``); prose is ``{"text", "latex"}``.
"""

from __future__ import annotations

import json
import math


from ..printing import format_number, to_latex, to_text
from .common import equation_pieces, words_text
from .document import Document, DocStep, Equation, Section, build_document
from ..parsing.values import as_expression

__all__ = ["FORMAT_VERSION", "render_json", "json_document"]

#: raised whenever a field changes meaning or disappears; adding fields keeps it
FORMAT_VERSION = 2


def _expr(expr) -> dict:
    return {"text": to_text(expr), "latex": to_latex(expr), "plain": str(expr)}


def _words(words) -> dict | None:
    if not words:
        return None
    from .latex import words_latex

    return {"text": words_text(words), "latex": words_latex(words)}


def _number(value):
    if value is None:
        return None
    try:
        f = float(as_expression(value))
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _equation(equation: Equation | None, ordinary: bool) -> dict | None:
    if equation is None:
        return None

    def joined(latex: bool) -> str:
        pieces = equation_pieces(equation, latex=latex, ordinary=ordinary)
        return " ".join(f"{relation} {text}".strip() for relation, text in pieces)

    def valued(expr, numbers, latex: bool) -> str:
        from .common import math as show

        return show(expr, latex=latex, numbers=numbers, ordinary=ordinary)

    return {
        "lhs": _expr(equation.lhs),
        "relation": equation.relation,
        "sides": [_expr(side) for side in equation.sides],
        "numbers": [{"text": valued(e, n, False), "latex": valued(e, n, True)} for e, n in equation.at],
        "value": _number(equation.value),
        "value_text": format_number(equation.value) if equation.value is not None else None,
        "text": joined(False),
        "latex": joined(True),
    }


def _step(step: DocStep, ordinary: bool) -> dict:
    meaning = step.meaning
    return {
        "id": step.id,
        "kind": step.kind,
        "target": _expr(step.target) if step.target is not None else None,
        "rule": step.rule,
        "formula": {"text": step.formula.text, "latex": step.formula.latex} if step.formula else None,
        "reason": _words(step.reason),
        "tag": step.tag,
        "label": step.label,
        "lets": [_equation(let, ordinary) for let in step.lets],
        "opening": _equation(step.opening, ordinary),
        "parts": [_step(part, ordinary) for part in step.parts],
        "worked": [_equation(equation, ordinary) for equation in step.worked],
        "note": _words(step.note),
        "meaning": None if meaning is None else {
            "variable": meaning.variable.name, "nudge": _number(meaning.nudge), "before": _number(meaning.before),
            "after": _number(meaning.after), "predicted_change": _number(meaning.predicted),
            "holds": meaning.holds,
        },
        "cites": list(step.cites),
    }


def _section(section: Section, ordinary: bool) -> dict:
    return {
        "kind": section.kind,
        "title": _words(section.title),
        "intro": _words(section.intro),
        "steps": [_step(step, ordinary) for step in section.steps],
    }


def _verification(report) -> dict | None:
    if report is None:
        return None
    return {
        "outcome": report.outcome,
        "counts": report.counts(),
        "failures": [
            {"before": _expr(c.step.lhs), "after": _expr(c.step.rhs), "rule": c.step.rule, "detail": c.detail}
            for c in report.failures
        ],
    }


def json_document(document: Document) -> dict:
    derivation = document.derivation
    network = getattr(derivation, "network", None)
    derivations = document.derivations or (derivation,)
    return {
        "format_version": FORMAT_VERSION,
        "title": _words(document.title),
        "level": document.level,
        "variables": [d.variable.name for d in derivations if d.variable is not None],
        "expression": _expr(derivation.expression) if derivation.expression is not None else None,
        "network": getattr(network, "description", None) if network is not None else None,
        "point": {s.name: _number(v) for s, v in document.given} if derivation.point else None,
        "legend": [{"name": _expr(name), "meaning": words_text(meaning)} for name, meaning in document.legend],
        "conventions": list(document.conventions),
        "sections": [_section(section, document.ordinary) for section in document.sections],
        "results": [_expr(d.result) for d in derivations if d.result is not None],
        "verification": _verification(document.report),
    }


def render_json(derivation, level: int = 2, *, verify: bool = True, indent: int | None = 2,
                as_dict: bool = False, at=None):
    """The derivation as JSON text (or the dict, with ``as_dict=True``), verified unless ``verify=False``."""
    derivation = derivation.at(at) if at is not None else derivation
    report = derivation.verify() if verify else None
    data = json_document(build_document(derivation, level, report=report))
    if as_dict:
        return data
    return json.dumps(data, ensure_ascii=False, indent=indent)
