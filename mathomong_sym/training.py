r"""Training a network with the gradients derived for it.

The gradient :func:`train` follows is the network's own derivation, compiled
to numpy (``net.compile()``): the same sympy objects an explanation prints
and a worksheet's answer key holds.  Before the first step the compiled
gradient is checked against central differences
(:func:`mathomong_sym.gradcheck.gradient_check`), so a run reports whether
the derivative it descends is right.

Part 4 of the guide, θ ← θ − η ∇L(θ), is :class:`GradientDescent`;
:class:`Momentum` and :class:`Adam` are the two refinements every course
meets next.  Each optimizer is a small immutable object; the state it keeps
between steps (velocity, moment estimates) lives in arrays the training loop
owns, so one optimizer can drive several runs.

Divergence: a loss that becomes infinite or NaN, or grows past a million
times its start, stops the run; so does a loss that stays above 1.5 times
its start for 50 steps in a row, which is how a too-large learning rate
shows when the loss is bounded (a sigmoid output with mse saturates at a
loss of 0.5 instead of overflowing).  The error names the step and the
learning rate, and keeps the last parameters before the loss went bad.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

import numpy as np

from .display import Summarised, Summary
from .errors import IncompatibleError, ShapeError, TrainingError, UnknownNameError

if TYPE_CHECKING:
    from .gradcheck import GradientCheckReport

__all__ = [
    "Optimizer",
    "GradientDescent",
    "Momentum",
    "Adam",
    "OPTIMIZERS",
    "get_optimizer",
    "initial_parameters",
    "TrainingResult",
    "train",
    "accuracy",
]

#: a loss this many times its start (and above 1) counts as divergence
DIVERGENCE_FACTOR = 1e6
#: a loss above this many times its start for STUCK_STEPS steps in a row, too
STUCK_FACTOR = 1.5
STUCK_STEPS = 50


# ---------------------------------------------------------------------------
# optimizers
# ---------------------------------------------------------------------------

class Optimizer:
    """How one step moves θ, given the gradient g.

    ``state(n)`` makes the arrays the optimizer carries between steps;
    ``update(theta, grad, out, state, t)`` writes the next θ into *out*
    (t = 1, 2, … counts the steps).  Writing into a second array, rather
    than over θ, lets the training loop keep the previous θ for free.
    *grad* holds its values only during the call: the loop may write the
    next step's gradient into the same array, so an optimizer that keeps
    a gradient copies it.
    """

    name = "optimizer"
    lr: float
    #: the update treats each coordinate of θ alone (so the JAX loop may update θ block by block)
    elementwise = False

    def state(self, n: int) -> tuple[np.ndarray, ...]:
        return ()

    def update(self, theta, grad, out, state, t) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # The same rule without writing in place, for array libraries whose
    # arrays are immutable (JAX): (θ, g, state, t, xp) -> (θ′, state′).
    def functional_state(self, n: int, xp) -> tuple:
        return ()

    def functional_update(self, theta, grad, state, t, xp):  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:
        return f"{self.name} (lr = {self.lr:g})"

    def as_dict(self) -> dict:
        return {"name": self.name, **{k: v for k, v in vars(self).items()}}

    def _check(self):
        for key, value in vars(self).items():
            if not (isinstance(value, (int, float)) and math.isfinite(value)):
                raise IncompatibleError(f"{self.name}: {key} must be a finite number, got {value!r}")
        if self.lr <= 0:
            raise IncompatibleError(f"{self.name}: the learning rate must be > 0, got {self.lr!r}")


@dataclass(frozen=True)
class GradientDescent(Optimizer):
    """θ ← θ − η g (Part 4 of the guide)."""

    lr: float = 0.1
    name = "gd"
    elementwise = True

    def __post_init__(self):
        self._check()

    def update(self, theta, grad, out, state, t):
        np.multiply(grad, -self.lr, out=out)
        out += theta

    def functional_update(self, theta, grad, state, t, xp):
        return theta - self.lr * grad, state


@dataclass(frozen=True)
class Momentum(Optimizer):
    """v ← β v + g;  θ ← θ − η v  (heavy ball: past slopes keep it rolling)."""

    lr: float = 0.1
    beta: float = 0.9
    name = "momentum"
    elementwise = True

    def __post_init__(self):
        self._check()
        if not 0 <= self.beta < 1:
            raise IncompatibleError(f"momentum: beta must be in [0, 1), got {self.beta!r}")

    def state(self, n):
        return (np.zeros(n),)

    def update(self, theta, grad, out, state, t):
        (velocity,) = state
        velocity *= self.beta
        velocity += grad
        np.multiply(velocity, -self.lr, out=out)
        out += theta

    def functional_state(self, n, xp):
        return (xp.zeros(n),)

    def functional_update(self, theta, grad, state, t, xp):
        velocity = self.beta * state[0] + grad
        return theta - self.lr * velocity, (velocity,)


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam: steps scaled per parameter by running moments of g and g².

    m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,
    θ ← θ − η m̂ / (√v̂ + ε) with the bias corrections m̂ = m/(1 − β₁ᵗ),
    v̂ = v/(1 − β₂ᵗ).
    """

    lr: float = 0.01
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    name = "adam"
    elementwise = True

    def __post_init__(self):
        self._check()
        for key in ("beta1", "beta2"):
            if not 0 <= getattr(self, key) < 1:
                raise IncompatibleError(f"adam: {key} must be in [0, 1), got {getattr(self, key)!r}")
        if self.eps <= 0:
            raise IncompatibleError(f"adam: eps must be > 0, got {self.eps!r}")

    def state(self, n):
        return np.zeros(n), np.zeros(n), np.empty(n)

    def update(self, theta, grad, out, state, t):
        m, v, scratch = state
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        v *= self.beta2
        np.multiply(grad, grad, out=scratch)
        scratch *= 1.0 - self.beta2
        v += scratch
        # the bias corrections folded into one step size and one ε
        correction2 = math.sqrt(1.0 - self.beta2 ** t)
        step = self.lr * correction2 / (1.0 - self.beta1 ** t)
        np.sqrt(v, out=scratch)
        scratch += self.eps * correction2
        np.divide(m, scratch, out=out)
        out *= -step
        out += theta

    def functional_state(self, n, xp):
        return xp.zeros(n), xp.zeros(n)

    def functional_update(self, theta, grad, state, t, xp):
        m = self.beta1 * state[0] + (1.0 - self.beta1) * grad
        v = self.beta2 * state[1] + (1.0 - self.beta2) * grad * grad
        correction2 = xp.sqrt(1.0 - self.beta2 ** t)
        step = self.lr * correction2 / (1.0 - self.beta1 ** t)
        return theta - step * m / (xp.sqrt(v) + self.eps * correction2), (m, v)


