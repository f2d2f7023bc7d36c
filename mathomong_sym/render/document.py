r"""What an explanation says, and in what order, before it is typeset.

Every renderer (text, LaTeX, Markdown, JSON, Jupyter) prints one
:class:`Document`, and so does anything else that shows a derivation step by
step (a web page revealing one step at a time).  The document decides, once
for every format:

* **order** — each derivation reads top-down: the rule (with its general
  formula and the names it introduces), then its parts, then the parts put
  together, then the number.  No line uses a value before the line that
  derives it;
* **once** — a quantity derived once is cited afterwards, never derived
  again: within one derivation, across the parameters of one document and
  across the parts of a worksheet key (a :class:`Explainer` remembers what
  it has shown);
* **budget** — what each level of detail shows: level 0 the chain of named
  factors (or the outermost rule and its parts, by their results), level 1
  every factor by its rule, level 2 also the algebra inside each rule;
* **meaning** — with numbers, each derivative ends with a sentence saying
  what its value means, checked against the function itself (a nudge of the
  variable really moves the output by about that much).

Structure
---------
A :class:`Document` is a tuple of :class:`Section` s (the forward pass, the
backward pass, the derivative asked for, the gradient, the update), each an
ordered tuple of :class:`DocStep` s.  A step has

* a **hint** — what to do, without the answer: its ``rule``, the rule's
  general ``formula``, the ``reason`` in words, the names it introduces
  (``lets``: "let u = ŷ − y") and its ``opening`` (the rule applied, with the
  parts still written as derivatives: ∂L/∂W = ∂L/∂ŷ · ∂ŷ/∂z · ∂z/∂W);
* its ``parts`` — the steps it is built from, each a :class:`DocStep`;
* the **worked** lines — equations ``lhs = side = side = number``, the
  symbolic sides first, then the same with numbers;
* a ``note`` — what the result means, in plain words;

and is read in that order: hint, parts, worked lines, note.  ``DocStep.id``
is its place ("2.1.3": section 2, step 1, part 3); ``cites`` names the steps
whose results it uses.  :meth:`Document.walk` gives every step in reading
order.  Math is sympy expressions and prose is
:class:`~mathomong_sym.derivation.Words`, so each renderer sets math as math.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import sympy
from sympy import Derivative, Symbol

from ..derivation import Derivation, Step, Words, _evaluate
from ..errors import MathomongError
from ..parsing.values import as_expression, as_number
from ..printing import displays_exactly, format_number

__all__ = ["Formula", "Equation", "DocStep", "Section", "Document", "Meaning", "Explainer", "build_document",
           "reading_problems", "check_level", "MAX_LEVEL", "NUDGE", "CHECKS"]

#: deeper than this a step tree is algebra no learner asked for
MAX_LEVEL = 8
#: how far a variable is nudged to show what a derivative means
NUDGE = sympy.Rational(1, 100)
#: the learning rate of the gradient-descent step an explanation shows
LEARNING_RATE = sympy.Rational(1, 10)


class _Vector(sympy.Tuple):
    """(a, b, c): a row of numbers or of derivatives, printed without brackets around each."""

    def _sympystr(self, printer):
        return "(" + ", ".join(printer._print(item) for item in self.args) + ")"

    def _latex(self, printer):
        return r"\left(" + ", ".join(printer._print(item) for item in self.args) + r"\right)"


class _Gradient(Symbol):
    """∇L, the vector of every partial derivative of the loss."""

    def _sympystr(self, printer):
        return "∇L"

    def _latex(self, printer):
        return r"\nabla L"


GRADIENT = _Gradient("nablaL")
ETA = Symbol("eta")

# step kinds whose right side is a product of named factors, printed factor by factor
_FACTOR_KINDS = {"chain", "product", "delta", "assembled"}


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


# ---------------------------------------------------------------------------
# the structure
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Formula:
    """A rule's general formula, in Unicode text and in LaTeX."""

    text: str
    latex: str

    def __bool__(self) -> bool:
        return bool(self.text or self.latex)


@dataclass(frozen=True)
class Equation:
    """``lhs = sides[0] = sides[1] = … = at[0] = … = value``.

    ``sides`` are the symbolic right sides in order; ``at`` the same line
    with numbers, each an ``(expression, numbers)`` pair printed with the
    numbers in place of the sub-expressions they map; ``value`` the number it
    all comes to.  ``relation`` is "=" or, for an update, "←".  A product
    built of separately found quantities (2(ŷ − y) · σ(z)(1 − σ(z)) · x)
    prints factor by factor.
    """

    lhs: sympy.Expr
    sides: tuple = ()
    at: tuple = ()
    value: sympy.Expr | None = None
    relation: str = "="

    @property
    def has_numbers(self) -> bool:
        return bool(self.at) or self.value is not None

    def expressions(self) -> list:
        """Every expression the line prints, numbers included, left to right."""
        return [self.lhs, *self.sides, *(expr for expr, _ in self.at)]


@dataclass(frozen=True)
class Meaning:
    """What a derivative's value means, and the check behind the sentence.

    The variable is nudged by ``nudge``; the output goes from ``before`` to
    ``after``, which ``predicted`` (the derivative times the nudge) must match
    to within a tenth for ``holds``; otherwise the sentence says that the
    slope alone does not predict the change (a kink, a flat spot).
    """

    words: Words
    variable: Symbol
    nudge: sympy.Expr
    before: sympy.Expr
    after: sympy.Expr
    predicted: sympy.Expr
    holds: bool
    output: sympy.Expr | None = None  # what was computed again (y, L)
    start: sympy.Expr | None = None  # the variable's value before the nudge

    @property
    def check(self) -> Words:
        """How the sentence was checked: "computing y again at x = 3.01"."""
        if self.output is None or self.start is None:
            return Words("evaluating the function at the nudged point")
        return Words("computing ", self.output, " again at ", self.variable,
                     f" = {format_number(self.start + self.nudge, digits=8)}")


@dataclass(frozen=True)
class DocStep:
    """One step: a hint (rule, formula, reason, names, opening), parts, worked lines, a note.

    Kinds: "definition" (a named quantity of the forward pass), "rule" (a
    derivative by an elementary rule), "chain" (a chain of local factors),
    "factor" (one local factor), "delta" (δ = ∂L/∂z), "parameter" (∂L/∂θ
    from a δ), "cite" (a result found above, used again), "algebra" (a line
    of the algebra inside a rule), "gradient", "update", "matrix" (one of
    backpropagation's four equations in matrix form).
    """

    kind: str
    target: sympy.Expr | None = None
    rule: str = ""
    formula: Formula | None = None
    reason: Words = Words()
    lets: tuple[Equation, ...] = ()
    opening: Equation | None = None
    parts: tuple["DocStep", ...] = ()
    worked: tuple[Equation, ...] = ()
    note: Words = Words()
    meaning: Meaning | None = None
    tag: str = ""  # BP1 … BP4 on the lines that instantiate backpropagation's equations
    label: str = ""  # "outer", "inner": the role of a part in its parent's rule
    id: str = ""
    cites: tuple[str, ...] = ()

    @property
    def leaf(self) -> bool:
        """A one-line step: no parts, no names, no opening."""
        return not (self.parts or self.lets or self.opening)

    @property
    def equation_latex(self) -> str:
        """The LaTeX of a "matrix" step's equation, which its formula holds."""
        if self.formula is None:
            raise ValueError(f"this {self.kind} step has no formula to show")
        return self.formula.latex

    @property
    def value(self):
        for equation in reversed(self.worked):
            if equation.value is not None:
                return equation.value
        return None

    def walk(self, depth: int = 0):
        yield self, depth
        for part in self.parts:
            yield from part.walk(depth + 1)


