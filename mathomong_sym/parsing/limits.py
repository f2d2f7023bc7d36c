"""Limits that keep a hostile answer from costing time or memory.

They are checked on the text before any parser sees it (length, nesting,
stacked exponents, long numbers) and on the unevaluated tree before sympy
evaluates it (huge powers and factorials), so that ``10^{10^{10}}`` is
rejected in microseconds instead of being computed.
"""

from __future__ import annotations

import re

import sympy

from ..errors import ParseError

__all__ = ["MAX_LENGTH", "MAX_DEPTH", "check_text", "check_tree"]

MAX_LENGTH = 2000
MAX_DEPTH = 30
MAX_DIGITS = 60
MAX_EXPONENT = 1000
MAX_FACTORIAL = 100
MAX_TOWER = 2  # x^{y^{z}} is allowed, one more level is not
MAX_NODES = 5000

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
    """How many exponents are stacked in *expr* (x² is 1, x^{y^{z}} is 2)."""
    if not isinstance(expr, sympy.Basic) or not expr.args:
        return 0
    if expr.is_Pow or expr.func is sympy.exp:
        exponent = expr.args[-1]
        return 1 + _height(exponent)
    return max(_height(arg) for arg in expr.args)


def _check_node(node) -> None:
    if node.is_Pow:
        base, exponent = node.args
        if _height(exponent) >= MAX_TOWER:
            raise ParseError("a tower of powers (an exponent inside an exponent inside an exponent)")
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
    elif isinstance(node, sympy.Integer) and len(str(abs(int(node)))) > MAX_DIGITS:
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
    for node in reversed(order):
        _check_node(node)
