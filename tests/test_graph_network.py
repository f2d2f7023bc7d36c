"""Networks beyond the MLP: layers of your choice, shared weights, skip connections and an L2 penalty.

Each architecture derives (every parameter's result equals sympy's own
derivative of the expanded loss), explains (the explanation's number is the
compiled gradient), verifies, compiles (layer form = per-parameter form =
numeric differences) and trains with its gradient checked.
"""

import pickle

import numpy as np
import pytest
import sympy

from mathomong_sym import (
    MLP,
    Dense,
    GradientCheckError,
    GraphNetwork,
    IncompatibleError,
    Input,
    Network,
    ShapeError,
    UnknownNameError,
    get_activation,
    get_loss,
    gradient_check,
    render_latex,
    render_text,
    train,
)
from mathomong_sym.network import Layer


def residual():
    x = Input(2)
    h1 = Dense(2, "tanh")(x)
    h2 = Dense(2, "softplus")(h1, skip=h1)  # z⁽²⁾ = W⁽²⁾a⁽¹⁾ + b⁽²⁾ + a⁽¹⁾
    return GraphNetwork(x, Dense(1, "sigmoid")(h2), "bce")


def dense_skip():
    x = Input(2)
    h1 = Dense(2, "tanh")(x)
    h2 = Dense(2, "tanh")(h1)
    return GraphNetwork(x, Dense(1, "identity")(h2, h1, x), "mse")  # the output reads a⁽²⁾, a⁽¹⁾ and x


def shared():
    x = Input(2)
    encode = Dense(2, "tanh")
    return GraphNetwork(x, Dense(1, "sigmoid")(encode(encode(x))), "mse")


def penalised():
    x = Input(2)
    return GraphNetwork(x, Dense(1, "identity")(Dense(2, "relu")(x)), "mse", l2=0.05)


def everything():
    x = Input(2)
    block = Dense(2, "tanh")
    h1 = Dense(2, "leaky_relu")(x)
    h2 = block(h1, skip=h1)  # a residual block …
    h3 = block(h2)  # … used twice, its weights shared
    return GraphNetwork(x, Dense(2, "softmax")(h3, skip=h2), "cross_entropy", l2=0.01)


ARCHITECTURES = {"residual": residual, "dense skip": dense_skip, "shared": shared, "penalised": penalised,
                 "everything": everything}


def _data(net, seed=0, batch=6):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, len(net.inputs)))
    if net.loss_function.name == "cross_entropy":
        Y = np.eye(len(net.targets))[rng.integers(0, len(net.targets), batch)]
    else:
        Y = rng.uniform(0, 1, size=(batch, len(net.targets)))
    theta = rng.normal(size=net.n_parameters) * 0.8
    return theta, X, Y


def _point(net, theta, X, Y, row=0):
    point = dict(zip(net.parameters, theta))
    point.update(zip(net.inputs, X[row]))
    point.update(zip(net.targets, Y[row]))
    return point


#: the per-parameter code and a worked explanation at a point expand the whole loss: a minute for this one
HEAVY = {"everything"}


@pytest.fixture(scope="module", params=list(ARCHITECTURES))
def built(request):
    return request.param, ARCHITECTURES[request.param]()


@pytest.fixture(scope="module", params=[pytest.param(name, marks=pytest.mark.slow) if name in HEAVY else name
                                        for name in ARCHITECTURES])
def expanded(request):
    return request.param, ARCHITECTURES[request.param]()


# -- derives ---------------------------------------------------------------------------------------

def test_every_result_is_sympys_derivative_of_the_loss(built):
    name, net = built
    theta, X, Y = _data(net)
    values = {s: sympy.Float(v, 30) for s, v in _point(net, theta, X, Y).items()}
    loss = net.loss
    for p in net.parameters:
        derived = net.derive(p).result.xreplace(values).evalf(25)
        direct = sympy.diff(loss, p).xreplace(values).evalf(25)
        assert abs(float(derived - direct)) <= 1e-15 * max(1.0, abs(float(direct))), (name, p)


