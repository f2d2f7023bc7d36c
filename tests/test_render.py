"""The document model and its renderers: order, once, budget, meaning; text, LaTeX, Markdown, JSON, dot."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st
from sympy import Derivative as D
from sympy import Mul

from mathomong_sym import MLP, Neuron
from mathomong_sym.activations import sigmoid
from mathomong_sym.calculus import diff_steps
from mathomong_sym.derivation import Words
from mathomong_sym.errors import MathomongError
from mathomong_sym.naming import sym
from mathomong_sym.printing import displays_exactly, format_number, to_latex, to_text
from mathomong_sym.render import render_dot, render_json, render_latex, render_markdown, render_text, repr_latex
from mathomong_sym.render.document import Explainer, build_document, reading_problems
from mathomong_sym.render.text import WIDTH
from test_render_support import compile_latex

W, x, b, z, yhat, y, L, delta = map(sym, "W x b z yhat y L delta".split())
GUIDE_POINT = {"x": 2, "W": 0.5, "b": -1, "y": 1}


def _teaching(*factors):
    return Mul(*factors, evaluate=False)


@pytest.fixture(scope="module")
def neuron():
    return Neuron().derive("W")


@pytest.fixture(scope="module")
def neuron_at_point(neuron):
    return neuron.at(GUIDE_POINT)


def lines_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def assert_within_width(text: str) -> None:
    for line in text.splitlines():
        assert len(line) <= WIDTH, line


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
    (sympy.exp(-z) / (1 + sympy.exp(-z)) ** 2, "e^(−z)/(1 + e^(−z))²", r"\frac{e^{-z}}{\left(1 + e^{-z}\right)^{2}}"),
    (_teaching(D(L, yhat), D(yhat, z)), "∂L/∂ŷ·∂ŷ/∂z",
     r"\frac{\partial L}{\partial \hat{y}} \cdot \frac{\partial \hat{y}}{\partial z}"),
    # a written-out function of its one variable has an ordinary derivative; a named quantity keeps ∂
    (D(z ** 2, z), "d(z²)/dz", r"\frac{d}{d z}\left(z^{2}\right)"),
    (D(sigmoid(z), z), "dσ(z)/dz", r"\frac{d}{d z}\left(\sigma\left(z\right)\right)"),
    (D(W * x, W), "∂(W·x)/∂W", r"\frac{\partial}{\partial W}\left(W x\right)"),
])
def test_printers_keep_the_teaching_form(expr, text, latex):
    assert to_text(expr) == text
    assert to_latex(expr) == latex


def test_numbers_print_in_place_of_symbols_with_the_structure_kept():
    numbers = {yhat: sympy.Float(0.5), y: sympy.Integer(1), sigmoid(z): sympy.Float(0.5), x: sympy.Integer(2)}
    teaching = _teaching(_teaching(2, yhat - y), _teaching(sigmoid(z), 1 - sigmoid(z)), x)
    assert to_text(teaching, numbers=numbers) == "2(0.5 − 1)·0.5(1 − 0.5)·2"
    negative = {y: sympy.Integer(-1), b: sympy.Integer(-1), W: sympy.Rational(1, 2)}
    assert to_text(yhat - y, numbers=negative) == "ŷ − (−1)"
    assert to_text(W * x + b, numbers={**negative, x: 2}) == "0.5·2 − 1"


@pytest.mark.parametrize("value, shown", [
    (2, "2"), (sympy.Float(2.0), "2"), (-0.5, "−0.5"), (0.53125, "0.5312"), (0.25, "0.25"),
    (sympy.Rational(1, 3), "0.3333"), (123456.7, "123457"), (1.5e-7, "1.5×10⁻⁷"), (0, "0"),
])
def test_numbers_are_short(value, shown):
    assert format_number(value) == shown


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).filter(lambda v: abs(v) > 1e-4))
def test_a_short_number_is_within_rounding_of_the_value(value):
    shown = format_number(value)
    back = float(shown.replace("−", "-"))
    assert abs(back - value) <= 5e-4 * abs(value) + 1e-12
    assert displays_exactly(value, shown) == (abs(back - value) <= 1e-12 * max(1.0, abs(value)))


# ---------------------------------------------------------------------------
# order: rule, parts, product, number
# ---------------------------------------------------------------------------

def test_a_chain_reads_rule_let_outer_inner_multiply_number():
    text = render_text(diff_steps((3 * x + 1) ** 2, x).at({x: 1}), level=1)
    lines = lines_of(text)
    order = ["chain rule", "u = 3x + 1 = 4", "outer: d(u²)/du", "inner: du/dx", "dy/dx = 2u · 3",
             "Slope 24 at x = 1"]
    positions = [next(i for i, line in enumerate(lines) if fragment in line) for fragment in order]
    assert positions == sorted(positions), text
    assert "8 · 3 = 24" in text  # the product with the parts' values, after the parts
    assert "∂" not in text  # one variable: the guide's d/dx


def test_the_working_comes_before_what_it_justifies():
    text = render_text(diff_steps(x ** 2, x).at({x: 3}), level=1)
    assert "dy/dx = 2x^(2 − 1) = 2x = 2·3 = 6" in text
    rule = text.index("power rule, d/dx xⁿ = n·xⁿ⁻¹")
    assert rule < text.index("dy/dx = 2x")


@pytest.mark.parametrize("level", [0, 1, 2])
def test_no_line_uses_a_value_before_it_is_derived(neuron_at_point, level):
    # the conftest checks every document; this one names what it checks
    assert reading_problems(build_document(neuron_at_point, level)) == []


def test_the_order_check_finds_a_value_used_too_early(neuron_at_point):
    from dataclasses import replace

    document = build_document(neuron_at_point, 1)
    chain = document.sections[-1].steps[0]
    reversed_parts = replace(chain, parts=(), worked=chain.worked)
    broken = replace(document, sections=(replace(document.sections[-1], steps=(reversed_parts,)),))
    assert reading_problems(broken)  # the product's numbers now come from nowhere


# ---------------------------------------------------------------------------
# once
# ---------------------------------------------------------------------------

def test_the_neuron_for_one_parameter_is_the_guides_three_factors_each_once(neuron_at_point):
    text = render_text(neuron_at_point, level=1)
    assert "∂L/∂W = ∂L/∂ŷ · ∂ŷ/∂z · ∂z/∂W" in text
    assert "δ" not in text  # no δ where nothing reuses it
    for factor, value in (("∂L/∂ŷ = ", "= −1"), ("∂ŷ/∂z = ", "= 0.25"), ("∂z/∂W = ", "= 2")):
        worked = [line for line in text.splitlines() if line.strip().startswith(factor) and value in line]
        assert len(worked) == 1, (factor, worked)
    assert "∂σ(z)/∂z" not in text  # the sigmoid rule's line is the factor's line


def test_several_parameters_share_one_delta():
    net = Neuron(2)
    derivations = [net.derive(p).at({"x_1": 1, "x_2": 2, "W_1": 0.5, "W_2": -0.5, "b": 0, "y": 1})
                   for p in net.parameters]
    text = render_text_document(derivations, level=1)
    assert text.count("δ = ∂L/∂z = ∂L/∂ŷ · ∂ŷ/∂z") == 1
    assert text.count("∂L/∂z = δ") == 3  # each parameter cites it
    assert "∇L = (∂L/∂W₁, ∂L/∂W₂, ∂L/∂b) = (−0.2926, −0.5851, −0.2926)" in text
    assert text.index("∇L") < text.index("Update by gradient descent")


def render_text_document(derivations, level=1, **options):
    from mathomong_sym.render.text import document_text

    return document_text(build_document(derivations, level, **options))


def test_an_explainer_derives_a_quantity_once_across_documents():
    net = Neuron()
    explainer = Explainer(1)
    first = build_document(net.derive("W"), 1, explainer=explainer)
    second = build_document(net.derive("b"), 1, explainer=explainer)
    third = build_document(net.derive("W").at(GUIDE_POINT), 1, explainer=explainer)
    kinds = [step.kind for step in second.sections[-1].steps[0].parts]
    assert kinds == ["cite", "cite", "factor"]  # ∂L/∂ŷ and ∂ŷ/∂z found in the first, ∂z/∂b derived
    assert not any(s.kind == "forward" for s in second.sections)  # the forward pass was shown already
    # with numbers the chain is valued again, factor by factor, without deriving anything twice
    chain = third.sections[-1].steps[0]
    assert all(not part.parts for part in chain.parts)
    assert float(chain.value) == -0.5
    assert first.legend and not second.legend
    # each factor says where it was found, and no rule is applied a second time
    assert all(part.reason == Words("found above") and not part.rule for part in chain.parts), chain.parts


def test_a_key_cites_the_part_that_found_each_factor():
    from mathomong_sym.render.text import document_text

    net = Neuron()
    explainer = Explainer(1)
    texts = {}
    for place, derivation in (("1(a)", net.derive("W")), ("1(b)", net.derive("b")),
                              ("1(c)", net.derive("W").at(GUIDE_POINT)), ("1(d)", net.derive("b").at(GUIDE_POINT))):
        explainer.place = place
        texts[place] = document_text(build_document(derivation, 1, explainer=explainer))
    assert "∂z/∂b = 1" in texts["1(d)"] and re.search(r"∂z/∂b = 1 +found in 1\(b\)", texts["1(d)"])
    assert re.search(r"∂L/∂ŷ = 2\(ŷ − y\) = 2\(0.5 − 1\) = −1 +found in 1\(a\)", texts["1(c)"])
    assert "rule" not in texts["1(d)"].split("\n", 1)[1]  # below its opening line, nothing is derived again


# ---------------------------------------------------------------------------
# budget
# ---------------------------------------------------------------------------

def test_the_guides_neuron_at_level_1_fits_in_about_15_lines(neuron_at_point):
    report = neuron_at_point.verify()
    text = render_text_document([neuron_at_point], level=1, report=report)
    assert len(text.splitlines()) <= 17, text
    assert_within_width(text)


@pytest.mark.parametrize("make, parameter", [
    (lambda: MLP([2, 2, 2]), "w1_1_1"), (lambda: MLP([2, 3, 2]), "w1_2_1"),
    (lambda: MLP([3, 3, 3], activation="tanh"), "w1_1_3"), (lambda: Neuron(4), "W_3"),
])
@pytest.mark.parametrize("level", [0, 1, 2])
def test_no_line_is_longer_than_100_characters(make, parameter, level):
    from mathomong_sym.derive import example_values

    net = make()
    derivation = net.derive(parameter).at(example_values(net, seed=1))
    assert_within_width(render_text(derivation, level=level))


def test_levels_add_only_detail(neuron_at_point):
    texts = [render_text(neuron_at_point, level=level) for level in (0, 1, 2)]
    assert len(texts[0]) < len(texts[1]) < len(texts[2])
    assert "power rule" not in texts[0] and "power rule" in texts[1]
    assert "e^(−z)" not in texts[1] and "the two minus signs cancel" in texts[2]


@pytest.mark.parametrize("level", [-1, 1.5, "two", 99])
def test_a_bad_level_is_refused(neuron, level):
    with pytest.raises(MathomongError, match="level"):
        render_text(neuron, level=level)


# ---------------------------------------------------------------------------
# meaning
# ---------------------------------------------------------------------------

def test_the_slope_says_what_it_means_and_is_checked():
    document = build_document(diff_steps(x ** 2, x).at({x: 3}), 1)
    meaning, = document.meanings
    assert meaning.holds and meaning.nudge == sympy.Rational(1, 100)
    assert float(meaning.after) == pytest.approx(9.0601)
    text = str(meaning.words)
    assert text == "slope 6 at x = 3: nudging x by 0.01 moves y by about 0.06 (9\u00a0→\u00a09.0601)"


def test_the_gradient_says_what_it_means_and_where_descent_moves(neuron_at_point):
    document = build_document(neuron_at_point, 1)
    meaning, = document.meanings
    assert meaning.holds
    words = str(meaning.words)
    assert "raising W by 0.01 lowers L by about 0.005" in words
    assert "gradient descent with η = 0.1 moves W to 0.55" in words


def test_a_kink_is_said_honestly():
    document = build_document(diff_steps(sympy.Max(0, x), x).at({x: 0}), 0)
    meaning, = document.meanings
    assert not meaning.holds
    assert "the slope alone does not predict it" in str(meaning.words)


def test_each_factor_says_what_it_means(neuron_at_point):
    text = render_text(neuron_at_point, level=0)
    assert "large when the prediction is far from the target" in text
    assert "the weight matters more when its input x is large" in text


# ---------------------------------------------------------------------------
# every factor visible
# ---------------------------------------------------------------------------

def test_hidden_steps_are_shown(neuron_at_point):
    text = render_text(neuron_at_point, level=1)
    assert "2u · 1 = 2u" in text  # the ·1 where it comes from
    assert "σ(0) = 1/(1 + e^0) = 0.5" in text
    assert "power rule: d/dx xⁿ = n·xⁿ⁻¹" in text  # the general formula before it is applied
    assert "b does not contain W" in text and "derivative of b" not in text
    assert "Names: ŷ = prediction, y = target, L = loss, z = weighted sum, σ = sigmoid" in text
    assert "put the derivatives in" not in text and "MSE derivative" not in text


def test_no_annotation_names_more_than_one_rule():
    text = render_text(sympy_expression("1/(1+exp(-x))"), level=2)
    assert "power rule, chain rule" not in text
    assert "σ(x)(1 − σ(x))" in text.splitlines()[-3] or "σ(x)(1 − σ(x))" in text


def sympy_expression(text):
    from mathomong_sym.parsing import parse_expression

    expr = parse_expression(text)
    return diff_steps(expr, sorted(expr.free_symbols, key=lambda s: s.name)[0])


def test_the_simplified_result_is_never_printed_in_place_of_the_steps(neuron_at_point):
    text = render_text(neuron_at_point, level=2)
    assert "cosh" not in text


def test_a_derivation_without_a_point_has_no_numbers(neuron):
    text = render_text(neuron, level=1)
    assert "0.5" not in text and " at " not in text.splitlines()[1]


# ---------------------------------------------------------------------------
# networks: forward pass, backward pass, update
# ---------------------------------------------------------------------------

def test_an_mlp_names_the_forward_pass_the_backward_pass_and_the_update():
    from mathomong_sym.derive import example_values

    net = MLP([2, 2, 1])
    derivation = net.derive("w1_1_1").at(example_values(net, seed=2))
    text = render_text(derivation, level=1)
    assert text.index("Forward pass") < text.index("Backward pass") < text.index("Update by gradient descent")
    for tag in ("BP1", "BP2", "BP3", "BP4"):
        assert re.search(rf"^\s*{tag}  ", text, re.M), tag  # the four equations, once
    for line, tag in (("δ⁽²⁾₁ = ", "BP1"), ("δ⁽¹⁾₁ = ", "BP2"), ("∂L/∂w⁽¹⁾₁₁ = δ⁽¹⁾₁·x₁", "BP4")):
        # the tag ends the line that instantiates the equation (or its continuation)
        assert re.search(rf"^\s*{re.escape(line)}[^\n]*(\n {{6,}}[^\n]*)?   {tag}$", text, re.M), (tag, text)
    assert "the loss goes down" in text


def test_a_bias_of_an_mlp_is_bp3():
    text = render_text(MLP([2, 2, 1]).derive("b1_2"), level=0)
    assert re.search(r"∂L/∂b⁽¹⁾₂ = δ⁽¹⁾₂·1 .*BP3$", text, re.M)


def test_every_number_shown_is_the_value_of_what_it_replaces():
    from mathomong_sym.derivation import meaning

    net = MLP([2, 2, 2])
    point = {"x_1": 1, "x_2": 0.5, "y_1": 1, "y_2": 0, "w1_1_1": 0.1, "w1_1_2": -0.2, "w1_2_1": 0.3,
             "w1_2_2": 0.4, "b1_1": 0, "b1_2": 0.1, "w2_1_1": 0.5, "w2_1_2": -0.6, "b2_1": 0.2, "w2_2_1": 0.7,
             "w2_2_2": 0.1, "b2_2": 0}
    derivation = net.derive("w1_1_2").at(point)
    document = build_document(derivation, level=1)
    definitions = dict(derivation.all_definitions())
    for item in [derivation, *derivation._cited_closure()]:
        for step, _ in item.walk():
            definitions.update(step.definitions)
    base = {sym(name): sympy.nsimplify(value) for name, value in point.items()}

    def independent(expr):
        return complex(meaning(expr, definitions).xreplace(base).evalf(30))

    checked = 0
    for _, step, _ in document.walk():
        for equation in step.worked:
            if equation.value is not None and step.kind != "algebra" and equation.relation == "=":
                assert abs(complex(equation.value) - independent(equation.lhs)) < 1e-9, to_text(equation.lhs)
                checked += 1
    assert checked > 10


# ---------------------------------------------------------------------------
# hints
# ---------------------------------------------------------------------------

def test_hints_put_each_hint_before_its_worked_line(neuron_at_point):
    from mathomong_sym.render.text import document_text

    text = document_text(build_document(neuron_at_point, 1), hints=True)
    hint = next(i for i, line in enumerate(text.splitlines()) if "sigmoid rule" in line and "Step" in line)
    worked = next(i for i, line in enumerate(text.splitlines()) if "▸ ∂ŷ/∂z = σ(z)(1 − σ(z))" in line)
    assert hint < worked
    assert "0.25" not in text.splitlines()[hint]


def test_jupyter_shows_a_reveal_per_step(neuron_at_point):
    markdown = render_markdown(neuron_at_point, level=1, hints=True)
    assert markdown.count("<details><summary>Step") == markdown.count("</details>") >= 4
    assert neuron_at_point._repr_markdown_().count("<details>") >= 4


# ---------------------------------------------------------------------------
# LaTeX
# ---------------------------------------------------------------------------

def test_latex_nests_one_list_per_depth_and_sets_reasons_as_math(neuron_at_point):
    latex = render_latex(neuron_at_point, level=2)
    depth, deepest = 0, 0
    for line in latex.splitlines():
        depth += line.count(r"\begin{list}") - line.count(r"\end{list}")
        deepest = max(deepest, depth)
    assert depth == 0 and deepest >= 3
    assert "e^(" not in latex and "⁽" not in latex and "₁" not in latex  # no calculator syntax, no Unicode indices
    assert r"$b$ does not contain $W$" in latex


@pytest.mark.parametrize("level", [0, 1, 2])
def test_latex_compiles_at_every_level_with_numbers(neuron_at_point, level):
    compile_latex(render_latex(neuron_at_point, level=level, standalone=True, verify=True))


def test_the_neuron_at_level_1_fits_on_one_page(neuron_at_point):
    pdf = compile_latex(render_latex(neuron_at_point, level=1, standalone=True, verify=True))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True) if shutil.which("pdfinfo") else None
    if info is None:
        pytest.skip("pdfinfo is not installed")
    assert re.search(r"^Pages:\s+1$", info.stdout, re.M), info.stdout


def test_jupyter_latex_is_display_math_for_mathjax(neuron_at_point):
    shown = repr_latex(neuron_at_point, level=1)
    assert shown.startswith("$$\\begin{aligned}") and shown.endswith("\\end{aligned}$$")
    assert r"\ensuremath" not in shown and r"\begin{list}" not in shown
    # the same block for pdflatex compiles inside display math
    body = render_latex(neuron_at_point, level=1, environment="aligned", verify=True)
    compile_latex(f"\\[\n{body}\n\\]", wrap=True)


# ---------------------------------------------------------------------------
# Markdown, JSON, dot
# ---------------------------------------------------------------------------

def test_markdown_nests_parts_under_their_step(neuron_at_point):
    markdown = render_markdown(neuron_at_point, level=1)
    lines = markdown.splitlines()
    chain = next(i for i, l in enumerate(lines) if l.startswith("- ") and "*chain rule*" in l)
    assert any(l.startswith("  - ") and "*sigmoid rule*" in l for l in lines[chain:])
    assert any(l.startswith("    - outer:") for l in lines[chain:])


def test_json_is_the_document_versioned_and_verified(neuron_at_point):
    data = json.loads(render_json(neuron_at_point, level=2))
    assert data["format_version"] == 2
    assert data["verification"]["counts"]["failed"] == 0
    assert data["point"] == {"x": 2.0, "W": 0.5, "b": -1.0, "y": 1.0}
    forward, derivative = data["sections"]
    assert forward["kind"] == "forward" and [s["target"]["plain"] for s in forward["steps"]] == ["z", "yhat", "L"]
    chain = derivative["steps"][0]
    assert chain["rule"] == "chain rule" and chain["opening"]["text"] == "∂L/∂W = ∂L/∂ŷ · ∂ŷ/∂z · ∂z/∂W"
    assert [p["target"]["text"] for p in chain["parts"]] == ["∂L/∂ŷ", "∂ŷ/∂z", "∂z/∂W"]
    assert chain["worked"][0]["value"] == -0.5
    assert chain["meaning"]["holds"] is True
    sigmoid_part = chain["parts"][1]
    assert sigmoid_part["parts"][-1]["kind"] == "algebra"


def test_json_keys_are_the_documented_ones(neuron_at_point):
    from pathlib import Path

    data = render_json(neuron_at_point, as_dict=True)
    doc = (Path(__file__).resolve().parents[1] / "docs" / "derivation-json.md").read_text(encoding="utf-8")
    step = data["sections"][-1]["steps"][0]
    for keys in (data, data["sections"][0], step, step["worked"][0], step["meaning"]):
        for key in keys:
            assert f"`{key}`" in doc, key


def test_dot_labels_nodes_with_names_values_and_gradients(neuron_at_point):
    dot = render_dot(neuron_at_point)
    assert dot.startswith('digraph "computation" {')
    for edge in ('"W" -> "z"', '"x" -> "z"', '"b" -> "z"', '"z" -> "yhat"', '"yhat" -> "L"', '"y" -> "L"'):
        assert edge in dot
    assert 'label="W = 0.5\\n∂L/∂W = −0.5"' in dot
    assert 'label="z = 0\\nδ = −0.25"' in dot


def test_an_at_argument_is_the_same_as_calling_at(neuron):
    assert render_text(neuron, level=1, at=GUIDE_POINT) == render_text(neuron.at(GUIDE_POINT), level=1)
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
