"""A teacher's own problem: their text, their expression or network, their numbers.

In a definition, a ``[[problems]]`` table without a ``topic``::

    [[problems]]
    text = "A ball's height after $t$ seconds is $h(t)$ metres."   # optional
    expression = "(3t+1)^2"          # read by mathomong_sym.parsing
    name = "h"                       # optional: the function's name (f)
    variable = "t"                   # optional when the expression has one variable
    ask = ["derivative", "value at t=2"]
    values = { t = [1, 3] }          # numbers, or [low, high] ranges drawn per version
    points = [2, 1.5]                # optional: per part (halves allowed) or in all
    hints = ["Chain rule: name the inside.", ""]

or a network (``network = "neuron"``, ``"neuron 2"`` for two inputs, or
layer sizes ``"2-2-1"``; ``activation``, ``output_activation``, ``loss``)
with ``values`` for every input, parameter and target, and asks such as
``"derivative W"``, ``"value W"``, ``"value delta2_1"``, ``"step b with eta=0.1"``,
``"prediction"`` or ``"loss"``.

Each ask becomes one part.  The key comes from the engine exactly as for
the generators (``diff_steps`` or the network's derivation), every step is
verified, and the typical mistakes are built from the same derivation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import sympy

from ..derivation import expand_definitions
from ..errors import ConfigError, MathomongError
from ..naming import sym
from ..printing import to_latex
from .generators.common import (
    LABELS,
    activation_mistakes,
    diff_steps,
    dropped_factor_mistakes,
    equations_latex,
    evaluation,
    numbers_latex,
    numeric_part,
    sign_mistake,
    step_line,
    symbolic_part,
)
from .figures import network_figure
from .problem import Mistake, Problem, display_latex, math, say
from .randomness import Degenerate

if TYPE_CHECKING:
    from ..network import Network
    from .definition import _Where

__all__ = ["CUSTOM_KEYS", "CustomProblem", "Ask", "parse_custom"]

CUSTOM_KEYS = {"text", "expression", "name", "variable", "network", "activation", "output_activation", "loss",
               "values", "ask"}
_VERBS = ("derivative", "value", "step", "function", "prediction", "loss")
_ASK = re.compile(r"^(?P<verb>[a-z]+)(?:\s+(?:of\s+|wrt\s+)?(?P<target>[A-Za-z][A-Za-z0-9_]*))?"
                  r"(?:\s+with\s+(?P<with>[^,]+?))?(?:\s+at\s+(?P<at>.+?))?\s*$")
_ASSIGN = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(-?\d+(?:\.\d+)?(?:/\d+)?)\s*$")
_ETA = sym("eta")


@dataclass(frozen=True)
class Ask:
    """One part a teacher asks for: ``verb target at point with eta``."""

    verb: str
    target: sympy.Symbol | None
    at: tuple
    eta: sympy.Rational | None
    text: str


@dataclass(frozen=True)
class CustomProblem:
    text: str
    asks: tuple[Ask, ...]
    values: tuple  # (symbol, number or (low, high, places))
    expression: sympy.Expr | None = None
    name: str = "f"
    variable: sympy.Symbol | None = None
    net: Network | None = None

    def make(self, rng, difficulty: str) -> Problem:
        point = {s: _draw(rng, spec) for s, spec in self.values}
        if self.net is not None:
            return self._network_problem(self.net, point, difficulty)
        return self._expression_problem(point, difficulty)

    # -- a function of one or more variables ------------------------------------------

    def _expression_problem(self, point, difficulty) -> Problem:
        f, name = self.expression, self.name
        head = math(f"{name}({', '.join(to_latex(v) for v in _variables(f))}) = " + display_latex(f))
        statement = (self.text + f" ${head}$.") if self.text else say("Let {f}.", f=head)
        derivations: dict = {}
        parts = []
        for label, ask in zip(LABELS, self.asks):
            variable = ask.target or self.variable
            if variable not in derivations:
                derivations[variable] = diff_steps(f, variable)
            d = derivations[variable]
            here = {**point, **dict(ask.at)}
            slope = _slope_name(name, variable, f)
            if ask.verb == "derivative":
                parts.append(symbolic_part(label, say("Find {d}.", d=math(slope)), d,
                                           mistakes=_function_mistakes(f, variable, d)))
            elif ask.verb == "function":
                shown = math(f"{name}({_point_args(f, here)})")
                parts.append(numeric_part(label, say("Evaluate {d}.", d=shown),
                                          evaluation(shown, f, _complete(here, f, ask)), {}, allow_zero=True))
            elif ask.verb == "value":
                here = _complete(here, f, ask)
                mistakes = _function_mistakes(f, variable, d) + [
                    Mistake(f, f"That is the value of ${name}$, not its slope.")]
                parts.append(numeric_part(label, say("Evaluate {d} at {p}.", d=math(slope), p=math(_point_text(here))),
                                          d, here, mistakes=mistakes, allow_zero=True))
            else:  # step
                here = _complete({**here, _ETA: ask.eta}, f, ask)
                parts.append(_step_part(label, variable, d, here, "f"))
        return Problem("custom", statement, tuple(parts), points=0, difficulty=difficulty, function=f)

    # -- a network ------------------------------------------------------------------------

    def _network_problem(self, net: Network, point, difficulty) -> Problem:
        statement = (self.text + " " if self.text else say("A network computes")) + equations_latex(net)
        statement += say("Use ") + numbers_latex(point, [*net.inputs, *net.parameters, *net.targets]) + "."
        parts = []
        for label, ask in zip(LABELS, self.asks):
            if ask.verb in ("prediction", "loss"):
                name = net.predictions[0] if ask.verb == "prediction" else net.loss_symbol
                quantity = expand_definitions(name, net.definitions)
                shown = math(r"\hat{y}" if ask.verb == "prediction" else "L")
                parts.append(numeric_part(label, say("Evaluate {d}.", d=shown),
                                          evaluation(shown, quantity, point), {}, allow_zero=True, decimals=4))
                continue
            d = _network_derivation(net, ask.target)
            mistakes = dropped_factor_mistakes(d) + _activation_mistakes(d, net) + _sign_mistakes(d)
            lhs = d.lhs
            if ask.verb == "derivative":
                parts.append(symbolic_part(label, say("Find {d}.", d=lhs), d, answer=d.named_result,
                                           mistakes=mistakes))
            elif ask.verb == "value":
                parts.append(numeric_part(label, say("Evaluate {d}.", d=lhs), d, point, mistakes=mistakes,
                                          decimals=4))
            else:
                parts.append(_step_part(label, ask.target, d, {**point, _ETA: ask.eta}, "L", decimals=4))
        return Problem("custom", statement, tuple(parts), points=0, difficulty=difficulty,
                       figure=network_figure(net, point))


def _step_part(label, p, d, point, loss_name, decimals=3):
    mistakes = [
        Mistake(p + _ETA * d.result, "Gradient descent moves against the gradient: subtract the step."),
        Mistake(p - d.result, "Multiply the gradient by the learning rate $\\eta$ first."),
    ]
    return numeric_part(
        label, say("Find the new value of {p} after one gradient-descent step with {eta}.", p=p,
                   eta=math(r"\eta = " + display_latex(point[_ETA]))),
        d, point, update=(p, _ETA), mistakes=mistakes, allow_zero=True, decimals=decimals,
        extra=(step_line(p, d, point, decimals, loss_name),), quantity=to_latex(p) + r"_{\text{new}}")


def _network_derivation(net, target):
    if target.name.startswith("delta"):
        layer, unit = (int(k) for k in target.name[len("delta"):].split("_"))
        return net.delta(layer, unit)
    return net.derive(target)


def _activation_mistakes(d, net):
    activation = getattr(net, "activation", None)
    return activation_mistakes(d, activation) if activation is not None else []


def _sign_mistakes(d):
    return [sign_mistake(d)] if getattr(d, "factors", None) else []


def _function_mistakes(f, variable, d) -> list[Mistake]:
    """The chain rule's inner factor left out, when the function is an outer function of an inside."""
    inner = _inner(f, variable)
    if inner is None:
        return []
    slope = sympy.diff(inner, variable)
    if slope.is_number and slope == 1:
        return []
    return [Mistake(d.result / slope, "The inside $" + display_latex(inner)
                    + "$ changes too: multiply by its derivative (the chain rule).")]


