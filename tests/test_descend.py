"""Gradient descent on an expression, its gradient derived symbolically; the descend command."""

import json

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from mathomong_sym import DescentPath, descend
from mathomong_sym.activations import sigmoid
from mathomong_sym.cli import main
from mathomong_sym.printing import to_text
from mathomong_sym.errors import IncompatibleError, ShapeError, UnknownNameError

x, y, z, W, b = sympy.symbols("x y z W b", real=True)


def test_gradient_is_the_symbolic_one():
    path = descend(x**2 + 3 * y**2, [1.0, 1.0], lr=0.1, steps=5)
    assert isinstance(path, DescentPath)
    assert path.gradient == (2 * x, 6 * y)
    assert [v.name for v in path.variables] == ["x", "y"]


@given(lr=st.floats(0.01, 0.45), x0=st.floats(-5, 5), y0=st.floats(-5, 5),
       steps=st.integers(1, 30))
def test_quadratic_path_has_the_closed_form(lr, x0, y0, steps):
    # for f = x² + 3y², each step multiplies x by (1 − 2η) and y by (1 − 6η)
    path = descend(x**2 + 3 * y**2, [x0, y0], lr=lr, steps=steps, tol=0)
    k = np.arange(path.steps + 1)
    np.testing.assert_allclose(path.points[:, 0], x0 * (1 - 2 * lr) ** k, atol=1e-12)
    np.testing.assert_allclose(path.points[:, 1], y0 * (1 - 6 * lr) ** k, atol=1e-12)
    np.testing.assert_allclose(path.gradients, np.column_stack(
        [2 * path.points[:, 0], 6 * path.points[:, 1]]), atol=1e-12)
    np.testing.assert_allclose(path.values, path.points[:, 0] ** 2 + 3 * path.points[:, 1] ** 2)


def test_the_guides_neuron_step():
    # L = (σ(W·2 + b) − 1)² from W = 0.5, b = −1: one step with η = 0.1
    loss = (sigmoid(2 * W + b) - 1) ** 2
    path = descend(loss, {"W": 0.5, "b": -1.0}, lr=0.1, steps=1, variables=["W", "b"])
    np.testing.assert_allclose(path.gradients[0], [-0.5, -0.25])
    np.testing.assert_allclose(path.points[1], [0.55, -0.975])
    assert path.values[0] == pytest.approx(0.25)
    assert path.values[1] == pytest.approx(0.2198, abs=1e-4)


def test_three_variables_and_variable_order():
    f = (x - 1) ** 2 + (y + 2) ** 2 + (z - 3) ** 2
    path = descend(f, [0, 0, 0], lr=0.25, steps=200, variables=[z, "y", x])
    np.testing.assert_allclose(path.end, [3, -2, 1], atol=1e-8)
    assert path.converged and "converged" in path.stopped


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_other_optimizers_reach_the_minimum(optimizer):
    path = descend((x - 1) ** 2 + 10 * y**2, [3.0, 1.0], lr=0.05, steps=2000,
                   optimizer=optimizer)
    np.testing.assert_allclose(path.end, [1, 0], atol=1e-4)


def test_divergence_names_the_step_and_learning_rate():
    path = descend(x**2, [1.0], lr=1.5, steps=500)
    assert path.diverged and not path.converged
    assert "diverged at step" in path.stopped and "lr = 1.5" in path.stopped
    assert path.steps < 500


def test_leaving_the_domain_stops_the_run():
    path = descend(sympy.sqrt(x), [1.0], lr=5.0, steps=10)
    assert path.diverged and "not defined" in path.stopped
    assert np.isnan(path.values[-1])


def test_overshooting_is_noted():
    path = descend(x**2, [1.0], lr=1.05, steps=5)
    assert not path.diverged
    assert "went up" in path.note and "too large" in path.note


def test_text_shows_function_gradient_and_every_step():
    path = descend(x**2 + 3 * y**2, [2, 1.5], lr=0.1, steps=3)
    text = path.to_text()
    assert f"f(x, y) = {to_text(x**2 + 3 * y**2)}" in text
    assert f"∇f = (∂f/∂x, ∂f/∂y) = ({to_text(2 * x)}, {to_text(6 * y)})" in text
    assert "η = 0.1" in text
    assert text.count("\n   ") >= 4  # steps 0..3
    one = descend(x**2, [1], lr=0.1, steps=1).to_text()
    assert f"df/dx = {to_text(2 * x)}" in one and "x ← x − η·df/dx" in one
    long = descend(x**2, [1], lr=0.01, steps=100).to_text(max_rows=10)
    assert "…" in long and "\n 100 " in long


