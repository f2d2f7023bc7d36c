"""One check, in-process: read the answer, compare, diagnose, explain.

This is what a worker process of :mod:`.pool` runs; the public
:func:`~mathomong_sym.check.checker.check_answer` sends it there so that a
slow answer can be stopped.  Everything here is a pure function of the task;
the prepared keys (parsed, expanded, with their mistakes) are cached per
process, so a class's answers to one question parse the key once.

A task is a plain dict (it crosses a process boundary)::

    {"answer": str, "entry": AnswerEntry.to_dict(), "factor_answers": {id: str}}

and so is the result: ``verdict``, ``feedback``, ``details``, ``score``.
A bad key makes the result ``{"key_error": message}`` instead.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import lru_cache

import numpy as np
import sympy

from ..errors import ConfigError, MathomongError, ParseError
from ..naming import sym
from ..parsing import NotAFormula, as_conventions, parse_expression, read, read_uncached
from ..parsing.functions import FUNCTION_NAMES
from ..printing import to_latex, to_text
from .equivalence import MIN_POINTS, Tolerance, compare, constant_ratio, values_at
from .key import AnswerEntry, exact
from .mistakes import (Candidate, classify, constant_offset, decimals_written, generic_candidates, places_asked,
                       rounding_message, stable_name)
from .prose import plain_latex, unicode_math
from .tree import tree_to_expr

__all__ = ["run_task", "check_entry", "prepare", "PreparedKey", "CORRECT", "INCORRECT", "INVALID"]

CORRECT, INCORRECT, INVALID = "correct", "incorrect", "invalid"
_PLAIN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_MAX_EXPANSION_ROUNDS = 30


@dataclass
class PreparedMistake:
    name: str          # the key's own name
    message: str       # in Unicode math
    expanded: object
    credit: float
    stable: str = ""   # its name in the catalogue of mistakes (docs/answer-key-format.md)
    written: str = ""  # the message as the key wrote it (LaTeX between dollars), for typeset pages


@dataclass
class PreparedKey:
    entry: AnswerEntry
    named: object            # the key as written (may use named intermediates)
    expanded: object         # the key in base variables
    definitions: dict        # Symbol -> expression in base variables
    allowed: frozenset | None  # names a student may use (None: any)
    conventions: object      # how the key and the definitions are read
    answer_conventions: object  # how answers are read: also knowing the key's and the definitions' names
    tolerance: Tolerance
    key_places: object = None  # the key's decimal places when it was typed as a rounded decimal (0.4576)
    mistakes: list = field(default_factory=list)
    factors: list = field(default_factory=list)  # PreparedKey per factor
    candidates: list = field(default_factory=list)  # every explanation of a wrong answer, listed and generic
    candidate_values: dict = field(default_factory=dict)  # (candidate index, symbols, seed) -> values at points

    @property
    def known_names(self) -> set:
        names = {s.name for s in _free(self.named)} | {s.name for s in _free(self.expanded)}
        return names | {s.name for s in self.definitions}


def _free(expr) -> set:
    return expr.free_symbols if isinstance(expr, sympy.Basic) else set()


# ---------------------------------------------------------------------------
# preparing a key (cached per process)
# ---------------------------------------------------------------------------

def _definition_symbol(name: str, conventions):
    if _PLAIN_NAME.match(name):
        return sym(name)
    value = parse_expression(name, syntax="latex", conventions=conventions)
    if not isinstance(value, sympy.Symbol):
        raise ConfigError(f"the definition name {name!r} is not a single symbol")
    return value


def _expand(expr, definitions: dict):
    """Replace named intermediates until only base variables are left."""
    for _ in range(_MAX_EXPANSION_ROUNDS):
        present = [s for s in _free(expr) if s in definitions]
        if not present:
            return expr
        expr = expr.xreplace({s: definitions[s] for s in present})
    raise ConfigError("the definitions refer to each other in a circle")


def _parse_definitions(raw: dict, conventions, trees: dict | None = None) -> dict:
    parsed = {}
    for name, latex in raw.items():
        try:
            symbol = _definition_symbol(name, conventions)
            # the tree is authoritative when the key has one; LaTeX is for people
            tree = (trees or {}).get(name)
            parsed[symbol] = tree_to_expr(tree) if tree is not None else parse_expression(latex, conventions=conventions)
        except ParseError as exc:
            raise ConfigError(f"the definition of {name!r} cannot be read: {exc}") from None
    # each definition in base variables
    expanded = {}
    for symbol, value in parsed.items():
        expanded[symbol] = _expand(value, parsed)
    return expanded


def _prepare(entry: AnswerEntry, inherited_definitions: dict | None = None, inherited_variables=None) -> PreparedKey:
    conventions_map = dict(entry.conventions or {})
    variables = entry.variables if entry.variables is not None else inherited_variables
    # the key, the definitions and the answers all know the question's names
    declared = set(conventions_map.get("symbols", ())) | set(variables or ())
    declared |= {name for name in entry.definitions if _PLAIN_NAME.match(name)}
    declared |= {s.name for s in inherited_definitions or ()}
    conventions_map["symbols"] = sorted(declared)
    try:
        conventions = as_conventions(conventions_map)
    except MathomongError as exc:
        raise ConfigError(f"question {entry.id!r}: {exc}") from None
    definitions = dict(inherited_definitions or {})
    definitions.update(_parse_definitions(entry.definitions, conventions, entry.definition_trees))
    try:
        named = entry.expression(conventions)
    except ConfigError as exc:
        raise ConfigError(f"question {entry.id!r}: {exc}") from None
    expanded = _expand(named, definitions)
    key_places = _places(entry, conventions) if expanded == named else None
    allowed = None
    if variables is not None:
        allowed = frozenset(variables) | {s.name for s in definitions}
    key_is_number = isinstance(expanded, sympy.Expr) and not expanded.free_symbols
    tolerance = Tolerance.for_key(key_is_number, entry.tolerance)
    generic = generic_candidates(named, expanded, definitions, _written(entry))
    mistakes = []
    for mistake in entry.mistakes:
        try:
            value = mistake.expression(conventions)
        except MathomongError as exc:
            raise ConfigError(f"question {entry.id!r}, mistake {mistake.name or mistake.latex!r}: {exc}") from None
        value = _expand(value, definitions)
        stable = stable_name(mistake.name) or _classified(value, generic, tolerance) or "listed_in_key"
        mistakes.append(PreparedMistake(mistake.name, unicode_math(mistake.message), value, mistake.credit, stable,
                                        mistake.message))
    factors = [_prepare(f, definitions, variables) for f in entry.factors]
    candidates = [Candidate(m.stable, m.expanded, m.message, m.credit, True, m.name, m.written) for m in mistakes]
    candidates += generic
    return PreparedKey(entry, named, expanded, definitions, allowed, conventions,
                       _answer_conventions(conventions, named, expanded, definitions), tolerance, key_places,
                       mistakes, factors, candidates)


def _places(entry, conventions):
    """The decimal places of a key typed as a rounded decimal (``0.4576``); None for an exact key."""
    if entry.tree is not None:
        return None  # a tree holds exact values (a Float in it is rounded at its own precision)
    try:
        return read(entry.latex, conventions=conventions).places
    except MathomongError:
        return None


def _written(entry: AnswerEntry) -> str:
    """The key as its author wrote it, in Unicode math (2(ŷ − y)·σ′(z)·x, not sympy's order), or ''."""
    try:
        return plain_latex(entry.latex) if entry.latex else ""
    except Exception:  # a key's LaTeX that the converter cannot say is shown from its expression instead
        return ""


def _classified(value, generic, tolerance) -> str:
    """The catalogue name of a listed mistake by what it does to the key (−K is sign_flipped)."""
    def same(a, b):
        try:
            return compare(a, b, tolerance, 0, symbolic=False).equal
        except Exception:  # a mistake that cannot be compared keeps the key's explanation
            return False

    return classify(value, generic, same)


# names that change how other text reads when declared (H(z) is a product once H is a name)
_READING_WORDS = FUNCTION_NAMES | {"e", "pi"}


def _answer_conventions(conventions, named, expanded, definitions):
    """An answer is read knowing the question's names, so ``wxb`` can be w·x·b and ``prediction`` one name.

    A list-valued key turns the decimal comma off: ``1,2`` is then (1, 2).
    """
    names = {s.name for s in _free(named) | _free(expanded) | set(definitions)}
    names -= _READING_WORDS - conventions.symbols
    is_list = isinstance(expanded, (sympy.Tuple, sympy.MatrixBase))
    return conventions.with_names(names, decimal_comma=conventions.decimal_comma and not is_list)


@lru_cache(maxsize=256)
def _prepare_cached(entry_json: str, context_json: str = "[]") -> PreparedKey:
    data = json.loads(entry_json)
    prepared = _prepare(AnswerEntry.from_dict(data, "key"))
    siblings = json.loads(context_json)
    if siblings:
        prepared.candidates = prepared.candidates + _wrong_points(prepared, siblings)
    return prepared


def prepare(entry: AnswerEntry | dict, context=None) -> PreparedKey:
    """The prepared key of *entry*; *context* (trees of the other questions of its sheet) finds wrong points."""
    data = entry.to_dict() if isinstance(entry, AnswerEntry) else entry
    return _prepare_cached(json.dumps(data, sort_keys=True), json.dumps(context or [], sort_keys=True))


#: where a value "at the wrong point" is looked for: small integers and halves
_POINT_GRID = tuple(sorted({*range(-5, 6), *(k + 0.5 for k in range(-5, 5))}))


def _wrong_points(prepared: PreparedKey, siblings: list) -> list[Candidate]:
    """A numeric key that is another question's expression f(s) at s = p: f at the other points of the grid."""
    key = prepared.expanded
    if not isinstance(key, sympy.Expr) or key.free_symbols:
        return []
    try:
        target = float(key)
    except (TypeError, ValueError):
        return []
    found = []
    for tree in siblings:
        try:
            expr = tree_to_expr(tree)
        except Exception:  # a sibling that cannot be read only gives no candidates
            continue
        symbols = list(getattr(expr, "free_symbols", ()))
        if len(symbols) != 1:
            continue
        s = symbols[0]
        values = {}
        for q in _POINT_GRID:
            try:
                values[q] = complex(sympy.N(expr.xreplace({s: sympy.Rational(round(2 * q), 2)}), 20))
            except Exception:
                continue
        values = {q: v.real for q, v in values.items() if abs(v.imag) < 1e-12 and v.real == v.real}
        at = [q for q, v in values.items() if abs(v - target) <= 1e-9 * max(1.0, abs(target))]
        if not at:
            continue
        name = _shown(s.name)
        asked = " or ".join(f"{name} = {_number_text(p)}" for p in at)
        by_value: dict = {}
        for q, v in values.items():
            if q not in at and abs(v - target) > 1e-9 * max(1.0, abs(target)):
                same = next((w for w in by_value if abs(w - v) <= 1e-9 * max(1.0, abs(v))), v)
                by_value.setdefault(same, []).append(q)
        for v, points in by_value.items():
            where = " or ".join(f"{name} = {_number_text(q)}" for q in points)
            found.append(Candidate("wrong_point", sympy.Float(v, 15), f"that is the value at {where}, not at {asked}"))
    return found


def _number_text(value: float) -> str:
    return (f"{value:g}").replace("-", "−")


# ---------------------------------------------------------------------------
# checking one answer
# ---------------------------------------------------------------------------

#: significant digits of a decimal in the echo: as many as a student types (0.4576123 stays 0.4576123)
_ECHO_DIGITS = 15


def _read_as(reading) -> tuple[str, str]:
    """The answer as it was read, in LaTeX and in Unicode, its decimals with every digit the student wrote."""
    expr = reading.form
    try:
        text, latex = _echo_printers()
        return latex(reading).doprint(expr), text(reading).doprint(expr)
    except Exception:  # printing must never turn a verdict into a crash
        try:
            return to_latex(expr), to_text(expr)
        except Exception:
            return str(expr), str(expr)


@lru_cache(maxsize=1)
def _echo_printers():
    from ..printing import TextbookLatexPrinter, TextbookTextPrinter, format_number

    class EchoText(TextbookTextPrinter):
        def __init__(self, reading):
            super().__init__({"order": "none"})
            self.reading = reading

        def _print_Float(self, expr):
            return _as_typed(expr, self.reading, "−") or format_number(expr, digits=_ECHO_DIGITS)

    class EchoLatex(TextbookLatexPrinter):
        def __init__(self, reading):
            super().__init__({"order": "none"})
            self.reading = reading

        def _print_Float(self, expr):
            return _as_typed(expr, self.reading, "-") or format_number(expr, digits=_ECHO_DIGITS, latex=True)

    return EchoText, EchoLatex


def _as_typed(number, reading, minus: str) -> str | None:
    """A decimal with the places it was typed with (1.000 stays 1.000; 2e-1 is shown as 0.2), else None."""
    places = reading.written_places(number)
    if places is None or places < 0 or places > 60:
        return None
    with localcontext() as context:
        context.prec = 200
        exact = sympy.Rational(str(number))  # the decimal's digits as typed (it holds them exactly)
        value = (Decimal(exact.p) / Decimal(exact.q)).quantize(Decimal(1).scaleb(-places))
    return f"{value:f}".replace("-", minus)


def _echo(reading, read_text: str) -> str:
    """"We read your answer as …", with what was ignored around it and how ambiguous spellings were read."""
    echo = f"We read your answer as {read_text}"
    if reading.ignored:
        echo += f" (ignoring {_listed(reading.ignored)})"
    if reading.notes:
        echo += f" (reading {_listed(reading.notes)})"
    return echo + "."


def _listed(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _loose_letters(expr, known: set) -> int:
    """The most one-letter symbols unknown to the question in any one product (prose typed as letters)."""
    most = 0
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Mul):
            loose = {f for f in node.args if isinstance(f, sympy.Symbol) and len(f.name) == 1 and f.name not in known}
            most = max(most, len(loose))
    return most


def _hint_for(name: str, allowed) -> str:
    candidates = sorted(allowed)
    if not candidates:
        return "this answer uses no names (it is a number)"
    lowered = {c.lower(): c for c in candidates}
    if name.lower() in lowered:
        return f"did you mean {_shown(lowered[name.lower()])}?"
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.5)
    if close:
        return f"did you mean {_shown(close[0])}?"
    return f"the names you can use are {', '.join(_shown(c) for c in candidates)}"