def _inner(f, variable):
    if isinstance(f, sympy.Pow) and not f.base.is_Symbol and f.base.has(variable) and f.exp.is_number:
        return f.base
    if isinstance(f, sympy.Function) and len(f.args) == 1 and not f.args[0].is_Symbol and f.args[0].has(variable):
        return f.args[0]
    if isinstance(f, sympy.exp) and not f.args[0].is_Symbol:
        return f.args[0]
    return None


def _variables(f):
    return sorted(f.free_symbols, key=lambda s: s.name)


def _slope_name(name, variable, f) -> str:
    if len(f.free_symbols) > 1:
        return rf"\frac{{\partial {name}}}{{\partial {to_latex(variable)}}}"
    return f"{name}'({to_latex(variable)})"


def _point_text(point) -> str:
    return ", ".join(f"{to_latex(s)} = {display_latex(v)}" for s, v in sorted(point.items(), key=lambda kv: kv[0].name)
                     if s != _ETA)


def _point_args(f, point) -> str:
    return ", ".join(display_latex(point[v]) for v in _variables(f))


def _complete(point, f, ask):
    missing = [v.name for v in _variables(f) if v not in point]
    if missing:
        raise Degenerate(f"{ask.text!r}: no value for {', '.join(missing)}")  # caught at parse time
    return point


