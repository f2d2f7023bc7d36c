"""The typical wrong answers of a chain-rule derivative, made from its derivation.

A ``Derivation`` of ∂L/∂p carries its chain of factors (∂L/∂ŷ of kind
"loss", ∂ŷ/∂z "activation", ∂z/∂p "linear", δ "delta") and the definitions
of its named intermediates.  Each mistake below is a small rule that turns
that chain into one wrong answer and says, in plain words, what went wrong —
the way a teacher's feedback tree (STACK's potential responses, WeBWorK's
answer hints) would, but generated instead of written by hand:

* the sign of (ŷ − y) flipped;
* the factor 2 of the squared error dropped;
* the activation's derivative left out, or the activation used in its place;
* one factor of the activation's derivative written in place of another (σ(z)² for σ(z)(1 − σ(z)));
* the loss used in place of its derivative;
* the wrong input x_j or the wrong weight;
* w and b confused;
* a factor of the chain forgotten.

Every wrong answer is also looked at with generic explanations made from the
key alone (:func:`generic_candidates`): a flipped sign, a factor 2, the
reciprocal, factors left out, one factor written in place of a related one.
"""

from __future__ import annotations

import re
from itertools import combinations
from dataclasses import dataclass, field

import sympy

from ..printing import to_latex, to_text
from .key import AnswerEntry, Mistake

__all__ = ["mistakes_from_chain", "entry_parts_from_derivation", "EntryParts", "MAX_MISTAKES", "CATALOGUE", "Candidate",
           "generic_candidates", "factor_swaps", "classify", "stable_name", "constant_offset", "decimals_written", "places_asked", "rounding_message"]

MAX_MISTAKES = 24


@dataclass(frozen=True)
class _Chain:
    """What the rules look at: the factors, the definitions and the product."""

    factors: tuple
    definitions: dict

    @property
    def value(self):
        return sympy.Mul(*[f.value for f in self.factors])

    def without(self, index: int):
        return sympy.Mul(*[f.value for i, f in enumerate(self.factors) if i != index])

    def replacing(self, index: int, value):
        return sympy.Mul(*[value if i == index else f.value for i, f in enumerate(self.factors)])


def _role(symbol) -> str:
    name = getattr(symbol, "name", "")
    head = name.split("_")[0].rstrip("0123456789")
    return {"w": "weight", "W": "weight", "b": "bias", "x": "input", "a": "activation"}.get(head, "other")


def _say(expr) -> str:
    return to_text(expr)


def _activation_words(factor, definitions) -> tuple[str, sympy.Expr | None]:
    """``σ′(z)`` and σ(z) for the factor ∂ŷ/∂z, when ŷ's definition names its function."""
    output = factor.lhs.expr if isinstance(factor.lhs, sympy.Derivative) else None
    applied = definitions.get(output)
    if applied is not None and isinstance(applied, sympy.Function) and len(applied.args) == 1:
        name = getattr(applied.func, "text_name", "") or applied.func.__name__
        return f"{name}′({_say(applied.args[0])})", applied
    return _say(factor.lhs), applied


def _loss_rules(chain: _Chain, index: int, factor):
    value = factor.value
    coefficient, rest = sympy.factor_terms(value).as_coeff_Mul()
    flipped = sympy.Mul(coefficient, sympy.expand(-rest), evaluate=False)
    yield (
        "sign_flipped",
        chain.replacing(index, -value),
        f"the sign is flipped: {_say(factor.lhs)} = {_say(sympy.factor_terms(value))}, not {_say(flipped)}",
    )
    lhs = factor.lhs
    loss = chain.definitions.get(lhs.expr) if isinstance(lhs, sympy.Derivative) else None
    if loss is not None:
        yield (
            "loss_instead_of_derivative",
            chain.replacing(index, loss),
            f"you used the loss {_say(lhs.expr)} = {_say(loss)} where its derivative "
            f"{_say(lhs)} = {_say(sympy.factor_terms(value))} belongs",
        )
    if coefficient.is_Integer and coefficient % 2 == 0:
        yield (
            "factor_2_dropped",
            chain.replacing(index, value / 2),
            f"the factor 2 of the squared error is missing: {_say(factor.lhs)} = {_say(sympy.factor_terms(value))}",
        )
        yield (
            "sign_flipped_and_factor_2_dropped",
            chain.replacing(index, -value / 2),
            f"the sign is flipped and the factor 2 is missing: {_say(factor.lhs)} = {_say(sympy.factor_terms(value))}",
        )


