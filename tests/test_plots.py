"""Plots show what they claim: the data drawn is the run's data."""

import io
import sys

import numpy as np
import pytest
import sympy

pytest.importorskip("matplotlib")

from mathomong_sym import MLP, Neuron, descend, load_dataset, train  # noqa: E402
from mathomong_sym.errors import MathomongError, ShapeError  # noqa: E402
from mathomong_sym.plots import (  # noqa: E402
    PlotUnavailableError,
    plot_decision_boundary,
    plot_descent,
    plot_landscape,
    plot_loss,
)

PNG = b"\x89PNG\r\n\x1a\n"
x, y = sympy.symbols("x y", real=True)


@pytest.fixture(scope="module")
def trained_xor():
    data = load_dataset("xor")
    net = MLP([2, 4, 1], activation="tanh").compile()
    return net, data, train(net, data.X, data.Y, lr=0.5, steps=2000, check_gradient=False)


def test_loss_curve_draws_the_losses(tmp_path, trained_xor):
    _, _, result = trained_xor
    fig = plot_loss(result, tmp_path / "loss.png", threshold=0.01)
    assert (tmp_path / "loss.png").read_bytes()[:8] == PNG
    ax = fig.axes[0]
    line = ax.lines[0]
    np.testing.assert_array_equal(line.get_ydata(), result.loss_curve)
    np.testing.assert_array_equal(line.get_xdata(), np.arange(result.steps + 1))
    assert ax.get_yscale() == "log"
    assert ax.lines[1].get_ydata()[0] == 0.01  # the threshold line
    assert "gd" in ax.get_title() and "0.5" in ax.get_title()


def test_loss_curve_from_a_list_and_with_epochs(tmp_path):
    fig = plot_loss([3.0, -1.0, 0.5], log=None)
    assert fig.axes[0].get_yscale() == "linear"  # a negative value rules out a log scale
    data = load_dataset("moons", n=64)
    net = MLP([2, 4, 1], activation="tanh").compile()
    result = train(net, data.X, data.Y, lr=0.05, optimizer="adam", epochs=5, batch_size=16,
                   check_gradient=False)
    ax = plot_loss(result, tmp_path / "epochs.svg").axes[0]
    epoch_line = ax.lines[1]
    np.testing.assert_array_equal(epoch_line.get_xdata(), np.arange(6) * 4)
    np.testing.assert_allclose(epoch_line.get_ydata(), result.epoch_losses)
    assert (tmp_path / "epochs.svg").read_text().lstrip().startswith("<?xml")
    with pytest.raises(ShapeError):
        plot_loss([])


def test_descent_path_over_contours(tmp_path):
    path = descend(x**2 + 3 * y**2, [2.0, 1.5], lr=0.1, steps=30)
    fig = plot_descent(path, tmp_path / "descent.png")
    assert (tmp_path / "descent.png").read_bytes()[:8] == PNG
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_xydata(), path.points)
    start, end = ax.lines[1].get_xydata()[0], ax.lines[2].get_xydata()[0]
    np.testing.assert_allclose(start, path.points[0])
    np.testing.assert_allclose(end, path.points[-1])
    assert ax.get_aspect() == 1.0  # equal axes: −∇f meets the contours at right angles
    # the arrows are −∇f directions from the symbolic gradient
    quiver = [c for c in ax.collections if c.__class__.__name__ == "Quiver"][0]
    u, v = np.asarray(quiver.U), np.asarray(quiver.V)
    points = quiver.get_offsets()
    expected = -np.column_stack([2 * points[:, 0], 6 * points[:, 1]])
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(np.column_stack([u, v]), expected, atol=1e-12)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    assert x0 < path.points[:, 0].min() and x1 > path.points[:, 0].max()
    assert y0 < path.points[:, 1].min() and y1 > path.points[:, 1].max()


def test_descent_plot_needs_two_variables():
    with pytest.raises(ShapeError, match="2 variables"):
        plot_descent(descend(x**2, [1.0], lr=0.1, steps=3))


