"""Graphviz ``dot`` text of a computation graph: inputs and parameters flow into z, a, ŷ and L.

Each node is labelled with its textbook name; after ``derivation.at(...)``
also with its value and with the gradient of the loss with respect to it
(for a pre-activation z that gradient is its δ).  The graph is the
network's named form when the derivation came from a network, else the
derivation's own definitions.
"""

from __future__ import annotations

from sympy import Derivative

from ..printing import format_number, to_text

__all__ = ["render_dot", "computation_graph"]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _quote(text: str) -> str:
    return f'"{_escape(text)}"'


def _label(lines: list[str]) -> str:
    return '"' + "\\n".join(_escape(line) for line in lines) + '"'


def computation_graph(derivation) -> tuple[list, dict, dict]:
    """(nodes in order, {node: kind}, {node: [nodes it is computed from]})."""
    network = getattr(derivation, "network", None)
    kinds: dict = {}
    if network is not None:
        definitions = {e.lhs: e.rhs for e in network.equations}
        for e in network.equations:
            kinds[e.lhs] = e.kind
        for s in network.inputs:
            kinds[s] = "input"
        for s in network.targets:
            kinds[s] = "target"
        for s in network.parameters:
            kinds[s] = "parameter"
    else:
        definitions = dict(derivation.all_definitions())
        for cited in derivation._cited_closure():
            definitions.pop(cited.lhs, None)  # a δ is a gradient, not a node of the forward graph
        for s in definitions:
            kinds[s] = "intermediate"
    sources = {s: sorted(e.free_symbols, key=lambda v: v.name) for s, e in definitions.items()}
    nodes: list = []
    for s in definitions:
        for leaf in sources[s]:
            if leaf not in definitions and leaf not in nodes:
                nodes.append(leaf)
                kinds.setdefault(leaf, "parameter" if leaf == derivation.variable else "leaf")
    nodes.extend(definitions)
    return nodes, kinds, sources


def _loss(nodes, sources, derivation):
    network = getattr(derivation, "network", None)
    if network is not None:
        return network.loss_symbol
    used = {leaf for s in sources for leaf in sources[s]}
    roots = [s for s in sources if s not in used]
    return roots[-1] if roots else None


_SHAPES = {"parameter": "box", "input": "ellipse", "target": "ellipse", "loss": "doublecircle"}


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
        if point is not None and values:
            try:
                label[0] += f" = {format_number(derivation.value(node))}"
            except (TypeError, ValueError):
                pass
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
    try:
        value = derivation.value(Derivative(loss, node))
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not getattr(value, "is_number", False):
        return None
    return format_number(value)