def _activation_rules(chain: _Chain, index: int, factor):
    words, applied = _activation_words(factor, chain.definitions)
    yield (
        "activation_derivative_missing",
        chain.without(index),
        f"you left out {words} = {_say(factor.value)}, the derivative of the activation",
    )
    if applied is not None:
        yield (
            "activation_instead_of_derivative",
            chain.replacing(index, applied),
            f"you used {_say(applied)} where its derivative {words} = {_say(factor.value)} belongs",
        )
    # σ′(z) = σ(z)(1 − σ(z)) misremembered as σ(z)²: one of its factors written twice
    for belongs, written, wrong in factor_swaps(list(sympy.Mul.make_args(factor.value))):
        yield (
            "factor_repeated",
            chain.replacing(index, wrong),
            f"you wrote {_factor_text(written)} where {_factor_text(belongs)} belongs: {words} = {_say(factor.value)}",
        )


def _linear_rules(chain: _Chain, index: int, factor):
    lhs = factor.lhs
    if not isinstance(lhs, sympy.Derivative):
        return
    target, wrt = lhs.expr, lhs.variables[0]
    definition = chain.definitions.get(target)
    if definition is None:
        return
    correct = factor.value
    role = _role(wrt)
    seen = {correct}
    for term in sympy.Add.make_args(definition):
        parts = sympy.Mul.make_args(term)
        # what ∂z/∂(each symbol of this term) would be: the rest of the term
        for part in parts:
            if not isinstance(part, sympy.Symbol) or part == wrt:
                continue
            wrong = sympy.Mul(*[p for p in parts if p != part])
            if wrong in seen:
                continue
            seen.add(wrong)
            wrong_role = _role(part)
            if role == "weight" and wrong_role == "bias":
                name, message = "w_b_confused", (
                    f"you differentiated with respect to {_say(part)}, not {_say(wrt)}: "
                    f"{_say(lhs)} = {_say(correct)} (it is ∂{_say(target)}/∂{_say(part)} that is 1)")
            elif role == "bias" and wrong_role == "weight":
                name, message = "w_b_confused", (
                    f"you differentiated with respect to the weight {_say(part)}, not the bias {_say(wrt)}: "
                    f"{_say(lhs)} = {_say(correct)}")
            elif role == "weight" and wrong_role == "weight":
                name, message = "wrong_input", (
                    f"you used {_say(wrong)}, the input of {_say(part)}; {_say(wrt)} multiplies {_say(correct)}, "
                    f"so {_say(lhs)} = {_say(correct)}")
            elif wrong_role in ("input", "activation") and role in ("activation", "input"):
                name, message = "wrong_weight", (
                    f"you used {_say(wrong)}, the weight on {_say(part)}; {_say(wrt)} is multiplied by "
                    f"{_say(correct)}, so {_say(lhs)} = {_say(correct)}")
            else:
                name, message = "wrong_variable", (
                    f"you took ∂{_say(target)}/∂{_say(part)} = {_say(wrong)} instead of {_say(lhs)} = {_say(correct)}")
            yield name, chain.replacing(index, wrong), message


_RULES_BY_KIND = {"loss": _loss_rules, "activation": _activation_rules, "linear": _linear_rules}


def mistakes_from_chain(factors, definitions) -> list[Mistake]:
    """The typical wrong answers of the chain *factors* (expressions in named intermediates)."""
    chain = _Chain(tuple(factors), dict(definitions))
    correct = chain.value
    found: list[Mistake] = []
    seen = {correct}

    def add(name, expr, message):
        if expr in seen or len(found) >= MAX_MISTAKES:
            return
        seen.add(expr)
        found.append(Mistake.from_expr(expr, message, name=name))

    later = []  # the rarer slips come after every factor's own, so that a long chain's cap drops them first
    for index, factor in enumerate(chain.factors):
        for name, expr, message in _RULES_BY_KIND.get(factor.kind, lambda *a: ())(chain, index, factor):
            if name == "factor_repeated":
                later.append((name, expr, message))
            else:
                add(name, expr, message)
    for index, factor in enumerate(chain.factors):
        if factor.value == 1 or factor.kind == "activation":
            continue  # dropping a factor 1 changes nothing; the activation has its own message
        add(
            "chain_factor_forgotten",
            chain.without(index),
            f"a factor of the chain is missing: {_say(factor.lhs)} = {_say(factor.value)}",
        )
    for name, expr, message in later:
        add(name, expr, message)
    return found