def _draw(rng, spec):
    if not isinstance(spec, tuple):
        return spec
    low, high, places = spec
    if places == 0:
        return rng.integer(int(low), int(high), nonzero=False)
    return rng.decimal(low, high, places=places, nonzero=False)


# ---------------------------------------------------------------------------
# reading the TOML table
# ---------------------------------------------------------------------------


def parse_custom(where: _Where, entry: dict, prefix: str, lang) -> CustomProblem:
    """Validate a teacher's problem table; every mistake names its field."""
    text = where.text(entry, "text", prefix=prefix)
    asks_raw = entry.get("ask")
    if not isinstance(asks_raw, list) or not asks_raw or not all(isinstance(a, str) for a in asks_raw):
        where.fail(prefix + "ask", 'must be a list of what to ask, such as ["derivative", "value at x=2"]')
    if len(asks_raw) > len(LABELS):
        where.fail(prefix + "ask", f"{len(asks_raw)} parts; a problem has at most {len(LABELS)}")
    if "expression" in entry and "network" in entry:
        where.fail(prefix + "network", "give an expression or a network, not both")
    if "expression" in entry:
        expression, variable, name = _read_expression(where, entry, prefix)
        symbols = {s.name: s for s in expression.free_symbols}
        net = None
    else:
        net = _read_network(where, entry, prefix)
        expression, variable, name = None, None, "L"
        symbols = {s.name: s for s in net.inputs + net.parameters + net.targets}
    values = _read_values(where, entry, prefix, symbols)
    asks = tuple(_read_ask(where, f"{prefix}ask[{i}]", a, symbols, net, variable) for i, a in enumerate(asks_raw))
    custom = CustomProblem(text=text, asks=asks, values=values, expression=expression, name=name,
                           variable=variable, net=net)
    _check_complete(where, prefix, custom, symbols)
    return custom


