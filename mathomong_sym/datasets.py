"""Toy data sets to train on, made in code from a seed, and CSV loading.

Every built-in data set is generated here, so nothing is downloaded and the
same seed always gives the same numbers.  A data set is a :class:`Dataset`:
inputs ``X`` of shape (n, n_in) and targets ``Y`` of shape (n, n_out), both
float64, the shapes a compiled network takes.

=========  ==========================================================
and, or,   the four corners of the unit square with the truth table of
xor        the gate (no noise: these are the classic four examples)
line       y = 2x + 1 plus Gaussian noise, x uniform in [−1, 1]
           (regression: train it with an identity output)
circles    a small circle inside a large one; label 1 = inner circle
moons      two interleaving half-moons; label 1 = the lower moon
spiral     two (or more) spiral arms; one column 0/1 for two arms,
           one-hot columns for three or more (use a softmax output)
digits     scikit-learn's 1 797 handwritten digits, 8 × 8 pixels scaled
           to [0, 1], one-hot targets for 0–9 (needs the ``digits``
           extra: ``pip install 'mathomong_sym[digits]'``; nothing is
           downloaded, the images come with scikit-learn)
=========  ==========================================================

MNIST files you already have are read by :func:`load_mnist` (the IDX files
``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte``, gzipped or
not) and :func:`load_mnist_csv` (one row per image, the label first, then
the 784 pixels; a header row is skipped).  Pixels are scaled to [0, 1] and
labels become one-hot targets.  :meth:`Dataset.split` holds out a test set.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import numpy.typing as npt

from .display import Summarised, Summary
from .errors import ConfigError, UnknownNameError

__all__ = [
    "Dataset",
    "DATASETS",
    "load_dataset",
    "load_csv",
    "load_digits",
    "load_mnist",
    "load_mnist_csv",
    "read_idx",
    "dataset_names",
]


@dataclass(frozen=True, repr=False)
class Dataset(Summarised):
    """Inputs ``X`` (n, n_in) and targets ``Y`` (n, n_out), float64."""

    name: str
    X: np.ndarray
    Y: np.ndarray
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    task: str = "classification"  # or "regression"
    description: str = ""

    def __post_init__(self):
        # frozen arrays: a data set handed to several runs must not change
        for array in (self.X, self.Y):
            array.setflags(write=False)

    def __len__(self) -> int:
        return self.X.shape[0]

    @property
    def n_inputs(self) -> int:
        return self.X.shape[1]

    @property
    def n_outputs(self) -> int:
        return self.Y.shape[1]

    def split(self, test_fraction: float = 0.2, seed: int = 0) -> tuple["Dataset", "Dataset"]:
        """(train, test): a shuffled hold-out of *test_fraction* of the examples, drawn from *seed*."""
        if not (isinstance(test_fraction, (int, float)) and 0 < test_fraction < 1):
            raise ConfigError(f"the test fraction must be between 0 and 1, got {test_fraction!r}")
        n_test = int(round(len(self) * test_fraction))
        if n_test < 1 or n_test >= len(self):
            raise ConfigError(f"a test fraction of {test_fraction:g} of {len(self)} examples leaves "
                              f"{n_test} to test and {len(self) - n_test} to train: both need at least one")
        order = np.random.default_rng(seed).permutation(len(self))
        test, train = order[:n_test], order[n_test:]

        def part(rows, which):
            return Dataset(f"{self.name} ({which})", np.ascontiguousarray(self.X[rows]),
                           np.ascontiguousarray(self.Y[rows]), self.feature_names, self.target_names,
                           self.task, self.description)

        return part(np.sort(train), "training set"), part(np.sort(test), "test set")
    def _summary(self) -> Summary:
        facts = [("examples", str(len(self))), ("inputs", ", ".join(self.feature_names)),
                 ("targets", ", ".join(self.target_names)), ("task", self.task)]
        if self.description:
            facts.append(("made", self.description))
        return Summary(self.summary(), tuple(facts))

    def summary(self) -> str:
        kind = self.task
        return (f"{self.name}: {len(self)} examples, {self.n_inputs} input(s) "
                f"({_names(self.feature_names)}), {self.n_outputs} target(s) "
                f"({_names(self.target_names)}), {kind}")


def _names(names) -> str:
    return ", ".join(names) if len(names) <= 8 else f"{', '.join(names[:3])}, …, {names[-1]}"


@dataclass(frozen=True)
class _Generator:
    """How to make one built-in data set."""

    name: str
    make: Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]
    description: str
    task: str = "classification"
    default_n: int | None = None  # None: a fixed table (the logic gates)
    default_noise: float = 0.0
    n_targets: Callable[[dict], int] = field(default=lambda options: 1)


def _gate(truth: Sequence[int]):
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])

    def make(n, noise, rng):
        return corners.copy(), np.asarray(truth, dtype=np.float64).reshape(4, 1)

    return make


def _line(n, noise, rng):
    x = rng.uniform(-1.0, 1.0, size=(n, 1))
    y = 2.0 * x + 1.0 + noise * rng.standard_normal((n, 1))
    return x, y


def _circles(n, noise, rng):
    inner = n // 2
    angles = rng.uniform(0.0, 2.0 * math.pi, size=n)
    radii = np.where(np.arange(n) < inner, 0.5, 1.0)
    X = np.column_stack([radii * np.cos(angles), radii * np.sin(angles)])
    X += noise * rng.standard_normal(X.shape)
    labels = (np.arange(n) < inner).astype(np.float64)
    return _shuffled(X, labels.reshape(-1, 1), rng)


def _moons(n, noise, rng):
    upper = n - n // 2
    t_upper = rng.uniform(0.0, math.pi, size=upper)
    t_lower = rng.uniform(0.0, math.pi, size=n - upper)
    X = np.vstack([
        np.column_stack([np.cos(t_upper), np.sin(t_upper)]),
        np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)]),
    ])
    X += noise * rng.standard_normal(X.shape)
    labels = np.concatenate([np.zeros(upper), np.ones(n - upper)])
    return _shuffled(X, labels.reshape(-1, 1), rng)


def _spiral(arms: int):
    def make(n, noise, rng):
        arm = np.arange(n) % arms
        t = rng.uniform(0.0, 1.0, size=n)
        radius = 0.1 + 0.9 * t
        angle = 3.0 * math.pi * t + arm * (2.0 * math.pi / arms)
        X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
        X += noise * rng.standard_normal(X.shape)
        if arms == 2:
            Y = arm.astype(np.float64).reshape(-1, 1)
        else:
            Y = np.eye(arms)[arm]
        return _shuffled(X, Y, rng)

    return make


def _shuffled(X, Y, rng):
    order = rng.permutation(X.shape[0])
    return X[order], Y[order]


DATASETS: dict[str, _Generator] = {g.name: g for g in (
    _Generator("and", _gate([0, 0, 0, 1]), "logical AND of two bits (linearly separable)"),
    _Generator("or", _gate([0, 1, 1, 1]), "logical OR of two bits (linearly separable)"),
    _Generator("xor", _gate([0, 1, 1, 0]),
               "exclusive OR of two bits: no single neuron separates it, a hidden layer does"),
    _Generator("line", _line, "y = 2x + 1 with Gaussian noise", task="regression",
               default_n=50, default_noise=0.1),
    _Generator("circles", _circles, "a circle of radius 0.5 (label 1) inside one of radius 1",
               default_n=200, default_noise=0.05),
    _Generator("moons", _moons, "two interleaving half-moons", default_n=200, default_noise=0.1),
    _Generator("spiral", _spiral(2), "two interleaved spiral arms", default_n=200,
               default_noise=0.02),
)}


def dataset_names() -> list[str]:
    return list(DATASETS) + list(_FIXED)


def _one_hot(labels: np.ndarray, classes: int, where: str) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ConfigError(f"{where}: labels must be whole numbers from 0 to {classes - 1}, "
                          f"found {int(labels.min())} to {int(labels.max())}")
    Y = np.zeros((labels.shape[0], classes))
    Y[np.arange(labels.shape[0]), labels.astype(np.int64)] = 1.0
    return Y


def _image(X, Y, name: str, description: str, side: int) -> Dataset:
    features = tuple(f"pixel_{r + 1}_{c + 1}" for r in range(side) for c in range(side))
    targets = tuple(f"digit_{k}" for k in range(Y.shape[1]))
    return Dataset(name, np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(Y), features, targets,
                   "classification", description)


def load_digits() -> Dataset:
    """scikit-learn's 1 797 handwritten digits (8 × 8 pixels, 0–16, scaled to [0, 1]), targets one-hot."""
    try:
        from sklearn.datasets import load_digits as _load
    except ImportError:
        raise ConfigError("the digits data set comes with scikit-learn: "
                          "pip install 'mathomong_sym[digits]'") from None
    bunch = _load()
    return _image(bunch.data / 16.0, _one_hot(bunch.target, 10, "digits"), "digits",
                  "handwritten digits 0–9, 8 × 8 pixels (scikit-learn's copy of the UCI set)", 8)


