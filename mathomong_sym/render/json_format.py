"""JSON: the derivation as structured, documented data (docs/derivation-json.md).

The format is versioned by ``format_version``; a field is never renamed or
given another meaning without raising it.  Every expression is an object
with three spellings: ``text`` (Unicode), ``latex`` and ``plain`` (sympy's
``str``, whose symbol names are the project's plain names such as
``w2_1_13``).
"""

from __future__ import annotations

import json
import math

import sympy

from ..printing import format_number, to_latex, to_text
from .common import expression, numbers_tail
from .document import Document, Line, Section, build_document
from ..parsing.values import as_expression

__all__ = ["FORMAT_VERSION", "render_json", "json_document"]

#: raised whenever a field changes meaning or disappears; adding fields keeps it
FORMAT_VERSION = 1


def _expr(expr) -> dict:
    return {"text": to_text(expr), "latex": to_latex(expr), "plain": str(expr)}


def _number(value):
    if value is None:
        return None
    try:
        f = float(as_expression(value))
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _numbers(item) -> dict | None:
    if not item.numbers and item.value is None:
        return None
    tail_text = numbers_tail(item, latex=False)
    tail_latex = numbers_tail(item, latex=True)
    return {
        "value": _number(item.value),
        "value_text": format_number(item.value) if item.value is not None else None,
        "text": tail_text,
        "latex": tail_latex,
    }


def _step(line: Line) -> dict:
    by_factors = line.by_factors
    rhs_text = expression(line.rhs, latex=False, by_factors=by_factors)
    rhs_latex = expression(line.rhs, latex=True, by_factors=by_factors)
    return {
        "rule": line.rule,
        "reason": line.reason,
        "kind": line.kind,
        "formula": line.step.formula,
        "depth": line.depth,
        "before": _expr(line.lhs),
        "after": _expr(line.rhs),
        "text": f"{to_text(line.lhs)} = {rhs_text}",
        "latex": f"{to_latex(line.lhs)} = {rhs_latex}",
        "factors": [_expr(f) for f in line.rhs.args] if by_factors else [],
        "numbers": _numbers(line),
        "children": [],
    }


def _steps(lines) -> list[dict]:
    """The flat, depth-first lines as a tree again."""
    roots: list[dict] = []
    stack: list[dict] = []
    for line in lines:
        node = _step(line)
        while stack and stack[-1]["depth"] >= line.depth:
            stack.pop()
        (stack[-1]["children"] if stack else roots).append(node)
        stack.append(node)
    return roots


def _section(section: Section, ids: dict) -> dict:
    derivation = section.derivation
    return {
        "id": ids[id(derivation)],
        "title": section.title,
        "lhs": _expr(derivation.lhs),
        "variable": derivation.variable.name if derivation.variable is not None else None,
        "cites": [ids[id(c)] for c in derivation.cites if id(c) in ids],
        "steps": _steps(section.lines),
        "factors": [{"lhs": _expr(f.lhs), "value": _expr(f.value), "kind": f.kind} for f in derivation.factors],
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
    ids = {}
    for index, section in enumerate(document.sections):
        ids[id(section.derivation)] = "result" if not section.cited else f"cited-{index + 1}"
    main = document.main
    payload = _section(main, ids)
    network = getattr(derivation, "network", None)
    payload.update({
        "format_version": FORMAT_VERSION,
        "level": document.level,
        "expression": _expr(derivation.expression) if derivation.expression is not None else None,
        "network": getattr(network, "description", None) if network is not None else None,
        "result": _expr(derivation.result) if derivation.result is not None else None,
        "definitions": [
            {"name": d.symbol.name, "symbol": _expr(d.symbol), "expression": _expr(d.expression),
             "numbers": _numbers(d)}
            for d in document.definitions
        ],
        "point": {s.name: _number(v) for s, v in document.given} if derivation.point else None,
        "conventions": list(document.conventions),
        "cited": [_section(s, ids) for s in document.sections if s.cited],
        "verification": _verification(document.report),
    })
    order = ["format_version", "id", "title", "lhs", "variable", "expression", "network", "level", "point",
             "conventions", "definitions", "cited", "cites", "steps", "factors", "result", "verification"]
    return {key: payload[key] for key in order}


def render_json(derivation, level: int = 2, *, verify: bool = True, indent: int | None = 2,
                as_dict: bool = False, at=None):
    """The derivation as JSON text (or the dict, with ``as_dict=True``), verified unless ``verify=False``."""
    derivation = derivation.at(at) if at is not None else derivation
    report = derivation.verify() if verify else None
    data = json_document(build_document(derivation, level, report=report))
    if as_dict:
        return data
    return json.dumps(data, ensure_ascii=False, indent=indent)