@dataclass
class EntryParts:
    key: sympy.Expr
    label: sympy.Expr
    definitions: dict
    factors: list = field(default_factory=list)
    mistakes: list = field(default_factory=list)


def _definitions_of(derivation) -> dict:
    merged: dict = {}
    for cited in getattr(derivation, "cites", ()) or ():
        merged.update(_definitions_of(cited))
    merged.update(getattr(derivation, "definitions", {}) or {})
    return merged


def entry_parts_from_derivation(derivation, *, points=1.0, factor_points=None, named=True, with_factors=True, with_mistakes=True) -> EntryParts:
    """Key, label, definitions, factor sub-keys and mistakes of a derivation."""
    definitions = _definitions_of(derivation)
    factors = list(getattr(derivation, "factors", ()) or ())
    variable = getattr(derivation, "variable", None)
    if factors and named:
        key = sympy.Mul(*[f.value for f in factors])
    else:
        key = derivation.result
    label = getattr(derivation, "lhs", None)
    if label is None and variable is not None:
        label = sympy.Derivative(sympy.Symbol("L", real=True), variable)
    entry_factors = []
    if with_factors and len(factors) > 1:
        # by default the factors together are worth half of the question
        share = factor_points if factor_points is not None else points / (2 * len(factors))
        for index, factor in enumerate(factors, start=1):
            entry_factors.append(AnswerEntry.from_expr(
                f"f{index}", factor.value, points=share, label=to_latex(factor.lhs),
            ))
    mistakes = mistakes_from_chain(factors, definitions) if with_mistakes and factors else []
    return EntryParts(key=key, label=to_latex(label) if label is not None else "", definitions=definitions,
                      factors=entry_factors, mistakes=mistakes)


# ---------------------------------------------------------------------------
# the generic mistakes: every wrong answer is looked at with these, key or no key
# ---------------------------------------------------------------------------

#: the stable names of mistakes, in the order of preference when several explain one answer
#: (documented in docs/answer-key-format.md; reports and JSON carry these names)
CATALOGUE = {
    "rounded_too_far": "a number rounded (or cut) to fewer decimal places than the question asks for",
    "sign_flipped": "the right answer times −1",
    "factor_2_dropped": "half the right answer (a factor 2 is missing)",
    "factor_2_extra": "twice the right answer (a factor 2 too many)",
    "sign_flipped_and_factor_2_dropped": "the right answer times −½",
    "reciprocal": "one over the right answer",
    "activation_derivative_missing": "the chain without the activation's derivative",
    "activation_instead_of_derivative": "the activation where its derivative belongs",
    "loss_instead_of_derivative": "the loss where its derivative belongs ((ŷ − y)² for 2(ŷ − y))",
    "w_b_confused": "the derivative with respect to the bias instead of the weight, or the other way",
    "wrong_input": "the input of another weight",
    "wrong_weight": "the weight on another input",
    "wrong_variable": "a derivative with respect to another variable",
    "chain_factor_forgotten": "the right answer with one or more of its factors left out",
    "factor_repeated": "one factor of the right answer written in place of a related one (σ(z)² for σ(z)(1 − σ(z)))",
    "wrong_point": "the right expression, evaluated at another point",
    "listed_in_key": "a wrong answer the key lists, with the key's own explanation",
    "constant_factor": "the right answer times a constant",
    "constant_offset": "the right answer plus a constant",
}
_RANK = {name: rank for rank, name in enumerate(CATALOGUE)}
_MAX_PAIRED = 8
#: up to this many factors, any set of them may be the ones left out (2⁵ − 1 candidates at most)
_MAX_ANY_SUBSET = 5


#: the name a worksheet generator gives a mistake it does not name (``5a-mistake-3``): not stable
_GENERATED_NAME = re.compile(r"-mistake-\d+$")
_AUTHOR_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def stable_name(name: str) -> str:
    """A key's own mistake name when it is stable: one of the catalogue's, or a snake_case name its author chose.

    A generated id (``5a-mistake-3``) is not; such a mistake is named by
    what it does to the key (:func:`classify`), else ``listed_in_key``.
    """
    if name in CATALOGUE or (_AUTHOR_NAME.match(name or "") and not _GENERATED_NAME.search(name)):
        return name
    return ""


