"""Random expression trees: diff_steps agrees with sympy.diff and verifies."""

import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mathomong_sym import diff_steps
from mathomong_sym.activations import relu, sigmoid, softplus
from mathomong_sym.calculus import uses_fallback
from mathomong_sym.derivation import FAILED, check_equality
from mathomong_sym.naming import sym

x, y = sym("x"), sym("y")

UNARY = [sympy.sin, sympy.cos, sympy.exp, sympy.tanh, sympy.atan, sigmoid, softplus, relu,
         sympy.sqrt, lambda e: sympy.log(e ** 2 + 1), sympy.Abs, sympy.sinh, sympy.tan, sympy.asinh]
BINARY = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (b ** 2 + 1),
    lambda a, b: a ** 2 * b,
    lambda a, b: a / b,
    lambda a, b: sympy.Max(a, b),
]

leaves = st.sampled_from([x, x, x, y, sympy.Integer(2), sympy.Integer(3), sympy.Rational(1, 2)])


def _extend(children):
    unary = st.tuples(st.sampled_from(UNARY), children).map(lambda t: t[0](t[1]))
    binary = st.tuples(st.sampled_from(BINARY), children, children).map(lambda t: t[0](t[1], t[2]))
    power = st.tuples(children, st.sampled_from([2, 3, -1, -2, sympy.Rational(1, 3)])).map(lambda t: t[0] ** t[1])
    return unary | binary | power


expressions = st.recursive(leaves, _extend, max_leaves=6)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions)
def test_random_trees_match_sympy_and_verify(expr):
    assume(expr.has(x) and expr.is_finite is not False and not expr.has(sympy.zoo, sympy.nan))
    # ReLU and max compare their arguments with 0 or each other: only real ones
    kinks = expr.atoms(relu, sympy.Max)
    assume(all(a.is_extended_real for kink in kinks for a in kink.args))
    derivation = diff_steps(expr, x)
    expected = sympy.diff(expr, x)
    outcome, detail = check_equality(derivation.result, expected, {})
    assert outcome != FAILED, detail
    report = derivation.verify(points=2)
    assert report.ok, [(c.step.rule, c.detail) for c in report.failures]
    # the one fallback in this grammar: |f| of an f that may be complex
    # (x^(1/3) of a negative x), which has no real derivative rule
    complex_abs = any(not a.args[0].is_extended_real for a in expr.atoms(sympy.Abs))
    assert complex_abs or not uses_fallback(derivation)
    names = [s.name for s in derivation.definitions]
    assert len(names) == len(set(names))


@settings(deadline=None)
@given(st.lists(st.sampled_from([sympy.Integer(k) for k in range(1, 6)]), min_size=2, max_size=6),
       st.integers(min_value=0, max_value=5))
def test_partial_of_a_linear_form_has_one_term(coefficients, pick):
    weights = [sym(f"w_{i}") for i in range(1, len(coefficients) + 1)]
    inputs = [sym(f"x_{i}") for i in range(1, len(coefficients) + 1)]
    expr = sum(w * xi for w, xi in zip(weights, inputs)) + sym("b")
    target = weights[pick % len(weights)]
    derivation = diff_steps(expr, target)
    assert derivation.result == inputs[pick % len(weights)]
    assert "constant rule" not in [s.rule for s, _ in derivation.walk()]
    assert derivation.verify().ok
