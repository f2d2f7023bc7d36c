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
from sympy import Derivative

from ..calculus import diff_steps
from ..cli.explain import build_network, parse_point
from ..errors import MathomongError, ParseError, UnknownNameError
from ..parsing import parse_expression
from ..printing import format_number, to_latex, to_text
from ..render.document import build_document
from ..render.dot import computation_graph
from .content import document_steps

__all__ = ["Exploration", "explore_expression", "explore_network", "graph_svg", "LEVELS"]

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


# ---------------------------------------------------------------------------
# the computation graph as SVG
# ---------------------------------------------------------------------------

_NODE_W, _NODE_H, _COLUMN, _ROW = 150, 54, 230, 78
_FILL = {"parameter": "#fff4d6", "input": "#e6f0ff", "target": "#e6f0ff", "loss": "#ffe0e0"}


def _definitions(derivation) -> dict:
    network = getattr(derivation, "network", None)
    if network is not None:
        return {e.lhs: e.rhs for e in network.equations}
    definitions = dict(derivation.all_definitions())
    for cited in derivation._cited_closure():
        definitions.pop(cited.lhs, None)
    return definitions


def _number(derivation, expr) -> str:
    if not derivation.point:
        return ""
    try:
        value = derivation.value(expr)
    except (TypeError, ValueError, ZeroDivisionError, MathomongError):
        return ""
    return format_number(value) if getattr(value, "is_number", False) else ""


def _local(expr, source):
    try:
        return diff_steps(expr, source).result
    except MathomongError:
        return None  # a rule the step engine does not know: the edge goes unlabelled


def graph_svg(derivation, *, link: str | None) -> str:
    """The derivation's computation graph, left to right, each edge labelled with its local derivative.

    The path from the derived variable to the loss is drawn thick.  With
    ``link="parameter"`` each parameter node links to its own chain.
    """
    nodes, kinds, sources = computation_graph(derivation)
    definitions = _definitions(derivation)
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
    users = {node: min((i for i, m in enumerate(nodes) if node in sources.get(m, ())), default=i)
             for i, node in enumerate(nodes)}
    nodes = sorted(nodes, key=lambda n: (column[n], users[n] if n not in definitions else nodes.index(n)))
    roots = [n for n in nodes if not any(n in sources.get(m, ()) for m in nodes)]
    loss = getattr(getattr(derivation, "network", None), "loss_symbol", None) or (roots[-1] if roots else None)
    variable = derivation.variable
    reached = {variable}
    for node in nodes:  # nodes come in the order they are computed
        if any(s in reached for s in sources.get(node, ())):
            reached.add(node)
    rows: dict = {}
    position = {}
    for node in nodes:
        c = column[node]
        position[node] = (c, rows.get(c, 0))
        rows[c] = rows.get(c, 0) + 1
    height = max(rows.values()) * _ROW + 40
    width = (max(rows) + 1) * _COLUMN + 20

    def centre(node):
        c, r = position[node]
        offset = (height - rows[c] * _ROW) / 2
        return 20 + c * _COLUMN + _NODE_W / 2, offset + r * _ROW + _NODE_H / 2

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="computation graph">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker></defs>']
    for node in nodes:
        for source in sources.get(node, ()):
            local = _local(definitions[node], source)
            x1, y1 = centre(source)
            x2, y2 = centre(node)
            x1 += _NODE_W / 2
            x2 -= _NODE_W / 2
            on_path = source in reached and node in reached
            shown = ""
            if local is not None:
                shown = to_text(local)
                number = _number(derivation, local)
                if number and number != shown:
                    shown += f" = {number}"
            label = f"∂{to_text(node)}/∂{to_text(source)}" + (f" = {shown}" if shown else "")
            css = "edge on-path" if on_path else "edge"
            out.append(f'<g class="{css}"><title>{html.escape(label)}</title>'
                       f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" marker-end="url(#arrow)"/>'
                       f'<text x="{x1 + (x2 - x1) * 0.4:.0f}" y="{y1 + (y2 - y1) * 0.4 - 5:.0f}" '
                       f'text-anchor="middle">{html.escape(_short(shown))}</text></g>')
    for node in nodes:
        x, y = centre(node)
        kind = "loss" if node == loss else kinds.get(node, "")
        lines = [to_text(node)]
        value = _number(derivation, node)
        if value:
            lines[0] += f" = {value}"
        if derivation.point and loss is not None and node != loss:
            gradient = _number(derivation, Derivative(loss, node))
            if gradient:
                lines.append(f"∂{to_text(loss)}/∂{to_text(node)} = {gradient}")
        css = "node " + kind + (" chosen" if node == variable else "")
        body = (f'<rect x="{x - _NODE_W / 2:.0f}" y="{y - _NODE_H / 2:.0f}" width="{_NODE_W}" height="{_NODE_H}" '
                f'rx="8" fill="{_FILL.get(kind, "#f4f4f4")}"/>')
        for i, text in enumerate(lines):
            dy = (i - (len(lines) - 1) / 2) * 18 + 5
            body += f'<text x="{x:.0f}" y="{y + dy:.0f}" text-anchor="middle">{html.escape(text)}</text>'
        if link == "parameter" and kind == "parameter":
            body = (f'<a href="#" data-parameter="{html.escape(node.name)}" class="choose">'
                    f'<title>follow the chain of {html.escape(to_text(node))}</title>{body}</a>')
        out.append(f'<g class="{css}" data-name="{html.escape(node.name)}">{body}</g>')
    out.append("</svg>")
    return "".join(out)


def _short(label: str, limit: int = 26) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
