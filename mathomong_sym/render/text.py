"""Plain Unicode text: each step's rule, then its parts, then the worked line, in at most 100 columns.

A step with parts opens with a line naming its rule and formula, and its
parts follow, indented one level deeper; a one-line step prints its rule at
the right when it fits, above the line when it does not.  An equation too
long for a line breaks before an "=" (a long sum, before a "+"), continuing
under its first "=".  ``hints=True`` prints each step's hint first and its
worked lines after a ▸, for working along.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

from dataclasses import replace

from .common import checked_text, equation_pieces, given_text, math, symbolic_hint, words_text
from .document import Document, DocStep, Equation, build_document

__all__ = ["render_text", "document_text", "WIDTH"]

#: no line of text is longer than this
WIDTH = 100
_INDENT = "  "
_REVEAL = "▸ "


@functools.lru_cache(maxsize=8192)
def width(text: str) -> int:
    """Printed width: combining marks (the hat of ŷ) take no column."""
    if text.isascii():
        return len(text)
    return len(text) - sum(1 for c in text if unicodedata.combining(c))


@dataclass
class _Row:
    text: str
    annotation: str = ""
    block: int = 0  # rows of one block share the annotation column


class _Writer:
    def __init__(self, document: Document, hints: bool):
        self.document = document
        self.hints = hints
        self.rows: list[_Row] = []
        self._block = 0

    # -- pieces --------------------------------------------------------------------------

    def words(self, words) -> str:
        return words_text(words, ordinary=self.document.ordinary)

    def math(self, expr) -> str:
        return math(expr, latex=False, ordinary=self.document.ordinary)

    def equation(self, equation: Equation, indent: str, limit: int = WIDTH) -> list[str]:
        """The equation in lines of at most *limit* columns, continuing under its first '='."""
        WIDTH = limit  # noqa: N806 - the limit of this equation
        pieces = equation_pieces(equation, latex=False, ordinary=self.document.ordinary)
        lhs = pieces[0][1]
        lines = []
        current = indent + lhs
        hang = " " * (width(indent) + width(lhs) + 1)
        if width(current) > WIDTH:
            # the left side alone is too long (a derivative of a long sum): break it at its sums too
            current = indent
            for chunk in _split_sum(lhs, max(20, WIDTH - width(indent) - 4)):
                if width(current) + width(chunk) > WIDTH and current.strip():
                    lines.append(current.rstrip())
                    current = indent + "    "
                current += chunk
            lhs = current.strip()
            hang = indent + "  "
        if width(hang) > WIDTH // 2:
            # a long left side would leave the right too little room under its '='
            hang = indent + "    "
        room = max(20, WIDTH - width(hang) - 2)
        for relation, text in pieces[1:]:
            piece = f" {relation} {text}"
            if width(current) + width(piece) <= WIDTH or current.strip() == lhs.strip():
                if width(current) + width(piece) > WIDTH:
                    # one side too long for any line: break it at its sums
                    chunks = _split_sum(text, room)
                    current += f" {relation} "
                    for chunk in chunks:
                        if width(current) + width(chunk) > WIDTH and current.strip():
                            lines.append(current.rstrip())
                            current = hang + "  "
                        current += chunk
                    continue
                current += piece
            else:
                lines.append(current)
                current = hang + f"{relation} {text}"
                if width(current) > WIDTH:
                    chunks = _split_sum(f"{relation} {text}", room)
                    current = hang
                    for chunk in chunks:
                        if width(current) + width(chunk) > WIDTH and current.strip():
                            lines.append(current.rstrip())
                            current = hang + "  "
                        current += chunk
        lines.append(current)
        return lines

    def row(self, text: str, annotation: str = "") -> None:
        self.rows.append(_Row(text, annotation, self._block))

    def new_block(self) -> None:
        self._block += 1

    # -- steps ----------------------------------------------------------------------------

    def annotation(self, step: DocStep) -> str:
        pieces = []
        if step.rule:
            rule = step.rule
            if step.formula and step.formula.text:
                rule += f": {step.formula.text}"
            pieces.append(rule)
        if step.reason:
            pieces.append(self.words(step.reason))
        text = "; ".join(pieces)
        if step.tag:
            text = f"{step.tag}  {text}" if text else step.tag
        return text

    def header(self, step: DocStep, indent: str) -> tuple[list[str], bool, bool, bool]:
        """The step's opening lines: what it finds and by which rule (formula, names, reason when they fit).

        Returns (lines, opening shown, names shown, reason shown).
        """
        label = f"{step.label}: " if step.label else ""
        target = self.math(step.target) if step.target is not None else ""
        if step.kind == "delta" and step.opening is not None:
            target = f"{target} = {self.math(step.opening.lhs)}"
        rule = ""
        if step.rule:
            rule = f" by the {step.rule}"
            if step.formula and step.formula.text:
                rule += f", {step.formula.text}"
        opening = None
        if step.opening is not None:
            lines = self.equation(step.opening, "")
            if len(lines) == 1:
                opening = lines[0] if step.kind != "delta" else f"{self.math(step.target)} = {lines[0]}"
        # in the opening line a name is given with its value only: the values it is made of are above
        lets = "; ".join(self.equation(replace(let, at=()), "")[0] for let in step.lets)
        reason = self.words(step.reason) if step.reason else ""
        best = None
        for core, with_opening in ((opening, True), (target, False)):
            if core is None:
                continue
            head = indent + label + core + rule
            if width(head) > WIDTH and with_opening:
                continue
            shown_lets = bool(lets) and len(lets) == sum(1 for _ in step.lets) and width(head + f", with {lets}") <= WIDTH
            if step.lets and width(head + f", with {lets}") <= WIDTH:
                head += f", with {lets}"
                shown_lets = True
            shown_reason = False
            if reason and width(head + f": {reason}") <= WIDTH:
                head += f": {reason}"
                shown_reason = True
            best = ([head], with_opening, shown_lets, shown_reason)
            break
        if best is None:
            return [indent + label + target + rule], False, False, False
        return best

    def step(self, step: DocStep, depth: int, top: bool = False) -> None:
        indent = _INDENT * depth
        if step.kind == "matrix":
            self.row(f"{indent}{step.tag}  {self.words(step.reason)}")
            return
        if self.hints and step.kind not in ("definition", "cite", "algebra"):
            self.hint_step(step, depth)
            return
        if step.leaf and not (top and step.kind in ("rule", "chain", "factor")):
            self.leaf(step, indent)
            return
        self.new_block()
        self.opening(step, indent)
        if step.parts and all(part.kind == "algebra" for part in step.parts):
            self.algebra(step, indent + _INDENT)
            self.new_block()
            return
        inner = indent + _INDENT
        self.new_block()
        for part in step.parts:
            self.step(part, depth + 1)
        self.new_block()
        self.worked(step, inner)
        self.new_block()

    def opening(self, step: DocStep, indent: str, prefix: str = "") -> None:
        """The hint: the step's rule line, then the names and the opening it could not fit."""
        lines, opened, named, reasoned = self.header(step, indent + prefix)
        for line in lines:
            self.wrapped(line, "") if width(line) > WIDTH else self.row(line)
        inner = indent + _INDENT
        if not reasoned and step.reason:
            self.wrapped(self.words(step.reason), inner)
        if not named:
            for let in step.lets:
                for line in self.equation(let, inner + "let "):
                    self.row(line)
        if not opened and step.opening is not None:
            for line in self.equation(step.opening, inner):
                self.row(line)

    def algebra(self, step: DocStep, indent: str) -> None:
        """The algebra inside a rule: one line per rewriting, each "= …" under the first "=", then the numbers."""
        lhs = self.math(step.target)
        hang = indent + " " * width(lhs)
        shown: list[str] = []
        for _index, part in enumerate(step.parts):
            text = self.math(part.worked[0].sides[0]) if part.worked[0].sides else ""
            if not text or text in shown:
                continue
            head = f"{indent}{lhs} = {text}" if not shown else f"{hang} = {text}"
            shown.append(text)
            self.row(head, self.words(part.reason))
        for equation in step.worked:
            pieces = equation_pieces(equation, latex=False, ordinary=self.document.ordinary)[1:]
            rest = [f"{relation} {text}" for relation, text in pieces if text not in shown]
            if rest:
                self.row(f"{hang} " + " ".join(rest))

    def worked(self, step: DocStep, indent: str, reveal: bool = False) -> None:
        """The worked lines (after a ▸ when revealed), the tag at the right of the last, then the note."""
        rows = []
        room = WIDTH - (width(step.tag) + 3 if step.tag else 0)  # the tag stays on the line it tags
        for equation in step.worked:
            rows.extend(self.equation(equation, indent + (_REVEAL if reveal else ""), room))
        note = self.words(step.note) if step.note else ""
        for index, line in enumerate(rows):
            last = index == len(rows) - 1
            if last and note and step.meaning is None and not step.tag and width(f"{line}: {note}") <= WIDTH:
                self.row(f"{line}: {note}")
                note = ""
            else:
                self.row(line, step.tag if last and step.tag else "")
        if note:
            self.wrapped(_sentence(note) if step.meaning is not None else note, indent)

    def leaf(self, step: DocStep, indent: str) -> None:
        annotation = self.annotation(step)
        label = f"{step.label}: " if step.label else ""
        equations = list(step.worked)
        if step.kind == "algebra":
            lines = self.equation(equations[0], indent)
            # a line of algebra continues the one above it: "= …" under its "="
            self.row(lines[0], annotation)
            for line in lines[1:]:
                self.row(line)
            return
        first = self.equation(equations[0], indent + label) if equations else [indent + label.rstrip(": ")]
        if width(first[-1]) + 3 + width(annotation) > WIDTH and annotation:
            if step.rule and step.target is not None and not step.tag:
                # too long for the right margin: the rule heads the step, as a step with parts opens
                self.new_block()
                self.opening(step, indent)
                inner = indent + _INDENT
                for equation in equations:
                    for line in self.equation(equation, inner):
                        self.row(line)
                if step.note:
                    self.wrapped(self.words(step.note), inner)
                self.new_block()
                return
            self.wrapped(annotation, indent)
            annotation = ""
        for index, line in enumerate(first):
            self.row(line, annotation if index == len(first) - 1 else "")
        for equation in equations[1:]:
            for line in self.equation(equation, indent):
                self.row(line)
        if step.note:
            self.wrapped(self.words(step.note), indent + _INDENT)

    def listing(self, head: str, items: list[str], hang: str | None = None) -> None:
        """*items* after *head*, separated by commas, broken between items (continuing under *hang*)."""
        current = head
        hang = " " * width(head) if hang is None else hang
        for index, item in enumerate(items):
            piece = item + ("," if index < len(items) - 1 else "")
            if width(current) + 1 + width(piece) > WIDTH and current.strip() != head.strip():
                self.row(current.rstrip())
                current = hang + piece
            else:
                current += ("" if current == head else " ") + piece
        self.row(current)

    def wrapped(self, text: str, indent: str) -> None:
        words = text.split(" ")
        current = indent
        for word in words:
            candidate = current + ("" if current == indent else " ") + word
            if width(candidate) > WIDTH and current != indent:
                self.row(current)
                current = indent + _INDENT + word
            else:
                current = candidate
        self.row(current)

    def hint_step(self, step: DocStep, depth: int) -> None:
        """The hint (rule, formula, names), the parts, then the worked lines after a ▸."""
        indent = _INDENT * depth
        self.new_block()
        inner = indent + _INDENT
        if step.leaf:
            self.wrapped(f"Step {step.id}. {self._leaf_hint(step)}", indent)
        else:
            self.opening(step, indent, prefix=f"Step {step.id}. ")
        for part in step.parts:
            self.step(part, depth + 1)
        self.worked(step, inner, reveal=True)

    def _leaf_hint(self, step: DocStep) -> str:
        target = self.math(step.target) if step.target is not None else ""
        annotation = self.annotation(step)
        if annotation:
            return f"{target}: {annotation}"
        symbolic = symbolic_hint(step)
        if symbolic is not None:
            return f"{self.equation(symbolic, '')[0]}: put in the numbers"
        return f"find {target}"

    # -- the document ----------------------------------------------------------------------

    def render(self) -> str:
        document = self.document
        if document.legend:
            self.listing("Names: ", [f"{self.math(name)} = {self.words(meaning)}" for name, meaning in document.legend])
        for section in document.sections:
            self.new_block()
            self.section(section)
        out = self.layout()
        tail: list[str] = []
        if document.conventions:
            tail.extend(f"Convention: {c}" for c in document.conventions)
        checked = checked_text(document)
        if checked:
            tail.append(f"Checked: {checked}.")
        for line in tail:
            out.extend(_wrap_plain(line))
        return "\n".join(out) + "\n"

    def section(self, section) -> None:
        document = self.document
        if section.kind == "forward":
            if document.given:
                items = given_text(document.given, latex=False).split(", ")
                items[-1] += ":"
                self.listing(f"{self.words(section.title)} at ", items, hang="  ")
            else:
                self.row(f"{self.words(section.title)}:")
            for step in section.steps:
                self.step(step, 1)
            return
        if section.kind == "derivative" and section.derivation is not None and section.derivation.network is None:
            given = f", at {given_text(document.given, latex=False)}" if document.given else ""
            self.wrapped(f"{self.words(section.title)}{given}", "")
        elif section.kind in ("backward", "gradient", "update") or (section.kind == "derivative"
                                                                    and len(section.steps) > 1):
            intro = f": {self.words(section.intro)}" if section.intro else ":"
            self.wrapped(f"{self.words(section.title)}{intro}", "")
        depth = 1 if section.kind in ("backward", "gradient", "update") or len(section.steps) > 1 else 0
        for step in section.steps:
            self.step(step, depth, top=depth == 0)

    def layout(self) -> list[str]:
        columns: dict = {}
        for row in self.rows:
            if row.annotation and width(row.text) + 3 + width(row.annotation) <= WIDTH:
                columns[row.block] = max(columns.get(row.block, 0), width(row.text))
        out = []
        for row in self.rows:
            if not row.annotation:
                out.append(row.text.rstrip())
                continue
            column = columns.get(row.block)
            if column is not None and width(row.text) <= column and column + 3 + width(row.annotation) <= WIDTH:
                out.append(row.text + " " * (column - width(row.text) + 3) + row.annotation)
            elif width(row.text) + 3 + width(row.annotation) <= WIDTH:
                out.append(f"{row.text}   {row.annotation}")
            else:
                out.append(row.text)
                out.extend(_wrap_plain(row.annotation, indent=" " * (len(row.text) - len(row.text.lstrip()) + 2)))
        return out


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _split_sum(text: str, room: int = WIDTH - 20) -> list[str]:
    """*text* in chunks that break before a " + " or " − " of its outermost sum (outside brackets if it can).

    A list in brackets with no sum to break at, such as a gradient vector
    (∂L/∂w⁽¹⁾₁₁, ∂L/∂w⁽¹⁾₁₂, …), breaks after its commas. A chunk still
    wider than *room* breaks at the sums inside its own brackets, and one
    with no sum at all between the factors of its product.
    """
    chunks = [text]
    for level in range(0, 16):
        found = _split_at(text, (" + ", " − "), level, after=False)
        if len(found) > 1:
            chunks = found
            break
    else:
        chunks = _split_at(text, (", ",), 1, after=True)
    if len(chunks) == 1:
        return _split_product(text, room) if width(text) > room else chunks
    return [piece for chunk in chunks
            for piece in (_split_sum(chunk, room) if width(chunk) > room else [chunk])]