@dataclass(frozen=True)
class Section:
    """An ordered group of steps: the forward pass, the backward pass, a derivative, the update …"""

    kind: str
    title: Words
    steps: tuple[DocStep, ...]
    derivation: Derivation | None = None
    intro: Words = Words()


@dataclass(frozen=True)
class Document:
    derivation: Derivation
    level: int
    sections: tuple[Section, ...]
    given: tuple[tuple[Symbol, sympy.Expr], ...] = ()  # the point, as the user gave it
    legend: tuple[tuple[sympy.Expr, Words], ...] = ()  # (name, meaning): ŷ = prediction …
    conventions: tuple[str, ...] = ()
    report: object = None  # a VerificationReport when verification was asked for
    ordinary: bool = False  # one variable: write d/dx, not ∂/∂x
    title: Words = Words()
    derivations: tuple[Derivation, ...] = ()

    @property
    def main(self) -> Section:
        return self.sections[-1]

    def walk(self):
        """(section, step, depth) for every step, in reading order (a step before its parts)."""
        for section in self.sections:
            for step in section.steps:
                for inner, depth in step.walk():
                    yield section, inner, depth

    def reading(self):
        """(section, step, depth, phase) in the order a reader meets them, one step at a time.

        A step with parts comes twice: its "hint" (rule, formula, names,
        opening) before its parts, its "worked" lines after them; a one-line
        step once, as "worked".  A page that reveals a solution step by step
        shows these in this order.
        """
        def visit(section, step, depth):
            if step.leaf:
                yield section, step, depth, "worked"
                return
            yield section, step, depth, "hint"
            for part in step.parts:
                yield from visit(section, part, depth + 1)
            if step.worked:
                yield section, step, depth, "worked"

        for section in self.sections:
            for step in section.steps:
                yield from visit(section, step, 0)

    @property
    def meanings(self) -> list[Meaning]:
        return [step.meaning for _, step, _ in self.walk() if step.meaning is not None]


def is_product(expr) -> bool:
    return isinstance(expr, sympy.Mul) and len(expr.args) > 1


def factors_of(expr) -> list:
    """The factors of a product in the order they were built (sympy's order if evaluated)."""
    if not is_product(expr):
        return [expr]
    from ..printing import textbook_factors

    return textbook_factors(expr)


def _by_factors(expr, kind: str = "") -> bool:
    """Print *expr* factor by factor: a product of named factors or of rule results."""
    if not is_product(expr):
        return False
    if kind in _FACTOR_KINDS:
        return True
    args = expr.args
    unevaluated = tuple(sympy.Mul(*args).args) != tuple(args)
    return all(isinstance(a, Derivative) for a in args) or (unevaluated and any(is_product(a) for a in args))


def number_text(value, *, latex: bool = False) -> tuple[str, str]:
    """(relation, number): ``("=", "0.25")`` or ``("≈", "0.5312")`` when the number is rounded."""
    shown = format_number(value, latex=latex)
    exact = displays_exactly(value, shown)
    if latex:
        return ("=" if exact else r"\approx"), shown
    return ("=" if exact else "≈"), shown


# ---------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------

class _Numbers:
    """Values at a derivation's point, computed once per expression.

    The point already holds the value of every named quantity and ∂ the
    derivation knows of.  A ∂ of a local name (the u of a chain rule inside a
    cited δ) may be missing from it; such values are worked out again here
    from every definition, cited steps' included.
    """

    def __init__(self, derivation: Derivation):
        self.derivation = derivation
        self.point = derivation.point or {}
        self._cache: dict = {}
        self._definitions: dict | None = None
        self._complete: dict | None = None
        self._base: dict | None = None

    def known_definitions(self) -> dict:
        if self._definitions is None:
            # Derivation.value() would gather these again for every number
            self._definitions = self.derivation.all_definitions()
            self._base = {s: v for s, v in self.point.items()
                          if isinstance(s, Symbol) and s not in self._definitions}
        return self._definitions

    def _complete_definitions(self) -> dict:
        if self._complete is None:
            merged = dict(self.known_definitions())
            for cited in self.derivation._cited_closure():
                merged.update(cited.definitions)
                for step, _ in cited.walk():
                    merged.update(step.definitions)
            self._complete = merged
        return self._complete

    def value(self, expr):
        if expr is None:
            return None
        if getattr(expr, "is_number", False):
            return expr
        unknown = [s for s in expr.free_symbols if s not in self.point]
        if expr in self.point and not unknown:
            known = self.point[expr]
            return known if getattr(known, "is_number", False) else None
        if expr not in self._cache:
            self.known_definitions()
            # only a local name the point lacks needs the cited steps' definitions
            definitions = self._complete_definitions() if unknown else self._definitions
            try:
                value = _evaluate(expr, definitions, self._base)
            except (TypeError, ValueError, ZeroDivisionError, MathomongError):
                value = None
            if value is not None and not getattr(value, "is_number", False):
                value = None  # a symbol the point does not give
            if value is not None and value.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
                value = None
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


def _one_argument_call(expr):
    """*expr* when it is a named function of one argument that has a formula (σ(z), ReLU(z)), else None."""
    if isinstance(expr, sympy.Function) and len(expr.args) == 1 and hasattr(expr, "_closed_form"):
        return expr
    return None


def _closed_form_at(function_call, value):
    """σ(0) written out: 1/(1 + e^0), the activation's formula with the number in it (None if it has none)."""
    closed = getattr(function_call, "_closed_form", None)
    if closed is None or len(function_call.args) != 1 or value is None:
        return None
    t = sympy.Dummy("t")
    try:
        form = type(function_call)(t)._closed_form(t)
    except (TypeError, ValueError, NotImplementedError):
        return None
    if not form.has(t) or form.is_Piecewise:
        return None
    number = _short_number(value)

    def rebuild(node):
        if node == t:
            return number
        if not node.args or not node.has(t):
            return node
        args = [rebuild(a) for a in node.args]
        if node.is_Mul and args and all(a.is_number for a in args):
            return sympy.Mul(*args)  # −t at a number: that number's negative
        try:
            return node.func(*args, evaluate=False)
        except TypeError:
            return node.func(*args)

    return rebuild(form)


def _short_number(value):
    """A number as it is printed: an integer stays one, anything else a short decimal."""
    value = as_expression(value)
    if value.is_Integer:
        return value
    if value.is_Rational and displays_exactly(value, format_number(value)):
        return sympy.Float(float(value), 15)
    return sympy.Float(format_number(value).replace("−", "-").replace("×10", "e"), 15) \
        if "×" not in format_number(value) else sympy.Float(value, 15)


# ---------------------------------------------------------------------------
# meaning: what a number says, checked
# ---------------------------------------------------------------------------

def _nudged(function, x0, slope, variable) -> Meaning | None:
    """The check behind "nudging x by h moves y by about slope·h": the nudge, from 0.01 down, that bears it out.

    None when the function cannot be evaluated there; ``holds`` is False when
    no nudge down to 0.0001 moves the output by the slope's prediction (to a
    tenth): a kink, or a bend too sharp for the slope alone.
    """
    slope = as_expression(slope)
    try:
        before = sympy.Float(function(x0), 30)
        tried = []
        for exponent in (2, 3, 4):
            h = sympy.Rational(1, 10 ** exponent)
            after = sympy.Float(function(x0 + h), 30)
            predicted = slope * h
            if abs((after - before) - predicted) <= max(abs(predicted) / 10, h / 10 ** 6):
                return Meaning(Words(), variable, h, before, after, predicted, True)
            tried.append((h, after, predicted))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    h, after, predicted = tried[0]  # the largest nudge shows how far the slope alone is off
    if not all(v.is_finite for v in (before, after)):
        return None
    return Meaning(Words(), variable, h, before, after, predicted, False)