def _shown(name: str) -> str:
    from ..naming import unicode_name

    return unicode_name(name)


def _invalid(reason: str, **details) -> dict:
    return {"verdict": INVALID, "feedback": f"We could not check this answer: {reason}.",
            "details": {"reason": reason, **details}, "score": 0.0}


def check_entry(answer_text, prepared: PreparedKey, *, seed: int = 0, cache: bool = True) -> dict:
    """The verdict on *answer_text* against a prepared key, as a plain dict."""
    if not isinstance(answer_text, str):
        return _invalid("the answer is not text")
    if not answer_text.strip():
        return _invalid("the answer is empty")
    try:
        reading = (read if cache else read_uncached)(answer_text, conventions=prepared.answer_conventions)
    except NotAFormula as exc:
        reason = {"none": "no answer was given", "prose": "this looks like words, not a formula"}.get(exc.kind, str(exc))
        return _invalid(reason, words=list(exc.words))
    except ParseError as exc:
        return _invalid(str(exc))
    except RecursionError:
        return _invalid("the answer is nested too deeply")
    answer = reading.value
    if _loose_letters(reading.form, prepared.known_names | set(prepared.allowed or ())) > 3:
        return _invalid("this looks like words, not a formula")
    read_latex, read_text = _read_as(reading)
    details: dict[str, object] = {"read_latex": read_latex, "read_text": read_text}
    if reading.ignored:
        details["ignored"] = list(reading.ignored)
    if reading.notes:
        details["notes"] = list(reading.notes)
    echo = _echo(reading, read_text)
    details["echo"] = echo
    used = {s.name for s in _free(answer)}
    if prepared.allowed is not None:
        unknown = sorted(used - prepared.allowed)
        if unknown:
            name = unknown[0]
            reason = f"there is no {_shown(name)} here; {_hint_for(name, prepared.allowed)}"
            result = _invalid(reason, **details)
            result["feedback"] = f"{echo} {reason[0].upper()}{reason[1:].rstrip('.?')}{'?' if reason.endswith('?') else '.'}"
            return result
    expanded = _expand(answer, prepared.definitions)
    comparison = compare(expanded, prepared.expanded, prepared.tolerance, seed, cache_answer=cache,
                         answer_places=reading.places, key_places=prepared.key_places)
    details["method"] = comparison.method
    if comparison.detail:
        details["comparison"] = comparison.detail
    if comparison.equal:
        feedback = f"{echo} Correct."
        reference = prepared.named if used & {s.name for s in prepared.definitions} else prepared.expanded
        reference_ops = sympy.count_ops(reference)
        simplified = sympy.count_ops(answer) <= max(2 * reference_ops, reference_ops + 2)
        details["simplified"] = bool(simplified)
        if not simplified:
            feedback += f" It can be written more simply, e.g. {to_text(prepared.named)}."
        return {"verdict": CORRECT, "feedback": feedback, "details": details, "score": 1.0}
    feedback = f"{echo} This is not right."
    score = 0.0
    diagnosis = diagnose(answer_text, expanded, prepared, comparison, seed, cache, reading.places)
    if diagnosis is not None:
        details["mistake"] = diagnosis.name
        if diagnosis.key_name:
            details["key_mistake"] = diagnosis.key_name
        if diagnosis.written and diagnosis.written != diagnosis.message:
            details["message_latex"] = f"Not quite: {_continued(diagnosis.written)}."
        feedback = f"{echo} Not quite: {_continued(diagnosis.message)}."
        score = diagnosis.credit
    if diagnosis is None:
        if comparison.method == "shape":
            feedback += f" {comparison.detail[0].upper()}{comparison.detail[1:]}."
        elif comparison.method == "undecided":
            # no false accepts: what cannot be confirmed equal is not accepted
            feedback += f" We could not confirm it equals the key ({comparison.detail})."
        elif reading.places is not None and not isinstance(reading.places, tuple):
            right = _places_right(expanded, prepared, reading.places)
            if right is not None:
                details["places_right"] = right
                feedback += (f" It is the right value to {right} decimal place{'s' if right != 1 else ''}, but not to "
                             f"the {reading.places} you typed: round the exact value only at the end (rounding along "
                             "the way changes the last digits).")
        if prepared.allowed is None:
            strangers = sorted(used - prepared.known_names)
            if strangers:
                name = strangers[0]
                feedback += f" The key does not use {_shown(name)}; {_hint_for(name, prepared.known_names)}"
    return {"verdict": INCORRECT, "feedback": feedback, "details": details, "score": score}


