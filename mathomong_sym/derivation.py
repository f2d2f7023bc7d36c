r"""Derivations: steps that say why, and check themselves.

A :class:`Derivation` is the one object every layer of the package shares:
the explanation a learner reads, the answer key of a worksheet, the key the
checker compares with and the gradient the trainer compiles all come from it.

Each :class:`Step` states ``lhs = rhs`` with the rule that justifies it and,
as ``substeps``, the detail behind it: the parts it is built from, the
rule's formula applied, the algebra inside the rule (:func:`shown_at` says
which an explanation shows at each level of detail).  A step may use *named
intermediates* (z, ŷ, δ, u …): the derivation's ``definitions`` say what
each one stands for.

What an equality means
----------------------
``Derivative(A, v)`` in a step means the partial derivative of A with every
named intermediate expanded *down to* v and no further: ∂L/∂ŷ of
L = (ŷ − y)² is 2(ŷ − y); ∂L/∂z of the same L, with ŷ = σ(z), is
2(σ(z) − y)σ(z)(1 − σ(z)).  After the derivatives, every intermediate is
replaced by its definition, so both sides become expressions in the base
variables and can be compared.

Where a variable reaches A along several paths (a shared weight, a skip
connection), the chain rule adds one product per path, each with a *local*
factor: :class:`LocalDerivative` ``(A, v)`` is the partial derivative of A's
own definition in v, every other named intermediate in it held fixed
(∂z⁽²⁾/∂w = a⁽¹⁾ for z⁽²⁾ = w·a⁽¹⁾ + b, though a⁽¹⁾ depends on w too).

``verify()`` compares them symbolically when that is cheap ("proved") and
otherwise evaluates both sides with ~50-digit arithmetic at random points
("numeric").  A step that fails either way is reported as "failed".
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, AbstractSet, Any, Iterable, Mapping, Sequence

import sympy
from sympy import Derivative, Symbol

from .display import MAX_REPR, Summarised, Summary, clip
from .errors import VerificationError
from .parsing.values import as_expression, as_number

if TYPE_CHECKING:
    from .network import Network

__all__ = [
    "Words",
    "Step",
    "shown_at",
    "Factor",
    "Derivation",
    "StepCheck",
    "VerificationReport",
    "verify_all",
    "expand_definitions",
    "LocalDerivative",
    "meaning",
    "PROVED",
    "NUMERIC",
    "FAILED",
]

PROVED = "proved"
NUMERIC = "numeric"
FAILED = "failed"

# digits used for numeric verification, and the agreement it demands
_DIGITS = 50
_TOLERANCE = sympy.Float("1e-30", _DIGITS)
# beyond this many operations, symbolic comparison is skipped for numbers
_SYMBOLIC_OPS_LIMIT = 400
# beyond this many named intermediates to expand, a side is checked with numbers
_SYMBOLIC_REACH = 8


class _Tree:
    """A sympy node kept as built, for pickling: sympy rebuilds a product or sum evaluated, in its own order."""

    __slots__ = ("func", "args")

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return _Tree, (self.func, self.args)


_UNEVALUATED = (sympy.Add, sympy.Mul, sympy.Pow)


def _freeze(value):
    """*value* with every sympy expression in it replaced by a tree that rebuilds it exactly."""
    if isinstance(value, sympy.Basic):
        if not value.args or not isinstance(value.func, type) or value.is_Atom:
            return value
        return _Tree(value.func, tuple(_freeze(a) for a in value.args))
    if isinstance(value, Words):
        return value  # pickles through its own reducer
    if isinstance(value, dict):
        return {_freeze(k): _freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_freeze(v) for v in value]
    if type(value) is tuple:
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value):
    if isinstance(value, _Tree):
        args = [_thaw(a) for a in value.args]
        if issubclass(value.func, _UNEVALUATED):
            return value.func(*args, evaluate=False)
        return value.func(*args)
    if isinstance(value, dict):
        return {_thaw(k): _thaw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_thaw(v) for v in value]
    if type(value) is tuple:
        return tuple(_thaw(v) for v in value)
    return value


class _KeepsForm:
    """Pickles with every expression exactly as it was built (the teaching order of factors and terms)."""

    def __getstate__(self):
        return _freeze(dict(self.__dict__))

    def __setstate__(self, state):
        self.__dict__.update(_thaw(state))


def _words(*pieces):
    return Words(*_thaw(list(pieces)))


class Words(tuple):
    """Prose with math in it: words (``str``) and expressions (sympy), each printed in its own way.

    ``Words.of("only the term {t} of {z} contains {v}", t=W*x, z=z, v=W)``
    keeps the math apart from the words, so that LaTeX sets it as math and
    text prints it as Unicode; ``str(words)`` is the Unicode sentence, and
    ``"term" in words`` looks in that sentence.
    """

    def __new__(cls, *pieces):
        flat: list = []
        for piece in pieces:
            items = piece if isinstance(piece, Words) else (piece,)
            for item in items:
                if isinstance(item, str):
                    if not item:
                        continue
                    if flat and isinstance(flat[-1], str):
                        flat[-1] += item
                        continue
                elif not isinstance(item, sympy.Basic):
                    item = as_expression(item)
                flat.append(item)
        return super().__new__(cls, flat)

    @classmethod
    def of(cls, template: str, **values) -> "Words":
        """Words from a template whose ``{name}`` fields are expressions."""
        import string

        pieces: list = []
        for literal, name, _, _ in string.Formatter().parse(template):
            pieces.append(literal)
            if name is not None:
                value = values[name]
                pieces.append(value if isinstance(value, (str, Words)) else as_expression(value))
        return cls(*pieces)

    @classmethod
    def join(cls, items, separator: str = ", ") -> "Words":
        out: list = []
        for index, item in enumerate(items):
            if index:
                out.append(separator)
            out.append(item)
        return cls(*out)

    def __reduce__(self):
        # rebuilt from its pieces, not from one tuple (which would be read as one piece)
        return _words, tuple(_freeze(list(self)))

    def __add__(self, other):
        return Words(self, other)

    def __radd__(self, other):
        return Words(other, self)

    def __contains__(self, text) -> bool:
        return text in str(self)

    def __str__(self) -> str:
        from .printing import to_text

        def text(piece) -> str:
            if isinstance(piece, sympy.Equality):  # n = 2, not Eq(n, 2)
                return " = ".join(to_text(side) for side in piece.args)
            return to_text(piece)

        return "".join(p if isinstance(p, str) else text(p) for p in self)

    def __repr__(self) -> str:
        return f"Words({str(self)!r})"

    def startswith(self, prefix) -> bool:
        return str(self).startswith(prefix)

    @property
    def math(self) -> tuple:
        return tuple(p for p in self if not isinstance(p, str))


@dataclass(repr=False)
class Step(Summarised, _KeepsForm):
    """One line of a derivation: ``lhs = rhs``, by ``rule``, because ``reason``.

    ``substeps`` hold the detail behind the line; their ``kind`` says what
    each is:

    * ``"rule"``: a *part*, the line of a derivative this one is built from
      (the outer and inner derivative of a chain rule, each term of a sum);
    * ``"shape"``: the rule's formula with this line's pieces put in, still
      with the parts as derivatives (d/dx = d(u²)/du · du/dx), or, for a rule
      without parts, written out (2x^(2 − 1));
    * ``"assembled"``: the parts' results put into the shape, before tidying
      (2u · 1, before it becomes 2u);
    * ``"algebra"``: the algebra inside the rule (σ′ from σ = (1 + e^(−z))^(−1)).

    ``definitions`` are the named intermediates this step introduces
    (``u = x² + 1``).  ``reason`` is a ``str`` or :class:`Words`.  Top-level
    steps of a network derivation have kinds of their own ("chain",
    "factor:loss", "delta", "cite", "product", "fused").
    """

    lhs: sympy.Expr
    rhs: sympy.Expr
    rule: str
    reason: "str | Words" = ""
    substeps: list["Step"] = field(default_factory=list)
    definitions: dict = field(default_factory=dict)
    kind: str = ""
    formula: str = ""  # the rule's general formula, in LaTeX, when it helps
    formula_text: str = ""  # the same formula in Unicode text
    note: "str | Words" = ""  # what the result means, in plain words (2(ŷ − y) is large when ŷ is far from y)

    def walk(self, depth: int = 0):
        """This step and all its sub-steps, depth first, with their depth."""
        yield self, depth
        for sub in self.substeps:
            yield from sub.walk(depth + 1)

    def _summary(self) -> Summary:
        from .printing import to_text

        line = f"{to_text(self.lhs)} = {to_text(self.rhs)}"
        facts = [("line", line), ("rule", self.rule)]
        if self.reason:
            facts.append(("because", str(self.reason)))
        if self.substeps:
            facts.append(("sub-steps", str(len(self.substeps))))
        more = f", {len(self.substeps)} sub-step(s)" if self.substeps else ""
        return Summary(f"{clip(line, 120)} ({self.rule}{more})", tuple(facts))


@dataclass(frozen=True, repr=False)
class Factor(Summarised, _KeepsForm):
    """A named factor of a chain: ``lhs`` (∂A/∂B) has value ``value``.

    ``kind`` is one of "loss" (∂L/∂ŷ), "activation" (∂a/∂z), "linear"
    (∂z/∂p or ∂z/∂a) or "delta" (δ = ∂L/∂z, itself a product of factors).
    """

    lhs: sympy.Expr
    value: sympy.Expr
    kind: str

    def _summary(self) -> Summary:
        from .printing import to_text

        line = f"{to_text(self.lhs)} = {to_text(self.value)}"
        return Summary(f"{line} ({self.kind})", (("factor", line), ("kind", self.kind)))


@dataclass(frozen=True, repr=False)
class StepCheck(Summarised):
    step: Step
    outcome: str  # PROVED, NUMERIC or FAILED
    detail: str = ""

    def _summary(self) -> Summary:
        from .printing import to_text

        line = f"{to_text(self.step.lhs)} = {to_text(self.step.rhs)}"
        facts = (("step", line), ("rule", self.step.rule), ("outcome", self.outcome), ("detail", self.detail))
        return Summary(f"{self.outcome}: {clip(line, 120)} ({self.step.rule})", facts)


@dataclass(frozen=True, repr=False)
class VerificationReport(Summarised):
    """The outcome of :meth:`Derivation.verify`, one check per step."""

    checks: tuple[StepCheck, ...]

    @property
    def outcome(self) -> str:
        outcomes = {c.outcome for c in self.checks}
        if FAILED in outcomes:
            return FAILED
        if NUMERIC in outcomes:
            return NUMERIC
        return PROVED

    @property
    def ok(self) -> bool:
        return self.outcome != FAILED

    @property
    def failures(self) -> list[StepCheck]:
        return [c for c in self.checks if c.outcome == FAILED]

    def counts(self) -> dict[str, int]:
        counts = {PROVED: 0, NUMERIC: 0, FAILED: 0}
        for check in self.checks:
            counts[check.outcome] += 1
        return counts

    def raise_if_failed(self) -> "VerificationReport":
        if not self.ok:
            from .printing import to_text

            first = self.failures[0]
            raise VerificationError(
                f"step {to_text(first.step.lhs)} = {to_text(first.step.rhs)} "
                f"({first.step.rule}) does not hold: {first.detail}"
            )
        return self

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        counts = self.counts()
        return (f"{self.outcome}: {counts[PROVED]} proved, {counts[NUMERIC]} checked numerically, "
                f"{counts[FAILED]} failed")

    def _summary(self) -> Summary:
        from .printing import to_text

        counts = self.counts()
        facts = [("outcome", self.outcome), ("steps checked", str(len(self.checks))),
                 ("proved", str(counts[PROVED])), ("checked numerically", str(counts[NUMERIC])),
                 ("failed", str(counts[FAILED]))]
        for check in self.failures[:3]:
            facts.append(("failed step", f"{to_text(check.step.lhs)} = {to_text(check.step.rhs)} "
                                         f"({check.step.rule}): {check.detail}"))
        return Summary(str(self), tuple(facts))


# ---------------------------------------------------------------------------
# meaning of an expression with named intermediates
# ---------------------------------------------------------------------------

def expand_definitions(expr, definitions: Mapping, stop: Iterable = ()) -> sympy.Expr:
    """Replace named intermediates by their definitions, except those in *stop*.

    Definitions may refer to other intermediates; they are expanded until only
    base variables (and the *stop* symbols) remain.
    """
    stop = set(stop)
    active = {k: v for k, v in definitions.items() if k not in stop}
    if not active:
        return expr
    cache: dict = {}

    def resolve(symbol):
        if symbol not in cache:
            cache[symbol] = expand(active[symbol])
        return cache[symbol]

    def expand(e):
        if not isinstance(e, sympy.Basic):
            return e
        present = [s for s in _free_symbols(e) if s in active]
        if not present:
            return e
        return e.xreplace({s: resolve(s) for s in present})

    return expand(expr)


class LocalDerivative(Derivative):
    """∂A/∂v with every named intermediate of A's definition other than v held fixed.

    It prints as a ``Derivative``; it differs in meaning only where v also
    reaches A through another intermediate, and there it is the local factor
    of one path of the chain rule.  Text given to it is read by the
    package's reader, never run as code.
    """

    def __new__(cls, expr, *variables, **options):
        def read(value):
            if isinstance(value, tuple):  # (v, n)
                return tuple(read(v) for v in value)
            return value if isinstance(value, (sympy.Basic, int)) else as_expression(value)

        return super().__new__(cls, read(expr), *[read(v) for v in variables], **options)


def _differentiated_inner(d, definitions: Mapping, stop) -> sympy.Expr:
    """What *d* differentiates: A expanded down to its variables, or for a local factor A's own definition."""
    if isinstance(d, LocalDerivative):
        variables = [v for v, _ in d.variable_count]
        if isinstance(d.expr, Symbol) and d.expr not in variables:
            return definitions.get(d.expr, d.expr)
        return d.expr
    return expand_definitions(d.expr, definitions, stop=stop)


