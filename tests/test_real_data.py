"""Real data: scikit-learn's digits, MNIST files a user already has (IDX and CSV), a held-out test set."""

import gzip
import json

import numpy as np
import pytest

from mathomong_sym.cli import main
from mathomong_sym.datasets import dataset_names, load_dataset, load_mnist, load_mnist_csv, read_idx
from mathomong_sym.errors import ConfigError


def write_idx(path, array, type_code=0x08):
    """An IDX file as MNIST's are: two zero bytes, the type, the rank, the dimensions, the data (big-endian)."""
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    data = header + array.astype(">u1" if type_code == 0x08 else ">i4").tobytes()
    if str(path).endswith(".gz"):
        with gzip.open(path, "wb") as handle:
            handle.write(data)
    else:
        path.write_bytes(data)
    return path


def small_mnist(count=12, side=4, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, count).astype(np.uint8)
    images = rng.integers(0, 256, (count, side, side)).astype(np.uint8)
    return images, labels


# -- digits ---------------------------------------------------------------------------------------------

def test_digits_is_scikit_learns_1797_images_scaled_and_one_hot():
    pytest.importorskip("sklearn")
    data = load_dataset("digits")
    assert "digits" in dataset_names()
    assert data.X.shape == (1797, 64) and data.Y.shape == (1797, 10)
    assert data.X.min() == 0.0 and data.X.max() == 1.0
    assert np.all(data.Y.sum(axis=1) == 1.0)
    assert data.task == "classification" and data.target_names[3] == "digit_3"


def test_digits_takes_no_generator_options():
    pytest.importorskip("sklearn")
    with pytest.raises(ConfigError, match="fixed collection"):
        load_dataset("digits", n=100)


def test_a_split_holds_out_a_fraction_drawn_from_a_seed():
    data = load_dataset("moons", n=100)
    train, test = data.split(0.2, seed=1)
    assert (len(train), len(test)) == (80, 20)
    rows = {tuple(r) for r in train.X} | {tuple(r) for r in test.X}
    assert len(rows) == 100  # every example once, in one part or the other
    again, _ = data.split(0.2, seed=1)
    assert np.array_equal(again.X, train.X)
    for bad in (0, 1, 1.5, -0.1):
        with pytest.raises(ConfigError):
            data.split(bad)


# -- MNIST files ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_files_read_as_mnist(tmp_path, suffix):
    images, labels = small_mnist()
    write_idx(tmp_path / f"images-idx3-ubyte{suffix}", images)
    write_idx(tmp_path / f"labels-idx1-ubyte{suffix}", labels)
    assert np.array_equal(read_idx(tmp_path / f"images-idx3-ubyte{suffix}"), images)
    data = load_mnist(tmp_path / f"images-idx3-ubyte{suffix}", tmp_path / f"labels-idx1-ubyte{suffix}")
    assert data.X.shape == (12, 16) and data.Y.shape == (12, 10)
    assert np.allclose(data.X, images.reshape(12, 16) / 255.0)
    assert np.array_equal(data.Y.argmax(axis=1), labels)
    assert data.feature_names[5] == "pixel_2_2"
    assert len(load_mnist(tmp_path / f"images-idx3-ubyte{suffix}", tmp_path / f"labels-idx1-ubyte{suffix}",
                          limit=5)) == 5


def test_bad_idx_files_are_refused_with_the_reason(tmp_path):
    images, labels = small_mnist()
    (tmp_path / "text").write_text("label,pixel0\n")
    with pytest.raises(ConfigError, match="not an IDX file"):
        read_idx(tmp_path / "text")
    cut = write_idx(tmp_path / "cut", images)
    cut.write_bytes(cut.read_bytes()[:-3])
    with pytest.raises(ConfigError, match="announces"):
        read_idx(cut)
    write_idx(tmp_path / "images", images)
    write_idx(tmp_path / "labels", labels[:5])
    with pytest.raises(ConfigError, match="12 images but"):
        load_mnist(tmp_path / "images", tmp_path / "labels")
    with pytest.raises(ConfigError, match="no such file"):
        read_idx(tmp_path / "missing")


