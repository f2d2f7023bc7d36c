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
* the wrong input x_j or the wrong weight;
* w and b confused;
* a factor of the chain forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from ..printing import to_latex, to_text
from .key import AnswerEntry, Mistake

__all__ = ["mistakes_from_chain", "entry_parts_from_derivation", "EntryParts", "MAX_MISTAKES"]

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

    for index, factor in enumerate(chain.factors):
        for name, expr, message in _RULES_BY_KIND.get(factor.kind, lambda *a: ())(chain, index, factor):
            add(name, expr, message)
    for index, factor in enumerate(chain.factors):
        if factor.value == 1 or factor.kind == "activation":
            continue  # dropping a factor 1 changes nothing; the activation has its own message
        add(
            "chain_factor_forgotten",
            chain.without(index),
            f"a factor of the chain is missing: {_say(factor.lhs)} = {_say(factor.value)}",
        )
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