#: (expression, variable counts) → its derivative: a verification asks for the same ones many times
_DERIVATIVES: dict = {}


def _diff(expr, variable_count) -> sympy.Expr:
    """``sympy.diff(expr, *variable_count)``, remembered."""
    key = (expr, tuple(variable_count))
    known = _DERIVATIVES.get(key)
    if known is None:
        known = sympy.diff(expr, *key[1])
        if len(_DERIVATIVES) > 20_000:
            _DERIVATIVES.clear()
        _DERIVATIVES[key] = known
    return known


def meaning(expr, definitions: Mapping) -> sympy.Expr:
    """*expr* in base variables: derivatives taken, intermediates expanded."""
    expr = as_expression(expr)
    derivatives = sorted(expr.atoms(Derivative), key=sympy.count_ops)
    if derivatives:
        replacements = {}
        for d in derivatives:
            variables = [v for v, _ in d.variable_count]
            inner = _differentiated_inner(d, definitions, variables)
            inner = meaning(inner, definitions) if inner.has(Derivative) else inner
            replacements[d] = _diff(inner, d.variable_count)
        expr = expr.xreplace(replacements)
    return expand_definitions(expr, definitions)


def _numeric_meaning(expr, definitions: Mapping, point: Mapping) -> sympy.Expr:
    """Value of *expr* at *point* (base variables → numbers), derivatives included.

    Differentiates only after the other variables are numbers, so that the
    expressions stay small however large the network is.
    """
    expr = as_expression(expr)
    replacements = {}
    for d in expr.atoms(Derivative):
        variables = [v for v, _ in d.variable_count]
        inner = _differentiated_inner(d, definitions, variables)
        if inner.has(Derivative):
            inner = meaning(inner, definitions)
        fixed = {s: point[s] for s in inner.free_symbols if s in point and s not in variables}
        univariate = inner.xreplace(fixed)
        derivative = sympy.diff(univariate, *[(v, n) for v, n in d.variable_count])
        at_point = {}
        for v in variables:
            at_point[v] = _value_of(v, definitions, point)
        replacements[d] = derivative.xreplace(at_point)
    expr = expr.xreplace(replacements)
    expr = expand_definitions(expr, definitions)
    return expr.xreplace({s: point[s] for s in expr.free_symbols if s in point}).evalf(_DIGITS)


