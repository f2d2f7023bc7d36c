r"""Gradient descent on a function of a few variables, step by step.

Part 4 and Part 10 of the guide: stand somewhere on the surface, compute the
slope beneath your feet, step downhill, repeat.  The gradient is derived
symbolically (``sympy.diff`` of the expression, one partial derivative per
variable), so the path shows exactly the ∇f a learner would write by hand;
it is then lambdified to numpy to take the steps.  Every step's point,
gradient and value is kept.

>>> import sympy
>>> x, y = sympy.symbols("x y", real=True)
>>> path = descend(x**2 + 3*y**2, [1.0, 1.0], lr=0.1, steps=20)
>>> path.gradient
(2*x, 6*y)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import sympy

from .display import Summarised, Summary
from .errors import IncompatibleError, ShapeError, UnknownNameError
from .printing import to_latex, to_text
from .training import Optimizer, get_optimizer
from .parsing.values import as_expression

__all__ = ["DescentPath", "descend", "lambdify_with_gradient"]

#: a point this far out is taken as a run that has blown up
ESCAPE_RADIUS = 1e12


def _sorted_symbols(expr: sympy.Expr) -> tuple[sympy.Symbol, ...]:
    return tuple(sorted(expr.free_symbols, key=lambda s: s.name))


def _resolve_variables(expr, variables) -> tuple[sympy.Symbol, ...]:
    free = {s.name: s for s in expr.free_symbols}
    if variables is None:
        chosen = _sorted_symbols(expr)
    else:
        if isinstance(variables, (str, sympy.Symbol)):
            variables = [variables]
        picked = []
        for v in variables:
            name = v.name if isinstance(v, sympy.Symbol) else str(v).strip()
            # a variable the expression does not contain is allowed: its slope is 0
            picked.append(free.get(name, v if isinstance(v, sympy.Symbol) else sympy.Symbol(name, real=True)))
        chosen = tuple(picked)
        names = [s.name for s in chosen]
        if len(set(names)) != len(names):
            raise IncompatibleError(f"a variable is listed twice: {', '.join(names)}")
        missing = sorted(set(free) - set(names))
        if missing:
            raise IncompatibleError(
                f"the expression also depends on {', '.join(missing)}; "
                "list it among the variables or replace it by a number")
    if not chosen:
        raise IncompatibleError("the expression has no variables: there is nothing to descend")
    return chosen


def _start_point(start, variables) -> np.ndarray:
    names = [v.name for v in variables]
    if isinstance(start, Mapping):
        values = {}
        for key, value in start.items():
            name = key.name if isinstance(key, sympy.Symbol) else str(key).strip()
            if name not in names:
                raise UnknownNameError("variable", name, names)
            values[name] = value
        missing = [n for n in names if n not in values]
        if missing:
            raise ShapeError(f"no starting value for {', '.join(missing)}")
        start = [values[n] for n in names]
    try:
        point = np.array(start, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ShapeError(f"the starting point must be numbers, got {start!r}") from None
    if point.size != len(variables):
        raise ShapeError(f"the starting point has {point.size} coordinate(s), but there are "
                         f"{len(variables)} variable(s): {', '.join(names)}")
    if not np.isfinite(point).all():
        raise ShapeError(f"the starting point must be finite, got {point.tolist()}")
    return point


def lambdify_with_gradient(expr, variables):
    """(f, ∇f as sympy expressions, numpy callable returning [f, ∂f/∂v₁, …])."""
    expr, variables = as_expression(expr), tuple(as_expression(list(variables)))
    gradient = tuple(sympy.diff(expr, v) for v in variables)
    # one function for the value and all partials shares their common subexpressions
    function = sympy.lambdify(variables, [expr, *gradient],
                              modules="numpy", cse=True)  # the package's functions print themselves
    return gradient, function


@dataclass(repr=False)
class DescentPath(Summarised):
    """The points, gradients and values of a descent; row k is after k steps."""

    expression: sympy.Expr
    variables: tuple[sympy.Symbol, ...]
    gradient: tuple[sympy.Expr, ...]
    optimizer: Optimizer
    points: np.ndarray
    gradients: np.ndarray
    values: np.ndarray
    converged: bool = False
    diverged: bool = False
    stopped: str = ""
    note: str = ""
    _function: Callable[..., Sequence[Any]] | None = field(default=None, repr=False)

    @property
    def steps(self) -> int:
        return self.points.shape[0] - 1

    @property
    def lr(self) -> float:
        return self.optimizer.lr

    @property
    def end(self) -> np.ndarray:
        return self.points[-1]

    def _evaluate(self, *coordinates) -> Sequence[Any]:
        """(f, ∂f/∂v₁, …) at the coordinates, from the compiled function descent ran with."""
        if self._function is None:
            raise ValueError("this result carries no compiled function to evaluate (it was built by hand)")
        return self._function(*coordinates)

    def value_at(self, *coordinates):
        """f at the given coordinates (arrays broadcast, e.g. a contour grid)."""
        with np.errstate(all="ignore"):
            value = self._evaluate(*coordinates)[0]
        return np.broadcast_to(np.asarray(value, dtype=np.float64),
                               np.broadcast(*coordinates).shape)

    def gradient_at(self, *coordinates) -> list[np.ndarray]:
        shape = np.broadcast(*coordinates).shape
        with np.errstate(all="ignore"):
            parts = self._evaluate(*coordinates)[1:]
        return [np.broadcast_to(np.asarray(p, dtype=np.float64), shape) for p in parts]

    def _names(self) -> list[str]:
        return [to_text(v) for v in self.variables]

    def header(self) -> list[str]:
        names = self._names()
        if len(names) == 1:
            (name,) = names
            lines = [f"f({name}) = {to_text(self.expression)}",
                     f"df/d{name} = {to_text(self.gradient[0])}"]
            update = f"{name} ← {name} − η·df/d{name}"
        else:
            joined = ", ".join(names)
            partials = ", ".join(f"∂f/∂{n}" for n in names)
            lines = [f"f({joined}) = {to_text(self.expression)}",
                     f"∇f = ({partials}) = ({', '.join(to_text(g) for g in self.gradient)})"]
            update = f"({joined}) ← ({joined}) − η∇f"
        if self.optimizer.name == "gd":
            lines.append(f"update: {update} with η = {self.lr:g}")
        else:
            lines.append(f"update: {self.optimizer.describe()}, driven by the same gradient")
        return lines

    def to_text(self, max_rows: int = 25) -> str:
        lines = self.header()
        lines.append("")
        names = self._names()
        slopes = [f"df/d{names[0]}"] if len(names) == 1 else [f"∂f/∂{n}" for n in names]
        head = ["step", *names, *slopes, "f"]
        rows = []
        shown = _rows_to_show(self.steps + 1, max_rows)
        previous = -1
        for k in shown:
            if k != previous + 1:
                rows.append(["…"] * len(head))
            rows.append([str(k), *(_num(v) for v in self.points[k]),
                         *(_num(v) for v in self.gradients[k]), _num(self.values[k])])
            previous = k
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
        lines.append("  ".join(h.rjust(w) for h, w in zip(head, widths)))
        lines.extend("  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in rows)
        lines.append("")
        lines.append(self.summary())
        return "\n".join(lines)

    def summary(self) -> str:
        point = ", ".join(f"{n} = {_num(v)}" for n, v in zip(self._names(), self.end))
        text = f"after {self.steps} step(s): {point}, f = {_num(self.values[-1])}"
        for extra in (self.stopped, self.note):
            if extra:
                text += f"\n{extra}"
        return text

    def __str__(self) -> str:
        return self.to_text()

    def _summary(self) -> Summary:
        names = self._names()
        start = ", ".join(_num(v) for v in self.points[0])
        end = ", ".join(_num(v) for v in self.end)
        outcome = "diverged" if self.diverged else ("converged" if self.converged else "")
        headline = (f"f({', '.join(names)}) = {to_text(self.expression)}, {self.steps} step(s) from ({start}) "
                    f"to ({end}), f {_num(self.values[0])} → {_num(self.values[-1])}"
                    + (f", {outcome}" if outcome else ""))
        facts = [("function", f"f({', '.join(names)}) = {to_text(self.expression)}"),
                 ("gradient", ", ".join(to_text(g) for g in self.gradient)),
                 ("optimizer", self.optimizer.describe()), ("steps", str(self.steps)),
                 ("start", f"({start}), f = {_num(self.values[0])}"),
                 ("end", f"({end}), f = {_num(self.values[-1])}")]
        for label, extra in (("outcome", outcome), ("stopped", self.stopped), ("note", self.note)):
            if extra:
                facts.append((label, extra))
        return Summary(headline, tuple(facts))

    def as_dict(self) -> dict:
        return {
            "expression": to_text(self.expression),
            "expression_latex": to_latex(self.expression),
            "variables": [v.name for v in self.variables],
            "gradient": [to_text(g) for g in self.gradient],
            "gradient_latex": [to_latex(g) for g in self.gradient],
            "optimizer": self.optimizer.as_dict(),
            "steps": self.steps,
            "points": [[_finite(v) for v in row] for row in self.points.tolist()],
            "gradients": [[_finite(v) for v in row] for row in self.gradients.tolist()],
            "values": [_finite(v) for v in self.values.tolist()],
            "converged": self.converged,
            "diverged": self.diverged,
            "stopped": self.stopped,
            "note": self.note,
        }


def _finite(value: float):
    return value if math.isfinite(value) else str(value)


def _num(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    return f"{value:.6g}"


def _rows_to_show(n: int, max_rows: int) -> list[int]:
    if n <= max_rows:
        return list(range(n))
    head = max_rows - max_rows // 3
    tail = max_rows - head
    return list(range(head)) + list(range(n - tail, n))


def descend(expr, start, *, lr: float, steps: int = 100, variables=None,
            optimizer="gd", tol: float = 1e-10) -> DescentPath:
    """Descend the sympy expression *expr* from *start*.

    *variables* orders the coordinates (default: the free symbols sorted by
    name); *start* is a sequence in that order or a mapping from names (or
    symbols) to values.  *optimizer* is ``"gd"`` (θ ← θ − η∇f, the default),
    ``"momentum"``, ``"adam"`` or an optimizer object.  The run stops early
    when the gradient's norm falls below *tol* (converged) or the point or
    value stops being finite or leaves a ball of radius 10¹² (diverged:
    the message names the step and the learning rate).
    """
    if not isinstance(expr, sympy.Expr):
        raise IncompatibleError(f"descend() needs a sympy expression, got {type(expr).__name__}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise IncompatibleError(f"steps must be a whole number >= 0, got {steps!r}")
    chosen = _resolve_variables(expr, variables)
    point = _start_point(start, chosen)
    opt = get_optimizer(optimizer, lr)
    gradient, function = lambdify_with_gradient(expr, chosen)
    n = len(chosen)

    points = np.empty((steps + 1, n))
    gradients = np.empty((steps + 1, n))
    values = np.empty(steps + 1)
    state = opt.state(n)
    out = np.empty(n)

    def evaluate(p):
        with np.errstate(all="ignore"):
            first, *partials = function(*p)
        value = complex(first)
        slope = np.array([complex(g) for g in partials])
        if value.imag or np.any(slope.imag):  # e.g. √ of a negative number
            return math.nan, np.full(n, math.nan)
        return value.real, slope.real

    converged = diverged = False
    stopped = ""
    k = 0
    value, slope = evaluate(point)
    points[0], gradients[0], values[0] = point, slope, value
    if not (math.isfinite(value) and np.isfinite(slope).all()):
        raise IncompatibleError(
            f"f or its gradient is not defined at the starting point {point.tolist()}")
    while True:
        if float(np.sqrt(slope @ slope)) < tol:
            converged = True
            stopped = f"converged: |∇f| < {tol:g} after {k} step(s)"
            break
        if k == steps:
            break
        opt.update(point, slope, out, state, k + 1)
        point = out.copy()
        k += 1
        value, slope = evaluate(point)
        points[k], gradients[k], values[k] = point, slope, value
        if not (math.isfinite(value) and np.isfinite(slope).all()
                and np.abs(point).max() < ESCAPE_RADIUS):
            diverged = True
            stopped = (f"diverged at step {k} with {opt.name} lr = {opt.lr:g}: "
                       + (f"the point is more than {ESCAPE_RADIUS:.0e} from the origin" if math.isfinite(value)
                          else f"f is not defined there ({value})")
                       + f"; try a smaller learning rate, such as lr = {opt.lr / 10:g}")
            break
    note = ""
    if not diverged and k and values[k] > values[0]:
        note = (f"f went up, from {_num(values[0])} to {_num(values[k])}: each step "
                f"overshoots; lr = {opt.lr:g} is too large for this function")
    return DescentPath(
        expression=expr, variables=chosen, gradient=gradient, optimizer=opt,
        points=points[:k + 1].copy(), gradients=gradients[:k + 1].copy(),
        values=values[:k + 1].copy(), converged=converged, diverged=diverged,
        stopped=stopped, note=note, _function=function,
    )
