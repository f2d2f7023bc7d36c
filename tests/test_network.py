"""Networks as sympy trees: names, equations, loss, and bad input."""

import pytest
import sympy

from mathomong_sym import MLP, Neuron, IncompatibleError, ShapeError, UnknownNameError, to_latex
from mathomong_sym.activations import sigmoid
from mathomong_sym.naming import sym


def test_neuron_speaks_the_guides_language():
    net = Neuron()
    W, x, b, y = (sym(n) for n in ("W", "x", "b", "y"))
    assert net.parameters == [W, b]
    assert net.inputs == [x] and net.targets == [y]
    z, yhat, L = sym("z"), sym("yhat"), sym("L")
    assert [(e.lhs, e.rhs) for e in net.equations] == [(z, W * x + b), (yhat, sigmoid(z)), (L, (yhat - y) ** 2)]
    assert net.loss == (sigmoid(W * x + b) - y) ** 2


def test_neuron_with_n_inputs_names_each_weight():
    net = Neuron(3)
    assert [p.name for p in net.parameters] == ["W_1", "W_2", "W_3", "b"]
    z = net.equations[0]
    assert z.rhs == sum(sym(f"W_{j}") * sym(f"x_{j}") for j in (1, 2, 3)) + sym("b")


def test_mlp_parameters_are_ordered_layer_by_layer_row_major():
    net = MLP([2, 3, 1])
    names = [p.name for p in net.parameters]
    assert names[:8] == ["w1_1_1", "w1_1_2", "w1_2_1", "w1_2_2", "w1_3_1", "w1_3_2", "b1_1", "b1_2"]
    assert names[8:] == ["b1_3", "w2_1_1", "w2_1_2", "w2_1_3", "b2_1"]
    assert len(names) == 2 * 3 + 3 + 3 * 1 + 1
    assert net.layer_sizes == [2, 3, 1]


def test_textbook_latex_names_keep_two_digit_indices_apart():
    net = MLP([13, 2, 1])
    assert to_latex(net.parameter("w1_2_13")) == "w^{(1)}_{2,13}"
    assert to_latex(net.parameter("w1_2_3")) == "w^{(1)}_{23}"
    assert to_latex(net.parameter("b2_1")) == "b^{(2)}_{1}"


def test_mlp_loss_is_the_expanded_single_example_loss():
    net = MLP([1, 1, 1], activation="tanh", output_activation="identity")
    x, y = sym("x_1"), sym("y_1")
    w1, b1, w2, b2 = (sym(n) for n in ("w1_1_1", "b1_1", "w2_1_1", "b2_1"))
    assert sympy.simplify(net.loss - (w2 * sympy.tanh(w1 * x + b1) + b2 - y) ** 2) == 0


def test_parameter_lookup_by_name_and_symbol():
    net = MLP([2, 2, 1])
    p = net.parameter("w2_1_2")
    assert net.parameter(p) is p
    with pytest.raises(UnknownNameError, match="w9_9_9.*known"):
        net.parameter("w9_9_9")


@pytest.mark.parametrize("sizes", [[], [3], [2, 0, 1], [2, -1, 1], [2, 1.5, 1], "2-x-1", None])
def test_bad_layer_sizes_are_refused(sizes):
    with pytest.raises(ShapeError):
        MLP(sizes)


def test_layer_sizes_as_text():
    assert MLP("2-4-1").layer_sizes == [2, 4, 1]


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(UnknownNameError) as info:
        MLP([2, 2, 1], activation="swishy")
    message = str(info.value)
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "softplus", "identity"):
        assert name in message


def test_unknown_loss_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="mse.*|.*bce"):
        Neuron(loss="hinge")


@pytest.mark.parametrize("output, loss, needed", [
    ("tanh", "bce", "sigmoid"),
    ("sigmoid", "cross_entropy", "softmax"),
    ("softmax", "mse", "cross_entropy"),
])
def test_incompatible_pairs_name_the_compatible_ones(output, loss, needed):
    with pytest.raises(IncompatibleError, match=needed):
        MLP([2, 3, 2], output_activation=output, loss=loss)


def test_softmax_cannot_be_a_hidden_activation():
    with pytest.raises(ShapeError, match="output"):
        MLP([2, 3, 2], activation="softmax", output_activation="softmax", loss="cross_entropy")


def test_bad_neuron_input_counts():
    for bad in (0, -2, 1.5, "two"):
        with pytest.raises(ShapeError):
            Neuron(bad)


def test_forward_values_follow_the_equations():
    net = Neuron()
    values = net.values_at({"x": 2, "W": 0.5, "b": -1, "y": 1})
    assert values[sym("z")] == 0
    assert float(values[sym("yhat")]) == pytest.approx(0.5)
    assert float(values[sym("L")]) == pytest.approx(0.25)