#: optimizer name -> class; every class takes the learning rate as ``lr``
OPTIMIZERS: dict[str, type[Optimizer]] = {
    "gd": GradientDescent,
    "momentum": Momentum,
    "adam": Adam,
}
_OPTIMIZER_ALIASES = {"sgd": "gd", "gradient_descent": "gd", "heavy_ball": "momentum"}


def get_optimizer(optimizer="gd", lr: float | None = None, **options) -> Optimizer:
    """An optimizer from its name (``gd``, ``momentum``, ``adam``) or as given."""
    if isinstance(optimizer, Optimizer):
        if lr is not None and lr != optimizer.lr:
            raise IncompatibleError(
                f"lr={lr!r} given beside an optimizer object with lr={optimizer.lr!r}; give one")
        return optimizer
    key = str(optimizer).strip().lower().replace("-", "_")
    key = _OPTIMIZER_ALIASES.get(key, key)
    cls = OPTIMIZERS.get(key)
    if cls is None:
        raise UnknownNameError("optimizer", optimizer, OPTIMIZERS)
    if lr is not None:
        options["lr"] = lr
    try:
        return cls(**options)
    except TypeError:
        known = list(inspect.signature(cls).parameters)
        unknown = sorted(set(options) - set(known))
        raise UnknownNameError(f"{key} option", unknown[0] if unknown else options, known) from None


# ---------------------------------------------------------------------------
# initial parameters
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _InitRule:
    """How to draw one layer's starting weights, by the activation it feeds."""

    name: str
    scale: Callable[[int, int], float]  # (fan_in, fan_out) -> weight std
    bias: float = 0.0


# Glorot/Xavier keeps the variance of tanh/sigmoid layers steady; He doubles
# it for ReLU-like units, which zero half their inputs.  ReLU biases start a
# little above 0 so no unit sits on its kink (or dead) at a zero input.
_GLOROT = _InitRule("glorot", lambda fan_in, fan_out: math.sqrt(2.0 / (fan_in + fan_out)))
_HE = _InitRule("he", lambda fan_in, fan_out: math.sqrt(2.0 / fan_in), bias=0.01)
_INIT_BY_ACTIVATION = {"relu": _HE, "leaky_relu": _HE}
_INIT_RULES = {"glorot": _GLOROT, "xavier": _GLOROT, "he": _HE}


def _activation_name(activation) -> str:
    return str(getattr(activation, "name", activation) or "").lower()


def _layer_activations(net) -> list[str]:
    sizes = list(net.layer_sizes)
    n_layers = len(sizes) - 1
    layers = getattr(net, "layers", None)
    if layers is not None and len(layers) == n_layers:
        return [_activation_name(layer.activation) for layer in layers]
    hidden = _activation_name(getattr(net, "activation", "sigmoid"))
    output = _activation_name(getattr(net, "output_activation", hidden))
    return [hidden] * (n_layers - 1) + [output]


