r"""The one parsing module: LaTeX through the latex2sympy2 adapter, plain syntax through ast."""

from __future__ import annotations

import pytest
import sympy

from mathomong_sym import parse_expression
from mathomong_sym.activations import relu, sigmoid, step
from mathomong_sym.errors import MathomongError, ParseError
from mathomong_sym.naming import sym
from mathomong_sym.parsing import Conventions, split_equation
from mathomong_sym.parsing.latex import run_latex2sympy

x, y, z, W, b, t = (sym(n) for n in ("x", "y", "z", "W", "b", "t"))
yhat = sym("yhat")


def same(a, b_):
    return sympy.simplify(a - b_) == 0


# -- latex2sympy2's global state ------------------------------------------------

def test_a_differential_does_not_break_the_next_parse():
    # latex2sympy2 1.9.1 rebinds a module global on `dx`; the adapter resets it
    assert run_latex2sympy(r"2\,dx") is not None
    assert run_latex2sympy("2x") == 2 * sympy.Symbol("x")
    assert parse_expression(r"2\,dx", syntax="latex") == 2 * sym("d") * x
    assert parse_expression("2x", syntax="latex") == 2 * x


def test_the_state_is_reset_even_after_a_failed_parse():
    with pytest.raises(ParseError):
        run_latex2sympy(r"\frac{")
    assert run_latex2sympy("3y") == 3 * sympy.Symbol("y")


# -- what latex2sympy2 alone gets wrong ------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        (r"\frac12", sympy.Rational(1, 2)),
        (r"\frac12 x", x / 2),
        (r"\dfrac{x}{2}", x / 2),
        (r"\tfrac{1}{3}", sympy.Rational(1, 3)),
        (r"\left( x + 1 \right)^2", (x + 1) ** 2),
        (r"\operatorname{ReLU}(z)", relu(z)),
        (r"\mathrm{ReLU}(z)", relu(z)),
        (r"\hat y", yhat),
        (r"\hat{y}", yhat),
        ("x − 1", x - 1),
        ("σ(z)·(1−σ(z))", sigmoid(z) * (1 - sigmoid(z))),
        (r"\sigma(Wx+b)", sigmoid(W * x + b)),
        (r"\sigma(W x + b)", sigmoid(W * x + b)),
        (r"\log(x)", sympy.log(x)),
        (r"\ln x", sympy.log(x)),
        (r"x\cdot y", x * y),
        (r"x \times y", x * y),
        ("2xy", 2 * x * y),
        (r"\exp(-x)", sympy.exp(-x)),
        (r"e^{-x}", sympy.exp(-x)),
        (r"\mathrm{e}^{-x}", sympy.exp(-x)),
        (r"\tanh(z)", sympy.tanh(z)),
        (r"\operatorname{sech}^2(z)", 1 / sympy.cosh(z) ** 2),
        (r"\max(0, z)", sympy.Max(0, z)),
        ("H(z)", step(z)),
        (r"\theta\left(z\right)", step(z)),
        (r"\sigma'(z)", sigmoid(z) * (1 - sigmoid(z))),
        (r"\sigma^{\prime}(z)", sigmoid(z) * (1 - sigmoid(z))),
        ("σ′(z)", sigmoid(z) * (1 - sigmoid(z))),
        (r"\tanh'(z)", 1 - sympy.tanh(z) ** 2),
        (r"\operatorname{ReLU}'(z)", step(z)),
        (r"\sigma^2(z)", sigmoid(z) ** 2),
        (r"\sigma(z)^2", sigmoid(z) ** 2),
        (r"\sin^2 x", sympy.sin(x) ** 2),
        (r"\sin x + 1", sympy.sin(x) + 1),
        (r"\sqrt{x}", sympy.sqrt(x)),
        (r"\sqrt[3]{x}", x ** sympy.Rational(1, 3)),
        (r"|x|", sympy.Abs(x)),
        (r"\pi", sympy.pi),
        (r"\log_{2} 8", sympy.log(8) / sympy.log(2)),
        (r"x^23", x ** 2 * 3),  # TeX takes one digit as a script argument
        (r"\ln|x| + 1", sympy.log(sympy.Abs(x)) + 1),
        (r"\sin x \cos x", sympy.sin(x) * sympy.cos(x)),
        (r"y\ln\frac{1}{x}", y * sympy.log(1 / x)),
        (r"w^{2}_{13}", sym("w_13") ** 2),
    ],
)
def test_latex_forms(text, expected):
    assert same(parse_expression(text, syntax="latex"), expected)


