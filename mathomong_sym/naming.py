"""Names of the symbols a network is made of.

Every symbol has a *plain name*, a stable identifier that works on a command
line and in JSON (``w2_1_13``, ``b2_1``, ``x_3``, ``yhat_1``), and is printed
the way a textbook prints it (``w^{(2)}_{1,13}``, ``b^{(2)}_{1}``, ``x_{3}``,
``\\hat{y}_{1}``).  The printed forms are a pure function of the plain name,
so no registry is needed: any sympy ``Symbol`` whose name follows the
grammar below prints correctly through :mod:`mathomong_sym.printing`.

Grammar of plain names:

``w{l}_{i}_{j}``
    weight into unit *i* of layer *l* from unit *j* of layer *l − 1*.
``b{l}_{i}``, ``z{l}_{i}``, ``a{l}_{i}``, ``delta{l}_{i}``
    bias, pre-activation, activation, and δ = ∂L/∂z of unit *i*, layer *l*.
``x_{j}``, ``y_{k}``, ``yhat_{k}``
    input, target and prediction.
``W``, ``W_{j}``, ``x``, ``b``, ``z``, ``yhat``, ``y``, ``L``, ``delta``
    the one-neuron names of the guide.

All symbols are created ``real=True``: the quantities of a network are real,
and sympy simplifies ``|x|``, ``sqrt(x**2)`` … correctly only when told so.
sympy tells symbols apart by name *and* assumptions, so a plain
``sympy.Symbol("x")`` is not the tree's ``x``: every function of the package
that takes a variable resolves a name or a plain Symbol to the tree's symbol
of that name (:func:`resolve_symbol`), and sympy's own ``subs``/``diff`` need
the tree's symbols (``net.symbol("x")``); see ``docs/symbols.md``.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sympy

__all__ = [
    "sym",
    "weight",
    "bias",
    "pre_activation",
    "activation",
    "delta",
    "input_symbol",
    "target_symbol",
    "prediction_symbol",
    "latex_name",
    "unicode_name",
    "describe",
    "resolve_symbol",
]


def sym(name: str) -> sympy.Symbol:
    """The project's symbol called *name* (real-valued)."""
    return sympy.Symbol(name, real=True)


def weight(layer: int, to_unit: int, from_unit: int) -> sympy.Symbol:
    return sym(f"w{layer}_{to_unit}_{from_unit}")


def bias(layer: int, unit: int) -> sympy.Symbol:
    return sym(f"b{layer}_{unit}")


def pre_activation(layer: int, unit: int) -> sympy.Symbol:
    return sym(f"z{layer}_{unit}")


def activation(layer: int, unit: int) -> sympy.Symbol:
    return sym(f"a{layer}_{unit}")


def delta(layer: int, unit: int) -> sympy.Symbol:
    return sym(f"delta{layer}_{unit}")


def input_symbol(j: int) -> sympy.Symbol:
    return sym(f"x_{j}")


def target_symbol(k: int) -> sympy.Symbol:
    return sym(f"y_{k}")


def prediction_symbol(k: int) -> sympy.Symbol:
    return sym(f"yhat_{k}")


_LAYERED = re.compile(r"^(w|b|z|a|delta)(\d+)_(\d+)(?:_(\d+))?$")
_INDEXED = re.compile(r"^([A-Za-z]+)_(\d+)$")

_GREEK_UNICODE = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ",
    "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω",
}
_GREEK = set(_GREEK_UNICODE)
_HATTED = {"yhat": (r"\hat{y}", "ŷ"), "xhat": (r"\hat{x}", "x̂")}

_SUB = str.maketrans("0123456789,", "₀₁₂₃₄₅₆₇₈₉,")
_SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


def _indices(*indices: str) -> tuple[str, str]:
    """LaTeX and Unicode subscripts; a comma once any index has two digits."""
    sep = "," if any(len(i) > 1 for i in indices) else ""
    joined = sep.join(indices)
    return "{" + joined + "}", joined.translate(_SUB)


def _base(name: str) -> tuple[str, str]:
    if name in _HATTED:
        return _HATTED[name]
    if name in _GREEK:
        return "\\" + name, _GREEK_UNICODE[name]
    if len(name) == 1:
        return name, name
    # a multi-letter name that is not Greek: keep it upright and whole
    return r"\mathrm{" + name + "}", name