def test_derivations_verify(built):
    name, net = built
    first, last = net.parameters[0], net.parameters[-1]
    for p in (first, last):
        report = net.derive(p).verify()
        assert report.ok, (name, p, [c.detail for c in report.failures])
        assert report.counts()["proved"] + report.counts()["numeric"] > 10


# -- compiles --------------------------------------------------------------------------------------

def test_the_layer_code_agrees_with_the_numbers(built):
    name, net = built
    theta, X, Y = _data(net)
    layer = net.compile()
    loss, gradient = layer.loss_and_gradient(theta, X, Y)
    assert gradient_check(layer, theta, X, Y).passed
    assert gradient_check(layer, theta, X, Y, method="central", h=1e-4).relative_error < 1e-8
    assert layer.forward(theta, X).shape == (len(X), len(net.targets))
    assert layer.loss(theta, X, Y) == pytest.approx(loss, rel=1e-12)
    assert layer.gradient(theta, X, Y) == pytest.approx(gradient)


def test_the_layer_code_is_the_per_parameter_derivations(expanded):
    name, net = expanded
    theta, X, Y = _data(net)
    loss_l, grad_l = net.compile().loss_and_gradient(theta, X, Y)
    loss_p, grad_p = net.compile(form="per_parameter").loss_and_gradient(theta, X, Y)
    assert loss_l == pytest.approx(loss_p, rel=1e-12)
    assert np.allclose(grad_l, grad_p, rtol=1e-10, atol=1e-12)


def test_the_compiled_loss_is_the_symbolic_loss(built):
    _, net = built
    theta, X, Y = _data(net)
    symbolic = np.mean([float(net.loss.xreplace(_point(net, theta, X, Y, row))) for row in range(len(X))])
    assert net.compile().loss(theta, X, Y) == pytest.approx(symbolic, rel=1e-10)


# -- explains ---------------------------------------------------------------------------------------

def test_the_explanation_gives_the_compiled_gradient(expanded):
    name, net = expanded
    theta, X, Y = _data(net)
    p = net.parameters[0]
    at = net.derive(p).at(_point(net, theta, X, Y))
    gradient = net.compile().gradient(theta, X[:1], Y[:1])[0]
    assert float(at.value(at.lhs)) == pytest.approx(gradient, rel=1e-9, abs=1e-12)
    text = at.to_text(level=1)
    assert "Forward pass" in text and "Backward pass" in text
    assert render_latex(at) and at.to_markdown(level=1)
    assert at.to_json(as_dict=True)["network"] == net.description
    assert "digraph" in at.to_dot()


# -- trains ---------------------------------------------------------------------------------------

def test_train_checks_the_gradient_and_lowers_the_loss(built):
    name, net = built
    _, X, Y = _data(net, batch=16)
    result = train(net, X, Y, lr=0.1, steps=60)
    assert result.gradient_check.passed
    assert result.final_loss < result.initial_loss


# -- the features, one by one ------------------------------------------------------------------------

def test_a_chain_of_dense_layers_is_the_mlp():
    x = Input(2)
    net = GraphNetwork(x, Dense(1, "sigmoid")(Dense(3, "tanh")(x)), "bce")
    mlp = MLP([2, 3, 1], "tanh", "sigmoid", "bce")
    assert net.parameters == mlp.parameters and net.inputs == mlp.inputs and net.targets == mlp.targets
    assert sympy.simplify(net.loss - mlp.loss) == 0
    for p in ("w1_2_1", "b2_1"):
        assert net.derive(p).result == mlp.derive(p).result
    theta, X, Y = _data(mlp)
    for a, b in zip(net.compile().loss_and_gradient(theta, X, Y), mlp.compile().loss_and_gradient(theta, X, Y)):
        assert np.allclose(a, b, rtol=1e-13)
    assert np.array_equal(net.initial_parameters(seed=3), __import__("mathomong_sym").initial_parameters(mlp, 3))