def _trace(before, after) -> str:
    """"9 → 9.0601": both values, with digits enough to show the change."""
    import math

    change = abs(float(after - before))
    scale = max(abs(float(before)), abs(float(after)), 1e-300)
    digits = 4
    if change > 0:
        digits = min(12, max(4, math.floor(math.log10(scale)) - math.floor(math.log10(change)) + 3))
    # kept together on one line: the arrow joins its two values with non-breaking spaces
    return f"{format_number(before, digits=digits)}\u00a0→\u00a0{format_number(after, digits=digits)}"


def _change_words(meaning: Meaning, output, variable, fixed=()) -> Words:
    """"nudging x by 0.01 moves y by about 0.06 (9 → 9.0601)", or why the slope does not predict it.

    *fixed* names the other variables, held where they are.
    """
    h = format_number(meaning.nudge)
    trace = Words(f" ({_trace(meaning.before, meaning.after)})")
    nudge = Words("nudging ", variable, f" by {h}")
    if fixed:
        nudge = nudge + Words(" (", Words.join(fixed), " fixed)")
    if not meaning.holds:
        change = format_number(meaning.after - meaning.before)
        return Words(nudge, " changes ", output, f" by {change}", trace,
                     ": the slope alone does not predict it here (a kink or a sharp bend)")
    predicted = meaning.predicted
    if predicted == 0:
        return Words(nudge, " barely moves ", output, trace)
    if predicted < 0:
        return Words(nudge, " lowers ", output, f" by about {format_number(-predicted)}", trace)
    return Words(nudge, " moves ", output, f" by about {format_number(predicted)}", trace)


# ---------------------------------------------------------------------------
# the explainer: builds documents, remembering what it has shown
# ---------------------------------------------------------------------------

