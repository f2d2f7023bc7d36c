"""Limits that keep a hostile answer from costing time or memory.

They are checked on the text before any parser sees it (length, nesting,
stacked exponents, long numbers) and on the unevaluated tree before sympy
evaluates it (huge powers and factorials), so that ``10^{10^{10}}`` is
rejected in microseconds instead of being computed.
"""

from __future__ import annotations

import math
import re

import sympy

from ..errors import ParseError

__all__ = ["MAX_LENGTH", "MAX_DEPTH", "MAX_ARGUMENTS", "MAX_NUMBER_DIGITS", "check_text", "check_tree",
           "check_arguments", "check_scientific"]

MAX_LENGTH = 2000
MAX_DEPTH = 30
MAX_DIGITS = 60
MAX_EXPONENT = 1000
MAX_FACTORIAL = 100
MAX_TOWER = 2  # x^{y^{z}} is allowed, one more level is not
MAX_NODES = 5000
MAX_ARGUMENTS = 16  # of max/min: sympy compares every pair of arguments
MAX_NUMBER_DIGITS = 1000  # of a number the expression computes: 9^{999}·9^{999} has 1 909
MAX_SCIENTIFIC_EXPONENT = 308  # 1e308 is the largest number in floating point; 1e400 is not finite
MAX_DEGREE = 10 * MAX_EXPONENT  # of a polynomial: ((x+1)^{999})^{999} is x^{998001} + …
_LOG10_2 = 0.30103
_LOG10_E = 0.43430

_LONG_NUMBER = re.compile(r"\d{%d,}" % (MAX_DIGITS + 1))
_OPERATOR_RUN = re.compile(r"[-+*/^_!]{12,}")
_OPEN = "({["
_CLOSE = ")}]"


def check_text(text: str) -> None:
    """Reject text that is too long, too deeply nested or not text at all."""
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the answer is too long ({len(text)} characters; the limit is {MAX_LENGTH})")
    if "\x00" in text or any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        raise ParseError("the answer contains control characters")
    if _LONG_NUMBER.search(text):
        raise ParseError(f"a number with more than {MAX_DIGITS} digits")
    depth = 0
    deepest = 0
    for char in text:
        if char in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif char in _CLOSE:
            depth -= 1
    if deepest > MAX_DEPTH:
        raise ParseError(f"brackets nested {deepest} deep (the limit is {MAX_DEPTH})")
    if text.count("\\left") > MAX_DEPTH * 4:
        raise ParseError("too many \\left brackets")
    if _OPERATOR_RUN.search(text):
        raise ParseError("a long run of operators")


def _height(expr) -> int:
    """How many exponents are stacked in *expr* (x² is 1, x^{y^{z}} is 2; a quotient or a root is not one)."""
    if not isinstance(expr, sympy.Basic) or not expr.args:
        return 0
    if expr.is_Pow and expr.args[1].is_Number and abs(expr.args[1]) <= 1:
        return _height(expr.args[0])  # 1/x and √x cannot make a tower grow
    if expr.is_Pow or expr.func is sympy.exp:
        exponent = expr.args[-1]
        return 1 + _height(exponent)
    return max(_height(arg) for arg in expr.args)


def check_scientific(written: str, exponent: int) -> None:
    """Reject a number in scientific notation outside floating point's range (1e400)."""
    if abs(exponent) > MAX_SCIENTIFIC_EXPONENT:
        raise ParseError(f"the number {written} is not finite in floating point "
                         f"(exponents are limited to ±{MAX_SCIENTIFIC_EXPONENT})")


def check_arguments(name: str, args) -> None:
    """Reject a call of max/min (or any function) with more arguments than sympy handles quickly."""
    if len(args) > MAX_ARGUMENTS:
        raise ParseError(f"{name} of {len(args)} arguments (the limit is {MAX_ARGUMENTS})")


def _digits(number) -> float:
    """How many decimal digits the size of a sympy number has (|log10|), without printing it."""
    if number.is_Integer:
        value = abs(int(number))
        return math.log10(value) if 0 < value.bit_length() < 1000 else value.bit_length() * _LOG10_2
    if number.is_Rational:
        return max(_digits(sympy.Integer(number.p)), _digits(sympy.Integer(number.q)))
    if number.is_Float:
        mantissa, exponent = number._mpf_[1], number._mpf_[2]
        return abs(exponent + int(mantissa).bit_length()) * _LOG10_2 if mantissa else 0.0
    return 1.0  # π, e, …


