"""Is an answer equal to the key?  Exact when cheap, random points always.

The decision combines, in this order:

1. identity;
2. evaluation at 30 random points (WeBWorK's method, with more and wider
   points: in (0.1, 0.9), in [−3, 3], in [−10, 10] and a few with
   magnitudes from 20 to 1000, so that an answer equal to the key only on
   [−2, 2], or clamped far away, is caught).  Where the key is defined at
   fewer than 6 of them, or is so large at nearly all of them (|key| > 10⁶)
   that a wrong term of order 1 beside it would vanish within the relative
   1e-8, positive points and further sets are added until 6 points agree
   and 3 of them could show such a term; every set's points must agree.
   Points where the key is
   undefined (log or sqrt of a negative number) are skipped; a point where
   the key is defined and the answer is not (or is complex) counts against
   the answer, so ln x is not ln|x| and a piecewise answer must cover the
   key's whole domain; points within
   1e-6 of a kink (the argument of H, ReLU, |·|, max, a piecewise condition)
   are skipped, so ReLU′ is compared away from 0.  A point where the two
   differ is confirmed with 30-digit arithmetic before the answer is called
   wrong, so floating-point overflow never rejects a right answer;
3. for an answer that passes and is small, an exact symbolic difference of
   0 after σ and tanh are rewritten into exponentials, which upgrades the
   method from "numeric" to "symbolic" (a proof rather than evidence).

No false accepts comes first: an answer is equal only when *every* usable
point agrees to a relative 1e-8.

Numbers are compared by how they were written.  Two exact numbers (an
integer, a fraction, a closed form such as σ(7) or tanh(7)) are compared
exactly, to 20 significant digits (computed with 30 and with 100), so
tanh(7) is not σ(7) however close they are.  A number typed as a decimal
(``0.9991``, ``≈ 0.458``, ``2.86e-3``: the reader gives its places) is a
rounded value: it must be within the key's tolerance (relative 1e-3 with an
absolute floor of 1e-12) *and* be the key rounded to the places typed
(within half a unit in the last place), so 0.99999834 (tanh 7 to eight
places) and 1.000 are not σ(7) = 0.99908895… while 0.9991 and 0.999 are.
A key that sets its own tolerance accepts every number within it, rounded
or exact (22/7 for π within 1 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mpmath
import numpy as np
import sympy

from ..activations import NUMPY_FUNCTIONS, leaky_relu, relu, step

__all__ = ["Comparison", "Tolerance", "compare", "compare_numbers", "values_at", "point_set", "kinks_of",
           "constant_ratio"]

SYMBOLIC_OPS_LIMIT = 30
MIN_POINTS = 6


@dataclass(frozen=True)
class Tolerance:
    relative: float
    absolute: float
    explicit: bool = False  # set by the key: it then holds for every number, rounded or exact

    @classmethod
    def for_key(cls, key_is_number: bool, given=None) -> "Tolerance":
        given = dict(given or {})
        default = NUMBER_TOLERANCE if key_is_number else EXPRESSION_TOLERANCE
        if not given:
            return default
        return cls(float(given.get("relative", default.relative)), float(given.get("absolute", default.absolute)),
                   True)


#: unless the key sets its own: how close a rounded number must be, and an expression at every point
NUMBER_TOLERANCE = Tolerance(1e-3, 1e-12)
EXPRESSION_TOLERANCE = Tolerance(1e-8, 1e-12)


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


class _Unsupported(Exception):
    """A node the array evaluator does not know (lambdify takes over)."""


_ANALYTIC = {
    sympy.exp: np.exp, sympy.log: np.log, sympy.sin: np.sin, sympy.cos: np.cos, sympy.tan: np.tan,
    sympy.sinh: np.sinh, sympy.cosh: np.cosh, sympy.tanh: np.tanh, sympy.asin: np.arcsin, sympy.acos: np.arccos,
    sympy.atan: np.arctan, sympy.asinh: np.arcsinh, sympy.atanh: np.arctanh,
}
_RELATIONS = {sympy.StrictGreaterThan: np.greater, sympy.GreaterThan: np.greater_equal,
              sympy.StrictLessThan: np.less, sympy.LessThan: np.less_equal, sympy.Equality: np.equal,
              sympy.Unequality: np.not_equal}
_REAL_ONLY = {sympy.Abs: np.abs, sympy.sign: np.sign}


def _real_part(values):
    """The real values, NaN where a value is not real (|x| of ln(−2) is undefined, not 2.1)."""
    values = np.asarray(values)
    if not np.iscomplexobj(values):
        return values.astype(float)
    return np.where(np.abs(values.imag) <= 1e-12 * (1 + np.abs(values.real)), values.real, np.nan)


def _array_values(expr, env: dict, n: int):
    """*expr* at the points of *env* by walking its tree with numpy (complex, NaN where undefined).

    Fresh answers are evaluated once each; walking the tree costs far less than
    lambdify's code generation, and repeated subtrees (σ(z) in σ(z)(1 − σ(z)))
    are computed once.
    """
    memo: dict = {}

    def walk(node):
        found = memo.get(node)
        if found is not None:
            return found
        value = visit(node)
        memo[node] = value
        return value

    def visit(node):
        if node.is_Symbol:
            return env[node]
        if node.is_Rational:
            return node.p / node.q
        if node.is_Number or node.is_NumberSymbol:
            return float(node)
        if node.is_Add:
            total = walk(node.args[0])
            for arg in node.args[1:]:
                total = total + walk(arg)
            return total
        if node.is_Mul:
            product = walk(node.args[0])
            for arg in node.args[1:]:
                product = product * walk(arg)
            return product
        if node.is_Pow:
            base = walk(node.base)
            if node.exp.is_Integer:
                return np.asarray(base, dtype=complex) ** int(node.exp)
            return np.power(np.asarray(base, dtype=complex), walk(node.exp))
        func = node.func
        if func in _ANALYTIC:
            return _ANALYTIC[func](np.asarray(walk(node.args[0]), dtype=complex))
        if func in _REAL_ONLY:
            return _REAL_ONLY[func](_real_part(walk(node.args[0])))
        if func in (sympy.Max, sympy.Min):
            parts = [_real_part(walk(arg)) for arg in node.args]
            combine = np.maximum if func is sympy.Max else np.minimum
            out = parts[0]
            for part in parts[1:]:
                out = combine(out, part)
            return out
        if func is sympy.Heaviside:
            h0 = float(node.args[1]) if len(node.args) > 1 else 0.5
            return np.heaviside(_real_part(walk(node.args[0])), h0)
        if func is sympy.Piecewise:
            out = np.full(n, np.nan, dtype=complex)
            decided = np.zeros(n, dtype=bool)
            for value, condition in node.args:
                holds = np.asarray(walk(condition), dtype=bool) * np.ones(n, dtype=bool)
                take = holds & ~decided
                out = np.where(take, np.asarray(walk(value), dtype=complex) * np.ones(n), out)
                decided |= holds
            return out
        if func in _RELATIONS:
            left, right = _real_part(walk(node.args[0])), _real_part(walk(node.args[1]))
            return _RELATIONS[func](left, right)
        if node is sympy.true or node is sympy.false:
            return np.full(n, bool(node))
        if func is sympy.And:
            out = np.ones(n, dtype=bool)
            for arg in node.args:
                out &= np.asarray(walk(arg), dtype=bool)
            return out
        if func is sympy.Or:
            out = np.zeros(n, dtype=bool)
            for arg in node.args:
                out |= np.asarray(walk(arg), dtype=bool)
            return out
        if func is sympy.Not:
            return ~np.asarray(walk(node.args[0]), dtype=bool)
        implementation = NUMPY_FUNCTIONS.get(func.__name__)
        if implementation is not None and func.__name__ not in ("softmax",):
            return implementation(*[np.asarray(walk(arg), dtype=complex) * np.ones(n) for arg in node.args])
        if func.__name__ == "softmax":
            return NUMPY_FUNCTIONS["softmax"](int(node.args[0]), *[np.asarray(walk(a), dtype=complex) * np.ones(n)
                                                                   for a in node.args[1:]])
        if not node.free_symbols:
            return complex(sympy.N(node, 17))
        raise _Unsupported(type(node).__name__)

    return np.asarray(walk(expr), dtype=complex) * np.ones(n)


def values_at(expr, symbols: tuple, seed: int = 0, positive: bool = False, cached: bool = True) -> np.ndarray:
    """*expr* evaluated at the point set of *symbols* (NaN where undefined or not real).

    The tree is walked with numpy; a node it does not know is left to
    lambdify (cached per expression unless ``cached`` is false, so a benchmark
    of fresh answers does not reuse compilations).
    """
    points = point_set(symbols, seed, positive)
    n = len(next(iter(points.values()))) if points else _N_POINTS
    try:
        with np.errstate(all="ignore"):
            try:
                out = _array_values(expr, {s: points[s].astype(complex) for s in symbols}, n)
            except _Unsupported:
                function = _compiled(expr, symbols) if cached else _compiled.__wrapped__(expr, symbols)
                out = np.asarray(function(*[points[s] for s in symbols]), dtype=complex) * np.ones(n)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, NameError, AttributeError, KeyError):
        return _values_by_evalf(expr, symbols, seed, positive)
    return _real_part(out)


def _values_by_evalf(expr, symbols, seed, positive):
    points = point_set(symbols, seed, positive)
    n = len(next(iter(points.values()))) if points else _N_POINTS
    out = np.full(n, np.nan)
    for i in range(n):
        value = _evalf_at(expr, {s: points[s][i] for s in symbols})
        if value is not None:
            out[i] = value
    return out


class _Undefined(Exception):
    """The expression has no real value at the point."""


_MP_ANALYTIC = {
    sympy.exp: mpmath.exp, sympy.log: mpmath.log, sympy.sin: mpmath.sin, sympy.cos: mpmath.cos,
    sympy.tan: mpmath.tan, sympy.sinh: mpmath.sinh, sympy.cosh: mpmath.cosh, sympy.tanh: mpmath.tanh,
    sympy.asin: mpmath.asin, sympy.acos: mpmath.acos, sympy.atan: mpmath.atan, sympy.asinh: mpmath.asinh,
    sympy.atanh: mpmath.atanh,
}
_MP_RELATIONS = {sympy.StrictGreaterThan: lambda a, b: a > b, sympy.GreaterThan: lambda a, b: a >= b,
                 sympy.StrictLessThan: lambda a, b: a < b, sympy.LessThan: lambda a, b: a <= b,
                 sympy.Equality: lambda a, b: a == b, sympy.Unequality: lambda a, b: a != b}


def _mp_real(value):
    if isinstance(value, mpmath.mpc):
        if abs(value.imag) > mpmath.mpf(10) ** -12 * (1 + abs(value.real)):
            raise _Undefined
        return value.real
    return value


def _mp_value(expr, point: dict):
    """*expr* at *point* in mpmath at the working precision (raises _Undefined)."""
    memo: dict = {}

    def walk(node):
        if node in memo:
            return memo[node]
        value = visit(node)
        memo[node] = value
        return value

    def visit(node):
        if node.is_Symbol:
            return point[node]
        if node.is_Integer:
            return mpmath.mpf(int(node))
        if node.is_Rational:
            return mpmath.mpf(node.p) / node.q
        if node.is_Number or node.is_NumberSymbol:
            return mpmath.mpf(sympy.Float(node, mpmath.mp.dps))
        if node.is_Add:
            return mpmath.fsum(walk(arg) for arg in node.args)
        if node.is_Mul:
            product = mpmath.mpf(1)
            for arg in node.args:
                product *= walk(arg)
            return product
        if node.is_Pow:
            base, exponent = walk(node.base), walk(node.exp)
            if base == 0 and _mp_real(exponent) < 0:
                raise _Undefined
            return mpmath.power(base, exponent)
        func = node.func
        if func in _MP_ANALYTIC:
            return _MP_ANALYTIC[func](walk(node.args[0]))
        if func is sympy.Abs:
            return abs(_mp_real(walk(node.args[0])))
        if func is sympy.sign:
            return mpmath.sign(_mp_real(walk(node.args[0])))
        if func in (sympy.Max, sympy.Min):
            parts = [_mp_real(walk(arg)) for arg in node.args]
            return max(parts) if func is sympy.Max else min(parts)
        if func is sympy.Heaviside:
            z = _mp_real(walk(node.args[0]))
            h0 = walk(node.args[1]) if len(node.args) > 1 else mpmath.mpf(0.5)
            return mpmath.mpf(1) if z > 0 else (mpmath.mpf(0) if z < 0 else h0)
        if func is sympy.Piecewise:
            for value, condition in node.args:
                if walk(condition):
                    return walk(value)
            raise _Undefined  # no piece covers the point
        if func in _MP_RELATIONS:
            return _MP_RELATIONS[func](_mp_real(walk(node.args[0])), _mp_real(walk(node.args[1])))
        if node is sympy.true or node is sympy.false:
            return bool(node)
        if func is sympy.And:
            return all(walk(arg) for arg in node.args)
        if func is sympy.Or:
            return any(walk(arg) for arg in node.args)
        if func is sympy.Not:
            return not walk(node.args[0])
        exact_form = getattr(node, "_exact_form", None)
        if exact_form is not None:
            # the package's functions by the closed form their mpmath printer hook prints (σ = 1/(1 + e^−z) …)
            return walk(exact_form())
        args = [walk(arg) for arg in node.args]
        # anything else: sympy evaluates this one node at the computed arguments
        numeric = node.func(*[sympy.Float(_mp_real(a), mpmath.mp.dps) for a in args])
        return mpmath.mpmathify(complex(sympy.N(numeric, mpmath.mp.dps)))

    return walk(expr)


def _evalf_at(expr, point: dict, digits: int = 30):
    """*expr* at *point* with *digits* significant digits, as a float; None where it has no real value."""
    try:
        with mpmath.workdps(digits):
            value = _mp_real(_mp_value(expr, {s: mpmath.mpf(v) for s, v in point.items()}))
            result = float(value)
    except (_Undefined, TypeError, ValueError, OverflowError, ZeroDivisionError, AttributeError):
        return None
    if not np.isfinite(result):
        return None
    return result


def _mp_constant(expr, digits: int):
    """The real value of a constant *expr* to *digits* significant digits (an mpf), or None."""
    try:
        with mpmath.workdps(digits):
            value = _mp_real(_mp_value(expr, {}))
            if not mpmath.isfinite(value):
                return None
            return +value
    except (_Undefined, TypeError, ValueError, OverflowError, ZeroDivisionError, AttributeError):
        return None


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

#: a power (a + b)ⁿ above this is not expanded to confirm an equality symbolically: ((x+y)¹⁰⁰ − (x−y)¹⁰⁰)/…
#: takes tens of seconds to cancel, and the numeric verdict already stands (only its label would change)
SYMBOLIC_POWER_LIMIT = 12


def _expands_large(expr) -> bool:
    return any(node.is_Pow and node.base.is_Add and node.exp.is_Integer and abs(node.exp) > SYMBOLIC_POWER_LIMIT
               for node in sympy.preorder_traversal(expr))


def _symbolically_zero(difference) -> bool:
    if sympy.count_ops(difference) > SYMBOLIC_OPS_LIMIT or _expands_large(difference):
        return False
    try:
        rewritten = difference.rewrite(sympy.exp)
        return sympy.expand(rewritten) == 0 or sympy.cancel(sympy.expand(rewritten)) == 0
    except (TypeError, ValueError, NotImplementedError, RecursionError):
        return False


def _close(a, k, tolerance: Tolerance):
    return np.abs(a - k) <= tolerance.relative * np.maximum(np.abs(k), np.abs(a)) + tolerance.absolute


#: two exact numbers are equal when they agree to this many significant digits
EXACT_DIGITS = 20


def _float_resolution(expr, value):
    """How far a number computed in floating point (a sympy Float given by code, not typed) may be off."""
    floats = expr.atoms(sympy.Float) if isinstance(expr, sympy.Basic) else ()
    if not floats:
        return 0
    bits = min(f._prec for f in floats)
    return mpmath.mpf(2) ** (8 - bits) * abs(value)


def _rounding_gap(answer, a, answer_places, key, k, key_places):
    """How far apart two values rounded from one number can be, or None when both sides are exact.

    A value typed with *p* places stands for any number within half a unit
    in its last place (0.9991 for [0.99905, 0.99915]); two rounded values
    of one number are within the sum of their half units.
    """
    units = [mpmath.mpf(10) ** -places / 2 for places in (answer_places, key_places) if places is not None]
    units += [r for r in (_float_resolution(answer, a), _float_resolution(key, k)) if r]
    return sum(units) if units else None


def _precise_values(answer, key):
    """(answer, key, noise): both to 100 digits, and how far cancellation may have moved them; or a Comparison.

    Each is computed with 30 and with 100 digits: how much a value moves
    between the two says how many digits cancellation cost it (tanh(40) − 1
    is 0 to 30 digits and −3.6·10⁻³⁵ to 100), so a difference is only
    forgiven where it is below what the working precision can tell.  A
    rounded value is compared in the same arithmetic: 485165195.40979029 is
    not e²⁰ = 485165195.40979027797… to eight places, which floating point
    cannot tell.
    """
    values = []
    for digits in (30, 100):
        a, k = _mp_constant(answer, digits), _mp_constant(key, digits)
        if k is None:
            return Comparison(False, "undecided", "the key's value cannot be computed")
        if a is None:
            return Comparison(False, "counterexample", "the answer has no real value")
        values.append((a, k))
    (a30, k30), (a, k) = values
    return a, k, (abs(a30 - a) + abs(k30 - k)) * mpmath.mpf(10) ** -60


def compare_numbers(answer, key, tolerance: Tolerance, answer_places=None, key_places=None) -> Comparison:
    """Two numbers (no variables): exactly, or within what a rounded value's places and the key allow."""
    values = _precise_values(answer, key)
    if isinstance(values, Comparison):
        return values
    a, k, noise = values
    scale = max(abs(a), abs(k))
    if tolerance.explicit:
        allowed = tolerance.relative * scale + tolerance.absolute
        how = "within the key's tolerance"
    else:
        gap = _rounding_gap(answer, a, answer_places, key, k, key_places)
        if gap is None:  # two exact values
            allowed = scale * mpmath.mpf(10) ** -EXACT_DIGITS
            how = f"equal to {EXACT_DIGITS} significant digits"
        else:
            # a rounded value's digits must be right: the key rounds to it (0.9991, not 0.99999834, for σ(7)).
            # Two rounded values must overlap by more than a point: 0.9992 is not 0.9991.
            both = answer_places is not None and key_places is not None
            allowed = min(NUMBER_TOLERANCE.relative * scale + NUMBER_TOLERANCE.absolute,
                          gap * (1 - mpmath.mpf(10) ** -9 if both else 1 + mpmath.mpf(10) ** -9))
            how = "the key rounded to the places typed"
    if abs(a - k) <= allowed + noise:
        return Comparison(True, "numeric", how)
    return Comparison(False, "counterexample", f"{mpmath.nstr(a, 15)} vs {mpmath.nstr(k, 15)}")


