"""Helpers every generator uses: parts from derivations, mistakes, numbers.

A part's answer is always read off an engine derivation (its ``result`` or
its named last line), and a numeric answer is that expression at the
problem's numbers.  Typical mistakes are built from the same derivation
(a factor of the chain left out, the step taken the wrong way), so they can
never drift from the key.
"""

from __future__ import annotations

import sympy

from ...derivation import Derivation, Step, expand_definitions
from ...naming import sym
from ...printing import to_latex
from ..problem import Mistake, Part, approx
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
    "swap_mistakes",
    "neuron_point",
    "ordered_definitions",
    "evaluation",
    "is_evaluation",
    "rounded",
    "places_that_multiply_out",
    "step_line",
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
    if abs(float(approx(as_expression(value)))) < 1e-9:
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
                 allow_zero: bool = False, quantity: str = "", update=None) -> Part:
    """A part whose answer is a number: *expr* (default: the result) at *point*.

    With ``update=(p, eta)`` the answer is the step p − η·(the derivative).

    Mistakes are given as expressions in the same symbols and are valued at
    the point too; a draw where one of them lands on the key is rejected.
    """
    definitions = derivation.all_definitions()
    if update is not None:
        p, rate = update
        expr = p - rate * derivation.result
    expr = derivation.result if expr is None else expr
    value = at_point(expr, definitions, point)
    if value.free_symbols:
        raise ValueError(f"part {label}: the point leaves {sorted(map(str, value.free_symbols))} unknown")
    if not allow_zero:
        nonzero(value, f"part {label}")
    exact = isinstance(value, sympy.Rational) and exact_decimal(value)
    closeness = 1e-9 if exact else 2 * 10.0 ** -decimals
    # two mistakes the tolerance cannot tell apart would share one feedback: keep the first
    numeric_mistakes: list[Mistake] = []
    seen: list[complex] = []
    for mistake in mistakes:
        wrong = at_point(mistake.answer, definitions, point)
        number = complex(approx(wrong))
        if any(abs(number - other) <= closeness for other in seen):
            continue
        seen.append(number)
        numeric_mistakes.append(Mistake(wrong, mistake.message, mistake.kind))
    return Part(
        label=label, prompt=prompt, answer=value, derivation=shown_derivation or derivation,
        decimals=None if exact else decimals, exact_decimals=exact, mistakes=tuple(numeric_mistakes),
        point=dict(point), extra=tuple(extra), quantity=quantity, update=update,
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
    return ordered_definitions(used)


def ordered_definitions(definitions: dict) -> dict:
    """*definitions* in the order of the names a student reads (by name), never a set's order."""
    return {s: definitions[s] for s in sorted(definitions, key=lambda s: (s.name, str(definitions[s])))}


def numbers_latex(point: dict, order) -> str:
    """``$x = 2$, $W = 0.5$, …`` for the symbols in *order*."""
    return ", ".join(f"${to_latex(s)} = {_display(point[s])}$" for s in order)


def equations_latex(network) -> str:
    """A network's named form as a display: a line per unit (its z and its activation), the loss on the last."""
    by_output = {e.lhs: e for e in network.equations}
    rows = []
    for layer in network.layers:
        for z, a in zip(layer.pre_activations, layer.outputs):
            rows.append([by_output[z].to_latex(), by_output[a].to_latex()])
    loss = by_output[network.loss_symbol].to_latex()
    if len(network.predictions) == 1:
        rows[-1].append(loss)  # one output: its loss fits beside it
    else:
        rows.append([loss])  # a sum over several outputs takes a line of its own
    return "\\[\\begin{gathered}" + r" \\ ".join(r" \qquad ".join(row) for row in rows) + "\\end{gathered}\\]"


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
                                             "= 2(\\hat{y} - y)$, prediction minus target.", kind="sign")


def swap_mistakes(net, parameter) -> list[Mistake]:
    """The slope of *parameter*'s partner in its unit (a weight's bias, a bias's weights): W and b swapped."""
    partners = []
    for layer in net.layers:
        for unit, row in enumerate(layer.weights):
            if parameter in row:
                partners = [layer.biases[unit]]
            elif parameter == layer.biases[unit]:
                partners = list(row)
    mistakes = []
    for partner in partners:
        d = net.derive(partner)
        slope = expand_definitions(d.named_result, d.all_definitions())
        mistakes.append(Mistake(slope, f"That is ${to_latex(d.lhs)}$: ${to_latex(partner)}$ and "
                                       f"${to_latex(parameter)}$ are swapped."))
    return mistakes


