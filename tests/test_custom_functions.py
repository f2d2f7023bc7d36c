"""Activations and losses of your own, through the public API: the recipe of docs/custom-networks.md.

The derivative defaults to sympy.diff; generated code is checked against
what numpy has when it is compiled, not at its first call; an array
implementation given as ``numpy=`` is used, and checked; a built-in is
replaced only on purpose.
"""

import sys

import numpy as np
import pytest
import sympy

from mathomong_sym import (
    MLP,
    Activation,
    IncompatibleError,
    Loss,
    get_activation,
    get_loss,
    gradient_check,
    register_activation,
    register_loss,
    sigmoid,
    train,
)

pytestmark = pytest.mark.usefixtures("restore_registries")

z = sympy.Symbol("z", real=True)


def _data(net, seed=0, batch=6):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=net.n_parameters), rng.normal(size=(batch, len(net.inputs))),
            rng.uniform(0, 1, size=(batch, len(net.targets))))


def _gelu(name="gelu_exact"):
    return Activation(name, lambda u: u * (1 + sympy.erf(u / sympy.sqrt(2))) / 2)


# -- the derivative defaults to sympy.diff ------------------------------------------------------------

def test_an_activation_needs_only_a_name_and_a_function():
    swish = register_activation(Activation("swish", lambda u: u * sigmoid(u)))
    assert sympy.simplify(swish.derivative(z) - sympy.diff(z * sigmoid(z), z)) == 0
    assert swish.formula_text == "swish′(z) = z·σ(z)(1 − σ(z)) + σ(z)"
    assert swish.latex == r"\operatorname{swish}" and swish.text == "swish" and swish.smooth
    net = MLP([2, 3, 1], "swish", "sigmoid", "bce")
    assert net.derive("w1_2_1").verify().ok
    theta, X, Y = _data(net)
    assert gradient_check(net, theta, X, Y).passed
    assert gradient_check(net, theta, X, Y, method="complex").passed
    text = net.derive("w1_1_1").to_text(level=1)
    assert "product rule" in text  # z·σ(z) differentiated by the rules, like any expression


def test_a_derivative_in_teaching_form_is_kept_and_checked():
    taught = Activation("soft_sign", lambda u: u / (1 + sympy.Abs(u)), derivative=lambda u: 1 / (1 + sympy.Abs(u)) ** 2)
    assert taught.derivative(z) == 1 / (1 + sympy.Abs(z)) ** 2
    assert not taught.smooth  # |z| has a kink
    net = MLP([1, 2, 1], taught, "identity")
    assert net.derive("w1_1_1").verify().ok
    wrong = Activation("soft_sign_wrong", taught.function, derivative=lambda u: 1 / (1 + sympy.Abs(u)))
    assert not MLP([1, 2, 1], wrong, "identity").derive("w1_1_1").verify().ok


def test_a_loss_needs_only_a_name_and_a_term():
    huber = register_loss(Loss("pseudo_huber", lambda p, t: sympy.sqrt(1 + (p - t) ** 2) - 1))
    p, t = sympy.symbols("p t", real=True)
    assert sympy.simplify(huber.derivative(p, t) - (p - t) / sympy.sqrt(1 + (p - t) ** 2)) == 0
    assert huber.formula_text.startswith("ℓ(ŷ, y) = √(1 + (ŷ − y)²) − 1,  ∂ℓ/∂ŷ = ")
    net = MLP([2, 3, 1], "tanh", "identity", "pseudo_huber")
    assert net.derive("w1_1_1").verify().ok
    theta, X, Y = _data(net)
    assert gradient_check(net, theta, X, Y, method="complex").passed
    assert gradient_check(net.compile(form="per_parameter"), theta, X, Y).passed
    result = train(net, X, Y, lr=0.05, steps=50)
    assert result.final_loss < result.initial_loss


# -- code generated for a custom function is validated when it is compiled -----------------------------

def test_an_exact_gelu_compiles_and_runs_with_scipy():
    pytest.importorskip("scipy")
    net = MLP([2, 3, 1], register_activation(_gelu()), "identity")
    compiled = net.compile()
    assert "scipy.special.erf" in compiled.source
    theta, X, Y = _data(net)
    assert np.isfinite(compiled.loss(theta, X, Y))
    assert gradient_check(compiled, theta, X, Y).passed
    assert gradient_check(net.compile(form="per_parameter"), theta, X, Y).passed


