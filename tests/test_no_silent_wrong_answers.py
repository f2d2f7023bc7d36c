"""Names and plain Symbols resolve to the tree's symbols; a wrong gradient is an error, not a quiet result."""

import warnings

import numpy as np
import pytest
import sympy

from mathomong_sym import (
    MLP,
    Activation,
    GradientCheckError,
    IncompatibleError,
    Neuron,
    UnknownNameError,
    diff_steps,
    gradient_check,
    parse_expression,
    sigmoid,
    train,
)


# -- names and symbols ------------------------------------------------------------------------

def test_a_plain_symbol_or_a_name_means_the_expressions_symbol():
    expr = parse_expression("x^2")
    for variable in (sympy.Symbol("x"), "x", sympy.Symbol("x", real=True)):
        d = diff_steps(expr, variable)
        assert sympy.simplify(d.result - 2 * next(iter(expr.free_symbols))) == 0
        assert d.verify().ok


def test_a_variable_the_expression_lacks_still_has_derivative_zero():
    assert diff_steps(parse_expression("x^2"), "y").result == 0


def test_two_symbols_of_one_name_are_refused_saying_which():
    x_real, x_plain = sympy.Symbol("x", real=True), sympy.Symbol("x")
    with pytest.raises(IncompatibleError, match="2 different symbols called 'x'"):
        diff_steps(x_real ** 2 + x_plain, sympy.Symbol("x", positive=True))


def test_net_symbol_and_symbols():
    net = MLP([2, 2, 1])
    assert net.symbol("w1_1_2") is net.parameters[1] or net.symbol("w1_1_2") == net.parameters[1]
    assert net.symbol(sympy.Symbol("x_1")) == net.inputs[0]
    assert net.symbol("yhat_1") == net.predictions[0]
    assert set(net.symbols) >= {"x_1", "x_2", "y_1", "w2_1_2", "b1_2", "z1_1", "a1_2", "yhat_1", "L"}
    assert all(s.is_real for s in net.symbols.values())
    with pytest.raises(UnknownNameError, match="w9_9_9"):
        net.symbol("w9_9_9")


def test_subs_and_diff_with_the_networks_symbols():
    """sympy's own subs/diff need the tree's symbols; text and plain Symbols name other symbols."""
    net = Neuron()
    assert net.loss.subs({"x": 2}) == net.loss  # sympy reads "x" as a different, plain symbol
    assert sympy.diff(net.loss, "W") == 0
    x, W = net.symbol("x"), net.symbol("W")
    assert net.loss.subs({x: 2}) != net.loss
    assert sympy.diff(net.loss, W) != 0


def test_values_at_takes_names_and_plain_symbols():
    net = Neuron()
    point = {sympy.Symbol("x"): 1, "W": 0.5, sympy.Symbol("b"): 0, "y": 1}
    values = net.values_at(point)
    assert float(values[net.symbol("z")]) == pytest.approx(0.5)
    with pytest.raises(UnknownNameError):
        net.values_at({"q": 1})


def test_derive_takes_a_plain_symbol():
    net = MLP([2, 2, 1])
    assert net.derive(sympy.Symbol("w2_1_1")).lhs == net.derive("w2_1_1").lhs


# -- gradient checks that raise ------------------------------------------------------------------

def _wrong_sigmoid():
    # σ′ written as σ: the derivation is wrong, and only the numbers can tell
    return Activation(name="wrong_sigmoid", function=sigmoid, derivative=lambda z: sigmoid(z),
                      latex=r"\sigma", text="σ", formula_text="σ′ = σ", formula_latex=r"\sigma' = \sigma")


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (6, 2)), rng.uniform(0, 1, (6, 1))


def test_train_raises_by_default_on_a_wrong_derivative(data):
    X, Y = data
    net = MLP([2, 2, 1], activation=_wrong_sigmoid(), output_activation="sigmoid")
    with pytest.raises(GradientCheckError, match="disagrees") as caught:
        train(net, X, Y, lr=0.1, steps=3)
    assert not caught.value.report.passed
    with pytest.raises(GradientCheckError):
        train(net, X, Y, lr=0.1, steps=3, check_gradient=True)


def test_train_warns_or_skips_when_asked(data):
    X, Y = data
    net = MLP([2, 2, 1], activation=_wrong_sigmoid(), output_activation="sigmoid")
    with pytest.warns(RuntimeWarning, match="disagrees"):
        result = train(net, X, Y, lr=0.1, steps=3, check_gradient="warn")
    assert result.steps == 3 and not result.gradient_check.passed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        skipped = train(net, X, Y, lr=0.1, steps=3, check_gradient=False)
    assert skipped.gradient_check is None
    with pytest.raises(IncompatibleError, match="check_gradient"):
        train(net, X, Y, lr=0.1, steps=3, check_gradient="sometimes")