def test_value_and_gradient_on_a_grid():
    path = descend(x**2 + 3 * y**2, [1, 1], lr=0.1, steps=1)
    gx, gy = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-2, 2, 4))
    np.testing.assert_allclose(path.value_at(gx, gy), gx**2 + 3 * gy**2)
    u, v = path.gradient_at(gx, gy)
    np.testing.assert_allclose(u, 2 * gx)
    np.testing.assert_allclose(v, 6 * gy)
    constant_slope = descend(x + y, [0, 0], lr=0.1, steps=1)
    u, v = constant_slope.gradient_at(gx, gy)
    assert u.shape == gx.shape and np.all(u == 1)


def test_bad_inputs():
    with pytest.raises(IncompatibleError, match="no variables"):
        descend(sympy.Integer(3), [], lr=0.1)
    with pytest.raises(IncompatibleError, match="also depends on y"):
        descend(x * y, [1], lr=0.1, variables=["x"])
    with pytest.raises(ShapeError, match="1 coordinate"):
        descend(x * y, [1], lr=0.1)
    with pytest.raises(ShapeError, match="no starting value for y"):
        descend(x * y, {"x": 1}, lr=0.1)
    with pytest.raises(UnknownNameError, match="'q'"):
        descend(x * y, {"x": 1, "y": 2, "q": 3}, lr=0.1)
    with pytest.raises(IncompatibleError, match="not defined at the starting point"):
        descend(sympy.log(x), [-1.0], lr=0.1)
    with pytest.raises(IncompatibleError, match="learning rate"):
        descend(x**2, [1], lr=0)
    with pytest.raises(IncompatibleError, match="sympy expression"):
        descend("x**2", [1], lr=0.1)
    with pytest.raises(ShapeError, match="finite"):
        descend(x**2, [float("inf")], lr=0.1)


def test_as_dict_is_json_ready():
    path = descend(sympy.sqrt(x), [1.0], lr=5.0, steps=10)
    data = json.loads(json.dumps(path.as_dict(), allow_nan=False))
    assert data["diverged"] and data["values"][-1] == "nan"
    assert data["gradient"] == [to_text(sympy.diff(sympy.sqrt(x), x))]


# ---------------------------------------------------------------------------
# the command
# ---------------------------------------------------------------------------

def test_command_prints_the_steps(capsys):
    assert main(["descend", "x^2 + 3*y^2", "--start", "2,1.5", "--steps", "3"]) == 0
    out = capsys.readouterr().out
    assert f"∇f = (∂f/∂x, ∂f/∂y) = ({to_text(2 * x)}, {to_text(6 * y)})" in out
    assert "after 3 step(s): x = 1.024, y = 0.096" in out


def test_command_json_latex_and_named_start(capsys):
    code = main(["descend", r"\frac{1}{2}w^2 + 2b^2", "--start", "w=3,b=-1", "--lr", "0.5",
                 "--steps", "2", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["variables"] == ["b", "w"]
    assert data["points"][0] == [-1.0, 3.0]
    assert data["points"][1] == [1.0, 1.5]  # b − 0.5·4b, w − 0.5·w


def test_command_negative_start_and_vars(capsys):
    assert main(["descend", "(x-1)^2 + y^2", "--start=-1,2", "--vars", "y,x", "--steps", "1",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["variables"] == ["y", "x"] and data["points"][0] == [-1.0, 2.0]


def test_command_divergence_exit_code(capsys):
    assert main(["descend", "x^2", "--start", "1", "--lr", "2", "--steps", "100"]) == 1  # NO: it diverged
    assert "diverged at step" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["descend", "x^"], "error:"),
    (["descend", "x*y", "--start", "1"], "2 variable(s)"),
    (["descend", "x*y", "--start", "a=1,y=2"], "unknown variable 'a'"),
    (["descend", "x*y", "--start", "1,two"], "'two' is not a number"),
    (["descend", "x*y", "--start", "x=1,2"], "name=value"),
    (["descend", "3 + 4"], "no variables"),
    (["descend", "x^2", "--lr", "-1"], "learning rate"),
])
def test_command_errors_are_one_line(capsys, argv, message):
    assert main(argv) == 2  # USAGE in the table of exit codes
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