class Explainer:
    """Builds the steps of one or more derivations into one :class:`Document`.

    What it has derived it remembers, by the quantity derived (a ∂ and what
    it equals), and cites on a second meeting: add the parts of a worksheet
    key one after the other and each quantity is worked once.
    """

    def __init__(self, level: int = 1, *, learning_rate=LEARNING_RATE, meaning: bool = True):
        self.level = check_level(level)
        self.learning_rate = as_number(learning_rate, what="the learning rate")
        self.with_meaning = meaning
        self._shown: dict = {}  # (target, rhs) → {point: id of the step that derived it there}
        self._values: dict = {}  # id → value, for citations
        self._counter: list[int] = []
        #: the point of the derivation being explained, as (name, value) pairs (None: no numbers)
        self._point: tuple[tuple[str, str], ...] | None = None
        self._stage_calls = False  # σ(u) valued as σ(0) first (no forward pass has shown σ's values)
        self._documents = 0  # documents built so far: ids of later ones carry their number
        self._places: dict = {}  # step id → where it was shown ("1(a)"), for citations across documents
        #: where the next document will be read (a worksheet part, "1(a)"), named by citations from later ones
        self.place = ""
        self.legend_shown: set = set()
        self.matrix_shown = False  # backpropagation's four matrix equations, printed once
        #: (rule, formula) pairs printed so far: a rule's general formula is printed where it is first applied
        self.formulas_shown: set = set()
        self.conventions_shown: set = set()

    # -- ids ---------------------------------------------------------------------------

    def _next_id(self) -> str:
        """The next step's place: "2.1.3" is part 3 of step 1 of section 2 ("3:2.1.3" in the third document)."""
        self._counter[-1] += 1
        prefix = f"{self._documents}:" if self._documents > 1 else ""
        step_id = prefix + ".".join(str(c) for c in self._counter)
        self._places[step_id] = self.place
        return step_id

    def begin(self) -> None:
        """Start the next document: its ids are its own, and it may cite the documents before it."""
        self._documents += 1
        self._counter = []

    def _section(self):
        """A scope for the steps of the next section."""
        if not self._counter:
            self._counter.append(0)
        self._counter[0] += 1
        self._counter[1:] = []
        return self._nested()

    def _nested(self):
        explainer = self

        class _Scope:
            def __enter__(self):
                explainer._counter.append(0)

            def __exit__(self, *exc):
                explainer._counter.pop()

        return _Scope()

    def _remember(self, step: DocStep, *keys) -> DocStep:
        for key in keys:
            if key is not None:
                self._shown.setdefault(key, {}).setdefault(self._point, step.id)
        self._values[step.id] = step.value
        return step

    def _cited(self, key) -> str | None:
        """The step that showed *key* at this point (with these numbers), if any."""
        return self._shown.get(key, {}).get(self._point)

    def _first(self, key) -> str:
        """The step that first derived *key*, at whatever point."""
        return next(iter(self._shown[key].values()))

    def _found(self, key) -> Words:
        """Where *key* was derived: "found in 1(a)" (another part of a key) or "found above"."""
        where = self._places.get(self._first(key), "")
        return Words(f"found in {where}") if where and where != self.place else Words("found above")

    def _seen(self, key) -> bool:
        """Was *key* derived before, at any point? Then it is not derived again, only valued."""
        return key in self._shown

    def _at(self, derivation) -> None:
        """Explain *derivation* next: its point decides which earlier steps it may cite."""
        point = derivation.point
        if not point:
            self._point = None
            return
        defined = set(derivation.all_definitions())
        self._point = tuple(sorted((s.name, str(v)) for s, v in point.items()
                                   if isinstance(s, Symbol) and s not in defined))

    # -- elementary rules --------------------------------------------------------------

    def rule_step(self, step: Step, numbers: _Numbers | None, *, target=None, depth: int = 0,
                  expand: bool = True, seen: dict | None = None) -> DocStep:
        """A calculus rule line as a document step: rule, parts, worked line (``expand``: parts shown)."""
        target = step.lhs if target is None else target
        seen = {} if seen is None else seen
        parts = [s for s in step.substeps if s.kind == "rule"]
        shapes = [s for s in step.substeps if s.kind == "shape"]
        assembled = [s for s in step.substeps if s.kind == "assembled"]
        algebra = [s for s in step.substeps if s.kind == "algebra"] if self.level >= 2 else []
        key = (target, step.rhs)
        earlier = self._cited(key) or seen.get(id(step))
        if earlier is not None and depth > 0:
            return self._cite(target, step.rhs, numbers, earlier)
        if self._seen(key) and earlier is None:
            # derived above without these numbers: only the line that values it
            expand, algebra = False, []
        # a rule whose one part is the whole answer (a sum with one varying term) says it on the part's line
        if len(parts) == 1 and not step.definitions and parts[0].rhs == step.rhs and not algebra \
                and parts[0].kind == "rule":
            return self._pass_through(step, parts[0], numbers, target, depth, expand, seen)
        step_id = self._next_id()
        shown_parts: list[DocStep] = []
        if expand and parts:
            with self._nested():
                labels = ("outer", "inner") if step.rule == "chain rule" and len(parts) == 2 else ()
                for index, part in enumerate(parts):
                    child = self.rule_step(part, numbers, depth=depth + 1, expand=self.level >= 1, seen=seen)
                    if labels:
                        child = replace(child, label=labels[index])
                    shown_parts.append(child)
                for line in algebra:
                    shown_parts.append(self._algebra(line, target, numbers))
        elif algebra:
            with self._nested():
                shown_parts = [self._algebra(line, target, numbers) for line in algebra]
        lets = tuple(self._let(symbol, expression, numbers) for symbol, expression in step.definitions.items())
        opening = None
        symbolic = [s.rhs for s in shapes]
        if expand and parts:
            placeholders = [rhs for rhs in symbolic if rhs.has(Derivative)]
            if placeholders:
                opening = Equation(target, (placeholders[0],))
            symbolic = [rhs for rhs in symbolic if not rhs.has(Derivative)]
        elif parts:
            # parts not shown: the line says the rule applied and its result
            symbolic = [rhs for rhs in symbolic if rhs.has(Derivative)][:1]
        sides = [*symbolic, *(s.rhs for s in assembled), step.rhs]
        # a letter introduced below a part that is not shown is written out again (u = 3x + 1 back in)
        introduced = {let.lhs for shown in shown_parts for inner, _ in shown.walk() for let in inner.lets}
        hidden = {name: expr for part in parts for inner, _ in part.walk()
                  for name, expr in inner.definitions.items() if name not in introduced}
        if hidden:
            from ..calculus.forms import substitute
            from ..calculus.steps import _resolved

            back = _resolved(hidden)
            sides = _distinct([substitute(side, back) if side.free_symbols & set(back) else side for side in sides],
                              target)
        worked = self._equation(target, sides, numbers, parts=shown_parts if parts else ())
        result = DocStep(
            kind="rule", target=target, rule=step.rule, formula=_formula(step), reason=_words(step.reason),
            lets=lets, opening=opening, parts=tuple(shown_parts), worked=(worked,), id=step_id,
            cites=tuple(p.id for p in shown_parts if p.kind == "cite"),
        )
        seen[id(step)] = step_id
        return self._remember(result, key)

    def _pass_through(self, step, part, numbers, target, depth, expand, seen) -> DocStep:
        inner = self.rule_step(part, numbers, target=target, depth=depth, expand=expand, seen=seen)
        if inner.kind == "cite":
            return inner
        shown_lhs = part.lhs
        worked = inner.worked[0]
        trivial = isinstance(shown_lhs, Derivative) and shown_lhs.expr in shown_lhs.variables
        if not trivial and shown_lhs != target and not inner.parts:
            worked = replace(worked, sides=(shown_lhs, *worked.sides))
        # the rule of the part, the reason of the step that picked it ("b does not contain W")
        reason = _words(step.reason) or inner.reason
        return replace(inner, worked=(worked, *inner.worked[1:]), reason=reason)

    def _algebra(self, line: Step, target, numbers) -> DocStep:
        equation = Equation(target, (line.rhs,))
        return DocStep(kind="algebra", target=target, rule=line.rule, reason=_words(line.reason),
                       worked=(equation,), id=self._next_id())

    def _let(self, symbol, expression, numbers) -> Equation:
        return self._equation(symbol, [expression], numbers)

    def _cite(self, target, rhs, numbers, earlier: str) -> DocStep:
        """One line for a quantity found earlier: what it is, and its value at this point (if there is one)."""
        value = numbers.value(target) if numbers is not None else None
        if value is None and numbers is not None:
            value = self._values.get(earlier)
        equation = Equation(target, (rhs,), value=value)
        where = self._places.get(earlier, "")
        reason = Words(f"found in {where}") if where and where != self.place else Words("found above")
        return DocStep(kind="cite", target=target, worked=(equation,), reason=reason, id=self._next_id(),
                       cites=(earlier,))

    # -- equations with numbers ----------------------------------------------------------

    def _equation(self, lhs, sides, numbers, *, value=None, parts=(), relation: str = "=") -> Equation:
        """``lhs = sides …`` and, with numbers, the same line valued.

        A product of the results of *parts* is valued factor by factor, each
        factor by the value its part found ((−1) · 0.25 · 2); any other side
        with its leaves valued (2·3, 0.5(1 − 0.5)).
        """
        sides = _distinct([s for s in sides if s is not None], lhs)
        if numbers is None:
            return Equation(lhs, tuple(sides), relation=relation)
        if value is None:
            value = numbers.value(lhs) if lhs in numbers.point or not sides else None
            if value is None and sides:
                value = numbers.value(sides[-1])
        at = []
        if sides:
            chosen = None
            if parts:
                results = _results(parts)
                for side in sides:
                    mapping = _valued_by_parts(side, results, numbers)
                    if mapping:
                        chosen = (side, mapping)
                        break
            if chosen is None:
                side = sides[-1]
                call = _one_argument_call(side)
                # σ(z) at z = 0: σ(0), then its formula with the number in it, 1/(1 + e^0)
                subs = numbers.substitutions(call.args[0]) if call is not None else numbers.substitutions(side)
                if subs:
                    chosen = (side, subs)
                if call is not None:
                    closed = _closed_form_at(call, numbers.value(call.args[0]))
                    if chosen is not None:
                        at.append(chosen)
                        chosen = None
                    if closed is not None:
                        at.append((closed, {}))
            if chosen is not None:
                side, mapping = chosen
                if self._stage_calls and any(isinstance(k, sympy.Function) for k in mapping):
                    # σ(u) at u = 0: first σ(0), then its value, so that the number does not come from nowhere
                    inner = _argument_numbers(side, numbers)
                    if inner:
                        at.append((side, inner))
                at.append(chosen)
        return Equation(lhs, tuple(sides), tuple(at), value, relation)

    # -- one elementary derivation ------------------------------------------------------------

    def expression_sections(self, derivation: Derivation) -> list[Section]:
        numbers = _Numbers(derivation) if derivation.point else None
        self._at(derivation)
        self._stage_calls = True
        name = _function_name(derivation)
        target = _slope(name, derivation.variable)
        top, *rest = derivation.steps
        with self._section():
            step = self.rule_step(top, numbers, target=target, expand=True)
        for later in rest:  # the result with the letters substituted back: one more side of the same line
            worked = step.worked[-1]
            if later.rhs not in worked.sides:
                extra = self._equation(target, [*worked.sides, later.rhs], numbers, parts=step.parts)
                step = replace(step, worked=(*step.worked[:-1], extra))
        if numbers is not None and self.with_meaning:
            step = self._with_expression_meaning(step, derivation, name, numbers)
        expression = derivation.expression if derivation.expression is not None else derivation.lhs
        title = Words(sympy.Eq(name, expression, evaluate=False)) if isinstance(name, Symbol) else Words(expression)
        return [Section("derivative", title, (step,), derivation)]

    def _with_expression_meaning(self, step: DocStep, derivation, name, numbers) -> DocStep:
        variable = derivation.variable
        slope = step.value
        x0 = numbers.point.get(variable)
        expression = derivation.expression
        if slope is None or x0 is None or expression is None:
            return step
        base = {s: v for s, v in numbers.point.items() if isinstance(s, Symbol) and s in expression.free_symbols}

        def f(x):
            return expression.xreplace({**base, variable: x}).evalf(30)

        meaning = _nudged(f, x0, slope, variable)
        if meaning is None:
            return step
        others = sorted((s for s in expression.free_symbols if s != variable), key=lambda s: s.name)
        head = Words(f"slope {format_number(slope)} at ", variable, f" = {format_number(x0)}") if not others \
            else Words(sympy.Eq(Derivative(name, variable), _short_number(slope), evaluate=False))
        words = Words(head, ": ", _change_words(meaning, name, variable, others))
        meaning = replace(meaning, words=words, variable=variable, output=name, start=x0)
        return replace(step, note=words, meaning=meaning)

    # -- networks ---------------------------------------------------------------------------------

    def network_sections(self, derivations: list[Derivation], *, by_delta: bool | None = None) -> list[Section]:
        """Forward pass, the derivatives (a chain, or the backward pass through the δ's), gradient, update."""
        first = derivations[0]
        network = first.network
        if network is None:
            raise ValueError(f"{first.title or first.lhs} is not a network's derivation: explain it by its expression")
        numbers = {id(d): (_Numbers(d) if d.point else None) for d in derivations}
        if by_delta is None:
            by_delta = len(network.layers) > 1 or len(derivations) > 1 \
                or not any(s.kind.startswith("factor:loss") for s in first.steps)
        self._at(first)
        self._stage_calls = False
        forward = self._forward(first, numbers[id(first)])
        sections = [forward] if forward is not None else []
        if not by_delta:
            with self._section():
                step = self._chain(first, numbers[id(first)])
            sections.append(Section("derivative", Words(first.lhs), (step,), first))
        else:
            sections.extend(self._backward(derivations, numbers))
        point = first.point
        if point is not None:
            if len(derivations) > 1:
                sections.append(self._gradient(derivations, sections))
            update = self._update(derivations, sections)
            if update is not None:
                sections.append(update)
        return sections

    def _forward(self, derivation, numbers) -> Section | None:
        """The named quantities with their numbers; None when every one was shown above, with these numbers."""
        network = derivation.network
        if all(self._cited((e.lhs, e.rhs)) for e in network.named_form):
            return None
        steps = []
        with self._section():
            for equation in network.named_form:
                eq = self._equation(equation.lhs, [equation.rhs], numbers)
                steps.append(self._remember(DocStep(kind="definition", target=equation.lhs, worked=(eq,),
                                                    id=self._next_id()), (equation.lhs, equation.rhs)))
        title = Words("Forward pass") if len(network.layers) > 1 else Words("The neuron")
        return Section("forward", title, tuple(steps), derivation)

    def _factor(self, step: Step, numbers, *, depth: int) -> DocStep:
        """A local factor: at level 0 its value by its rule; from level 1 derived by the elementary rules."""
        key = (step.lhs, step.rhs)
        earlier = self._cited(key)
        if earlier is not None:
            return self._cite(step.lhs, step.rhs, numbers, earlier)
        detail = [s for s in step.substeps if s.kind == "rule"] if self.level >= 1 and not self._seen(key) else []
        note = _words(step.note) if not self._seen(key) else Words()
        if detail:
            root = detail[0]
            inner = self.rule_step(root, numbers, target=step.lhs, depth=depth, expand=True)
            worked = inner.worked[-1]
            if step.rhs not in worked.sides:
                worked = self._equation(step.lhs, [*worked.sides, step.rhs], numbers, parts=inner.parts)
            reason = inner.reason if inner.reason else _words(step.reason)
            factor = replace(inner, kind="factor", worked=(*inner.worked[:-1], worked), note=note,
                             reason=reason)
        elif self._seen(key):
            # derived above at other numbers (or none): cited, and valued at these
            equation = self._equation(step.lhs, [step.rhs], numbers)
            factor = DocStep(kind="factor", target=step.lhs, reason=self._found(key), worked=(equation,),
                             id=self._next_id(), cites=(self._first(key),))
        else:
            equation = self._equation(step.lhs, [step.rhs], numbers)
            factor = DocStep(kind="factor", target=step.lhs, rule=step.rule, formula=_formula(step),
                             reason=_words(step.reason), worked=(equation,), note=note, id=self._next_id())
        return self._remember(factor, key)

    def _chain(self, derivation, numbers) -> DocStep:
        chain, *rest = derivation.steps
        product = next(s for s in reversed(derivation.steps) if s.kind == "product")
        earlier = self._cited((derivation.lhs, product.rhs))
        if earlier is not None:
            return self._cite(derivation.lhs, product.rhs, numbers, earlier)
        step_id = self._next_id()
        parts = []
        with self._nested():
            for step in rest:
                if step.kind.startswith("factor"):
                    parts.append(self._factor(step, numbers, depth=1))
        worked = self._equation(derivation.lhs, [product.rhs], numbers, parts=parts)
        opening = Equation(derivation.lhs, (chain.rhs,))
        step = DocStep(kind="chain", target=derivation.lhs, rule=chain.rule, formula=_formula(chain),
                       reason=_words(chain.reason), opening=opening, parts=tuple(parts), worked=(worked,),
                       id=step_id, cites=tuple(p.id for p in parts if p.kind == "cite"))
        step = self._with_loss_meaning(step, derivation, numbers)
        return self._remember(step, (derivation.lhs, product.rhs))

    def _parts(self, steps, numbers) -> list[DocStep]:
        """The local factors and the cited δ's of a chain, each once, nested under it."""
        parts = []
        with self._nested():
            for step in steps:
                if step.kind.startswith("factor"):
                    parts.append(self._factor(step, numbers, depth=1))
                elif step.kind == "cite":
                    earlier = self._cited((step.rhs, None)) or ""
                    parts.append(self._cite(step.lhs, step.rhs, numbers, earlier) if earlier
                                 else DocStep(kind="cite", target=step.lhs,
                                              worked=(self._equation(step.lhs, [step.rhs], numbers),),
                                              id=self._next_id()))
        return parts

    def _delta(self, delta: Derivation, numbers, tag: str) -> DocStep:
        step_id = self._next_id()
        chain = delta.steps[0]
        parts = self._parts(_in_printed_order(delta.steps[1:-1], chain.rhs), numbers)
        final = delta.steps[-1]
        opening = Equation(chain.lhs, (chain.rhs,))
        worked = self._equation(delta.lhs, [chain.lhs, final.rhs], numbers, parts=parts)
        worked = replace(worked, sides=worked.sides)
        step = DocStep(kind="delta", target=delta.lhs, rule=final.rule if final.kind == "fused" else chain.rule,
                       formula=_formula(final) if final.kind == "fused" else _formula(chain),
                       reason=_words(final.reason) if final.kind == "fused" else _words(chain.reason),
                       opening=opening, parts=tuple(parts), worked=(worked,), tag=tag, id=step_id,
                       note=_words(final.note), cites=tuple(p.id for p in parts if p.kind == "cite" and p.cites))
        self._remember(step, (delta.lhs, None), (chain.lhs, final.rhs))
        return step

    def _backward(self, derivations, numbers) -> list[Section]:
        """Every δ the derivations need, each once (output layer first), then each parameter from its δ."""
        first = derivations[0]
        network = first.network
        parameters = [d for d in derivations if isinstance(d.lhs, Derivative)]
        deltas: list = []
        for derivation in derivations:
            for item in [*derivation._cited_closure(), *([derivation] if derivation not in parameters else [])]:
                if all(item is not d for d in deltas):
                    deltas.append(item)
        layered = len(network.layers) > 1
        output = set(network.output_layer.pre_activations)
        if getattr(network, "is_large", False):  # δ of the whole output layer, a vector
            from ..layerwise import vectors_of

            output.add(vectors_of(network)[len(network.layers)]["z"])
        steps = []
        with self._section():
            if layered and not self.matrix_shown:
                steps.extend(self._matrix_equations(network))
                self.matrix_shown = True
            for delta in deltas:
                if self._cited((delta.lhs, None)):
                    continue
                tag = ("BP1" if delta.variable in output else "BP2") if layered else ""
                steps.append(self._delta(delta, numbers.get(id(delta)) or numbers.get(id(first)), tag))
        sections = []
        if steps:
            sections.append(Section("backward", Words("Backward pass") if layered
                                    else Words("δ = ∂L/∂z, found once"), tuple(steps), first))
        if parameters:
            parameter_steps = []
            with self._section():
                for derivation in parameters:
                    parameter_steps.append(self._parameter(derivation, numbers[id(derivation)], layered))
            sections.append(Section("derivative", Words("The derivatives") if len(parameters) > 1
                                    else Words(parameters[0].lhs), tuple(parameter_steps), parameters[0]))
        return sections

    def _matrix_equations(self, network) -> list[DocStep]:
        from ..derive import Backprop  # noqa: F401  (the network builds it)

        equations = network.layer_equations()
        steps = []
        for tag, text, latex in zip(("BP1", "BP2", "BP3", "BP4"), equations.lines_text, equations.lines_latex):
            steps.append(DocStep(kind="matrix", reason=Words(text), formula=Formula(text, latex), tag=tag,
                                 id=self._next_id()))
        return steps

    def _parameter(self, derivation, numbers, layered: bool) -> DocStep:
        """∂L/∂θ = δ · (its input): the δ cited, the local factor, their product."""
        if len(derivation.cites) != 1 or sum(s.kind == "cite" for s in derivation.steps) > 1 \
                or any(s.kind == "factor:penalty" for s in derivation.steps):
            return self._parameter_paths(derivation, numbers, layered)
        delta = derivation.cites[0]
        loss = derivation.network.loss_symbol
        local_step = next(s for s in derivation.steps if s.kind == "factor:linear"
                          and s.lhs.variables[0] == derivation.variable)
        step_id = self._next_id()
        with self._nested():
            earlier = self._cited((delta.lhs, None))
            through = Derivative(loss, delta.variable)
            cite = self._cite(through, delta.lhs, numbers, earlier) if earlier else \
                DocStep(kind="cite", target=through, worked=(self._equation(through, [delta.lhs], numbers),),
                        id=self._next_id())
            local = self._factor(local_step, numbers, depth=1)
        parts = (cite, local)
        # the bias's factor 1 stays visible: δ · 1
        product = sympy.Mul(delta.lhs, local_step.rhs, evaluate=False)
        worked = self._equation(derivation.lhs, [product], numbers, parts=parts)
        tag = ("BP3" if local_step.rhs == 1 else "BP4") if layered else ""
        opening = Equation(derivation.lhs, (sympy.Mul(through, local_step.lhs, evaluate=False),))
        reason = Words.of("{L} depends on {p} only through {z}", L=loss, p=derivation.variable, z=delta.variable)
        step = DocStep(kind="parameter", target=derivation.lhs, rule="chain rule",
                       formula=_formula(derivation.steps[0]), reason=reason, opening=opening, parts=parts,
                       worked=(worked,), tag=tag, id=step_id, cites=tuple(p.id for p in parts if p.cites))
        # the update section after the backward pass says where descent moves it
        step = self._with_loss_meaning(step, derivation, numbers, descent=False)
        return self._remember(step, (derivation.lhs, None))

    def _parameter_paths(self, derivation, numbers, layered: bool) -> DocStep:
        """∂L/∂θ for a parameter that reaches L along several paths (a shared weight, a penalty): one product each, added."""
        step_id = self._next_id()
        chain, final = derivation.steps[0], derivation.steps[-1]
        parts = self._parts(derivation.steps[1:-1], numbers)
        worked = self._equation(derivation.lhs, [final.rhs], numbers, parts=parts)
        local = [s for s in derivation.steps if s.kind == "factor:linear"]
        tag = ("BP3" if all(s.rhs == 1 for s in local) else "BP4") if layered else ""
        step = DocStep(kind="parameter", target=derivation.lhs, rule=chain.rule, formula=_formula(chain),
                       reason=_words(chain.reason), opening=Equation(derivation.lhs, (chain.rhs,)),
                       parts=tuple(parts), worked=(worked,), tag=tag, id=step_id,
                       cites=tuple(p.id for p in parts if p.cites))
        step = self._with_loss_meaning(step, derivation, numbers, descent=False)
        return self._remember(step, (derivation.lhs, None))

    def _with_loss_meaning(self, step: DocStep, derivation, numbers, descent: bool = True) -> DocStep:
        if numbers is None or not self.with_meaning:
            return step
        gradient = step.value
        parameter = derivation.variable
        network = derivation.network
        if gradient is None or parameter not in numbers.point:
            return step
        loss = _loss_function(derivation, numbers, parameter)
        if loss is None:
            return step
        p0 = numbers.point[parameter]
        meaning = _nudged(loss, p0, gradient, parameter)
        if meaning is None:
            return step
        g = as_expression(gradient)
        h = format_number(meaning.nudge)
        if not meaning.holds:
            words = _change_words(meaning, network.loss_symbol, parameter)
        elif abs(meaning.predicted) < sympy.Float("1e-12"):
            words = Words("to first order, nudging ", parameter, " does not change ", network.loss_symbol)
        else:
            verb = "lowers" if g < 0 else "raises"
            words = Words("raising ", parameter, f" by {h} {verb} ", network.loss_symbol,
                          f" by about {format_number(abs(meaning.predicted))}")
        if descent:
            moved = p0 - self.learning_rate * g
            words = words + Words(f"; gradient descent with η = {format_number(self.learning_rate)} moves ",
                                  parameter, f" to {format_number(moved)}")
        meaning = replace(meaning, words=words, variable=parameter, output=network.loss_symbol, start=p0)
        return replace(step, note=words, meaning=meaning)

    def _gradient(self, derivations, sections) -> Section:
        values = [self._values.get(self._cited((d.lhs, None)) or "") for d in derivations]
        vector = _Vector(*[d.lhs for d in derivations])
        # the numbers were each found above, in the step of their parameter
        at: tuple[tuple[Any, dict], ...] = ((_Vector(*[_short_number(v) for v in values]), {}),) if all(v is not None for v in values) else ()
        equation = Equation(GRADIENT, (vector,), at)
        with self._section():
            step = DocStep(kind="gradient", target=GRADIENT, worked=(equation,), id=self._next_id(),
                           reason=Words("every partial derivative in one vector; it points uphill, "
                                        "so gradient descent steps the other way"))
        return Section("gradient", Words("The gradient"), (step,), derivations[0])

    def _update(self, derivations, sections) -> Section | None:
        point = derivations[0].point
        eta = self.learning_rate
        steps = []
        moved = {}
        with self._section():
            for derivation in derivations:
                p = derivation.variable
                value = self._values.get(self._cited((derivation.lhs, None)) or "")
                if value is None or p not in point:
                    continue
                new = point[p] - eta * value
                moved[p] = new
                rhs = sympy.Add(p, sympy.Mul(-1, ETA, derivation.lhs, evaluate=False), evaluate=False)
                equation = Equation(p, (rhs,), ((rhs, {p: point[p], ETA: eta, derivation.lhs: value}),), new,
                                    relation="←")
                steps.append(DocStep(kind="update", target=p, worked=(equation,), id=self._next_id()))
        if not steps:
            return None
        loss = _loss_after(derivations[0], moved)
        intro = Words(f"new value = old value − η × gradient, with η = {format_number(eta)}")
        if loss is not None:
            before, after = loss
            word = "goes down" if after < before else "goes up: η is too large here"
            intro = intro + Words(f"; the loss {word}: {_trace(before, after)}")
        return Section("update", Words("Update by gradient descent"), tuple(steps), derivations[0], intro=intro)


