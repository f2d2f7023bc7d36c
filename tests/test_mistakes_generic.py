"""Every wrong answer is looked at with every explanation, whether or not the key lists mistakes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy

from mathomong_sym import check_answer
from mathomong_sym.check import AnswerEntry, AnswerKey
from mathomong_sym.check.grading import AnswerRow, grade
from mathomong_sym.check.key import Mistake
from mathomong_sym.check.mistakes import CATALOGUE, places_asked, stable_name
from mathomong_sym.check.equivalence import Tolerance
from mathomong_sym.check.prose import unicode_math
from mathomong_sym.naming import sym


def _mistake(answer, key, **kwargs):
    result = check_answer(answer, key, timeout=None, **kwargs)
    assert result.verdict == "incorrect", result
    return result.details.get("mistake"), result.feedback


@pytest.mark.parametrize("answer, key, name", [
    ("-2x", "2x", "sign_flipped"),
    ("x", "2x", "factor_2_dropped"),
    ("4x", "2x", "factor_2_extra"),
    ("-x", "2x", "sign_flipped_and_factor_2_dropped"),
    (r"\frac{1}{2x}", "2x", "reciprocal"),
    ("6x", "2x", "constant_factor"),
    ("2x+5", "2x", "constant_offset"),
    (r"2(\hat{y}-y)x", r"2(\hat{y}-y)\sigma(z)(1-\sigma(z))x", "chain_factor_forgotten"),
    (r"2(\hat{y}-y)", r"2(\hat{y}-y)\sigma(z)(1-\sigma(z))x", "chain_factor_forgotten"),  # the chain stopped early
    (r"\sigma(z)(1-\sigma(z))x", r"2(\hat{y}-y)\sigma(z)(1-\sigma(z))x", "chain_factor_forgotten"),
    ("-0.4576", "0.4576", "sign_flipped"),
    ("0.2288", "0.4576", "factor_2_dropped"),
    ("0.9152", "0.4576", "factor_2_extra"),
    ("2.1853", "0.4576", "reciprocal"),
    ("1.3728", "0.4576", "constant_factor"),
    ("0.46", "0.4576", "rounded_too_far"),
    ("0.45", "0.4576", "rounded_too_far"),
])
def test_generic_mistakes_without_a_listed_one(answer, key, name):
    found, feedback = _mistake(answer, key)
    assert found == name, feedback
    assert "Not quite:" in feedback


def test_the_factors_left_out_are_named_as_the_key_writes_them():
    key = r"2(\hat{y}-y)\sigma(z)(1-\sigma(z))x"
    _, feedback = _mistake(r"\sigma(z)(1-\sigma(z))x", key)
    assert "factors are missing: the right answer is 2(ŷ − y)σ(z)(1 − σ(z))x, with 2(ŷ − y)." in feedback
    _, feedback = _mistake(r"2(\hat{y}-y)\sigma(z)x", key)
    assert "a factor is missing" in feedback and "with 1 − σ(z)." in feedback


def test_no_explanation_is_invented():
    found, feedback = _mistake(r"\sin(x)", "x^2")
    assert found is None and "This is not right." in feedback
    found, _ = _mistake("0.0157", "0.0158")  # off, but by none of the rules
    assert found is None


def test_rounding_follows_the_tolerance():
    assert places_asked(0.4576, Tolerance(1e-3, 1e-12)) == 3
    assert places_asked(0.4576, Tolerance(0.0, 1e-4)) == 4
    entry = AnswerEntry.from_expr("q", sympy.Float("0.45762", 15), tolerance={"absolute": 1e-4, "relative": 0})
    assert check_answer("0.4576", entry, timeout=None).verdict == "correct"
    assert _mistake("0.458", entry)[0] == "rounded_too_far"
    assert "give at least 4" in _mistake("0.46", entry)[1]


def test_a_tie_of_listed_mistakes_gets_the_message_true_of_both():
    """x₂ = −1: leaving out ∂z/∂w₂ = x₂ and flipping the sign give the same number."""
    key = sympy.Rational(-3, 10)
    entry = AnswerEntry.from_expr("q", key, mistakes=[
        Mistake.from_expr(-key, r"The factor $\frac{\partial z}{\partial w_2} = x_2$ is missing", name="5a-mistake-3"),
        Mistake.from_expr(-key, r"The sign of $\hat{y} - y$ is flipped", name="5a-mistake-5"),
        Mistake.from_expr(3 * key, r"You used $x_1$ instead of $x_2$", name="5a-mistake-1")])
    result = check_answer("0.3", entry, timeout=None)
    assert result.details["mistake"] == "sign_flipped"
    assert "wrong sign" in result.feedback and "missing" not in result.feedback
    result = check_answer("-0.9", entry, timeout=None)  # one listed mistake: its own message, in Unicode
    assert result.details["mistake"] == "listed_in_key" and result.details["key_mistake"] == "5a-mistake-1"
    assert "You used x₁ instead of x₂" in result.feedback or "you used x₁ instead of x₂" in result.feedback
    assert result.details["message_latex"].endswith("You used $x_1$ instead of $x_2$.") or \
        "$x_1$" in result.details["message_latex"]


def test_a_named_mistake_only_when_it_explains_best():
    """A derivation's key lists both a sign flip and a forgotten factor; with x = −1 they coincide."""
    entry = AnswerEntry.from_expr("q", sympy.Integer(6), mistakes=[
        Mistake.from_expr(sympy.Integer(-6), "a factor of the chain is missing: ∂z/∂w = x", name="chain_factor_forgotten"),
        Mistake.from_expr(sympy.Integer(-6), "the sign is flipped", name="sign_flipped")])
    result = check_answer("-6", entry, timeout=None)
    assert result.details["mistake"] == "sign_flipped" and "sign" in result.feedback