def _coefficient(node, sizes: dict) -> float:
    """Digits of the number sympy multiplies out in front of a node with symbols (9^{999}·9^{999}·x, (9^{999}x)^5).

    A product multiplies its numbers (and a number times a sum distributes over it); an integer power of a
    product raises its number; a sum, a function or a power of a sum keeps its parts' numbers as they are.
    """
    children = [sizes.get(arg, 0.0) for arg in node.args]
    if node.is_Mul:
        return sum(children)
    if node.is_Pow and node.args[1].is_Integer and not node.args[0].is_Add:
        return abs(int(node.args[1])) * children[0]
    return max(children, default=0.0)


def _size(node, sizes: dict) -> float | None:
    """Digits of the value of a numeric node (of its number in front, if it has symbols), from its children's."""
    if node.free_symbols:
        return _coefficient(node, sizes)
    if node.is_Number:
        return _digits(node)
    if not node.args:
        return 1.0
    children = [sizes.get(arg, 0.0) or 0.0 for arg in node.args]
    if node.is_Pow:
        base, exponent = node.args
        if base.is_Number and abs(base) in (0, 1):
            return 1.0
        if children[1] > 4:
            return float("inf")
        return abs(float(exponent.evalf(15))) * max(children[0], _LOG10_2) if children[1] else children[0]
    if node.func is sympy.exp:
        if children[0] > 4:
            return float("inf")
        return abs(float(node.args[0].evalf(15))) * _LOG10_E
    if node.is_Mul:
        return sum(children)
    return max(children) + 1


def _degree(node, degrees: dict) -> float:
    """An upper bound of the polynomial degree of *node* in its symbols."""
    if node.is_Symbol:
        return 1.0
    if not node.args or not node.free_symbols:
        return 0.0
    children = [degrees.get(arg, 0.0) for arg in node.args]
    if node.is_Pow and node.args[1].is_Number:
        return children[0] * abs(float(node.args[1]))
    if node.is_Mul:
        return sum(children)
    return max(children)


def _check_node(node) -> None:
    if node.is_Pow or node.func is sympy.exp:
        exponent = node.args[-1]
        if _height(exponent) >= MAX_TOWER:
            raise ParseError("a tower of powers (an exponent inside an exponent inside an exponent)")
    if node.is_Pow:
        base, exponent = node.args
        if not exponent.free_symbols and not (base.is_Number and abs(base) in (0, 1)):
            try:
                size = abs(complex(sympy.N(exponent, 15)))
            except (TypeError, ValueError, OverflowError):
                size = float("inf")
            if size > MAX_EXPONENT:
                raise ParseError(f"an exponent larger than {MAX_EXPONENT}")
    elif isinstance(node, (sympy.factorial, sympy.factorial2, sympy.gamma)):
        arg = node.args[0]
        if not arg.is_Number or abs(arg) > MAX_FACTORIAL:
            raise ParseError(f"factorials are limited to numbers up to {MAX_FACTORIAL}")
    elif isinstance(node, sympy.Integer) and _digits(node) > MAX_DIGITS:
        raise ParseError(f"a number with more than {MAX_DIGITS} digits")


def check_tree(expr) -> None:
    """Reject an unevaluated tree whose evaluation could explode.

    Nodes are checked children first, so an exponent is only evaluated once
    its own exponents are known to be small.
    """
    order = []
    stack = [expr]
    while stack:
        node = stack.pop()
        if not isinstance(node, sympy.Basic):
            continue
        order.append(node)
        if len(order) > MAX_NODES:
            raise ParseError(f"the answer has more than {MAX_NODES} parts")
        stack.extend(node.args)
    sizes: dict = {}
    degrees: dict = {}
    for node in reversed(order):
        _check_node(node)
        size = _size(node, sizes)
        if size is not None:
            if size > MAX_NUMBER_DIGITS:
                raise ParseError(f"a number with more than {MAX_NUMBER_DIGITS} digits")
            sizes[node] = size
        degrees[node] = degree = _degree(node, degrees)
        if degree > MAX_DEGREE:
            raise ParseError(f"a polynomial of degree more than {MAX_DEGREE}")
