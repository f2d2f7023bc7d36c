"""Pictures of learning: loss curves, descent paths, decision boundaries, landscapes.

matplotlib is optional (the ``plot`` extra) and imported only when a picture
is drawn.  Figures are built with ``matplotlib.figure.Figure`` rather than
pyplot, so drawing needs no display and leaves no global state behind.
Every function returns the figure and, given *path*, also writes it there
(the format follows the file's extension: .png, .pdf, .svg).  The figure is a
:class:`mathomong_sym.figure.Figure`, which Jupyter shows as a picture
without ``%matplotlib inline``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import MathomongError, ShapeError

__all__ = [
    "PlotUnavailableError",
    "plot_loss",
    "plot_descent",
    "plot_decision_boundary",
    "plot_landscape",
    "plot_confusion",
    "confusion_matrix",
]

_CLASS_STYLE = (  # colour-blind-safe pair (and shapes, for print)
    {"color": "#1f77b4", "marker": "o", "label": "class 0"},
    {"color": "#ff7f0e", "marker": "^", "label": "class 1"},
    {"color": "#2ca02c", "marker": "s", "label": "class 2"},
    {"color": "#d62728", "marker": "D", "label": "class 3"},
)


class PlotUnavailableError(MathomongError, ImportError):
    """matplotlib is not installed."""


def _figure(**kwargs):
    try:
        import matplotlib.figure  # noqa: F401  (the plot extra)
    except ImportError:
        raise PlotUnavailableError(
            "plots need matplotlib, which is not installed: pip install 'mathomong_sym[plot]'"
        ) from None
    from .figure import Figure  # a matplotlib Figure that Jupyter shows without a magic

    return Figure(**kwargs)


def _finish(fig, path):
    fig.tight_layout()
    if path is not None:
        path = Path(path)
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fig.savefig(path, dpi=120)
        except ValueError as exc:  # an extension matplotlib cannot write
            raise MathomongError(f"cannot save a plot as {path.name}: {exc}") from None
        except OSError as exc:
            raise MathomongError(f"cannot write {path}: {exc.strerror or exc}") from None
    return fig


# ---------------------------------------------------------------------------
# loss curve
# ---------------------------------------------------------------------------

def plot_loss(result, path=None, *, log: bool | None = None, title: str | None = None,
              threshold: float | None = None):
    """The loss after each step, from a ``TrainingResult`` or a sequence of losses.

    *log* puts the loss on a log scale (default: when every value is > 0);
    *threshold* draws a dashed line (e.g. the 0.01 a run must reach).
    Mini-batch runs also show the loss on all the data after each epoch.
    """
    epoch_losses = None
    if hasattr(result, "loss_curve"):
        losses = np.asarray(result.loss_curve, dtype=np.float64)
        epoch_losses = result.epoch_losses
        batch = result.batch_size
        if title is None:
            title = f"loss during training ({result.optimizer.describe()})"
    else:
        losses = np.asarray(result, dtype=np.float64).reshape(-1)
        batch = None
    if losses.size == 0:
        raise ShapeError("there is no loss to plot")
    fig = _figure(figsize=(6.4, 4.0))
    ax = fig.add_subplot()
    steps = np.arange(losses.size)
    finite = losses[np.isfinite(losses)]
    if log is None:
        log = finite.size > 0 and bool(np.all(finite > 0))
    label = "loss on each mini-batch" if batch else "loss"
    ax.plot(steps, losses, color="#1f77b4", lw=1.2 if losses.size > 50 else 1.5,
            marker="o" if losses.size <= 50 else None, ms=3, label=label)
    if epoch_losses is not None and len(epoch_losses) > 1:
        per_epoch = np.arange(len(epoch_losses)) * result.steps_per_epoch
        ax.plot(per_epoch, epoch_losses, color="#d62728", lw=1.8, label="loss on all data, per epoch")
    if threshold is not None:
        ax.axhline(threshold, color="0.4", ls="--", lw=1, label=f"loss = {threshold:g}")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss L(θ)")
    ax.set_title(title or "loss during training")
    ax.grid(True, which="major", alpha=0.3)
    ax.annotate(f"start {losses[0]:.3g}", (0, losses[0]), textcoords="offset points",
                xytext=(6, 4), fontsize=8)
    ax.annotate(f"end {losses[-1]:.3g}", (steps[-1], losses[-1]), textcoords="offset points",
                xytext=(-6, 6), ha="right", fontsize=8)
    if epoch_losses is not None or threshold is not None:
        ax.legend(fontsize=8)
    return _finish(fig, path)


# ---------------------------------------------------------------------------
# confusion matrix
# ---------------------------------------------------------------------------

def confusion_matrix(predictions, Y) -> np.ndarray:
    """Counts[i, j]: examples of class i predicted as class j (argmax of one-hot or ŷ ≥ 0.5 for one output)."""
    predictions, Y = np.asarray(predictions), np.asarray(Y)
    if predictions.shape != Y.shape or Y.ndim != 2:
        raise ShapeError(f"predictions and targets must have the same (n, classes) shape, got "
                         f"{predictions.shape} and {Y.shape}")
    if Y.shape[1] == 1:
        truth, guess, classes = (Y[:, 0] >= 0.5).astype(int), (predictions[:, 0] >= 0.5).astype(int), 2
    else:
        truth, guess, classes = Y.argmax(axis=1), predictions.argmax(axis=1), Y.shape[1]
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (truth, guess), 1)
    return counts


def plot_confusion(predictions, Y, path=None, *, labels=None, title: str | None = None):
    """The confusion matrix of a classifier: rows the true class, columns the predicted one."""
    counts = confusion_matrix(predictions, Y)
    classes = counts.shape[0]
    labels = list(labels) if labels is not None else [str(k) for k in range(classes)]
    fig = _figure(figsize=(5.6, 5.0))
    ax = fig.add_subplot()
    image = ax.imshow(counts, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="examples")
    ax.set_xticks(range(classes), labels)
    ax.set_yticks(range(classes), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    right, total = int(np.trace(counts)), int(counts.sum())
    ax.set_title(title or f"confusion matrix: {right} of {total} right ({right / max(1, total):.1%})")
    threshold = counts.max() / 2 if counts.size else 0
    for i in range(classes):
        for j in range(classes):
            if counts[i, j]:
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if counts[i, j] > threshold else "black")
    return _finish(fig, path)


# ---------------------------------------------------------------------------
# a descent path over contours
# ---------------------------------------------------------------------------

def _bounds(points: np.ndarray, margin: float = 0.25, minimum: float = 1.0):
    low, high = points.min(axis=0), points.max(axis=0)
    span = np.maximum(high - low, minimum)
    centre = (low + high) / 2
    half = span * (0.5 + margin)
    return [(float(c - h), float(c + h)) for c, h in zip(centre, half)]


def plot_descent(descent, path=None, *, bounds=None, levels: int = 25, arrows: bool = True,
                 resolution: int = 200, title: str | None = None):
    """A ``DescentPath`` of two variables drawn over the contours of its f.

    The contour lines are level sets of f; each step is drawn as a segment,
    and the arrows are −∇f at the points visited (the symbolic gradient,
    evaluated), which is the direction every gradient-descent step takes.
    *bounds* = ((x_min, x_max), (y_min, y_max)) defaults to the path plus a
    margin.
    """
    if len(descent.variables) != 2:
        raise ShapeError(f"a contour plot needs a function of 2 variables; this one has "
                         f"{len(descent.variables)}: {', '.join(v.name for v in descent.variables)}")
    points = descent.points[np.all(np.isfinite(descent.points), axis=1)]
    (x0, x1), (y0, y1) = bounds if bounds is not None else _bounds(points)
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    values = np.array(descent.value_at(gx, gy), dtype=np.float64)
    values = np.where(np.isfinite(values), values, np.nan)

    from .printing import to_latex

    equal = max(x1 - x0, y1 - y0) <= 4 * min(x1 - x0, y1 - y0)
    # with equal axes, a figure shaped like the region keeps the colour bar
    # as tall as the plot
    height = min(8.0, max(3.2, 1.3 + 4.6 * (y1 - y0) / (x1 - x0))) if equal else 5.4
    fig = _figure(figsize=(6.4, height))
    ax = fig.add_subplot()
    finite = values[np.isfinite(values)]
    if finite.size:
        # levels spaced evenly in rank, so both the valley floor and the rim show
        marks = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, levels)))
        if marks.size >= 2:
            filled = ax.contourf(gx, gy, values, levels=marks, cmap="viridis", alpha=0.85)
            ax.contour(gx, gy, values, levels=marks, colors="white", linewidths=0.4, alpha=0.6)
            fig.colorbar(filled, ax=ax, label="f", format="%.3g")
    ax.plot(points[:, 0], points[:, 1], color="#d62728", lw=1.6, marker="o", ms=3.5,
            label=f"descent path ({descent.steps} steps, η = {descent.lr:g})")
    if arrows:
        # −∇f on a coarse grid, as directions only: the slope beneath your
        # feet everywhere, which the path follows and which crosses every
        # contour at a right angle (hence the equal axes below)
        ax_, ay_ = np.meshgrid(np.linspace(x0, x1, 15), np.linspace(y0, y1, 15))
        u, v = descent.gradient_at(ax_, ay_)
        norm = np.hypot(u, v)
        with np.errstate(all="ignore"):
            u, v = np.where(norm > 0, -u / norm, 0.0), np.where(norm > 0, -v / norm, 0.0)
        keep = np.isfinite(u) & np.isfinite(v) & (norm > 0)
        ax.quiver(ax_[keep], ay_[keep], u[keep], v[keep], color="white", alpha=0.55,
                  angles="xy", pivot="mid", width=0.003, scale=28, label="direction of −∇f")
    ax.plot(*points[0], marker="o", ms=9, color="white", mec="black", zorder=5, label="start")
    ax.plot(*points[-1], marker="*", ms=14, color="#ffd700", mec="black", zorder=5, label="end")
    names = [f"${to_latex(v)}$" for v in descent.variables]
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if equal:
        ax.set_aspect("equal", adjustable="box")
    ax.set_title(title or f"gradient descent on $f = {to_latex(descent.expression)}$", fontsize=10)
    ax.legend(fontsize=8, loc="best", framealpha=0.8)
    return _finish(fig, path)


# ---------------------------------------------------------------------------
# decision boundary
# ---------------------------------------------------------------------------

def _compiled_of(net):
    if hasattr(net, "forward") and hasattr(net, "loss_and_gradient"):
        return net
    return net.compile()


def plot_decision_boundary(net, theta, X, Y, path=None, *, resolution: int = 200,
                           margin: float = 0.5, title: str | None = None):
    """What a 2-input classifier predicts across the plane, with its data.

    For one output the colours show ŷ and the black line is ŷ = 0.5 (the
    boundary between the classes); for several outputs each region is
    coloured by the class with the largest output.
    """
    compiled = _compiled_of(net)
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ShapeError(f"a decision boundary is drawn for 2 inputs; X has shape {X.shape}")
    (x0, x1), (y0, y1) = [(float(lo - margin), float(hi + margin))
                          for lo, hi in zip(X.min(axis=0), X.max(axis=0))]
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    predictions = np.asarray(compiled.forward(theta, grid))
    fig = _figure(figsize=(6.0, 5.2))
    ax = fig.add_subplot()
    if predictions.shape[1] == 1:
        surface = predictions[:, 0].reshape(gx.shape)
        filled = ax.contourf(gx, gy, surface, levels=np.linspace(0, 1, 21), cmap="RdBu_r",
                             alpha=0.75, extend="both")
        fig.colorbar(filled, ax=ax, label="prediction ŷ")
        ax.contour(gx, gy, surface, levels=[0.5], colors="black", linewidths=2)
        classes = (Y[:, 0] >= 0.5).astype(int)
        predicted = (predictions[:, 0] >= 0.5)
    else:
        winner = np.argmax(predictions, axis=1).reshape(gx.shape)
        k = predictions.shape[1]
        ax.contourf(gx, gy, winner, levels=np.arange(k + 1) - 0.5, cmap="tab10", alpha=0.35,
                    vmin=0, vmax=9)
        ax.contour(gx, gy, winner, levels=np.arange(k) + 0.5, colors="black", linewidths=1.5)
        classes = np.argmax(Y, axis=1)
        predicted = None
    for c in np.unique(classes):
        style = _CLASS_STYLE[int(c) % len(_CLASS_STYLE)]
        chosen = classes == c
        ax.scatter(X[chosen, 0], X[chosen, 1], c=style["color"], marker=style["marker"],
                   edgecolors="black", linewidths=0.6, s=60 if len(X) <= 20 else 22,
                   label=style["label"], zorder=3)
    from .training import accuracy

    score = accuracy(np.asarray(compiled.forward(theta, X)), Y)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    suffix = f" (ŷ = 0.5 line; {score:.0%} of the data right)" if predicted is not None else f" ({score:.0%} right)"
    ax.set_title(title or f"decision boundary{suffix}", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    return _finish(fig, path)


# ---------------------------------------------------------------------------
# one neuron's loss landscape
# ---------------------------------------------------------------------------

def plot_landscape(net, X, Y, result=None, path=None, *, bounds=None, resolution: int = 80,
                   levels: int = 25, title: str | None = None):
    """The loss of a one-input neuron over its two parameters (W, b).

    Part 10 of the guide: the loss surface is the landscape training walks
    on.  With a ``TrainingResult`` recorded with ``record_path=True`` the
    path θ took is drawn on it.
    """
    compiled = _compiled_of(net)
    network = getattr(compiled, "network", net)
    names = [p.name for p in network.parameters]
    if len(names) != 2:
        raise ShapeError(f"a landscape over (w, b) needs a network with exactly 2 parameters; "
                         f"this one has {len(names)}: {', '.join(names)}")
    trail = None
    if result is not None:
        trail = getattr(result, "path", None)
        if trail is None:
            raise ShapeError("the training result has no path: train with record_path=True")
    anchor = trail if trail is not None else np.zeros((1, 2))
    if bounds is None:
        bounds = _bounds(anchor, margin=0.4, minimum=4.0)
    (w0, w1), (b0, b1) = bounds
    ws = np.linspace(w0, w1, resolution)
    bs = np.linspace(b0, b1, resolution)
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    loss = getattr(compiled, "raw_loss", None)
    if loss is None:
        loss = compiled.loss
    else:
        compiled.loss(np.zeros(2), X, Y)  # validates the shapes once
        X = X.reshape(-1, 1) if X.ndim == 1 else X
        Y = Y.reshape(-1, 1) if Y.ndim == 1 else Y
    surface = np.array([[float(loss(np.array([w, b]), X, Y)) for w in ws] for b in bs])

    from .printing import to_latex

    fig = _figure(figsize=(6.4, 5.2))
    ax = fig.add_subplot()
    marks = np.unique(np.quantile(surface[np.isfinite(surface)], np.linspace(0, 1, levels)))
    filled = ax.contourf(ws, bs, surface, levels=marks, cmap="viridis")
    ax.contour(ws, bs, surface, levels=marks, colors="white", linewidths=0.4, alpha=0.6)
    fig.colorbar(filled, ax=ax, label="loss L(w, b)", format="%.3g")
    if trail is not None:
        ax.plot(trail[:, 0], trail[:, 1], color="#d62728", lw=1.6, label=f"training path ({len(trail) - 1} steps)")
        ax.plot(*trail[0], marker="o", ms=9, color="white", mec="black", zorder=5, label="start")
        ax.plot(*trail[-1], marker="*", ms=14, color="#ffd700", mec="black", zorder=5, label="end")
        ax.legend(fontsize=8, loc="best", framealpha=0.8)
    symbols = network.parameters
    ax.set_xlabel(f"${to_latex(symbols[0])}$")
    ax.set_ylabel(f"${to_latex(symbols[1])}$")
    ax.set_title(title or f"loss landscape of {network.description}", fontsize=10)
    return _finish(fig, path)