def _value_of(symbol, definitions, point):
    if symbol in point:
        return point[symbol]
    return expand_definitions(symbol, definitions).xreplace(point).evalf(_DIGITS)


#: expression → its free symbols: the tables of a graph are rebuilt for every scope of a verification
_FREE_SYMBOLS: dict = {}


def _free_symbols(expr) -> frozenset:
    """``expr.free_symbols``, remembered (expressions never change)."""
    known = _FREE_SYMBOLS.get(expr)
    if known is None:
        known = frozenset(expr.free_symbols)
        if len(_FREE_SYMBOLS) > 100_000:
            _FREE_SYMBOLS.clear()
        _FREE_SYMBOLS[expr] = known
    return known


class _GraphEvaluator:
    """Numbers for named intermediates and their partial derivatives, fast.

    Each definition is compiled once to an mpmath function of its own
    arguments; a value is computed by walking the definitions, and ∂A/∂v by
    differentiating that walk numerically in v (mpmath, ~50 digits).  This
    never builds the expanded expression, so it stays fast for big networks.
    """

    def __init__(self, definitions: Mapping):
        self.definitions = definitions
        self._compiled: dict = {}

    def _function(self, symbol):
        expr = self.definitions[symbol]
        cached = self._compiled.get(symbol)
        if cached is None or cached[0] is not expr:
            self._compile_pending()
            cached = self._compiled[symbol]
        return cached[1], cached[2]

    def base_symbols(self) -> set:
        """The symbols the definitions use without defining them (inputs, parameters …)."""
        if getattr(self, "_base_size", None) != len(self.definitions):
            used: set = set()
            for expr in self.definitions.values():
                used |= _free_symbols(expr)
            self._base, self._base_size = used - set(self.definitions), len(self.definitions)
        return self._base

    def _compile_pending(self) -> None:
        """Compile every definition not compiled yet, in one go (lambdify per symbol is slow)."""
        from sympy.printing.pycode import MpmathPrinter

        pending = []
        for symbol, expr in self.definitions.items():
            if symbol in self._compiled and self._compiled[symbol][0] is expr:
                continue
            known = _COMPILED.get((symbol, expr))
            if known is not None:
                self._compiled[symbol] = (expr, *known)
            else:
                pending.append((symbol, expr))
        if not pending:
            return
        printer = MpmathPrinter({"fully_qualified_modules": False, "allow_unknown_functions": True})
        lines, arguments_of = [], {}
        for index, (_symbol, expr) in enumerate(pending):
            arguments = sorted(_free_symbols(expr), key=lambda s: s.name)
            names = {a: sympy.Symbol(f"_a{i}") for i, a in enumerate(arguments)}
            body = _mpmath_code(expr, {a: n.name for a, n in names.items()}, printer)
            lines.append(f"def _f{index}({', '.join(n.name for n in names.values())}):\n    return {body}\n")
            arguments_of[index] = arguments
        namespace = {**_mpmath_namespace()}
        exec(compile("\n".join(lines), "<definitions>", "exec"), namespace)  # printed by sympy, not user text
        for index, (symbol, expr) in enumerate(pending):
            self._compiled[symbol] = (expr, arguments_of[index], namespace[f"_f{index}"])
            if len(_COMPILED) > 100_000:
                _COMPILED.clear()
            _COMPILED[(symbol, expr)] = (arguments_of[index], namespace[f"_f{index}"])

    def value(self, symbol, point: Mapping, memo: dict, override: Mapping = {},
              moving: AbstractSet = frozenset(), scratch: dict | None = None):
        """The value of *symbol*; what is in *moving* is computed afresh into *scratch*."""
        if symbol in override:
            return override[symbol]
        if symbol not in moving:
            store = memo
        elif scratch is None:
            raise TypeError("values computed afresh need a scratch table")
        else:
            store = scratch
        if symbol in store:
            return store[symbol]
        if symbol not in self.definitions:
            value = point[symbol]
            if isinstance(value, sympy.Basic):  # a 50-digit point: mpmath numbers from here on
                value = _as_mpmath(value)
        else:
            arguments, function = self._function(symbol)
            value = function(*[self.value(a, point, memo, override, moving, scratch) for a in arguments])
        store[symbol] = value
        return value

    def derivative(self, d: Derivative, point: Mapping, memo: dict):
        import mpmath

        (variable, order), = d.variable_count
        inner = d.expr
        if isinstance(d, LocalDerivative):
            return self._local_derivative(inner, variable, order, point, memo)
        if not isinstance(inner, Symbol):
            symbol = sympy.Dummy("inner")
            evaluator = _GraphEvaluator({**self.definitions, symbol: inner})
            evaluator._compiled = dict(self._compiled)  # the network's definitions are compiled already
            return evaluator.derivative(Derivative(symbol, (variable, order)), point, {})
        at = self.value(variable, point, memo)
        downstream = self._downstream(variable)
        # values that do not move with the variable are computed once
        moving = downstream | {variable}

        def g(t):
            # only what moves with the variable is recomputed; the rest comes from the memo
            return self.value(inner, point, memo, {variable: t}, moving, {})

        return mpmath.diff(g, at, order)

    def _local_derivative(self, inner, variable, order: int, point: Mapping, memo: dict):
        """∂inner/∂variable through inner's own definition only, its other arguments at their values."""
        import mpmath

        if inner == variable:
            return mpmath.mpf(1 if order == 1 else 0)
        if not isinstance(inner, Symbol) or inner not in self.definitions:
            symbol = sympy.Dummy("inner")
            evaluator = _GraphEvaluator({**self.definitions, symbol: inner})
            evaluator._compiled = dict(self._compiled)
            return evaluator._local_derivative(symbol, variable, order, point, memo)
        arguments, function = self._function(inner)
        values = [None if a == variable else self.value(a, point, memo) for a in arguments]
        if variable not in arguments:
            return mpmath.mpf(0)
        at = self.value(variable, point, memo)
        where = arguments.index(variable)

        def g(t):
            values[where] = t
            return function(*values)

        return mpmath.diff(g, at, order)

    def users(self) -> dict:
        """symbol → the intermediates whose definitions use it directly."""
        if getattr(self, "_users_size", None) != len(self.definitions):
            users: dict = {}
            for symbol, expr in self.definitions.items():
                for argument in _free_symbols(expr):
                    users.setdefault(argument, []).append(symbol)
            self._users, self._users_size = users, len(self.definitions)
            self._downstream_cache: dict = {}
        return self._users

    def _downstream(self, variable) -> set:
        """Every intermediate whose definition depends on *variable*, directly or not."""
        users = self.users()
        if variable in self._downstream_cache:
            return self._downstream_cache[variable]
        found: set = set()
        pending = [variable]
        while pending:
            for user in users.get(pending.pop(), ()):
                if user not in found:
                    found.add(user)
                    pending.append(user)
        self._downstream_cache[variable] = found
        return found

    def evaluate(self, expr, point: Mapping, memo: dict | None = None):
        """*expr* (symbols, intermediates and Derivatives) as an mpmath number, to ~60 digits.

        *expr* is compiled once to an mpmath function of its Derivatives and
        symbols, so that no sympy arithmetic is done on the numbers.
        """
        import mpmath

        memo = {} if memo is None else memo
        with mpmath.workdps(_DIGITS + 10):
            atoms, function = _compiled_expression(expr)
            values = []
            for atom in atoms:
                if isinstance(atom, Derivative):
                    # the same ∂L/∂z recurs in many steps: value it once per point
                    if atom not in memo:
                        memo[atom] = self.derivative(atom, point, memo)
                    values.append(memo[atom])
                else:
                    values.append(self.value(atom, point, memo))
            return function(*values)