def _read_expression(where, entry, prefix):
    from ..parsing import parse_expression

    source = entry["expression"]
    if not isinstance(source, str) or not source.strip():
        where.fail(prefix + "expression", f"must be an expression such as \"(3x+1)^2\", not {source!r}")
    try:
        # as typed: (−3x)³ stays a cube of −3x for the chain rule, never −27x³; decimals become exact
        expression = _exact(parse_expression(source, keep_form=True))
    except MathomongError as exc:
        where.fail(prefix + "expression", f"cannot read {source!r}: {exc}")
    if not isinstance(expression, sympy.Expr) or not expression.free_symbols:
        where.fail(prefix + "expression", f"{source!r} has no variable to differentiate by")
    name = where.string(entry, "name", default="f", prefix=prefix)
    if not re.fullmatch(r"[A-Za-z]", name):
        where.fail(prefix + "name", f"{name!r} must be one letter, such as f or h")
    symbols = {s.name: s for s in expression.free_symbols}
    if "variable" in entry:
        variable_name = where.string(entry, "variable", prefix=prefix)
        if variable_name not in symbols:
            where.fail(prefix + "variable", f"{variable_name!r} is not in the expression "
                                            f"(its variables: {', '.join(sorted(symbols))})")
        variable = symbols[variable_name]
    elif len(symbols) == 1:
        variable = next(iter(symbols.values()))
    else:
        variable = None  # every ask must then name its variable
    return expression, variable, name


def _exact(expression):
    """*expression* with each decimal as the exact number it reads (0.5 → 1/2), its form kept."""
    floats = {f: sympy.Rational(str(f)) for f in expression.atoms(sympy.Float)} if hasattr(expression, "atoms") else {}
    if not floats:
        return expression
    with sympy.evaluate(False):
        return expression.xreplace(floats)


def _read_network(where, entry, prefix):
    from ..network import MLP, Neuron

    shape = entry["network"]
    if not isinstance(shape, str):
        where.fail(prefix + "network", f'must be "neuron", "neuron 3" or layer sizes such as "2-2-1", not {shape!r}')
    activation = where.string(entry, "activation", default="sigmoid", prefix=prefix)
    loss = where.string(entry, "loss", default="mse", prefix=prefix)
    try:
        match = re.fullmatch(r"neuron(?:\s+(\d+))?", shape.strip())
        if match:
            return Neuron(int(match.group(1) or 1), activation=activation, loss=loss)
        output = where.string(entry, "output_activation", default="sigmoid", prefix=prefix)
        return MLP(shape.strip(), activation=activation, output_activation=output, loss=loss)
    except MathomongError as exc:
        where.fail(prefix + "network", str(exc))


def _number(text: str) -> sympy.Rational:
    value = Fraction(text)
    return sympy.Rational(value.numerator, value.denominator)


def _places(value) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if isinstance(value, float) and "." in text else 0


