"""Small things that gave a wrong or silent result: each one's behaviour, through the public API."""

import importlib.metadata
import pickle
import re
import warnings

import numpy as np
import pytest

from mathomong_sym import (
    MLP,
    Neuron,
    ShapeError,
    check_answer,
    diff_steps,
    parse_expression,
    render_latex,
    render_text,
    to_latex,
)


# -- net.delta checks its indices ----------------------------------------------------------------

@pytest.mark.parametrize("layer, unit", [(0, 1), (-1, 1), (3, 1), (1, 0), (1, 3), (2, 2), (1.0, 1), (True, 1)])
def test_delta_refuses_indices_outside_the_network(layer, unit):
    net = MLP([2, 2, 1])
    with pytest.raises(ShapeError):
        net.delta(layer, unit)


def test_delta_of_the_first_and_last_layer():
    net = MLP([2, 2, 1])
    assert net.delta(1, 2).lhs.name == "delta1_2"
    assert net.delta(2, 1).lhs.name == "delta2_1"


# -- a decomposed ŷ (y + U+0302) is ŷ -------------------------------------------------------------

def test_a_decomposed_y_hat_reads_as_y_hat():
    decomposed = "y\u0302 - y"
    assert parse_expression(decomposed) == parse_expression("ŷ - y") == parse_expression(r"\hat{y} - y")
    assert check_answer(decomposed, r"\hat{y} - y").verdict == "correct"
    assert check_answer("2(y\u0302 - y)", r"2(\hat{y} - y)").verdict == "correct"


# -- pylatexenc is a dependency ---------------------------------------------------------------------

def test_pylatexenc_is_a_runtime_dependency():
    requirements = importlib.metadata.requires("mathomong_sym") or []
    plain = [r for r in requirements if "extra ==" not in r]
    assert any(re.match(r"pylatexenc\b", r) for r in plain), requirements


def test_unicode_in_a_title_reaches_latex_without_a_question_mark():
    net = MLP([2, 2, 1], "relu")
    latex = render_latex(net.derive("w1_1_1"))
    assert "?" not in latex.replace(r"\?", "")


# -- pickling ----------------------------------------------------------------------------------------

NETWORKS = [
    lambda: Neuron(),
    lambda: Neuron(3, "tanh", "mse"),
    lambda: MLP([2, 2, 1], "relu", "sigmoid", "bce"),
    lambda: MLP([2, 3, 2], "softplus", "softmax", "cross_entropy"),
    lambda: MLP([1, 2, 1], "leaky_relu", "identity", "mse"),
]


@pytest.mark.parametrize("make", NETWORKS)
def test_a_network_pickles_and_still_derives_and_compiles(make):
    net = make()
    _ = net.derive(net.parameters[0]).result  # a network with derivations cached pickles too
    copy = pickle.loads(pickle.dumps(net))
    assert copy.loss == net.loss and copy.parameters == net.parameters
    assert copy.derive(net.parameters[0]).result == net.derive(net.parameters[0]).result
    rng = np.random.default_rng(0)
    theta = rng.normal(size=net.n_parameters)
    X = rng.uniform(-1, 1, (4, len(net.inputs)))
    Y = np.full((4, len(net.targets)), 1.0 / len(net.targets))
    assert copy.compile().loss(theta, X, Y) == pytest.approx(net.compile().loss(theta, X, Y))


@pytest.mark.parametrize("make", NETWORKS)
def test_a_derivation_pickles_with_its_steps_as_written(make):
    net = make()
    for derivation in (net.derive(net.parameters[0]), net.delta(1, 1)):
        copy = pickle.loads(pickle.dumps(derivation))
        assert render_text(copy) == render_text(derivation)
        assert render_latex(copy) == render_latex(derivation)
        assert copy.result == derivation.result
        assert copy.verify().ok


def test_an_elementary_derivation_pickles():
    d = diff_steps(parse_expression("sigmoid(w*x + b)^2"), "w")
    copy = pickle.loads(pickle.dumps(d))
    assert render_text(copy) == render_text(d) and to_latex(copy.result) == to_latex(d.result)


# -- JAX: float64 is switched on, and said so -----------------------------------------------------------

def test_compiling_for_jax_says_it_turns_on_x64():
    jax = pytest.importorskip("jax")
    before = jax.config.read("jax_enable_x64")
    try:
        jax.config.update("jax_enable_x64", False)
        with pytest.warns(UserWarning, match="jax_enable_x64"):
            MLP([2, 2, 1]).compile(backend="jax")
        assert jax.config.read("jax_enable_x64")
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # already on: nothing to say
            MLP([2, 2, 1]).compile(backend="jax")
    finally:
        jax.config.update("jax_enable_x64", before)


# -- Network, exported, derives on its own ---------------------------------------------------------------

def test_network_built_from_layers_derives_on_its_own():
    from mathomong_sym import Network

    mlp = MLP([2, 2, 1], "tanh", "sigmoid", "bce")
    net = Network(mlp.layers, mlp.inputs, mlp.targets, "bce")  # it raised AttributeError: output_activation
    assert net.output_activation.name == "sigmoid"
    assert net.derive("w1_1_1").result == mlp.derive("w1_1_1").result
    assert net.delta(2, 1).lhs == mlp.delta(2, 1).lhs
    theta = np.random.default_rng(0).normal(size=net.n_parameters)
    X, Y = np.random.default_rng(1).normal(size=(3, 2)), np.array([[1.0], [0.0], [1.0]])
    assert net.compile().loss(theta, X, Y) == pytest.approx(mlp.compile().loss(theta, X, Y))


# -- the decomposed ŷ came from a repeated dictionary key: none is left -------------------------------------

def test_no_dictionary_literal_in_the_package_repeats_a_key():
    import ast
    import pathlib

    import mathomong_sym

    repeated = []
    for path in pathlib.Path(mathomong_sym.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
                repeated += [f"{path.name}:{node.lineno}: {k!r}" for k in set(keys) if keys.count(k) > 1]
    assert not repeated