def _as_mpmath(value):
    """A sympy number as an mpmath one (mpc when it has an imaginary part); TypeError for anything else."""
    import mpmath

    if isinstance(value, sympy.Float):
        return mpmath.mpf(value._mpf_)
    number = sympy.N(value, _DIGITS + 10)
    if not number.is_number:
        raise TypeError(f"not a number: {value}")
    real, imaginary = (sympy.Float(part, _DIGITS + 10) for part in number.as_real_imag())
    if imaginary.is_zero:
        return mpmath.mpf(real._mpf_)
    return mpmath.mpc(mpmath.mpf(real._mpf_), mpmath.mpf(imaginary._mpf_))


#: expression → (its Derivatives and symbols, an mpmath function of them)
_COMPILED_EXPRESSIONS: dict = {}


def _compiled_expression(expr):
    """*expr* as an mpmath function of its Derivatives and free symbols (in that order), cached."""
    cached = _COMPILED_EXPRESSIONS.get(expr)
    if cached is not None:
        return cached
    from sympy.printing.pycode import MpmathPrinter

    derivatives = sorted(expr.atoms(Derivative), key=sympy.default_sort_key)
    stand_ins = {d: sympy.Dummy(f"d{i}") for i, d in enumerate(derivatives)}
    body = expr.xreplace(stand_ins) if stand_ins else expr
    symbols = sorted(body.free_symbols - set(stand_ins.values()), key=lambda s: s.name)
    atoms = [*derivatives, *symbols]
    arguments = [*stand_ins.values(), *symbols]
    names = {a: f"_a{i}" for i, a in enumerate(arguments)}
    printer = MpmathPrinter({"fully_qualified_modules": False, "allow_unknown_functions": True})
    source = f"def _f({', '.join(names.values())}):\n    return {_mpmath_code(body, names, printer)}\n"
    namespace = {**_mpmath_namespace()}
    exec(compile(source, "<step>", "exec"), namespace)  # printed by sympy, not user text
    if len(_COMPILED_EXPRESSIONS) > 20_000:
        _COMPILED_EXPRESSIONS.clear()
    _COMPILED_EXPRESSIONS[expr] = (atoms, namespace["_f"])
    return atoms, namespace["_f"]


#: (symbol, definition) → (arguments, mpmath function), shared by every evaluator
_COMPILED: dict = {}


def _heaviside(z, h0=0):
    import mpmath

    return mpmath.mpf(1) if z > 0 else (mpmath.mpf(0) if z < 0 else mpmath.mpf(h0))


class _FastPrinter:
    """What a package function's ``_mpmathcode`` hook needs of a printer, printing its arguments the fast way."""

    def __init__(self, names: Mapping, printer):
        self._names, self._printer = names, printer

    def _print(self, expr, **kwargs):
        return _mpmath_code(expr, self._names, self._printer)

    def __getattr__(self, name):
        return getattr(self._printer, name)


def _mpmath_code(expr, names: Mapping, printer) -> str:
    """mpmath source for *expr*: the shapes of network equations written directly.

    sympy's printer costs about a millisecond an equation, which a network
    with dozens of equations pays before its first check; anything unusual
    still goes through it.
    """
    if expr in names:
        return names[expr]
    if expr.is_Integer:
        return f"mpf({int(expr)})"
    if expr.is_Rational:
        return f"(mpf({expr.p})/{expr.q})"
    if expr.is_Add:
        return "(" + " + ".join(_mpmath_code(a, names, printer) for a in expr.args) + ")"
    if expr.is_Mul:
        return "(" + "*".join(_mpmath_code(a, names, printer) for a in expr.args) + ")"
    if expr.is_Pow and expr.exp.is_Integer:
        return f"({_mpmath_code(expr.base, names, printer)})**{int(expr.exp)}"
    if isinstance(expr, sympy.Function) and hasattr(expr, "_mpmathcode"):
        # the package's functions print themselves, as they do for lambdify(…, "mpmath")
        return expr._mpmathcode(_FastPrinter(names, printer))
    if isinstance(expr, sympy.Function) and type(expr).__name__ in _DIRECT_FUNCTIONS:
        return f"{type(expr).__name__}({', '.join(_mpmath_code(a, names, printer) for a in expr.args)})"
    return printer.doprint(expr.xreplace({s: sympy.Symbol(n) for s, n in names.items() if s in expr.free_symbols}))


#: functions whose sympy name is also the mpmath (or package) name
_DIRECT_FUNCTIONS = {"exp", "log", "tanh", "sin", "cos", "tan", "sinh", "cosh", "sqrt"}


@functools.lru_cache(maxsize=1)
def _mpmath_namespace() -> dict:
    """mpmath's names, for compiled code (copy it before exec adds to it)."""
    import mpmath

    namespace = {name: getattr(mpmath, name) for name in dir(mpmath) if not name.startswith("_")}
    namespace["mpmath"] = mpmath
    namespace["Heaviside"] = _heaviside
    return namespace


_EVALUATORS: dict = {}


def _evaluator(definitions: Mapping) -> _GraphEvaluator:
    key = id(definitions)
    cached = _EVALUATORS.get(key)
    if cached is None or cached.definitions is not definitions:
        cached = _GraphEvaluator(definitions)
        if len(_EVALUATORS) > 64:
            _EVALUATORS.clear()
        _EVALUATORS[key] = cached
    return cached


