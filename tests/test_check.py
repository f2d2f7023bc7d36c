"""check_answer, its feedback, partial credit, the worker pool and the `check` command."""

from __future__ import annotations

import json
import multiprocessing
import os
import time

import pytest

from mathomong_sym import AnswerEntry, AnswerKey, CheckResult, Neuron, check_answer
from mathomong_sym.check.checker import make_task, entry_for
from mathomong_sym.check.key import Mistake
from mathomong_sym.check.pool import CheckerPool
from mathomong_sym.cli import main
from mathomong_sym.errors import ConfigError


def check(answer, key, **kw):
    return check_answer(answer, key, timeout=None, **kw)


# -- verdicts and feedback ----------------------------------------------------------

def test_the_issue_example():
    result = check(r"2(y-\hat{y})", r"2(\hat{y}-y)")
    assert isinstance(result, CheckResult)
    assert result.verdict == "incorrect"
    assert "wrong sign" in result.feedback
    assert check(r"2(\hat{y}-y)", r"2(\hat{y}-y)").verdict == "correct"


def test_feedback_echoes_the_reading_in_latex_and_text():
    result = check(r"\sigma(Wx+b)", r"\sigma(Wx+b)")
    assert "We read your answer as σ(W·x + b)" in result.feedback
    assert result.details["read_latex"] == r"\sigma\left(b + W x\right)" or "sigma" in result.details["read_latex"]
    assert result.details["read_text"] == "σ(W·x + b)"


@pytest.mark.parametrize("answer", ["", "   ", None, 42, "\x00\x01", "x" * 5000, "__import__('os').system('true')",
                                    r"10^{10^{10}}", r"\frac{1}{", "\ufffd\ufffd"])
def test_a_bad_answer_is_invalid_with_a_reason_never_an_exception(answer):
    result = check(answer, "2x")
    assert result.verdict == "invalid"
    assert result.details["reason"]
    assert result.exit_code == 3


@pytest.mark.parametrize("key", ["", r"\frac{1}{", "__import__('os')", r"10^{10^{10}}"])
def test_a_bad_key_raises_a_config_error(key):
    with pytest.raises(ConfigError):
        check("x", key)


def test_a_bad_key_through_the_pool_raises_too():
    with pytest.raises(ConfigError, match="bad key"):
        check_answer("x", r"\frac{1}{", timeout=10)


def test_definitions_may_be_named_in_latex_or_plain():
    definitions = {"z": "Wx+b", r"\hat{y}": r"w_2 h + b_2", "h": r"\sigma(w_1 x + b_1)"}
    key = r"w_2 h"
    assert check(r"w_2\sigma(w_1x+b_1)", key, definitions=definitions).verdict == "correct"
    assert check(r"\hat{y} - b_2", key, definitions=definitions).verdict == "correct"
    assert check(r"\hat{y}", key, definitions=definitions).verdict == "incorrect"


def test_an_undeclared_variable_is_invalid_with_a_hint():
    result = check("2w", "2W", variables=["W"])
    assert result.verdict == "invalid"
    assert result.details["reason"] == "there is no w here; did you mean W?"
    assert "There is no w here; did you mean W?" in result.feedback


def test_a_name_in_a_numeric_answer_is_invalid():
    result = check("x", "0.25", variables=[])
    assert result.verdict == "invalid" and "it is a number" in result.feedback


def test_an_unknown_name_without_declared_variables_gets_a_hint():
    result = check("2w", "2W")
    assert result.verdict == "incorrect"
    assert "did you mean W?" in result.feedback


def test_correct_but_unsimplified_is_flagged_separately():
    result = check("x + x + x - x + 0*y", "2x")
    assert result.verdict == "correct"
    simple = check("2x", "2x")
    assert simple.details["simplified"] is True
    long = check(r"\frac{(x+1)^2 - x^2 - 1}{1}", "2x")
    assert long.verdict == "correct" and long.details["simplified"] is False
    assert "more simply" in long.feedback


def test_log_base_convention():
    assert check(r"\log(x)", r"\ln(x)").verdict == "correct"
    assert check(r"\log(x)", r"\log_{10}(x)", conventions={"log_base": "10"}).verdict == "correct"
    assert check(r"\log(x)", r"\log_{10}(x)").verdict == "incorrect"


def test_numeric_tolerance():
    assert check("0.7311", r"\sigma(1)").verdict == "correct"
    assert check("0.7", r"\sigma(1)").verdict == "incorrect"
    assert check("0.7", r"\sigma(1)", tolerance=0.05).verdict == "correct"
    assert check(r"9\times10^{-7}", r"1.2\times10^{-6}").verdict == "incorrect"


