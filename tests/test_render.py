"""Renderers on derivations built by hand: text, LaTeX, Markdown, JSON, dot, levels and numbers."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st
from sympy import Derivative as D
from sympy import Mul

from mathomong_sym.activations import sigmoid
from mathomong_sym.derivation import Derivation, Factor, Step
from mathomong_sym.errors import MathomongError
from mathomong_sym.naming import sym
from mathomong_sym.printing import displays_exactly, format_number, to_latex, to_text
from mathomong_sym.render import render_dot, render_json, render_latex, render_markdown, render_text, repr_latex
from test_render_support import compile_latex

W, x, b, z, yhat, y, L, delta = map(sym, "W x b z yhat y L delta".split())
GUIDE_POINT = {"x": 2, "W": 0.5, "b": -1, "y": 1}


def _teaching(*factors):
    return Mul(*factors, evaluate=False)


def guide_neuron(*, cite_twice: bool = False) -> Derivation:
    """The guide's neuron, ∂L/∂W, built by hand the way the engine builds it: δ cited, factors named."""
    forward = {z: W * x + b, yhat: sigmoid(z), L: (yhat - y) ** 2}
    dl = _teaching(2, yhat - y)
    da = _teaching(sigmoid(z), 1 - sigmoid(z))
    power_detail = [
        Step(D(L, yhat), _teaching(2, yhat - y, D(yhat - y, yhat)), "power rule", "(u²)′ = 2u·u′ with u = ŷ − y"),
        Step(D(yhat - y, yhat), sympy.S.One, "difference rule", "y does not contain ŷ"),
    ]
    exp_form = (1 + sympy.exp(-z)) ** -1
    sigmoid_algebra = [
        Step(D(sigmoid(z), z), _teaching(-1, (1 + sympy.exp(-z)) ** -2, -sympy.exp(-z)), "power rule, chain rule",
             "σ(z) = (1 + e^(−z))⁻¹", definitions={}),
        Step(D(sigmoid(z), z), _teaching(exp_form, 1 - exp_form), "algebra", "1 − σ(z) = e^(−z)/(1 + e^(−z))"),
    ]
    sigmoid_rule = Step(D(sigmoid(z), z), da, "sigmoid rule", "σ′ = σ(1 − σ)", substeps=sigmoid_algebra)
    delta_steps = [
        Step(D(L, z), _teaching(D(L, yhat), D(yhat, z)), "chain rule", "L depends on z only through ŷ", kind="chain"),
        Step(D(L, yhat), dl, "MSE derivative", "L = (ŷ − y)²", kind="factor:loss", substeps=power_detail),
        Step(D(yhat, z), da, "σ derivative", "σ′(z) = σ(z)(1 − σ(z))", kind="factor:activation",
             substeps=[sigmoid_rule]),
        Step(D(L, z), _teaching(dl, da), "multiply the factors", kind="product"),
    ]
    definitions = {**forward, delta: _teaching(dl, da)}
    cited = Derivation(delta, delta_steps, sympy.diff((sigmoid(z) - y) ** 2, z), variable=z,
                       definitions=definitions, title="δ = ∂L/∂z",
                       factors=[Factor(D(L, yhat), dl, "loss"), Factor(D(yhat, z), da, "activation")])
    steps = [
        Step(D(L, W), _teaching(D(L, z), D(z, W)), "chain rule", "L depends on W only through z", kind="chain"),
        Step(D(L, z), delta, "δ, derived once", kind="cite"),
        Step(D(z, W), x, "linear term", "only the term W·x of z contains W", kind="factor:linear"),
        Step(D(L, W), _teaching(delta, x), "δ times the local factor", kind="delta"),
        Step(D(L, W), _teaching(dl, da, x), "multiply the factors", kind="product"),
    ]
    return Derivation(D(L, W), steps, sympy.diff((sigmoid(W * x + b) - y) ** 2, W), variable=W,
                      definitions=definitions, cites=[cited, cited] if cite_twice else [cited],
                      title="∂L/∂W", conventions=["σ is the logistic sigmoid"],
                      factors=[Factor(D(L, z), delta, "delta"), Factor(D(z, W), x, "linear")])