def diagnose(answer_text: str, answer, prepared: PreparedKey, comparison, seed: int = 0,
             cache: bool = True, places=None) -> Candidate | None:
    """The best explanation of a wrong answer (a :class:`~.mistakes.Candidate`), or None.

    Every explanation is tried: the mistakes the key lists and the generic
    ones (sign, factor 2, ½, reciprocal, a factor of the product left out or
    written in place of a related one, rounding, a constant factor or offset).  When several explain the
    answer, the first in the catalogue's order wins (an x₂ = −1 left out is
    a flipped sign); when two listed mistakes of the key explain it equally,
    the generic message, which is true of both, is given.
    """
    if comparison.method in ("shape", "undecided") or not isinstance(answer, sympy.Expr):
        return None
    key = prepared.expanded
    if isinstance(key, sympy.Expr) and not key.free_symbols and not answer.free_symbols:
        rounded = _rounding(answer_text, answer, key, prepared.tolerance, places)
        if rounded is not None:
            return Candidate("rounded_too_far", answer, rounded)
    best, tied_listed = None, 0
    screen = _Screen(answer, prepared, seed)
    for index, candidate in sorted(enumerate(prepared.candidates), key=lambda c: (c[1].rank, not c[1].listed)):
        if best is not None and candidate.rank > best.rank:
            break
        try:
            # a decimal answer is judged to its places, which the floating-point screen does not know
            same = not (places is None and screen.clearly_different(index, candidate)) and \
                compare(answer, candidate.expr, prepared.tolerance, seed, symbolic=False, cache_answer=cache,
                        answer_places=places).equal
        except Exception:  # one explanation that cannot be computed does not stop the others
            same = False
        if same:
            best = best or candidate
            tied_listed += candidate.listed
    if best is not None and best.listed and tied_listed > 1:
        generic = next((c for c in prepared.candidates if c.name == best.name and not c.listed), None)
        if generic is not None:
            return generic
    return best or _constant_change(answer, key, seed, prepared.tolerance)