def test_log_is_natural_by_default_and_configurable():
    assert parse_expression(r"\log x") == sympy.log(x)
    ten = parse_expression(r"\log x", conventions={"log_base": "10"})
    assert same(ten, sympy.log(x) / sympy.log(10))
    assert parse_expression(r"\ln x", conventions=Conventions(log_base="10")) == sympy.log(x)


def test_cases_is_a_piecewise():
    value = parse_expression(r"\begin{cases} 1 & z > 0 \\ 0 & \text{otherwise} \end{cases}")
    assert isinstance(value, sympy.Piecewise)
    assert value.subs(z, 2) == 1 and value.subs(z, -1) == 0


# -- symbols are the project's symbols ------------------------------------------

@pytest.mark.parametrize(
    "text, name",
    [
        (r"\hat{y}", "yhat"),
        (r"\hat{y}_1", "yhat_1"),
        (r"\hat y_{1}", "yhat_1"),
        (r"w^{(2)}_{13}", "w2_1_3"),
        (r"w_{13}^{(2)}", "w2_1_3"),
        (r"w^{(2)}_{1,13}", "w2_1_13"),
        (r"b^{(2)}_{1}", "b2_1"),
        (r"\delta^{(1)}_1", "delta1_1"),
        (r"a^{(1)}_2", "a1_2"),
        ("x_1", "x_1"),
        ("x_{1}", "x_1"),
        (r"\mathbf{x}_1", "x_1"),
        ("W_1", "W_1"),
        ("w2_1_13", "w2_1_13"),
        ("yhat_1", "yhat_1"),
    ],
)
def test_symbols_have_plain_names_and_are_real(text, name):
    value = parse_expression(text)
    assert value == sym(name)
    assert value.is_real


def test_a_layer_superscript_is_not_a_power():
    value = parse_expression(r"w^{(2)}_{13} x_3")
    assert value == sym("w2_1_3") * sym("x_3")
    assert not value.has(sympy.Pow)


def test_names_are_case_sensitive():
    assert parse_expression("W x") != parse_expression("w x")
    assert parse_expression("W").name == "W"


def test_an_ambiguous_weight_subscript_is_refused():
    with pytest.raises(ParseError, match="comma"):
        parse_expression(r"w^{(2)}_{113}")


def test_t_is_a_variable_not_a_unit():
    assert parse_expression("2t") == 2 * t


# -- tuples, equations -----------------------------------------------------------

def test_tuples_and_vectors():
    assert parse_expression("(a, b)", syntax="latex") == sympy.Tuple(sym("a"), sym("b"))
    assert parse_expression(r"\begin{pmatrix} x \\ 2y \end{pmatrix}") == sympy.Tuple(x, 2 * y)
    assert parse_expression("(x, 2*y)", syntax="plain") == sympy.Tuple(x, 2 * y)


def test_an_equation_is_read_by_its_right_side():
    assert parse_expression("y' = 2x") == 2 * x
    assert parse_expression(r"\frac{\partial L}{\partial w} = 2(\hat{y}-y)") == 2 * (yhat - y)
    assert split_equation(r"a \le b") == r"a \le b"
    with pytest.raises(ParseError, match="after"):
        parse_expression("y =  ")


# -- plain syntax ----------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("x^2 + 3*y", x ** 2 + 3 * y),
        ("x**2", x ** 2),
        ("sigmoid(W*x + b)", sigmoid(W * x + b)),
        ("sigma(z)*(1 - sigma(z))", sigmoid(z) * (1 - sigmoid(z))),
        ("exp(-x)", sympy.exp(-x)),
        ("relu(z)", relu(z)),
        ("step(z)", step(z)),
        ("tanh(z)", sympy.tanh(z)),
        ("log(x)", sympy.log(x)),
        ("ln(x)", sympy.log(x)),
        ("sqrt(x)", sympy.sqrt(x)),
        ("sin(x) + cos(x)", sympy.sin(x) + sympy.cos(x)),
        ("2x", 2 * x),
        ("2(x + 1)", 2 * (x + 1)),
        ("(x + 1)(x - 1)", (x + 1) * (x - 1)),
        ("sigma'(z)", sigmoid(z) * (1 - sigmoid(z))),
        ("1.5e3", sympy.Integer(1500)),
        ("0.1", sympy.Rational(1, 10)),
        ("pi", sympy.pi),
        ("e^x", sympy.exp(x)),
        ("σ(z)", sigmoid(z)),
    ],
)
def test_plain_forms(text, expected):
    assert same(parse_expression(text, syntax="plain"), expected)


