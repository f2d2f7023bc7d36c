"""Networks of hundreds of units per layer: built lazily, derived layer by layer, checked at random points."""

import pickle

import numpy as np
import pytest
import sympy

from mathomong_sym import MLP, Neuron
from mathomong_sym.cli import main
from mathomong_sym.layerwise import EXPAND_LIMIT, SizeLimitError
from mathomong_sym.network import LARGE_DEPTH, LARGE_NETWORK
from mathomong_sym.printing import to_text


# -- a network of 669 706 parameters, built without making them ----------------------------------------

def test_an_mnist_sized_network_knows_every_parameter_without_making_them():
    net = MLP([784, 512, 512, 10])
    assert net.n_parameters == 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10
    assert len(net.parameters) == net.n_parameters
    # theta order: layer by layer, W row-major, then b
    assert net.parameters[0].name == "w1_1_1"
    assert net.parameters[784].name == "w1_2_1"
    assert net.parameters[784 * 512].name == "b1_1"
    assert net.parameters[-1].name == "b3_10"
    assert net.parameter_index("w2_3_4") == 784 * 512 + 512 + 2 * 512 + 3
    layer, unit, source = net.layer_of("w3_10_512")
    assert (layer.index, unit, source) == (3, 9, 511)
    assert net.symbol("z2_7") == net.layers[1].pre_activations[6]
    assert len(net.equations) == 2 * (512 + 512 + 10) + 1
    assert net.is_large


def test_the_compiled_layer_code_of_a_large_network_is_the_gradient():
    net = MLP([40, 30, 20, 5], activation="relu", output_activation="softmax", loss="cross_entropy")
    compiled = net.compile()
    rng = np.random.default_rng(3)
    theta = rng.normal(scale=0.3, size=net.n_parameters)
    X = rng.normal(size=(6, 40))
    Y = np.eye(5)[rng.integers(0, 5, 6)]
    from mathomong_sym import gradient_check

    report = gradient_check(net, theta, X, Y, compiled=compiled, coordinates=60, seed=1)
    assert report.passed and len(report.parameters) == 60 and report.total == net.n_parameters
    assert "random sample of 60" in report.summary()


def test_lazy_lists_behave_like_the_lists_they_stand_for():
    net = MLP([3, 2, 1])
    assert net.parameters == list(net.parameters)
    assert net.inputs + net.targets == [*net.inputs, *net.targets]
    assert list(net.inputs) + net.parameters == [*net.inputs, *net.parameters]
    assert net.layers[0].weights[1][2].name == "w1_2_3"
    assert net.layers[0].weights[1][-1].name == "w1_2_3"
    assert net.layers[0].weights[1][0:2] == (net.symbol("w1_2_1"), net.symbol("w1_2_2"))
    assert net.symbol("w1_2_3") in net.parameters and net.symbol("z1_1") not in net.parameters
    with pytest.raises(IndexError):
        net.parameters[net.n_parameters]
    copy = pickle.loads(pickle.dumps(net))
    assert copy.parameters == net.parameters and copy.loss == net.loss


def test_an_unknown_parameter_of_a_large_network_is_named_briefly():
    from mathomong_sym.errors import UnknownNameError

    net = MLP([784, 512, 512, 10])
    with pytest.raises(UnknownNameError) as caught:
        net.parameter("w9_1_1")
    assert "669706 in all" in str(caught.value)


# -- derivations layer by layer ------------------------------------------------------------------------

@pytest.mark.parametrize("activation,output,loss,parameter", [
    ("sigmoid", "sigmoid", "mse", "w1_1_1"),
    ("tanh", "sigmoid", "bce", "b1_7"),
    ("relu", "softmax", "cross_entropy", "w1_2_3"),
    ("relu", "softmax", "cross_entropy", "w2_3_40"),
])
def test_a_large_network_derives_through_whole_layers_and_every_step_checks(activation, output, loss, parameter):
    net = MLP([30, 40, 3], activation=activation, output_activation=output, loss=loss)
    assert net.n_parameters > LARGE_NETWORK
    derivation = net.derive(parameter)
    report = derivation.verify()
    assert report.ok, [c.detail for c in report.failures]
    assert report.counts()["numeric"] > 0
    text = derivation.to_text(level=0)
    assert "W⁽¹⁾x + b⁽¹⁾" in text  # the named form, one equation per layer
    latex = derivation.to_latex(level=0)
    assert r"\sum_k" in latex and "Σ" not in latex and "⁽" not in latex  # the layer form, in LaTeX's own signs
    if parameter.startswith("w1") or parameter.startswith("b1"):
        assert "(W⁽²⁾)ᵀδ⁽²⁾" in text  # δ⁽²⁾ cited as a vector (BP2), not 40 paths
        assert "w⁽²⁾₁,₄₀" not in text