class _Screen:
    """Explanations that are plainly not the answer, told apart in floating point before the full comparison.

    The answer is evaluated once at the comparison's points, each explanation
    once per key (kept with the prepared key); one that differs from the
    answer by more than a millionth at most of the points where both are
    defined cannot equal it, and skips the 30-digit confirmation the full
    comparison gives each difference.  Anything closer, or not computable
    this way, gets the full comparison.
    """

    def __init__(self, answer, prepared: PreparedKey, seed: int):
        self.prepared, self.seed = prepared, seed
        self.symbols = tuple(sorted(_free(answer) | _free(prepared.expanded), key=lambda s: s.name))
        self.answer = self._values(answer) if self.symbols else None

    def _values(self, expr):
        try:
            return values_at(expr, self.symbols, self.seed)
        except Exception:  # not computable here: the full comparison decides
            return None

    def clearly_different(self, index: int, candidate) -> bool:
        if self.answer is None or not isinstance(candidate.expr, sympy.Expr) or \
                not _free(candidate.expr) <= set(self.symbols):
            return False
        key = (index, self.symbols, self.seed)
        if key not in self.prepared.candidate_values:
            self.prepared.candidate_values[key] = self._values(candidate.expr)
        values = self.prepared.candidate_values[key]
        if values is None:
            return False
        both = np.isfinite(self.answer) & np.isfinite(values)
        if both.sum() < MIN_POINTS:
            return False
        a, c = self.answer[both], values[both]
        far = np.abs(a - c) > _SCREEN_RELATIVE * np.maximum(np.abs(a), np.abs(c)) + _SCREEN_ABSOLUTE
        return bool(far.mean() > 0.5)


