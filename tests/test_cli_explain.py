"""``mathomong explain`` and ``mathomong derive``: the guide's examples, every format, and bad input."""

from __future__ import annotations

import json
import re

import pytest

from mathomong_sym.cli import main
from mathomong_sym.cli.explain import FORMATS
from test_render_support import compile_latex

GUIDE_POINT = "x=2,W=0.5,b=-1,y=1"
POINT_221 = ("x_1=1,x_2=0.5,y_1=1,w1_1_1=0.1,w1_1_2=-0.2,w1_2_1=0.3,w1_2_2=0.4,b1_1=0,b1_2=0.1,"
             "w2_1_1=0.5,w2_1_2=-0.6,b2_1=0.2")


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code, out, err, *fragments):
    assert code != 0
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# ---------------------------------------------------------------------------
# explain
# ---------------------------------------------------------------------------

def test_x_squared_at_3_is_6(capsys):
    code, out, err = run(capsys, "explain", "x^2", "--wrt", "x", "--at", "x=3")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "y = x², at x = 3"
    assert lines[1].startswith("dy/dx by the power rule, d/dx xⁿ = n·xⁿ⁻¹")
    assert lines[2].strip() == "dy/dx = 2x^(2 − 1) = 2x = 2·3 = 6"
    assert "nudging x by 0.01 moves y by about 0.06 (9\u00a0→\u00a09.0601)" in out
    assert "Checked: all 3 steps proved symbolically" in out


def test_the_only_variable_is_used_without_wrt(capsys):
    code, out, _ = run(capsys, "explain", "x^2", "--at", "x=3", "--level", "0")
    assert code == 0
    assert "= 2·3 = 6" in out


def test_latex_input_and_named_activation_rules(capsys):
    code, out, err = run(capsys, "explain", r"\sigma(z)", "--level", "1")
    assert code == 0, err
    assert "σ(z)(1 − σ(z))" in out and "cosh" not in out
    code, out, err = run(capsys, "explain", r"\tanh(x)", "--at", "x=0")
    assert code == 0, err
    assert "1 − tanh(x)²" in out


def test_levels_add_detail(capsys):
    outputs = []
    for level in ("0", "1", "2"):
        code, out, _ = run(capsys, "explain", "sigmoid(w*x + b)", "--wrt", "w", "--level", level, "--no-verify")
        assert code == 0
        outputs.append(out)
    assert len(outputs[0].splitlines()) <= len(outputs[1].splitlines()) < len(outputs[2].splitlines())
    assert "e^(−u)" not in outputs[1] and "e^(−u)" in outputs[2]