def initial_parameters(net, seed: int = 0, scheme: str = "auto") -> np.ndarray:
    """A starting θ for *net*, drawn from *seed*, in ``net.parameters`` order.

    Weights are Gaussian with the Glorot scale √(2/(fan_in + fan_out)) for
    smooth activations and the He scale √(2/fan_in) for ReLU-like ones
    (``scheme="auto"``; ``"glorot"`` or ``"he"`` forces one).  Biases start at
    0 (0.01 under He).  Layer by layer, W row-major then b, as the parameter
    vector is laid out.
    """
    own = getattr(net, "initial_parameters", None)
    if callable(own):  # a network laid out otherwise (shared weights, several inputs per layer) knows its own
        return own(seed, scheme)
    sizes = [int(n) for n in net.layer_sizes]
    activations = _layer_activations(net)
    if scheme != "auto" and scheme not in _INIT_RULES:
        raise UnknownNameError("initialisation", scheme, ["auto", *_INIT_RULES])
    rng = np.random.default_rng(seed)
    pieces = []
    for layer in range(1, len(sizes)):
        fan_in, fan_out = sizes[layer - 1], sizes[layer]
        if scheme == "auto":
            rule = _INIT_BY_ACTIVATION.get(activations[layer - 1], _GLOROT)
        else:
            rule = _INIT_RULES[scheme]
        pieces.append(rng.standard_normal(fan_out * fan_in) * rule.scale(fan_in, fan_out))
        pieces.append(np.full(fan_out, rule.bias))
    theta = np.concatenate(pieces)
    expected = len(net.parameters)
    if theta.size != expected:  # a network whose layout is not layer by layer
        raise ShapeError(f"layer sizes {sizes} give {theta.size} parameters, "
                         f"but the network has {expected}")
    return theta


# ---------------------------------------------------------------------------
# the result
# ---------------------------------------------------------------------------

@dataclass(repr=False)
class TrainingResult(Summarised):
    """What a run produced.

    ``losses[t]`` is the loss (on the batch used) at the parameters before
    step t + 1, so ``losses[0]`` is the starting loss; ``final_loss`` is the
    loss on all the data at the final ``theta``.  ``path`` holds θ after
    every step (row 0 = the start) when the run was asked to record it.
    """

    theta: np.ndarray
    parameter_names: Sequence[str]
    losses: np.ndarray
    initial_loss: float
    final_loss: float
    steps: int
    optimizer: Optimizer
    seed: int
    batch_size: int | None
    theta0: np.ndarray
    epoch_losses: np.ndarray | None = None
    steps_per_epoch: int = 1
    gradient_check: GradientCheckReport | None = None
    diverged: bool = False
    stopped: str = ""  # why the run ended before its last step, if it did
    path: np.ndarray | None = None
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def lr(self) -> float:
        return self.optimizer.lr

    @property
    def loss_curve(self) -> np.ndarray:
        """The loss after 0, 1, … steps (full-batch runs: ``losses`` + final)."""
        return np.append(self.losses, self.final_loss)

    def first_step_below(self, value: float) -> int | None:
        """The first number of steps after which the loss was below *value*."""
        below = np.flatnonzero(self.loss_curve < value)
        return int(below[0]) if below.size else None

    def _summary(self) -> Summary:
        batches = "full batch" if self.batch_size is None else f"mini-batches of {self.batch_size}"
        ending = "diverged" if self.diverged else (self.stopped or "")
        headline = (f"{self.steps} step{'s' if self.steps != 1 else ''} of {self.optimizer.describe()}, "
                    f"loss {self.initial_loss:.4g} → {self.final_loss:.4g}" + (f"; {ending}" if ending else ""))
        facts = [("parameters", str(len(self.parameter_names))), ("steps", f"{self.steps} ({batches})"),
                 ("optimizer", self.optimizer.describe()), ("starting parameters", f"seed {self.seed}"),
                 ("loss at the start", f"{self.initial_loss:.6g}"), ("loss at the end", f"{self.final_loss:.6g}"),
                 ("time", f"{self.seconds:.3g} s")]
        if self.gradient_check is not None:
            facts.append(("gradient check", self.gradient_check.summary()))
        if ending:
            facts.append(("stopped", ending))
        return Summary(headline, tuple(facts))

    def parameter_values(self) -> dict[str, float]:
        return {name: float(v) for name, v in zip(self.parameter_names, self.theta)}

    def gradient_check_summary(self) -> dict | None:
        report = self.gradient_check
        if report is None:
            return None
        summary = {}
        for key in ("passed", "relative_error", "max_abs_error", "tolerance", "method", "h"):
            value = getattr(report, key, None)
            if value is not None:
                summary[key] = bool(value) if key == "passed" else _jsonable(value)
        return summary

    def as_dict(self, *, losses: bool = True) -> dict:
        data = {
            "parameters": self.parameter_values(),
            "initial_loss": self.initial_loss,
            "final_loss": self.final_loss,
            "steps": self.steps,
            "optimizer": self.optimizer.as_dict(),
            "seed": self.seed,
            "batch_size": self.batch_size,
            "diverged": self.diverged,
            "stopped": self.stopped,
            "seconds": round(self.seconds, 6),
            "gradient_check": self.gradient_check_summary(),
        }
        if losses:
            data["losses"] = [_jsonable(v) for v in self.loss_curve]
            if self.epoch_losses is not None:
                data["epoch_losses"] = [_jsonable(v) for v in self.epoch_losses]
        data.update(self.extra)
        return data