#: what "plainly different" means in floating point (the full comparison's tolerance is far finer)
_SCREEN_RELATIVE, _SCREEN_ABSOLUTE = 1e-6, 1e-12


def _places_right(answer, prepared: PreparedKey, places: int) -> int | None:
    """For a decimal whose last digits are off: the places it has right, when that is all the key asks for.

    0.4577 for σ(−0.17) = 0.457602… is right to 3 places, which is what a
    relative 10⁻³ asks; its 4th place is not the key's (rounded along the
    way, most likely).  None when the answer is wrong within what the key asks.
    """
    key = prepared.expanded
    if prepared.tolerance.explicit or not isinstance(key, sympy.Expr) or key.free_symbols:
        return None
    try:
        a, k = float(answer), float(key)
    except (TypeError, ValueError, OverflowError):
        return None
    distance = abs(a - k)
    right = next((p for p in range(places - 1, -1, -1) if distance <= 10.0 ** -p / 2 * (1 + 1e-9)), None)
    if right is None or right < places_asked(k, prepared.tolerance):
        return None
    return right


def _continued(message: str) -> str:
    """A message that goes on after "Not quite:": "The sign …" becomes "the sign …", without its full stop."""
    message = message.strip().rstrip(".")
    if len(message) > 1 and message[0].isupper() and message[1].islower():
        message = message[0].lower() + message[1:]
    return message


