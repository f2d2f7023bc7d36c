"""Compiled gradients: agreement with numbers and sympy, stability, shapes."""

import warnings

import numpy as np
import pytest
import sympy
from hypothesis import assume, given, settings, strategies as st

from mathomong_sym import MLP, Neuron, ShapeError, gradient_check, numeric_gradient, register_activation
from mathomong_sym.activations import ACTIVATIONS, Activation

HIDDEN = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus"]
OUTPUT_LOSS = [(o, "mse") for o in HIDDEN] + [("sigmoid", "bce"), ("softmax", "cross_entropy")]


def _data(net, rng, batch):
    X = rng.uniform(-2, 2, size=(batch, net.layer_sizes[0]))
    Y = rng.uniform(0, 1, size=(batch, net.layer_sizes[-1]))
    if net.loss_function.name == "cross_entropy":
        Y = Y / Y.sum(axis=1, keepdims=True)
    return X, Y


def _pre_activations_away_from_kinks(net, theta, X, margin=1e-3):
    """Every z of every layer at least *margin* from 0 (where ReLU has its kink)."""
    A = X
    offset = 0
    for layer in net.layers:
        n_out, n_in = layer.size, layer.fan_in
        W = theta[offset:offset + n_out * n_in].reshape(n_out, n_in)
        offset += n_out * n_in
        b = theta[offset:offset + n_out]
        offset += n_out
        Z = A @ W.T + b
        if np.min(np.abs(Z)) < margin:
            return False
        if layer.activation.elementwise:
            z = sympy.Symbol("z", real=True)
            A = sympy.lambdify(z, layer.activation.function(z), "numpy")(Z) * np.ones_like(Z)
        else:
            E = np.exp(Z - Z.max(axis=1, keepdims=True))
            A = E / E.sum(axis=1, keepdims=True)
    return True


networks = st.builds(
    lambda depth, widths, hidden, pair: (depth, widths, hidden, pair),
    st.integers(1, 4),
    st.lists(st.integers(1, 5), min_size=5, max_size=5),
    st.sampled_from(HIDDEN),
    st.sampled_from(OUTPUT_LOSS),
)


@given(networks, st.integers(0, 2**31 - 1))
def test_compiled_gradient_matches_central_differences(spec, seed):
    depth, widths, hidden, (output, loss) = spec
    sizes = widths[: depth + 1]
    if output == "softmax" and sizes[-1] == 1:
        sizes[-1] = 2
    net = MLP(sizes, activation=hidden, output_activation=output, loss=loss)
    rng = np.random.default_rng(seed)
    theta = rng.normal(0, 1, size=net.n_parameters)
    X, Y = _data(net, rng, batch=3)
    assume(_pre_activations_away_from_kinks(net, theta, X))
    report = gradient_check(net, theta, X, Y)
    assert report.passed, report.summary()
    if np.linalg.norm(report.exact) > 1e-4:
        assert report.relative_error <= 1e-6, report.summary()


_SMALL = [
    ([1, 1], "sigmoid", "sigmoid", "mse"),
    ([2, 2, 1], "sigmoid", "sigmoid", "mse"),
    ([2, 3, 1], "tanh", "sigmoid", "bce"),
    ([2, 2, 2], "relu", "softmax", "cross_entropy"),
    ([1, 2, 2, 1], "softplus", "identity", "mse"),
    ([2, 2, 2, 2], "leaky_relu", "tanh", "mse"),
    ([3, 4, 1], "sigmoid", "sigmoid", "bce"),
]
_ORACLES: dict = {}


def _oracle(spec):
    """sympy.diff of the expanded loss, once per architecture (it is slow)."""
    if spec not in _ORACLES:
        sizes, hidden, output, loss = spec
        net = MLP(list(sizes), activation=hidden, output_activation=output, loss=loss)
        _ORACLES[spec] = (net, [sympy.diff(net.loss, p) for p in net.parameters])
    return _ORACLES[spec]


@settings(max_examples=10)
@given(st.sampled_from(range(len(_SMALL))), st.integers(0, 2**31 - 1))
def test_compiled_gradient_matches_sympy_diff_of_the_expanded_loss(index, seed):
    sizes, hidden, output, loss = _SMALL[index]
    net, oracle = _oracle((tuple(sizes), hidden, output, loss))
    rng = np.random.default_rng(seed)
    theta = rng.normal(0, 1, size=net.n_parameters)
    X, Y = _data(net, rng, batch=1)
    assume(_pre_activations_away_from_kinks(net, theta, X))
    compiled = net.compile()
    gradient = compiled.gradient(theta, X, Y)
    values = dict(zip(net.parameters, map(sympy.Float, theta)))
    values.update(zip(net.inputs, map(sympy.Float, X[0])))
    values.update(zip(net.targets, map(sympy.Float, Y[0])))
    expected = np.array([float(e.xreplace(values).evalf(30)) for e in oracle])
    error = np.linalg.norm(gradient - expected) / max(np.linalg.norm(expected), 1e-300)
    assert error <= 1e-10


