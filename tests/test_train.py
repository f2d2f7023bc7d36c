"""Training with the derived gradient: optimizers, the loop, divergence, XOR."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mathomong_sym import MLP, Neuron, TrainingResult, initial_parameters, load_dataset, train
from mathomong_sym.errors import IncompatibleError, ShapeError, TrainingError, UnknownNameError
from mathomong_sym.training import Adam, GradientDescent, Momentum, accuracy, get_optimizer


@pytest.fixture(scope="module")
def xor():
    return load_dataset("xor")


@pytest.fixture(scope="module")
def xor_net():
    return MLP([2, 4, 1], activation="tanh", output_activation="sigmoid", loss="mse").compile()


# ---------------------------------------------------------------------------
# optimizers on a quadratic
# ---------------------------------------------------------------------------

A = np.array([[3.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.5]])
B = np.array([1.0, -2.0, 0.5])
MINIMUM = np.linalg.solve(A, B)


def minimise(optimizer, steps=3000, start=(4.0, -3.0, 2.0)):
    """Minimise ½θᵀAθ − bᵀθ, whose gradient is Aθ − b."""
    theta = np.array(start)
    out = np.empty_like(theta)
    state = optimizer.state(theta.size)
    for t in range(1, steps + 1):
        optimizer.update(theta, A @ theta - B, out, state, t)
        theta, out = out, theta
    return theta


@pytest.mark.parametrize("optimizer", [GradientDescent(lr=0.3), Momentum(lr=0.05, beta=0.9),
                                       Adam(lr=0.02)])
def test_each_optimizer_finds_the_minimum_of_a_quadratic(optimizer):
    np.testing.assert_allclose(minimise(optimizer), MINIMUM, atol=1e-6)


def test_gradient_descent_step_is_the_guides_rule():
    theta = np.array([0.5, -1.0])
    out = np.empty(2)
    GradientDescent(lr=0.1).update(theta, np.array([-0.5, -0.25]), out, (), 1)
    np.testing.assert_allclose(out, [0.55, -0.975])


def test_momentum_accumulates_velocity():
    opt = Momentum(lr=1.0, beta=0.5)
    state = opt.state(1)
    theta, out = np.array([0.0]), np.empty(1)
    for t, expected in enumerate([-1.0, -2.5, -4.25], start=1):
        opt.update(theta, np.array([1.0]), out, state, t)  # v = 1, 1.5, 1.75
        theta, out = out, theta
        assert theta[0] == pytest.approx(expected)


@given(st.lists(st.lists(st.floats(-10, 10), min_size=3, max_size=3), min_size=1, max_size=5))
def test_adam_matches_the_textbook_formula(gradients):
    opt = Adam(lr=0.1, beta1=0.8, beta2=0.95, eps=1e-3)
    state = opt.state(3)
    theta, out = np.array([1.0, -2.0, 0.5]), np.empty(3)
    reference = theta.copy()
    m = np.zeros(3)
    v = np.zeros(3)
    for t, g in enumerate(gradients, start=1):
        g = np.array(g)
        opt.update(theta, g, out, state, t)
        theta, out = out, theta
        m = 0.8 * m + 0.2 * g
        v = 0.95 * v + 0.05 * g * g
        m_hat = m / (1 - 0.8**t)
        v_hat = v / (1 - 0.95**t)
        reference = reference - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-3)
        np.testing.assert_allclose(theta, reference, rtol=1e-12, atol=1e-12)


def test_optimizer_names_and_bad_settings():
    assert isinstance(get_optimizer("sgd", 0.1), GradientDescent)
    assert get_optimizer("Adam", 0.01).lr == 0.01
    with pytest.raises(UnknownNameError, match="adam, gd, momentum"):
        get_optimizer("rmsprop", 0.1)
    with pytest.raises(IncompatibleError, match="learning rate must be > 0"):
        GradientDescent(lr=0)
    with pytest.raises(IncompatibleError, match="finite"):
        GradientDescent(lr=float("nan"))
    with pytest.raises(IncompatibleError, match="beta"):
        Momentum(lr=0.1, beta=1.0)
    with pytest.raises(UnknownNameError, match="beta1"):
        get_optimizer("adam", 0.1, beta=0.5)
    with pytest.raises(IncompatibleError, match="give one"):
        get_optimizer(Adam(lr=0.1), lr=0.5)


# ---------------------------------------------------------------------------
# initial parameters
# ---------------------------------------------------------------------------

def test_initial_parameters_are_seeded_and_laid_out_by_layer():
    net = MLP([3, 50, 40, 2], activation="tanh")
    a = initial_parameters(net, seed=1)
    assert a.shape == (len(net.parameters),)
    np.testing.assert_array_equal(a, initial_parameters(net, seed=1))
    assert not np.array_equal(a, initial_parameters(net, seed=2))
    # biases start at 0; the weights of layer 2 have the Glorot spread √(2/(50+40))
    names = [p.name for p in net.parameters]
    biases = np.array([v for n, v in zip(names, a) if n.startswith("b")])
    assert not biases.any()
    layer2 = np.array([v for n, v in zip(names, a) if n.startswith("w2_")])
    assert layer2.size == 2000
    assert layer2.std() == pytest.approx(math.sqrt(2 / 90), rel=0.1)


def test_relu_layers_start_with_he_scale_and_positive_bias():
    net = MLP([100, 60, 1], activation="relu")
    theta = initial_parameters(net, seed=0)
    names = [p.name for p in net.parameters]
    hidden = np.array([v for n, v in zip(names, theta) if n.startswith("w1_")])
    assert hidden.std() == pytest.approx(math.sqrt(2 / 100), rel=0.1)
    assert all(v == 0.01 for n, v in zip(names, theta) if n.startswith("b1_"))
    with pytest.raises(UnknownNameError):
        initial_parameters(net, scheme="lecun")


# ---------------------------------------------------------------------------
# the loop
# ---------------------------------------------------------------------------

def test_one_step_of_the_guides_neuron():
    # z = Wx + b, ŷ = σ(z), L = (ŷ − y)²; x = 2, W = 0.5, b = −1, y = 1, η = 0.1
    result = train(Neuron(1), [[2.0]], [[1.0]], lr=0.1, steps=1, theta0=[0.5, -1.0])
    np.testing.assert_allclose(result.theta, [0.55, -0.975])
    assert result.initial_loss == pytest.approx(0.25)
    assert result.final_loss == pytest.approx(0.2198, abs=1e-4)
    assert result.parameter_names == ("W", "b")
    assert result.loss_curve.tolist() == pytest.approx([0.25, 0.2198], abs=1e-4)


def test_the_run_starts_with_a_passing_gradient_check(xor):
    result = train(MLP([2, 3, 1]), xor.X, xor.Y, lr=0.5, steps=10)
    assert result.gradient_check is not None and result.gradient_check.passed
    assert result.gradient_check_summary()["passed"] is True
    skipped = train(MLP([2, 3, 1]), xor.X, xor.Y, lr=0.5, steps=10, check_gradient=False)
    assert skipped.gradient_check is None


def test_xor_reaches_the_target_from_seed_0_and_nine_of_ten_seeds(xor, xor_net):
    reached = 0
    for seed in range(10):
        result = train(xor_net, xor.X, xor.Y, lr=0.5, steps=5000, seed=seed, check_gradient=False)
        predictions = xor_net.forward(result.theta, xor.X)
        ok = result.final_loss < 0.01 and accuracy(predictions, xor.Y) == 1.0
        if seed == 0:
            assert ok, f"seed 0 ended at loss {result.final_loss}"
        reached += ok
    assert reached >= 9


@pytest.mark.parametrize("optimizer, lr", [("momentum", 0.1), ("adam", 0.05)])
def test_xor_with_momentum_and_adam(xor, xor_net, optimizer, lr):
    result = train(xor_net, xor.X, xor.Y, lr=lr, steps=5000, optimizer=optimizer,
                   check_gradient=False)
    assert result.final_loss < 0.01
    assert accuracy(xor_net.forward(result.theta, xor.X), xor.Y) == 1.0


def test_loss_history_is_the_loss_at_each_step(xor, xor_net):
    result = train(xor_net, xor.X, xor.Y, lr=0.5, steps=20, seed=3, record_path=True,
                   check_gradient=False)
    assert isinstance(result, TrainingResult)
    assert result.steps == 20 and result.losses.shape == (20,) and result.path.shape == (21, 17)
    np.testing.assert_array_equal(result.path[0], initial_parameters(xor_net.network, 3))
    np.testing.assert_array_equal(result.path[-1], result.theta)
    for k in (0, 7, 20):
        assert result.loss_curve[k] == pytest.approx(xor_net.loss(result.path[k], xor.X, xor.Y))
    # each step is θ − η∇L
    step = result.path[4] - 0.5 * xor_net.gradient(result.path[4], xor.X, xor.Y)
    np.testing.assert_allclose(result.path[5], step, rtol=1e-12)


def test_same_seed_same_run(xor, xor_net):
    a = train(xor_net, xor.X, xor.Y, lr=0.5, steps=50, seed=7, check_gradient=False)
    b = train(xor_net, xor.X, xor.Y, lr=0.5, steps=50, seed=7, check_gradient=False)
    np.testing.assert_array_equal(a.theta, b.theta)
    assert not np.array_equal(a.theta0, train(xor_net, xor.X, xor.Y, lr=0.5, steps=1, seed=8,
                                              check_gradient=False).theta0)


def test_mini_batches_and_epochs():
    data = load_dataset("moons", n=100, seed=1)
    net = MLP([2, 6, 1], activation="tanh").compile()
    result = train(net, data.X, data.Y, lr=0.05, optimizer="adam", epochs=30, batch_size=32,
                   seed=2, check_gradient=False)
    assert result.steps == 30 * 4 and result.steps_per_epoch == 4
    assert result.epoch_losses.shape == (31,)
    assert result.epoch_losses[0] == pytest.approx(result.initial_loss)
    assert result.epoch_losses[-1] == pytest.approx(result.final_loss)
    assert result.final_loss < result.initial_loss / 2
    again = train(net, data.X, data.Y, lr=0.05, optimizer="adam", epochs=30, batch_size=32,
                  seed=2, check_gradient=False)
    np.testing.assert_array_equal(result.theta, again.theta)
    # a batch as large as the data is the full batch: an epoch is one step
    full = train(net, data.X, data.Y, lr=0.5, epochs=5, batch_size=500, check_gradient=False)
    assert full.steps == 5 and full.batch_size is None


def test_target_loss_and_callback_stop_early(xor, xor_net):
    result = train(xor_net, xor.X, xor.Y, lr=0.5, steps=5000, target_loss=0.05,
                   check_gradient=False)
    assert result.steps < 5000 and result.final_loss <= 0.05
    assert "target loss" in result.stopped
    assert result.losses.min() > 0.05  # it stopped at the first step below
    seen = []

    def callback(step, theta, loss):
        seen.append((step, loss))
        return step == 5

    result = train(xor_net, xor.X, xor.Y, lr=0.5, steps=100, callback=callback,
                   check_gradient=False)
    assert [s for s, _ in seen] == [1, 2, 3, 4, 5]
    assert result.steps == 5 and "callback" in result.stopped
    assert seen[0][1] == pytest.approx(result.initial_loss)


# ---------------------------------------------------------------------------
# divergence
# ---------------------------------------------------------------------------

def diverging_run(**kwargs):
    data = load_dataset("line", seed=0)
    net = Neuron(1, activation="identity")
    return train(net, data.X * 100, data.Y, lr=10.0, steps=500, seed=0, **kwargs), net, data


def test_divergence_names_the_step_and_the_learning_rate():
    with pytest.raises(TrainingError) as info:
        diverging_run()
    message = str(info.value)
    assert "diverged at step" in message and "lr = 10" in message and "smaller learning rate" in message
    from mathomong_sym.cli.exits import Exit, exit_code_for

    assert exit_code_for(info.value) == Exit.NO  # the command line ends a diverged run with 1
    result = info.value.result
    assert result.diverged
    step = int(message.split("diverged at step ")[1].split()[0])
    assert result.steps == step - 1
    assert np.isfinite(result.theta).all() and math.isfinite(result.final_loss)


def test_divergence_keeps_the_last_good_theta():
    result, net, data = diverging_run(on_divergence="stop", record_path=True)
    assert result.diverged
    compiled = net.compile()
    X = data.X * 100
    np.testing.assert_array_equal(result.theta, result.path[-1])
    # the kept θ has a finite loss below the limit; one more step from it does not
    assert compiled.loss(result.theta, X, data.Y) == pytest.approx(result.final_loss)
    nxt = result.theta - 10.0 * compiled.gradient(result.theta, X, data.Y)
    with np.errstate(all="ignore"):
        bad = compiled.loss(nxt, X, data.Y)
    assert not (math.isfinite(bad) and bad < 1e6 * max(1.0, result.initial_loss))


def test_nan_loss_is_divergence(xor, xor_net):
    def poison(step, theta, loss):
        if step == 3:
            theta[0] = np.nan

    with pytest.raises(TrainingError, match="diverged at step 3 .*became nan"):
        train(xor_net, xor.X, xor.Y, lr=0.5, steps=10, callback=poison, check_gradient=False)


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------

def test_bad_inputs(xor, xor_net):
    X, Y = xor.X, xor.Y
    with pytest.raises(ShapeError, match=r"\(batch, 2\)"):
        train(xor_net, X[:, :1], Y, lr=0.1)
    with pytest.raises(ShapeError, match="4 examples but Y has 3"):
        train(xor_net, X, Y[:3], lr=0.1)
    with pytest.raises(ShapeError, match="finite"):
        train(xor_net, np.where(X == 1, np.inf, X), Y, lr=0.1)
    with pytest.raises(ShapeError, match=r"theta0 must have shape \(17,\)"):
        train(xor_net, X, Y, lr=0.1, theta0=np.zeros(3))
    with pytest.raises(IncompatibleError, match="steps or epochs"):
        train(xor_net, X, Y, lr=0.1, steps=5, epochs=5)
    with pytest.raises(IncompatibleError, match="steps must be a whole number"):
        train(xor_net, X, Y, lr=0.1, steps=0)
    with pytest.raises(IncompatibleError, match="batch_size"):
        train(xor_net, X, Y, lr=0.1, batch_size=-2)
    with pytest.raises(UnknownNameError, match="optimizer"):
        train(xor_net, X, Y, lr=0.1, optimizer="newton")
    with pytest.raises(IncompatibleError, match="learning rate"):
        train(xor_net, X, Y, lr=-1.0)
    with pytest.raises(IncompatibleError, match="on_divergence"):
        train(xor_net, X, Y, lr=0.1, on_divergence="ignore")
    with pytest.raises(TypeError):
        train("a network", X, Y, lr=0.1)
    with pytest.raises(IncompatibleError, match="needs a learning rate"):
        train(xor_net, X, Y)
    assert train(xor_net, X, Y, optimizer=Adam(lr=0.05), steps=3).lr == 0.05


def test_progress_bar_only_when_asked(xor, xor_net, capsys):
    train(xor_net, xor.X, xor.Y, lr=0.5, steps=300, check_gradient=False)
    assert capsys.readouterr().err == ""  # stderr is not a terminal here
    train(xor_net, xor.X, xor.Y, lr=0.5, steps=300, check_gradient=False, progress=True)
    assert "training" in capsys.readouterr().err
    train(xor_net, xor.X, xor.Y, lr=0.5, steps=300, check_gradient=False, progress=False)
    assert capsys.readouterr().err == ""


def test_result_as_dict_is_json_ready(xor, xor_net):
    import json

    result = train(xor_net.network, xor.X, xor.Y, lr=0.5, steps=30)
    data = json.loads(json.dumps(result.as_dict(), allow_nan=False))
    assert data["steps"] == 30 and len(data["losses"]) == 31
    assert data["optimizer"] == {"name": "gd", "lr": 0.5}
    assert set(data["parameters"]) == {p.name for p in xor_net.network.parameters}
    assert data["gradient_check"]["passed"] is True


def test_accuracy_rules():
    assert accuracy(np.array([[0.2], [0.7]]), np.array([[0.0], [0.0]])) == 0.5
    assert accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([[0, 1], [0, 1]])) == 0.5


def test_softmax_cross_entropy_on_a_three_arm_spiral():
    data = load_dataset("spiral", arms=3, n=90, noise=0.0)
    net = MLP([2, 12, 3], activation="tanh", output_activation="softmax", loss="cross_entropy")
    result = train(net, data.X, data.Y, lr=0.05, optimizer="adam", steps=600, seed=0)
    assert result.gradient_check.passed
    assert result.final_loss < 0.5 * result.initial_loss


def test_a_bounded_loss_that_saturates_is_divergence_too():
    # with a sigmoid output the mse cannot overflow; a huge learning rate
    # saturates the units and leaves the loss stuck at twice its start
    data = load_dataset("xor", seed=0)
    net = MLP([2, 4, 1], activation="tanh")
    with pytest.raises(TrainingError) as info:
        train(net, data.X, data.Y, lr=500.0, steps=2000, seed=0, check_gradient=False)
    message = str(info.value)
    assert "diverged at step" in message and "lr = 500" in message and "smaller learning rate" in message
    result = info.value.result
    assert result.diverged and result.final_loss <= 1.5 * result.initial_loss
    assert net.compile().loss(result.theta, data.X, data.Y) == pytest.approx(result.final_loss)
