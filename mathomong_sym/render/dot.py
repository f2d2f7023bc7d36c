"""Graphviz ``dot`` text of a computation graph: inputs and parameters flow into z, a, ŷ and L.

Each node is labelled with its textbook name; after ``derivation.at(...)``
also with its value and with the gradient of the loss with respect to it
(for a pre-activation z that gradient is its δ).  The graph is the
network's named form when the derivation came from a network, else the
derivation's own definitions.
"""

from __future__ import annotations

from sympy import Derivative, Symbol

from ..printing import format_number, to_text

__all__ = ["render_dot", "computation_graph", "graph_definitions", "node_value", "node_gradient"]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _quote(text: str) -> str:
    return f'"{_escape(text)}"'


def _label(lines: list[str]) -> str:
    return '"' + "\\n".join(_escape(line) for line in lines) + '"'


def graph_definitions(derivation) -> dict:
    """{node: its definition, written through the nodes it is computed from}, in the order they are computed.

    A network's nodes are its equations.  An expression's are the letters its
    derivation introduced (u = w·x + b), each written through the others
    (u = cos(v) with v = x², not cos(x²)), and last the expression itself,
    under the name its explanation gives it (y = σ(u)): the graph ends where
    the function's value comes out.
    """
    network = getattr(derivation, "network", None)
    if network is not None:
        return {e.lhs: e.rhs for e in network.equations}
    introduced = dict(derivation.all_definitions())
    for cited in derivation._cited_closure():
        introduced.pop(cited.lhs, None)  # a δ is a gradient, not a node of the forward graph
    written = {}
    for lhs, rhs in introduced.items():
        # xreplace works from the top down, so the largest letter that fits is used
        written[lhs] = rhs.xreplace({r: n for n, r in introduced.items() if n != lhs})
    expression = derivation.expression
    output = _output_name(derivation)
    if expression is not None and output is not None and output not in written:
        written[output] = expression.xreplace({r: n for n, r in introduced.items()})
    ordered: dict = {}

    def place(node, seen=()):
        if node in ordered or node in seen:
            return
        for source in written[node].free_symbols:
            if source in written:
                place(source, (*seen, node))
        ordered[node] = written[node]

    for node in written:
        place(node)
    return ordered


def _output_name(derivation):
    if getattr(derivation, "network", None) is not None or derivation.expression is None:
        return None
    from .document import _function_name

    name = _function_name(derivation)
    return name if isinstance(name, Symbol) else None


def computation_graph(derivation) -> tuple[list, dict, dict]:
    """(nodes in order, {node: kind}, {node: [nodes it is computed from]})."""
    network = getattr(derivation, "network", None)
    kinds: dict = {}
    definitions = graph_definitions(derivation)
    if network is not None:
        for e in network.equations:
            kinds[e.lhs] = e.kind
        for s in network.inputs:
            kinds[s] = "input"
        for s in network.targets:
            kinds[s] = "target"
        for s in network.parameters:
            kinds[s] = "parameter"
    else:
        output = _output_name(derivation)
        for s in definitions:
            kinds[s] = "output" if s == output else "intermediate"
    sources = {s: sorted(e.free_symbols, key=lambda v: v.name) for s, e in definitions.items()}
    nodes: list = []
    for s in definitions:
        for leaf in sources[s]:
            if leaf not in definitions and leaf not in nodes:
                nodes.append(leaf)
                kinds.setdefault(leaf, "parameter" if leaf == derivation.variable else "leaf")
    nodes.extend(definitions)
    return nodes, kinds, sources


def node_value(derivation, node):
    """The number *node* takes at the derivation's point (an expression's output is the expression's value)."""
    if not derivation.point:
        return None
    target = derivation.expression if node == _output_name(derivation) else node
    try:
        value = derivation.value(target)
    except (TypeError, ValueError, ZeroDivisionError, KeyError):
        return None
    return value if getattr(value, "is_number", False) else None


