"""The computation graph of a typed expression: its letters through each other, and the expression's value last."""

from __future__ import annotations

import sympy

from mathomong_sym.calculus import diff_steps
from mathomong_sym.parsing import parse_expression
from mathomong_sym.render import render_dot
from mathomong_sym.render.dot import computation_graph, graph_definitions, node_gradient, node_value


def _derived(text, variable, **point):
    expr = parse_expression(text)
    symbols = {s.name: s for s in expr.free_symbols}
    derivation = diff_steps(expr, symbols[variable])
    if point:
        derivation = derivation.at({symbols[k]: sympy.nsimplify(v) for k, v in point.items()})
    return derivation, symbols


def test_nested_letters_are_written_through_each_other():
    derivation, symbols = _derived("sin(cos(x^2))", "x", x=0.5)
    definitions = graph_definitions(derivation)
    names = {node.name: node for node in definitions}
    assert list(names) == ["v", "u", "y"]  # in the order they are computed
    v, u, y = names["v"], names["u"], names["y"]
    assert definitions[v] == symbols["x"] ** 2
    assert definitions[u] == sympy.cos(v)   # through v, not cos(x²)
    assert definitions[y] == sympy.sin(u)
    nodes, kinds, sources = computation_graph(derivation)
    assert sources[u] == [v] and sources[y] == [u] and kinds[y] == "output"
    # values and ∂y/∂node at x = 0.5, by the chain
    assert abs(float(node_value(derivation, y)) - float(sympy.sin(sympy.cos(0.25)))) < 1e-9
    slope = float(sympy.cos(sympy.cos(0.25)) * -sympy.sin(0.25))
    assert abs(float(node_gradient(derivation, v)) - slope) < 1e-9
    assert abs(float(node_gradient(derivation, symbols["x"])) - slope * 1.0) < 1e-9
    assert node_gradient(derivation, y) is None


def test_an_expression_without_letters_still_has_its_output():
    derivation, symbols = _derived("x^2", "x", x=3)
    nodes, kinds, sources = computation_graph(derivation)
    assert [n.name for n in nodes] == ["x", "y"] and sources[nodes[1]] == [symbols["x"]]
    dot = render_dot(derivation)
    assert 'label="x = 3\\n∂y/∂x = 6"' in dot and 'label="y = 9", shape=doublecircle' in dot


def test_the_output_is_not_named_like_an_input():
    derivation, _ = _derived("(y - sigmoid(w*x + b))^2", "w", w=0.5, x=2, b=-1, y=1)
    nodes, kinds, _ = computation_graph(derivation)
    output = [n for n in nodes if kinds[n] == "output"]
    assert len(output) == 1 and output[0].name not in {"y", "w", "x", "b"}
    assert abs(float(node_gradient(derivation, [n for n in nodes if n.name == "w"][0])) + 0.5) < 1e-9