def _loss_function(derivation, numbers, parameter):
    """L as a function of one parameter, the others at the point (computed through the forward pass)."""
    from ..derivation import _evaluator

    definitions = numbers.known_definitions()
    network = derivation.network
    base = {s: v for s, v in numbers.point.items() if isinstance(s, Symbol) and s not in definitions}
    evaluator = _evaluator(definitions)
    if network.loss_symbol not in definitions:
        return None

    def loss(value):
        import mpmath

        with mpmath.workdps(40):
            point = {**base, parameter: sympy.Float(value, 40)}
            return evaluator.value(network.loss_symbol, point, {})

    return loss


def _loss_after(derivation, moved: dict):
    """(L before, L after) a step that moves the parameters in *moved*."""
    if not moved or derivation.point is None:
        return None
    numbers = _Numbers(derivation)
    definitions = numbers.known_definitions()
    network = derivation.network
    if network.loss_symbol not in definitions:
        return None
    from ..derivation import _evaluator

    base = {s: v for s, v in derivation.point.items() if isinstance(s, Symbol) and s not in definitions}
    evaluator = _evaluator(definitions)
    before = evaluator.value(network.loss_symbol, base, {})
    after = evaluator.value(network.loss_symbol, {**base, **moved}, {})
    return sympy.Float(before, 20), sympy.Float(after, 20)