def _reach(expr, definitions: Mapping, stop=(), limit: int = 10**9) -> int:
    """How many definitions expanding *expr* would pull in (stopping early past *limit*)."""
    seen: set = set()
    pending = [s for s in _free_symbols(expr) if s in definitions and s not in stop]
    while pending and len(seen) <= limit:
        symbol = pending.pop()
        if symbol in seen:
            continue
        seen.add(symbol)
        pending.extend(s for s in _free_symbols(definitions[symbol]) if s in definitions and s not in stop)
    return len(seen)


def _symbolic_is_cheap(expr, definitions: Mapping) -> bool:
    for d in expr.atoms(Derivative):
        inner = _differentiated_inner(d, definitions, ()) if isinstance(d, LocalDerivative) else d.expr
        if _reach(inner, definitions, stop=[v for v, _ in d.variable_count], limit=_SYMBOLIC_REACH) > _SYMBOLIC_REACH:
            return False
    return _reach(expr, definitions, limit=_SYMBOLIC_REACH) <= _SYMBOLIC_REACH


def _random_point(symbols, rng: random.Random, *, numbers: str = "sympy") -> dict:
    """Values in ±[0.25, 2] with six decimals, away from 0 and ±1 where
    coincidences (x² = x, kinks at 0) could hide a wrong step.

    *numbers* is "sympy" (50-digit Floats) or "mpmath" (for the graph walk,
    which computes in mpmath and need not convert).
    """
    import mpmath

    point = {}
    for s in sorted(symbols, key=lambda s: s.name):
        sign = -1 if rng.choice("+-") == "-" else 1
        millionths = sign * (rng.randint(250, 1999) * 1000 + rng.randint(1, 997))
        if numbers == "mpmath":
            with mpmath.workdps(_DIGITS + 10):
                point[s] = mpmath.mpf(millionths) / 10**6
        else:
            point[s] = sympy.Float(sympy.Rational(millionths, 10**6), _DIGITS)
    return point


class _SharedPoints:
    """The random points of one verification, and what is known at each.

    Every step of a derivation is checked at the same points, so the forward
    values of the network are computed once per point, not once per step.
    """

    def __init__(self, seed: int, count: int):
        self.rng = random.Random(seed)
        self.count = count
        self.points: list[dict] = []
        self.memos: list[dict] = []

    def extend_to(self, symbols: set) -> None:
        missing = [s for s in symbols if not self.points or s not in self.points[0]]
        if not self.points:
            # one spare, for a point outside a step's domain
            for _ in range(self.count + 1):
                self.points.append({})
                self.memos.append({})
        if missing:
            for point, memo in zip(self.points, self.memos):
                point.update(_random_point(missing, self.rng, numbers="mpmath"))
                memo.clear()


def _finite(value) -> bool:
    """A number, neither nan nor infinite (mpmath)."""
    import mpmath

    try:
        return bool(mpmath.isfinite(value))
    except TypeError:
        return False


def _close_mpmath(a, b) -> bool:
    """:func:`_close` for mpmath numbers (both finite), at the working precision they carry."""
    import mpmath

    with mpmath.workdps(_DIGITS + 10):
        scale = max(mpmath.mpf(1), abs(a), abs(b))
        return bool(abs(a - b) <= mpmath.mpf(_TOLERANCE._mpf_) * scale)


def _close(a, b) -> bool:
    """Do two sympy numbers agree to :data:`_TOLERANCE` (relative to their size, at least 1)?"""
    try:
        a, b = sympy.N(a, _DIGITS), sympy.N(b, _DIGITS)
        if a.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo) or b.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
            return False
        return _close_mpmath(_as_mpmath(a), _as_mpmath(b))
    except (TypeError, ValueError):
        return False


def _base_symbols(expr, definitions) -> set:
    full = meaning(expr, definitions) if expr.has(Derivative) else expand_definitions(expr, definitions)
    return {s for s in full.free_symbols}


def _expand_towards(expr, definitions: Mapping, variables, budget: int = 2) -> sympy.Expr | None:
    """*expr* with the intermediates that depend on *variables* expanded, the rest kept.

    None when that would pull in more than a few definitions.
    """
    evaluator = _evaluator(definitions)
    moving: set = set()
    for variable in variables:
        moving |= evaluator._downstream(variable)
    remaining = [budget]

    def expand(e):
        targets = [s for s in e.free_symbols if s in moving]
        if not targets:
            return e
        remaining[0] -= len(targets)
        if remaining[0] < 0:
            raise OverflowError
        return e.xreplace({t: expand(definitions[t]) for t in targets})

    try:
        return expand(expr)
    except OverflowError:
        return None


def _shallow_meaning(expr, definitions: Mapping) -> sympy.Expr | None:
    """Derivatives taken with only what depends on their variable expanded."""
    replacements = {}
    for d in expr.atoms(Derivative):
        variables = [v for v, _ in d.variable_count]
        inner = _differentiated_inner(d, definitions, variables) if isinstance(d, LocalDerivative) \
            else _expand_towards(d.expr, definitions, variables)
        if inner is None or inner.has(Derivative):
            return None
        replacements[d] = _diff(inner, d.variable_count)
    expr = expr.xreplace(replacements)
    # the names a rule made up on the way (u = ŷ − y) are not letters of the network
    local = {k: v for k, v in definitions.items() if isinstance(k, sympy.Dummy)}
    return expand_definitions(expr, local) if local else expr


#: beyond this many paths from a variable to what is differentiated, the chain rule is checked with numbers
_PATHS_LIMIT = 256


def _by_the_chain_rule(lhs, rhs, definitions: Mapping) -> bool:
    """Is ``lhs = rhs`` the chain rule over the definitions' graph?

    Both sides must be made of derivatives of named quantities (∂L/∂z⁽²⁾₁ =
    ∂L/∂z⁽³⁾₁·∂z⁽³⁾₁/∂a⁽²⁾₁·∂a⁽²⁾₁/∂z⁽²⁾₁) and numbers.  Each derivative
    ∂A/∂v is the sum, over the paths from v to A through the definitions, of
    the product of the local partial derivatives along the path, one opaque
    letter per edge; the step holds if both sides are then the same
    polynomial in those letters (computed exactly, with whole-number and
    fraction coefficients).  No derivative is computed, so no rule of any
    function is trusted: what a local partial equals is checked by the steps
    that say it.
    """
    if not isinstance(lhs, Derivative) or not rhs.has(Derivative):
        return False
    atoms = lhs.atoms(Derivative) | rhs.atoms(Derivative)
    for d in atoms:
        if len(d.variable_count) != 1 or d.variable_count[0][1] != 1 or not isinstance(d.expr, Symbol) \
                or not isinstance(d.variable_count[0][0], Symbol):
            return False
        if isinstance(d, LocalDerivative) and d.expr not in definitions:
            return False
    evaluator = _evaluator(definitions)
    try:
        chain = _PathPolynomials(evaluator, definitions)
        return chain.of(lhs) == chain.of(rhs)
    except _NotAChain:
        return False


class _NotAChain(Exception):
    """A side is not made of derivatives of named quantities and numbers alone."""