def test_declared_symbols_override_constants_and_functions():
    assert parse_expression("e", conventions={"symbols": ["e"]}) == sym("e")
    assert parse_expression("e") == sympy.E


# -- bad and hostile input -------------------------------------------------------

@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("__import__('os').system('echo pwned')", "not allowed"),
        ("().__class__.__bases__[0].__subclasses__()", "not allowed|cannot"),
        ("x.real", "attribute"),
        ("lambda: 1", "lambda|not allowed"),
        ("open('f')", "not allowed"),
        ("foo(x)", "unknown function"),
        ("x +", "cannot read"),
        (r"\frac{1}{", "never closed|argument|cannot"),
        (r"\sigma", "argument"),
        (r"\sigma(1-\sigma)", "argument"),
        (r"\frac{\partial L}{\partial w}", "derivative"),
        (r"\frac{d}{dz}\sigma(z)", "derivative"),
        (r"\frac{\mathrm{d}y}{\mathrm{d}x}", "derivative"),
        ("1/0", "zero"),
        (r"\frac{1}{0}", "zero"),
        (r"10^{10^{10}}", "exponent"),
        ("10**10**10", "exponent"),
        ("2^100000", "exponent"),
        (r"x^{x^{x^{x}}}", "tower"),
        ("1000!", "factorial|cannot"),
        ("(" * 40 + "x" + ")" * 40, "nested"),
        ("x" * 2001, "too long"),
        ("1" * 80, "digits"),
        ("\x00\x01", "control"),
        (r"\foo{x}", "unknown command"),
        (r"\text{hello}", "text"),
        ("x = y = ", "after"),
        ("x > 0", "comparison"),
    ],
)
def test_bad_input_raises_a_parse_error_with_a_reason(text, reason):
    with pytest.raises(ParseError, match=reason) as info:
        parse_expression(text)
    assert isinstance(info.value, MathomongError)


def test_a_hostile_string_executes_nothing(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.chdir(tmp_path)
    for syntax in ("auto", "plain", "latex"):
        with pytest.raises(ParseError):
            parse_expression(f"__import__('os').system('touch {marker}')", syntax=syntax)
    assert not marker.exists()


def test_a_bad_syntax_name_is_refused():
    with pytest.raises(ParseError, match="syntax"):
        parse_expression("x", syntax="python")


def test_bad_conventions_are_a_config_error():
    from mathomong_sym.errors import ConfigError

    with pytest.raises(ConfigError):
        parse_expression("x", conventions={"log_base": "2"})
    with pytest.raises(ConfigError):
        parse_expression("x", conventions={"colour": "red"})


def test_many_distinct_symbols_and_repeated_ones():
    # beyond the one-letter placeholders, and each symbol used twice next to a bracket
    names = [f"x_{{{k}}}" for k in range(60)]
    value = parse_expression("+".join(f"{n}({n}+1)" for n in names))
    expected = sympy.Add(*[sym(f"x_{k}") * (sym(f"x_{k}") + 1) for k in range(60)])
    assert sympy.expand(value - expected) == 0


def test_softmax_and_logsumexp_read_as_printed():
    from mathomong_sym.activations import logsumexp, softmax

    a, b = sym("z2_1"), sym("z2_2")
    assert parse_expression(r"\operatorname{softmax}_{1}\left(z^{(2)}_{1}, z^{(2)}_{2}\right)") == softmax(0, a, b)
    assert parse_expression("softmax_2(z2_1, z2_2)") == softmax(1, a, b)
    assert parse_expression(r"\operatorname{logsumexp}(z^{(2)}_{1}, z^{(2)}_{2})") == logsumexp(a, b)
    with pytest.raises(ParseError, match="component"):
        parse_expression(r"\operatorname{softmax}(a, b)")
    with pytest.raises(ParseError, match="component"):
        parse_expression("softmax(a, b)")


@pytest.mark.parametrize("text", ["(x, y) * x", "-(x, y)", "sin((x, y))", "((x, y), z)"])
def test_a_tuple_only_as_a_whole_answer(text):
    with pytest.raises(ParseError, match="tuple"):
        parse_expression(text)
