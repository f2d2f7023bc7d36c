"""Figures a sheet and its key draw: a network with its numbers, a landscape with its descent path.

Both are LaTeX the sheet's template sets inside ``center``: a network is a
TikZ picture (units, the weights on their edges, the biases under their
units, the inputs and the target, with the values the problem gives); a
landscape is a pgfplots axis with the level curves of its quadratic and,
in the key, the path gradient descent takes from the starting point.

Every number in a figure is printed with a fixed number of decimals from
exact or IEEE arithmetic, so a figure is the same bytes on every machine.
"""

from __future__ import annotations

import math as _math

import sympy

from ..printing import to_latex
from .problem import display_latex

__all__ = ["network_figure", "landscape_figure", "descent_path", "quadratic_form"]

#: the unit names a network figure writes in its circles
_UNIT_LABELS = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\mathrm{ReLU}", "identity": r"\Sigma",
                "leaky_relu": r"\mathrm{LReLU}", "softplus": r"\mathrm{sp}"}

#: space between layers and between the units of a layer (cm)
_LAYER_GAP, _UNIT_GAP = 4.0, 2.0


def _value(symbol, point) -> str:
    """``name = value`` when the problem gives a value, else the name alone."""
    name = to_latex(symbol)
    if point and symbol in point:
        return f"{name} = {display_latex(point[symbol])}"
    return name


def _unit_label(activation) -> str:
    name = getattr(activation, "name", "")
    return _UNIT_LABELS.get(name, rf"\mathrm{{{getattr(activation, 'text', name)}}}")


def network_figure(net, point=None) -> str:
    """A TikZ picture of *net*: inputs, units (their activation), weights, biases, prediction and loss.

    With *point* the values of the inputs, weights, biases and targets are
    written beside them, as the problem gives them.
    """
    sizes = net.layer_sizes

    def y_of(count: int, index: int) -> float:
        return ((count - 1) / 2 - index) * _UNIT_GAP if count > 1 else 0.0

    lines = [r"\begin{tikzpicture}[>=stealth, font=\small,",
             r"  unit/.style={circle, draw, thick, minimum size=9mm, inner sep=0pt},",
             r"  input/.style={circle, draw, minimum size=7mm, inner sep=0pt, fill=black!6},",
             r"  weight/.style={fill=white, inner sep=1pt, font=\scriptsize}]"]
    for j, x in enumerate(net.inputs):
        lines.append(rf"\node[input] (n0-{j}) at (0, {y_of(sizes[0], j):.2f}) {{${to_latex(x)}$}};")
        if point and x in point:
            lines.append(rf"\node[left=1mm of n0-{j}, font=\scriptsize] {{${display_latex(point[x])}$}};")
    for layer in net.layers:
        k = layer.index
        for i in range(layer.size):
            name = f"n{k}-{i}"
            lines.append(rf"\node[unit] ({name}) at ({k * _LAYER_GAP:.2f}, {y_of(sizes[k], i):.2f}) "
                         rf"{{${_unit_label(layer.activation)}$}};")
            # the bias on the unit's outer side, away from the edges that cross between the layers
            outer = "above" if y_of(sizes[k], i) > 0 else "below"
            lines.append(rf"\node[{outer}=0.5mm of {name}, font=\scriptsize] {{${_value(layer.biases[i], point)}$}};")
            for j, w in enumerate(layer.weights[i]):
                # a level edge has its weight above (or below) its middle; a slanted one on the edge, a
                # quarter of the way from the unit it leaves, where no other edge crosses it
                rise = y_of(sizes[k], i) - y_of(sizes[k - 1], j)
                if rise:
                    where = "pos=0.25"
                else:
                    where = "pos=0.5, " + ("above=0.3mm" if y_of(sizes[k], i) >= 0 else "below=0.3mm")
                lines.append(rf"\draw[->] (n{k - 1}-{j}) -- node[weight, {where}] "
                             rf"{{${_value(w, point)}$}} ({name});")
    last = len(net.layers)
    out_x = (last + 0.6) * _LAYER_GAP
    for i, prediction in enumerate(net.predictions):
        y = y_of(sizes[-1], i)
        lines.append(rf"\node (p-{i}) at ({out_x:.2f}, {y:.2f}) {{${to_latex(prediction)}$}};")
        lines.append(rf"\draw[->] (n{last}-{i}) -- (p-{i});")
    # the loss beside the predictions, with the targets it compares them to
    loss = next(e for e in net.equations if e.kind == "loss")
    targets = r",\ ".join(_value(t, point) for t in net.targets)
    lines.append(rf"\node[draw, rounded corners, font=\scriptsize, align=center, anchor=west] (loss) at "
                 rf"({out_x + 0.8:.2f}, 0) {{${to_latex(loss.lhs)} = {to_latex(loss.rhs)}$\\ ${targets}$}};")
    for i in range(len(net.predictions)):
        lines.append(rf"\draw[->] (p-{i}) -- (loss);")
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# a quadratic landscape: its level curves (ellipses) and the descent path
# ---------------------------------------------------------------------------