class _PathPolynomials:
    """Derivatives as sums over paths of products of edge letters: {monomial: coefficient}.

    A monomial is the sorted tuple of the edges (user, argument) it
    multiplies; a coefficient is a Fraction.
    """

    def __init__(self, evaluator: "_GraphEvaluator", definitions: Mapping):
        self.evaluator, self.definitions = evaluator, definitions
        self.sums: dict = {}
        self.edge_ids: dict = {}

    def of(self, expr) -> dict:
        from fractions import Fraction

        if isinstance(expr, LocalDerivative):
            (variable, _), = expr.variable_count
            if variable not in _free_symbols(self.definitions[expr.expr]):
                return {}
            return {(self._edge(expr.expr, variable),): Fraction(1)}
        if isinstance(expr, Derivative):
            (variable, _), = expr.variable_count
            if self._paths(expr.expr, variable) > _PATHS_LIMIT:
                raise _NotAChain
            return self._path_sum(expr.expr, variable)
        if expr.is_Rational:
            return {(): Fraction(int(expr.p), int(expr.q))} if expr != 0 else {}
        if expr.is_Add:
            total: dict = {}
            for term in expr.args:
                total = _add_polynomials(total, self.of(term))
            return total
        if expr.is_Mul:
            product: dict = {(): Fraction(1)}
            for factor in expr.args:
                product = _multiply_polynomials(product, self.of(factor))
            return product
        if expr.is_Pow and expr.exp.is_Integer and 0 <= expr.exp <= 8:
            base, power = self.of(expr.base), {(): Fraction(1)}
            for _ in range(int(expr.exp)):
                power = _multiply_polynomials(power, base)
            return power
        raise _NotAChain

    def _edge(self, user, argument) -> int:
        return self.edge_ids.setdefault((user, argument), len(self.edge_ids))

    def _leads_to(self, node, top) -> bool:
        return node == top or top in self.evaluator._downstream(node)

    def _paths(self, top, variable) -> int:
        """How many paths lead from *variable* to *top* (counting stops just past the limit)."""
        users, counts = self.evaluator.users(), {}

        def count(node):
            if node == top:
                return 1
            if node not in counts:
                total = 0
                for user in users.get(node, ()):
                    if self._leads_to(user, top):
                        total += count(user)
                        if total > _PATHS_LIMIT:
                            break
                counts[node] = total
            return counts[node]

        return count(variable)

    def _path_sum(self, top, variable) -> dict:
        from fractions import Fraction

        if top == variable:
            return {(): Fraction(1)}
        key = (top, variable)
        if key not in self.sums:
            total: dict = {}
            for user in self.evaluator.users().get(variable, ()):
                if self._leads_to(user, top):
                    if self.definitions[user].has(Derivative):
                        raise _NotAChain  # a definition that is itself a derivative: not a plain function
                    total = _add_polynomials(total, _multiply_polynomials(
                        self._path_sum(top, user), {(self._edge(user, variable),): Fraction(1)}))
            self.sums[key] = total
        return self.sums[key]


def _add_polynomials(p: dict, q: dict) -> dict:
    total = dict(p)
    for monomial, coefficient in q.items():
        value = total.get(monomial, 0) + coefficient
        if value:
            total[monomial] = value
        else:
            total.pop(monomial, None)
    return total


def _multiply_polynomials(p: dict, q: dict) -> dict:
    product: dict = {}
    for m1, c1 in p.items():
        for m2, c2 in q.items():
            monomial = tuple(sorted(m1 + m2))
            value = product.get(monomial, 0) + c1 * c2
            if value:
                product[monomial] = value
            else:
                product.pop(monomial, None)
    return product


def check_equality(lhs, rhs, definitions: Mapping, *, points: int = 3, seed: int = 0,
                   shared: _SharedPoints | None = None) -> tuple[str, str]:
    """Is ``lhs = rhs`` under *definitions*?  Returns (outcome, detail)."""
    own_check = getattr(definitions, "check_equality", None)
    if own_check is not None:  # a large network's table checks with layer arithmetic
        return own_check(lhs, rhs, points=points, seed=seed)
    lhs, rhs = as_expression(lhs), as_expression(rhs)
    if lhs == rhs:
        return PROVED, "identical"
    if _by_the_chain_rule(lhs, rhs, definitions):
        return PROVED, "the chain rule: both sides sum the same paths through the definitions"
    # equal with the other intermediates as independent letters → equal, full stop
    shallow_lhs, shallow_rhs = _shallow_meaning(lhs, definitions), _shallow_meaning(rhs, definitions)
    variables = {v for side in (lhs, rhs) for d in side.atoms(Derivative) for v, _ in d.variable_count}
    if shallow_lhs is not None and shallow_rhs is not None and variables:
        # what moves with the variables must be spelled out on both sides alike
        shallow_lhs = _expand_towards(shallow_lhs, definitions, variables, budget=4)
        shallow_rhs = _expand_towards(shallow_rhs, definitions, variables, budget=4) \
            if shallow_lhs is not None else None
    if shallow_lhs is not None and shallow_rhs is not None:
        if shallow_lhs == shallow_rhs:
            return PROVED, "equal with the named intermediates as letters"
        size = sympy.count_ops(shallow_lhs) + sympy.count_ops(shallow_rhs)
        if size < _SYMBOLIC_OPS_LIMIT:
            difference = sympy.expand(shallow_lhs - shallow_rhs)
            if difference == 0:
                return PROVED, "difference expands to 0, with the named intermediates as letters"
            if size < 40 and sympy.cancel(sympy.together(difference.rewrite(sympy.exp))) == 0:
                return PROVED, "difference is 0 once σ, tanh … are written with e^z"
    symbolic: tuple[Any, Any] | None = None  # both sides written out, once both could be
    if not (_symbolic_is_cheap(lhs, definitions) and _symbolic_is_cheap(rhs, definitions)):
        return _check_on_graph(lhs, rhs, definitions, points=points, seed=seed, shared=shared)
    size = sympy.count_ops(lhs) + sympy.count_ops(rhs)
    expanded_size = size
    if size < _SYMBOLIC_OPS_LIMIT:
        try:
            symbolic_lhs, symbolic_rhs = meaning(lhs, definitions), meaning(rhs, definitions)
            symbolic = (symbolic_lhs, symbolic_rhs)
            expanded_size = sympy.count_ops(symbolic_lhs) + sympy.count_ops(symbolic_rhs)
            if symbolic_lhs == symbolic_rhs:
                return PROVED, "equal after expanding the definitions"
            if expanded_size < _SYMBOLIC_OPS_LIMIT:
                difference = sympy.expand(symbolic_lhs - symbolic_rhs)
                if difference == 0:
                    return PROVED, "difference expands to 0"
        except (TypeError, ValueError, NotImplementedError):
            pass
    # numbers: at several random points, with 50 digits
    if symbolic is not None and expanded_size < _SYMBOLIC_OPS_LIMIT:
        symbols = symbolic[0].free_symbols | symbolic[1].free_symbols
    else:
        symbols = _base_symbols(lhs, definitions) | _base_symbols(rhs, definitions)
    rng = random.Random(seed)
    checked = 0
    attempts = 0
    while checked < points and attempts < points * 4:
        attempts += 1
        point = _random_point(symbols, rng)
        try:
            if symbolic is not None and expanded_size < _SYMBOLIC_OPS_LIMIT:
                a = symbolic[0].xreplace(point).evalf(_DIGITS)
                b = symbolic[1].xreplace(point).evalf(_DIGITS)
            else:
                a = _numeric_meaning(lhs, definitions, point)
                b = _numeric_meaning(rhs, definitions, point)
        except (TypeError, ValueError, ZeroDivisionError):
            continue  # e.g. relu(√x) at a negative x: outside the domain, try another point
        if a.has(sympy.nan, sympy.zoo) or not a.is_number or not b.is_number:
            continue  # outside the domain (a log of a negative, a kink): try another point
        if not _close(a, b):
            values = ", ".join(f"{s}={float(v):.4g}" for s, v in list(point.items())[:6])
            return FAILED, f"sides differ at {values}: {sympy.N(a, 12)} vs {sympy.N(b, 12)}"
        checked += 1
    if checked == 0:
        return FAILED, "no point in the domain to compare the sides at"
    return NUMERIC, f"equal at {checked} random points to {_DIGITS} digits"


