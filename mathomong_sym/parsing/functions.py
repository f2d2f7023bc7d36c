"""The functions a learner may write, one table for every spelling.

Each entry maps a spelling (``sigma``, ``sigmoid``, ``\\sigma``, ``ReLU``,
``tanh`` …) to one ``FunctionSpec`` that builds the sympy expression.  The
activations come from :mod:`mathomong_sym.activations`, so an answer's σ is
the very function the derivations use.  ``sech`` is written as 1/cosh
because sympy's ``sech`` does not cancel against ``cosh`` in comparisons.

Every builder takes ``evaluate``: the reader builds the tree as typed first
(``evaluate=False``) and evaluates it once the limits have been checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import sympy

from ..activations import leaky_relu, logsumexp, relu, sigmoid, softmax, softplus, step
from ..errors import ParseError
from .conventions import Conventions
from .limits import check_arguments

__all__ = ["FunctionSpec", "lookup_function", "apply_function", "FUNCTION_NAMES", "INDEXED_FUNCTIONS",
           "BRACKET_ONLY", "Primed", "primed"]

#: functions written with a component index: softmax_1(z_1, z_2), \operatorname{softmax}_{1}(…)
INDEXED_FUNCTIONS = frozenset({"softmax"})
#: one-letter (or Greek) spellings that are a function only when a bracket follows: H(z), θ(z); else a symbol
BRACKET_ONLY = frozenset({"H", "theta"})


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    build: Callable  # (args, conventions, evaluate) -> sympy.Expr
    nargs: tuple = (1,)

    def __call__(self, args, conventions: Conventions, evaluate: bool = True):
        if len(args) not in self.nargs:
            wanted = " or ".join(str(n) for n in self.nargs) if len(self.nargs) < 4 else f"{self.nargs[0]} or more"
            raise ParseError(f"{self.name} takes {wanted} argument(s), got {len(args)}")
        return self.build(args, conventions, evaluate)


def _one(fn):
    return lambda args, conv, ev: fn(args[0], evaluate=ev)


def _reciprocal(fn):
    return lambda args, conv, ev: sympy.Pow(fn(args[0], evaluate=ev), -1, evaluate=ev)


def _quotient(top, bottom, ev):
    return sympy.Mul(top, sympy.Pow(bottom, -1, evaluate=ev), evaluate=ev)


def _log(args, conv: Conventions, ev):
    if len(args) == 2:  # log(x, base), \log_{b} x
        return _quotient(sympy.log(args[0], evaluate=ev), sympy.log(args[1], evaluate=ev), ev)
    if conv.log_base == "10":
        return _quotient(sympy.log(args[0], evaluate=ev), sympy.log(10, evaluate=ev), ev)
    return sympy.log(args[0], evaluate=ev)


def _sqrt(args, conv, ev):
    return sympy.Pow(args[0], sympy.S.Half, evaluate=ev)


def _many(fn):
    return lambda args, conv, ev: fn(*args, evaluate=ev)


def _softmax(args, conv, ev):
    # args[0] is the 1-based component, as printed: softmax_1(z_1, z_2)
    index = args[0]
    if not index.is_Integer:
        raise ParseError("softmax needs its component (1-based) first: softmax_1(z_1, z_2)")
    if not 1 <= int(index) <= len(args) - 1:
        raise ParseError(f"softmax_{index} needs a component between 1 and {len(args) - 1}")
    return softmax(int(index) - 1, *args[1:], evaluate=ev)


_MANY = tuple(range(1, 65))

_SPECS = [
    (FunctionSpec("σ", _one(sigmoid)), ("sigmoid", "sigma", "logistic", "sig", "Sigmoid")),
    (FunctionSpec("ReLU", _one(relu)), ("relu", "ReLU", "Relu", "RELU")),
    (FunctionSpec("H", _one(step)), ("step", "H", "heaviside", "Heaviside", "theta")),
    (FunctionSpec("softplus", _one(softplus)), ("softplus", "SoftPlus", "Softplus")),
    (FunctionSpec("LReLU", _one(leaky_relu)), ("leaky_relu", "LReLU", "lrelu", "LeakyReLU", "leakyrelu", "LReLu")),
    (FunctionSpec("softmax", _softmax, tuple(range(2, 66))), ("softmax",)),
    (FunctionSpec("logsumexp", _many(logsumexp), _MANY), ("logsumexp", "LSE")),
    (FunctionSpec("exp", _one(sympy.exp)), ("exp",)),
    (FunctionSpec("log", _log, (1, 2)), ("log",)),
    (FunctionSpec("ln", _one(sympy.log)), ("ln",)),
    (FunctionSpec("sqrt", _sqrt), ("sqrt",)),
    (FunctionSpec("abs", _one(sympy.Abs)), ("abs", "Abs")),
    (FunctionSpec("sgn", _one(sympy.sign)), ("sgn", "sign")),
    (FunctionSpec("max", _many(sympy.Max), _MANY), ("max", "Max")),
    (FunctionSpec("min", _many(sympy.Min), _MANY), ("min", "Min")),
    (FunctionSpec("sin", _one(sympy.sin)), ("sin",)),
    (FunctionSpec("cos", _one(sympy.cos)), ("cos",)),
    (FunctionSpec("tan", _one(sympy.tan)), ("tan",)),
    (FunctionSpec("sec", _reciprocal(sympy.cos)), ("sec",)),
    (FunctionSpec("csc", _reciprocal(sympy.sin)), ("csc", "cosec")),
    (FunctionSpec("cot", _reciprocal(sympy.tan)), ("cot",)),
    (FunctionSpec("sinh", _one(sympy.sinh)), ("sinh",)),
    (FunctionSpec("cosh", _one(sympy.cosh)), ("cosh",)),
    (FunctionSpec("tanh", _one(sympy.tanh)), ("tanh",)),
    (FunctionSpec("sech", _reciprocal(sympy.cosh)), ("sech",)),
    (FunctionSpec("csch", _reciprocal(sympy.sinh)), ("csch",)),
    (FunctionSpec("coth", _reciprocal(sympy.tanh)), ("coth",)),
    (FunctionSpec("arcsin", _one(sympy.asin)), ("arcsin", "asin")),
    (FunctionSpec("arccos", _one(sympy.acos)), ("arccos", "acos")),
    (FunctionSpec("arctan", _one(sympy.atan)), ("arctan", "atan")),
    (FunctionSpec("arsinh", _one(sympy.asinh)), ("arsinh", "arcsinh", "asinh")),
    (FunctionSpec("artanh", _one(sympy.atanh)), ("artanh", "arctanh", "atanh")),
]

_TABLE: dict[str, FunctionSpec] = {}
for _spec, _names in _SPECS:
    for _name in _names:
        _TABLE[_name] = _spec

#: every spelling of a function name the reader accepts
FUNCTION_NAMES = frozenset(_TABLE)


def lookup_function(name: str) -> FunctionSpec | None:
    return _TABLE.get(name)


def apply_function(spec: FunctionSpec, args, conventions: Conventions, primes: int = 0, evaluate: bool = True):
    """``spec(args)``, or its *primes*-th derivative at the argument (σ′(z) is σ(z)(1 − σ(z))).

    Unevaluated (the tree as typed), a derivative stays the node σ′(z), so
    the answer is echoed as the student wrote it; evaluated, it is the
    derivative's expression.
    """
    check_arguments(spec.name, args)
    if primes == 0:
        return spec(args, conventions, evaluate)
    if len(args) != 1:
        raise ParseError(f"a prime on {spec.name} needs a single argument")
    if primes > 3:
        raise ParseError("more than three primes on a function")
    if not evaluate:
        return primed(spec, primes, conventions.log_base)(args[0])
    variable, derivative = _derivative(spec, primes, conventions.log_base)
    return derivative.xreplace({variable: args[0]})


#: how a function's name is typeset when it carries a prime
_LATEX_HEADS = {"σ": r"\sigma", "H": "H", "ReLU": r"\operatorname{ReLU}", "LReLU": r"\operatorname{LReLU}",
                "softplus": r"\operatorname{softplus}", "logsumexp": r"\operatorname{logsumexp}",
                "sgn": r"\operatorname{sgn}", "abs": r"\operatorname{abs}"}


class Primed(sympy.Function):
    """A derivative written with primes, σ′(z) or tanh″(x), kept as typed.

    A class per function and number of primes (:func:`primed`) holds the
    function; :meth:`doit` (and the reader's evaluation) gives the
    derivative's expression, and the node prints as it was written.
    """

    nargs = 1
    spec: FunctionSpec
    primes: int = 1
    log_base: str = "e"

    def __new__(cls, *args, **options):
        from .values import as_arguments  # sympy's Function would run a text argument as code

        return super().__new__(cls, *as_arguments(args), **options)

    @classmethod
    def eval(cls, argument):
        return None  # never evaluates on its own: it is the tree as typed

    def derivative(self):
        variable, derivative = _derivative(self.spec, self.primes, self.log_base)
        return derivative.xreplace({variable: self.args[0]})

    def doit(self, **hints):
        argument = self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0]
        return primed(self.spec, self.primes, self.log_base)(argument).derivative()

    def fdiff(self, argindex=1):
        variable, derivative = _derivative(self.spec, self.primes, self.log_base)
        return sympy.diff(derivative, variable).xreplace({variable: self.args[0]})

    def _eval_evalf(self, prec):
        return self.derivative()._eval_evalf(prec)

    def _eval_is_real(self):
        return self.derivative().is_real

    @property
    def text_name(self) -> str:
        return self.spec.name + "′″‴"[self.primes - 1]

    def _latex(self, printer, exp=None):
        head = _LATEX_HEADS.get(self.spec.name) or (
            "\\" + self.spec.name if self.spec.name in _LATEX_COMMANDS else rf"\operatorname{{{self.spec.name}}}")
        written = rf"{head}{chr(39) * self.primes}\left({printer._print(self.args[0])}\right)"
        return written if exp is None else rf"\left({written}\right)^{{{exp}}}"

    def _sympystr(self, printer):
        return f"{self.text_name}({printer._print(self.args[0])})"


_LATEX_COMMANDS = {"exp", "log", "ln", "sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "coth",
                   "arcsin", "arccos", "arctan", "sqrt"}


@lru_cache(maxsize=256)
def primed(spec: FunctionSpec, primes: int, log_base: str = "e") -> type:
    """The class of the node ``f′…′(x)`` for one function, number of primes and base of log."""
    name = f"{spec.name}{'_prime' * primes}"
    return type(name, (Primed,), {"spec": spec, "primes": primes, "log_base": log_base,
                                  "__module__": __name__})


@lru_cache(maxsize=256)
def _derivative(spec: FunctionSpec, primes: int, log_base: str):
    t = sympy.Dummy("t", real=True)
    derivative = spec([t], Conventions(log_base=log_base))
    for _ in range(primes):
        derivative = sympy.diff(derivative, t)
    return t, derivative