@pytest.mark.parametrize("header", [True, False])
def test_mnist_csv_reads_with_or_without_a_header(tmp_path, header):
    images, labels = small_mnist()
    lines = (["label," + ",".join(f"pixel{i}" for i in range(16))] if header else []) + [
        ",".join(map(str, [label, *image.reshape(-1)])) for label, image in zip(labels, images)]
    path = tmp_path / "mnist.csv"
    path.write_text("\n".join(lines) + "\n")
    data = load_mnist_csv(path)
    assert data.X.shape == (12, 16)
    assert np.allclose(data.X, images.reshape(12, 16) / 255.0)
    assert np.array_equal(data.Y.argmax(axis=1), labels)


def test_a_bad_mnist_csv_names_the_row(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("3,0,0,0,0\n4,0,x,0,0\n")
    with pytest.raises(ConfigError, match="row 2"):
        load_mnist_csv(path)
    path.write_text("3,0,0,0\n")
    with pytest.raises(ConfigError, match="not a square image"):
        load_mnist_csv(path)
    path.write_text("-1,0,0,0,0\n")
    with pytest.raises(ConfigError, match="labels must be whole numbers from 0 to"):
        load_mnist_csv(path)
    path.write_text("12,0,0,0,0\n")
    assert load_mnist_csv(path).Y.shape == (1, 13)  # a label above 9 makes room for its class


# -- the command line -----------------------------------------------------------------------------------

def test_train_reads_idx_files_and_plots_a_confusion_matrix(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    images, labels = small_mnist(count=40, side=4)
    write_idx(tmp_path / "images.gz", images)
    write_idx(tmp_path / "labels.gz", labels)
    plot = tmp_path / "confusion.png"
    code = main(["train", "--data", str(tmp_path / "images.gz"), "--labels", str(tmp_path / "labels.gz"),
                 "--net", "16-8-10", "--activation", "relu", "--steps", "50", "--test-fraction", "0.25",
                 "--plot-confusion", str(plot), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    assert data["data"]["examples"] == 30 and data["test"]["examples"] == 10
    assert 0 <= data["test"]["accuracy"] <= 1
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_train_reads_an_mnist_csv(capsys, tmp_path):
    images, labels = small_mnist(count=20, side=3)
    path = tmp_path / "mnist.csv"
    path.write_text("\n".join(",".join(map(str, [l, *i.reshape(-1)])) for l, i in zip(labels, images)) + "\n")
    assert main(["train", "--data", str(path), "--mnist", "--net", "9-10", "--steps", "20", "--limit", "15"]) == 0
    out = capsys.readouterr().out
    assert "15 examples" in out and "predictions" in out


@pytest.mark.parametrize("argv,message", [
    (["--labels", "x", "--mnist"], "give one of them"),
    (["--mnist", "--features", "a"], "no --features"),
    (["--limit", "5"], "--limit applies to MNIST files"),
    (["--data", "moons", "--test-fraction", "1.5"], "between 0 and 1"),
])
def test_bad_data_options_are_one_line(capsys, argv, message):
    code = main(["train", "--steps", "5", *argv])
    err = capsys.readouterr().err
    assert code != 0 and message in err and err.count("\n") == 1


def test_small_toy_sets_are_not_split_by_default(capsys):
    data = json.loads(_run(capsys, "--data", "xor", "--steps", "10", "--json"))
    assert data["test"] is None and data["data"]["examples"] == 4


def _run(capsys, *argv):
    assert main(["train", *argv]) == 0
    return capsys.readouterr().out


@pytest.mark.slow
def test_digits_reach_95_percent_on_held_out_images_with_defaults(capsys, tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    loss_plot, confusion = tmp_path / "loss.png", tmp_path / "confusion.png"
    out = _run(capsys, "--net", "64-32-10", "--activation", "relu", "--output-activation", "softmax",
               "--loss", "cross_entropy", "--data", "digits", "--plot-loss", str(loss_plot),
               "--plot-confusion", str(confusion), "--json")
    data = json.loads(out)
    assert data["data"]["examples"] == 1438 and data["test"]["examples"] == 359
    assert data["test"]["accuracy"] >= 0.95, data["test"]
    assert loss_plot.stat().st_size > 0 and confusion.stat().st_size > 0