#: built-in data sets that are fixed collections rather than generated from a seed
_FIXED: dict[str, Callable[[], Dataset]] = {"digits": load_digits}


_IDX_TYPES: dict[int, npt.DTypeLike] = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path) -> np.ndarray:
    """The array in an IDX file (the MNIST format: a magic number, the dimensions, the data, big-endian).

    A file ending in ``.gz`` is read through gzip.
    """
    import gzip

    path = Path(path)
    try:
        raw = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, EOFError) as exc:
        raise ConfigError(f"{path}: cannot read it as IDX ({exc})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ConfigError(f"{path}: not an IDX file (it must start with two zero bytes and a type code)")
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ConfigError(f"{path}: the IDX header is cut short")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ConfigError(f"{path}: the header announces {shape} ({expected} bytes of data), "
                          f"the file holds {len(raw) - header}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def load_mnist(images, labels, *, limit: int | None = None) -> Dataset:
    """MNIST (or any IDX image/label pair): pixels scaled to [0, 1], one input per pixel, one-hot labels."""
    X = read_idx(images)
    y = read_idx(labels)
    if X.ndim < 2 or y.ndim != 1:
        raise ConfigError(f"{images} must hold images (n × rows × columns) and {labels} labels (n)")
    if X.shape[0] != y.shape[0]:
        raise ConfigError(f"{images} holds {X.shape[0]} images but {labels} {y.shape[0]} labels")
    if limit is not None:
        X, y = X[:limit], y[:limit]
    X = X.reshape(X.shape[0], -1).astype(np.float64)
    scale = 255.0 if X.size and X.max() > 1 else 1.0
    side = int(round(math.sqrt(X.shape[1])))
    if side * side != X.shape[1]:
        raise ConfigError(f"{images}: {X.shape[1]} pixels an image is not a square image")
    classes = max(10, int(y.max()) + 1) if y.size else 10
    return _image(X / scale, _one_hot(y, classes, str(labels)), Path(images).name.split(".")[0],
                  f"images from {images}, labels from {labels}", side)


def load_mnist_csv(path, *, limit: int | None = None) -> Dataset:
    """MNIST as CSV: one image a row, the label (0–9) first and then the pixels (0–255); a header is skipped."""
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    labels: list = []
    rows: list = []
    with handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or all(not cell.strip() for cell in row):
                continue
            if number == 1 and not row[0].strip().lstrip("-").isdigit():
                continue  # a header row (label, pixel0, …)
            try:
                values = [float(cell) for cell in row]
            except ValueError:
                raise ConfigError(f"{path}, row {number}: every field must be a number") from None
            if rows and len(values) - 1 != len(rows[0]):
                raise ConfigError(f"{path}, row {number}: {len(values)} fields, the rows above have "
                                  f"{len(rows[0]) + 1}")
            if values[0] != int(values[0]):
                raise ConfigError(f"{path}, row {number}: the label {row[0]!r} is not a whole number")
            labels.append(int(values[0]))
            rows.append(values[1:])
            if limit is not None and len(rows) >= limit:
                break
    if not rows:
        raise ConfigError(f"{path}: no images in the file")
    X = np.array(rows, dtype=np.float64)
    scale = 255.0 if float(np.max(X)) > 1 else 1.0
    y = np.array(labels)
    classes = max(10, int(y.max()) + 1)
    side = int(round(math.sqrt(X.shape[1])))
    if side * side != X.shape[1]:
        raise ConfigError(f"{path}: {X.shape[1]} pixels a row is not a square image")
    return _image(X / scale, _one_hot(y, classes, str(path)), path.stem, f"images read from {path}", side)


def load_dataset(name: str, *, n: int | None = None, noise: float | None = None,
                 seed: int = 0, arms: int | None = None) -> Dataset:
    """The built-in data set *name*, generated from *seed*.

    *n* (number of examples) and *noise* (standard deviation of the Gaussian
    noise added to the inputs, or to y for ``line``) default per data set.
    ``spiral`` also takes *arms* (2 by default; 3 or more gives one-hot
    targets).  The logic gates are fixed tables of four examples.
    """
    key = str(name).strip().lower()
    if key in _FIXED:
        if n is not None or noise is not None or arms is not None:
            raise ConfigError(f"data set {key!r} is a fixed collection; it takes no n, noise or arms")
        return _FIXED[key]()
    generator = DATASETS.get(key)
    if generator is None:
        raise UnknownNameError("data set", name, dataset_names())
    make = generator.make
    if generator.default_n is None:
        if n not in (None, 4) or noise not in (None, 0, 0.0):
            raise ConfigError(f"data set {key!r} is the fixed four-row truth table; "
                              "it takes no n or noise")
        n = 4
        noise = 0.0
    else:
        n = generator.default_n if n is None else n
        noise = generator.default_noise if noise is None else noise
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
            raise ConfigError(f"data set {key!r} needs n >= 2 examples, got {n!r}")
        if not (isinstance(noise, (int, float)) and math.isfinite(noise) and noise >= 0):
            raise ConfigError(f"noise must be a finite number >= 0, got {noise!r}")
    if arms is not None:
        if key != "spiral":
            raise ConfigError(f"only the spiral data set takes arms, not {key!r}")
        if isinstance(arms, bool) or not isinstance(arms, (int, np.integer)) or arms < 2:
            raise ConfigError(f"a spiral needs arms >= 2, got {arms!r}")
        make = _spiral(int(arms))
    rng = np.random.default_rng(seed)
    X, Y = make(int(n), float(noise), rng)
    X = np.ascontiguousarray(X, dtype=np.float64)
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    features = tuple(f"x_{j + 1}" for j in range(X.shape[1]))
    targets = tuple(f"y_{k + 1}" for k in range(Y.shape[1]))
    return Dataset(key, X, Y, features, targets, generator.task, generator.description)


def _split_names(names, what: str) -> list[str]:
    if isinstance(names, str):
        names = [part for part in names.split(",")]
    names = [str(part).strip() for part in names]
    if not names or any(not part for part in names):
        raise ConfigError(f"give at least one {what} column name (comma-separated, none empty)")
    return names


def load_csv(path, features, targets, *, delimiter: str = ",",
             task: str | None = None) -> Dataset:
    """Read a data set from a CSV file with a header row.

    *features* and *targets* name the header's columns (a list, or one
    comma-separated string).  Every error names the row and column: rows are
    counted as a spreadsheet counts them, the header being row 1.  *task* is
    guessed when not given: targets that are all 0 or 1 make a
    classification, anything else a regression.
    """
    path = Path(path)
    feature_names = _split_names(features, "feature")
    target_names = _split_names(targets, "target")
    overlap = sorted(set(feature_names) & set(target_names))
    if overlap:
        raise ConfigError(f"{path}: column(s) {', '.join(map(repr, overlap))} "
                          "given as both feature and target")
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    with handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader, None)
            if header is None:
                raise ConfigError(f"{path}: the file is empty; it needs a header row")
            header = [name.strip() for name in header]
            columns = {}
            for name in feature_names + target_names:
                if name not in header:
                    raise UnknownNameError(f"column in {path}", name, header)
                columns[name] = header.index(name)
            wanted = [columns[name] for name in feature_names + target_names]
            rows = []
            for row in reader:
                row_number = reader.line_num
                if not row or all(not cell.strip() for cell in row):
                    continue  # blank lines, common at the end of a file
                if len(row) != len(header):
                    raise ConfigError(f"{path}, row {row_number}: {len(row)} field(s), "
                                      f"but the header has {len(header)}")
                values = []
                for index in wanted:
                    cell = row[index].strip()
                    try:
                        value = float(cell)
                    except ValueError:
                        raise ConfigError(f"{path}, row {row_number}, column {header[index]!r}: "
                                          f"{cell!r} is not a number") from None
                    if not math.isfinite(value):
                        raise ConfigError(f"{path}, row {row_number}, column {header[index]!r}: "
                                          f"{cell!r} is not a finite number")
                    values.append(value)
                rows.append(values)
        except csv.Error as exc:
            raise ConfigError(f"{path}, row {reader.line_num}: {exc}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: not a UTF-8 text file") from None
    if not rows:
        raise ConfigError(f"{path}: no data rows after the header")
    data = np.array(rows, dtype=np.float64)
    n_features = len(feature_names)
    X = np.ascontiguousarray(data[:, :n_features])
    Y = np.ascontiguousarray(data[:, n_features:])
    if task is None:
        task = "classification" if np.isin(Y, (0.0, 1.0)).all() else "regression"
    elif task not in ("classification", "regression"):
        raise ConfigError(f"task must be 'classification' or 'regression', got {task!r}")
    return Dataset(path.stem, X, Y, tuple(feature_names), tuple(target_names), task,
                   f"read from {path}")
