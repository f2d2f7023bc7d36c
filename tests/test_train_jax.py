"""The JAX backend trains to the same θ as numpy, step for step."""

import numpy as np
import pytest

pytest.importorskip("jax")

from mathomong_sym import MLP, Neuron, load_dataset, train  # noqa: E402


@pytest.fixture(scope="module")
def nets():
    net = MLP([2, 3, 1], activation="tanh")
    return net.compile(), net.compile(backend="jax")


@pytest.mark.parametrize("optimizer, lr", [("gd", 0.5), ("momentum", 0.1), ("adam", 0.05)])
def test_same_run_as_numpy(nets, optimizer, lr):
    numpy_net, jax_net = nets
    data = load_dataset("xor")
    a = train(numpy_net, data.X, data.Y, lr=lr, optimizer=optimizer, steps=300, seed=1,
              record_path=True)
    b = train(jax_net, data.X, data.Y, lr=lr, optimizer=optimizer, steps=300, seed=1,
              record_path=True)
    np.testing.assert_allclose(b.theta, a.theta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.losses, a.losses, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(b.path, a.path, rtol=1e-10, atol=1e-12)
    assert b.gradient_check.passed


def test_target_callback_and_divergence_match(nets):
    numpy_net, jax_net = nets
    data = load_dataset("xor")
    a = train(numpy_net, data.X, data.Y, lr=0.5, steps=3000, target_loss=0.05, seed=2)
    b = train(jax_net, data.X, data.Y, lr=0.5, steps=3000, target_loss=0.05, seed=2)
    assert a.steps == b.steps and a.stopped == b.stopped
    np.testing.assert_allclose(b.theta, a.theta, rtol=1e-10, atol=1e-12)

    seen = []
    c = train(jax_net, data.X, data.Y, lr=0.5, steps=50,
              callback=lambda step, theta, loss: seen.append(step) or step == 4)
    assert seen == [1, 2, 3, 4] and c.steps == 4

    line = load_dataset("line")
    neuron = Neuron(1, activation="identity")
    kwargs = dict(lr=0.05, steps=300, on_divergence="stop", theta0=[0.0, 0.0])
    X = line.X * 10
    d = train(neuron.compile(), X, line.Y, **kwargs)
    e = train(neuron.compile(backend="jax"), X, line.Y, **kwargs)
    assert d.diverged and e.diverged and d.steps == e.steps > 0
    assert d.stopped == e.stopped
    np.testing.assert_allclose(e.theta, d.theta, rtol=1e-10)
