r"""What a rendered derivation says, before it is typeset.

Every renderer (text, LaTeX, Markdown, JSON) prints the same
:class:`Document`: sections (the derivations a result cites, each once,
then the result's own), each a list of :class:`Line` s down to the asked
level of detail; the named quantities; the point and, per line, the numbers.
Building it once keeps the formats from disagreeing about what is shown.

Levels of detail are depths of the step tree: ``level=0`` shows the
derivation's own steps, ``level=1`` also their sub-steps, and so on.  A
step's sub-steps are read only when the level asks for them, so a coarse
explanation never pays for the detail it does not show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy
from sympy import Derivative, Symbol

from ..derivation import Derivation, Step, _evaluate
from ..errors import MathomongError
from ..printing import displays_exactly, format_number

__all__ = ["Line", "Definition", "Section", "Document", "build_document", "check_level", "MAX_LEVEL"]

#: deeper than this a step tree is algebra no learner asked for
MAX_LEVEL = 8

# step kinds whose right side is a product of named factors, printed factor by factor
_FACTOR_KINDS = {"chain", "product", "delta"}


class LevelError(MathomongError, ValueError):
    """A level of detail that is not a small non-negative integer."""


def check_level(level) -> int:
    try:
        value = int(level)
    except (TypeError, ValueError):
        raise LevelError(f"level of detail must be a whole number 0–{MAX_LEVEL}, got {level!r}") from None
    if value != level or not 0 <= value <= MAX_LEVEL:
        raise LevelError(f"level of detail must be a whole number 0–{MAX_LEVEL}, got {level!r}")
    return value


@dataclass(frozen=True)
class Line:
    """One printed equation: ``lhs = rhs``, by ``rule``, and its numbers.

    ``continued`` says the line repeats the previous line's left side and is
    printed as ``= rhs`` under it.  ``numbers`` maps the sub-expressions of
    ``rhs`` to their values at the point (empty without a point); ``value``
    is the number both sides equal there.
    """

    step: Step
    depth: int
    continued: bool
    numbers: dict = field(default_factory=dict)
    value: sympy.Expr | None = None

    @property
    def lhs(self):
        return self.step.lhs

    @property
    def rhs(self):
        return self.step.rhs

    @property
    def rule(self) -> str:
        return self.step.rule

    @property
    def reason(self) -> str:
        return self.step.reason

    @property
    def kind(self) -> str:
        return self.step.kind

    @property
    def by_factors(self) -> bool:
        """Print the right side factor by factor, in the order the step built them."""
        if not is_product(self.rhs):
            return False
        if self.step.kind in _FACTOR_KINDS:
            return True
        # a chain of ∂'s, or a product of products (each factor a rule's result)
        args = self.rhs.args
        return all(isinstance(a, Derivative) for a in args) or (
            _unevaluated(self.rhs) and any(is_product(a) for a in args))

    @property
    def has_numbers(self) -> bool:
        return bool(self.numbers) or self.value is not None


@dataclass(frozen=True)
class Definition:
    """A named quantity ``symbol = expression`` (z = W·x + b), with its numbers."""

    symbol: Symbol
    expression: sympy.Expr
    numbers: dict = field(default_factory=dict)
    value: sympy.Expr | None = None


@dataclass(frozen=True)
class Section:
    """The steps of one derivation (a cited δ or the result itself)."""

    derivation: Derivation
    title: str
    lines: tuple[Line, ...]
    cited: bool


@dataclass(frozen=True)
class Document:
    derivation: Derivation
    level: int
    sections: tuple[Section, ...]
    definitions: tuple[Definition, ...]
    given: tuple[tuple[Symbol, sympy.Expr], ...]  # the point, as the user gave it
    conventions: tuple[str, ...]
    report: object = None  # a VerificationReport when verification was asked for

    @property
    def main(self) -> Section:
        return self.sections[-1]


def is_product(expr) -> bool:
    return isinstance(expr, sympy.Mul) and len(expr.args) > 1


def _unevaluated(expr) -> bool:
    try:
        return tuple(sympy.Mul(*expr.args).args) != tuple(expr.args)
    except (TypeError, ValueError):  # pragma: no cover
        return True


def factors_of(expr) -> list:
    """The factors of a product in the order they were built (sympy's order if evaluated)."""
    if not is_product(expr):
        return [expr]
    from ..printing import textbook_factors

    return textbook_factors(expr)


# ---------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------

class _Numbers:
    """Values at the derivation's point, computed once per expression.

    The point already holds the value of every named quantity and ∂ the
    derivation knows of.  A ∂ of a local name (the u of a chain rule inside a
    cited δ) may be missing from it, or valued as if that name were free; such
    values are worked out again here from every definition, cited steps'
    included.
    """

    def __init__(self, derivation: Derivation):
        self.derivation = derivation
        self.point = derivation.point or {}
        self._cache: dict = {}
        self._definitions = None
        self._complete = None
        self._base = None

    def _known_definitions(self) -> dict:
        if self._definitions is None:
            # Derivation.value() would gather these again for every number
            self._definitions = self.derivation.all_definitions()
            self._base = {s: v for s, v in self.point.items()
                          if isinstance(s, Symbol) and s not in self._definitions}
        return self._definitions

    def _complete_definitions(self) -> dict:
        if self._complete is None:
            merged = dict(self._known_definitions())
            for cited in self.derivation._cited_closure():
                merged.update(cited.definitions)
                for step, _ in cited.walk():
                    merged.update(step.definitions)
            self._complete = merged
        return self._complete

    def value(self, expr):
        unknown = [s for s in expr.free_symbols if s not in self.point]
        if expr in self.point and not unknown:
            known = self.point[expr]
            return known if getattr(known, "is_number", False) else None
        if expr not in self._cache:
            self._known_definitions()
            # only a local name the point lacks needs the cited steps' definitions
            definitions = self._complete_definitions() if unknown else self._definitions
            try:
                value = _evaluate(expr, definitions, self._base)
            except (TypeError, ValueError, ZeroDivisionError, MathomongError):
                value = None
            if value is not None and not getattr(value, "is_number", False):
                value = None  # a symbol the point does not give
            self._cache[expr] = value
        return self._cache[expr]

    def substitutions(self, expr) -> dict:
        """Numbers for the named leaves of *expr*: symbols, ∂'s and applied functions."""
        found: dict = {}

        def visit(node):
            if node.is_Number or node in found:
                return
            if isinstance(node, (Symbol, Derivative)) or (isinstance(node, sympy.Function)
                                                          and not node.is_Pow):
                value = self.value(node)
                if value is not None:
                    found[node] = value
                    return
                if isinstance(node, (Symbol, Derivative)):
                    return
            for arg in node.args:
                if isinstance(arg, sympy.Basic):
                    visit(arg)

        visit(expr)
        return found


# ---------------------------------------------------------------------------
# building
# ---------------------------------------------------------------------------

def _lines(steps, level: int, numbers: _Numbers | None) -> list[Line]:
    lines: list[Line] = []

    def add(step: Step, depth: int):
        previous = lines[-1] if lines else None
        continued = previous is not None and previous.depth == depth and previous.lhs == step.lhs
        subs, value = {}, None
        if numbers is not None:
            subs = numbers.substitutions(step.rhs)
            value = numbers.value(step.lhs) if step.lhs in numbers.point else numbers.value(step.rhs)
        lines.append(Line(step, depth, continued, subs, value))
        if depth < level:
            for sub in step.substeps:
                add(sub, depth + 1)

    for step in steps:
        add(step, 0)
    return lines


def _title(derivation: Derivation) -> str:
    if derivation.title:
        return derivation.title
    from ..printing import to_text

    return to_text(derivation.lhs)


def _cited_once(derivation: Derivation) -> list[Derivation]:
    seen: set[int] = set()
    ordered = []
    for cited in derivation._cited_closure():
        if id(cited) not in seen and cited is not derivation:
            seen.add(id(cited))
            ordered.append(cited)
    return ordered


def _shown_definitions(derivation: Derivation, cited, sections) -> dict:
    """Definitions of the derivations and of the shown steps only: hidden detail stays unbuilt."""
    merged: dict = {}
    for item in [*cited, derivation]:
        merged.update(item.definitions)
    for section in sections:
        for line in section.lines:
            merged.update(line.step.definitions)
    return merged


def _used_definitions(derivation: Derivation, cited, sections, skip: set) -> list[tuple]:
    """The named quantities the shown lines use, with what they depend on, in definition order."""
    definitions = _shown_definitions(derivation, cited, sections)
    wanted: set = set()
    pending = []
    for section in sections:
        for line in section.lines:
            for side in (line.lhs, line.rhs):
                pending.extend(side.free_symbols)
                for d in side.atoms(Derivative):
                    pending.extend(v for v, _ in d.variable_count)
                    pending.extend(d.expr.free_symbols)
    while pending:
        symbol = pending.pop()
        if symbol in wanted or symbol not in definitions or symbol in skip:
            continue
        wanted.add(symbol)
        pending.extend(definitions[symbol].free_symbols)
    order = list(definitions)
    network = getattr(derivation, "network", None)
    if network is not None and getattr(network, "equations", None):
        order = [e.lhs for e in network.equations] + [s for s in order if s not in network.definitions]
    return [(s, definitions[s]) for s in order if s in wanted]


def build_document(derivation: Derivation, level: int = 0, *, report=None,
                   definitions: bool = True) -> Document:
    """The :class:`Document` of *derivation* at *level*, with numbers when it has a point."""
    level = check_level(level)
    numbers = _Numbers(derivation) if derivation.point else None
    sections = []
    cited = _cited_once(derivation)
    for item in cited:
        sections.append(Section(item, _title(item), tuple(_lines(item.steps, level, numbers)), True))
    sections.append(Section(derivation, _title(derivation), tuple(_lines(derivation.steps, level, numbers)), False))
    shown: list[Definition] = []
    if definitions:
        from ..printing import to_text

        cited_symbols = {item.lhs for item in cited if isinstance(item.lhs, Symbol)}
        printed: dict = {}
        for symbol, expression in _used_definitions(derivation, cited, sections, cited_symbols):
            subs, value = {}, None
            if numbers is not None:
                subs = numbers.substitutions(expression)
                value = numbers.value(symbol)
            # local names (the u of a chain rule) are made afresh per derivation: say each once,
            # keeping the copy whose value is known
            key = (to_text(symbol), to_text(expression))
            if key in printed and (printed[key].value is not None or value is None):
                continue
            printed[key] = Definition(symbol, expression, subs, value)
        shown = list(printed.values())
    given = ()
    if derivation.point:
        defined = numbers._known_definitions() if numbers is not None else {}
        given = tuple((s, v) for s, v in derivation.point.items()
                      if isinstance(s, Symbol) and s not in defined)
    conventions = []
    for item in [*cited, derivation]:
        for convention in item.conventions:
            if convention not in conventions:
                conventions.append(convention)
    return Document(derivation, level, tuple(sections), tuple(shown), given, tuple(conventions), report)


def number_text(value, *, latex: bool = False) -> tuple[str, str]:
    """(relation, number): ``("=", "0.25")`` or ``("≈", "0.5312")`` when the number is rounded."""
    shown = format_number(value, latex=latex)
    exact = displays_exactly(value, shown)
    if latex:
        return ("=" if exact else r"\approx"), shown
    return ("=" if exact else "≈"), shown