def _display(value) -> str:
    from ..problem import display_latex

    return display_latex(value)


def neuron_point(rng, difficulty):
    """Numbers for the one-neuron example: z never 0 (σ(0) = 1 − σ(0))."""
    x, W, b, y = sym("x"), sym("W"), sym("b"), sym("y")
    inputs = {"easy": lambda: rng.integer(1, 3), "medium": lambda: rng.integer(-3, 3),
              "hard": lambda: rng.decimal(-2, 2, places=1)}
    point = {
        x: inputs[difficulty](),
        W: rng.decimal(-1, 1, places=1),
        b: rng.decimal(-1, 1, places=1, nonzero=difficulty == "hard"),
        y: sympy.Integer(rng.choice([0, 1])),
    }
    if point[W] * point[x] + point[b] == 0:
        raise Degenerate("z = 0")
    return point


# ---------------------------------------------------------------------------
# numbers in a key's lines: an evaluation, an update step, intermediates that multiply out
# ---------------------------------------------------------------------------

#: the rule names of an evaluation's two lines (they teach nothing beyond arithmetic)
SUBSTITUTE, ARITHMETIC = "substitute the numbers", "arithmetic"


def evaluation(shown, expr, point) -> Derivation:
    """The value of *expr* at *point* as a derivation: shown = (expr with the numbers in) = value.

    *shown* is the LaTeX of what is evaluated (``f(2)``, ``L``); the number
    is exact, and both lines verify like any other step.
    """
    name = sympy.Symbol(str(shown))
    with sympy.evaluate(False):
        substituted = as_expression(expr).xreplace(dict(point))
    value = as_expression(expr).xreplace(dict(point))
    if value.free_symbols:
        raise ValueError(f"no value for {', '.join(sorted(s.name for s in value.free_symbols))}")
    value = as_number(value) if value.is_Float else value
    steps = [Step(name, substituted, rule=SUBSTITUTE, kind="evaluation"),
             Step(name, value, rule=ARITHMETIC, kind="evaluation")]
    return Derivation(lhs=name, steps=steps, result=value, definitions={name: value}, title="evaluation",
                      expression=as_expression(expr), point=dict(point))


def is_evaluation(derivation) -> bool:
    return getattr(derivation, "title", "") == "evaluation"


def rounded(value, decimals: int) -> str:
    """An exact decimal as it is; otherwise rounded to *decimals* (never "-0.000")."""
    value = as_expression(value)
    if isinstance(value, sympy.Rational) and exact_decimal(value, max(decimals, 4)):
        return _display(value)
    text = f"{float(approx(value, 30)):.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def places_that_multiply_out(combine, inputs, result, decimals: int, most: int = 10) -> int:
    """The fewest decimals (at least *decimals*) for the *inputs* so that the shown arithmetic holds.

    ``combine`` computes the result from the inputs; with each input printed
    to k decimals, combine(printed inputs) rounded to *decimals* must be the
    printed result.  ``2.718 · 2 ≈ 5.437`` fails (5.436); 2.71828 · 2 ≈ 5.437 holds.
    """
    target = rounded(result, decimals)
    for k in range(decimals, most + 1):
        printed = [sympy.Rational(rounded(v, k)) if not isinstance(v, sympy.Rational) or not exact_decimal(v, k)
                   else v for v in inputs]
        if rounded(combine(*printed), decimals) == target:
            return k
    return most


def step_line(p, derivation, point, decimals: int, loss_name: str = "L") -> str:
    """One gradient-descent step with its numbers: p_new = p − η ∂L/∂p = … (one true chain)."""
    eta = sym("eta")
    gradient = at_point(derivation.result, derivation.all_definitions(), point)
    new = point[p] - point[eta] * gradient
    name = to_latex(p)
    exact = isinstance(new, sympy.Rational) and exact_decimal(new)
    relation = "=" if exact else r"\approx"
    k = places_that_multiply_out(lambda g: point[p] - point[eta] * g, [gradient], new, decimals)
    return (r"\[" + name + r"_{\text{new}} = " + name + r" - \eta \frac{\partial " + loss_name + r"}{\partial "
            + name + "} " + ("=" if isinstance(gradient, sympy.Rational) else r"\approx") + " "
            + _display(point[p]) + r" - " + _display(point[eta]) + r" \cdot \left(" + rounded(gradient, k)
            + r"\right) " + relation + " " + rounded(new, decimals) + r"\]")
