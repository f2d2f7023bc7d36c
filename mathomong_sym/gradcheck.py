r"""Numeric gradients, to check the symbolic ones.

Central differences, (f(θ + h eᵢ) − f(θ − h eᵢ)) / 2h, agree with an exact
gradient to about 1e-9 on the whole vector, but a tiny component can be
off by far more *relative to itself*, so the comparison here is norm-wise
(‖g − g̃‖ / max(‖g‖, ‖g̃‖)) plus, per component, an absolute-plus-relative
bound.  Complex-step differentiation, Im f(θ + i h eᵢ) / h, has no
subtraction and reaches about 1e-13 where the network is smooth (no ReLU,
no step).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .display import Summarised, Summary
from .errors import GradientCheckError, MathomongError, ShapeError

__all__ = [
    "numeric_gradient",
    "complex_step_gradient",
    "gradient_check",
    "GradientCheckReport",
    "DEFAULT_TOLERANCE",
]

#: norm-wise relative error below which a central-difference check passes
DEFAULT_TOLERANCE = 1e-6


def numeric_gradient(f, theta, h: float | None = None, order: int = 2, indices=None) -> np.ndarray:
    """Central differences of the scalar function *f* at *theta*.

    ``order=2`` is the textbook (f(θ+h) − f(θ−h)) / 2h, h = 1e-6 by default;
    ``order=4`` the five-point stencil (−f(θ+2h) + 8f(θ+h) − 8f(θ−h) + f(θ−2h)) / 12h,
    h = 1e-3 by default, whose error is about 1e-13 instead of 1e-9.
    The step is scaled by ``max(1, |θᵢ|)``.  With *indices*, only those
    components are computed (and returned, in that order).
    """
    theta = np.array(theta, dtype=np.float64)
    if order not in (2, 4):
        raise ValueError(f"order must be 2 or 4, got {order}")
    h = (1e-6 if order == 2 else 1e-3) if h is None else h
    if h <= 0:
        raise ValueError(f"the step h must be positive, got {h}")
    positions = range(theta.size) if indices is None else [int(i) for i in indices]
    gradient = np.empty(len(positions))
    shifted = theta.copy()

    def at(i, value):
        shifted[i] = value
        return f(shifted)

    for k, i in enumerate(positions):
        original = shifted[i]
        step = h * max(1.0, abs(original))
        if order == 2:
            gradient[k] = (at(i, original + step) - at(i, original - step)) / (2 * step)
        else:
            gradient[k] = (-at(i, original + 2 * step) + 8 * at(i, original + step)
                           - 8 * at(i, original - step) + at(i, original - 2 * step)) / (12 * step)
        shifted[i] = original
    return gradient


def complex_step_gradient(f, theta, h: float = 1e-30) -> np.ndarray:
    """Complex-step derivative of *f* (which must accept complex input and be analytic)."""
    theta = np.array(theta, dtype=np.complex128)
    gradient = np.empty(theta.shape, dtype=np.float64)
    for i in range(theta.size):
        original = theta[i]
        theta[i] = original + 1j * h
        gradient[i] = np.imag(f(theta)) / h
        theta[i] = original
    return gradient


@dataclass(frozen=True, repr=False)
class GradientCheckReport(Summarised):
    """Exact (compiled) gradient against a numeric one, parameter by parameter."""

    parameters: tuple
    exact: np.ndarray
    numeric: np.ndarray
    method: str
    tolerance: float
    #: below this distance the numeric method cannot tell the vectors apart
    noise: float = 0.0
    #: how many parameters θ has, when only a sample of them was checked
    total: int | None = None

    @property
    def absolute_errors(self) -> np.ndarray:
        return np.abs(self.exact - self.numeric)

    @property
    def relative_error(self) -> float:
        """‖exact − numeric‖ / max(‖exact‖, ‖numeric‖) (0 when both vanish)."""
        scale = max(np.linalg.norm(self.exact), np.linalg.norm(self.numeric))
        if scale == 0:
            return 0.0
        return float(np.linalg.norm(self.exact - self.numeric) / scale)

    @property
    def worst(self) -> tuple:
        """(parameter, exact, numeric) with the largest absolute error."""
        i = int(np.argmax(self.absolute_errors))
        return self.parameters[i], float(self.exact[i]), float(self.numeric[i])

    @property
    def passed(self) -> bool:
        if not (np.all(np.isfinite(self.exact)) and np.all(np.isfinite(self.numeric))):
            return False
        distance = float(np.linalg.norm(self.exact - self.numeric))
        scale = max(np.linalg.norm(self.exact), np.linalg.norm(self.numeric))
        # norm-wise relative error, with an absolute floor at the method's own noise
        return bool(distance <= self.tolerance * scale + self.noise)

    def __bool__(self) -> bool:
        return self.passed

    def rows(self):
        """``(name, exact, numeric, |error|)`` per parameter."""
        for p, e, n, err in zip(self.parameters, self.exact, self.numeric, self.absolute_errors):
            yield str(p), float(e), float(n), float(err)

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "tolerance": self.tolerance,
            "relative_error": self.relative_error,
            "passed": self.passed,
            "parameters": [
                {"name": name, "exact": e, "numeric": n, "abs_error": err} for name, e, n, err in self.rows()
            ],
        }

    def _summary(self) -> Summary:
        name, exact, numeric = self.worst
        verdict = "passed" if self.passed else "FAILED"
        facts = (("verdict", verdict), ("method", self.method), ("parameters", str(len(self.parameters))),
                 ("relative error", f"{self.relative_error:.2e}"), ("tolerance", f"{self.tolerance:.0e}"),
                 ("largest difference", f"{name}: {exact:.10g} (derived) vs {numeric:.10g} (numeric)"))
        return Summary(f"{verdict}, relative error {self.relative_error:.2e} (tolerance {self.tolerance:.0e}, "
                       f"{self.method}, {len(self.parameters)} parameters)", facts)

    def summary(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        name, exact, numeric = self.worst
        sample = f" on a random sample of {len(self.parameters)} of the {self.total} parameters" \
            if self.total is not None else ""
        return (f"gradient check ({self.method}) {verdict}{sample}: relative error {self.relative_error:.2e} "
                f"(tolerance {self.tolerance:.0e}); largest difference at {name}: "
                f"{exact:.10g} vs {numeric:.10g}")

    def __str__(self) -> str:
        lines = [self.summary(), f"{'parameter':>12}  {'symbolic':>16}  {'numeric':>16}  {'|difference|':>12}"]
        for name, e, n, err in self.rows():
            lines.append(f"{name:>12}  {e:16.10g}  {n:16.10g}  {err:12.2e}")
        return "\n".join(lines)


def _as_target(target, compiled):
    """(loss(θ, *data), loss_and_gradient(θ, *data), parameter names, smooth or None, checker of θ and data)."""
    net = None
    if compiled is None and hasattr(target, "raw_loss_and_gradient"):
        compiled = target
    if compiled is not None:
        net = getattr(compiled, "network", None) if net is None else net
    elif hasattr(target, "compile") and hasattr(target, "parameters"):
        net, compiled = target, target.compile()
    if compiled is not None:
        if net is None and hasattr(target, "layers"):
            net = target
        names = net.parameters if net is not None else tuple(getattr(compiled, "parameters", ()))
        smooth = all(layer.activation.smooth for layer in net.layers) if net is not None else None
        return (compiled.raw_loss, compiled.raw_loss_and_gradient, names, smooth,
                lambda theta, data: compiled._check(theta, *data))
    if isinstance(target, (tuple, list)) and len(target) == 2 and all(callable(f) for f in target):
        loss, gradient = target
        return loss, (lambda theta, *data: (loss(theta, *data), gradient(theta, *data))), (), None, None
    if callable(target):  # one function returning (loss, gradient), as scipy's jac=True expects
        return (lambda theta, *data: target(theta, *data)[0]), target, (), None, None
    raise TypeError("gradient_check needs a network, a compiled network, a (loss, gradient) pair of functions "
                    f"or a function returning (loss, gradient), not {type(target).__name__}")


def gradient_check(target, theta, X=None, Y=None, *, method: str = "central", h: float | None = None,
                   tolerance: float | None = None, compiled=None, raise_exception: bool = True,
                   smooth: bool | None = None, coordinates=None, seed: int = 0) -> GradientCheckReport:
    """Compare an exact gradient with a numeric one at *theta*.

    *target* is a network (compiled here), a compiled network, a pair
    ``(loss, gradient)`` of functions of ``(theta, *data)``, or one function
    returning ``(loss, gradient)``; *X* and *Y* (when given) are the data
    passed after theta.  ``method`` is "central" (differences, default
    tolerance 1e-6) or "complex" (complex step, default tolerance 1e-11;
    needs a smooth function that accepts complex theta).  *smooth* says
    whether the function has kinks (ReLU …); a network knows, a function
    pair is taken as smooth unless told.

    A failed check raises :class:`~mathomong_sym.errors.GradientCheckError`
    (its ``report`` holds the numbers), as JAX's ``check_grads`` and torch's
    ``gradcheck`` do; with ``raise_exception=False`` the report is returned
    either way.

    *coordinates* checks only some components of θ: a list of indices, or a
    number of them drawn at random from *seed* (a network of a million
    weights is checked on a sample; each component costs four loss
    evaluations).
    """
    loss_of, loss_and_gradient, names, known_smooth, check = _as_target(target, compiled)
    data = tuple(d for d in (X, Y) if d is not None)
    if check is not None:
        if len(data) != 2:
            raise ShapeError("checking a network's gradient needs the data X and Y")
        theta, *data = check(theta, data)
        data = tuple(data)
    theta = np.asarray(theta, dtype=np.float64).reshape(-1)
    smooth = known_smooth if smooth is None else bool(smooth)
    smooth = True if smooth is None else smooth
    loss, exact = loss_and_gradient(theta, *data)
    exact = np.asarray(exact, dtype=np.float64).reshape(-1)
    if exact.shape != theta.shape:
        raise ShapeError(f"the gradient has {exact.size} components but theta has {theta.size}")
    indices = None
    if coordinates is not None:
        if isinstance(coordinates, (int, np.integer)) and not isinstance(coordinates, bool):
            if coordinates < 1:
                raise ShapeError(f"coordinates must be a positive number, got {coordinates}")
            indices = np.sort(np.random.default_rng(seed).choice(theta.size, min(int(coordinates), theta.size),
                                                                   replace=False))
        else:
            indices = np.asarray(list(coordinates), dtype=np.int64)
            if indices.size == 0 or indices.min() < 0 or indices.max() >= theta.size:
                raise ShapeError(f"coordinates must be indices from 0 to {theta.size - 1}")
        if indices.size == theta.size:
            indices = None
    noise = 0.0
    if method == "central":
        # a kink inside the stencil ruins a difference: keep it narrow where there are kinks
        h = h or (1e-3 if smooth else 1e-5)
        numeric = numeric_gradient(lambda t: loss_of(t, *data), theta, h=h, order=4, indices=indices)
        tolerance = DEFAULT_TOLERANCE if tolerance is None else tolerance
        noise = 1e-15 / h * max(1.0, abs(float(loss))) * np.sqrt(theta.size)
    elif method == "complex":
        if not smooth:
            rough = sorted({layer.activation.name for layer in getattr(getattr(target, "network", target), "layers", ())
                            if not layer.activation.smooth}) or ["the function"]
            raise MathomongError(
                f"complex-step differentiation needs a smooth network; {', '.join(rough)} "
                "has a kink: use method='central'"
            )
        numeric = complex_step_gradient(lambda t: loss_of(t, *data), theta, h=h or 1e-30)
        if indices is not None:
            numeric = numeric[indices]
        tolerance = 1e-11 if tolerance is None else tolerance
    else:
        from .errors import UnknownNameError

        raise UnknownNameError("gradient-check method", method, ("central", "complex"))
    positions = range(theta.size) if indices is None else [int(i) for i in indices]
    names = tuple(names[i] if len(names) == theta.size else f"θ[{i}]" for i in positions)
    if indices is not None:
        exact = exact[indices]
    report = GradientCheckReport(names, exact, numeric, method, tolerance, noise,
                                 total=theta.size if indices is not None else None)
    if raise_exception and not report.passed:
        error = GradientCheckError(report.summary())
        error.report = report
        raise error
    return report
