"""What a generator produces: a problem with its parts, keys and solutions."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

import sympy

from ..printing import to_latex
from .randomness import Degenerate, decimal_latex
from ..parsing.values import as_expression

__all__ = ["Mistake", "Part", "Problem", "say", "math", "escape_text", "display_latex"]


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer and the feedback a student gets for it."""

    answer: sympy.Expr
    message: str


@dataclass(frozen=True)
class Part:
    """One answer a student writes: its prompt, key and solution.

    ``answer`` is exact.  A numeric part has ``decimals`` set: students round
    to that many decimals and the checker accepts ``tolerance``.  A symbolic
    part may use the named intermediates in ``definitions`` (z, ŷ …).
    ``derivation`` is the engine's derivation the solution prints;
    ``solution`` holds extra derivations printed after it (a δ it cites, the
    update rule's arithmetic).
    """

    label: str
    prompt: str
    answer: sympy.Expr
    derivation: object
    decimals: int | None = None
    exact_decimals: bool = False
    definitions: dict = field(default_factory=dict)
    variables: tuple = ()
    mistakes: tuple[Mistake, ...] = ()
    point: dict = field(default_factory=dict)
    conventions: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()  # LaTeX lines printed after the derivation (numbers substituted)
    quantity: str = ""  # LaTeX of what is asked when it is not the derivation's lhs (W_new)
    #: (p, η) when the answer is p − η·(the derivative): a gradient-descent step
    update: tuple | None = None
    #: a number c when the answer is c·(the derivative): a linear estimate ΔL ≈ L′·Δw
    scale: sympy.Expr | None = None

    @property
    def numeric(self) -> bool:
        return not self.answer.free_symbols

    @property
    def tolerance(self) -> float:
        """Absolute tolerance: one unit in the last decimal the sheet asks for."""
        if not self.numeric or self.exact_decimals:
            return 0.0
        return 10.0 ** -(self.decimals if self.decimals is not None else 3)

    @property
    def rounding_note(self) -> str:
        if not self.numeric:
            return ""
        if self.exact_decimals:
            return "exact"
        return f"{self.decimals} decimal places"

    def answer_latex(self) -> str:
        """The key as the answers page prints it (≈ a rounded decimal when inexact)."""
        if not self.numeric:
            written = to_latex(self.answer)
            if not self.answer.atoms(sympy.Function):
                # a polynomial's key also shows its tidy form; σ-forms stay as taught
                tidy = sympy.expand(self.answer)
                if tidy != self.answer and len(str(tidy)) < len(str(self.answer)):
                    written += " = " + to_latex(tidy)
            return written
        if self.exact_decimals:
            return display_latex(self.answer)
        rounded = f"{float(sympy.N(self.answer, 30)):.{self.decimals}f}"
        if rounded.startswith("-") and float(rounded) == 0:
            rounded = rounded[1:]
        return rounded

    def check_degenerate(self):
        """Raise :class:`Degenerate` when a typical mistake would look right."""
        if not self.numeric:
            return
        value = sympy.N(self.answer, 15)
        if not value.is_real or not value.is_finite:
            raise Degenerate(f"part {self.label}: the answer {value} is not a finite number")
        gap = 2 * max(self.tolerance, 1e-9)
        for mistake in self.mistakes:
            wrong = sympy.N(mistake.answer, 15)
            if wrong.is_number and abs(float(wrong - value)) <= gap:
                raise Degenerate(f"part {self.label}: the mistake '{mistake.message}' gives the key's value")


@dataclass(frozen=True)
class Problem:
    """A generated problem: a statement, parts, points and its identity."""

    generator: str
    statement: str
    parts: tuple[Part, ...]
    points: int
    difficulty: str
    seed: int = 0

    @property
    def signature(self) -> str:
        """What makes two problems the same question (used to reject duplicates)."""
        return self.generator + "|" + self.statement + "|" + "|".join(p.prompt for p in self.parts)

    def part_points(self) -> list[int]:
        """Points per part: an even split, the remainder to the first parts."""
        share, extra = divmod(self.points, len(self.parts))
        return [share + (1 if i < extra else 0) for i in range(len(self.parts))]

    def check_degenerate(self):
        for part in self.parts:
            part.check_degenerate()
        if len({p.prompt for p in self.parts}) != len(self.parts):
            raise Degenerate("two parts ask the same thing")


# ---------------------------------------------------------------------------
# writing statements: plain text is escaped, math comes from the printer
# ---------------------------------------------------------------------------

_ESCAPES = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}",
    "−": "-", "–": "--", "—": "---", "’": "'", "“": "``", "”": "''", "…": r"\ldots{}",
    # the guide writes these in prose; pdflatex's default input cannot read them
    "δ": r"$\delta$", "σ": r"$\sigma$", "η": r"$\eta$", "ŷ": r"$\hat{y}$", "∂": r"$\partial$",
    "·": r"$\cdot$", "×": r"$\times$", "²": r"$^2$", "′": r"$'$", "≤": r"$\le$", "≥": r"$\ge$",
    "→": r"$\to$", "≈": r"$\approx$",
}
_ESCAPE_RE = re.compile("|".join(re.escape(k) for k in _ESCAPES))


def escape_text(text: str) -> str:
    """Plain text made safe for LaTeX (no character is read as a command)."""
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], text)


class math(str):
    """A piece of LaTeX math, already typeset: :func:`say` puts it in ``$…$``."""


def display_latex(expr) -> str:
    """LaTeX of *expr* with short decimals written as decimals (0.5, not 1/2)."""
    if isinstance(expr, math):
        return str(expr)
    expr = as_expression(expr)
    if expr.is_Rational:
        return decimal_latex(expr)
    decimals = {}
    for r in expr.atoms(sympy.Rational):
        if not r.is_Integer:
            text = decimal_latex(r)
            if "frac" not in text:
                decimals[r] = sympy.Symbol(text if r > 0 else text[1:])
                if r < 0:
                    decimals[r] = -decimals[r]
    if not decimals:
        return to_latex(expr)
    # a Symbol named "0.25" prints as 0.25; the products keep their order
    return to_latex(expr.xreplace(decimals))


def say(template: str, **values) -> str:
    """A sentence: *template*'s text is escaped, each ``{name}`` becomes math.

    ``say("Find {f} at {x0}.", f=..., x0=...)`` — values are sympy objects
    (printed with textbook names) or :class:`math` strings.
    """
    out = []
    for literal, name, spec, _ in string.Formatter().parse(template):
        out.append(escape_text(literal))
        if name is None:
            continue
        if name not in values:
            raise KeyError(f"say(): no value for {{{name}}}")
        out.append("$" + display_latex(values[name]) + "$")
    return "".join(out)