def compare_scalars(answer, key, tolerance: Tolerance, seed: int = 0, symbolic: bool = True,
                    cache_answer: bool = True, answer_places=None, key_places=None) -> Comparison:
    if answer == key:
        return Comparison(True, "identical")
    symbols = tuple(sorted(answer.free_symbols | key.free_symbols, key=lambda s: s.name))
    if not symbols:
        return compare_numbers(answer, key, tolerance, answer_places, key_places)
    kinks = kinks_of(answer, key)
    agreed = resolving = 0
    confirmed = False
    for offset, positive in _POINT_SETS:
        result = _compare_at_points(answer, key, symbols, kinks, tolerance, seed + offset, positive, cache_answer)
        if isinstance(result, Comparison):
            return result
        agreed += result[0]
        resolving += result[1]
        confirmed |= result[2]
        if agreed >= MIN_POINTS and resolving >= MIN_RESOLVING:
            break
    if agreed < MIN_POINTS:
        return Comparison(False, "undecided", "the key (or the answer) cannot be evaluated at enough points")
    if not confirmed and symbolic and _symbolically_zero(answer - key):
        return Comparison(True, "symbolic", "the difference simplifies to 0")
    return Comparison(True, "numeric", f"equal at {agreed} random points" + (" (checked to 30 digits)" if confirmed else ""))