@pytest.fixture(scope="module")
def neuron():
    return guide_neuron()


@pytest.fixture(scope="module")
def neuron_at_point(neuron):
    return neuron.at(GUIDE_POINT)


def test_the_hand_built_derivation_is_itself_correct(neuron):
    assert neuron.verify().ok


# ---------------------------------------------------------------------------
# printing: the teaching form survives
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("expr, text, latex", [
    (yhat - y, "ŷ − y", r"\hat{y} - y"),
    (W * x + b, "W·x + b", "W x + b"),
    (sym("w1_1_1") * sym("x_1") + sym("b1_1"), "w⁽¹⁾₁₁·x₁ + b⁽¹⁾₁", r"w^{(1)}_{11} x_{1} + b^{(1)}_{1}"),
    (sigmoid(z) * (1 - sigmoid(z)), "σ(z)(1 − σ(z))", r"\sigma\left(z\right) \left(1 - \sigma\left(z\right)\right)"),
    (_teaching(2, yhat - y), "2(ŷ − y)", r"2 \left(\hat{y} - y\right)"),
    (2 * x * (yhat - y), "2x(ŷ − y)", r"2 x \left(\hat{y} - y\right)"),
    (1 - sympy.tanh(z) ** 2, "1 − tanh(z)²", r"1 - \tanh^{2}{\left(z \right)}"),
    (sympy.exp(-z), "e^(−z)", "e^{-z}"),
    (x - 1, "x − 1", "x - 1"),
    (-2 * x, "−2x", "-2 x"),
    (sympy.exp(-z) / (1 + sympy.exp(-z)) ** 2, "e^(−z)/(1 + e^(−z))²", r"\frac{e^{-z}}{\left(1 + e^{-z}\right)^{2}}"),
    (x / (x + 1), "x/(x + 1)", r"\frac{x}{x + 1}"),
    (sympy.log(x), "ln(x)", r"\ln{\left(x \right)}"),
    (sympy.sqrt(x + 1), "√(x + 1)", r"\sqrt{x + 1}"),
    (abs(x), "|x|", r"\left|{x}\right|"),
    (x ** sympy.Rational(-2, 3) / 3, "1/(3·x^(2/3))", r"\frac{1}{3 x^{\frac{2}{3}}}"),
    (x ** -2, "x⁻²", r"\frac{1}{x^{2}}"),
    (sympy.Piecewise((1, z > 0), (0, True)), "{1 if z > 0; 0 otherwise}",
     r"\begin{cases} 1 & \text{for}\: z > 0 \\0 & \text{otherwise} \end{cases}"),
    (sympy.Add(sympy.cosh(z) ** 2, _teaching(-sympy.sinh(z), sympy.sinh(z)), evaluate=False),
     "cosh(z)² − sinh(z)·sinh(z)", r"\cosh^{2}{\left(z \right)} - \sinh{\left(z \right)} \sinh{\left(z \right)}"),
    (_teaching(D(L, yhat), D(yhat, z)), "∂L/∂ŷ·∂ŷ/∂z",
     r"\frac{\partial L}{\partial \hat{y}} \cdot \frac{\partial \hat{y}}{\partial z}"),
])
def test_printers_keep_the_teaching_form(expr, text, latex):
    assert to_text(expr) == text
    assert to_latex(expr) == latex


def test_a_product_built_unevaluated_keeps_its_order():
    built = _teaching(x, sigmoid(z), 2)
    assert to_text(built) == "x·σ(z)·2"