def quadratic_form(f, x, y):
    """f = a x² + b xy + c y² + d x + e y + k as floats (a, b, c, d, e, k); None when f is not one."""
    poly = sympy.Poly(sympy.expand(f), x, y)
    if poly.total_degree() > 2:
        return None
    coefficient = {monomial: float(value) for monomial, value in poly.terms()}
    return tuple(coefficient.get(m, 0.0) for m in ((2, 0), (1, 1), (0, 2), (1, 0), (0, 1), (0, 0)))


def descent_path(f, x, y, start, eta, steps: int) -> list[tuple]:
    """The first *steps* points of gradient descent on *f* from *start*, exactly (each a pair of Rationals)."""
    fx, fy = sympy.diff(f, x), sympy.diff(f, y)
    points = [tuple(sympy.Rational(v) for v in start)]
    for _ in range(steps):
        px, py = points[-1]
        at = {x: px, y: py}
        points.append((px - eta * fx.xreplace(at), py - eta * fy.xreplace(at)))
    return points


def _bowl(form):
    """The lowest point of a bowl-shaped quadratic, its height there, and its axes (λ₁, λ₂, angle)."""
    a, b, c, d, e, k = form
    det = 4 * a * c - b * b
    cx, cy = (b * e - 2 * c * d) / det, (b * d - 2 * a * e) / det
    lowest = a * cx * cx + b * cx * cy + c * cy * cy + d * cx + e * cy + k
    mean, spread = (a + c) / 2, _math.hypot((a - c) / 2, b / 2)
    return (cx, cy), lowest, (mean + spread, mean - spread, 0.5 * _math.atan2(b, a - c))


def _ellipse(form, level: float):
    """The level curve f = level: a pgfplots parametric plot and its bounding box (None below the bottom)."""
    (cx, cy), lowest, (first, second, angle) = _bowl(form)
    height = level - lowest
    if height <= 0:
        return None
    r1, r2 = _math.sqrt(height / first), _math.sqrt(height / second)
    cos, sin = _math.cos(angle), _math.sin(angle)
    half_width, half_height = _math.hypot(r1 * cos, r2 * sin), _math.hypot(r1 * sin, r2 * cos)
    plot = (rf"\addplot[domain=0:360, samples=73, smooth, thin, gray] "
            rf"({{{cx:.4f} + {r1 * cos:.4f}*cos(x) - {r2 * sin:.4f}*sin(x)}}, "
            rf"{{{cy:.4f} + {r1 * sin:.4f}*cos(x) + {r2 * cos:.4f}*sin(x)}});")
    return plot, (cx - half_width, cx + half_width, cy - half_height, cy + half_height)


def landscape_figure(f, x, y, start, eta, *, path_steps: int = 0) -> str:
    """Level curves of the quadratic *f* through *start* and below it; with *path_steps*, the descent path.

    The picture holds the whole level curve through the starting point, with
    the lowest point inside; the key draws the first step (the one the
    problem asks for) bold and the next ones thin.
    """
    form = quadratic_form(f, x, y)
    if form is None or form[0] <= 0 or 4 * form[0] * form[2] - form[1] ** 2 <= 0:
        raise ValueError("a landscape figure needs a bowl: a quadratic with a lowest point")
    value = sympy.lambdify((x, y), f)
    path = descent_path(f, x, y, start, eta, path_steps)
    floats = [(float(px), float(py)) for px, py in path]
    _, lowest, _ = _bowl(form)
    top = value(*floats[0])
    curves = [_ellipse(form, lowest + (top - lowest) * share) for share in (1.0, 0.55, 0.25, 0.08)]
    curves = [curve for curve in curves if curve]
    x_low, x_high, y_low, y_high = curves[0][1]
    margin = 0.15 * max(x_high - x_low, y_high - y_low)
    lines = [r"\begin{tikzpicture}",
             r"\begin{axis}[width=6.5cm, axis equal image, xlabel={$" + to_latex(x) + r"$}, ylabel={$"
             + to_latex(y) + r"$}, tick label style={font=\scriptsize}, label style={font=\small},"
             rf" xmin={x_low - margin:.2f}, xmax={x_high + margin:.2f}, ymin={y_low - margin:.2f},"
             rf" ymax={y_high + margin:.2f}, clip=false]"]
    lines += [plot for plot, _ in curves]
    sx, sy = floats[0]
    lines.append(rf"\addplot[only marks, mark=*, mark size=2pt] coordinates {{({sx:.4f},{sy:.4f})}};")
    # the label on the side of the start away from the lowest point
    (cx, cy), _, _ = _bowl(form)
    anchor = ("south" if sy >= cy else "north") + (" west" if sx >= cx else " east")
    lines.append(rf"\node[anchor={anchor}, font=\scriptsize] at (axis cs:{sx:.4f},{sy:.4f}) {{start}};")
    if path_steps:
        (ax, ay), (bx, by) = floats[0], floats[1]
        lines.append(rf"\addplot[very thick, -stealth] coordinates {{({ax:.4f},{ay:.4f}) ({bx:.4f},{by:.4f})}};")
        if len(floats) > 2:
            rest = " ".join(f"({px:.4f},{py:.4f})" for px, py in floats[1:])
            lines.append(rf"\addplot[thin, dashed, mark=*, mark size=0.8pt] coordinates {{{rest}}};")
    lines.append(r"\end{axis}")
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)