def test_decision_boundary_of_xor(tmp_path, trained_xor):
    net, data, result = trained_xor
    fig = plot_decision_boundary(net, result.theta, data.X, data.Y, tmp_path / "xor.png")
    assert (tmp_path / "xor.png").read_bytes()[:8] == PNG
    ax = fig.axes[0]
    assert "100%" in ax.get_title()
    drawn = np.vstack([c.get_offsets() for c in ax.collections if c.__class__.__name__ == "PathCollection"])
    assert sorted(map(tuple, drawn.tolist())) == sorted(map(tuple, data.X.tolist()))
    # the ŷ = 0.5 contour separates the corners: it crosses the segment between 0,0 and 0,1
    levels = [c for c in ax.collections if getattr(c, "levels", None) is not None
              and list(c.levels) == [0.5]]
    assert levels


def test_decision_boundary_with_several_classes(tmp_path):
    data = load_dataset("spiral", arms=3, n=60)
    net = MLP([2, 5, 3], activation="tanh", output_activation="softmax", loss="cross_entropy")
    result = train(net, data.X, data.Y, lr=0.05, optimizer="adam", steps=50, check_gradient=False)
    plot_decision_boundary(net, result.theta, data.X, data.Y, tmp_path / "spiral.png")
    assert (tmp_path / "spiral.png").stat().st_size > 1000
    with pytest.raises(ShapeError, match="2 inputs"):
        plot_decision_boundary(MLP([1, 1]), np.zeros(2), np.zeros((3, 1)), np.zeros((3, 1)))


def test_landscape_of_one_neuron(tmp_path):
    neuron = Neuron(1)
    X = np.array([[2.0], [-1.0], [0.5]])
    Y = np.array([[1.0], [0.0], [1.0]])
    result = train(neuron, X, Y, lr=2.0, steps=100, theta0=[-2.0, 2.0], record_path=True)
    fig = plot_landscape(neuron, X, Y, result, tmp_path / "landscape.png")
    assert (tmp_path / "landscape.png").read_bytes()[:8] == PNG
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_xydata(), result.path)
    assert ax.get_xlabel() == "$W$" and ax.get_ylabel() == "$b$"
    # the colours are the loss: the surface's lowest level is no higher than the end's loss
    filled = [c for c in ax.collections if getattr(c, "levels", None) is not None][0]
    assert filled.levels[0] <= result.final_loss


def test_landscape_errors():
    X, Y = np.zeros((2, 1)), np.zeros((2, 1))
    with pytest.raises(ShapeError, match="exactly 2 parameters"):
        plot_landscape(MLP([1, 2, 1]), X, Y)
    neuron = Neuron(1)
    no_path = train(neuron, X, Y, lr=0.1, steps=2)
    with pytest.raises(ShapeError, match="record_path=True"):
        plot_landscape(neuron, X, Y, no_path)
    plot_landscape(neuron, X, Y)  # without a run: the surface alone


def test_unwritable_format_is_a_clear_error(tmp_path):
    with pytest.raises(MathomongError, match="cannot save"):
        plot_loss([1.0, 0.5], tmp_path / "loss.xyz")


def test_missing_matplotlib_names_the_plot_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(PlotUnavailableError, match=r"mathomong_sym\[plot\]"):
        plot_loss([1.0, 0.5])
    from mathomong_sym.cli.train import demo_training

    stream = io.StringIO()
    written = demo_training(tmp_path, stream)
    assert written == {}
    assert "plots skipped: matplotlib is not installed" in stream.getvalue()
    assert not list(tmp_path.glob("*.png"))


def test_descend_command_writes_the_plot(tmp_path, capsys):
    from mathomong_sym.cli import main

    png = tmp_path / "path.png"
    assert main(["descend", "x^2 + 3y^2", "--start", "2,1.5", "--steps", "10", "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == PNG
    assert f"wrote the plot to {png}" in capsys.readouterr().out
    assert main(["descend", "x^2", "--plot", str(tmp_path / "one.png")]) == 2  # USAGE: one variable cannot be drawn as a path over contours
    assert "2 variables" in capsys.readouterr().err
