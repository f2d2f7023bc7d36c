"""Plain calculator syntax: ``x^2 + 3*y``, ``sigmoid(w*x + b)``, ``2x``.

The text is read with :func:`ast.parse` in ``eval`` mode and the tree is
walked with a whitelist of node types; sympy objects are built directly.
Nothing is evaluated by Python: an attribute, a subscript, a string, a
lambda or a call of anything but a known function is a ``ParseError``.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from fractions import Fraction

import sympy

from ..errors import ParseError
from ..naming import _GREEK_UNICODE, sym
from .conventions import Conventions
from .functions import INDEXED_FUNCTIONS, apply_function, lookup_function

__all__ = ["parse_plain"]

_INDEXED_CALL = re.compile(r"^([A-Za-z]+)_(\d+)$")
_PRIME = "ʹ"  # a letter Python accepts in names, standing for an apostrophe
_NAME = re.compile(r"^[^\W\d]\w*$")
_CONSTANTS = {"pi": sympy.pi, "π": sympy.pi, "e": sympy.E, "E": sympy.E}
# letters-only names that are one symbol; any other run of letters is a product (Wx = W·x)
_WORD_NAMES = frozenset(_GREEK_UNICODE) | {"yhat", "xhat", "ybar", "xbar"}


def _binary(op, left, right):
    if isinstance(left, sympy.Tuple) or isinstance(right, sympy.Tuple):
        raise ParseError("a tuple can only be a whole answer, as in (a, b)")
    if isinstance(op, ast.Add):
        return left + right
    if isinstance(op, ast.Sub):
        return left - right
    if isinstance(op, ast.Mult):
        return left * right
    if isinstance(op, ast.Div):
        if right == 0:
            raise ParseError("division by zero")
        return left / right
    if isinstance(op, ast.Pow):
        return sympy.Pow(left, right, evaluate=False)
    raise ParseError(f"the operator {type(op).__name__} is not allowed")


def _implicit_multiplication(text: str) -> str:
    """Insert the ``*`` a calculator user leaves out: ``2x``, ``2(x+1)``, ``)(``."""
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    out = []
    previous = None
    for token in tokens:
        if previous is not None and token.start == previous.end:
            joins = (
                (previous.type == tokenize.NUMBER and token.type in (tokenize.NAME,) )
                or (previous.type == tokenize.NUMBER and token.string == "(")
                or (previous.string == ")" and (token.string == "(" or token.type in (tokenize.NAME, tokenize.NUMBER)))
            )
            if joins:
                out.append("*")
        elif previous is not None and token.start > previous.end:
            out.append(" ")
        if token.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER):
            out.append(token.string)
        previous = token
    return "".join(out)


class _Builder:
    def __init__(self, conventions: Conventions):
        self.conventions = conventions

    def build(self, node):
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            raise ParseError(f"{_describe(node)} is not allowed in an expression")
        return method(node)

    def visit_Expression(self, node):
        return self.build(node.body)

    def visit_Constant(self, node):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParseError(f"{_describe(node)} is not allowed in an expression")
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise ParseError("the number is not finite")
            return sympy.Rational(Fraction(repr(value)))
        return sympy.Integer(value)

    def visit_Name(self, node):
        name = node.id
        if name.startswith("_"):
            raise ParseError(f"the name {name!r} is not allowed (names may not start with an underscore)")
        if name in _CONSTANTS and not self.conventions.declares(name):
            return _CONSTANTS[name]
        if _PRIME in name or (lookup_function(name) and name not in ("H", "theta", "sig") and not self.conventions.declares(name)):
            raise ParseError(f"the function {name.replace(_PRIME, chr(39))} needs an argument in brackets")
        if len(name) > 1 and name.isascii() and name.isalpha() and name not in _WORD_NAMES and not self.conventions.declares(name):
            # calculator users write products of one-letter names without a '*'
            return sympy.Mul(*[self.visit_Name(ast.Name(id=letter)) for letter in name])
        return sym(name)

    def visit_UnaryOp(self, node):
        operand = self.build(node.operand)
        if isinstance(operand, sympy.Tuple):
            raise ParseError("a tuple can only be a whole answer, as in (a, b)")
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        raise ParseError(f"the operator {type(node.op).__name__} is not allowed")

    def visit_BinOp(self, node):
        return _binary(node.op, self.build(node.left), self.build(node.right))

    def visit_Tuple(self, node):
        elements = [self.build(e) for e in node.elts]
        if any(isinstance(e, sympy.Tuple) for e in elements):
            raise ParseError("a tuple cannot contain a tuple")
        return sympy.Tuple(*elements)

    visit_List = visit_Tuple

    def visit_Call(self, node):
        if not isinstance(node.func, ast.Name):
            raise ParseError(f"{_describe(node.func)} cannot be called")
        if node.keywords:
            raise ParseError("keyword arguments are not allowed")
        raw = node.func.id
        primes = raw.count(_PRIME)
        name = raw.replace(_PRIME, "")
        indexed = _INDEXED_CALL.match(name)
        prefix = []
        if indexed and indexed.group(1) in INDEXED_FUNCTIONS:
            # softmax_1(z1, z2): the component, 1-based, as printed
            name, prefix = indexed.group(1), [sympy.Integer(int(indexed.group(2)))]
        if name.startswith("_"):
            raise ParseError(f"the name {name!r} is not allowed (names may not start with an underscore)")
        spec = lookup_function(name)
        if spec is None or self.conventions.declares(name):
            raise ParseError(f"unknown function {name!r}")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise ParseError("starred arguments are not allowed")
        args = prefix + [self.build(a) for a in node.args]
        if any(isinstance(a, sympy.Tuple) for a in args):
            raise ParseError(f"a tuple cannot be the argument of {name}")
        return apply_function(spec, args, self.conventions, primes)


def _describe(node) -> str:
    kind = type(node).__name__
    if isinstance(node, ast.Constant):
        return f"the {type(node.value).__name__} constant {node.value!r}"[:80]
    if isinstance(node, ast.Attribute):
        return f"attribute access (.{node.attr})"
    return {"Subscript": "indexing", "Lambda": "a lambda", "Compare": "a comparison", "BoolOp": "and/or"}.get(kind, f"a {kind} node")


def _syntax_error(message: str) -> ParseError:
    """A ParseError meaning "this is not plain syntax" (the LaTeX reader may try)."""
    error = ParseError(message)
    error.not_plain = True
    return error


def parse_plain(text: str, conventions: Conventions):
    source = text.strip()
    if not source:
        raise ParseError("the expression is empty")
    source = source.replace("^", "**").replace("−", "-").replace("·", "*").replace("×", "*")
    source = re.sub(r"(?<=\w)'", _PRIME, source)
    if "'" in source or '"' in source:
        raise ParseError("strings are not allowed in an expression")
    if conventions.implicit_multiplication:
        try:
            source = _implicit_multiplication(source)
        except (tokenize.TokenError, IndentationError, SyntaxError) as exc:
            message = str(exc.args[0] if exc.args else exc)
            if "EOF in multi-line" in message:
                message = "a bracket is never closed"
            raise _syntax_error(f"cannot read the expression: {message}") from None
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise _syntax_error(f"cannot read the expression: {exc.msg}") from None
    except (ValueError, MemoryError, RecursionError):
        raise ParseError("cannot read the expression") from None
    return _Builder(conventions).build(tree)