def test_each_layer_has_its_own_activation():
    x = Input(2)
    out = Dense(1, "sigmoid")(Dense(2, "relu")(Dense(3, "tanh")(x)))
    net = GraphNetwork(x, out, "mse")
    assert [layer.activation.name for layer in net.layers] == ["tanh", "relu", "sigmoid"]
    assert net.description == "GraphNetwork 2-3-2-1 (tanh/relu/sigmoid, mse)"
    text = net.derive("w1_1_1").to_text(level=0)
    assert "tanh" in text and "H(z⁽²⁾" in text  # ReLU′ is the step H
    theta, X, Y = _data(net)
    assert gradient_check(net, theta, X, Y).passed


def test_a_shared_weight_adds_one_product_per_use():
    net = shared()
    d = net.derive("w1_1_2")
    assert [layer.first for layer in net.layers] == [1, 1, 3]
    assert len(net.parameters) == 6 + 3  # the shared layer's 6, the output's 3
    uses = net.uses("w1_1_2")
    assert [(layer.index, unit, column) for layer, unit, column in uses] == [(1, 0, 1), (2, 0, 1)]
    assert len(d.cites) == 2
    named = d.named_result
    assert named.has(net.symbol("x_2")) and named.has(net.symbol("a1_2"))
    assert "is shared: it enters z⁽¹⁾₁ and z⁽²⁾₁" in str(d.steps[0].reason)
    # the derivation an MLP-style chain would give (the first use only) is not the answer
    first_use_only = (d.cites[0].result * net.symbol("x_2")).xreplace(_point(net, *_data(net)))
    assert abs(float(first_use_only - d.result.xreplace(_point(net, *_data(net))))) > 1e-6


def test_a_shared_layer_explains_its_sum_with_the_numbers():
    net = shared()
    theta, X, Y = _data(net)
    at = net.derive("w1_1_1").at(_point(net, theta, X, Y))
    text = at.to_text(level=0)
    assert "∂L/∂w⁽¹⁾₁₁ = δ⁽¹⁾₁·x₁ + δ⁽²⁾₁·a⁽¹⁾₁" in text
    final = [line for line in text.splitlines() if line.strip().startswith("∂L/∂w⁽¹⁾₁₁ = δ")][0]
    numbers = final.split("=")[2]
    assert numbers.count("·") == 2  # the numbers of both products, added
    assert float(at.value(at.lhs)) == pytest.approx(net.compile().gradient(theta, X[:1], Y[:1])[0], rel=1e-9)


def test_a_skip_connection_passes_delta_back_with_slope_one():
    net = residual()
    delta = net.delta(1, 1)
    # a⁽¹⁾₁ is read by z⁽²⁾₁ through its weight and by the skip connection, and by z⁽²⁾₂ through a weight
    locals_ = {str(s.lhs): s.rhs for s in delta.steps if s.kind == "factor:linear"}
    w = net.symbol("w2_1_1")
    assert locals_["Derivative(z2_1, a1_1)"] == w + 1
    assert "skip connection" in str(delta.steps[0].reason)
    assert delta.verify().ok


def test_the_l2_penalty_adds_two_lambda_w_to_weights_only():
    net = penalised()
    lam = sympy.Rational(1, 20)
    R = net.symbol("R")
    assert net.definitions[R] == sympy.Mul(lam, sympy.Add(*[w ** 2 for w in net.weights]), evaluate=False)
    plain = GraphNetwork(*_chain_of(net), "mse")
    for p in net.parameters:
        difference = sympy.simplify(net.derive(p).result - plain.derive(p).result)
        assert difference == (2 * lam * p if p.name.startswith("w") else 0), p
    theta, X, Y = _data(net)
    weights = np.array([p.name.startswith("w") for p in net.parameters])
    penalty = float(lam) * float(np.sum(theta[weights] ** 2))
    assert net.compile().loss(theta, X, Y) == pytest.approx(plain.compile().loss(theta, X, Y) + penalty)
    text = net.derive("w1_1_1").to_text(level=0)
    assert "R = 1/20·(" in text and "∂R/∂w⁽¹⁾₁₁ = w⁽¹⁾₁₁/10" in text


def _chain_of(net):
    x = Input(len(net.inputs))
    h = x
    for layer in net.layers:
        h = Dense(layer.size, layer.activation)(h)
    return x, h


