"""Markdown for notebooks and READMEs: nested lists (one level per depth), math in ``$…$``.

With ``hints=True`` every step is an HTML ``<details>`` block: its hint is the
summary, its parts and worked lines are revealed on a click (Jupyter renders
Markdown output this way, one reveal per step).
"""

from __future__ import annotations

from ..derivation import Words
from .common import checked_words, equation_pieces, given_text, math, symbolic_hint
from .document import Document, DocStep, build_document

__all__ = ["render_markdown", "document_markdown"]

_MARKDOWN_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|$"})


def _prose(text: str) -> str:
    return text.translate(_MARKDOWN_SPECIALS)


class _Writer:
    def __init__(self, document: Document, hints: bool):
        self.document = document
        self.hints = hints
        self.out: list[str] = []

    def math(self, expr) -> str:
        return "$" + math(expr, latex=True, ordinary=self.document.ordinary) + "$"

    def words(self, words) -> str:
        if not isinstance(words, Words):
            return _prose(str(words or ""))
        return "".join(_prose(p) if isinstance(p, str) else self.math(p) for p in words)

    def equation(self, equation) -> str:
        pieces = equation_pieces(equation, latex=True, ordinary=self.document.ordinary)
        return "$" + " ".join(f"{relation} {text}".strip() for relation, text in pieces) + "$"

    def annotation(self, step: DocStep) -> str:
        pieces = []
        if step.rule:
            rule = f"*{_prose(step.rule)}*"
            if step.formula and step.formula.latex:
                rule += f": ${step.formula.latex}$"
            pieces.append(rule)
        if step.reason:
            pieces.append(self.words(step.reason))
        text = "; ".join(pieces)
        if step.tag:
            text = f"**{step.tag}**" + (f" {text}" if text else "")
        return f" — {text}" if text else ""

    def header(self, step: DocStep) -> str:
        label = f"{step.label}: " if step.label else ""
        if step.opening is not None:
            core = self.equation(step.opening)
            if step.kind == "delta":
                core = f"{self.math(step.target)[:-1]} = {core[1:]}"
        else:
            core = self.math(step.target) if step.target is not None else ""
        text = label + core
        if step.rule:
            text += f" by the *{_prose(step.rule)}*"
            if step.formula and step.formula.latex:
                text += f", ${step.formula.latex}$"
        if step.lets:
            text += ", with " + "; ".join(self.equation(let) for let in step.lets)
        if step.reason:
            text += ": " + self.words(step.reason)
        return text

    def item(self, depth: int, text: str) -> None:
        self.out.append("  " * depth + "- " + text)

    def step(self, step: DocStep, depth: int, top: bool = False) -> None:
        if step.kind == "matrix":
            self.item(depth, f"**{step.tag}** ${step.equation_latex}$")
            return
        leaf = step.leaf and not (top and step.kind in ("rule", "chain", "factor"))
        hint = self.header(step) if not leaf else \
            (self.math(step.target) if step.target is not None else "") + ": " + self.annotation(step).lstrip(" —")
        if leaf and symbolic_hint(step) is not None:
            hint = f"{self.equation(symbolic_hint(step))}: put in the numbers"
        if self.hints and step.kind not in ("definition", "cite", "algebra"):
            self.item(depth, f"<details><summary>Step {step.id}. {hint}</summary>")
            self.out.append("")
            for part in step.parts:
                self.step(part, depth + 1)
            for equation in step.worked:
                self.item(depth + 1, self.equation(equation) + (f" **{step.tag}**" if step.tag else ""))
            if step.note:
                self.item(depth + 1, self.words(step.note))
            self.out.append("  " * (depth + 1) + "</details>")
            return
        if leaf:
            text = " ".join(self.equation(e) for e in step.worked)
            label = f"{step.label}: " if step.label else ""
            annotation = self.annotation(step) if step.kind != "algebra" else \
                (f" — {self.words(step.reason)}" if step.reason else "")
            self.item(depth, label + text + annotation)
            if step.note:
                self.item(depth + 1, self.words(step.note))
            return
        self.item(depth, self.header(step))
        for part in step.parts:
            self.step(part, depth + 1)
        for equation in step.worked:
            self.item(depth + 1, self.equation(equation) + (f" **{step.tag}**" if step.tag else ""))
        if step.note:
            self.item(depth + 1, self.words(step.note))

    def render(self, heading: str) -> str:
        document = self.document
        if document.legend:
            self.out.append("**Names:** " + ", ".join(f"{self.math(n)} = {self.words(m)}" for n, m in document.legend))
            self.out.append("")
        for section in document.sections:
            given = ""
            if document.given and (section.kind == "forward" or (section.kind == "derivative"
                                                                 and section.derivation is not None
                                                                 and section.derivation.network is None)):
                given = f" at ${given_text(document.given, latex=True)}$"
            intro = f": {self.words(section.intro)}" if section.intro else ""
            self.out.append(f"{heading} {self.words(section.title)}{given}{intro}")
            self.out.append("")
            for step in section.steps:
                self.step(step, 0, top=section.kind == "derivative")
            self.out.append("")
        for convention in document.conventions:
            self.out.append(f"*Convention:* {_prose(convention)}  ")
        checked = checked_words(document)
        if checked:
            self.out.append(f"*Checked:* {self.words(checked)}.")
        return "\n".join(self.out).rstrip() + "\n"


def document_markdown(document: Document, *, heading: str = "###", hints: bool = False) -> str:
    return _Writer(document, hints).render(heading)


def render_markdown(derivation, level: int = 0, *, verify: bool = False, definitions: bool = True,
                    heading: str = "###", at=None, hints: bool = False) -> str:
    """The derivation as Markdown down to *level*, with numbers after ``.at(...)``; ``hints``: a reveal per step."""
    derivation = derivation.at(at) if at is not None else derivation
    report = derivation.verify() if verify else None
    return document_markdown(build_document(derivation, level, report=report, definitions=definitions),
                             heading=heading, hints=hints)