def test_a_wrong_step_of_a_large_network_is_caught():
    net = MLP([30, 40, 40, 3], activation="tanh")
    derivation = net.derive("b1_3")
    last = derivation.steps[-1]
    last.rhs = last.rhs * sympy.Rational(1001, 1000)
    assert not derivation.verify().ok
    vector = net._backprop.vector_delta(2)
    vector.steps[-1].rhs = vector.steps[-1].rhs + sympy.Rational(1, 10**20)
    report = vector.verify(include_cited=False)
    assert not report.ok and "entry" in report.failures[0].detail


def test_expanding_a_large_result_is_refused_with_a_clear_message():
    net = MLP([784, 32, 10])
    assert net.n_parameters > EXPAND_LIMIT
    derivation = net.derive("w1_1_1")
    with pytest.raises(SizeLimitError) as caught:
        _ = derivation.result
    message = str(caught.value)
    assert "25,450 parameters" in message and "named form" in message
    # the named result is there all the same
    assert to_text(derivation.named_result) == "δ⁽¹⁾₁·x₁"


def test_the_whole_loss_and_the_per_parameter_code_of_a_large_network_are_refused():
    net = MLP([784, 32, 10])
    with pytest.raises(SizeLimitError, match="25,450 parameters"):
        _ = net.loss
    with pytest.raises(SizeLimitError, match="layer form"):
        net.compile(form="per_parameter")
    assert net.compile().n_parameters == 25_450


def test_a_medium_network_still_expands_its_result():
    net = MLP([30, 40, 3])
    assert LARGE_NETWORK < net.n_parameters <= EXPAND_LIMIT
    result = net.derive("w2_1_1").result
    assert result.has(net.symbol("w1_1_1"))


def test_a_deep_chain_is_derived_layer_by_layer():
    net = MLP([1] * (LARGE_DEPTH + 10))
    assert net.n_parameters < LARGE_NETWORK and net.is_large
    derivation = net.derive("w1_1_1")
    assert derivation.verify().ok


def test_small_networks_keep_their_per_unit_derivations():
    net = MLP([2, 2, 1])
    assert not net.is_large
    text = net.derive("w1_1_1").to_text(level=0)
    assert "ᵀ" not in text.split("Backward pass")[-1].split("BP4")[-1]
    assert Neuron().derive("W").verify().counts() == {"proved": 47, "numeric": 0, "failed": 0}


# -- the command line ----------------------------------------------------------------------------------

def test_derive_refuses_numbers_and_all_for_a_large_network(capsys):
    assert main(["derive", "--net", "784-512-512-10", "--wrt", "w1_1_1", "--at", "example"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "669,706 parameters" in err
    assert main(["derive", "--net", "784-512-512-10", "--wrt", "all"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--wrt all" in err


@pytest.mark.slow
def test_a_first_layer_weight_of_an_mnist_network_derives_and_verifies():
    net = MLP([784, 512, 512, 10])
    derivation = net.derive("w1_1_1")
    report = derivation.verify(points=1)
    assert report.ok, [c.detail for c in report.failures]
    text = derivation.to_text(level=0)
    assert "δ⁽¹⁾₁ = ∂L/∂z⁽¹⁾₁ = ((W⁽²⁾)ᵀδ⁽²⁾)₁ · σ(z⁽¹⁾₁)(1 − σ(z⁽¹⁾₁))" in text
    assert "all 512 units of layer 2" in text
    assert len(text.splitlines()) < 60


@pytest.mark.slow
def test_derive_answers_for_big_wide_and_deep_networks(capsys):
    chain = "-".join(["1"] * 301)
    for net, wrt in (("784-512-512-10", "w1_1_1"), ("neuron:100000", "W_1"), (chain, "w1_1_1")):
        assert main(["derive", "--net", net, "--wrt", wrt, "--level", "0", "--timeout", "300"]) == 0
        out = capsys.readouterr().out
        assert "Checked: all" in out and "0 failed" not in out.split("Checked")[0]