def test_numbers_print_in_place_of_symbols_with_the_structure_kept():
    numbers = {yhat: sympy.Float(0.5), y: sympy.Integer(1), sigmoid(z): sympy.Float(0.5), x: sympy.Integer(2)}
    teaching = _teaching(_teaching(2, yhat - y), _teaching(sigmoid(z), 1 - sigmoid(z)), x)
    assert to_text(teaching, numbers=numbers) == "2(0.5 − 1)·0.5(1 − 0.5)·2"
    assert to_latex(teaching, numbers=numbers) == r"2 \left(0.5 - 1\right) \cdot 0.5 \left(1 - 0.5\right) \cdot 2"
    # a negative number is bracketed wherever a sign would be ambiguous
    negative = {y: sympy.Integer(-1), b: sympy.Integer(-1), W: sympy.Rational(1, 2)}
    assert to_text(yhat - y, numbers=negative) == "ŷ − (−1)"
    assert to_text(b ** 2, numbers=negative) == "(−1)²"
    assert to_text(W * b, numbers=negative) == "0.5·(−1)"
    assert to_text(W * x + b, numbers={**negative, x: 2}) == "0.5·2 − 1"


@pytest.mark.parametrize("value, shown", [
    (2, "2"), (sympy.Float(2.0), "2"), (-0.5, "−0.5"), (0.53125, "0.5312"), (0.25, "0.25"),
    (sympy.Rational(1, 3), "0.3333"), (123456.7, "123457"), (1.5e-7, "1.5×10⁻⁷"), (0, "0"),
])
def test_numbers_are_short(value, shown):
    assert format_number(value) == shown


def test_rounded_numbers_say_so():
    assert displays_exactly(0.25, format_number(0.25))
    assert not displays_exactly(sympy.Rational(1, 3), format_number(sympy.Rational(1, 3)))


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).filter(lambda v: abs(v) > 1e-4))
def test_a_short_number_is_within_rounding_of_the_value(value):
    shown = format_number(value)
    back = float(shown.replace("−", "-"))
    assert abs(back - value) <= 5e-4 * abs(value) + 1e-12
    assert displays_exactly(value, shown) == (abs(back - value) <= 1e-12 * max(1.0, abs(value)))


# ---------------------------------------------------------------------------
# text
# ---------------------------------------------------------------------------

def test_text_shows_formula_then_numbers_as_in_the_guide(neuron_at_point):
    text = render_text(neuron_at_point, level=0)
    assert "At x = 2, W = 0.5, b = −1, y = 1:" in text
    assert "z = W·x + b = 0.5·2 − 1 = 0" in text
    assert "ŷ = σ(z) = 0.5" in text
    assert "L = (ŷ − y)² = (0.5 − 1)² = 0.25" in text
    lines = text.splitlines()
    product = next(i for i, l in enumerate(lines) if "2(ŷ − y) · σ(z)(1 − σ(z)) · x" in l)
    assert lines[product + 1].strip() == "= 2(0.5 − 1) · 0.5(1 − 0.5) · 2 = −0.5"
    assert "[multiply the factors]" in lines[product]
    # the chain of named factors, then its numbers
    chain = next(i for i, l in enumerate(lines) if "∂L/∂W = ∂L/∂z · ∂z/∂W" in l)
    assert lines[chain + 1].strip() == "= −0.25 · 2 = −0.5"
    assert "[chain rule] L depends on W only through z" in lines[chain]


def test_the_simplified_result_is_never_printed_in_place_of_the_steps(neuron_at_point):
    text = render_text(neuron_at_point, level=2)
    assert "cosh" not in text
    assert to_text(neuron_at_point.result) not in text


def test_continuation_lines_align_under_the_equals_sign(neuron):
    lines = render_text(neuron, level=0).splitlines()
    first = next(l for l in lines if l.strip().startswith("∂L/∂W = δ · x"))
    following = lines[lines.index(first) + 1]
    assert following.strip().startswith("= 2(ŷ − y) · σ(z)(1 − σ(z)) · x")
    assert following.index("=") == first.index("=")