def _in_printed_order(steps, opening) -> list:
    """*steps* in the order their left sides appear in *opening* as it prints (the rest after, as they were).

    The parts of a rule follow its opening line left to right: δ⁽²⁾₁ cited,
    then ∂z⁽²⁾₁/∂a⁽¹⁾₁, for ∂L/∂z⁽²⁾₁·∂z⁽²⁾₁/∂a⁽¹⁾₁ + ….
    """
    from ..printing import to_text

    text = to_text(opening)
    rest = len(text)

    def place(step):
        found = text.find(to_text(step.lhs)) if step.lhs is not None else -1
        return found if found >= 0 else rest

    return sorted(steps, key=place)


def _argument_numbers(side, numbers: _Numbers) -> dict:
    """The values of the symbols in *side* alone (σ(u) becomes σ(0), not 0.5)."""
    found = {}
    for symbol in side.free_symbols:
        value = numbers.value(symbol)
        if value is not None:
            found[symbol] = value
    return found


def _results(parts) -> dict:
    """What each part found, as it is written on its lines, mapped to its value."""
    results: dict = {}
    for part in parts:
        value = part.value
        if value is None:
            continue
        for equation in part.worked:
            for side in equation.sides:
                results.setdefault(side, value)
        if part.target is not None:
            results.setdefault(part.target, value)
    return results