def _rounding(answer_text, answer, key, tolerance, places=None) -> str | None:
    # the places the reader saw (≈ 0.46, 0,46, W ← 0.46 too), else those of a plain number
    written = places if isinstance(places, int) and places >= 0 else decimals_written(answer_text)
    if written is None:
        return None
    try:
        return rounding_message(float(answer), float(key), written, tolerance)
    except (TypeError, ValueError, OverflowError):
        return None


def _constant_change(answer, key, seed, tolerance):
    """An answer that is c·K (c a constant; for a number, a small fraction) or, symbolically, K + c."""
    if not isinstance(key, sympy.Expr) or not key.free_symbols:
        return _numeric_ratio(answer, key, tolerance)
    ratio = constant_ratio(answer, key, seed)
    if ratio is not None:
        return Candidate("constant_factor", answer, _ratio_message(ratio))
    offset = constant_offset(answer, key, seed)
    if offset is not None:
        return Candidate("constant_offset", answer, f"your answer differs from the right one by the constant "
                                                    f"{offset:.6g} (a term without the variables is off)")
    return None


def _numeric_ratio(answer, key, tolerance):
    """A number that is a small fraction p/q times the key's (3 times, a third of), within the key's tolerance."""
    try:
        a, k = float(answer), float(key)
    except (TypeError, ValueError, OverflowError):
        return None
    if not k or not a:
        return None
    nearest = Fraction(a / k).limit_denominator(4)
    expected = float(nearest) * k
    if nearest in (0, 1) or abs(nearest.numerator) > 10:
        return None
    if abs(a - expected) > tolerance.relative * abs(expected) + tolerance.absolute:
        return None
    return Candidate("constant_factor", answer, _ratio_message(float(nearest)))