def test_levels_show_deeper_steps(neuron):
    level0 = render_text(neuron, level=0)
    level1 = render_text(neuron, level=1)
    level2 = render_text(neuron, level=2)
    assert "[power rule]" not in level0 and "[sigmoid rule]" not in level0
    assert "[power rule]" in level1 and "[sigmoid rule]" in level1
    assert "[algebra]" not in level1 and "[algebra]" in level2
    # detail is indented under the step it explains
    power = next(l for l in level1.splitlines() if "[power rule]" in l)
    parent = next(l for l in level1.splitlines() if "[MSE derivative]" in l)
    assert len(power) - len(power.lstrip()) > len(parent) - len(parent.lstrip())


@pytest.mark.parametrize("level", [-1, 1.5, "two", 99])
def test_a_bad_level_is_refused(neuron, level):
    with pytest.raises(MathomongError, match="level"):
        render_text(neuron, level=level)


def test_cited_derivations_come_first_and_once():
    twice = guide_neuron(cite_twice=True)
    text = render_text(twice)
    assert text.count("δ = ∂L/∂z (derived once") == 1
    assert text.index("δ = ∂L/∂z (derived once") < text.index("∂L/∂W\n")


def test_text_reports_the_verification(neuron):
    assert "Checked: every step checked against sympy.diff: " in render_text(neuron, verify=True)


def test_a_derivation_without_a_point_has_no_numbers(neuron):
    text = render_text(neuron, level=1)
    assert "0.5" not in text and "At " not in text


def test_a_partial_point_shows_what_it_can():
    partial = guide_neuron().at({"x": 2})
    text = render_text(partial)
    assert "∂z/∂W = x" in text
    assert "= 2" in text  # ∂z/∂W is known
    assert "= −0.5" not in text  # ∂L/∂W is not


# ---------------------------------------------------------------------------
# LaTeX
# ---------------------------------------------------------------------------

def test_latex_is_an_align_with_the_rule_at_the_right(neuron_at_point):
    latex = render_latex(neuron_at_point, level=1)
    assert latex.startswith(r"\begin{align*}") and latex.rstrip().endswith(r"\end{align*}")
    assert r"\tag*{chain rule}" in latex
    assert r"&= 2 \left(0.5 - 1\right) \cdot 0.5 \left(1 - 0.5\right) \cdot 2 = -0.5" in latex


@pytest.mark.parametrize("level", [0, 1, 2])
def test_latex_compiles_at_every_level_with_numbers(neuron_at_point, level):
    compile_latex(render_latex(neuron_at_point, level=level, standalone=True, verify=True))


def test_latex_without_numbers_compiles(neuron):
    compile_latex(render_latex(neuron, level=2), wrap=True)


def test_jupyter_latex_is_display_math_for_mathjax(neuron_at_point):
    shown = repr_latex(neuron_at_point, level=1)
    assert shown.startswith("$$\\begin{aligned}") and shown.endswith("\\end{aligned}$$")
    assert r"\ensuremath" not in shown and r"\intertext" not in shown  # MathJax knows neither
    assert r"&& \text{chain rule}" in shown


def test_aligned_latex_compiles_inside_display_math(neuron_at_point):
    body = render_latex(neuron_at_point, level=1, environment="aligned", verify=True)
    compile_latex(f"\\[\n{body}\n\\]", wrap=True)


# ---------------------------------------------------------------------------
# Markdown, JSON, Jupyter, dot
# ---------------------------------------------------------------------------

def test_markdown_nests_detail_and_puts_numbers_under_the_formula(neuron_at_point):
    markdown = render_markdown(neuron_at_point, level=1)
    lines = markdown.splitlines()
    assert "### ∂L/∂W" in lines
    item = next(i for i, l in enumerate(lines) if l.startswith("- $") and "*multiply the factors*" in l
                and r"\cdot x$" in l)
    assert lines[item].endswith("  ")  # hard break: the numbers stay in the item
    assert lines[item + 1] == r"  $= 2 \left(0.5 - 1\right) \cdot 0.5 \left(1 - 0.5\right) \cdot 2 = -0.5$"
    assert any(l.startswith("  - $") and "*power rule*" in l for l in lines)