def test_stable_names():
    assert stable_name("sign_flipped") == "sign_flipped"
    assert stable_name("undifferentiated") == "undifferentiated"  # a teacher's own
    assert stable_name("5a-mistake-5") == ""  # a generated id is not a name


def test_a_value_at_the_wrong_point_through_grade():
    x = sym("x")
    key = AnswerKey(worksheet="w", version="A", seed=1, entries=[
        AnswerEntry.from_expr("a", 3 * x ** 2, variables=["x"]),
        AnswerEntry.from_expr("b", sympy.Integer(12)),  # a at x = 2 (and x = −2)
    ])
    rows = [AnswerRow(2, "ann", "A", "b", "27"), AnswerRow(3, "bob", "A", "b", "12"), AnswerRow(4, "cy", "A", "b", "0.75")]
    report = grade([key], rows, timeout=None)
    assert [r.verdict for r in report.rows] == ["incorrect", "correct", "incorrect"]
    assert report.rows[0].mistake == "wrong_point" and "x = 3" in report.rows[0].feedback
    assert report.rows[2].mistake == "wrong_point" and "x = 0.5" in report.rows[2].feedback


def test_the_catalogue_is_documented():
    docs = (Path(__file__).resolve().parent.parent / "docs" / "answer-key-format.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| \d+ \| `(\w+)` \|", docs, flags=re.M)
    assert documented == list(CATALOGUE)


@pytest.mark.parametrize("text, shown", [
    (r"The factor $\frac{\partial L}{\partial \hat{y}} = 2 \left(\hat{y} - y\right)$ is missing",
     "The factor ∂L/∂ŷ = 2(ŷ − y) is missing"),
    (r"$\frac{\partial \hat{y}}{\partial z}$ is $\sigma'(z) = \sigma(z)\left(1 - \sigma(z)\right)$",
     "∂ŷ/∂z is σ′(z) = σ(z)(1 − σ(z))"),
    (r"multiply by $\frac{du}{dx}$ at $u = 2 x^{2} - 4 x$", "multiply by du/dx at u = 2x² − 4x"),
    (r"$w^{(2)}_{13}$ and $x_2 = -1$", "w⁽²⁾₁₃ and x₂ = −1"),
    ("no math here, $5 only", "no math here, $5 only"),
])
def test_messages_are_unicode_math(text, shown):
    assert unicode_math(text) == shown
