"""Fuzzing: random text and random LaTeX never raise; each gets a verdict.

The checks go through the worker pool, which enforces the time limit, so a
slow answer becomes "invalid" instead of a hung test.
"""

from __future__ import annotations

import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathomong_sym import check_answer
from mathomong_sym.check.checker import VERDICTS
from mathomong_sym.errors import ParseError
from mathomong_sym.parsing import parse_expression

KEY = r"2(\hat{y}-y)\sigma(z)(1-\sigma(z))x"

_atoms = st.sampled_from([
    "x", "y", "z", "W", "b", "t", "2", "0", "1.5", "10", r"\hat{y}", r"\hat y_1", r"w^{(2)}_{13}", "x_1", r"x_{2}",
    r"\pi", "e", r"\mathrm{e}", r"\delta^{(1)}_1", "σ", "−", "·", r"\infty", "'", "H", r"\theta", "0.0001",
])
_unary = st.sampled_from([
    r"\sigma({})", r"\sigma'({})", r"\tanh({})", r"\ln {}", r"\log({})", r"\exp({})", r"e^{{{}}}", r"\sqrt{{{}}}",
    r"\left({}\right)", "({})", r"\operatorname{{ReLU}}({})", "H({})", r"\max(0, {})", "|{}|", "-{}", r"{}^{{2}}",
    r"\frac12 {}", r"\operatorname{{sech}}^2({})", r"\sin^{{2}} {}", "{}!", r"\hat{{{}}}", "{{{}}}", "{}_{{1}}",
])
_binary = st.sampled_from([
    "{} + {}", "{} - {}", r"{} \cdot {}", r"{} \times {}", "{}{}", r"\frac{{{}}}{{{}}}", "{}^{{{}}}", "{} / {}",
    "({}, {})", "{} = {}", r"\begin{{cases}} {} & z > 0 \\ {} & \text{{otherwise}} \end{{cases}}",
    r"\begin{{pmatrix}} {} \\ {} \end{{pmatrix}}", "{}){}", "{}({}",
])

latex = st.recursive(
    _atoms,
    lambda inner: st.one_of(
        st.builds(lambda f, a: f.format(a), _unary, inner),
        st.builds(lambda f, a, b: f.format(a, b), _binary, inner, inner),
    ),
    max_leaves=12,
)

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text(max_size=300))
def test_random_text_gets_a_verdict(text):
    result = check_answer(text, KEY, timeout=2.0)
    assert result.verdict in VERDICTS
    assert result.feedback


@FUZZ
@given(latex)
def test_random_latex_gets_a_verdict(text):
    result = check_answer(text, KEY, timeout=2.0)
    assert result.verdict in VERDICTS
    if result.verdict == "invalid":
        assert result.details.get("reason")


@settings(max_examples=200, deadline=None)
@given(st.one_of(latex, st.text(max_size=120)))
def test_parse_expression_raises_only_parse_errors(text):
    try:
        value = parse_expression(text)
    except ParseError:
        return
    assert isinstance(value, (sympy.Expr, sympy.Tuple, sympy.MatrixBase))
