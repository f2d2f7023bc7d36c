"""Helpers every generator uses: parts from derivations, mistakes, numbers.

A part's answer is always read off an engine derivation (its ``result`` or
its named last line), and a numeric answer is that expression at the
problem's numbers.  Typical mistakes are built from the same derivation
(a factor of the chain left out, the step taken the wrong way), so they can
never drift from the key.
"""

from __future__ import annotations

import sympy

from ...derivation import Derivation, expand_definitions
from ...naming import sym
from ...printing import to_latex
from ..problem import Mistake, Part
from ..randomness import Degenerate
from ...parsing.values import as_expression, as_number

__all__ = [
    "symbolic_part",
    "numeric_part",
    "dropped_factor_mistakes",
    "at_point",
    "exact_decimal",
    "nonzero",
    "diff_steps",
    "LABELS",
    "numbers_latex",
    "equations_latex",
    "activation_mistakes",
    "sign_mistake",
    "neuron_point",
]

LABELS = "abcdefgh"
#: decimals a student rounds to when an answer does not terminate
DEFAULT_DECIMALS = 3


def diff_steps(expr, var) -> Derivation:
    """The elementary-rule derivation of d(expr)/d(var), from the calculus engine."""
    from ...calculus import diff_steps as engine_diff_steps

    return engine_diff_steps(expr, var)


def at_point(expr, definitions, point) -> sympy.Expr:
    """*expr* (which may use named intermediates) at the numbers *point*, exactly."""
    full = expand_definitions(as_expression(expr), definitions)
    return full.xreplace(point)


def exact_decimal(value, max_places: int = 4) -> bool:
    """Is *value* a rational that terminates within *max_places* decimals?"""
    value = as_number(value)
    if not isinstance(value, sympy.Rational):
        return False
    return (value * 10**max_places).q == 1


def nonzero(value, what: str = "the answer"):
    """Reject a draw whose *value* is 0 (a zero gradient teaches nothing)."""
    if abs(float(sympy.N(as_expression(value), 15))) < 1e-9:
        raise Degenerate(f"{what} is 0")
    return value


def dropped_factor_mistakes(derivation: Derivation, named_value=None) -> list[Mistake]:
    """One wrong answer per chain factor: the product with that factor left out."""
    factors = list(derivation.factors)
    if len(factors) < 2:
        return []
    mistakes = []
    for i, factor in enumerate(factors):
        rest = [f.value for j, f in enumerate(factors) if j != i]
        product = sympy.Mul(*rest)
        if factor.value == 1:
            continue
        mistakes.append(Mistake(product, f"The factor ${to_latex(factor.lhs)} = {to_latex(factor.value)}$ "
                                         "of the chain rule is missing."))
    return mistakes


def symbolic_part(label: str, prompt: str, derivation: Derivation, *, answer=None, mistakes=()) -> Part:
    """A part whose answer is an expression (in base variables or named ones).

    The student may use every symbol of the problem: the variables of the
    function differentiated, or for a network its inputs, parameters,
    targets and named intermediates (z, ŷ, a, δ), each with its definition.
    """
    answer = derivation.result if answer is None else answer
    definitions = dict(derivation.all_definitions())
    allowed = set(as_expression(answer).free_symbols)
    expression = getattr(derivation, "expression", None)
    if expression is not None:
        allowed |= as_expression(expression).free_symbols
    network = getattr(derivation, "network", None)
    if network is not None:
        allowed |= set(network.inputs) | set(network.parameters) | set(network.targets)
        allowed |= {s for s in network.definitions if s != network.loss_symbol}
    used = _used_definitions(sympy.Tuple(*allowed), definitions)
    base = {s for s in allowed if s not in definitions}
    for definition in used.values():
        base |= {s for s in as_expression(definition).free_symbols if s not in definitions}
    variables = tuple(sorted(base | set(used), key=lambda s: s.name))
    return Part(
        label=label, prompt=prompt, answer=answer, derivation=derivation,
        definitions=used, variables=variables, mistakes=tuple(mistakes),
        conventions=tuple(getattr(derivation, "conventions", ()) or ()),
    )