def _split_product(text: str, room: int) -> list[str]:
    """*text*, which has no sum to break at, in pieces of at most *room* columns cut after a factor."""
    pieces = []
    while width(text) > room:
        cuts = [i + 1 for i, c in enumerate(text[:room]) if c in "·)" and i + 1 < len(text)]
        cut = cuts[-1] if cuts and cuts[-1] > room // 3 else room
        pieces.append(text[:cut])
        text = text[cut:]
    return pieces + [text] if text else pieces


def _split_at(text: str, marks: tuple, level: int, *, after: bool) -> list[str]:
    """*text* cut at each of *marks* found *level* brackets deep: before the mark, or *after* it."""
    chunks, depth, start = [], 0, 0
    for index, c in enumerate(text):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == level and text.startswith(marks, index) and index > start:
            mark = next(m for m in marks if text.startswith(m, index))
            cut = index + len(mark) if after else index
            chunks.append(text[start:cut])
            start = cut
    chunks.append(text[start:])
    return chunks


def _wrap_plain(text: str, indent: str = "") -> list[str]:
    lines, current = [], indent
    for word in text.split(" "):
        candidate = current + ("" if current == indent else " ") + word
        if width(candidate) > WIDTH and current != indent:
            lines.append(current)
            current = indent + _INDENT + word
        else:
            current = candidate
    lines.append(current)
    return lines


def document_text(document: Document, *, hints: bool = False) -> str:
    return _Writer(document, hints).render()


def render_text(derivation, level: int = 0, *, verify: bool = False, definitions: bool = True, at=None,
                hints: bool = False) -> str:
    """The derivation as Unicode text down to *level*, with numbers after ``.at(...)`` or with ``at={…}``."""
    derivation = derivation.at(at) if at is not None else derivation
    report = derivation.verify() if verify else None
    return document_text(build_document(derivation, level, report=report, definitions=definitions), hints=hints)