def _check_on_graph(lhs, rhs, definitions: Mapping, *, points: int, seed: int,
                    shared: "_SharedPoints | None" = None) -> tuple[str, str]:
    """Compare both sides numerically by walking the definitions (large expressions)."""
    import mpmath

    evaluator = _evaluator(definitions)
    base = evaluator.base_symbols() | {
        s for side in (lhs, rhs) for s in side.free_symbols if s not in definitions}
    shared = shared or _SharedPoints(seed, points)
    shared.extend_to(base)
    checked = 0
    for point, memo in zip(shared.points, shared.memos):
        if checked >= points:
            break
        try:
            a = evaluator.evaluate(lhs, point, memo)
            b = evaluator.evaluate(rhs, point, memo)
        except (ZeroDivisionError, ValueError, OverflowError, TypeError):
            continue  # outside the domain at this point
        if not (_finite(a) and _finite(b)):
            continue
        if not _close_mpmath(a, b):
            return FAILED, f"sides differ at a random point: {mpmath.nstr(a, 12)} vs {mpmath.nstr(b, 12)}"
        checked += 1
    if checked == 0:
        return FAILED, "no point in the domain to compare the sides at"
    return NUMERIC, f"equal at {checked} random points to {_DIGITS} digits"


# ---------------------------------------------------------------------------
# the derivation
# ---------------------------------------------------------------------------

@dataclass(repr=False)
class Derivation(_KeepsForm):
    """A derivation of ``lhs``: its steps, its (checked) result and context.

    ``result`` is the value in base variables (for a network, equal to
    ``sympy.diff(net.loss, p)``); the teaching form lives in ``steps`` and
    ``factors``, never in a simplified result.  ``cites`` are derivations
    this one builds on (a network parameter cites the δ's it needs; each δ
    is derived once and shared).  ``point`` holds numbers after :meth:`at`.
    """

    lhs: sympy.Expr
    steps: list[Step]
    result: sympy.Expr
    variable: Symbol | None = None
    expression: sympy.Expr | None = None
    definitions: dict = field(default_factory=dict)
    factors: list[Factor] = field(default_factory=list)
    cites: Sequence["Derivation"] = field(default_factory=list)
    title: str = ""
    conventions: list[str] = field(default_factory=list)
    point: dict | None = None
    network: Network | None = None  # the Network it came from, if any

    # -- structure ---------------------------------------------------------

    @property
    def chain_value(self) -> sympy.Expr:
        """The product of the factor values, in named intermediates, unevaluated."""
        if not self.factors:
            return self.steps[-1].rhs if self.steps else self.result
        return sympy.Mul(*[f.value for f in self.factors], evaluate=False)

    @property
    def named_result(self) -> sympy.Expr:
        """The final line's right side (in named intermediates where it uses them)."""
        return self.steps[-1].rhs if self.steps else self.result

    def all_definitions(self) -> dict:
        """Definitions of this derivation, the ones it cites and its steps'."""
        if hasattr(self.definitions, "check_equality"):
            # a large network's table: read through, never copied (it checks its own steps)
            return self.definitions
        merged: dict = {}
        for cited in self.cites:
            if cited.definitions is not self.definitions:
                merged.update(cited.all_definitions())
            else:  # the shared table is merged below; the cited steps' own names still count
                merged.update(cited._step_definitions())
        merged.update(self.definitions)
        merged.update(self._step_definitions())
        return merged

    def _step_definitions(self) -> dict:
        merged: dict = {}
        for cited in self.cites:
            merged.update(cited._step_definitions())
        for step in self.steps:
            for sub, _ in step.walk():
                merged.update(sub.definitions)
        return merged

    def walk(self):
        """(step, depth) for every step of this derivation, depth first."""
        for step in self.steps:
            yield from step.walk()

    # -- verification --------------------------------------------------------

    def verify(self, *, points: int = 3, seed: int = 0, include_cited: bool = True, level: int | None = None,
               _shared=None, _seen: set | None = None) -> VerificationReport:
        """Check every step (and sub-step), and the result against the last step.

        ``level`` limits the check to the steps an explanation at that level
        of detail shows (0: the top lines; None: every sub-step).
        """
        definitions = self.all_definitions()
        checks: list[StepCheck] = []
        shared = _shared if _shared is not None else _SharedPoints(seed, points)
        if include_cited:
            seen: set[int] = _seen if _seen is not None else set()
            for cited in self._cited_closure():
                if id(cited) not in seen:
                    seen.add(id(cited))
                    checks.extend(cited.verify(points=points, seed=seed, include_cited=False, level=level,
                                               _shared=shared).checks)
        for index, (step, scope) in enumerate(_scoped_walk(self.steps, definitions, level)):
            outcome, detail = check_equality(step.lhs, step.rhs, scope, points=points, seed=seed + index,
                                             shared=shared if scope is definitions else None)
            checks.append(StepCheck(step, outcome, detail))
        if self.steps and getattr(self, "result_is_last_line", False):
            # the result is built by substituting every intermediate into the last line
            final = Step(self.steps[-1].rhs, self.steps[-1].rhs, rule="result", kind="result")
            checks.append(StepCheck(final, PROVED, "the last line with every intermediate substituted"))
        elif self.steps:
            final = Step(self.steps[-1].rhs, self.result, rule="result", kind="result")
            if expand_definitions(final.lhs, definitions) == final.rhs:
                outcome, detail = PROVED, "the last line with every intermediate substituted"
            else:
                outcome, detail = check_equality(final.lhs, final.rhs, definitions, points=points, seed=seed + 997)
            checks.append(StepCheck(final, outcome, detail))
        return VerificationReport(tuple(checks))

    def _cited_closure(self):
        for cited in self.cites:
            yield from cited._cited_closure()
            yield cited

    # -- numbers ---------------------------------------------------------------

    def at(self, values: Mapping | None = None, **named) -> "Derivation":
        """The same derivation with numbers: every symbol and step valued at a point.

        *values* maps symbols (or their plain names) to numbers; for a network
        give the inputs, parameters and targets, and the forward-pass values
        of z, a and ŷ (and the δ's) are computed from them.  A name, or a
        plain ``Symbol`` of that name, means the derivation's symbol; an
        unknown name is refused; a Symbol of a name the derivation does not
        have (a learning rate η for the step after it) is carried along.
        """
        from .naming import resolve_symbol

        given = dict(values or {})
        given.update(named)
        definitions = self.all_definitions()
        known = _symbols_of(self, definitions)
        point: dict = {}
        names = {s.name for s in known if isinstance(s, Symbol)}
        for key, value in given.items():
            if isinstance(key, Symbol) and key.name not in names:
                # a quantity beside the derivation (a learning rate η for the step after it) is carried along
                symbol = key
            else:
                # a name, or a Symbol of that name with any assumptions, means this derivation's symbol
                symbol = resolve_symbol(key, known, strict=True, what="symbol", where="this derivation")
            point[symbol] = as_number(value)
        numbers = evaluate_at(self, point, definitions)
        return replace(self, point=numbers)

    def value(self, expr) -> sympy.Expr:
        """The number *expr* takes at this derivation's point (after :meth:`at`).

        *expr* may be text or use plain Symbols: each name means this
        derivation's symbol of that name.
        """
        from .naming import resolve_symbol

        if self.point is None:
            raise ValueError("no point: call .at({...}) first")
        definitions = self.all_definitions()
        if isinstance(expr, Symbol) and expr in self.point:
            return self.point[expr]
        expr = as_expression(expr)
        known = _symbols_of(self, definitions) | {s for s in self.point if isinstance(s, Symbol)}
        foreign = {s for s in expr.free_symbols if s not in known}
        if foreign:
            expr = expr.xreplace({s: resolve_symbol(s, known, strict=True, what="symbol", where="this derivation")
                                  for s in foreign})
        return _evaluate(expr, definitions, self.point)

    # -- rendering (render/ does the work) ----------------------------------------

    def to_text(self, level: int = 0, **options) -> str:
        from .render import render_text

        return render_text(self, level=level, **options)

    def to_latex(self, level: int = 0, **options) -> str:
        from .render import render_latex

        return render_latex(self, level=level, **options)

    def to_markdown(self, level: int = 0, **options) -> str:
        from .render import render_markdown

        return render_markdown(self, level=level, **options)

    def to_json(self, level: int = 2, **options):
        from .render import render_json

        return render_json(self, level=level, **options)

    def to_dot(self, **options) -> str:
        from .render import render_dot

        return render_dot(self, **options)

    def _repr_latex_(self) -> str:
        from .render import repr_latex

        return repr_latex(self)

    def _repr_markdown_(self) -> str:
        # Jupyter: each step a <details>, its hint shown, its working one click away
        return self.to_markdown(level=1, hints=True)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        # one line; the explanation itself is str(), to_text() and, in Jupyter, _repr_markdown_
        from .printing import to_text

        name = type(self).__name__
        parts = [f"{len(self.steps)} step{'s' if len(self.steps) != 1 else ''}"]
        if self.cites:
            parts.append("cites " + ", ".join(to_text(c.lhs) for c in self.cites))
        if self.point is not None:
            parts.append("with numbers")
        tail = f": {'; '.join(parts)}>"
        line = clip(f"{to_text(self.lhs)} = {to_text(self.named_result)}", MAX_REPR - len(name) - len(tail) - 2)
        return f"<{name} {line}{tail}"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(repr(self))


