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
=========  ==========================================================
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .display import Summarised, Summary
from .errors import ConfigError, UnknownNameError

__all__ = [
    "Dataset",
    "DATASETS",
    "load_dataset",
    "load_csv",
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

    def _summary(self) -> Summary:
        facts = [("examples", str(len(self))), ("inputs", ", ".join(self.feature_names)),
                 ("targets", ", ".join(self.target_names)), ("task", self.task)]
        if self.description:
            facts.append(("made", self.description))
        return Summary(self.summary(), tuple(facts))

    def summary(self) -> str:
        kind = self.task
        return (f"{self.name}: {len(self)} examples, {self.n_inputs} input(s) "
                f"({', '.join(self.feature_names)}), {self.n_outputs} target(s) "
                f"({', '.join(self.target_names)}), {kind}")


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
    return list(DATASETS)


def load_dataset(name: str, *, n: int | None = None, noise: float | None = None,
                 seed: int = 0, arms: int | None = None) -> Dataset:
    """The built-in data set *name*, generated from *seed*.

    *n* (number of examples) and *noise* (standard deviation of the Gaussian
    noise added to the inputs, or to y for ``line``) default per data set.
    ``spiral`` also takes *arms* (2 by default; 3 or more gives one-hot
    targets).  The logic gates are fixed tables of four examples.
    """
    key = str(name).strip().lower()
    generator = DATASETS.get(key)
    if generator is None:
        raise UnknownNameError("data set", name, DATASETS)
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
