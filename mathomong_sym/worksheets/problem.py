"""What a generator produces: a problem with its parts, keys and solutions."""

from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import mpmath
import sympy

from ..printing import textbook_factors, textbook_terms, to_latex
from .randomness import Degenerate, decimal_latex
from ..parsing.values import as_expression
from .words import translate

if TYPE_CHECKING:
    from ..derivation import Derivation

__all__ = ["Mistake", "Part", "Problem", "approx", "say", "math", "escape_text", "display_latex", "teacher_text",
           "split_points", "format_points"]


#: the functions a key's numbers go through, evaluated by mpmath (σ as 1/(1 + e^(−z)), step as H(z))
_MP_FUNCTIONS = {
    "exp": mpmath.exp, "log": mpmath.log, "tanh": mpmath.tanh,
    "sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)),
    "relu": lambda z: z if z > 0 else mpmath.mpf(0),
    "step": lambda z: mpmath.mpf(1) if z > 0 else mpmath.mpf(0),
    "Heaviside": lambda z: mpmath.mpf(1) if z > 0 else mpmath.mpf(0),
}


def _mp(expr):
    """*expr*, a number built of numbers and the functions above, in mpmath (None: something else)."""
    if expr.is_Rational:
        return mpmath.mpf(expr.p) / expr.q
    if expr.is_Float:
        return mpmath.mpf(expr._mpf_)
    args = [_mp(a) for a in expr.args]
    if not args or any(a is None for a in args):
        return None
    if expr.is_Add:
        return mpmath.fsum(args)
    if expr.is_Mul:
        return mpmath.fprod(args)
    if expr.is_Pow:
        base, exponent = args
        return base ** exponent if base > 0 or expr.exp.is_Integer else None
    function = _MP_FUNCTIONS.get(type(expr).__name__)
    if function is None or (type(expr).__name__ == "log" and args[0] <= 0):
        return None
    return function(*args)


