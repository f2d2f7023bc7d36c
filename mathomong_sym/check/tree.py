"""Expressions as JSON trees, read back without ``eval``.

An answer key stores each expression twice: as LaTeX, for people, and as a
small JSON tree, for the checker.  The tree has a whitelist of node types;
reading one never calls ``sympify``, ``eval`` or ``srepr``-style code, so a
key file is data, not code.

Node types::

    {"sym": "w2_1_3"}                       project symbol (real)
    {"int": "3"}   {"rat": ["1", "2"]}      exact numbers
    {"float": "0.25"}                       a decimal, kept as written
    {"const": "E"} {"const": "pi"}
    {"op": "add" | "mul" | "pow", "args": [...]}
    {"fn": "sigmoid", "args": [...]}        whitelisted functions
    {"piecewise": [[value, condition], ...]}
    {"rel": ">" | ">=" | "<" | "<=" | "==" | "!=", "args": [a, b]}
    {"bool": true}
    {"tuple": [...]}
    {"derivative": expr, "wrt": [["W", 1]]}
"""

from __future__ import annotations

import sympy

from ..activations import leaky_relu, logsumexp, relu, sigmoid, softmax, softplus, step
from ..errors import ConfigError
from ..naming import sym
from ..parsing.values import as_expression

__all__ = ["expr_to_tree", "tree_to_expr", "TREE_FUNCTIONS"]

#: function name in a tree -> sympy function class
TREE_FUNCTIONS = {
    "sigmoid": sigmoid, "relu": relu, "step": step, "leaky_relu": leaky_relu, "softplus": softplus,
    "softmax": softmax, "logsumexp": logsumexp,
    "exp": sympy.exp, "log": sympy.log, "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh, "sech": sympy.sech,
    "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan, "asinh": sympy.asinh, "atanh": sympy.atanh,
    "Abs": sympy.Abs, "sign": sympy.sign, "Max": sympy.Max, "Min": sympy.Min, "Heaviside": sympy.Heaviside,
}
_FUNCTION_NAMES = {cls: name for name, cls in TREE_FUNCTIONS.items()}
_RELATIONS = {">": sympy.StrictGreaterThan, ">=": sympy.GreaterThan, "<": sympy.StrictLessThan,
              "<=": sympy.LessThan, "==": sympy.Eq, "!=": sympy.Ne}
_RELATION_NAMES = {cls: op for op, cls in _RELATIONS.items()}
_MAX_DEPTH = 200


def expr_to_tree(expr) -> dict:
    """The JSON tree of a sympy expression built from whitelisted parts."""
    expr = as_expression(expr)
    if isinstance(expr, sympy.Symbol):
        return {"sym": expr.name}
    if isinstance(expr, sympy.Integer):
        return {"int": str(int(expr))}
    if isinstance(expr, sympy.Rational):
        return {"rat": [str(expr.p), str(expr.q)]}
    if isinstance(expr, sympy.Float):
        return {"float": str(expr)}
    if expr is sympy.E:
        return {"const": "E"}
    if expr is sympy.pi:
        return {"const": "pi"}
    if expr is sympy.true or expr is sympy.false:
        return {"bool": bool(expr)}
    if isinstance(expr, sympy.Add):
        return {"op": "add", "args": [expr_to_tree(a) for a in expr.args]}
    if isinstance(expr, sympy.Mul):
        return {"op": "mul", "args": [expr_to_tree(a) for a in expr.args]}
    if isinstance(expr, sympy.Pow):
        return {"op": "pow", "args": [expr_to_tree(a) for a in expr.args]}
    if isinstance(expr, sympy.Piecewise):
        return {"piecewise": [[expr_to_tree(e), expr_to_tree(c)] for e, c in expr.args]}
    if type(expr) in _RELATION_NAMES:
        return {"rel": _RELATION_NAMES[type(expr)], "args": [expr_to_tree(a) for a in expr.args]}
    if isinstance(expr, sympy.Tuple):
        return {"tuple": [expr_to_tree(a) for a in expr.args]}
    if isinstance(expr, sympy.Derivative):
        return {"derivative": expr_to_tree(expr.expr),
                "wrt": [[expr_to_tree(v), int(n)] for v, n in expr.variable_count]}
    name = _FUNCTION_NAMES.get(expr.func)
    if name is not None:
        return {"fn": name, "args": [expr_to_tree(a) for a in expr.args]}
    raise ConfigError(f"cannot store {type(expr).__name__} ({expr}) in an answer key")


def tree_to_expr(tree, _depth: int = 0):
    """The sympy expression of a tree made by :func:`expr_to_tree`."""
    if _depth > _MAX_DEPTH:
        raise ConfigError("an expression tree nested too deeply")
    if not isinstance(tree, dict) or len(tree) == 0:
        raise ConfigError(f"an expression tree node must be an object, not {tree!r:.60}")
    depth = _depth + 1
    try:
        if "sym" in tree:
            name = tree["sym"]
            if not isinstance(name, str) or not name or not name.replace("_", "").isalnum():
                raise ConfigError(f"bad symbol name {name!r:.40}")
            return sym(name)
        if "int" in tree:
            text = str(tree["int"])
            if len(text) > 60:
                raise ConfigError("an integer with more than 60 digits")
            return sympy.Integer(int(text))
        if "rat" in tree:
            p, q = (int(str(v)) for v in tree["rat"])
            return sympy.Rational(p, q)
        if "float" in tree:
            return sympy.Float(str(tree["float"]))
        if "const" in tree:
            return {"E": sympy.E, "pi": sympy.pi}[tree["const"]]
        if "bool" in tree:
            return sympy.true if tree["bool"] else sympy.false
        if "op" in tree:
            args = [tree_to_expr(a, depth) for a in tree["args"]]
            op = tree["op"]
            if op == "add":
                return sympy.Add(*args)
            if op == "mul":
                return sympy.Mul(*args)
            if op == "pow" and len(args) == 2:
                return sympy.Pow(*args)
            raise ConfigError(f"unknown operator {op!r}")
        if "fn" in tree:
            function = TREE_FUNCTIONS.get(tree["fn"])
            if function is None:
                raise ConfigError(f"unknown function {tree['fn']!r} in an expression tree")
            return function(*[tree_to_expr(a, depth) for a in tree["args"]])
        if "piecewise" in tree:
            return sympy.Piecewise(*[(tree_to_expr(e, depth), tree_to_expr(c, depth)) for e, c in tree["piecewise"]])
        if "rel" in tree:
            a, b = (tree_to_expr(x, depth) for x in tree["args"])
            return _RELATIONS[tree["rel"]](a, b)
        if "tuple" in tree:
            return sympy.Tuple(*[tree_to_expr(a, depth) for a in tree["tuple"]])
        if "derivative" in tree:
            inner = tree_to_expr(tree["derivative"], depth)
            wrt = [(tree_to_expr(v, depth), int(n)) for v, n in tree["wrt"]]
            return sympy.Derivative(inner, *wrt)
    except ConfigError:
        raise
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
        raise ConfigError(f"a malformed expression tree node {tree!r:.80}: {exc}") from None
    raise ConfigError(f"unknown expression tree node {sorted(tree)!r:.80}")
