"""The functions a learner may write, shared by the LaTeX and plain readers.

Each entry maps a spelling (``sigma``, ``σ``, ``ReLU``, ``\\tanh`` …) to one
``FunctionSpec`` that builds the sympy expression.  The activations come from
:mod:`mathomong_sym.activations`, so an answer's σ is the very function the
derivations use.  ``sech`` is written as 1/cosh because sympy's ``sech``
does not cancel against ``cosh`` in comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy

from ..activations import leaky_relu, logsumexp, relu, sigmoid, softmax, softplus, step
from ..errors import ParseError
from .conventions import Conventions
from .limits import check_arguments

__all__ = ["FunctionSpec", "lookup_function", "apply_function", "FUNCTION_NAMES", "INDEXED_FUNCTIONS"]

#: functions written with a component index: softmax_1(z_1, z_2), \operatorname{softmax}_{1}(…)
INDEXED_FUNCTIONS = frozenset({"softmax"})


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    build: Callable  # (args, conventions) -> sympy.Expr
    nargs: tuple = (1,)

    def __call__(self, args, conventions: Conventions):
        if len(args) not in self.nargs:
            wanted = " or ".join(str(n) for n in self.nargs)
            raise ParseError(f"{self.name} takes {wanted} argument(s), got {len(args)}")
        return self.build(args, conventions)


def _one(fn):
    return lambda args, conv: fn(args[0])


def _log(args, conv: Conventions):
    if len(args) == 2:  # log(x, base)
        return sympy.log(args[0]) / sympy.log(args[1])
    if conv.log_base == "10":
        return sympy.log(args[0]) / sympy.log(10)
    return sympy.log(args[0])


def _minmax(fn):
    return lambda args, conv: fn(*args)


def _softmax(args, conv):
    # args[0] is the 1-based component, as printed: softmax_1(z_1, z_2)
    index = args[0]
    if not index.is_Integer:
        raise ParseError("softmax needs its component (1-based) first: softmax_1(z_1, z_2)")
    if not 1 <= int(index) <= len(args) - 1:
        raise ParseError(f"softmax_{index} needs a component between 1 and {len(args) - 1}")
    return softmax(int(index) - 1, *args[1:])


_MANY = tuple(range(1, 65))


_SPECS = [
    (FunctionSpec("sigmoid", _one(sigmoid)), ("sigmoid", "sigma", "σ", "logistic", "sig")),
    (FunctionSpec("ReLU", _one(relu)), ("relu", "ReLU", "Relu", "RELU")),
    (FunctionSpec("H", _one(step)), ("step", "H", "heaviside", "Heaviside", "theta", "θ")),
    (FunctionSpec("softplus", _one(softplus)), ("softplus", "SoftPlus", "Softplus")),
    (FunctionSpec("LReLU", _one(leaky_relu)), ("leaky_relu", "LReLU", "lrelu", "LeakyReLU", "leakyrelu")),
    (FunctionSpec("softmax", _softmax, tuple(range(2, 66))), ("softmax",)),
    (FunctionSpec("logsumexp", _minmax(logsumexp), _MANY), ("logsumexp",)),
    (FunctionSpec("exp", _one(sympy.exp)), ("exp",)),
    (FunctionSpec("log", _log, (1, 2)), ("log",)),
    (FunctionSpec("ln", _one(sympy.log)), ("ln",)),
    (FunctionSpec("sqrt", _one(sympy.sqrt)), ("sqrt",)),
    (FunctionSpec("abs", _one(sympy.Abs)), ("abs", "Abs")),
    (FunctionSpec("sgn", _one(sympy.sign)), ("sgn", "sign")),
    (FunctionSpec("max", _minmax(sympy.Max), _MANY), ("max", "Max")),
    (FunctionSpec("min", _minmax(sympy.Min), _MANY), ("min", "Min")),
    (FunctionSpec("sin", _one(sympy.sin)), ("sin",)),
    (FunctionSpec("cos", _one(sympy.cos)), ("cos",)),
    (FunctionSpec("tan", _one(sympy.tan)), ("tan",)),
    (FunctionSpec("sec", _one(lambda z: 1 / sympy.cos(z))), ("sec",)),
    (FunctionSpec("csc", _one(lambda z: 1 / sympy.sin(z))), ("csc",)),
    (FunctionSpec("cot", _one(lambda z: 1 / sympy.tan(z))), ("cot",)),
    (FunctionSpec("sinh", _one(sympy.sinh)), ("sinh",)),
    (FunctionSpec("cosh", _one(sympy.cosh)), ("cosh",)),
    (FunctionSpec("tanh", _one(sympy.tanh)), ("tanh",)),
    (FunctionSpec("sech", _one(lambda z: 1 / sympy.cosh(z))), ("sech",)),
    (FunctionSpec("csch", _one(lambda z: 1 / sympy.sinh(z))), ("csch",)),
    (FunctionSpec("coth", _one(lambda z: 1 / sympy.tanh(z))), ("coth",)),
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

#: every spelling of a function name the readers accept
FUNCTION_NAMES = frozenset(_TABLE)


def lookup_function(name: str) -> FunctionSpec | None:
    return _TABLE.get(name)


def apply_function(spec: FunctionSpec, args, conventions: Conventions, primes: int = 0):
    """``spec(args)``, or its *primes*-th derivative evaluated at the argument."""
    check_arguments(spec.name, args)
    if primes == 0:
        return spec(args, conventions)
    if len(args) != 1:
        raise ParseError(f"a prime on {spec.name} needs a single argument")
    if primes > 3:
        raise ParseError("more than three primes on a function")
    t = sympy.Dummy("t", real=True)
    derivative = spec([t], conventions)
    for _ in range(primes):
        derivative = sympy.diff(derivative, t)
    return derivative.xreplace({t: args[0]})