def _valued_by_parts(side, results: dict, numbers: _Numbers) -> dict | None:
    """Numbers for a product of results found by the parts: each such factor by its value, others by their leaves."""
    if not is_product(side):
        return None
    mapping: dict = {}
    matched = False
    for factor in factors_of(side):
        if factor.is_Number:
            continue
        if factor in results:
            mapping[factor] = results[factor]
            matched = True
            continue
        leaves = numbers.substitutions(factor)
        if factor.free_symbols and not leaves:
            return None
        mapping.update(leaves)
    return mapping if matched else None


def _distinct(sides, lhs) -> list:
    out: list = []
    for side in sides:
        if side == lhs or (out and out[-1] == side):
            continue
        out.append(side)
    return out


def _words(reason) -> Words:
    if isinstance(reason, Words):
        return reason
    return Words(reason) if reason else Words()


def _formula(step: Step) -> Formula | None:
    if step.formula or step.formula_text:
        return Formula(step.formula_text, step.formula)
    return None


def _function_name(derivation: Derivation):
    """y for the expression a derivative is of; L for a loss in ŷ; F when those are taken."""
    expression = derivation.expression
    if expression is None:
        return derivation.lhs
    taken = {s.name for s in expression.free_symbols}
    # not f or g: the rules' formulas use them for the inner and outer functions
    preferred = ("L", "y", "F") if "yhat" in taken else ("y", "F", "Y")
    for name in preferred:
        if name not in taken:
            return sympy.Symbol(name)
    return sympy.Dummy("F")


def _slope(name, variable):
    if isinstance(name, Symbol) and variable is not None:
        return Derivative(name, variable)
    return name


#: what the names mean, for the legend: (plain name or function, how it prints, in words)
_LEGEND = (
    ("yhat", Symbol("yhat"), "prediction"), ("y", Symbol("y"), "target"), ("L", Symbol("L"), "loss"),
    ("z", Symbol("z"), "weighted sum"), ("a", Symbol("a"), "activation"),
    ("sigmoid", Symbol("sigma"), "sigmoid"), ("step", Symbol("H"), "step: 1 above 0, 0 at or below"),
    ("Heaviside", Symbol("H"), "step: 1 above 0, 0 below"),
    ("delta", Symbol("delta"), Words.of("{d}: how much {L} changes when {z} is nudged", d=Derivative(Symbol("L"),
                                        Symbol("z")), L=Symbol("L"), z=Symbol("z"))),
)
_NETWORK_ONLY = {"y", "L", "z", "a"}


def _legend_entries(expressions, network) -> tuple:
    """(name, meaning) for the names the shown lines use: ŷ = prediction … (y, z and L only in a network)."""
    import re

    names: set = set()
    for expr in expressions:
        if not isinstance(expr, sympy.Basic):
            continue
        for s in expr.free_symbols:
            match = re.match(r"^(w|b|z|a|delta)\d+_\d+", s.name) or re.match(r"^([A-Za-z]+)(?:_\d+)?$", s.name)
            names.add(match.group(1) if match else s.name)
        names |= {type(f).__name__ for f in expr.atoms(sympy.Function)}
    entries: list = []
    for key, shown, words in _LEGEND:
        # outside a network y and L are a prediction's target and loss only beside a ŷ
        loss_like = network is not None or "yhat" in names
        if key in names and (loss_like or key not in _NETWORK_ONLY) and (network is not None or key not in "za"):
            if all(shown != existing for existing, _ in entries):
                entries.append((shown, Words(words)))
    return tuple(entries)


# ---------------------------------------------------------------------------
# building a document
# ---------------------------------------------------------------------------

