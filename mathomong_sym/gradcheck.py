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

from .errors import MathomongError

__all__ = [
    "numeric_gradient",
    "complex_step_gradient",
    "gradient_check",
    "GradientCheckReport",
    "DEFAULT_TOLERANCE",
]

#: norm-wise relative error below which a central-difference check passes
DEFAULT_TOLERANCE = 1e-6


def numeric_gradient(f, theta, h: float | None = None, order: int = 2) -> np.ndarray:
    """Central differences of the scalar function *f* at *theta*.

    ``order=2`` is the textbook (f(θ+h) − f(θ−h)) / 2h, h = 1e-6 by default;
    ``order=4`` the five-point stencil (−f(θ+2h) + 8f(θ+h) − 8f(θ−h) + f(θ−2h)) / 12h,
    h = 1e-3 by default, whose error is about 1e-13 instead of 1e-9.
    The step is scaled by max(1, |θᵢ|).
    """
    theta = np.array(theta, dtype=np.float64)
    if order not in (2, 4):
        raise ValueError(f"order must be 2 or 4, got {order}")
    h = (1e-6 if order == 2 else 1e-3) if h is None else h
    if h <= 0:
        raise ValueError(f"the step h must be positive, got {h}")
    gradient = np.empty_like(theta)
    shifted = theta.copy()

    def at(i, value):
        shifted[i] = value
        return f(shifted)

    for i in range(theta.size):
        original = shifted[i]
        step = h * max(1.0, abs(original))
        if order == 2:
            gradient[i] = (at(i, original + step) - at(i, original - step)) / (2 * step)
        else:
            gradient[i] = (-at(i, original + 2 * step) + 8 * at(i, original + step)
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


@dataclass(frozen=True)
class GradientCheckReport:
    """Exact (compiled) gradient against a numeric one, parameter by parameter."""

    parameters: tuple
    exact: np.ndarray
    numeric: np.ndarray
    method: str
    tolerance: float
    #: below this distance the numeric method cannot tell the vectors apart
    noise: float = 0.0

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
        """(name, exact, numeric, |error|) per parameter."""
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

    def summary(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        name, exact, numeric = self.worst
        return (f"gradient check ({self.method}) {verdict}: relative error {self.relative_error:.2e} "
                f"(tolerance {self.tolerance:.0e}); largest difference at {name}: "
                f"{exact:.10g} vs {numeric:.10g}")

    def __str__(self) -> str:
        lines = [self.summary(), f"{'parameter':>12}  {'symbolic':>16}  {'numeric':>16}  {'|difference|':>12}"]
        for name, e, n, err in self.rows():
            lines.append(f"{name:>12}  {e:16.10g}  {n:16.10g}  {err:12.2e}")
        return "\n".join(lines)


def gradient_check(net, theta, X, Y, *, method: str = "central", h: float | None = None,
                   tolerance: float | None = None, compiled=None) -> GradientCheckReport:
    """Compare the compiled symbolic gradient of *net* with a numeric one at *theta*.

    ``method`` is "central" (differences, default tolerance 1e-6) or
    "complex" (complex step, default tolerance 1e-11; needs a smooth network).
    """
    compiled = compiled or net.compile()
    theta, X, Y = compiled._check(theta, X, Y)
    theta = np.asarray(theta, dtype=np.float64)
    loss, exact = compiled.raw_loss_and_gradient(theta, X, Y)
    noise = 0.0
    if method == "central":
        smooth = all(layer.activation.smooth for layer in net.layers)
        # a kink inside the stencil ruins a difference: keep it narrow where there are kinks
        h = h or (1e-3 if smooth else 1e-5)
        numeric = numeric_gradient(lambda t: compiled.raw_loss(t, X, Y), theta, h=h, order=4)
        tolerance = DEFAULT_TOLERANCE if tolerance is None else tolerance
        noise = 1e-15 / h * max(1.0, abs(float(loss))) * np.sqrt(theta.size)
    elif method == "complex":
        rough = [layer.activation.name for layer in net.layers if not layer.activation.smooth]
        if rough:
            raise MathomongError(
                f"complex-step differentiation needs a smooth network; {', '.join(sorted(set(rough)))} "
                "has a kink: use method='central'"
            )
        numeric = complex_step_gradient(lambda t: compiled.raw_loss(t, X, Y), theta, h=h or 1e-30)
        tolerance = 1e-11 if tolerance is None else tolerance
    else:
        from .errors import UnknownNameError

        raise UnknownNameError("gradient-check method", method, ("central", "complex"))
    return GradientCheckReport(tuple(net.parameters), np.asarray(exact, dtype=np.float64), numeric, method,
                               tolerance, noise)