@settings(max_examples=10)
@given(st.sampled_from(range(len(_SMALL))), st.integers(0, 2**31 - 1))
def test_per_parameter_and_layer_forms_agree(index, seed):
    sizes, hidden, output, loss = _SMALL[index]
    net = MLP(list(sizes), activation=hidden, output_activation=output, loss=loss)
    rng = np.random.default_rng(seed)
    theta = rng.normal(0, 1, size=net.n_parameters)
    X, Y = _data(net, rng, batch=4)
    layer = net.compile()
    per_parameter = net.compile(form="per_parameter")
    l1, g1 = layer.loss_and_gradient(theta, X, Y)
    l2, g2 = per_parameter.loss_and_gradient(theta, X, Y)
    assert abs(l1 - l2) <= 1e-12 * max(1, abs(l1))
    assert np.linalg.norm(g1 - g2) <= 1e-12 * max(1.0, np.linalg.norm(g1))


@pytest.mark.parametrize("hidden, output, loss", [
    ("sigmoid", "sigmoid", "mse"), ("softplus", "sigmoid", "bce"), ("tanh", "softmax", "cross_entropy"),
    ("relu", "sigmoid", "bce"),
])
def test_no_overflow_warning_or_nan_for_large_pre_activations(hidden, output, loss):
    net = MLP([2, 3, 2], activation=hidden, output_activation=output, loss=loss)
    X = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    for scale in (1000.0, -1000.0, 500.0):
        theta = np.full(net.n_parameters, scale)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            loss_value, gradient = net.compile().loss_and_gradient(theta, X, Y)
        assert np.isfinite(loss_value) and np.all(np.isfinite(gradient))


def test_guide_neuron_gradient_at_the_worked_point():
    compiled = Neuron().compile()
    loss, gradient = compiled.loss_and_gradient([0.5, -1.0], [[2.0]], [[1.0]])
    assert loss == pytest.approx(0.25)
    assert gradient == pytest.approx([-0.5, -0.25])


def test_batch_loss_and_gradient_are_means_over_examples():
    net = MLP([2, 2, 1])
    compiled = net.compile()
    rng = np.random.default_rng(3)
    theta = rng.normal(size=net.n_parameters)
    X, Y = _data(net, rng, batch=5)
    losses, grads = zip(*(compiled.loss_and_gradient(theta, X[i:i + 1], Y[i:i + 1]) for i in range(5)))
    loss, gradient = compiled.loss_and_gradient(theta, X, Y)
    assert loss == pytest.approx(np.mean(losses))
    assert gradient == pytest.approx(np.mean(grads, axis=0))


def test_results_do_not_depend_on_earlier_calls_with_other_batch_sizes():
    net = MLP([3, 4, 2], activation="tanh", output_activation="softmax", loss="cross_entropy")
    compiled = net.compile()
    rng = np.random.default_rng(3)
    theta = rng.normal(size=net.n_parameters)
    batches = {n: _data(net, rng, batch=n) for n in (1, 7, 64)}
    first = {n: compiled.loss_and_gradient(theta, *data) for n, data in batches.items()}
    for n in (64, 1, 7, 1, 64):
        loss, gradient = compiled.loss_and_gradient(theta, *batches[n])
        assert loss == first[n][0]
        assert np.array_equal(gradient, first[n][1])
    predictions = compiled.forward(theta, batches[7][0])
    assert predictions.shape == (7, 2)
    assert np.allclose(predictions.sum(axis=1), 1.0)


@pytest.mark.parametrize("form", ["layer", "per_parameter"])
def test_float32_code_computes_and_returns_float32(form):
    # dtype="float32" means the loss, the gradient and the predictions are all single precision, in both forms
    net = MLP([3, 4, 2], activation="tanh", output_activation="softmax", loss="cross_entropy")
    compiled = net.compile(form=form, dtype="float32")
    rng = np.random.default_rng(5)
    theta = rng.normal(size=net.n_parameters)
    X, Y = _data(net, rng, batch=6)
    loss, gradient = compiled.loss_and_gradient(theta, X, Y)
    assert np.asarray(loss).dtype == np.float32
    assert gradient.dtype == np.float32
    assert compiled.gradient(theta, X, Y).dtype == np.float32
    assert np.asarray(compiled.loss(theta, X, Y)).dtype == np.float32
    assert compiled.forward(theta, X).dtype == np.float32
    # the same numbers as the float64 code, to single precision
    exact_loss, exact_gradient = net.compile(form=form).loss_and_gradient(theta, X, Y)
    assert float(loss) == pytest.approx(exact_loss, rel=1e-5)
    assert np.allclose(gradient, exact_gradient, rtol=1e-4, atol=1e-5)


