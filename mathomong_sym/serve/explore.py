"""Explore: an expression or a network, its derivation at three levels, its computation graph.

Everything comes from the engine: the expression is read by the package's
one reader, the network built as ``mathomong derive --net`` builds it, the
derivation and its document are the engine's, and the graph is
:func:`~mathomong_sym.render.dot.computation_graph` with each edge's local
derivative from :func:`~mathomong_sym.calculus.diff_steps`.  This module only
lays that out as SVG.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

import sympy

from ..calculus import diff_steps
from ..cli.explain import build_network, parse_point
from ..errors import MathomongError, ParseError, UnknownNameError
from ..parsing import parse_expression
from ..printing import format_number, to_latex, to_text
from ..render.document import build_document
from ..render.dot import computation_graph, graph_definitions, node_gradient, node_value
from .content import document_steps

__all__ = ["Exploration", "explore_expression", "explore_network", "graph_svg", "run_task", "LEVELS"]

LEVELS = (0, 1, 2)
#: the largest network the page draws and derives on request
MAX_UNITS = 6
MAX_LAYERS = 3
_MAX_SPEC = 40


@dataclass(frozen=True)
class Exploration:
    title: str
    latex: str                        # what was read, typeset
    variable: str                     # the plain name derived by
    choices: tuple[str, ...]          # names one may derive by instead (a parameter to click)
    levels: dict                      # level -> [SolutionStep]
    given: tuple[tuple[str, str], ...]
    missing: tuple[str, ...]          # names the point does not give
    svg: str
    result_latex: str
    value: str


def _point(pairs, allowed: dict) -> dict:
    point = {}
    for name, number in pairs:
        if name not in allowed:
            raise UnknownNameError("name", name, allowed)
        point[allowed[name]] = sympy.Rational(number.numerator, number.denominator)
    return point


def _levels(derivation) -> dict:
    return {level: document_steps(build_document(derivation, level)) for level in LEVELS}


def _value(derivation) -> str:
    if not derivation.point:
        return ""
    try:
        value = derivation.value(derivation.result)
    except (TypeError, ValueError, ZeroDivisionError, MathomongError):
        return ""
    return format_number(value) if getattr(value, "is_number", False) else ""


@lru_cache(maxsize=128)
def explore_expression(text: str, wrt: str = "", at: str = "") -> Exploration:
    """The derivative of a typed expression, explained; *at* like ``x=3`` adds the numbers."""
    expr = parse_expression(text)
    if not isinstance(expr, sympy.Expr):
        raise ParseError("type one expression, such as x^2 or sigmoid(w*x + b)")
    symbols = {s.name: s for s in expr.free_symbols}
    if not symbols:
        raise ParseError("the expression has no variable to differentiate by")
    if wrt:
        if wrt not in symbols:
            raise UnknownNameError("variable", wrt, symbols)
        variable = symbols[wrt]
    else:
        variable = sorted(symbols.values(), key=lambda s: s.name)[0]
    derivation = diff_steps(expr, variable)
    pairs = parse_point([at]) if at.strip() else []
    if pairs:
        derivation = derivation.at(_point(pairs, symbols))
    given = tuple((to_latex(symbols[n]), format_number(v)) for n, v in pairs)
    missing = tuple(sorted(n for n in symbols if pairs and n not in dict(pairs)))
    return Exploration(
        title=f"d/d{to_text(variable)} of {to_text(expr)}",
        latex=to_latex(expr),
        variable=variable.name,
        choices=tuple(sorted(symbols)),
        levels=_levels(derivation),
        given=given,
        missing=missing,
        svg=graph_svg(derivation, link=None),
        result_latex=to_latex(derivation.result),
        value=_value(derivation),
    )


def _network(spec: str, activation: str, loss: str):
    # the size is read from the text before anything is built: a page must not build a huge network
    text = spec.strip().lower()
    sizes = re.findall(r"\d+", text)
    if len(text) > _MAX_SPEC or len(sizes) > MAX_LAYERS + 1 or any(int(n) > MAX_UNITS for n in sizes):
        raise ParseError(f"the page derives networks of up to {MAX_LAYERS} layers of {MAX_UNITS} units "
                         "(2-2-1, neuron, neuron:3); use `mathomong derive` for larger ones")
    return build_network(text, activation, None, loss)


@lru_cache(maxsize=128)
def explore_network(spec: str, wrt: str = "", at: str = "", activation: str = "sigmoid",
                    loss: str = "mse") -> Exploration:
    """∂L/∂θ of a network (``neuron``, ``2-2-1``), explained; *at* gives inputs, target and parameters."""
    net = _network(spec, activation, loss)
    names = [p.name for p in net.parameters]
    parameter = net.parameter(wrt or names[0])
    derivation = net.derive(parameter)
    allowed = {s.name: s for s in [*net.inputs, *net.targets, *net.parameters]}
    pairs = parse_point([at]) if at.strip() else []
    if pairs:
        derivation = derivation.at(_point(pairs, allowed))
    given = tuple((to_latex(allowed[n]), format_number(v)) for n, v in pairs)
    missing = tuple(n for n in allowed if pairs and n not in dict(pairs))
    return Exploration(
        title=f"∂L/∂{to_text(parameter)} for the {spec} network",
        latex=r" \\ ".join(f"{to_latex(e.lhs)} = {to_latex(e.rhs)}" for e in net.equations),
        variable=parameter.name,
        choices=tuple(names),
        levels=_levels(derivation),
        given=given,
        missing=missing,
        svg=graph_svg(derivation, link="parameter"),
        result_latex=to_latex(derivation.result),
        value=_value(derivation),
    )


def run_task(task: dict) -> dict:
    """One exploration, in a worker process of the server: ``{"exploration": …}`` or ``{"error": why}``.

    The server runs these in a :class:`~mathomong_sym.check.pool.CheckerPool`
    with this function as its handler, so a derivation someone typed has a
    time and a memory limit, as an answer has.
    """
    try:
        if task.get("mode") == "expression":
            found = explore_expression(task["expr"], task.get("wrt", ""), task.get("at", ""))
        else:
            found = explore_network(task["net"], task.get("wrt", ""), task.get("at", ""),
                                    task.get("activation", "sigmoid"), task.get("loss", "mse"))
    except MathomongError as exc:
        return {"error": str(exc)}
    except RecursionError:
        return {"error": "the expression is nested too deeply"}
    return {"exploration": found}


# ---------------------------------------------------------------------------
# the computation graph as SVG
# ---------------------------------------------------------------------------

_NODE_W, _NODE_H, _ROW, _MARGIN = 150, 54, 78, 20
#: the width of one character of an edge label (11 px type), to leave each label room between its columns
_CHAR_W = 6.8
_GAP_MIN, _GAP_MAX = 60, 200
#: the most characters an edge label shows
_LABEL = 26
_FILL = {"parameter": "#fff4d6", "input": "#e6f0ff", "target": "#e6f0ff", "loss": "#ffe0e0", "output": "#ffe0e0"}


def _number(value) -> str:
    return format_number(value) if value is not None else ""


def _local(expr, source):
    try:
        return diff_steps(expr, source).result
    except MathomongError:
        return None  # a rule the step engine does not know: the edge goes unlabelled


def graph_svg(derivation, *, link: str | None) -> str:
    """The derivation's computation graph, left to right, each edge labelled with its local derivative.

    Every node shows its value and the derivative of the output (the loss)
    by it, when the derivation has numbers; the path from the derived
    variable to the output is drawn thick.  With ``link="parameter"`` each
    parameter node links to its own chain.
    """
    nodes, kinds, sources = computation_graph(derivation)
    definitions = graph_definitions(derivation)
    if not definitions:
        return ""
    # computed nodes by depth; each leaf (input, weight, target) one column before its first use
    column: dict = {}
    for node in nodes:
        if node in definitions:
            column[node] = 1 + max((column[s] for s in sources[node] if s in column), default=0)
    for node in nodes:
        if node not in definitions:
            column[node] = min(column[m] for m in definitions if node in sources[m]) - 1
    first_use = {node: min((i for i, m in enumerate(nodes) if node in sources.get(m, ())), default=i)
                 for i, node in enumerate(nodes)}
    nodes = sorted(nodes, key=lambda n: (column[n], first_use[n] if n not in definitions else nodes.index(n)))
    network = getattr(derivation, "network", None)
    roots = [n for n in nodes if not any(n in sources.get(m, ()) for m in nodes)]
    output = network.loss_symbol if network is not None else next(
        (n for n in nodes if kinds.get(n) == "output"), roots[-1] if roots else None)
    reached = {derivation.variable}
    for node in nodes:  # nodes come in the order they are computed
        if any(s in reached for s in sources.get(node, ())):
            reached.add(node)

    edges = []
    for node in nodes:
        for source in sources.get(node, ()):
            local = _local(definitions[node], source)
            shown = short = ""
            if local is not None:
                shown = short = to_text(local)
                number = _number(_value_of(derivation, local))
                if number and number != shown:
                    shown += f" = {number}"
                    # a long formula gives way to its number on the arrow; the whole is in its tooltip
                    short = shown if len(shown) <= _LABEL else number
            edges.append((source, node, _short(short), f"∂{to_text(node)}/∂{to_text(source)}"
                          + (f" = {shown}" if shown else "")))
    # each gap between two columns is as wide as the longest label drawn in it
    columns = max(column.values()) + 1
    gaps = [_GAP_MIN] * columns
    for source, _, short, _ in edges:
        gaps[column[source]] = max(gaps[column[source]], min(_GAP_MAX, len(short) * _CHAR_W + 24))
    left = [_MARGIN]
    for c in range(1, columns):
        left.append(left[-1] + _NODE_W + gaps[c - 1])
    rows: dict = {}
    position = {}
    for node in nodes:
        c = column[node]
        position[node] = (c, rows.get(c, 0))
        rows[c] = rows.get(c, 0) + 1
    height = max(rows.values()) * _ROW + 2 * _MARGIN
    width = left[-1] + _NODE_W + _MARGIN

    def centre(node):
        c, r = position[node]
        offset = (height - rows[c] * _ROW) / 2
        return left[c] + _NODE_W / 2, offset + r * _ROW + _NODE_H / 2 + (_ROW - _NODE_H) / 2

    # it shrinks to fit the page, down to 85 % of its size (then the box scrolls)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'width="{width:.0f}" height="{height:.0f}" style="min-width:{width * 0.85:.0f}px" role="img" '
           f'aria-label="computation graph">',
           '<defs>'
           '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" '
           'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#999"/></marker>'
           '<marker id="arrow-on-path" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="12" markerHeight="12" '
           'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#c07000"/></marker>'
           '</defs>']
    labels = []
    for source, node, short, title in edges:
        x1, y1 = centre(source)
        x2, y2 = centre(node)
        x1 += _NODE_W / 2
        x2 -= _NODE_W / 2
        on_path = source in reached and node in reached
        css, marker = ("edge on-path", "arrow-on-path") if on_path else ("edge", "arrow")
        out.append(f'<g class="{css}"><title>{html.escape(title)}</title>'
                   f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" marker-end="url(#{marker})"/></g>')
        if short:
            # in the middle of the gap after the source's column, on the line
            lx = x1 + gaps[column[source]] / 2
            ly = y1 + (y2 - y1) * (lx - x1) / (x2 - x1) if x2 != x1 else y1
            half = len(short) * _CHAR_W / 2 + 3
            labels.append(f'<g class="{css} label"><title>{html.escape(title)}</title>'
                          f'<rect x="{lx - half:.0f}" y="{ly - 12:.0f}" width="{2 * half:.0f}" height="15" rx="3"/>'
                          f'<text x="{lx:.0f}" y="{ly:.0f}" text-anchor="middle">{html.escape(short)}</text></g>')
    for node in nodes:
        x, y = centre(node)
        kind = "loss" if node == output and network is not None else kinds.get(node, "")
        lines = [to_text(node)]
        value = _number(node_value(derivation, node))
        if value:
            lines[0] += f" = {value}"
        gradient = _number(node_gradient(derivation, node)) if output is not None and node != output else ""
        if gradient:
            lines.append(f"∂{to_text(output)}/∂{to_text(node)} = {gradient}")
        css = "node " + kind + (" chosen" if node == derivation.variable else "")
        body = (f'<rect x="{x - _NODE_W / 2:.0f}" y="{y - _NODE_H / 2:.0f}" width="{_NODE_W}" height="{_NODE_H}" '
                f'rx="8" fill="{_FILL.get(kind, "#f4f4f4")}"/>')
        for i, text in enumerate(lines):
            dy = (i - (len(lines) - 1) / 2) * 18 + 5
            body += f'<text x="{x:.0f}" y="{y + dy:.0f}" text-anchor="middle">{html.escape(text)}</text>'
        if link == "parameter" and kind == "parameter":
            body = (f'<a href="#" data-parameter="{html.escape(node.name)}" class="choose">'
                    f'<title>follow the chain of {html.escape(to_text(node))}</title>{body}</a>')
        out.append(f'<g class="{css}" data-name="{html.escape(node.name)}">{body}</g>')
    out.extend(labels)  # over the lines and the boxes, so no line hides a label
    out.append("</svg>")
    return "".join(out)


def _value_of(derivation, expr):
    """The number *expr* (a local derivative) takes at the derivation's point, or None."""
    if not derivation.point:
        return None
    try:
        value = derivation.value(expr)
    except (TypeError, ValueError, ZeroDivisionError, KeyError, MathomongError):
        return None
    return value if getattr(value, "is_number", False) else None


def _short(label: str, limit: int = _LABEL) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
