"""latex2sympy2 reads back the LaTeX the package prints, and a key it would read differently is not written."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import HealthCheck, given, settings

from mathomong_sym.activations import sigmoid
from mathomong_sym.errors import VerificationError
from mathomong_sym.parsing import parse_expression
from mathomong_sym.parsing.second_reading import read_back
from mathomong_sym.printing import TextbookLatexPrinter
from test_reader_properties import _readable, to_sympy, trees

z, x = sympy.symbols("z x")


@pytest.mark.parametrize("text", [
    "2x(1-x)", r"\sigma(z)(1-\sigma(z))", r"2(\hat y - y)\sigma(z)(1-\sigma(z))x", r"\ln(x)/x", "e^{2x+1}",
    r"\frac{1}{2}(a-b)^2", "w_1 x_1 + w_2 x_2 + b", r"\tanh(x)^2", "|x|/x", "x^{-1/2}", r"\sqrt{x+1}",
    r"-4\tanh(9/5)(1-\tanh(9/5)^2)", r"2\sigma(z)^2(1-\sigma(z))", r"a^{(1)}_2 (1 - a^{(1)}_2) w^{(2)}_{12}",
])
def test_what_the_package_prints_reads_back_the_same(text):
    second = read_back(parse_expression(text))
    assert second is not None and second.agrees is True, second


def test_names_and_the_packages_functions_are_shown_as_placeholders():
    # latex2sympy2 would read \sigma(z) as a product and a^{(1)}_2 as a power: it sees their places only
    second = read_back(2 * sigmoid(z) ** 2 * (1 - sigmoid(z)))
    assert "sigma" not in second.latex and "v_{1}^{2}" in second.latex and second.agrees


def test_a_bare_number_or_name_has_nothing_to_read_back():
    assert read_back(sympy.Rational(1, 2)) is None and read_back(x) is None
    assert read_back(sympy.Eq(x, 1)) is None and read_back(sympy.Matrix([x, 1])) is None


def test_a_printing_another_reader_takes_differently_is_caught(monkeypatch):
    # \log without ln notation is base 10 to latex2sympy2 (and to many readers): not the natural log printed
    monkeypatch.setitem(TextbookLatexPrinter._default_settings, "ln_notation", False)
    second = read_back(2 * sympy.log(x) + 1)
    assert r"\log" in second.latex and second.agrees is False


def test_a_worksheet_key_that_would_read_differently_is_not_written(monkeypatch, tmp_path):
    from mathomong_sym.worksheets.build import build_worksheet

    definition = tmp_path / "logs.toml"
    definition.write_text('id = "logs"\ntitle = "Logs"\nseed = 1\nversions = ["A"]\n\n[[problems]]\n'
                          'text = "Let"\nexpression = "x^2 \\\\ln(x)"\nname = "f"\nask = ["derivative"]\n',
                          encoding="utf-8")
    assert build_worksheet(definition, out_dir=tmp_path / "fine", pdf=False)
    # printed without ln notation, the key's answer 2x ln x + x would say \log: base 10 to latex2sympy2
    monkeypatch.setitem(TextbookLatexPrinter._default_settings, "ln_notation", False)
    with pytest.raises(VerificationError, match="reads differently elsewhere"):
        build_worksheet(definition, out_dir=tmp_path / "refused", pdf=False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(trees)
def test_random_trees_print_as_latex_that_latex2sympy2_reads_back(tree):
    if not _readable(tree):
        return
    second = read_back(to_sympy(tree))
    assert second is None or second.agrees is not False, second