def test_source_is_readable_and_vectorised():
    source = MLP([2, 2, 1]).compile().source
    assert "W1.dot(X.T)" in source and "for " not in source
    assert "def loss_and_gradient(theta, X, Y, G=None):" in source


@pytest.mark.parametrize("sizes, activation, output, loss", [
    ([3, 5, 4, 2], "relu", "softmax", "cross_entropy"),
    ([2, 3, 1], "tanh", "sigmoid", "mse"),
    ([2, 1], "leaky_relu", "identity", "mse"),
])
def test_gradient_written_into_a_kept_vector_is_the_returned_one(sizes, activation, output, loss):
    net = MLP(sizes, activation=activation, output_activation=output, loss=loss)
    compiled = net.compile()
    assert compiled.writes_gradient
    rng = np.random.default_rng(3)
    theta = rng.standard_normal(net.n_parameters)
    X = rng.standard_normal((6, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], 6)] if loss == "cross_entropy" else rng.random((6, sizes[-1]))
    expected_loss, expected = compiled.loss_and_gradient(theta, X, Y)
    G = np.full(net.n_parameters, np.nan)
    got_loss, got = compiled.raw_loss_and_gradient(theta, X, Y, G)
    assert got is G and got_loss == expected_loss
    np.testing.assert_array_equal(G, expected)
    assert not net.compile(dtype="float32").writes_gradient


@pytest.mark.parametrize("theta, X, Y, message", [
    (np.zeros(8), np.zeros((2, 2)), np.zeros((2, 1)), "theta must be a flat vector of 9"),
    (np.zeros((9, 1)), np.zeros((2, 2)), np.zeros((2, 1)), "theta"),
    (np.zeros(9), np.zeros((2, 3)), np.zeros((2, 1)), r"X must have shape \(batch, 2\)"),
    (np.zeros(9), np.zeros((2, 2)), np.zeros((2, 2)), r"Y must have shape \(batch, 1\)"),
    (np.zeros(9), np.zeros((2, 2)), np.zeros((3, 1)), "same number of rows"),
    (np.zeros(9), np.zeros((0, 2)), np.zeros((0, 1)), "empty"),
])
def test_wrong_shapes_are_refused_clearly(theta, X, Y, message):
    with pytest.raises(ShapeError, match=message):
        MLP([2, 2, 1]).compile().loss_and_gradient(theta, X, Y)


def test_cross_entropy_targets_must_be_distributions():
    net = MLP([2, 3], output_activation="softmax", loss="cross_entropy")
    with pytest.raises(ShapeError, match="row 1 sums to 0.5"):
        net.compile().loss(np.zeros(9), np.zeros((2, 2)), np.array([[0, 1, 0], [0.5, 0, 0]]))


def test_an_activation_registered_only_in_activations_derives_compiles_and_checks():
    scaled = Activation(
        name="scaled_tanh",
        function=lambda z: sympy.Rational(17159, 10000) * sympy.tanh(sympy.Rational(2, 3) * z),
        derivative=lambda z: sympy.Rational(17159, 10000) * sympy.Rational(2, 3)
        * (1 - sympy.tanh(sympy.Rational(2, 3) * z) ** 2),
        latex=r"\operatorname{stanh}",
        text="stanh",
        formula_text="stanh′(z) = 1.7159·(2/3)·(1 − tanh²(2z/3))",
        formula_latex=r"\operatorname{stanh}'(z) = \tfrac{2}{3}\,1.7159\left(1 - \tanh^2 \tfrac{2z}{3}\right)",
    )
    register_activation(scaled)
    try:
        net = MLP([2, 3, 1], activation="scaled_tanh", output_activation="identity")
        assert net.derive("w1_2_1").verify().ok
        rng = np.random.default_rng(0)
        theta = rng.normal(size=net.n_parameters)
        X, Y = _data(net, rng, batch=4)
        assert gradient_check(net, theta, X, Y).passed
        assert gradient_check(net, theta, X, Y, method="complex").passed
        assert "tanh" in net.compile().source
    finally:
        ACTIVATIONS.pop("scaled_tanh")


def test_numeric_gradient_of_a_quadratic():
    g = numeric_gradient(lambda t: t[0] ** 2 + 3 * t[1] ** 2, np.array([2.0, 1.0]))
    assert g == pytest.approx([4.0, 6.0], rel=1e-8)


def test_complex_step_is_refused_for_relu():
    net = MLP([2, 2, 1], activation="relu")
    from mathomong_sym import MathomongError

    with pytest.raises(MathomongError, match="kink"):
        gradient_check(net, np.ones(net.n_parameters), np.ones((1, 2)), np.ones((1, 1)), method="complex")


def test_complex_step_reaches_near_machine_precision():
    net = MLP([2, 3, 1], activation="tanh")
    rng = np.random.default_rng(5)
    theta = rng.normal(size=net.n_parameters)
    X, Y = _data(net, rng, batch=4)
    assert gradient_check(net, theta, X, Y, method="complex").relative_error < 1e-13