@dataclass(frozen=True)
class Candidate:
    """One explanation of a wrong answer: a stable name, what the answer would be, what to say."""

    name: str
    expr: object
    message: str
    credit: float = 0.0
    listed: bool = False  # one of the mistakes the key lists (else a generic one)
    key_name: str = ""    # the key's own name of it
    written: str = ""     # its message as the key wrote it (LaTeX between dollars)

    @property
    def rank(self) -> int:
        return _RANK.get(self.name, _RANK["listed_in_key"])


def _nonzero_number(expr) -> bool:
    return isinstance(expr, sympy.Expr) and expr.is_number and expr.is_zero is False


def generic_candidates(named, expanded, definitions=None, shown: str = "") -> list[Candidate]:
    """The generic wrong answers of a key: −K, K/2, 2K, −K/2, 1/K, and K without some factors of its product.

    *shown* is the key as a student reads it (its LaTeX in Unicode, in the order it was written).
    """
    if not isinstance(expanded, sympy.Expr) or isinstance(expanded, sympy.MatrixBase):
        return []
    shown = shown or _say(named)
    found = [
        Candidate("sign_flipped", -expanded, "your answer has the wrong sign: it is −1 times the right answer"),
        Candidate("factor_2_dropped", expanded / 2, "your answer is half the right answer: a factor 2 is missing"),
        Candidate("factor_2_extra", 2 * expanded, "your answer is twice the right answer: there is a factor 2 too many"),
        Candidate("sign_flipped_and_factor_2_dropped", -expanded / 2,
                  "your answer is −½ times the right answer: the sign is flipped and a factor 2 is missing"),
    ]
    if expanded.free_symbols or _nonzero_number(expanded):
        found.append(Candidate("reciprocal", 1 / expanded, "your answer is upside down: it is 1 over the right answer"))
    factors = list(sympy.Mul.make_args(named)) if isinstance(named, sympy.Mul) else []
    # a sign changes nothing a factor could; a 2 left out alone is named factor_2_dropped, which ranks first
    droppable = [f for f in factors if not (f.is_number and abs(f) == 1)]
    for group in _left_out_groups(droppable):
        if len(group) >= len(factors):
            continue
        rest = list(factors)
        for factor in group:
            rest.remove(factor)
        left_out = sympy.Mul(*group, evaluate=False)  # shown as it stands in the key: 2(ŷ − y), not 2ŷ − 2y
        what = "a factor is missing" if len(group) == 1 else "factors are missing"
        found.append(Candidate("chain_factor_forgotten", _fully(sympy.Mul(*rest), definitions),
                               f"{what}: the right answer is {shown}, with {_say(left_out)}"))
    found += _repeated_factors(factors, expanded, definitions, shown)
    return found


def _repeated_factors(factors: list, expanded, definitions, shown: str) -> list[Candidate]:
    """The key's product with one factor written in place of a related one (:func:`factor_swaps`)."""
    found, seen = [], {expanded}
    for belongs, written, product in factor_swaps(factors):
        value = _fully(product, definitions)
        if value in seen:
            continue
        seen.add(value)
        found.append(Candidate("factor_repeated", value, f"you wrote {_factor_text(written)} where "
                                                         f"{_factor_text(belongs)} belongs: the right answer is {shown}"))
    return found


def _factor_text(factor) -> str:
    """A factor as it stands in a product: a divisor as 1/(1 + e^(−z))², not (1 + e^(−z))⁻²."""
    if isinstance(factor, sympy.Pow) and factor.exp.is_number and factor.exp.is_negative:
        return f"1/{_say(sympy.Pow(factor.base, -factor.exp))}"
    return _say(factor)