def _read_values(where, entry, prefix, symbols) -> tuple:
    values = entry.get("values", {})
    if not isinstance(values, dict):
        where.fail(prefix + "values", "must be a table such as { x = 2, W = 0.5, b = [-1, 1] }")
    out = []
    for key in sorted(values):
        name = f"{prefix}values.{key}"
        if key not in symbols:
            where.fail(name, f"{key!r} is not a name of this problem (its names: {', '.join(sorted(symbols))})")
        value = values[key]
        if isinstance(value, bool):
            where.fail(name, f"must be a number or a range [low, high], not {value!r}")
        if isinstance(value, (int, float)):
            out.append((symbols[key], _number(repr(value))))
        elif (isinstance(value, list) and len(value) == 2
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
            low, high = value
            if low >= high:
                where.fail(name, f"the range [{low}, {high}] is empty: write [low, high]")
            places = max(_places(low), _places(high))
            if places > 3:
                where.fail(name, "a range draws numbers with at most 3 decimals")
            out.append((symbols[key], (low, high, places)))
        else:
            where.fail(name, f"must be a number or a range [low, high], not {value!r}")
    return tuple(out)


def _read_ask(where: _Where, name: str, text: str, symbols: dict, net: Network | None, variable) -> Ask:
    match = _ASK.match(text.strip())
    if not match or match.group("verb") not in _VERBS:
        where.fail(name, f"cannot read {text!r}; an ask starts with one of {', '.join(_VERBS)} "
                         '(e.g. "derivative", "value at x=2", "step W with eta=0.1")')
    verb, target_name = match.group("verb"), match.group("target")
    if net is None and verb in ("prediction", "loss"):
        where.fail(name, f"{verb!r} asks about a network; this problem has an expression")
    if net is not None and verb == "function":
        where.fail(name, "'function' asks for an expression's value; a network asks for its prediction or loss")
    target = None
    if target_name is not None:
        target = _target(where, name, target_name, symbols, net)
    elif verb in ("derivative", "value", "step"):
        if net is not None:
            where.fail(name, f"say which parameter: \"{verb} W\" ({', '.join(s.name for s in net.parameters)})")
        if variable is None:
            where.fail(name, f"the expression has several variables: say which, as \"{verb} "
                             f"{sorted(symbols)[0]}\"")
    at = []
    if match.group("at"):
        for piece in match.group("at").split(","):
            assign = _ASSIGN.match(piece)
            if not assign:
                where.fail(name, f"cannot read {piece.strip()!r}; write values as x=2 or x=0.5")
            if assign.group(1) not in symbols:
                where.fail(name, f"{assign.group(1)!r} is not a name of this problem")
            at.append((symbols[assign.group(1)], _number(assign.group(2))))
    eta = None
    if verb == "step":
        assign = _ASSIGN.match(match.group("with") or "")
        if not assign or assign.group(1) != "eta":
            where.fail(name, 'a step needs its learning rate: "step W with eta=0.1"')
        eta = _number(assign.group(2))
        if eta <= 0:
            where.fail(name, "the learning rate must be positive")
    elif match.group("with"):
        where.fail(name, "only a step takes 'with eta=…'")
    return Ask(verb, target, tuple(at), eta, text)


def _target(where, name, target_name, symbols, net):
    if net is not None:
        if target_name.startswith("delta"):
            found = re.fullmatch(r"delta(\d+)_(\d+)", target_name)
            layers = len(net.layers)
            if not found or not (1 <= int(found.group(1)) <= layers):
                where.fail(name, f"{target_name!r}: write a δ as delta<layer>_<unit>, such as delta{layers}_1")
            layer, unit = int(found.group(1)), int(found.group(2))
            if not 1 <= unit <= len(net.layers[layer - 1].biases):
                where.fail(name, f"{target_name!r}: layer {layer} has no unit {unit}")
            return sym(target_name)
        if target_name not in {p.name for p in net.parameters}:
            where.fail(name, f"{target_name!r} is not a parameter of the network "
                             f"({', '.join(p.name for p in net.parameters)})")
        return symbols[target_name]
    if target_name not in symbols:
        where.fail(name, f"{target_name!r} is not a variable of the expression ({', '.join(sorted(symbols))})")
    return symbols[target_name]


def _check_complete(where: _Where, prefix: str, custom: CustomProblem, symbols: dict) -> None:
    """Every numeric ask must have a number for every name, and the problem must build."""
    given = {s for s, _ in custom.values}
    for i, ask in enumerate(custom.asks):
        if ask.verb == "derivative":
            continue
        have = given | {s for s, _ in ask.at}
        # a network's problem needs every name of the network; an expression's, the expression's
        needed = set(symbols.values()) if custom.expression is None else set(custom.expression.free_symbols)
        missing = sorted(s.name for s in needed - have)
        if missing:
            where.fail(f"{prefix}ask[{i}]", f"{ask.text!r} needs a number for {', '.join(missing)}: "
                                            "add it to values or write \"at …\"")
    from .randomness import NiceRandom

    try:
        problem = custom.make(NiceRandom(0), "medium")
        for part in problem.parts:
            report = part.derivation.verify()
            if not report.ok:
                raise ConfigError(f"{where.source}: {prefix}expression: a step of the key does not verify")
    except Degenerate as exc:
        where.fail(prefix + "values", f"these numbers make a poor problem: {exc}")
    except (ArithmeticError, ValueError, TypeError) as exc:
        where.fail(prefix + "values", f"the problem cannot be worked at these numbers: {exc}")