#: the most parameters train() checks against numeric differences before the first step (a sample beyond)
CHECKED_PARAMETERS = 256


class _ParameterNames(Sequence[str]):
    """The parameters' plain names, in theta order, each read when asked (a big network has a million)."""

    def __init__(self, parameters):
        self._parameters = parameters

    def __len__(self) -> int:
        return len(self._parameters)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        p = self._parameters[index]
        return getattr(p, "name", None) or str(p)

    def __eq__(self, other):
        if isinstance(other, (tuple, list, _ParameterNames)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __hash__(self):
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self)) if len(self) <= 100 else f"<{len(self)} parameter names>"


def _jsonable(value):
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else str(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    return value


def accuracy(predictions: np.ndarray, Y: np.ndarray) -> float:
    """Fraction classified right: ŷ ≥ 0.5 for one output, argmax for several."""
    predictions = np.asarray(predictions)
    Y = np.asarray(Y)
    if Y.shape[1] == 1:
        return float(np.mean((predictions[:, 0] >= 0.5) == (Y[:, 0] >= 0.5)))
    return float(np.mean(np.argmax(predictions, axis=1) == np.argmax(Y, axis=1)))


# ---------------------------------------------------------------------------
# the loop
# ---------------------------------------------------------------------------

def _compiled(net, backend):
    """(network, compiled) from a network or an already compiled one."""
    if hasattr(net, "loss_and_gradient"):
        network = getattr(net, "network", None)
        if backend is not None:
            raise IncompatibleError("backend= applies to a network, not to an already compiled one")
        return network, net
    if not hasattr(net, "compile"):
        raise TypeError(f"train() needs a Neuron, an MLP or a compiled network, not {type(net).__name__}")
    compiled = net.compile() if backend is None else net.compile(backend=backend)
    return net, compiled


def _as_data(X, Y, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    X = np.ascontiguousarray(X, dtype=np.float64)
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    if Y.ndim == 1 and n_out == 1:
        Y = Y.reshape(-1, 1)
    if X.ndim == 1 and n_in == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2 or X.shape[1] != n_in:
        raise ShapeError(f"X must have shape (batch, {n_in}) for this network, got {X.shape}")
    if Y.ndim != 2 or Y.shape[1] != n_out:
        raise ShapeError(f"Y must have shape (batch, {n_out}) for this network, got {Y.shape}")
    if X.shape[0] != Y.shape[0]:
        raise ShapeError(f"X has {X.shape[0]} examples but Y has {Y.shape[0]}")
    if X.shape[0] == 0:
        raise ShapeError("no examples to train on")
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise ShapeError("X and Y must be finite (no NaN or inf)")
    return X, Y


def _progress_bar(progress, total: int, desc: str):
    from .progress import progress_bar

    return progress_bar(progress, total=total, desc=desc, unit="step")


def _positive_int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise IncompatibleError(f"{what} must be a whole number >= 1, got {value!r}")
    return int(value)


def train(
    net,
    X,
    Y,
    *,
    lr: float | None = None,
    steps: int | None = None,
    epochs: int | None = None,
    optimizer="gd",
    batch_size: int | None = None,
    seed: int = 0,
    theta0=None,
    init: str = "auto",
    callback: Callable | None = None,
    progress: bool | None = None,
    target_loss: float | None = None,
    check_gradient: str | bool = "raise",
    record_path: bool = False,
    on_divergence: str = "raise",
    backend: str | None = None,
) -> TrainingResult:
    """Train *net* on (X, Y) with its compiled, derived gradient.

    *net* is a ``Neuron``/``MLP`` (compiled here, with *backend* if given) or
    a compiled network.  Give *steps* (parameter updates) or *epochs*
    (passes over the data; with no *batch_size* each epoch is one full-batch
    step); neither means 1000 steps.  *optimizer* is ``"gd"``,
    ``"momentum"``, ``"adam"`` or an :class:`Optimizer`; *lr* (η) must be
    given unless the optimizer object carries it.  *seed* draws the starting θ (unless *theta0*
    is given) and shuffles the mini-batches.

    *callback(step, theta, loss)* runs after every step (theta is the new θ,
    loss the one before the step); a true return value stops the run.
    *target_loss* stops the run once the loss is below it.  *progress*
    shows a ``tqdm.auto`` bar: None (the default) in a notebook or on a
    terminal once the run has taken 2 s, True always, False never
    (:mod:`mathomong_sym.progress`).

    A loss that turns infinite/NaN or exceeds 10⁶ × max(1, start) raises
    ``TrainingError`` naming the step and learning rate, with the result so
    far (θ = the last finite one) in ``error.result``; with
    ``on_divergence="stop"`` that result is returned instead.

    Before the first step the derived gradient is compared with central
    differences on a few examples (``result.gradient_check``).  When they
    disagree, *check_gradient* ``"raise"`` (the default, also ``True``)
    raises ``GradientCheckError``, ``"warn"`` warns and trains anyway, and
    ``False`` skips the check.
    """
    network, compiled = _compiled(net, backend)
    sizes_source = network if network is not None else compiled
    sizes = [int(n) for n in sizes_source.layer_sizes]
    names = _ParameterNames(sizes_source.parameters)
    n_params = len(names)
    X, Y = _as_data(X, Y, sizes[0], sizes[-1])
    n_examples = X.shape[0]
    if lr is None and not isinstance(optimizer, Optimizer):
        # no silent default: the step size is the first thing a learner tunes
        raise IncompatibleError("train() needs a learning rate, e.g. lr=0.5 (or an optimizer object)")
    opt = get_optimizer(optimizer, lr)
    if check_gradient is True:
        check_gradient = "raise"
    if check_gradient not in ("raise", "warn", False, None):
        raise IncompatibleError(f"check_gradient must be 'raise', 'warn' or False, got {check_gradient!r}")
    if on_divergence not in ("raise", "stop"):
        raise IncompatibleError(f"on_divergence must be 'raise' or 'stop', got {on_divergence!r}")

    if batch_size is not None:
        batch_size = _positive_int(batch_size, "batch_size")
        if batch_size >= n_examples:
            batch_size = None  # one batch is the full batch
    batches_per_epoch = 1 if batch_size is None else -(-n_examples // batch_size)
    if steps is not None and epochs is not None:
        raise IncompatibleError("give steps or epochs, not both")
    if epochs is not None:
        epochs = _positive_int(epochs, "epochs")
        steps = epochs * batches_per_epoch
    else:
        steps = _positive_int(1000 if steps is None else steps, "steps")

    if theta0 is None:
        if network is None:
            raise IncompatibleError("a compiled network without its network needs theta0")
        theta0 = initial_parameters(network, seed, init)
    theta0 = np.array(theta0, dtype=np.float64)
    if theta0.shape != (n_params,):
        raise ShapeError(f"theta0 must have shape ({n_params},), got {theta0.shape}")

    report = None
    if check_gradient:
        from .gradcheck import gradient_check

        # a few examples are enough to catch a wrong derivative, and keep it cheap
        target = network if network is not None else compiled
        # … and, for a network of more than CHECKED_PARAMETERS parameters, a random sample of them
        checked = compiled if network is not None else None
        if checked is not None and getattr(compiled, "dtype", "float64") != "float64":
            # central differences need float64 to resolve 1e-6; the float32 code is the same source, so the
            # derivation is checked in its float64 numpy form
            checked = network.compile(form=compiled.form)
        report = gradient_check(target, theta0, X[:8], Y[:8], compiled=checked,
                                raise_exception=False,
                                coordinates=CHECKED_PARAMETERS if n_params > CHECKED_PARAMETERS else None,
                                seed=seed)
        if not report.passed:
            message = (f"the derived gradient disagrees with the numbers at the starting parameters, so "
                       f"training would follow a wrong slope: {report.summary()}")
            if check_gradient == "raise":
                from .errors import GradientCheckError

                mismatch = GradientCheckError(message + " (train(check_gradient='warn') trains anyway)")
                mismatch.report = report
                raise mismatch
            warnings.warn(message, RuntimeWarning, stacklevel=2)

    started = time.perf_counter()
    # the checked entry point validates the data once (shapes, one-hot
    # targets); the loop then calls the unchecked functions
    initial_loss = float(compiled.loss(theta0, X, Y))
    full_loss = getattr(compiled, "raw_loss", compiled.loss)
    if not math.isfinite(initial_loss):
        raise TrainingError("the loss at the starting parameters is not finite; "
                            "check the data scale and theta0")
    limit = DIVERGENCE_FACTOR * max(1.0, initial_loss)
    floor = -math.inf if target_loss is None else float(target_loss)

    losses = np.empty(steps)
    path = np.empty((steps + 1, n_params)) if record_path else None
    if path is not None:
        path[0] = theta0
    state = opt.state(n_params)
    update = opt.update
    loss_and_gradient = getattr(compiled, "raw_loss_and_gradient", compiled.loss_and_gradient)
    if getattr(compiled, "writes_gradient", False):
        # every step writes its gradient into the same vector: no concatenation, no fresh pages
        gradient_into, buffer = loss_and_gradient, np.empty(n_params)

        def loss_and_gradient(theta, X, Y):
            return gradient_into(theta, X, Y, buffer)

    stuck_limit = STUCK_FACTOR * initial_loss
    stuck = _Rise()

    def numpy_run(t, end, Xb, Yb, theta, spare):
        # the hot loop: nothing but the step itself; bookkeeping happens
        # between calls.  Returns (steps done, why it stopped, last loss, θ, previous θ).
        loss = math.nan
        for i in range(t, end):
            loss, grad = loss_and_gradient(theta, Xb, Yb)
            if not floor < loss < limit:
                return i, "bound", loss, theta, spare
            if loss > stuck_limit:
                if stuck.since is None:
                    # remember the parameters before the loss went up
                    stuck.since = i
                    stuck.theta = (spare if i else theta).copy()
                elif i - stuck.since >= STUCK_STEPS:
                    return i, "stuck", loss, theta, spare
            elif stuck.since is not None:
                stuck.since = None
            losses[i] = loss
            update(theta, grad, spare, state, i + 1)
            theta, spare = spare, theta
            if path is not None:
                path[i + 1] = theta
            if callback is not None and callback(i + 1, theta, loss):
                return i + 1, "callback", loss, theta, spare
        return end, "", loss, theta, spare

    on_jax = getattr(compiled, "backend", "numpy") == "jax"
    run = (_jax_runner(compiled, opt, n_params, losses, path, callback, floor, limit, stuck, stuck_limit)
           if on_jax else numpy_run)
    theta = theta0.copy()
    spare = np.empty_like(theta)
    bar = _progress_bar(progress, steps, "training")
    chunk = max(1, steps // 100) if bar is not None else steps
    if callback is not None and on_jax:
        chunk = 1  # the callback sees every step
    epoch_losses: np.ndarray | None = None
    t = 0
    status = ""
    loss = initial_loss
    try:
        if batch_size is None:
            while t < steps and not status:
                t, status, loss, theta, spare = run(t, min(steps, t + chunk), X, Y, theta, spare)
                if bar is not None:
                    bar.update(t - bar.n)
                    bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
        else:
            rng = np.random.default_rng(seed)
            after_epochs = [initial_loss]
            while t < steps and not status:
                order = rng.permutation(n_examples)
                Xe, Ye = X[order], Y[order]
                for start in range(0, n_examples, batch_size):
                    t, status, loss, theta, spare = run(
                        t, t + 1, Xe[start:start + batch_size], Ye[start:start + batch_size],
                        theta, spare)
                    if status or t >= steps:
                        break
                if not status and start + batch_size >= n_examples:  # a whole epoch done
                    after_epochs.append(float(full_loss(theta, X, Y)))
                if bar is not None:
                    bar.update(t - bar.n)
                    bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
            epoch_losses = np.array(after_epochs)
    finally:
        if bar is not None:
            bar.close()
    last_theta = theta  # on the device for JAX, where its loss needs no float64 copy sent back
    if on_jax:  # θ stayed on the device, in the compiled precision
        theta, spare = np.array(theta, dtype=np.float64), np.array(spare, dtype=np.float64)

    stopped = ""
    diverged = False
    if status == "callback":
        stopped = f"stopped by the callback after step {t}"
    elif status == "bound" and loss <= floor:
        stopped = f"reached the target loss {floor:g} after {t} step(s)"
    elif status == "bound":
        diverged = True
    elif status == "stuck":
        first, kept = stuck.since, stuck.theta
        assert first is not None and kept is not None, "a stop for a loss that stayed high follows a recorded rise"
        final_loss = float(full_loss(kept, X, Y))
        stopped = (f"training diverged at step {first + 1} with {opt.name} lr = {opt.lr:g}: the loss rose "
                   f"from {initial_loss:.4g} to {loss:.4g} and stayed above {STUCK_FACTOR:g}× its start for "
                   f"{STUCK_STEPS} steps; kept the parameters of step {first} (loss {final_loss:.4g}); "
                   f"try a smaller learning rate, such as lr = {opt.lr / 10:g}")
        diverged, theta, t = True, kept, first
    if status != "stuck":
        final_loss = float(full_loss(last_theta, X, Y))
    if not diverged and not (math.isfinite(final_loss) and final_loss < limit):
        diverged, loss = True, final_loss
    if diverged and status != "stuck":
        # the θ in hand is the bad one; the one before it is in `spare`
        stopped = _divergence_message(t, loss, limit, opt,
                                      losses[t - 1] if t else initial_loss)
        if t:
            theta, t = spare, t - 1
        final_loss = float(full_loss(theta, X, Y))

    result = TrainingResult(
        theta=theta.copy(),
        parameter_names=names,
        losses=losses[:t].copy(),
        initial_loss=initial_loss,
        final_loss=final_loss,
        steps=t,
        optimizer=opt,
        seed=seed,
        batch_size=batch_size,
        theta0=theta0,
        epoch_losses=epoch_losses,
        steps_per_epoch=batches_per_epoch,
        gradient_check=report,
        diverged=diverged,
        stopped=stopped,
        path=None if path is None else path[:t + 1].copy(),
        seconds=time.perf_counter() - started,
    )
    if diverged and on_divergence == "raise":
        error = TrainingError(stopped)
        error.result = result
        raise error
    return result


@dataclass
class _Rise:
    """A run of steps whose loss stayed above the stuck limit: the step it began at and the θ before it."""

    since: int | None = None
    theta: np.ndarray | None = None


_JAX_SCANS: dict = {}


def _jax_scan(compiled, opt, record: bool):
    """The jitted chunk of steps for (compiled network, optimizer), built once.

    ``chunk(theta, state, t, X, Y, length)`` runs *length* steps in one XLA
    computation: the compiled gradient and the optimizer's update, step after
    step in a ``lax.scan``, with θ and the optimizer state kept on the device
    in the compiled precision.  The last step runs after the scan, so the θ
    before it comes out as well (the loop keeps it in case the final loss
    turns out bad) without a copy of θ on every step.
    """
    key = (id(compiled), opt, record)
    cached = _JAX_SCANS.get(key)
    if cached is not None and cached[0]() is compiled:
        return cached[1]
    import functools
    import weakref

    import jax
    import jax.numpy as jnp

    loss_and_gradient = compiled.raw_loss_and_gradient
    n = compiled.n_parameters
    ends = _parameter_blocks(compiled) if opt.elementwise else [n]
    pieces = list(zip([0] + ends[:-1], ends))

    def join(blocks):
        return blocks[0] if len(blocks) == 1 else jnp.concatenate(blocks)

    def split(vector):
        return tuple(vector[start:end] for start, end in pieces)

    def split_state(state):
        return (state,) if len(pieces) == 1 else tuple(tuple(part[start:end] for part in state)
                                                       for start, end in pieces)

    def join_state(states):
        return states[0] if len(pieces) == 1 else tuple(join(parts) for parts in zip(*states))

    def one_step(carry, X, Y):
        # θ and the optimizer state ride the loop as blocks (W⁽¹⁾, b⁽¹⁾, …): the code's slices of θ are then
        # the blocks themselves, where slicing a flat θ copied every matrix out of it on every step
        thetas, states, t = carry
        theta = join(thetas)
        loss, grad = loss_and_gradient(theta, X, Y)
        updated = [opt.functional_update(block, g, state, t, jnp)
                   for block, g, state in zip(thetas, split(grad.astype(theta.dtype)), states)]
        new_thetas = tuple(new.astype(block.dtype) for (new, _), block in zip(updated, thetas))
        new_states = tuple(jax.tree_util.tree_map(lambda new, old: new.astype(old.dtype), state, old_state)
                           for (_, state), old_state in zip(updated, states))
        return (new_thetas, new_states, t + 1), ((loss, join(new_thetas)) if record else loss)

    @functools.partial(jax.jit, static_argnums=5)
    def chunk(theta, state, t, X, Y, length):
        carry = (split(theta), split_state(state), t)
        outs = None
        if length > 1:
            carry, outs = jax.lax.scan(lambda c, _: one_step(c, X, Y), carry, None, length=length - 1)
        previous = join(carry[0])
        carry, last = one_step(carry, X, Y)
        last = jax.tree_util.tree_map(lambda v: v[None], last)
        outs = last if outs is None else jax.tree_util.tree_map(
            lambda a, b: jnp.concatenate((a, b)), outs, last)
        return join(carry[0]), previous, join_state(carry[1]), outs

    for stale in [k for k, (ref, _) in _JAX_SCANS.items() if ref() is None]:
        del _JAX_SCANS[stale]
    _JAX_SCANS[key] = (weakref.ref(compiled), chunk)
    return chunk


def _parameter_blocks(compiled) -> list[int]:
    """Where θ's blocks end (each layer's W, then its b), from the compiled network's layers; θ whole when
    the layers do not account for every parameter."""
    n = compiled.n_parameters
    ends: list[int] = []
    for layer in getattr(compiled.network, "layers", ()):
        if getattr(layer, "first", layer.index) != layer.index:
            continue  # a layer sharing another's matrix owns no block
        start = ends[-1] if ends else 0
        ends += [start + layer.size * layer.fan_in, start + layer.size * layer.fan_in + layer.size]
    return ends if ends and ends[-1] == n else [n]


def _jax_runner(compiled, opt, n_params, losses, path, callback, floor, limit, stuck, stuck_limit):
    """``run`` for the JAX backend: chunks of steps in one jitted ``lax.scan``.

    Same contract as the numpy loop, except that θ and the θ before it stay
    on the device between chunks (the caller turns them into numpy arrays at
    the end); the losses of a chunk come back to the host once, at its end.
    The loss is checked after each chunk; when a step in it diverged (or
    reached the target), the chunk is replayed from its start up to that
    step, so the θ kept is exactly the numpy loop's.  A loss that stays
    above *stuck_limit* is followed across chunks in *stuck* as the numpy
    loop follows it; the θ before such a run of steps is found by replaying
    the chunk it began in, once.
    """
    import jax.numpy as jnp

    record = path is not None
    chunk = _jax_scan(compiled, opt, record)
    dtype = jnp.float32 if getattr(compiled, "dtype", "float64") == "float32" else jnp.float64
    carried = {"state": opt.functional_state(n_params, jnp)}
    carried["state"] = tuple(jnp.asarray(a, dtype=dtype) for a in carried["state"])
    on_device = {}

    def device(array):
        # the same data again (full batch, chunk after chunk) goes to the device once
        key = id(array)
        if key not in on_device or on_device[key][0] is not array:
            if len(on_device) > 4:
                on_device.clear()
            on_device[key] = (array, jnp.asarray(array, dtype=dtype))
        return on_device[key][1]

    def run(t, end, Xb, Yb, theta, spare):
        start_theta, start_state = jnp.asarray(theta, dtype=dtype), carried["state"]
        Xj, Yj = device(Xb), device(Yb)
        new_theta, previous, state, out = chunk(start_theta, start_state, dtype(t + 1), Xj, Yj, end - t)
        chunk_losses = np.asarray(out[0] if record else out, dtype=np.float64)
        good = (floor < chunk_losses) & (chunk_losses < limit)
        bad = len(chunk_losses) if good.all() else int(np.argmin(good))

        def theta_at(step):
            """θ after *step* steps (t - 1 ≤ step ≤ end), replayed from the chunk's start when inside it."""
            if step == t - 1:
                return spare
            if step == t:
                return start_theta
            return chunk(start_theta, start_state, dtype(t + 1), Xj, Yj, step - t)[0]

        # the run of losses above the stuck limit, step by step as the numpy loop keeps it
        since, began, trigger = stuck.since, None, None
        for k in range(bad):
            if chunk_losses[k] > stuck_limit:
                if since is None:
                    since = began = t + k
                elif t + k - since >= STUCK_STEPS:
                    trigger = k
                    break
            else:
                since = began = None
        stuck.since = since
        if began is not None:
            # the parameters before the loss went up: θ of the step before (θ₀ when it went up at once)
            stuck.theta = np.array(theta_at(began - 1 if began else 0), dtype=np.float64)
        if trigger is not None:
            losses[t:t + trigger] = chunk_losses[:trigger]
            if record and trigger:
                path[t + 1:t + trigger + 1] = np.asarray(out[1])[:trigger]
            return t + trigger, "stuck", float(chunk_losses[trigger]), start_theta, spare
        if bad == len(chunk_losses):
            losses[t:end] = chunk_losses
            if record:
                path[t + 1:end + 1] = np.asarray(out[1])
            carried["state"] = state
            if callback is not None and callback(end, np.array(new_theta, dtype=np.float64),
                                                 float(chunk_losses[-1])):
                return end, "callback", float(chunk_losses[-1]), new_theta, previous
            return end, "", float(chunk_losses[-1]), new_theta, previous
        losses[t:t + bad] = chunk_losses[:bad]
        if record and bad:
            path[t + 1:t + bad + 1] = np.asarray(out[1])[:bad]
        if bad:
            theta, spare, carried["state"], _ = chunk(start_theta, start_state, dtype(t + 1), Xj, Yj, bad)
        return t + bad, "bound", float(chunk_losses[bad]), theta, spare

    return run


def _divergence_message(step: int, loss: float, limit: float, opt: Optimizer, last: float) -> str:
    if math.isfinite(loss):
        what = f"the loss grew to {loss:.4g} (over {limit:.3g})"
    else:
        what = f"the loss became {loss}"
    return (f"training diverged at step {step} with {opt.name} lr = {opt.lr:g}: {what}; "
            f"kept the parameters of step {max(step - 1, 0)} (loss {last:.4g}); "
            f"try a smaller learning rate, such as lr = {opt.lr / 10:g}")