def factor_swaps(factors: list):
    """(belongs, written, product): the product of *factors* with one written in place of another that goes with it.

    Two factors go together when they apply the same function (σ(z) and
    1 − σ(z); e^{−z} and (1 + e^{−z})^{−2}): that is where a student mixes
    them up, writing σ(z)² (σ(z) twice) for σ′(z) = σ(z)(1 − σ(z)).
    Factors with nothing in common (ŷ − y and x) are not tried: writing one
    for the other is no slip a teacher would name.  Products of more than
    eight factors are not tried.
    """
    if len(factors) > _MAX_PAIRED:
        return
    applied = [_applications(f) for f in factors]
    for i, belongs in enumerate(factors):
        for j, written in enumerate(factors):
            if i == j or belongs == written or not applied[i] & applied[j]:
                continue
            rest = list(factors)
            rest[i] = written
            yield belongs, written, sympy.Mul(*rest)


def _applications(factor) -> set:
    """The functions a factor applies, with their arguments (σ(z) in 1 − σ(z)); none for a number."""
    if not isinstance(factor, sympy.Expr) or factor.is_number:
        return set()
    return set(factor.atoms(sympy.Function))


def _left_out_groups(droppable: list) -> list[tuple]:
    """The factors an answer may have left out: one, two (σ(z)(1 − σ(z)) is two factors), or, in a short
    product, any of them (a chain stopped after its first factor: 2(ŷ − y) for 2(ŷ − y)·σ′(z)·x)."""
    if len(droppable) <= _MAX_ANY_SUBSET:
        return [group for size in range(1, len(droppable) + 1) for group in combinations(droppable, size)]
    groups: list[tuple] = [(f,) for f in droppable]
    if len(droppable) <= _MAX_PAIRED:
        groups += list(combinations(droppable, 2))
    return groups


def _fully(expr, definitions):
    for _ in range(30):
        present = [s for s in getattr(expr, "free_symbols", ()) if s in (definitions or {})]
        if not present:
            return expr
        expr = expr.xreplace({s: definitions[s] for s in present})
    return expr


def classify(expr, candidates, same) -> str:
    """The catalogue name of *expr* among *candidates* (``same(a, b)`` compares), else ''."""
    for candidate in sorted(candidates, key=lambda c: c.rank):
        if same(expr, candidate.expr):
            return candidate.name
    return ""


_DECIMAL = re.compile(r"^\s*[-−+]?\s*(\d*)[.,](\d+)\s*$")


def decimals_written(text: str) -> int | None:
    """How many decimal places a plain number was written with (``0.46`` → 2), else None."""
    match = _DECIMAL.match(text or "")
    return len(match.group(2)) if match else None


def places_asked(key_value: float, tolerance) -> int:
    """The decimal places the key's tolerance asks for: an absolute 10⁻⁴ asks for 4, a relative 10⁻³ for 3 significant digits."""
    import math

    places = []
    if tolerance.absolute > 1e-12:
        places.append(max(0, math.ceil(-math.log10(2 * tolerance.absolute) - 1e-9)))
    if tolerance.relative > 0 and key_value:
        significant = max(1, math.ceil(-math.log10(2 * tolerance.relative) - 1e-9))
        places.append(max(0, significant - 1 - math.floor(math.log10(abs(key_value)))))
    return min(places) if places else 0


def rounding_message(answer: float, key_value: float, written: int, tolerance) -> str | None:
    """Why *answer*, written with *written* decimals, is the key rounded too far, or None."""
    asked = places_asked(key_value, tolerance)
    if written >= asked:
        return None
    step = 10.0 ** -written
    if abs(answer - key_value) > step * (1 + 1e-9):
        return None
    what = "rounded" if abs(answer - key_value) <= step / 2 * (1 + 1e-9) else "cut"
    return (f"your answer is the right value {what} to {written} decimal place{'s' if written != 1 else ''}; "
            f"give at least {asked}")


def constant_offset(answer, key, seed: int = 0) -> float | None:
    """c when *answer* = *key* + c at every usable point (c ≠ 0, the same c everywhere), else None."""
    import numpy as np

    from .equivalence import MIN_POINTS, values_at

    if not isinstance(answer, sympy.Expr) or not isinstance(key, sympy.Expr):
        return None
    symbols = tuple(sorted(answer.free_symbols | key.free_symbols, key=lambda s: s.name))
    if not symbols:
        return None
    difference = values_at(answer, symbols, seed) - values_at(key, symbols, seed)
    usable = np.isfinite(difference)
    if usable.sum() < MIN_POINTS:
        return None
    c = float(np.median(difference[usable]))
    if abs(c) < 1e-9 or not np.allclose(difference[usable], c, rtol=1e-8, atol=1e-9):
        return None
    return c