@functools.lru_cache(maxsize=8192)
def approx(expr, digits: int = 15):
    """*expr* as a sympy number to *digits* digits, computed once.

    A part, its mistakes and the checks of a draw value the same nested
    exact expressions (σ of σ …) several times; mpmath at twice the digits
    values them in one pass where sympy's evalf would re-evaluate each
    inner σ at rising precision.  Anything else goes to ``sympy.N``.
    """
    expr = as_expression(expr)
    if expr.is_number and not expr.has(sympy.I, sympy.zoo, sympy.nan, sympy.oo):
        with mpmath.workdps(2 * digits + 5):
            value = _mp(expr)
            if value is not None:
                return sympy.Float(value, digits)
    return sympy.N(expr, digits)


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer and the feedback a student gets for it.

    ``kind = "sign"`` marks the key with its sign flipped: flipped once more
    it is the key itself, so it is the one mistake whose negative may equal
    the key.
    """

    answer: sympy.Expr
    message: str
    kind: str = ""


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
    derivation: Derivation
    decimals: int | None = None
    exact_decimals: bool = False
    definitions: dict = field(default_factory=dict)
    variables: tuple = ()
    mistakes: tuple[Mistake, ...] = ()
    point: dict = field(default_factory=dict)
    conventions: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()  # LaTeX lines printed after the derivation (numbers substituted)
    lead: tuple[str, ...] = ()  # LaTeX lines printed before it (the loss multiplied out)
    quantity: str = ""  # LaTeX of what is asked when it is not the derivation's lhs (W_new)
    #: (p, η) when the answer is p − η·(the derivative): a gradient-descent step
    update: tuple | None = None
    #: what the teacher set: the part's points, a hint (LaTeX) and the answer space ("4cm")
    points: float | None = None
    hint: str = ""
    space: str | None = None

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
        rounded = f"{float(approx(self.answer, 30)):.{self.decimals}f}"
        if rounded.startswith("-") and float(rounded) == 0:
            rounded = rounded[1:]
        return rounded

    def check_degenerate(self, others=()):
        """Raise :class:`Degenerate` when a typical mistake would look right.

        The wrong answers tried are the part's mistakes and the answers of the
        *others* parts (a student who swaps ∂L/∂W and ∂L/∂b, or x and y), each
        as it is and with its sign flipped: at x = ±1 a swap and a sign flip
        together can land on the key.  Only the sign mistake itself is not
        flipped back (that is the key).
        """
        if not self.numeric:
            return
        value = approx(self.answer)
        if not value.is_real or not value.is_finite:
            raise Degenerate(f"part {self.label}: the answer {value} is not a finite number")
        if value == 0:
            return  # a flat slope: no sign to flip, and the other parts are asked elsewhere
        gap = 2 * max(self.tolerance, 1e-9)
        wrong_answers = [(m.answer, f"the mistake '{m.message}'", m.kind == "sign") for m in self.mistakes]
        wrong_answers += [(other.answer, f"part {other.label}'s answer", False) for other in others
                          if other.numeric and other is not self]
        for wrong, what, sign_mistake in wrong_answers:
            wrong = approx(wrong)
            if not wrong.is_number:
                continue
            for sign, how in ((1, ""), (-1, " with its sign flipped")):
                if sign == -1 and sign_mistake:
                    continue
                if abs(complex(sign * wrong - value)) <= gap:
                    raise Degenerate(f"part {self.label}: {what}{how} gives the key's value")


@dataclass(frozen=True)
class Problem:
    """A generated problem: a statement, parts, points and its identity.

    ``function`` is the expression the problem draws (f, L(w) …), when it
    draws one: two problems of a sheet whose functions have the same
    derivative are the same exercise.  ``given`` are formulas the statement
    supplies ((rule, LaTeX) pairs: σ′ = σ(1 − σ) on a sheet before the part
    of the guide that teaches it).  ``figure`` is drawn on the sheet and the
    key; ``key_figure`` replaces it in the key (the descent path drawn in).
    ``families`` are the structural choices the problem was dealt (the
    outer function, the weight asked …), which every version shares in
    this slot; the assembler records them from the generator's random
    source.
    """

    generator: str
    statement: str
    parts: tuple[Part, ...]
    points: float
    difficulty: str
    seed: int = 0
    function: sympy.Expr | None = None
    variables: tuple = ()
    given: tuple[tuple[str, str], ...] = ()
    figure: str = ""
    key_figure: str = ""
    families: tuple[str, ...] = ()
    hint: str = ""

    @property
    def family(self) -> str:
        """The kinds dealt, as one name ("exp", "tanh/1")."""
        return "/".join(self.families)

    @property
    def signature(self) -> str:
        """What makes two problems the same question (used to reject duplicates)."""
        return self.generator + "|" + self.statement + "|" + "|".join(p.prompt for p in self.parts)

    def derivatives(self) -> frozenset:
        """The derivatives of the drawn function, canonically written, one per variable."""
        if self.function is None:
            return frozenset()
        variables = self.variables or sorted(self.function.free_symbols, key=lambda s: s.name)
        return frozenset(sympy.srepr(sympy.expand(sympy.diff(self.function, v))) for v in variables)

    def asked(self) -> frozenset:
        """Every derivative the problem asks for, canonically written.

        The derivatives of its function, and the answer of each symbolic part
        (∂L/∂W of a sigmoid neuron is one answer, whatever the numbers): two
        problems of a sheet that share one ask the same exercise twice.
        """
        answers = {sympy.srepr(sympy.expand(part.answer)) for part in self.parts if not part.numeric}
        return self.derivatives() | answers

    def part_points(self) -> list[float]:
        """Points per part: the teacher's, or an even split of the problem's in halves."""
        given = [p.points for p in self.parts if p.points is not None]
        if len(given) == len(self.parts):
            return given
        return split_points(self.points, len(self.parts))

    def check_degenerate(self):
        for part in self.parts:
            part.check_degenerate(self.parts)
        if len({p.prompt for p in self.parts}) != len(self.parts):
            raise Degenerate("two parts ask the same thing")


def split_points(total, parts: int) -> list[float]:
    """*total* points over *parts* parts in halves, the larger shares first; none gets 0."""
    halves = round(float(total) * 2)
    share, extra = divmod(halves, parts)
    if share == 0:
        raise ValueError(f"{format_points(total)} points cannot be split over {parts} parts "
                         f"(each part needs at least half a point)")
    return [(share + (1 if i < extra else 0)) / 2 for i in range(parts)]


def format_points(points) -> str:
    """2 -> "2", 1.5 -> "1.5"."""
    value = float(points)
    return str(int(value)) if value == int(value) else f"{value:g}"


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


def as_printed(expr):
    """*expr* rebuilt unevaluated with its sums and products in the order the printer shows them, so that
    numbers or names put in its place (:meth:`xreplace` under ``sympy.evaluate(False)``) keep that order."""
    if not expr.args or expr.is_Atom:
        return expr
    args = [as_printed(a) for a in expr.args]
    if expr.is_Add:
        return sympy.Add(*textbook_terms(sympy.Add(*args, evaluate=False)), evaluate=False)
    if expr.is_Mul:
        return sympy.Mul(*textbook_factors(sympy.Mul(*args, evaluate=False)), evaluate=False)
    if expr.is_Pow:
        return sympy.Pow(*args, evaluate=False)
    if isinstance(expr, sympy.Function):
        return expr.func(*args, evaluate=False)  # tanh(−2x − 1) stays as written
    return expr.func(*args)


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
    # a Symbol named "0.25" prints as 0.25; sums and products keep the order the printer gives the expression
    printed = as_printed(expr)
    with sympy.evaluate(False):
        return to_latex(printed.xreplace(decimals))


def say(template: str, **values) -> str:
    """A sentence: *template*'s text is escaped, each ``{name}`` becomes math.

    ``say("Find {f} at {x0}.", f=..., x0=...)`` — values are sympy objects
    (printed with textbook names) or :class:`math` strings.  The template is
    translated into the sheet's language first (:mod:`.words`).
    """
    template = translate(template)
    out = []
    for literal, name, _spec, _ in string.Formatter().parse(template):
        out.append(escape_text(literal))
        if name is None:
            continue
        if name not in values:
            raise KeyError(f"say(): no value for {{{name}}}")
        out.append("$" + display_latex(values[name]) + "$")
    return "".join(out)


# ---------------------------------------------------------------------------
# a teacher's text: plain words escaped, $…$ kept as math, nothing else gets through
# ---------------------------------------------------------------------------

#: commands that read or write files, redefine LaTeX or leave math: never in a teacher's $…$
_FORBIDDEN = re.compile(
    r"\\(input|include|includeonly|InputIfFileExists|openin|openout|read|readline|write|immediate|"
    r"special|def|edef|gdef|xdef|let|futurelet|catcode|csname|endcsname|expandafter|newcommand|"
    r"renewcommand|providecommand|DeclareRobustCommand|usepackage|RequirePackage|documentclass|"
    r"begin|end|directlua|pdfprimitive|jobname|loop|repeat|afterassignment|uppercase|lowercase|"
    r"scantokens|makeatletter|newwrite|newread|shipout|output|everypar|everymath)(?![A-Za-z])")


def teacher_text(text: str, where: str = "text") -> str:
    """A teacher's sentence as LaTeX: words escaped, ``$…$`` typeset as math.

    ``\\$`` is a literal dollar.  Raises :class:`ValueError` (naming *where*)
    for an unclosed ``$``, unbalanced braces in math, or a command that is
    not mathematics (``\\input``, ``\\def`` …).
    """
    out, i, plain = [], 0, []
    while i < len(text):
        char = text[i]
        if char == "\\" and text.startswith("\\$", i):
            plain.append("$")
            i += 2
            continue
        if char != "$":
            plain.append(char)
            i += 1
            continue
        end = text.find("$", i + 1)
        while end != -1 and text[end - 1] == "\\":
            end = text.find("$", end + 1)
        if end == -1:
            raise ValueError(f"{where}: a $ opens math that no $ closes")
        body = text[i + 1:end]
        _check_math(body, where)
        out.append(escape_text("".join(plain)))
        plain = []
        out.append("$" + body + "$")
        i = end + 1
    out.append(escape_text("".join(plain)))
    return "".join(out)


def _check_math(body: str, where: str) -> None:
    if not body.strip():
        raise ValueError(f"{where}: empty math ($$); write \\$ for a dollar sign")
    forbidden = _FORBIDDEN.search(body)
    if forbidden:
        raise ValueError(f"{where}: \\{forbidden.group(1)} is not mathematics and cannot appear in $…$")
    depth = 0
    for k, char in enumerate(body):
        if char == "{" and (k == 0 or body[k - 1] != "\\"):
            depth += 1
        elif char == "}" and (k == 0 or body[k - 1] != "\\"):
            depth -= 1
            if depth < 0:
                raise ValueError(f"{where}: a }} in ${body}$ closes no {{")
    if depth:
        raise ValueError(f"{where}: a {{ in ${body}$ is never closed")
    if "%" in body.replace("\\%", ""):
        raise ValueError(f"{where}: % in math would hide the rest of the line; write \\%")