#: the point sets tried, (seed offset, positive), until enough points agree and enough of them can show a difference
_POINT_SETS = ((0, False), (0, True), (1, False), (1, True), (2, False), (2, True))
#: points where the key is at most this large can show a difference of order 1 within the relative 1e-8
#: (where a key term is 10³⁰, a wrong ln term beside it cannot be seen)
RESOLVING = 1e6
MIN_RESOLVING = 3


def _compare_at_points(answer, key, symbols, kinks, tolerance, seed, positive, cache_answer):
    """A counterexample among one point set, or (points that agree, of which resolving, any confirmed to 30 digits)."""
    key_values = values_at(key, symbols, seed, positive)
    usable = np.isfinite(key_values) & _away_from_kinks(kinks, symbols, seed, positive)
    if not usable.any():
        return 0, 0, False
    answer_values = values_at(answer, symbols, seed, positive, cached=cache_answer)
    answer_defined = np.isfinite(answer_values)
    close = answer_defined & _close(answer_values, key_values, tolerance)
    suspects = np.flatnonzero(usable & ~close)
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
        if k is None:
            skipped += 1  # the key is undefined here after all: the point says nothing
            usable[index] = False
            continue
        if a is None:
            # where the key has a value the answer must have the same one: ln x is not ln|x|
            shown = ", ".join(f"{s.name}={v:.4g}" for s, v in point.items())
            return Comparison(False, "counterexample", f"at {shown} the answer is undefined (or not real) "
                                                       f"where the key is {k:.6g}")
        if not abs(a - k) <= tolerance.relative * max(abs(k), abs(a)) + tolerance.absolute:
            shown = ", ".join(f"{s.name}={v:.4g}" for s, v in point.items())
            return Comparison(False, "counterexample", f"at {shown}: {a:.6g} vs {k:.6g}")
    resolving = usable & (np.abs(np.nan_to_num(key_values, nan=np.inf)) <= RESOLVING)
    return int(usable.sum()), int(resolving.sum()), len(suspects) > 0