def numeric_part(label: str, prompt: str, derivation: Derivation, point: dict, *, expr=None,
                 mistakes=(), decimals: int = DEFAULT_DECIMALS, extra=(), shown_derivation=None,
                 allow_zero: bool = False, quantity: str = "", update=None, scale=None) -> Part:
    """A part whose answer is a number: *expr* (default: the result) at *point*.

    With ``update=(p, eta)`` the answer is the step p − η·(the derivative);
    with ``scale=c`` it is c·(the derivative).

    Mistakes are given as expressions in the same symbols and are valued at
    the point too; a draw where one of them lands on the key is rejected.
    """
    definitions = derivation.all_definitions()
    if update is not None:
        p, rate = update
        expr = p - rate * derivation.result
    if scale is not None:
        expr = as_expression(scale) * derivation.result
    expr = derivation.result if expr is None else expr
    value = at_point(expr, definitions, point)
    if value.free_symbols:
        raise ValueError(f"part {label}: the point leaves {sorted(map(str, value.free_symbols))} unknown")
    if not allow_zero:
        nonzero(value, f"part {label}")
    exact = isinstance(value, sympy.Rational) and exact_decimal(value)
    closeness = 1e-9 if exact else 2 * 10.0 ** -decimals
    # two mistakes the tolerance cannot tell apart would share one feedback: keep the first
    numeric_mistakes, seen = [], []
    for mistake in mistakes:
        wrong = at_point(mistake.answer, definitions, point)
        number = complex(sympy.N(wrong, 15))
        if any(abs(number - other) <= closeness for other in seen):
            continue
        seen.append(number)
        numeric_mistakes.append(Mistake(wrong, mistake.message))
    numeric_mistakes = tuple(numeric_mistakes)
    return Part(
        label=label, prompt=prompt, answer=value, derivation=shown_derivation or derivation,
        decimals=None if exact else decimals, exact_decimals=exact, mistakes=numeric_mistakes,
        point=dict(point), extra=tuple(extra), quantity=quantity, update=update, scale=scale,
        conventions=tuple(getattr(derivation, "conventions", ()) or ()),
    )


def _used_definitions(answer, definitions) -> dict:
    """The definitions *answer* needs, following definitions that use others."""
    used: dict = {}
    pending = [s for s in as_expression(answer).free_symbols if s in definitions]
    while pending:
        symbol = pending.pop()
        if symbol in used:
            continue
        used[symbol] = definitions[symbol]
        pending.extend(s for s in as_expression(definitions[symbol]).free_symbols if s in definitions)
    return used


def numbers_latex(point: dict, order) -> str:
    """``$x = 2$, $W = 0.5$, …`` for the symbols in *order*."""
    return ", ".join(f"${to_latex(s)} = {_display(point[s])}$" for s in order)


def equations_latex(network) -> str:
    """A network's named form as a display, two equations a line."""
    lines = [e.to_latex() for e in network.equations]
    rows = [r" \qquad ".join(lines[i:i + 2]) for i in range(0, len(lines), 2)]
    return "\\[\\begin{gathered}" + r" \\ ".join(rows) + "\\end{gathered}\\]"


def activation_mistakes(derivation, activation) -> list[Mistake]:
    """The activation's own value written where its derivative belongs."""
    mistakes = []
    for factor in derivation.factors:
        if factor.kind == "activation":
            z = factor.lhs.variables[0]
            wrong = sympy.Mul(*[activation.function(z) if f is factor else f.value for f in derivation.factors])
            mistakes.append(Mistake(wrong, f"${to_latex(factor.lhs)}$ is the slope of {activation.text}, "
                                           f"${activation.formula_latex}$, not {activation.text} itself."))
    return mistakes


def sign_mistake(derivation) -> Mistake:
    return Mistake(-derivation.named_result, "The sign is flipped: $\\frac{\\partial L}{\\partial \\hat{y}} "
                                             "= 2(\\hat{y} - y)$, prediction minus target.")


def _display(value) -> str:
    from ..problem import display_latex

    return display_latex(value)


def neuron_point(rng, difficulty):
    """Numbers for the one-neuron example: z never 0 (σ(0) = 1 − σ(0))."""
    x, W, b, y = sym("x"), sym("W"), sym("b"), sym("y")
    point = {
        x: rng.integer(-3, 3) if difficulty != "easy" else rng.integer(1, 3),
        W: rng.decimal(-1, 1, places=1),
        b: rng.decimal(-1, 1, places=1, nonzero=difficulty == "hard"),
        y: sympy.Integer(rng.choice([0, 1])),
    }
    if point[W] * point[x] + point[b] == 0:
        raise Degenerate("z = 0")
    return point