def test_jupyter_reprs(neuron_at_point):
    assert neuron_at_point._repr_markdown_() == render_markdown(neuron_at_point)
    assert r"\frac{\partial L}{\partial W}" in neuron_at_point._repr_latex_()


def test_json_is_structured_versioned_and_verified(neuron_at_point):
    data = json.loads(render_json(neuron_at_point, level=2))
    assert data["format_version"] == 1
    assert data["verification"]["outcome"] in ("proved", "numeric")
    assert data["verification"]["counts"]["failed"] == 0 and data["verification"]["failures"] == []
    assert data["point"] == {"x": 2.0, "W": 0.5, "b": -1.0, "y": 1.0}
    assert data["conventions"] == ["σ is the logistic sigmoid"]
    assert [c["title"] for c in data["cited"]] == ["δ = ∂L/∂z"]
    assert data["cites"] == [data["cited"][0]["id"]]
    first = data["steps"][0]
    assert first["rule"] == "chain rule"
    assert first["before"] == {"text": "∂L/∂W", "latex": r"\frac{\partial L}{\partial W}", "plain": "Derivative(L, W)"}
    assert first["numbers"]["value"] == -0.5
    product = data["steps"][-1]
    assert product["text"] == "∂L/∂W = 2(ŷ − y) · σ(z)(1 − σ(z)) · x"
    assert [f["text"] for f in product["factors"]] == ["2(ŷ − y)", "σ(z)(1 − σ(z))", "x"]
    delta_steps = data["cited"][0]["steps"]
    loss_factor = next(s for s in delta_steps if s["rule"] == "MSE derivative")
    assert [c["rule"] for c in loss_factor["children"]] == ["power rule", "difference rule"]
    sigmoid_factor = next(s for s in delta_steps if s["rule"] == "σ derivative")
    assert sigmoid_factor["children"][0]["children"][0]["rule"] == "power rule, chain rule"
    names = [d["name"] for d in data["definitions"]]
    assert names == ["z", "yhat", "L"]


def test_json_levels_cut_the_tree(neuron):
    data = render_json(neuron, level=0, verify=False, as_dict=True)
    assert all(step["children"] == [] for step in data["cited"][0]["steps"])
    assert data["verification"] is None and data["point"] is None


def test_json_keys_are_the_documented_ones(neuron):
    from pathlib import Path

    data = render_json(neuron, as_dict=True)
    doc = (Path(__file__).resolve().parents[1] / "docs" / "derivation-json.md").read_text(encoding="utf-8")
    for key in data:
        assert f"`{key}`" in doc, key
    for key in data["steps"][0]:
        assert f"`{key}`" in doc, key


def test_dot_labels_nodes_with_names_values_and_gradients(neuron_at_point):
    dot = render_dot(neuron_at_point)
    assert dot.startswith('digraph "computation" {')
    for edge in ('"W" -> "z"', '"x" -> "z"', '"b" -> "z"', '"z" -> "yhat"', '"yhat" -> "L"', '"y" -> "L"'):
        assert edge in dot
    assert 'label="W = 0.5\\n∂L/∂W = −0.5"' in dot
    assert 'label="z = 0\\nδ = −0.25"' in dot
    assert 'label="L = 0.25"' in dot
    assert "delta" not in dot  # δ is a gradient, not a node
    # the chain from W to L is drawn bold; the input x is not on it
    assert '"W" -> "z" [penwidth=' in dot and '"z" -> "yhat" [penwidth=' in dot
    assert '"x" -> "z";' in dot