def _components(expr):
    if isinstance(expr, sympy.Tuple):
        return list(expr.args)
    if isinstance(expr, sympy.MatrixBase):
        return list(expr)
    return None


def _each(places, n: int) -> list:
    """Per-component places (None for each when not given per component)."""
    return list(places) if isinstance(places, tuple) and len(places) == n else [None] * n


def compare(answer, key, tolerance: Tolerance, seed: int = 0, symbolic: bool = True,
            cache_answer: bool = True, answer_places=None, key_places=None) -> Comparison:
    """Whether *answer* equals *key* (both in base variables).

    ``answer_places`` and ``key_places`` are the decimal places a side was
    typed with when it was typed as a decimal number (the reader's
    :attr:`~mathomong_sym.parsing.Reading.places`), a tuple for a list.
    """
    a_parts, k_parts = _components(answer), _components(key)
    if a_parts is None and k_parts is None:
        return compare_scalars(answer, key, tolerance, seed, symbolic, cache_answer,
                               None if isinstance(answer_places, tuple) else answer_places,
                               None if isinstance(key_places, tuple) else key_places)
    if a_parts is None or k_parts is None or len(a_parts) != len(k_parts):
        expected = "a single expression" if k_parts is None else f"{len(k_parts)} components"
        return Comparison(False, "shape", f"the answer should be {expected}")
    methods = []
    a_places, k_places = _each(answer_places, len(a_parts)), _each(key_places, len(k_parts))
    for i, (a, k) in enumerate(zip(a_parts, k_parts), start=1):
        result = compare_scalars(a, k, tolerance, seed, symbolic, cache_answer, a_places[i - 1], k_places[i - 1])
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
