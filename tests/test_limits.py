"""The reader's limits refuse what would cost minutes or gigabytes, before sympy computes it."""

from __future__ import annotations

import time

import pytest

from mathomong_sym import check_answer
from mathomong_sym.errors import ParseError
from mathomong_sym.parsing import parse_expression

HOSTILE = {
    r"\exp(\exp(\exp(100)))": "digits",
    r"\sigma(\exp(\exp(50)))": "digits",
    r"e^{e^{e^{x}}}": "tower",
    r"(2^{999})^{15}": "digits",
    r"9^{999}" * 5: "digits",
    r"((x^{999})^{999})^{999}": "degree|exponent",
    r"\max(" + ",".join(f"x_{i}" for i in range(60)) + ")": "arguments",
    "min(" + ",".join(f"x{i}" for i in range(40)) + ")": "arguments",
    "1e400": "finite",
    "9" * 5000: "digits|long",
}


@pytest.mark.parametrize("text", sorted(HOSTILE))
def test_hostile_numbers_and_sizes_are_refused_quickly(text):
    started = time.perf_counter()
    with pytest.raises(ParseError, match=HOSTILE[text]):
        parse_expression(text)
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("text", [r"\exp(\exp(\exp(100)))", r"\sigma(\exp(\exp(50)))", r"(2^{999})^{15}"])
def test_in_process_checking_refuses_what_it_cannot_bound(text):
    result = check_answer(text, "x", timeout=None)
    assert result.verdict == "invalid" and "digits" in result.details["reason"]


@pytest.mark.parametrize("text, value", [(r"\exp(\exp(2))", None), ("2^{-999}", None), ("0.5^{20}", None),
                                         (r"\max(a, b, c)", None), ("10^{59}", 10 ** 59)])
def test_ordinary_sizes_still_read(text, value):
    expr = parse_expression(text)
    if value is not None:
        assert expr == value


@pytest.mark.parametrize("text", [r"e^{e^{W/W}}", r"e^{e^{\sqrt{x}}}", r"x^{y^{1/z}}"])
def test_a_quotient_or_a_root_in_an_exponent_is_not_a_tower(text):
    parse_expression(text)  # two exponents deep, within the limit
    with pytest.raises(ParseError, match="tower"):
        parse_expression(r"e^{" + text + "}")