def build_document(derivation, level: int = 0, *, report=None, definitions: bool = True,
                   explainer: Explainer | None = None, learning_rate=None, meaning: bool = True) -> Document:
    """The :class:`Document` of *derivation* (or of a list of derivations of one network) at *level*."""
    derivations = list(derivation) if isinstance(derivation, (list, tuple)) else [derivation]
    if not derivations:
        raise ValueError("build_document needs at least one derivation")
    first = derivations[0]
    if explainer is None:
        options = {"meaning": meaning}
        if learning_rate is not None:
            options["learning_rate"] = learning_rate
        explainer = Explainer(level, **options)
    else:
        check_level(level)
    explainer.begin()
    network = getattr(first, "network", None)
    if network is not None:
        sections = explainer.network_sections(derivations)
        if not definitions:
            sections = [s for s in sections if s.kind != "forward"]
    else:
        sections = []
        for item in derivations:
            sections.extend(explainer.expression_sections(item))
    given: tuple[tuple[Any, Any], ...] = ()
    if first.point:
        numbers = _Numbers(first)
        defined = numbers.known_definitions()
        # a target the loss's assumption ties to the others (y₃ = 1 − y₁ − y₂) is still given, not derived
        constrained = set(getattr(network, "constraints", None) or ())
        given = tuple((s, v) for s, v in first.point.items()
                      if isinstance(s, Symbol) and (s not in defined or s in constrained))
    conventions: list = []
    for item in derivations:
        for source in [*item._cited_closure(), item]:
            for convention in source.conventions:
                if convention not in conventions:
                    conventions.append(convention)
    expressions: list = []
    for section in sections:
        for step in section.steps:
            for inner, _ in step.walk():
                for equation in (*inner.lets, *((inner.opening,) if inner.opening else ()), *inner.worked):
                    expressions.extend(e for e in equation.expressions() if isinstance(e, sympy.Basic))
    for section in sections:  # the name of the function explained (L for a loss) is a name too
        expressions.extend(s.target for s in section.steps if s.target is not None)
    sections = [replace(section, steps=tuple(_formulas_once(step, explainer.formulas_shown)
                                             for step in section.steps)) for section in sections]
    legend = tuple(entry for entry in _legend_entries(expressions, network) if entry not in explainer.legend_shown)
    explainer.legend_shown |= set(legend)
    conventions = [c for c in conventions if c not in explainer.conventions_shown]
    explainer.conventions_shown |= set(conventions)
    expression = first.expression
    ordinary = network is None and expression is not None and len(expression.free_symbols) == 1
    document = Document(first, explainer.level, tuple(sections), given, legend, tuple(conventions), report,
                        ordinary, sections[-1].title if sections else Words(), tuple(derivations))
    for check in CHECKS:
        check(document)
    return document


def _formulas_once(step: DocStep, shown: set) -> DocStep:
    """*step* with each rule's general formula kept where it is first met, in reading order, and dropped after.

    The rule is still named on every line that applies it; its formula,
    printed once above, is not printed again (within a document, and across
    the documents of one :class:`Explainer`: the parts of a worksheet key).
    """
    formula = step.formula
    if step.kind != "matrix" and formula:
        key = (step.rule, formula.text, formula.latex)
        if key in shown:
            formula = None
        else:
            shown.add(key)
    parts = tuple(_formulas_once(part, shown) for part in step.parts)
    if formula is step.formula and all(new is old for new, old in zip(parts, step.parts)):
        return step
    return replace(step, formula=formula, parts=parts)


#: functions called with every document :func:`build_document` makes (the test suite checks each one's order)
CHECKS: list = []


def reading_problems(document: Document) -> list[str]:
    """Where *document* uses something before the line that derives, defines or cites it (empty: none).

    Read in order (a step's hint, its parts, its worked lines), every
    symbol a line uses must be given, defined above or introduced by a
    "let"; every derivative a worked line uses must have been derived or
    cited above (an opening may still write the parts as derivatives: it
    states the rule; a line may apply a rule to derivatives it works out
    itself, d(3x + 1)/dx = d(3x)/dx = 3); every number put in place of a
    sub-expression must be the value of something known by then.
    """
    from ..printing import to_text

    first = document.derivation
    network = getattr(first, "network", None)
    symbols: set = {s for s, _ in document.given}
    valued: set = set(symbols)
    for derivation in document.derivations or (first,):
        if derivation.expression is not None:
            symbols |= derivation.expression.free_symbols
    if network is not None:
        if getattr(network, "is_large", False):
            # the inputs, parameters and targets the lines use, found without listing every one of them
            used: set = set()
            for derivation in document.derivations or (first,):
                for item in (derivation, *derivation._cited_closure()):
                    for step, _ in item.walk():
                        used |= step.lhs.free_symbols | step.rhs.free_symbols
            symbols |= {s for s in used if s in network.inputs or s in network.targets or s in network.parameters}
            # the named form's givens, layer by layer: W⁽ˡ⁾, b⁽ˡ⁾, x, y
            shown = network.named_form
            defined = {e.lhs for e in shown}
            symbols |= {s for e in shown for s in e.rhs.free_symbols if s not in defined}
            # z⁽¹⁾₁, a⁽¹⁾₁ …: entries of the vectors the named form defines
            symbols |= {s for s in used if network._unit_of(s) is not None}
        else:
            symbols |= set(network.inputs) | set(network.parameters) | set(network.targets)
        if not any(section.kind == "forward" for section in document.sections):
            symbols |= {e.lhs for e in network.named_form}  # named above, in an earlier part
            valued |= {e.lhs for e in network.named_form} if document.given else set()
    known: set = set()
    problems: list[str] = []

    def check(expr, where: str, placeholders=()) -> None:
        if not isinstance(expr, sympy.Basic):
            return
        for symbol in expr.free_symbols - symbols:
            if symbol not in known and symbol is not GRADIENT and symbol != ETA:
                problems.append(f"{where}: {to_text(symbol)} is used before it is named")
        for d in expr.atoms(Derivative):
            if d not in known and d not in placeholders:
                problems.append(f"{where}: {to_text(d)} is used before it is derived")

    def check_numbers(numbers: dict, where: str) -> None:
        for key in numbers:
            if isinstance(key, Symbol):
                if key not in valued and key not in known and key != ETA:
                    problems.append(f"{where}: the value of {to_text(key)} is used before it is found")
            elif key.is_number or key in known:
                continue
            elif isinstance(key, Derivative) or not (isinstance(key, sympy.Function) and key.free_symbols <= valued):
                # σ(z) may be valued from a known z; a product of factors only from the lines that found them
                problems.append(f"{where}: the value of {to_text(key)} is used before it is found")

    def learn(equation: Equation) -> None:
        known.add(equation.lhs)
        known.update(side for side in equation.sides if isinstance(side, sympy.Basic))
        if isinstance(equation.lhs, Symbol):
            symbols.add(equation.lhs)
            if equation.value is not None or equation.at:
                valued.add(equation.lhs)

    def read(step: DocStep) -> None:
        where = f"step {step.id} ({to_text(step.target) if step.target is not None else step.kind})"
        if step.kind == "matrix":
            return
        if step.kind == "cite":  # found in an earlier step or an earlier part: known by reference
            for equation in step.worked:
                learn(equation)
            known.add(step.target)
            return
        for let in step.lets:
            for side in let.sides:
                check(side, where)
            learn(let)
        targets = {step.target} | ({step.opening.lhs} if step.opening is not None else set())
        if step.opening is not None:
            for side in step.opening.sides:
                check(side, where, placeholders=side.atoms(Derivative))
        for part in step.parts:
            read(part)
        for equation in step.worked:
            # a line may apply a rule to derivatives it then works out itself: d(3x + 1)/dx = d(3x)/dx = 3
            last = equation.sides[-1] if equation.sides else None
            settled = step.kind == "algebra" or (isinstance(last, sympy.Basic) and not last.has(Derivative))
            for side in equation.sides:
                allowed = side.atoms(Derivative) if settled else targets
                check(side, where, placeholders=allowed)
            for _, numbers in equation.at:
                check_numbers(numbers, where)
            learn(equation)
        known.update(t for t in targets if t is not None)
        if isinstance(step.target, Symbol):
            symbols.add(step.target)
            valued.add(step.target)

    for section in document.sections:
        for step in section.steps:
            read(step)
    return problems
