"""Every wrong answer is looked at with every explanation, whether or not the key lists mistakes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy

from mathomong_sym import check_answer, parse_expression
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


# ---------------------------------------------------------------------------
# one factor written in place of a related one: σ(z)² for σ′(z) = σ(z)(1 − σ(z))
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("answer, key, message", [
    (r"\sigma(z)^2", r"\sigma(z)(1-\sigma(z))", "you wrote σ(z) where 1 − σ(z) belongs: the right answer is σ(z)(1 − σ(z))"),
    (r"\sigma(z)\cdot\sigma(z)", r"\sigma(z)(1-\sigma(z))", "you wrote σ(z) where 1 − σ(z) belongs"),
    ("sigmoid(z)**2", r"\sigma'(z)", "you wrote σ(z) where 1 − σ(z) belongs"),
    (r"(1-\sigma(z))^2", r"\sigma(z)(1-\sigma(z))", "you wrote 1 − σ(z) where σ(z) belongs"),
    (r"2(\hat{y}-y)\sigma(z)^2x", r"2(\hat{y}-y)\sigma(z)(1-\sigma(z))x", "you wrote σ(z) where 1 − σ(z) belongs"),
    (r"e^{-2z}", r"\frac{e^{-z}}{(1+e^{-z})^2}", "you wrote e^(−z) where 1/(1 + e^(−z))² belongs"),
])
def test_a_factor_written_in_place_of_a_related_one(answer, key, message):
    found, feedback = _mistake(answer, key)
    assert found == "factor_repeated", feedback
    assert message in feedback, feedback
    assert not re.search(r"\\[A-Za-z]|\$", feedback)


@pytest.mark.parametrize("answer, key", [
    (r"\sigma(z)(1-\sigma(z))", r"\sigma(z)(1-\sigma(z))"),
    (r"\sigma(z)-\sigma(z)^2", r"\sigma(z)(1-\sigma(z))"),
    (r"\sigma'(z)", r"\sigma(z)(1-\sigma(z))"),
    (r"\frac{e^{-z}}{(1+e^{-z})^2}", r"\sigma(z)(1-\sigma(z))"),
    (r"2(\hat{y}-y)\sigma'(z)x", r"2(\hat{y}-y)\sigma(z)(1-\sigma(z))x"),
])
def test_right_answers_are_never_diagnosed(answer, key):
    result = check_answer(answer, key, timeout=None)
    assert result.verdict == "correct" and "mistake" not in result.details, result


def test_factors_with_nothing_in_common_are_not_swapped():
    """x where ŷ − y belongs, or x for x + 1, is no slip a teacher would name: no invented diagnosis."""
    assert _mistake(r"2x\sigma(z)(1-\sigma(z))x", r"2(\hat{y}-y)\sigma(z)(1-\sigma(z))x")[0] != "factor_repeated"
    assert _mistake("x^2", "x(x+1)")[0] is None


def test_a_better_explanation_wins_over_a_repeated_factor():
    """(σ − 1)² and (1 − σ)² are both a factor written twice and the key times −1: the sign is named."""
    key = r"(1-\sigma(z))(\sigma(z)-1)"
    for answer in (r"(\sigma(z)-1)^2", r"(1-\sigma(z))^2"):
        found, feedback = _mistake(answer, key)
        assert found == "sign_flipped" and "wrong sign" in feedback, feedback
    # σ(z) alone is a factor left out, not a swap
    assert _mistake(r"\sigma(z)", r"\sigma(z)(1-\sigma(z))")[0] == "chain_factor_forgotten"


def test_a_derivation_lists_the_activation_derivative_with_a_repeated_factor():
    """A key made from a derivation lists it with the chain's words, and so does its value as a number."""
    from mathomong_sym import Neuron

    net = Neuron(1)
    W, b = net.parameters
    derivation = net.derive(W)
    entry = AnswerEntry.from_derivation("q", derivation, variables=["W", "b", "x", "y"])
    assert [m.name for m in entry.mistakes].count("factor_repeated") == 2
    result = check_answer(r"2(\hat{y}-y)\sigma(z)^2x", entry, timeout=None)
    assert result.details["mistake"] == "factor_repeated"
    assert "you wrote σ(z) where 1 − σ(z) belongs: σ′(z) = σ(z)(1 − σ(z))" in result.feedback
    # the same slip as a number: the key at a point, with its listed mistakes at that point
    x, y = sym("x"), sym("y")
    point = {W: sympy.Rational(1, 2), b: -1, x: 3, y: 1}
    definitions = dict(derivation.definitions)

    def at(expr):
        for _ in range(10):
            expr = expr.xreplace(definitions)
        return sympy.Float(sympy.N(expr.xreplace(point), 20), 15)

    numeric = AnswerEntry.from_expr("n", at(derivation.result), tolerance={"absolute": 1e-4}, mistakes=[
        Mistake.from_expr(at(m.expression()), m.message, name=m.name) for m in entry.mistakes])
    sigma = 1 / (1 + sympy.exp(-sympy.Rational(1, 2)))
    slip = 2 * (sigma - 1) * sigma ** 2 * 3
    result = check_answer(f"{float(slip):.4f}", numeric, timeout=None)
    assert result.details["mistake"] == "factor_repeated", result.feedback
    assert "you wrote σ(z) where 1 − σ(z) belongs: σ′(z) = σ(z)(1 − σ(z))" in result.feedback


def test_a_repeated_factor_through_grade():
    key = AnswerKey(worksheet="w", version="A", seed=1, entries=[
        AnswerEntry.from_expr("d", parse_expression(r"\sigma(x)(1-\sigma(x))"))])
    rows = [AnswerRow(2, "ann", "A", "d", r"\sigma(x)^2"), AnswerRow(3, "bob", "A", "d", r"\sigma(x)-\sigma(x)^2"),
            AnswerRow(4, "cy", "A", "d", r"\sigma(x)")]
    report = grade([key], rows, timeout=None)
    assert [r.verdict for r in report.rows] == ["incorrect", "correct", "incorrect"]
    assert [r.mistake for r in report.rows] == ["factor_repeated", "", "chain_factor_forgotten"]
    assert "you wrote σ(x) where 1 − σ(x) belongs" in report.rows[0].feedback