def test_a_correct_network_trains_with_its_check_passed(data):
    X, Y = data
    result = train(MLP([2, 2, 1]), X, Y, lr=0.1, steps=3)
    assert result.gradient_check.passed


def test_gradient_check_takes_a_compiled_network(data):
    X, Y = data
    net = MLP([2, 3, 1], "tanh")
    theta = np.random.default_rng(1).normal(size=net.n_parameters)
    report = gradient_check(net.compile(), theta, X, Y)
    assert report.passed and report.parameters == tuple(net.parameters)


def test_gradient_check_takes_a_function_pair_and_one_function():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])

    def loss(t):
        return 0.5 * t @ A @ t + np.sin(t[0])

    def gradient(t):
        return A @ t + np.array([np.cos(t[0]), 0.0])

    theta = np.array([0.3, -0.7])
    assert gradient_check((loss, gradient), theta).passed
    assert gradient_check(lambda t: (loss(t), gradient(t)), theta).passed
    assert gradient_check((loss, gradient), theta, method="complex").passed
    with pytest.raises(GradientCheckError) as caught:
        gradient_check((loss, lambda t: A @ t), theta)
    assert caught.value.report.parameters == ("θ[0]", "θ[1]")
    report = gradient_check((loss, lambda t: A @ t), theta, raise_exception=False)
    assert not report.passed


def test_gradient_check_passes_data_after_theta(data):
    X, Y = data

    def loss(t, X, Y):
        return float(np.mean((X @ t - Y[:, 0]) ** 2))

    def gradient(t, X, Y):
        return 2 * X.T @ (X @ t - Y[:, 0]) / len(X)

    assert gradient_check((loss, gradient), np.array([0.2, -0.1]), X, Y).passed


def test_gradient_check_of_a_wrong_network_raises(data):
    X, Y = data
    net = MLP([2, 2, 1], activation=_wrong_sigmoid(), output_activation="sigmoid")
    theta = np.random.default_rng(2).normal(size=net.n_parameters)
    with pytest.raises(GradientCheckError):
        gradient_check(net, theta, X, Y)
    assert not gradient_check(net, theta, X, Y, raise_exception=False).passed


# -- a derivation's point and values take names and plain Symbols -----------------------------------------

def test_a_point_given_with_plain_symbols_is_the_trees_point():
    d = Neuron().derive("W")
    by_name = d.at({"x": 2, "W": 0.5, "b": -1, "y": 1})
    by_symbol = d.at({sympy.Symbol("x"): 2, sympy.Symbol("W"): 0.5, sympy.Symbol("b"): -1, sympy.Symbol("y"): 1})
    assert by_symbol.value(by_symbol.lhs) == by_name.value(by_name.lhs)
    assert float(by_symbol.value(by_symbol.result)) == pytest.approx(-0.5)  # a number, not an expression in x
    assert float(by_name.value(sympy.Symbol("x") * 2)) == 4  # a plain Symbol in an expression, by its name
    assert float(by_name.value("2*x + W")) == 4.5


def test_a_point_or_a_value_with_an_unknown_name_is_refused():
    d = Neuron().derive("W")
    with pytest.raises(UnknownNameError, match="'q'"):
        d.at({"x": 2, "q": 1})
    with pytest.raises(UnknownNameError, match="'q'"):
        d.at({"x": 2, "W": 0.5, "b": -1, "y": 1}).value(sympy.Symbol("q") + 1)


def test_a_symbol_beside_the_derivation_is_carried_with_the_point():
    """A worksheet gives the learning rate η with the point, for the step after the derivative."""
    d = Neuron().derive("W")
    eta = sympy.Symbol("eta", real=True)
    at = d.at({"x": 2, "W": 0.5, "b": -1, "y": 1, eta: 0.1})
    assert at.point[eta] == sympy.Rational(1, 10)
    assert float(at.value(sympy.Symbol("W") - sympy.Symbol("eta") * at.lhs)) == pytest.approx(0.5 + 0.1 * 0.5)


def test_a_float_of_any_digits_is_a_point():
    d = Neuron().derive("W")
    # nsimplify turned this float into a product of radicals that the forward pass could not evaluate
    at = d.at({"x": 0.2842981672319371, "W": -0.6377, "b": 0.1, "y": 1})
    assert at.point[Neuron().symbol("x")] == sympy.Rational("0.2842981672319371")
    assert "∂L/∂W" in at.to_text()
