"""Is an answer equal to the key?  Exact when cheap, random points always.

The decision combines, in this order:

1. identity;
2. evaluation at 30 random points (WeBWorK's method, with more and wider
   points: in (0.1, 0.9), in [−3, 3], in [−10, 10] and a few with
   magnitudes from 20 to 1000, so that an answer equal to the key only on
   [−2, 2], or clamped far away, is caught).  Points where the key is
   undefined (log or sqrt of a negative number) are skipped; points within
   1e-6 of a kink (the argument of H, ReLU, |·|, max, a piecewise condition)
   are skipped, so ReLU′ is compared away from 0.  A point where the two
   differ is confirmed with 30-digit arithmetic before the answer is called
   wrong, so floating-point overflow never rejects a right answer;
3. for an answer that passes and is small, an exact symbolic difference of
   0 after σ and tanh are rewritten into exponentials, which upgrades the
   method from "numeric" to "symbolic" (a proof rather than evidence).

No false accepts comes first: an answer is equal only when *every* usable
point agrees to a relative 1e-8 (numeric keys: the key's tolerance,
relative 1e-3 with an absolute floor of 1e-12, by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy

from ..activations import NUMPY_FUNCTIONS, leaky_relu, relu, step

__all__ = ["Comparison", "Tolerance", "compare", "values_at", "point_set", "kinks_of", "constant_ratio"]

SYMBOLIC_OPS_LIMIT = 30
MIN_POINTS = 6


@dataclass(frozen=True)
class Tolerance:
    relative: float
    absolute: float

    @classmethod
    def for_key(cls, key_is_number: bool, given=None) -> "Tolerance":
        given = dict(given or {})
        if key_is_number:
            default = cls(1e-3, 1e-12)
        else:
            default = cls(1e-8, 1e-12)
        return cls(float(given.get("relative", default.relative)), float(given.get("absolute", default.absolute)))


@dataclass(frozen=True)
class Comparison:
    equal: bool
    method: str  # identical, symbolic, numeric, counterexample, shape, undecided
    detail: str = ""


# ---------------------------------------------------------------------------
# points and values
# ---------------------------------------------------------------------------

_RANGES = ((0.1, 0.9), (-3.0, 3.0), (-10.0, 10.0))
# for keys undefined at most of those (logs and roots of several variables)
_POSITIVE_RANGES = ((0.05, 0.95), (0.5, 3.0), (1.0, 10.0))
_PER_RANGE = 8
_FAR = 6
_N_POINTS = _PER_RANGE * 3 + _FAR


@lru_cache(maxsize=256)
def point_set(symbols: tuple, seed: int = 0, positive: bool = False) -> dict:
    """Random values for *symbols*: an array of 24 points per symbol, fixed by *seed*."""
    rng = np.random.default_rng(seed + 7919 * len(symbols))
    values = {}
    for symbol in symbols:
        columns = [rng.uniform(low, high, _PER_RANGE) for low, high in (_POSITIVE_RANGES if positive else _RANGES)]
        # a few far points: an answer clamped at ±100 must not pass for the key
        far = 10.0 ** rng.uniform(1.3, 3.0, _FAR)
        columns.append(far if positive else far * rng.choice([-1.0, 1.0], _FAR))
        values[symbol] = np.concatenate(columns)
    return values


_MODULES = [NUMPY_FUNCTIONS, {"Heaviside": lambda x, h0=0.5: np.heaviside(x, h0)}, "numpy"]


@lru_cache(maxsize=2048)
def _compiled(expr, symbols: tuple):
    return sympy.lambdify(symbols, expr, modules=_MODULES)


def values_at(expr, symbols: tuple, seed: int = 0, positive: bool = False, cached: bool = True) -> np.ndarray:
    """*expr* evaluated at the point set of *symbols* (NaN where undefined).

    The compiled function is cached per expression unless ``cached`` is false
    (a benchmark of fresh answers must not reuse their compilation).
    """
    points = point_set(symbols, seed, positive)
    n = len(next(iter(points.values()))) if points else _N_POINTS
    try:
        function = _compiled(expr, symbols) if cached else _compiled.__wrapped__(expr, symbols)
        with np.errstate(all="ignore"):
            raw = function(*[points[s] for s in symbols])
            out = np.asarray(raw, dtype=complex) * np.ones(n)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, NameError, AttributeError, KeyError):
        return _values_by_evalf(expr, symbols, seed, positive)
    real = np.where(np.abs(out.imag) <= 1e-12 * (1 + np.abs(out.real)), out.real, np.nan)
    return real


def _values_by_evalf(expr, symbols, seed, positive):
    points = point_set(symbols, seed, positive)
    n = len(next(iter(points.values()))) if points else _N_POINTS
    out = np.full(n, np.nan)
    for i in range(n):
        value = _evalf_at(expr, {s: points[s][i] for s in symbols})
        if value is not None:
            out[i] = value
    return out


def _evalf_at(expr, point: dict, digits: int = 30):
    try:
        value = sympy.N(expr.xreplace({s: sympy.Float(v, digits) for s, v in point.items()}), digits)
        value = complex(value)
    except (TypeError, ValueError, OverflowError, ZeroDivisionError, AttributeError):
        return None
    if value != value or abs(value.imag) > 1e-12 * (1 + abs(value.real)) or not np.isfinite(value.real):
        return None
    return value.real


def _kink_arguments(expr) -> set:
    found = set()
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, (step, relu, leaky_relu, sympy.Heaviside, sympy.Abs, sympy.sign)):
            found.add(node.args[0])
        elif isinstance(node, (sympy.Max, sympy.Min)):
            args = node.args
            for i in range(len(args)):
                for j in range(i + 1, len(args)):
                    found.add(args[i] - args[j])
        elif isinstance(node, sympy.Piecewise):
            for _, condition in node.args:
                for relation in condition.atoms(sympy.core.relational.Relational):
                    found.add(relation.lhs - relation.rhs)
    return {k for k in found if k.free_symbols}


def kinks_of(*exprs) -> tuple:
    found = set()
    for expr in exprs:
        found |= _kink_arguments(expr)
    return tuple(sorted(found, key=sympy.default_sort_key))


def _away_from_kinks(kinks, symbols, seed, positive) -> np.ndarray:
    mask = np.ones(_N_POINTS, dtype=bool)
    for kink in kinks:
        values = values_at(kink, symbols, seed, positive)
        mask &= np.isfinite(values) & (np.abs(values) > 1e-6)
    return mask


# ---------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------

def _symbolically_zero(difference) -> bool:
    if sympy.count_ops(difference) > SYMBOLIC_OPS_LIMIT:
        return False
    try:
        rewritten = difference.rewrite(sympy.exp)
        return sympy.expand(rewritten) == 0 or sympy.cancel(sympy.expand(rewritten)) == 0
    except (TypeError, ValueError, NotImplementedError, RecursionError):
        return False


def _close(a, k, tolerance: Tolerance, scale: float):
    return np.abs(a - k) <= tolerance.relative * np.maximum(np.abs(k), np.abs(a)) + tolerance.absolute * max(1.0, scale)


def compare_scalars(answer, key, tolerance: Tolerance, seed: int = 0, symbolic: bool = True,
                    cache_answer: bool = True) -> Comparison:
    if answer == key:
        return Comparison(True, "identical")
    symbols = tuple(sorted(answer.free_symbols | key.free_symbols, key=lambda s: s.name))
    if not symbols:
        a, k = _evalf_at(answer, {}), _evalf_at(key, {})
        if a is None or k is None:
            return Comparison(False, "undecided", "the value cannot be computed")
        ok = abs(a - k) <= tolerance.relative * max(abs(k), abs(a)) + tolerance.absolute
        return Comparison(bool(ok), "numeric" if ok else "counterexample", f"{a:.10g} vs {k:.10g}")
    kinks = kinks_of(answer, key)
    positive = False
    key_values = values_at(key, symbols, seed)
    usable = np.isfinite(key_values) & _away_from_kinks(kinks, symbols, seed, positive)
    if usable.sum() < MIN_POINTS:
        positive = True
        key_values = values_at(key, symbols, seed, positive)
        usable = np.isfinite(key_values) & _away_from_kinks(kinks, symbols, seed, positive)
        if usable.sum() < 3:
            return Comparison(False, "undecided", "the key cannot be evaluated at enough points")
    answer_values = values_at(answer, symbols, seed, positive, cached=cache_answer)
    scale = float(np.median(np.abs(key_values[usable]))) if usable.any() else 1.0
    answer_defined = np.isfinite(answer_values)
    close = answer_defined & _close(answer_values, key_values, tolerance, scale)
    suspects = np.flatnonzero(usable & ~close)
    if len(suspects) == 0:
        if symbolic and _symbolically_zero(answer - key):
            return Comparison(True, "symbolic", "the difference simplifies to 0")
        return Comparison(True, "numeric", f"equal at {int(usable.sum())} random points")
    # float64 may overflow or cancel where 30 digits do not: a point only counts once confirmed
    points = point_set(symbols, seed, positive)
    skipped = 0
    for index in suspects:
        point = {s: float(points[s][index]) for s in symbols}
        k = _evalf_at(key, point)
        a = _evalf_at(answer, point)
        if a is None or k is None:
            # σ(500) is 1 to 30 digits; 400 digits tell 1 − σ(500) from 0
            k = _evalf_at(key, point, 400)
            a = _evalf_at(answer, point, 400)
        if k is None or a is None:
            skipped += 1  # undefined even then: the point says nothing either way
            continue
        if not abs(a - k) <= tolerance.relative * max(abs(k), abs(a)) + tolerance.absolute * max(1.0, scale):
            shown = ", ".join(f"{s.name}={v:.4g}" for s, v in point.items())
            return Comparison(False, "counterexample", f"at {shown}: {a:.6g} vs {k:.6g}")
    if int(usable.sum()) - skipped < MIN_POINTS:
        return Comparison(False, "undecided", "the answer is undefined at too many points where the key is defined")
    return Comparison(True, "numeric", f"equal at {int(usable.sum())} random points (checked to 30 digits)")


def _components(expr):
    if isinstance(expr, sympy.Tuple):
        return list(expr.args)
    if isinstance(expr, sympy.MatrixBase):
        return list(expr)
    return None


def compare(answer, key, tolerance: Tolerance, seed: int = 0, symbolic: bool = True,
            cache_answer: bool = True) -> Comparison:
    """Whether *answer* equals *key* (both in base variables)."""
    a_parts, k_parts = _components(answer), _components(key)
    if a_parts is None and k_parts is None:
        return compare_scalars(answer, key, tolerance, seed, symbolic, cache_answer)
    if a_parts is None or k_parts is None or len(a_parts) != len(k_parts):
        expected = "a single expression" if k_parts is None else f"{len(k_parts)} components"
        return Comparison(False, "shape", f"the answer should be {expected}")
    methods = []
    for i, (a, k) in enumerate(zip(a_parts, k_parts), start=1):
        result = compare_scalars(a, k, tolerance, seed, symbolic, cache_answer)
        if not result.equal:
            return Comparison(False, result.method, f"component {i}: {result.detail}")
        methods.append(result.method)
    return Comparison(True, "numeric" if "numeric" in methods else methods[0] if methods else "identical")


def constant_ratio(answer, key, seed: int = 0):
    """c when *answer* = c · *key* at every usable point (c ≠ 1), else None."""
    if not isinstance(answer, sympy.Expr) or not isinstance(key, sympy.Expr):
        return None
    symbols = tuple(sorted(answer.free_symbols | key.free_symbols, key=lambda s: s.name))
    if not symbols:
        return None
    k = values_at(key, symbols, seed)
    a = values_at(answer, symbols, seed)
    usable = np.isfinite(k) & np.isfinite(a) & (np.abs(k) > 1e-9) & _away_from_kinks(kinks_of(answer, key), symbols, seed, False)
    if usable.sum() < MIN_POINTS:
        return None
    ratios = a[usable] / k[usable]
    c = float(np.median(ratios))
    if abs(c) < 1e-12 or not np.allclose(ratios, c, rtol=1e-8, atol=0):
        return None
    return None if abs(c - 1) < 1e-8 else c