def test_dot_without_a_point_has_names_only(neuron):
    import re

    labels = re.findall(r'label="([^"]*)"', render_dot(neuron))
    assert sorted(labels) == sorted(["W", "x", "b", "y", "z", "ŷ", "L"])


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz is not installed")
def test_graphviz_reads_the_dot_text(neuron_at_point):
    result = subprocess.run(["dot", "-Tsvg"], input=render_dot(neuron_at_point), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "<svg" in result.stdout


# ---------------------------------------------------------------------------
# numbers against an independent computation
# ---------------------------------------------------------------------------

def _every_definition(derivation) -> dict:
    merged = dict(derivation.all_definitions())
    for item in [derivation, *derivation._cited_closure()]:
        merged.update(item.definitions)
        for step, _ in item.walk():
            merged.update(step.definitions)
    return merged


@pytest.mark.parametrize("make, parameter, point", [
    (lambda: __import__("mathomong_sym").Neuron(1), "W", GUIDE_POINT),
    (lambda: __import__("mathomong_sym").MLP([2, 2, 2]), "w1_1_2",
     {"x_1": 1, "x_2": 0.5, "y_1": 1, "y_2": 0, "w1_1_1": 0.1, "w1_1_2": -0.2, "w1_2_1": 0.3, "w1_2_2": 0.4,
      "b1_1": 0, "b1_2": 0.1, "w2_1_1": 0.5, "w2_1_2": -0.6, "b2_1": 0.2, "w2_2_1": 0.7, "w2_2_2": 0.1,
      "b2_2": 0}),
])
def test_every_number_shown_is_the_value_of_what_it_replaces(make, parameter, point):
    from mathomong_sym.derivation import meaning
    from mathomong_sym.render.document import build_document

    derivation = make().derive(parameter).at(point)
    document = build_document(derivation, level=1)
    definitions = _every_definition(derivation)
    base = {sym(name): sympy.nsimplify(value) for name, value in point.items()}

    def independent(expr):
        return complex(meaning(expr, definitions).xreplace(base).evalf(30))

    checked = 0
    for section in document.sections:
        for line in section.lines:
            if line.value is not None:
                assert abs(complex(line.value) - independent(line.lhs)) < 1e-9, to_text(line.lhs)
                checked += 1
            for replaced, value in line.numbers.items():
                assert abs(complex(value) - independent(replaced)) < 1e-9, to_text(replaced)
                checked += 1
    assert checked > 20


def test_an_at_argument_is_the_same_as_calling_at(neuron):
    assert render_text(neuron, level=1, at=GUIDE_POINT) == render_text(neuron.at(GUIDE_POINT), level=1)
    assert render_latex(neuron, at={x: 3, W: 1, b: 0, y: 0}) == render_latex(neuron.at({x: 3, W: 1, b: 0, y: 0}))
    assert render_dot(neuron, at=GUIDE_POINT) == render_dot(neuron.at(GUIDE_POINT))
    assert render_markdown(neuron, at=GUIDE_POINT) == render_markdown(neuron.at(GUIDE_POINT))
    assert render_json(neuron, at=GUIDE_POINT, verify=False) == render_json(neuron.at(GUIDE_POINT), verify=False)


def test_prose_in_latex_is_ascii_and_compiles():
    from mathomong_sym.render.latex import latex_text

    prose = ("only the term w⁽¹⁾₁₂·x₂ of z⁽¹⁾₁ contains ŷ₁ − x̂; 50% & $5 #1 a_b {c} ~ ^ \\ "
             "σ′ = σ(1 − σ) … δᵢⱼ ≤ ≥ ≈ ≠ ∂ √ ℓ ⊙ ± ∇ ⇒ → × ½ Σₖ αΔθ")
    encoded = latex_text(prose)
    assert encoded.isascii()
    assert latex_text("ŷ − y", unicode=True) == "ŷ − y"  # MathJax reads Unicode
    compile_latex(f"\\noindent {encoded}\n\n$\\text{{{encoded}}}$", wrap=True)