def shown_at(step: Step, depth: int, level: int | None) -> bool:
    """Does an explanation at *level* show *step* (at *depth* of the step tree)?

    Level 0 shows the top steps and the parts they are built from, each by
    its result; level 1 every part, down to the elementary rules; level 2
    also the algebra inside each rule.  ``None`` is every step.
    """
    if level is None:
        return True
    if step.kind == "algebra":
        return level >= 2
    return depth <= 1 or level >= 1


def _scoped_walk(steps, definitions: Mapping, level: int | None = None, depth: int = 0):
    """(step, definitions to check it with) for every step and sub-step an explanation at *level* shows.

    The detail under a *local factor* (``kind`` "factor:…", e.g. ∂z/∂W of
    z = W·x + b) differentiates the factor's own formula: its own names
    (u, v …) join the table for its lines.
    """
    for step in steps:
        if not shown_at(step, depth, level):
            continue
        yield step, definitions
        if step.kind.startswith("factor"):
            own: dict = {}
            for sub in step.substeps:
                for inner, _ in sub.walk():
                    own.update(inner.definitions)
            # the same table object when nothing is added: its evaluator is reused
            if hasattr(definitions, "with_local"):
                local = definitions.with_local(own)  # a large network's factor: its own letters only
            else:
                local = {**definitions, **own} if own else definitions
            for sub in step.substeps:
                for inner, inner_depth in sub.walk(depth + 1):
                    if shown_at(inner, inner_depth, level):
                        yield inner, local
        else:
            yield from _scoped_walk(step.substeps, definitions, level, depth + 1)


def _symbols_of(derivation: Derivation, definitions: Mapping) -> set:
    symbols = set(definitions)
    for expr in list(definitions.values()) + [derivation.result, derivation.lhs]:
        symbols |= as_expression(expr).free_symbols
    for step, _ in derivation.walk():
        symbols |= step.lhs.free_symbols | step.rhs.free_symbols
    for cited in derivation.cites:
        symbols |= _symbols_of(cited, definitions)
    return symbols


def _evaluate(expr, definitions, point) -> sympy.Expr:
    expr = as_expression(expr)
    if expr in point:
        return point[expr]
    return _numeric_meaning(expr, definitions, _base_point(point, definitions))


def _base_point(point, definitions):
    return {s: v for s, v in point.items() if isinstance(s, Symbol) and s not in definitions}


def verify_all(derivations: Iterable[Derivation], *, points: int = 3, seed: int = 0,
               level: int | None = None) -> VerificationReport:
    """Verify several derivations, each derivation they cite once (the δ's of one network).

    ``∂L/∂w⁽¹⁾₁₁`` and ``∂L/∂b⁽¹⁾₁`` cite the same δ's: verified one by one,
    each would check them again.  Derivations of one network also share the
    random points, so the network's values at each point are computed once.
    """
    checks: list[StepCheck] = []
    by_network: dict = {}
    for derivation in derivations:
        # one table of points and one record of what was checked per network (a lone derivation: its own)
        key = id(derivation.network) if derivation.network is not None else id(derivation)
        shared, seen = by_network.setdefault(key, (_SharedPoints(seed, points), set()))
        if id(derivation) in seen:
            continue
        seen.add(id(derivation))
        checks.extend(derivation.verify(points=points, seed=seed, level=level, _shared=shared, _seen=seen).checks)
    return VerificationReport(tuple(checks))


def evaluate_at(derivation: Derivation, point: Mapping, definitions: Mapping) -> dict:
    """Numbers for every symbol, intermediate and step side of *derivation*."""
    base = dict(point)
    values: dict = dict(base)
    for symbol in _topological(definitions):
        if symbol not in values:
            values[symbol] = expand_definitions(definitions[symbol], definitions).xreplace(base).evalf(_DIGITS)
    pending = [derivation, *derivation._cited_closure()]
    for item in pending:
        # the top-level lines; finer detail is valued on demand by value()
        for step in item.steps:
            for side in (step.lhs, step.rhs):
                for d in side.atoms(Derivative):
                    if d not in values:
                        values[d] = _numeric_meaning(d, definitions, base)
            if step.lhs not in values:
                values[step.lhs] = _evaluate(step.lhs, definitions, values) if step.lhs.has(Derivative) \
                    else _numeric_meaning(step.rhs, definitions, base)
    return values


def _topological(definitions: Mapping) -> list:
    order: list = []
    seen: set = set()

    def visit(symbol):
        if symbol in seen:
            return
        seen.add(symbol)
        for dependency in _free_symbols(definitions[symbol]):
            if dependency in definitions:
                visit(dependency)
        order.append(symbol)

    for symbol in definitions:
        visit(symbol)
    return order
