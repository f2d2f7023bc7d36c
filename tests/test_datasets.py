"""Built-in data sets (made from a seed) and CSV loading."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mathomong_sym import load_csv, load_dataset
from mathomong_sym.datasets import dataset_names
from mathomong_sym.errors import ConfigError, MathomongError, UnknownNameError


@pytest.mark.parametrize("name, truth", [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]),
                                         ("xor", [0, 1, 1, 0])])
def test_gates_are_truth_tables(name, truth):
    data = load_dataset(name)
    assert data.X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert data.Y[:, 0].tolist() == truth
    assert data.X.dtype == data.Y.dtype == np.float64
    assert data.task == "classification"
    assert load_dataset(name, seed=5).Y.tolist() == data.Y.tolist()


def test_gates_take_no_size_or_noise():
    with pytest.raises(ConfigError, match="four-row truth table"):
        load_dataset("xor", n=10)
    with pytest.raises(ConfigError):
        load_dataset("and", noise=0.1)


@pytest.mark.parametrize("name", ["line", "circles", "moons", "spiral"])
def test_generated_sets_are_reproducible_and_seeded(name):
    a = load_dataset(name, seed=3)
    b = load_dataset(name, seed=3)
    c = load_dataset(name, seed=4)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.Y, b.Y)
    assert not np.array_equal(a.X, c.X)
    assert a.X.shape[0] == a.Y.shape[0] == len(a)
    assert np.isfinite(a.X).all()


@given(n=st.integers(2, 300), seed=st.integers(0, 2**32 - 1))
def test_shapes_and_balance(n, seed):
    for name in ("circles", "moons", "spiral"):
        data = load_dataset(name, n=n, seed=seed)
        assert data.X.shape == (n, 2) and data.Y.shape == (n, 1)
        ones = int(data.Y.sum())
        assert abs(ones - (n - ones)) <= 1  # balanced classes
        assert set(np.unique(data.Y)) <= {0.0, 1.0}


def test_noiseless_geometry():
    circles = load_dataset("circles", noise=0.0, n=100)
    radius = np.hypot(circles.X[:, 0], circles.X[:, 1])
    np.testing.assert_allclose(radius[circles.Y[:, 0] == 1], 0.5)
    np.testing.assert_allclose(radius[circles.Y[:, 0] == 0], 1.0)

    moons = load_dataset("moons", noise=0.0, n=100)
    upper = moons.X[moons.Y[:, 0] == 0]
    lower = moons.X[moons.Y[:, 0] == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert (upper[:, 1] >= 0).all() and (lower[:, 1] <= 0.5).all()

    line = load_dataset("line", noise=0.0)
    np.testing.assert_allclose(line.Y[:, 0], 2 * line.X[:, 0] + 1)
    assert line.task == "regression"


def test_spiral_arms_and_one_hot():
    data = load_dataset("spiral", arms=3, n=90)
    assert data.Y.shape == (90, 3)
    np.testing.assert_array_equal(data.Y.sum(axis=1), 1.0)
    assert data.Y.sum(axis=0).tolist() == [30, 30, 30]
    with pytest.raises(ConfigError, match="arms"):
        load_dataset("moons", arms=3)
    with pytest.raises(ConfigError, match="arms >= 2"):
        load_dataset("spiral", arms=1)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(UnknownNameError) as info:
        load_dataset("xnor")
    message = str(info.value)
    for name in dataset_names():
        assert name in message


@pytest.mark.parametrize("kwargs", [{"n": 1}, {"n": 0}, {"n": 2.5}, {"noise": -0.1},
                                    {"noise": float("nan")}])
def test_bad_size_or_noise(kwargs):
    with pytest.raises(ConfigError):
        load_dataset("moons", **kwargs)


def test_dataset_arrays_are_read_only():
    data = load_dataset("xor")
    with pytest.raises(ValueError):
        data.X[0, 0] = 5


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------

def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_by_column_names(tmp_path):
    path = write(tmp_path, "id,x1,x2,label\n1,0,0,0\n2,0,1,1\n\n3,1,0,1\n4,1,1,0\n\n")
    data = load_csv(path, "x1,x2", ["label"])
    assert data.X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert data.Y[:, 0].tolist() == [0, 1, 1, 0]
    assert data.feature_names == ("x1", "x2") and data.target_names == ("label",)
    assert data.task == "classification"
    # the column order given is the order kept
    swapped = load_csv(path, ["x2", "x1"], "label")
    assert swapped.X[:, 0].tolist() == [0, 1, 0, 1]


def test_csv_regression_and_bom(tmp_path):
    path = write(tmp_path, "\ufeffx,y\n0.5,2.0\n-1,-1.5e0\n")
    data = load_csv(path, "x", "y")
    assert data.task == "regression"
    assert data.Y[:, 0].tolist() == [2.0, -1.5]


def test_csv_error_names_row_and_column(tmp_path):
    path = write(tmp_path, "x1,x2,y\n0,0,0\n0,abc,1\n")
    with pytest.raises(ConfigError) as info:
        load_csv(path, "x1,x2", "y")
    message = str(info.value)
    assert "row 3" in message and "'x2'" in message and "'abc'" in message


def test_csv_non_finite_value(tmp_path):
    path = write(tmp_path, "x,y\n1,nan\n")
    with pytest.raises(ConfigError, match=r"row 2, column 'y'.*finite"):
        load_csv(path, "x", "y")


def test_csv_ragged_row(tmp_path):
    path = write(tmp_path, "x,y\n1,2\n3\n")
    with pytest.raises(ConfigError, match=r"row 3: 1 field\(s\), but the header has 2"):
        load_csv(path, "x", "y")


def test_csv_unknown_column_lists_the_header(tmp_path):
    path = write(tmp_path, "x,y\n1,2\n")
    with pytest.raises(UnknownNameError) as info:
        load_csv(path, "x,z", "y")
    assert "'z'" in str(info.value) and "x, y" in str(info.value)


@pytest.mark.parametrize("text, match", [("", "empty"), ("x,y\n", "no data rows")])
def test_csv_empty(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match):
        load_csv(write(tmp_path, text), "x", "y")


def test_csv_missing_file_and_bad_columns(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_csv(tmp_path / "nope.csv", "x", "y")
    path = write(tmp_path, "x,y\n1,2\n")
    with pytest.raises(ConfigError, match="both feature and target"):
        load_csv(path, "x,y", "y")
    with pytest.raises(ConfigError, match="at least one"):
        load_csv(path, "", "y")


def test_csv_errors_are_mathomong_errors(tmp_path):
    path = write(tmp_path, "x,y\n1,two\n")
    with pytest.raises(MathomongError):
        load_csv(path, "x", "y")