def _ratio_message(ratio: float) -> str:
    rounded = round(ratio)
    if abs(ratio - rounded) < 1e-8 and rounded != 0:
        return f"your answer is {rounded:g} times the right answer (a constant factor is off)"
    inverse = 1 / ratio
    if abs(inverse - round(inverse)) < 1e-8:
        return f"your answer is 1/{round(inverse):g} of the right answer (a constant factor is missing)"
    shown = Fraction(ratio).limit_denominator(12)
    if abs(float(shown) - ratio) < 1e-8:
        return f"your answer is {shown} times the right answer (a constant factor is off)"
    return f"your answer is {ratio:.6g} times the right answer (a constant factor is off)"


def check_with_factors(answer_text, prepared: PreparedKey, factor_answers: dict | None = None, *, seed: int = 0,
                       cache: bool = True) -> dict:
    """The whole question: the final answer and, for partial credit, the chain's factors.

    ``score`` is in points: all of them when the final answer is right;
    otherwise the points of the factors answered right (plus a mistake's
    credit), never more than the question's points.  The sums are exact
    (a third of a point is 1/3, not 0.3333): ``exact_score`` holds the
    fraction as text, ``score`` the same as a float.
    """
    points = exact(prepared.entry.points)
    result = check_entry(answer_text, prepared, seed=seed, cache=cache)
    earned = points * exact(result["score"])
    factor_results = {}
    known = {factor.entry.id for factor in prepared.factors}
    unknown = sorted(fid for fid, text in (factor_answers or {}).items() if fid not in known and str(text).strip())
    if unknown:
        result = dict(result)
        result["details"] = {**result["details"], "unknown_factors": unknown}
        listed = ", ".join(sorted(known)) or "none"
        result["feedback"] += f" (This question has no factor {', '.join(unknown)}; its factors: {listed}.)"
    for factor in prepared.factors:
        text = (factor_answers or {}).get(factor.entry.id)
        if text is None or (isinstance(text, str) and not text.strip()):
            continue
        sub = check_entry(text, factor, seed=seed, cache=cache)
        factor_earned = exact(factor.entry.points) * exact(sub["score"])
        sub.update(points=float(factor.entry.points), score=float(factor_earned), exact_score=str(factor_earned))
        factor_results[factor.entry.id] = sub
    if result["verdict"] != CORRECT and factor_results:
        earned = min(points, earned + sum(Fraction(r["exact_score"]) for r in factor_results.values()))
        right = [fid for fid, r in factor_results.items() if r["verdict"] == CORRECT]
        if right:
            labels = {factor.entry.id: _factor_name(factor.entry) for factor in prepared.factors}
            earned_right = sum((Fraction(factor_results[f]["exact_score"]) for f in right), Fraction(0))
            result["feedback"] += (f" Right: {_listed([labels[f] for f in right])} "
                                   f"({_points_text(earned_right)} {'point' if earned_right == 1 else 'points'}).")
    result = dict(result)
    result["score"] = float(earned)
    result["exact_score"] = str(earned)
    result["points"] = float(points)
    if factor_results:
        result["factors"] = factor_results
    return result


def _factor_name(entry) -> str:
    """A factor as a student knows it: its label in Unicode (∂L/∂ŷ), else its id."""
    return plain_latex(entry.label) if entry.label else entry.id


def _points_text(value: Fraction) -> str:
    """Points rounded to two decimals, without trailing zeros: 2, 0.67, 1.5."""
    hundredths = round(value * 100)
    whole, part = divmod(abs(hundredths), 100)
    sign = "-" if hundredths < 0 else ""
    return f"{sign}{whole}" if part == 0 else f"{sign}{whole}.{part:02d}".rstrip("0")


def run_task(task: dict) -> dict:
    """Entry point of a worker: never raises, a bad key comes back as ``key_error``."""
    try:
        prepared = prepare(task["entry"], task.get("context"))
    except ConfigError as exc:
        return {"key_error": str(exc)}
    except MathomongError as exc:
        return {"key_error": f"the key cannot be read: {exc}"}
    try:
        return check_with_factors(task.get("answer"), prepared, task.get("factor_answers"), seed=task.get("seed", 0),
                                  cache=task.get("cache", True))
    except RecursionError:
        return _invalid("the answer is nested too deeply")
    except MemoryError:
        return _invalid("the answer needs too much memory")
    except MathomongError as exc:
        return _invalid(str(exc))
    except Exception as exc:  # an unforeseen sympy failure is the answer's verdict, not a crash
        return _invalid(f"the answer could not be compared ({type(exc).__name__})")
