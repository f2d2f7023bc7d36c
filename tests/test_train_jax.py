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


def test_mini_batches_match_numpy(nets):
    numpy_net, jax_net = nets
    rng = np.random.default_rng(3)
    X = rng.standard_normal((37, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    a = train(numpy_net, X, Y, lr=0.3, optimizer="adam", epochs=4, batch_size=8, seed=5)
    b = train(jax_net, X, Y, lr=0.3, optimizer="adam", epochs=4, batch_size=8, seed=5)
    assert isinstance(b.theta, np.ndarray) and b.theta.dtype == np.float64
    np.testing.assert_allclose(b.theta, a.theta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.epoch_losses, a.epoch_losses, rtol=1e-10)


def test_float32_trains_in_float32_to_the_same_place():
    import jax
    import jax.numpy as jnp

    net = MLP([4, 6, 3], activation="relu", output_activation="softmax", loss="cross_entropy")
    compiled = net.compile(backend="jax", dtype="float32")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((16, 4))
    Y = np.eye(3)[rng.integers(0, 3, 16)]
    theta = jnp.asarray(np.zeros(net.n_parameters) + 0.1, dtype=jnp.float32)
    loss, grad = compiled.raw_loss_and_gradient(theta, X, Y)
    assert grad.dtype == jnp.float32 and loss.dtype == jnp.float32
    # the compiled function can be traced again and again (nothing of one trace is kept for the next)
    for scale in (1.0, 2.0):
        jax.jit(lambda t, scale=scale: compiled.raw_loss_and_gradient(t * scale, X, Y))(theta)
    a = train(net.compile(), X, Y, lr=0.1, steps=200, seed=1)
    b = train(compiled, X, Y, lr=0.1, steps=200, theta0=a.theta0)
    assert b.theta.dtype == np.float64
    np.testing.assert_allclose(b.theta, a.theta, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(b.losses, a.losses, rtol=1e-4)


@pytest.mark.parametrize("progress", [False, True])
def test_a_loss_stuck_above_its_start_stops_jax_as_it_stops_numpy(progress):
    # a huge learning rate saturates the units: the bounded loss stays above 1.5× its start, and both backends
    # stop at the same step with the same parameters (those before the loss went up), in one chunk or many
    from mathomong_sym.errors import TrainingError

    data = load_dataset("xor", seed=0)
    net = MLP([2, 4, 1], activation="tanh")
    caught = []
    for compiled in (net.compile(), net.compile(backend="jax")):
        with pytest.raises(TrainingError) as info:
            train(compiled, data.X, data.Y, lr=500.0, steps=2000, seed=0, check_gradient=False, progress=progress)
        caught.append(info.value)
    a, b = (error.result for error in caught)
    assert str(caught[0]) == str(caught[1]) and "stayed above 1.5× its start" in str(caught[1])
    assert b.diverged and b.steps == a.steps
    np.testing.assert_allclose(b.theta, a.theta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.losses, a.losses, rtol=1e-10, atol=1e-14)