def test_explain_json(capsys):
    code, out, _ = run(capsys, "explain", "x^2", "--at", "x=3", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["format_version"] == 2
    assert data["variables"] == ["x"]
    assert data["expression"]["plain"] == "x**2"
    assert data["verification"]["counts"]["failed"] == 0
    step = data["sections"][-1]["steps"][0]
    assert step["worked"][-1]["value"] == 6.0 and step["meaning"]["holds"]


def test_explain_markdown(capsys):
    code, out, _ = run(capsys, "explain", "x^2", "--at", "x=3", "--format", "markdown", "--level", "0")
    assert code == 0
    assert out.startswith("### $y = x^{2}$ at $x = 3$")
    assert "*power rule*" in out and "2 x = 2 \\cdot 3 = 6$" in out


def test_explain_latex_compiles(capsys):
    code, out, _ = run(capsys, "explain", r"\frac{\sin(x)}{1 + x^2}", "--at", "x=1", "--level", "2",
                       "--format", "latex", "--standalone")
    assert code == 0
    assert r"\begin{list}" in out
    compile_latex(out)


@pytest.mark.parametrize("text", ["x^^2", "(x + ", "x +* 2", "", "2 x y )"])
def test_an_unparsable_expression_is_one_line(capsys, text):
    assert_one_line_error(*run(capsys, "explain", text, "--wrt", "x"), "mathomong explain: error:")


def test_a_wrt_variable_that_does_not_occur(capsys):
    assert_one_line_error(*run(capsys, "explain", "x^2 + 3*y", "--wrt", "q"), "unknown variable 'q'", "known: x, y")


def test_a_wrt_that_is_not_a_variable_name(capsys):
    assert_one_line_error(*run(capsys, "explain", "x^2", "--wrt", "2x"), "unknown variable '2x'")


def test_several_variables_need_wrt(capsys):
    assert_one_line_error(*run(capsys, "explain", "x*y"), "several variables (x, y)", "--wrt")


def test_a_constant_has_no_variable(capsys):
    assert_one_line_error(*run(capsys, "explain", "3 + 4"), "no variable")


@pytest.mark.parametrize("template", [
    "__import__('os').system('touch {marker}')",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__",
    "(lambda: __import__('os').system('touch {marker}'))()",
    "exec('open(\"{marker}\", \"w\")')",
    r"\text{{__import__('os').system('touch {marker}')}}",
])
def test_a_hostile_string_executes_nothing(capsys, tmp_path, template):
    marker = tmp_path / "pwned"
    code, out, err = run(capsys, "explain", template.format(marker=marker), "--wrt", "x")
    assert_one_line_error(code, out, err, "mathomong explain: error:")
    assert not marker.exists()


@pytest.mark.parametrize("point, fragment", [
    ("x=abc", "not a number"),
    ("x", "NAME=VALUE"),
    ("q=1", "unknown variable 'q'"),
    ("x=1/0", "not a number"),
])
def test_a_bad_point_is_one_line(capsys, point, fragment):
    assert_one_line_error(*run(capsys, "explain", "x^2", "--at", point), fragment)


def test_a_bad_level_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["explain", "x^2", "--level", "7"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# derive
# ---------------------------------------------------------------------------

def test_the_guide_neuron_with_numbers(capsys):
    code, out, err = run(capsys, "derive", "--net", "neuron", "--wrt", "W", "--at", GUIDE_POINT, "--level", "0")
    assert code == 0, err
    assert "z = W·x + b = 0.5·2 − 1 = 0" in out
    assert "L = (ŷ − y)² = (0.5 − 1)² = 0.25" in out
    lines = [l.strip() for l in out.splitlines()]
    assert "∂L/∂W = 2(ŷ − y) · σ(z)(1 − σ(z)) · x = (−1) · 0.25 · 2 = −0.5" in lines
    assert "Raising W by 0.01 lowers L by about 0.005; gradient descent with η = 0.1 moves W to 0.55." in lines
    assert "δ" not in out  # one parameter of one neuron: the guide's three factors, no δ
    assert "Checked: all " in out


def test_the_guide_neuron_bias(capsys):
    code, out, _ = run(capsys, "derive", "--net", "neuron", "--wrt", "b", "--at", GUIDE_POINT, "--level", "0")
    assert code == 0
    assert "= −0.25" in out


def test_a_first_layer_weight_of_2_2_1_has_one_path(capsys):
    code, out, err = run(capsys, "derive", "--net", "2-2-1", "--activation", "sigmoid", "--loss", "mse",
                         "--wrt", "w1_1_1", "--level", "0", "--at", POINT_221)
    assert code == 0, err
    # the backward pass: δ⁽²⁾₁, then δ⁽¹⁾₁ from it, then the weight from δ⁽¹⁾₁
    assert out.index("δ⁽²⁾₁ = ∂L/∂z⁽²⁾₁") < out.index("δ⁽¹⁾₁ = ∂L/∂z⁽¹⁾₁") < out.index("∂L/∂w⁽¹⁾₁₁ = δ⁽¹⁾₁·x₁")
    assert "δ⁽¹⁾₁ = ∂L/∂z⁽¹⁾₁ = w⁽²⁾₁₁·δ⁽²⁾₁ · σ(z⁽¹⁾₁)(1 − σ(z⁽¹⁾₁))" in out
    assert "≈ −0.03024" in out


def test_a_first_layer_weight_of_2_2_2_sums_two_paths(capsys):
    code, out, err = run(capsys, "derive", "--net", "2-2-2", "--wrt", "w1_1_1", "--level", "0", "--no-verify")
    assert code == 0, err
    assert "(δ⁽²⁾₁·w⁽²⁾₁₁ + δ⁽²⁾₂·w⁽²⁾₂₁) · σ(z⁽¹⁾₁)(1 − σ(z⁽¹⁾₁))" in out or \
        "(w⁽²⁾₁₁·δ⁽²⁾₁ + w⁽²⁾₂₁·δ⁽²⁾₂) · σ(z⁽¹⁾₁)(1 − σ(z⁽¹⁾₁))" in out
    for delta in ("δ⁽²⁾₁ = ∂L/∂z⁽²⁾₁ = ", "δ⁽²⁾₂ = ∂L/∂z⁽²⁾₂ = ", "δ⁽¹⁾₁ = ∂L/∂z⁽¹⁾₁ "):
        assert out.count(delta) == 2, delta  # its rule line and its worked line, once each
    assert len(re.findall(r"∂L/∂z⁽²⁾₁ = δ⁽²⁾₁ +found above", out)) == 1


def test_derive_level_1_expands_each_factor_by_its_rule(capsys):
    code, out, _ = run(capsys, "derive", "--net", "neuron", "--wrt", "W", "--level", "1")
    assert code == 0
    assert "sigmoid rule: σ′(z) = σ(z)(1 − σ(z))" in out and "by the chain rule" in out
    assert "power rule: d/dx xⁿ = n·xⁿ⁻¹" in out


def test_derive_json_and_latex(capsys):
    code, out, _ = run(capsys, "derive", "--net", "neuron:2", "--wrt", "W_2", "--at",
                       "x_1=1,x_2=2,W_1=0.5,W_2=-0.5,b=0,y=1", "--format", "json", "--level", "1")
    assert code == 0
    data = json.loads(out)
    assert data["variables"] == ["W_2"] and data["network"].startswith("Neuron with 2 inputs")
    assert data["verification"]["outcome"] in ("proved", "numeric")
    assert [s["kind"] for s in data["sections"]][:2] == ["forward", "derivative"]
    code, out, _ = run(capsys, "derive", "--net", "2-2-2", "--wrt", "w1_2_1", "--level", "1",
                       "--format", "latex", "--standalone")
    assert code == 0
    compile_latex(out)


def test_derive_dot_names_each_delta(capsys):
    code, out, _ = run(capsys, "derive", "--net", "2-2-1", "--wrt", "w1_1_1", "--at", POINT_221, "--dot")
    assert code == 0
    assert 'label="z⁽¹⁾₁ = 0\\nδ⁽¹⁾₁ = −0.03024"' in out
    assert '"a1_1" -> "z2_1" [penwidth=' in out and '"a1_2" -> "z2_1";' in out


def test_derive_dot(capsys):
    code, out, _ = run(capsys, "derive", "--net", "neuron", "--wrt", "W", "--at", GUIDE_POINT, "--dot")
    assert code == 0
    assert out.startswith('digraph "computation"')
    assert '"z" -> "yhat"' in out and 'δ = −0.25' in out and '∂L/∂W = −0.5' in out


@pytest.mark.parametrize("argv, fragment", [
    (["--net", "2-2-1", "--wrt", "w9_1_1"], "unknown parameter 'w9_1_1'"),
    (["--net", "2-2-1", "--wrt", "x_1"], "unknown parameter 'x_1'"),
    (["--net", "2-x-1", "--wrt", "w1_1_1"], "2-x-1"),
    (["--net", "neuron:two", "--wrt", "W"], "neuron:N"),
    (["--net", "2-2-1", "--activation", "swish", "--wrt", "w1_1_1"], "unknown activation 'swish'"),
    (["--net", "neuron", "--output-activation", "relu", "--wrt", "W"], "one activation"),
    (["--net", "2-2-1", "--wrt", "w1_1_1", "--at", "x_9=1"], "unknown input, target or parameter 'x_9'"),
    (["--net", "2-2-1", "--wrt", "w1_1_1", "--at", "z1_1=1"], "unknown input, target or parameter 'z1_1'"),
])
def test_derive_bad_input_is_one_line(capsys, argv, fragment):
    assert_one_line_error(*run(capsys, "derive", *argv), "mathomong derive: error:", fragment)


def test_the_installed_command_refuses_a_hostile_string(tmp_path):
    import subprocess
    import sys

    marker = tmp_path / "pwned"
    result = subprocess.run(
        [sys.executable, "-m", "mathomong_sym", "explain", f"__import__('os').system('touch {marker}')"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
    assert not marker.exists()


@pytest.mark.parametrize("expression", [
    "x^(1/3)", "x^-3", "sin(cos(x^2))", "2^x", "ln(x)", "abs(x)", "relu(x)", "leaky_relu(x)", "softplus(x)",
    "x*sin(x)*exp(x)", "(x+1)/(x-1)", "asin(x)", "Max(x, 0)", r"\frac{1}{1+e^{-x}}", r"\sqrt{x^2+1}",
])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_every_kind_of_rule(capsys, expression, fmt):
    code, out, err = run(capsys, "explain", expression, "--at", "x=0.5", "--level", "2", "--format", fmt,
                         "--no-verify")
    assert code == 0, err
    assert out.strip()


# ---------------------------------------------------------------------------
# derive: every partial, example values, hints, what a partial point lacks
# ---------------------------------------------------------------------------

def test_wrt_all_lists_every_partial_and_ends_with_the_gradient(capsys):
    code, out, err = run(capsys, "derive", "--net", "neuron:2", "--wrt", "all", "--at",
                         "x_1=1,x_2=2,W_1=0.5,W_2=-0.5,b=0,y=1", "--no-verify")
    assert code == 0, err
    for partial in ("∂L/∂W₁ = δ·x₁", "∂L/∂W₂ = δ·x₂", "∂L/∂b = δ·1"):
        assert partial in out
    assert out.count("δ = ∂L/∂z = ∂L/∂ŷ · ∂ŷ/∂z") == 1
    assert out.index("∇L = (∂L/∂W₁, ∂L/∂W₂, ∂L/∂b)") > out.index("∂L/∂b = δ·1")


def test_several_parameters_by_name(capsys):
    code, out, _ = run(capsys, "derive", "--net", "2-2-1", "--wrt", "w2_1_1,b2_1", "--level", "0", "--no-verify")
    assert code == 0
    assert "∂L/∂w⁽²⁾₁₁ = δ⁽²⁾₁·a⁽¹⁾₁" in out and "∂L/∂b⁽²⁾₁ = δ⁽²⁾₁·1" in out


def test_at_example_fills_in_every_value_from_a_seed(capsys):
    code, first, err = run(capsys, "derive", "--net", "2-2-1", "--wrt", "w1_1_1", "--at", "example", "--seed", "4",
                           "--level", "0", "--no-verify")
    assert code == 0, err
    code, again, _ = run(capsys, "derive", "--net", "2-2-1", "--wrt", "w1_1_1", "--at", "example", "--seed", "4",
                         "--level", "0", "--no-verify")
    assert first == again and "Forward pass at x₁ = " in first and "Update by gradient descent" in first


def test_a_partial_point_names_what_is_missing(capsys):
    assert_one_line_error(*run(capsys, "derive", "--net", "neuron", "--wrt", "W", "--at", "x=2,W=0.5"),
                          "no value for b, y", "--at example")
    assert_one_line_error(*run(capsys, "explain", "sigmoid(w*x + b)", "--wrt", "w", "--at", "w=1"),
                          "no value for b, x")


def test_hints_show_the_hint_then_the_worked_line(capsys):
    code, out, _ = run(capsys, "derive", "--net", "neuron", "--wrt", "W", "--at", GUIDE_POINT, "--hints",
                       "--no-verify")
    assert code == 0
    lines = out.splitlines()
    hint = next(i for i, line in enumerate(lines) if line.strip().startswith("Step 2.1.2."))
    assert "sigmoid rule" in lines[hint] and "0.25" not in lines[hint]
    assert lines[hint + 1].strip().startswith("▸ ∂ŷ/∂z = σ(z)(1 − σ(z))")
    code, out, _ = run(capsys, "derive", "--net", "neuron", "--wrt", "W", "--hints", "--format", "markdown",
                       "--no-verify")
    assert code == 0 and out.count("<details>") >= 4


def test_the_learning_rate_of_the_step(capsys):
    code, out, _ = run(capsys, "derive", "--net", "neuron", "--wrt", "W", "--at", GUIDE_POINT, "--lr", "0.5",
                       "--no-verify")
    assert code == 0 and "gradient descent with η = 0.5 moves W to 0.75" in out
    assert_one_line_error(*run(capsys, "derive", "--net", "neuron", "--wrt", "W", "--lr", "-1"), "--lr")


def test_dot_takes_one_parameter(capsys):
    assert_one_line_error(*run(capsys, "derive", "--net", "neuron", "--wrt", "all", "--dot"), "one --wrt")


def test_the_guides_spellings_read_as_typed(capsys):
    code, out, err = run(capsys, "explain", "x*x", "--at", "x=3", "--no-verify")
    assert code == 0, err
    assert "by the product rule" in out and "dy/dx = 1·x + x·1 = 2x = 2·3 = 6" in out
    code, out, err = run(capsys, "explain", "tanh^2(x)", "--at", "x=0.5", "--no-verify")
    assert code == 0, err
    assert out.startswith("y = tanh(x)²") and "tanh rule" in out
    code, out, _ = run(capsys, "explain", "max(0, w*x + b)", "--wrt", "w", "--at", "w=1,x=2,b=-2", "--no-verify")
    assert code == 0 and "ReLU" in out and "= 0" in out  # at the kink w·x + b = 0: the package's ReLU′(0) = 0
    code, out, _ = run(capsys, "explain", "1/(1+e^{-x})", "--at", "x=0", "--level", "2", "--no-verify")
    assert code == 0 and "is σ(x)" in out and "= σ(x)(1 − σ(x))" in out


def test_a_rules_formula_is_printed_where_it_is_first_applied_and_not_again(capsys):
    code, out, err = run(capsys, "derive", "--net", "neuron:2", "--wrt", "all", "--at",
                         "x_1=1,x_2=2,W_1=0.5,W_2=-0.5,b=0,y=1", "--no-verify")
    assert code == 0, err
    for formula in ("dC/dA = dC/dB · dB/dA", "(c·f)′ = c·f′", "σ′(z) = σ(z)(1 − σ(z))", "d/dx xⁿ = n·xⁿ⁻¹"):
        assert out.count(formula) == 1, formula
    # the rule is still named each time it is applied
    assert out.count("by the chain rule") == 5 and out.count("constant multiple rule") == 2
    assert out.index("dC/dA = dC/dB · dB/dA") < out.index("∂L/∂W₁ = ∂L/∂z · ∂z/∂W₁ by the chain rule")


def test_the_gradient_of_a_2_2_2_network_fits_the_width(capsys):
    code, out, err = run(capsys, "derive", "--net", "2-2-2", "--wrt", "all", "--at", "example", "--no-verify")
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 100
    start = out.index("∇L = (")
    vector = out[start:out.index("Update by gradient descent")]
    assert vector.count("∂L/∂") == 12 and "\n" in vector.strip()
    # a broken vector breaks after a comma, never inside a name
    for line in vector.strip().splitlines()[:-1]:
        assert line.rstrip().endswith(",") or line.rstrip().endswith(")"), line


def test_an_update_steps_hint_is_its_line_without_the_numbers(capsys):
    code, out, _ = run(capsys, "derive", "--net", "neuron", "--wrt", "all", "--at", GUIDE_POINT, "--hints",
                       "--no-verify")
    assert code == 0
    lines = out.splitlines()
    hint = next(i for i, line in enumerate(lines) if "W ← W − η·∂L/∂W: put in the numbers" in line)
    assert lines[hint + 1].strip() == "▸ W ← W − η·∂L/∂W = 0.5 − 0.1·(−0.5) = 0.55"
    assert "find W" not in out


def test_relu_written_as_max_states_its_convention_once(capsys):
    code, out, _ = run(capsys, "explain", "max(0, x)", "--at", "x=0", "--no-verify")
    assert code == 0
    assert "max(0, x) is ReLU(x)" in out and out.count("ReLU′(0) = 0") == 1
    assert out.index("max(0, x) is ReLU(x)") < out.index("H(0) = 0")


def test_the_sigmoids_algebra_applies_one_rule_per_line(capsys):
    code, out, _ = run(capsys, "explain", "1/(1+exp(-x))", "--level", "2", "--no-verify")
    assert code == 0
    assert "reciprocal rule: (1/g)′ = −g′/g²" in out
    for line in out.splitlines():
        assert line.count(" rule") <= 1 or "by the sigmoid rule" in line, line