@lru_cache(maxsize=65536)
def _names(plain: str) -> tuple[str, str]:
    match = _LAYERED.match(plain)
    if match:
        kind, layer, i, j = match.groups()
        base_latex, base_text = _base(kind)
        sub_latex, sub_text = _indices(*(k for k in (i, j) if k is not None))
        latex = f"{base_latex}^{{({layer})}}_{sub_latex}"
        text = f"{base_text}{('(' + layer + ')').translate(_SUP)}{sub_text}"
        return latex, text
    match = _INDEXED.match(plain)
    if match:
        base, index = match.groups()
        base_latex, base_text = _base(base)
        sub_latex, sub_text = _indices(index)
        return f"{base_latex}_{sub_latex}", f"{base_text}{sub_text}"
    if re.fullmatch(r"[A-Za-z]+", plain):
        return _base(plain)
    return sympy.latex(sympy.Symbol(plain)), plain


def latex_name(plain: str) -> str:
    r"""LaTeX for a plain name: ``w2_1_13`` → ``w^{(2)}_{1,13}``."""
    return _names(plain)[0]


def unicode_name(plain: str) -> str:
    """Unicode for a plain name: ``w2_1_3`` → ``w⁽²⁾₁₃``."""
    return _names(plain)[1]


def describe(plain: str) -> str:
    """A short description in words, for tables and error messages."""
    match = _LAYERED.match(plain)
    if match:
        kind, layer, i, j = match.groups()
        if kind == "w":
            source = f"input x{j.translate(_SUB)}" if layer == "1" else f"unit {j} of layer {int(layer) - 1}"
            return f"weight into unit {i} of layer {layer} from {source}"
        words = {"b": "bias", "z": "pre-activation", "a": "activation", "delta": "δ = ∂L/∂z"}[kind]
        return f"{words} of unit {i} in layer {layer}"
    match = _INDEXED.match(plain)
    if match:
        base, index = match.groups()
        kind_of = {"x": "input", "y": "target", "yhat": "prediction", "W": "weight"}.get(base)
        if kind_of:
            return f"{kind_of} {index}"
    return {
        "W": "weight", "b": "bias", "x": "input", "y": "target", "z": "pre-activation",
        "yhat": "prediction", "L": "loss",
    }.get(plain, plain)


def resolve_symbol(variable, symbols, *, strict: bool = False, what: str = "variable",
                   where: str = "the expression") -> sympy.Symbol:
    """The symbol among *symbols* that *variable* (a name or a Symbol) means.

    A Symbol among *symbols* passes through; a name, or a Symbol with other
    assumptions (a plain ``sympy.Symbol("x")`` for the tree's real ``x``),
    resolves to the one symbol of that name.  Two symbols of that name (same
    name, different assumptions) raise ``IncompatibleError`` naming both.
    With no symbol of that name, *strict* raises ``UnknownNameError``; otherwise
    the project's symbol of that name is returned (a derivative by a variable
    the expression does not contain is 0, correctly).
    """
    from .errors import IncompatibleError, UnknownNameError

    symbols = list(symbols)
    if isinstance(variable, sympy.Symbol):
        if variable in symbols:
            return variable
        name = variable.name
    elif isinstance(variable, str):
        name = variable.strip()
        if not name.isidentifier():
            raise IncompatibleError(f"{name!r} is not the name of a {what}: give a name such as x or w1_1_2")
    else:
        raise IncompatibleError(f"a {what} is a name or a sympy Symbol, not {variable!r}")
    matches = sorted({s for s in symbols if isinstance(s, sympy.Symbol) and s.name == name}, key=str)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        described = "; ".join(f"{s.name} with {s.assumptions0 or 'no assumptions'}" for s in matches)
        raise IncompatibleError(
            f"{where} has {len(matches)} different symbols called {name!r} ({described}); "
            f"pass the one you mean as a Symbol")
    if strict:
        raise UnknownNameError(what, name, sorted({s.name for s in symbols if isinstance(s, sympy.Symbol)}))
    return variable if isinstance(variable, sympy.Symbol) else sym(name)