def test_a_skip_connection_and_a_shared_layer_together_train_xor():
    x = Input(2)
    h1 = Dense(4, "tanh")(x)
    h2 = Dense(4, "tanh")(h1, skip=h1)
    net = GraphNetwork(x, Dense(1, "sigmoid")(h2), "bce", l2=0.0001)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)
    result = train(net, X, Y, lr=0.5, steps=1500)
    assert result.final_loss < 0.1
    assert np.array_equal(np.round(net.compile().forward(result.theta, X)), Y)


def test_the_jax_backend_runs_the_graph_code():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    net = everything()
    theta, X, Y = _data(net)
    loss_j, grad_j = net.compile(backend="jax").loss_and_gradient(theta, X, Y)
    loss_n, grad_n = net.compile().loss_and_gradient(theta, X, Y)
    assert float(loss_j) == pytest.approx(loss_n, rel=1e-12) and np.allclose(np.asarray(grad_j), grad_n)


def test_a_graph_network_and_its_derivations_pickle():
    net = everything()
    d = net.derive(net.parameters[0])
    copy = pickle.loads(pickle.dumps(net))
    assert copy.parameters == net.parameters and copy.loss == net.loss
    assert copy.derive(net.parameters[0]).result == d.result
    again = pickle.loads(pickle.dumps(d))
    assert render_text(again) == render_text(d)
    theta, X, Y = _data(net)
    assert copy.compile().loss(theta, X, Y) == pytest.approx(net.compile().loss(theta, X, Y))


def test_names_and_symbols_resolve_on_a_graph_network():
    net = penalised()
    assert net.symbol("R") == net.penalty_symbol and "R" in net.symbols
    assert net.derive(sympy.Symbol("w2_1_1")).lhs == net.derive("w2_1_1").lhs
    with pytest.raises(UnknownNameError):
        net.derive("w9_9_9")
    values = net.values_at({"x_1": 1, "x_2": 0, "y_1": 1, **{p.name: 0.5 for p in net.parameters}})
    assert float(values[net.symbol("R")]) == pytest.approx(0.05 * 0.25 * 6)


def test_the_layer_equations_name_the_graphs_rules():
    lines = "\n".join(residual().layer_equations().lines_text)
    assert "skip" in lines and "Σₖ" in lines
    lines = "\n".join(shared().layer_equations().lines_text)
    assert "Σ over the layers using it" in lines
    assert "2λW" in "\n".join(penalised().layer_equations().lines_text)


# -- bad input ------------------------------------------------------------------------------------------

def test_bad_layers_are_refused_with_their_reason():
    x = Input(2)
    with pytest.raises(ShapeError):
        Dense(0)
    with pytest.raises(ShapeError):
        Dense(2.5)
    with pytest.raises(ShapeError):
        Input(True)
    with pytest.raises(UnknownNameError):
        Dense(2, "sigmoidd")
    with pytest.raises(ShapeError, match="at least one"):
        Dense(2)()
    with pytest.raises(IncompatibleError):
        Dense(2)("x")
    with pytest.raises(ShapeError, match="skip connection adds activations unit by unit"):
        Dense(3)(x, skip=x)
    layer = Dense(2)
    layer(x)
    with pytest.raises(ShapeError, match="shares its weights"):
        layer(Dense(3)(x))


def test_bad_networks_are_refused_with_their_reason():
    x, other = Input(2), Input(2)
    h = Dense(2, "tanh")(x)
    with pytest.raises(IncompatibleError, match="not the network's inputs"):
        GraphNetwork(x, Dense(1)(h, other))
    with pytest.raises(IncompatibleError, match="does not depend"):
        GraphNetwork(x, Dense(1)(other))
    with pytest.raises(IncompatibleError):
        GraphNetwork(x, x)
    with pytest.raises(IncompatibleError):
        GraphNetwork("x", Dense(1)(x))
    with pytest.raises(ShapeError, match="only be the output activation"):
        GraphNetwork(x, Dense(1)(Dense(2, "softmax")(x)))
    with pytest.raises(IncompatibleError, match="l2"):
        GraphNetwork(x, Dense(1)(h), l2=-1)
    with pytest.raises(IncompatibleError, match="bce"):
        GraphNetwork(x, Dense(1, "tanh")(h), "bce")
    with pytest.raises(UnknownNameError):
        GraphNetwork(x, Dense(1)(h), "msee")
    with pytest.raises(UnknownNameError):
        GraphNetwork(x, Dense(1)(h)).compile(form="matrix")