# -- from a derivation: mistakes and partial credit -----------------------------------

@pytest.fixture(scope="module")
def neuron_entry():
    net = Neuron(1)
    return AnswerEntry.from_derivation("q1", net.derive("W"), points=4, variables=["W", "b", "x", "y"])


def test_a_missing_activation_derivative_is_named(neuron_entry):
    result = check(r"2(\hat{y}-y)x", neuron_entry)
    assert result.verdict == "incorrect"
    assert result.mistake == "activation_derivative_missing"
    assert "you left out σ′(z) = σ(z)(1 − σ(z))" in result.feedback


def test_partial_credit_by_factor(neuron_entry):
    factors = {f.id: f for f in neuron_entry.factors}
    assert set(factors) == {"f1", "f2", "f3"}
    answers = {"f1": r"2(\hat{y}-y)", "f2": r"\sigma(z)(1-\sigma(z))", "f3": "1"}
    result = check(r"2(\hat{y}-y)\sigma'(z)", neuron_entry, factor_answers=answers)
    assert result.verdict == "incorrect"
    assert result.score == pytest.approx(factors["f1"].points + factors["f2"].points)
    assert result.details["factors"]["f3"]["verdict"] == "incorrect"
    full = check(r"2(\hat{y}-y)\sigma'(z)x", neuron_entry, factor_answers=answers)
    assert full.score == 4


def test_a_teachers_mistake_with_credit():
    entry = AnswerEntry.from_expr("q", entry_for("2x").expression(), points=2)
    entry.mistakes.append(Mistake(latex="x^2", message="that is the function, not its derivative", name="undifferentiated", credit=0.25))
    result = check("x^2", entry)
    assert result.mistake == "undifferentiated" and result.score == pytest.approx(0.5)
    assert "that is the function" in result.feedback


# -- the worker pool -----------------------------------------------------------------

def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead but still listed
        with open(f"/proc/{pid}/status") as status:
            return "zombie" not in status.read()
    except FileNotFoundError:
        return True  # no /proc (macOS): the process exists


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_a_timed_out_check_is_killed_and_the_next_checks_meet_their_budget(method):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{method} is not available here")
    entry = entry_for(r"\frac{e^{-z}}{(1+e^{-z})^2}")
    with CheckerPool(workers=1, timeout=20.0, start_method=method) as pool:
        assert pool.run_one(make_task(r"\sigma'(z)", entry))["verdict"] == "correct"  # warm
        first_pids = pool.pids()
        pool.timeout = 0.001  # no real check fits in a millisecond
        # a long answer takes latex2sympy2 a few hundred milliseconds: far beyond the limit
        slow = " + ".join(rf"\frac{{{k} e^{{-z}}}}{{(1+e^{{-z}})^{{2}}}}" for k in range(1, 30))
        timed_out = pool.run_one(make_task(slow, entry))
        assert timed_out["verdict"] == "invalid" and timed_out["details"]["timeout"]
        assert pool.killed == 1
        killed = [pid for pid in first_pids if pid not in pool.pids()]
        assert len(killed) == 1 and not _alive(killed[0])
        children = {p.pid for p in multiprocessing.active_children()}
        assert killed[0] not in children
        pool.timeout = 20.0
        start = time.monotonic()
        results = pool.run([make_task(r"\sigma'(z)", entry), make_task(r"\sigma(z)", entry)])
        assert [r["verdict"] for r in results] == ["correct", "incorrect"]
        assert time.monotonic() - start < 20.0
        pids = pool.pids()
    for pid in pids:
        assert not _alive(pid)


def test_results_come_back_in_order_from_two_workers():
    entry = entry_for("2x")
    answers = ["2x", "x", "", "x+x", r"\frac{", "4x/2"] * 3
    with CheckerPool(workers=2, timeout=20.0) as pool:
        results = pool.run([make_task(a, entry) for a in answers])
    expected = {"2x": "correct", "x": "incorrect", "": "invalid", "x+x": "correct", r"\frac{": "invalid", "4x/2": "correct"}
    assert [r["verdict"] for r in results] == [expected[a] for a in answers]


# -- the command line ----------------------------------------------------------------