def test_without_scipy_an_exact_gelu_is_refused_at_compile_time(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy", None)  # as on an install without scipy
    monkeypatch.setitem(sys.modules, "scipy.special", None)
    net = MLP([2, 3, 1], _gelu(), "identity")
    for form in ("layer", "per_parameter"):
        with pytest.raises(IncompatibleError, match=r"needs scipy \(for scipy.special.erf\).*pip install scipy"):
            net.compile(form=form)


def test_an_activation_no_printer_can_write_is_refused_at_compile_time():
    zeta = Activation("zeta_shift", lambda u: sympy.zeta(u + 3))  # ζ′ has no array code anywhere
    with pytest.raises(IncompatibleError, match="cannot write"):
        MLP([1, 2, 1], zeta, "identity").compile()


def test_a_constant_needs_no_scipy(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.special", None)
    tanh_gelu = Activation("gelu_tanh", lambda u: u / 2 * (1 + sympy.tanh(sympy.sqrt(2 / sympy.pi) * (u + u ** 3 / 20))))
    net = MLP([2, 2, 1], tanh_gelu, "identity")
    compiled = net.compile()
    assert "numpy.pi" in compiled.source and "scipy" not in compiled.source
    theta, X, Y = _data(net)
    assert gradient_check(compiled, theta, X, Y).passed


# -- the numpy field ----------------------------------------------------------------------------------

def test_an_array_implementation_is_what_the_compiled_code_calls():
    calls = []

    def fast_tanh(values):
        calls.append(values.shape)
        return np.tanh(values)

    act = Activation("counted_tanh", sympy.tanh, numpy=fast_tanh)
    calls.clear()  # the check when it was made called it once
    net = MLP([2, 3, 1], act, "sigmoid")
    compiled = net.compile()
    assert "activation_counted_tanh(" in compiled.source
    theta, X, Y = _data(net, batch=5)
    compiled.loss_and_gradient(theta, X, Y)
    assert calls == [(3, 5)]  # one call, on the hidden layer's (units, batch) array
    assert gradient_check(compiled, theta, X, Y).passed


def test_an_array_implementation_that_computes_something_else_is_refused():
    with pytest.raises(IncompatibleError, match="disagrees with its function"):
        Activation("bad_tanh", sympy.tanh, numpy=lambda values: np.tanh(values) * 1.1)
    with pytest.raises(IncompatibleError, match="fails on an array"):
        Activation("broken_tanh", sympy.tanh, numpy=lambda values: values.no_such_method())
    with pytest.raises(IncompatibleError, match="must be callable"):
        Activation("no_tanh", sympy.tanh, numpy="numpy.tanh")


# -- replacing a built-in needs replace=True -----------------------------------------------------------

def test_registering_a_builtin_name_again_is_refused():
    built_in = get_activation("sigmoid")
    imitation = Activation("sigmoid", sigmoid, derivative=lambda u: sigmoid(u))
    with pytest.raises(IncompatibleError, match="'sigmoid' is already registered; pass replace=True"):
        register_activation(imitation)
    with pytest.raises(IncompatibleError, match="'logistic' \\(an alias of 'sigmoid'\\)"):
        register_activation(Activation("logistic", sigmoid))
    with pytest.raises(IncompatibleError, match="already registered"):
        register_activation(Activation("my_act", sympy.tanh, aliases=("tanh",)))
    assert get_activation("sigmoid") is built_in
    with pytest.raises(IncompatibleError, match="'mse' is already registered"):
        register_loss(Loss("mse", lambda p, t: (p - t) ** 2 / 2))
    assert get_loss("mse").term(z, 0) == z ** 2


def test_replace_true_replaces_and_the_old_aliases_follow():
    mine = register_activation(Activation("sigmoid", sigmoid), replace=True)
    assert get_activation("sigmoid") is mine and get_activation("logistic") is mine
    half = register_loss(Loss("mse", lambda p, t: (p - t) ** 2 / 2), replace=True)
    assert get_loss("l2") is half
    net = MLP([1, 1], "identity", "identity", "mse")
    assert sympy.simplify(net.derive("b1_1").result - (net.loss.diff(net.parameters[-1]))) == 0


def test_registering_the_same_activation_twice_is_harmless():
    swish = Activation("swish2", lambda u: u * sigmoid(u))
    assert register_activation(swish) is register_activation(swish)


# -- bad definitions, each with its reason -------------------------------------------------------------

def test_bad_activations_and_losses_are_refused_with_their_reason():
    with pytest.raises(IncompatibleError, match="sympy expression.*numpy"):
        Activation("np_tanh", np.tanh)
    with pytest.raises(IncompatibleError, match="must return a sympy expression"):
        Activation("a_list", lambda u: [u])
    with pytest.raises(IncompatibleError, match="callable"):
        Activation("not_callable", "tanh")
    with pytest.raises(IncompatibleError, match="softmax is the one activation that is not elementwise"):
        Activation("my_softmax", lambda u: u, elementwise=False)
    with pytest.raises(IncompatibleError, match="needs a name"):
        Activation("", sympy.tanh)
    with pytest.raises(IncompatibleError, match="python names"):
        register_activation(Activation("my activation", sympy.tanh))
    with pytest.raises(IncompatibleError, match="lower case"):
        register_activation(Activation("Swish", lambda u: u * sigmoid(u)))
    with pytest.raises(IncompatibleError, match="takes an Activation"):
        register_activation("swish")
    with pytest.raises(IncompatibleError, match="term"):
        Loss("bad_loss", lambda p, t: np.log(p) * t)
    with pytest.raises(IncompatibleError, match="fused_delta and from_logits together"):
        Loss("half_fused", lambda p, t: (p - t) ** 2, fused_delta=lambda p, t: p - t)
    with pytest.raises(IncompatibleError, match="takes a Loss"):
        register_loss(get_activation("tanh"))


def test_under_jax_an_array_implementation_gives_way_to_the_sympy_form():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    act = Activation("numpy_tanh", sympy.tanh, numpy=np.tanh)
    net = MLP([2, 3, 1], act, "sigmoid")
    theta, X, Y = _data(net)
    loss_j, grad_j = net.compile(backend="jax").loss_and_gradient(theta, X, Y)
    loss_n, grad_n = net.compile().loss_and_gradient(theta, X, Y)
    assert float(loss_j) == pytest.approx(loss_n, rel=1e-12) and np.allclose(np.asarray(grad_j), grad_n)


def test_softmax_has_no_derivative_in_terms_of_its_output_and_says_so():
    import sympy

    from mathomong_sym.activations import get_activation
    from mathomong_sym.errors import IncompatibleError

    with pytest.raises(IncompatibleError, match="not elementwise"):
        get_activation("softmax").derivative_in_terms_of_output(sympy.Symbol("z"), sympy.Symbol("a"))