# -- Network from layers (exported, and derives on its own) -------------------------------------------------

def _layers(shared_weight=False):
    mlp = MLP([2, 2, 1])
    if not shared_weight:
        return mlp.layers, mlp.inputs, mlp.targets
    first, second = mlp.layers
    tied = Layer(2, ((first.weights[0][0], second.weights[0][1]),), second.biases, second.inputs,
                 second.pre_activations, second.outputs, second.activation)
    return (first, tied), mlp.inputs, mlp.targets


def test_a_network_built_from_layers_derives_compiles_and_checks():
    layers, inputs, targets = _layers()
    net = Network(layers, inputs, targets, get_loss("mse"))
    assert net.output_activation is get_activation("sigmoid")
    assert net.derive("w1_1_1").verify().ok
    theta, X, Y = _data(net)
    assert gradient_check(net, theta, X, Y).passed
    assert "Network 2-2-1" in repr(net)


def test_a_network_of_layers_refuses_a_shared_weight_and_a_broken_chain():
    layers, inputs, targets = _layers(shared_weight=True)
    with pytest.raises(IncompatibleError, match="used twice.*GraphNetwork"):
        Network(layers, inputs, targets, "mse")
    (first, second), inputs, targets = _layers()
    reads_inputs = Layer(2, ((first.weights[0]),), second.biases, tuple(inputs), second.pre_activations,
                         second.outputs, second.activation)
    with pytest.raises(IncompatibleError, match="skip connection.*GraphNetwork"):
        Network((first, reads_inputs), inputs, targets, "mse")
    with pytest.raises(ShapeError, match="numbered 2"):
        Network((second,), inputs, targets, "mse")
    layers = (first, second)
    with pytest.raises(ShapeError, match="targets"):
        Network(layers, inputs, targets + targets, "mse")
    tanh_output = Layer(2, second.weights, second.biases, second.inputs, second.pre_activations, second.outputs,
                        get_activation("tanh"))
    with pytest.raises(IncompatibleError, match="bce"):
        Network((first, tanh_output), inputs, targets, "bce")


def test_a_wrong_registered_derivative_in_a_graph_is_caught():
    from mathomong_sym import Activation, sigmoid

    wrong = Activation("wrong_sigmoid", sigmoid, derivative=lambda z: sigmoid(z))
    x = Input(2)
    h = Dense(2, wrong)(x)
    net = GraphNetwork(x, Dense(1, "sigmoid")(h, x), "mse")
    assert not net.derive("w1_1_1").verify().ok
    theta, X, Y = _data(net)
    with pytest.raises(GradientCheckError):
        gradient_check(net, theta, X, Y)


@pytest.mark.parametrize("form", ["layer", "per_parameter"])
def test_a_graph_network_compiles_in_the_dtype_asked_as_every_network_does(form):
    x = Input(2)
    out = Dense(1, "sigmoid")(Dense(2, "tanh")(x))
    graph = GraphNetwork(x, out)
    chain = MLP([2, 2, 1], activation="tanh")
    theta = np.linspace(-0.5, 0.5, graph.n_parameters)
    X, Y = np.array([[0.2, -0.4], [1.0, 0.3]]), np.array([[1.0], [0.0]])
    for dtype in ("float64", "float32"):
        compiled, reference = graph.compile(form=form, dtype=dtype), chain.compile(form=form, dtype=dtype)
        assert compiled.dtype == reference.dtype == dtype
        loss, gradient = compiled.loss_and_gradient(theta, X, Y)
        expected_loss, expected_gradient = reference.loss_and_gradient(theta, X, Y)
        assert np.asarray(gradient).dtype == np.asarray(expected_gradient).dtype
        assert np.allclose(gradient, expected_gradient, rtol=1e-4 if dtype == "float32" else 1e-10)