@pytest.mark.parametrize(
    "answer, code",
    [(r"2(\hat{y}-y)", 0), (r"2(y-\hat{y})", 1), (r"2(\hat{y}-", 3), ("__import__('os').system('true')", 3)],
)
def test_check_exit_codes(answer, code, capsys):
    assert main(["check", "--key", r"2(\hat{y}-y)", "--answer", answer]) == code
    out = capsys.readouterr().out
    assert out.startswith(("correct", "incorrect", "invalid"))


def test_check_usage_errors_and_bad_keys_exit_2(capsys):
    assert main(["check", "--key", r"\frac{", "--answer", "x"]) == 2
    assert "bad key" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["check", "--answer", "x"])
    assert info.value.code == 2
    assert main(["check", "--key", "x", "--answer", "x", "--define", "nonsense"]) == 2
    assert main(["check", "--key", "x", "--answer", "x", "--timeout", "0"]) == 2


def test_check_json_definitions_and_variables(capsys):
    code = main(["check", "--key", r"2(\hat{y}-y)\sigma(z)(1-\sigma(z))x", "--answer", r"2(\sigma(Wx+b)-y)\sigma'(Wx+b)x",
                 "--define", "z=Wx+b", "--define", r"\hat{y}=\sigma(z)", "--variables", "W,b,x,y", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "correct" and data["details"]["read_text"]
    assert main(["check", "--key", "2W", "--answer", "2w", "--variables", "W"]) == 3
    assert "did you mean W?" in capsys.readouterr().out


def test_check_with_a_key_file(tmp_path, neuron_entry, capsys):
    path = AnswerKey(worksheet="w", version="A", entries=[neuron_entry]).save(tmp_path / "key.json")
    assert main(["check", "--key-file", str(path), "--question", "q1", "--answer", r"2(\hat{y}-y)\sigma(z)x"]) == 1
    assert "σ(z) where its derivative" in capsys.readouterr().out
    assert main(["check", "--key-file", str(path), "--question", "q9", "--answer", "x"]) == 2
    assert main(["check", "--key-file", str(path), "--answer", "x"]) == 2
    assert main(["check", "--key-file", str(tmp_path / "missing.json"), "--question", "q1", "--answer", "x"]) == 2


def test_a_derivation_is_a_key():
    net = Neuron(1)
    result = check(r"2(\hat{y}-y)\sigma(z)x", net.derive("W"))
    assert result.mistake == "activation_instead_of_derivative"
    assert check(r"2(\sigma(Wx+b)-y)\sigma'(Wx+b)x", net.derive("W")).verdict == "correct"


# -- every example of "one faithful reader for everything people type" ---------------------------
# Each example of the report, with the verdict it must get, and where it matters the reading echoed.

LEAKY = r"\begin{cases} z & z > 0 \\ 0.01z & \text{otherwise} \end{cases}"
ONE_BRANCH = r"\begin{cases} z & z > 0 \end{cases}"


@pytest.mark.parametrize("answer, key, verdict, echo", [
    # the power binds one token: (wx)² is not wx²
    ("ab^2", "a^2b^2", "incorrect", "a·b²"),
    ("2xy^2", "2x^2y^2", "incorrect", "2x·y²"),
    ("wx^2", "w^2x^2", "incorrect", "w·x²"),
    ("ab^2", "a b^2", "correct", "a·b²"),
    ("wx^2", r"w\cdot x^{2}", "correct", "w·x²"),
    # a bracket after a symbol or an application is a product, not an unnamed function
    (r"\tanh(z)(x)", r"\sigma(z)(x)", "incorrect", "tanh(z)·x"),
    ("σ(z)(x)", "σ′(z)(x)", "incorrect", "σ(z)·x"),
    ("σ′(z)(x)", "σ(z)(x)", "incorrect", "σ′(z)·x"),
    ("w_1(x)", "w_2(x)", "incorrect", "w₁·x"),
    (r"\tanh(z)(x)", r"x\tanh z", "correct", "tanh(z)·x"),
    ("w_1(x)", "w_1 x", "correct", "w₁·x"),
    # where the key is defined and the answer is not, the answer is wrong
    (r"\ln x", r"\ln|x|", "incorrect", "ln(x)"),
    (ONE_BRANCH, r"\max(0, z)", "incorrect", None),
    (ONE_BRANCH, r"\operatorname{ReLU}(z)", "incorrect", None),
    (ONE_BRANCH, LEAKY, "incorrect", None),
    (ONE_BRANCH, r"\operatorname{LReLU}(z)", "incorrect", None),
    (ONE_BRANCH, "|z|", "incorrect", None),
    (r"\begin{cases} x & x > 0 \end{cases}", "|x|", "incorrect", None),
    (r"\begin{cases} z & z > 0 \\ 0 & z \le 0 \end{cases}", r"\max(0, z)", "correct", None),
    # subscripted names are names, and their products products
    ("x_1x_2", "x_1 x_2", "correct", "x₁·x₂"),
    ("w_2h", "w_2 h", "correct", "w₂·h"),
    ("w_1x_1+w_2x_2+b", "b + w_1 x_1 + w_2 x_2", "correct", "w₁·x₁ + w₂·x₂ + b"),
    ("x_1x_2", "x_1 + x_2", "incorrect", "x₁·x₂"),
    # brackets and spaces after names and numbers
    ("x(1-x)", "x - x^2", "correct", "x(1 − x)"),
    ("2x(yhat-y)", r"2x\hat{y} - 2xy", "correct", "2x(ŷ − y)"),
    ("8 (4x - 2)", "32x - 16", "correct", "8(4x − 2)"),
    ("2 (yhat - y) yhat (1 - yhat) x", r"2(\hat{y}-y)\hat{y}(1-\hat{y})x", "correct", None),
    ("2 sigma(z) (1 - sigma(z))", r"2\sigma'(z)", "correct", None),
    ("8 (4x - 2)", "32x - 15", "incorrect", "8(4x − 2)"),
    # the same text as key and as answer
    ("2(yhat-y)", "2(yhat-y)", "correct", "2(ŷ − y)"),
    (r"2(\hat{y}-y)", "2(yhat - y)", "correct", "2(ŷ − y)"),
    # Python number syntax does not leak in; 2e-1 is 0.2 in key and answer alike
    ("x^2_1", "x_1^2", "correct", "x₁²"),
    ("x^2_1", "x^{21}", "incorrect", None),
    ("2e-1", "2e-1", "correct", "0.2"),
    ("0.2", "2e-1", "correct", "0.2"),
    ("2e-1", "0.2", "correct", "0.2"),
    ("2e-1", "2e - 1", "incorrect", "0.2"),
    ("2e - 1", r"2\mathrm{e} - 1", "correct", "2e − 1"),
    ("0.001", "1e-3", "correct", "0.001"),  # a plain key 1e-3 is 0.001, as in an answer
    ("1e-3", "0.001", "correct", "0.001"),
    ("1e-3", "1e-3", "correct", "0.001"),
    ("0.0011", "1e-3", "incorrect", "0.0011"),
    ("e - 3", "1e-3", "incorrect", "e − 3"),
    # the same keystrokes mean one thing
    ("x^23", "x^{23}", "correct", "x²³"),
    ("x^23", "3x^2", "incorrect", "x²³"),
    ("W_12x_2", "W_{12}x_2", "correct", "W₁₂·x₂"),
    ("W_12x_2", "2W_1x_2", "incorrect", "W₁₂·x₂"),
    # common notation
    (r"\approx 0.458", "0.458", "correct", "0.458"),
    ("≈ 0.458", "0.458", "correct", "0.458"),
    ("0.458.", "0.458", "correct", "0.458"),
    ("0.8777 (4 d.p.)", "0.8777", "correct", "0.8777"),
    ("0.8777 to 4dp", "0.8777", "correct", "0.8777"),
    ("= 0.458", "0.458", "correct", "0.458"),
    ("W ← 2.86", "2.86", "correct", "2.86"),
    ("W := 2.86", "2.86", "correct", "2.86"),
    (r"{1 \over 2}", "0.5", "correct", None),
    (r"\sigma^\prime(z)", r"\sigma(z)(1-\sigma(z))", "correct", "σ′(z)"),
    (r"\sigma^\prime(z)", r"\sigma(z)", "incorrect", "σ′(z)"),
    ("σ′(z)(x)", r"\sigma(z)(1-\sigma(z))x", "correct", "σ′(z)·x"),
    (r"\tanh'(z)", r"1 - \tanh^2(z)", "correct", "tanh′(z)"),
    (r"\(2x\)", "2x", "correct", "2x"),
    (r"\[2x\]", "2x", "correct", "2x"),
    ("½", "0.5", "correct", None),
    ("x⁴", "x^4", "correct", "x⁴"),
    ("a^{[1]}_2", "a^{(1)}_2", "correct", "a⁽¹⁾₂"),
    ("a^{[1]}_2", "a^{(2)}_1", "incorrect", None),
    ("w_{1,2}", "w_{12}", "correct", "w₁₂"),
    ("0,5", "0.5", "correct", "0.5"),
    ("0.0157", "157/10000", "correct", "0.0157"),
    ("0,5", "0.6", "incorrect", "0.5"),
])
def test_every_example_of_the_report_gets_its_verdict(answer, key, verdict, echo):
    result = check(answer, key)
    assert result.verdict == verdict, (answer, key, result.feedback)
    if echo is not None:
        assert f"We read your answer as {echo}" in result.feedback, result.feedback


# -- numbers: exact values exactly, rounded values by the places typed ----------------------

@pytest.mark.parametrize("answer, key, verdict", [
    # two exact values are compared exactly, however close: tanh(7) and σ(7) differ by 9·10⁻⁴
    (r"\tanh(7)", r"\sigma(7)", "incorrect"),
    (r"\sigma(7)", r"\tanh(7)", "incorrect"),
    ("1", r"\sigma(7)", "incorrect"),
    ("1", r"\tanh(12)", "incorrect"),
    (r"\frac{1}{1+e^{-7}}", r"\sigma(7)", "correct"),
    (r"\sigma(3) + \sigma(-3)", "1", "correct"),
    ("0", r"\tanh(40) - 1", "incorrect"),  # 3.6·10⁻³⁵, not 0
    (r"-\frac{2}{e^{80}+1}", r"\tanh(40) - 1", "correct"),
    # a decimal is the key rounded to the places typed
    ("0.9991", r"\sigma(7)", "correct"),
    ("0.999", r"\sigma(7)", "correct"),
    ("0.99908895", r"\sigma(7)", "correct"),
    ("≈ 0.9991", r"\sigma(7)", "correct"),
    ("0,9991", r"\sigma(7)", "correct"),
    ("0.99999834", r"\sigma(7)", "incorrect"),  # tanh(7) to eight places
    ("1.000", r"\sigma(7)", "incorrect"),  # σ(7) to three places is 0.999
    ("0.9990", r"\sigma(7)", "incorrect"),
    ("6.001", "6", "incorrect"),  # a difference quotient, not the derivative
    ("6.000", "6", "correct"),
    ("-0.0157", "-157/10000", "correct"),
    ("1.57e-2", r"\frac{157}{10000}", "correct"),
    (r"1.57 \times 10^{-2}", r"\frac{157}{10000}", "correct"),
    (r"1.6 \times 10^{-2}", r"\frac{157}{10000}", "incorrect"),  # too few places for the key
    # a key typed as a rounded decimal
    (r"\sigma(7)", "0.9991", "correct"),
    (r"\tanh(7)", "0.9991", "incorrect"),
    ("0.99909", "0.9991", "correct"),
    ("0.999", "0.9991", "correct"),
    ("0.9992", "0.9991", "incorrect"),
    # a list: each component by how it was typed
    ("(0.4576, 0.1192)", r"(\sigma(-0.17), \sigma(-2))", "correct"),
    ("(0.4576, 0.12)", r"(\sigma(-0.17), \sigma(-2))", "incorrect"),
    (r"(\sigma(-0.17), \tanh(-2))", r"(\sigma(-0.17), \sigma(-2))", "incorrect"),
])
def test_numbers_are_compared_by_how_they_were_typed(answer, key, verdict):
    result = check(answer, key)
    assert result.verdict == verdict, (answer, key, result.feedback, result.details.get("comparison"))


def test_a_decimal_right_to_fewer_places_than_typed_is_told_so():
    result = check("0.4577", r"\sigma(-0.17)")  # σ(−0.17) = 0.457602…: rounded along the way
    assert result.verdict == "incorrect" and result.details["places_right"] == 3
    assert "the right value to 3 decimal places, but not to the 4 you typed" in result.feedback
    assert "places_right" not in check("0.99999834", r"\sigma(7)").details  # right to 2 places: fewer than asked
    assert "rounded to 2 decimal places" in check("0.46", r"\sigma(-0.17)").feedback
    for spelled in ("≈ 0.46", "0,46", "W ← 0.46", "0.46 (2 d.p.)"):  # the places the reader saw
        assert check(spelled, r"\sigma(-0.17)").mistake == "rounded_too_far", spelled


def test_a_key_that_sets_its_tolerance_accepts_every_number_within_it():
    assert check("22/7", r"\pi", tolerance=0.01).verdict == "correct"
    assert check("22/7", r"\pi").verdict == "incorrect"
    assert check(r"\tanh(7)", r"\sigma(7)", tolerance=0.01).verdict == "correct"
    assert check("0.99999834", r"\sigma(7)", tolerance={"absolute": 1e-3, "relative": 0}).verdict == "correct"
    assert check("0.9975", r"\sigma(7)", tolerance={"absolute": 1e-3, "relative": 0}).verdict == "incorrect"


def test_a_decimal_is_echoed_with_the_places_typed():
    assert "We read your answer as 1.000." in check("1.000", r"\sigma(7)").feedback
    assert "We read your answer as 0.50 " in check("0,50", "1/2").feedback
    assert "We read your answer as −0.0157." in check("-0.0157", "-0.0157").feedback
    assert "We read your answer as 0.2." in check("2e-1", "1/5").feedback


def test_a_wrong_term_is_not_hidden_by_a_huge_one_or_by_few_points():
    # the key is defined at few random points (two logs), and at most of them (bzη)^η is 10¹³ or more:
    # a wrong variable inside a log must still be seen
    key = r"\log(W) + \log(w - w^{[2]}_{13} - x_2) - (b z \eta)^{\eta}"
    assert check(key.replace("x_2", "y"), key).verdict == "incorrect"
    assert check(r"\ln W + \ln(w - w^{(2)}_{13} - x_2) - (bz\eta)^\eta", key).verdict == "correct"
    assert check("x^{20} + 3x", "x^{20} + 3x + 0.5").verdict == "incorrect"
    assert check(r"\sqrt{x y z} + \ln(x)", r"\sqrt{x}\sqrt{y}\sqrt{z} + \ln x").verdict == "correct"


def test_a_definition_keeps_every_name_of_its_right_side():
    # \hat{y} = w_2h+b_2 must not lose h
    definitions = {r"\hat{y}": "w_2h+b_2"}
    assert check("w_2h+b_2", r"\hat{y}", definitions=definitions).verdict == "correct"
    assert check("w_2 + b_2", r"\hat{y}", definitions=definitions).verdict == "incorrect"
    assert check("w_2 h", r"\hat{y} - b_2", definitions=definitions).verdict == "correct"


@pytest.mark.parametrize("answer, reason", [
    ("the derivative is 2x", "this looks like words, not a formula"),
    ("see above", "this looks like words, not a formula"),
    ("t h e  a n s w e r", "this looks like words, not a formula"),
    ("idk", "no answer was given"),
    ("N/A", "no answer was given"),
    ("prediction - y", "we could not read 'prediction'; write p*r*e*d*… for a product, or declare it as a name"),
    ("1,234", "ambiguous"),
    ("1e400", "floating point"),
    (r"\sigma^{-1}(z)", "ambiguous"),
])
def test_words_non_answers_and_ambiguities_are_invalid_with_their_reason(answer, reason):
    result = check(answer, "2x - y")
    assert result.verdict == "invalid", result.feedback
    assert reason in result.feedback


def test_a_declared_word_is_a_name_and_a_split_into_declared_names_is_echoed():
    result = check("(prediction - target)^2", "(p - t)^2", variables=["prediction", "target"])
    assert result.verdict == "incorrect" and "(prediction − target)²" in result.feedback
    result = check("(prediction - target)^2", "(prediction - target)^2", variables=["prediction", "target"])
    assert result.verdict == "correct"
    with pytest.raises(ConfigError, match="uses the word.*prediction, target: declare them"):
        check("(prediction - target)^2", "(prediction - target)^2")
    result = check("wxb", "w x b", variables=["w", "x", "b"])
    assert result.verdict == "correct" and "reading wxb as w·x·b" in result.feedback


def test_explain_takes_names_and_refuses_words_it_was_not_given(capsys):
    code = main(["explain", "(prediction - target)^2"])
    err = capsys.readouterr().err
    assert code != 0 and "--names prediction,target" in err and "Traceback" not in err
    code = main(["explain", "(prediction - target)^2", "--names", "prediction,target", "--wrt", "prediction"])
    out = capsys.readouterr().out
    assert code == 0 and "2(prediction − target)" in out
    assert main(["explain", "x^2", "--names", "1x"]) != 0
    assert "--names '1x'" in capsys.readouterr().err


def test_descend_reads_its_variables_as_names(capsys):
    # the function's variables are declared by --vars: each is one name, never letters
    code = main(["descend", "(prediction - 3)^2", "--steps", "3"])
    err = capsys.readouterr().err
    assert code != 0 and "give --vars prediction" in err and "Traceback" not in err
    assert main(["descend", "(prediction - 3)^2", "--vars", "prediction", "--steps", "60", "--lr", "0.1"]) == 0
    assert "prediction = 3" in capsys.readouterr().out
