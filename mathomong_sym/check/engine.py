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
from fractions import Fraction
from functools import lru_cache

import sympy

from ..errors import ConfigError, MathomongError, ParseError
from ..naming import sym
from ..parsing import NotAFormula, as_conventions, parse_expression, read, read_uncached
from ..parsing.functions import FUNCTION_NAMES
from ..printing import to_latex, to_text
from .equivalence import Comparison, Tolerance, compare, constant_ratio
from .key import AnswerEntry, exact
from .tree import tree_to_expr

__all__ = ["run_task", "check_entry", "prepare", "PreparedKey", "CORRECT", "INCORRECT", "INVALID"]

CORRECT, INCORRECT, INVALID = "correct", "incorrect", "invalid"
_PLAIN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_MAX_EXPANSION_ROUNDS = 30


@dataclass
class PreparedMistake:
    name: str
    message: str
    expanded: object
    credit: float


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
    mistakes: list = field(default_factory=list)
    factors: list = field(default_factory=list)  # PreparedKey per factor

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
    allowed = None
    if variables is not None:
        allowed = frozenset(variables) | {s.name for s in definitions}
    key_is_number = isinstance(expanded, sympy.Expr) and not expanded.free_symbols
    tolerance = Tolerance.for_key(key_is_number, entry.tolerance)
    mistakes = []
    for mistake in entry.mistakes:
        try:
            value = mistake.expression(conventions)
        except MathomongError as exc:
            raise ConfigError(f"question {entry.id!r}, mistake {mistake.name or mistake.latex!r}: {exc}") from None
        mistakes.append(PreparedMistake(mistake.name, mistake.message, _expand(value, definitions), mistake.credit))
    factors = [_prepare(f, definitions, variables) for f in entry.factors]
    return PreparedKey(entry, named, expanded, definitions, allowed, conventions,
                       _answer_conventions(conventions, named, expanded, definitions), tolerance, mistakes, factors)


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
def _prepare_cached(entry_json: str) -> PreparedKey:
    data = json.loads(entry_json)
    return _prepare(AnswerEntry.from_dict(data, "key"))


def prepare(entry: AnswerEntry | dict) -> PreparedKey:
    data = entry.to_dict() if isinstance(entry, AnswerEntry) else entry
    return _prepare_cached(json.dumps(data, sort_keys=True))


# ---------------------------------------------------------------------------
# checking one answer
# ---------------------------------------------------------------------------

def _read_as(expr) -> tuple[str, str]:
    try:
        return to_latex(expr), to_text(expr)
    except Exception:  # printing must never turn a verdict into a crash
        return str(expr), str(expr)


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
    read_latex, read_text = _read_as(reading.form)
    details = {"read_latex": read_latex, "read_text": read_text}
    if reading.ignored:
        details["ignored"] = list(reading.ignored)
    if reading.notes:
        details["notes"] = list(reading.notes)
    echo = _echo(reading, read_text)
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
    comparison = compare(expanded, prepared.expanded, prepared.tolerance, seed, cache_answer=cache)
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
    for mistake in prepared.mistakes:
        if compare(expanded, mistake.expanded, prepared.tolerance, seed, symbolic=False, cache_answer=cache).equal:
            details["mistake"] = mistake.name
            feedback = f"{echo} Not quite: {mistake.message}."
            score = mistake.credit
            break
    else:
        ratio = constant_ratio(expanded, prepared.expanded, seed) if comparison.method == "counterexample" else None
        if ratio is not None:
            details["ratio"] = ratio
            feedback = f"{echo} Not quite: {_ratio_message(ratio)}."
        if comparison.method == "shape":
            feedback += f" {comparison.detail[0].upper()}{comparison.detail[1:]}."
        elif comparison.method == "undecided":
            # no false accepts: what cannot be confirmed equal is not accepted
            feedback += f" We could not confirm it equals the key ({comparison.detail})."
        if prepared.allowed is None:
            strangers = sorted(used - prepared.known_names)
            if strangers:
                name = strangers[0]
                feedback += f" The key does not use {_shown(name)}; {_hint_for(name, prepared.known_names)}"
    return {"verdict": INCORRECT, "feedback": feedback, "details": details, "score": score}


def _ratio_message(ratio: float) -> str:
    rounded = round(ratio)
    if abs(ratio + 1) < 1e-8:
        return "your answer has the wrong sign (it is −1 times the right answer)"
    if abs(ratio - rounded) < 1e-8 and rounded != 0:
        return f"your answer is {rounded:g} times the right answer (a constant factor is off)"
    inverse = 1 / ratio
    if abs(inverse - round(inverse)) < 1e-8:
        return f"your answer is 1/{round(inverse):g} of the right answer (a constant factor is missing)"
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
            result["feedback"] += f" Right factor(s): {', '.join(right)} ({sum(factor_results[f]['score'] for f in right):g} point(s))."
    result = dict(result)
    result["score"] = float(earned)
    result["exact_score"] = str(earned)
    result["points"] = float(points)
    if factor_results:
        result["factors"] = factor_results
    return result


def run_task(task: dict) -> dict:
    """Entry point of a worker: never raises, a bad key comes back as ``key_error``."""
    try:
        prepared = prepare(task["entry"])
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