def node_gradient(derivation, node):
    """∂(the graph's output)/∂*node* at the derivation's point: ∂L/∂node (a network), ∂y/∂node (an expression).

    None when the derivation has no point or the number cannot be found.
    """
    if not derivation.point:
        return None
    network = getattr(derivation, "network", None)
    if network is not None:
        if node == network.loss_symbol:
            return None
        wanted = Derivative(network.loss_symbol, node)
    else:
        expression = derivation.expression
        if expression is None or node == _output_name(derivation):
            return None
        introduced = dict(derivation.all_definitions())
        # the output written with this node as a variable of its own
        through = expression.xreplace({introduced[node]: node}) if node in introduced else expression
        if node not in through.free_symbols:
            return None
        wanted = Derivative(through, node)
    try:
        value = derivation.value(wanted)
    except (TypeError, ValueError, ZeroDivisionError, KeyError):
        return None
    return value if getattr(value, "is_number", False) else None


def _loss(nodes, sources, derivation):
    network = getattr(derivation, "network", None)
    if network is not None:
        return network.loss_symbol
    used = {leaf for s in sources for leaf in sources[s]}
    roots = [s for s in sources if s not in used]
    return roots[-1] if roots else None


_SHAPES = {"parameter": "box", "input": "ellipse", "target": "ellipse", "loss": "doublecircle",
           "output": "doublecircle"}


def render_dot(derivation, *, values: bool = True, gradients: bool = True, name: str = "computation",
               at=None) -> str:
    """The computation graph as dot text; numbers shown when the derivation has a point (or ``at={…}``)."""
    derivation = derivation.at(at) if at is not None else derivation
    nodes, kinds, sources = computation_graph(derivation)
    loss = _loss(nodes, sources, derivation)
    point = derivation.point
    lines = [f"digraph {_quote(name)} {{", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for node in nodes:
        label = [to_text(node)]
        value = node_value(derivation, node) if point is not None and values else None
        if value is not None:
            label[0] += f" = {format_number(value)}"
        if point is not None and gradients and loss is not None and node != loss:
            gradient = _gradient(derivation, loss, node)
            if gradient is not None:
                head = _delta_name(node) if kinds.get(node) == "pre-activation" or node.name.startswith("z") \
                    else f"∂{to_text(loss)}/∂{to_text(node)}"
                label.append(f"{head} = {gradient}")
        kind = "loss" if node == loss else kinds.get(node, "")
        attributes = [f"label={_label(label)}", f"shape={_SHAPES.get(kind, 'ellipse')}"]
        if node == derivation.variable:
            attributes.append('style=filled fillcolor="#ffe9a8"')
        lines.append(f"  {_quote(node.name)} [{', '.join(attributes)}];")
    on_path = _downstream(derivation.variable, sources)
    for node in nodes:
        for source in sources.get(node, ()):
            # the way from the parameter to the loss is the chain the derivation follows
            style = " [penwidth=2.5, color=\"#c07000\"]" if source in on_path and node in on_path else ""
            lines.append(f"  {_quote(source.name)} -> {_quote(node.name)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _delta_name(node) -> str:
    """δ⁽ˡ⁾ᵢ for z⁽ˡ⁾ᵢ (δ for the neuron's z): the name the derivation gives ∂L/∂z."""
    from ..naming import unicode_name

    return unicode_name("delta" + node.name[1:]) if node.name.startswith("z") else "δ"


def _downstream(variable, sources) -> set:
    """*variable* and every node computed from it."""
    if variable is None:
        return set()
    reached = {variable}
    changed = True
    while changed:
        changed = False
        for node, inputs in sources.items():
            if node not in reached and any(i in reached for i in inputs):
                reached.add(node)
                changed = True
    return reached


def _gradient(derivation, loss, node) -> str | None:
    value = node_gradient(derivation, node)
    return format_number(value) if value is not None else None
