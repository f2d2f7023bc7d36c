r"""Property tests of the one reader: what a student types reads back as the tree they meant.

Random expression trees over the package's names (x, w, ŷ, x₁, w⁽²⁾₁₃, α …)
and functions (σ, tanh, exp, ln, √, ReLU) are printed the way students type
them — implicit products, unbraced one-character scripts, optional
``\left``/``\right``, ``\cdot``, ``*`` or a space, Unicode, plain or LaTeX —
and must read back equal to the tree.  A tree that differs from the key (by
a numeric comparison written here, independent of the checker) must never be
accepted, and the same text given as key and as answer is always "correct".
Numbers: two closed forms (σ(7), tanh(7)) are equal only when their values
are, and a decimal is correct exactly when the key rounds to it at the
places typed.

The examples are the same on every run (derandomized); to draw fresh ones,
run with ``MATHOMONG_FRESH_EXAMPLES=1`` and ``--hypothesis-seed=N``.

The printer below only uses spellings ``docs/reading-answers.md`` gives a
meaning to: where the doc says a spelling is ambiguous (``1/2x``) or means
something else (``x^2y`` is x²·y), the printer writes what a student who
means the tree would write.
"""

from __future__ import annotations

import math
import os
import random
import re
from dataclasses import dataclass

import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mathomong_sym.activations import relu, sigmoid
from mathomong_sym.check.checker import check_answer
from mathomong_sym.naming import sym
from mathomong_sym.parsing import read

# ---------------------------------------------------------------------------
# the trees
# ---------------------------------------------------------------------------

#: plain name -> (LaTeX spellings, plain spellings, Unicode spellings); the first plain one is also the name
NAMES = {
    "x": (["x"], ["x"], ["x"]),
    "y": (["y"], ["y"], ["y"]),
    "w": (["w"], ["w"], ["w"]),
    "b": (["b"], ["b"], ["b"]),
    "z": (["z"], ["z"], ["z"]),
    "W": (["W"], ["W"], ["W"]),
    "yhat": ([r"\hat{y}", r"\hat y"], ["yhat", "y_hat"], ["ŷ"]),
    "x_1": (["x_1", "x_{1}"], ["x_1"], ["x₁"]),
    "x_2": (["x_2", "x_{2}"], ["x_2"], ["x₂"]),
    "W_1": (["W_1", "W_{1}"], ["W_1"], ["W₁"]),
    "w2_1_3": ([r"w^{(2)}_{13}", r"w^{[2]}_{13}", r"w^{(2)}_{1,3}"], ["w2_1_3"], [r"w^{(2)}_{13}"]),
    "a1_2": ([r"a^{(1)}_{2}", r"a^{[1]}_2"], ["a1_2"], ["a^{[1]}_2"]),
    "alpha": ([r"\alpha"], ["alpha"], ["α"]),
    "eta": ([r"\eta"], ["eta"], ["η"]),
    "delta1_1": ([r"\delta^{(1)}_1"], ["delta1_1"], ["δ^{(1)}_1"]),
}
ONE_LETTER = {name for name, (_, plain, _) in NAMES.items() if len(plain[0]) == 1}

FUNCTIONS = {
    "sigmoid": sigmoid,
    "tanh": sympy.tanh,
    "exp": sympy.exp,
    "ln": sympy.log,
    "sqrt": sympy.sqrt,
    "relu": relu,
}
_FUNCTION_SPELLINGS = {  # (LaTeX, plain, Unicode) names of a function applied with a bracket
    "sigmoid": ([r"\sigma"], ["sigmoid", "sigma"], ["σ"]),
    "tanh": ([r"\tanh"], ["tanh"], ["tanh"]),
    "ln": ([r"\ln", r"\log"], ["ln", "log"], ["ln"]),
    "relu": ([r"\operatorname{ReLU}", r"\text{ReLU}", r"\mathrm{relu}"], ["relu", "ReLU"], ["ReLU"]),
    "exp": ([r"\exp"], ["exp"], ["exp"]),
}


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Num:
    value: sympy.Rational
    text: str  # as typed: 3, 0.5, 2.25


@dataclass(frozen=True)
class Sum:
    terms: tuple  # ((sign, tree), …), sign +1 or −1


@dataclass(frozen=True)
class Prod:
    factors: tuple


@dataclass(frozen=True)
class Power:
    base: object
    exponent: object


@dataclass(frozen=True)
class Quotient:
    numerator: object
    denominator: object


@dataclass(frozen=True)
class Apply:
    function: str
    argument: object


def to_sympy(tree):
    if isinstance(tree, Name):
        return sym(tree.name)
    if isinstance(tree, Num):
        return tree.value
    if isinstance(tree, Sum):
        return sympy.Add(*[sign * to_sympy(t) for sign, t in tree.terms])
    if isinstance(tree, Prod):
        return sympy.Mul(*[to_sympy(f) for f in tree.factors])
    if isinstance(tree, Power):
        return sympy.Pow(to_sympy(tree.base), to_sympy(tree.exponent))
    if isinstance(tree, Quotient):
        return to_sympy(tree.numerator) / to_sympy(tree.denominator)
    return FUNCTIONS[tree.function](to_sympy(tree.argument))


def names_of(tree) -> set:
    if isinstance(tree, Name):
        return {tree.name}
    if isinstance(tree, Num):
        return set()
    if isinstance(tree, Sum):
        return set().union(*(names_of(t) for _, t in tree.terms))
    if isinstance(tree, Prod):
        return set().union(*(names_of(f) for f in tree.factors))
    if isinstance(tree, Power):
        return names_of(tree.base) | names_of(tree.exponent)
    if isinstance(tree, Quotient):
        return names_of(tree.numerator) | names_of(tree.denominator)
    return names_of(tree.argument)


_NUMBERS = [("2", 2), ("3", 3), ("4", 4), ("5", 5), ("7", 7), ("12", 12), ("0.5", sympy.Rational(1, 2)),
            ("2.25", sympy.Rational(9, 4)), ("0.1", sympy.Rational(1, 10)), ("1.5", sympy.Rational(3, 2))]

names = st.sampled_from(sorted(NAMES)).map(Name)
numbers = st.sampled_from(_NUMBERS).map(lambda pair: Num(sympy.Rational(pair[1]), pair[0]))
small_exponents = st.sampled_from([("2", 2), ("3", 3), ("-1", -1), ("-2", -2), ("12", 12)])


def _extend(children):
    exponent = st.one_of(small_exponents.map(lambda p: Num(sympy.Integer(p[1]), p[0])), names)
    return st.one_of(
        st.lists(st.tuples(st.sampled_from([1, 1, -1]), children), min_size=2, max_size=3).map(
            lambda terms: Sum(((1, terms[0][1]),) + tuple(terms[1:]))),
        st.lists(children, min_size=2, max_size=3).map(tuple).map(Prod),
        st.tuples(st.one_of(names, children), exponent).map(lambda p: Power(*p)),
        st.tuples(children, children).map(lambda p: Quotient(*p)),
        st.tuples(st.sampled_from(sorted(FUNCTIONS)), children).map(lambda p: Apply(*p)),
    )


trees = st.recursive(st.one_of(names, names, numbers), _extend, max_leaves=7)

# ---------------------------------------------------------------------------
# printing the way students type
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    spelling: str    # "latex", "plain" or "unicode"
    product: str     # "juxtapose", "space", "star", "cdot"
    left_right: bool  # \left( … \right) for brackets (LaTeX)
    braces: bool     # brace one-character scripts too
    spaces: bool     # spaces around + and −
    bare: bool       # a function of a single name without brackets (\tanh x)
    function_power: bool  # \tanh^2(x) rather than \tanh(x)^2
    choice: int      # picks among equivalent spellings of names and functions


styles = st.builds(
    Style,
    spelling=st.sampled_from(["latex", "plain", "unicode"]),
    product=st.sampled_from(["juxtapose", "space", "star", "cdot"]),
    left_right=st.booleans(), braces=st.booleans(), spaces=st.booleans(), bare=st.booleans(),
    function_power=st.booleans(), choice=st.integers(0, 5),
)

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


@dataclass
class Printed:
    text: str
    atomic: bool = True      # may be a factor, base or argument without brackets
    starts_digit: bool = False
    bare_function: bool = False  # a function without brackets: must be the last factor
    quotient: bool = False   # a/b in plain: brackets when it is a factor
    ends_digit: bool = False


def _pick(options, style: Style):
    return options[style.choice % len(options)]


def _spelling_index(style: Style) -> int:
    return {"latex": 0, "plain": 1, "unicode": 2}[style.spelling]


class Printer:
    def __init__(self, style: Style):
        self.style = style

    def bracket(self, text: str) -> str:
        if self.style.spelling == "latex" and self.style.left_right:
            return rf"\left({text}\right)"
        return f"({text})"

    def group(self, printed: Printed) -> str:
        """*printed* as a factor, base or argument: bracketed unless it is an atom."""
        plain = printed.atomic and not printed.quotient and not printed.bare_function
        return printed.text if plain else self.bracket(printed.text)

    def script(self, printed: Printed, digits_ok: bool) -> str:
        """An exponent: one token unbraced (as TeX), anything else braced (LaTeX) or bracketed (plain)."""
        text = printed.text
        single = len(text) == 1 or (digits_ok and text.isdigit()) or (text.startswith("-") and text[1:].isdigit()
                                                                       and self.style.spelling == "plain")
        if self.style.spelling == "plain":
            return text if single and printed.atomic else f"({text})"
        return text if single and not self.style.braces else "{" + text + "}"

    def __call__(self, tree) -> Printed:
        method = getattr(self, "print_" + type(tree).__name__.lower())
        return method(tree)

    def print_name(self, tree: Name) -> Printed:
        text = _pick(NAMES[tree.name][_spelling_index(self.style)], self.style)
        # w2_1_3 and delta1_1 take a space before what follows; x_1 does not (x_1x_2 is x₁·x₂)
        return Printed(text, ends_digit=text[-1].isdigit() and text.count("_") != 1 and "^" not in text)

    def print_num(self, tree: Num) -> Printed:
        return Printed(tree.text, starts_digit=True, ends_digit=True)

    def print_sum(self, tree: Sum) -> Printed:
        pieces = []
        for index, (sign, term) in enumerate(tree.terms):
            text = self(term).text
            if isinstance(term, Sum):  # a − (b + c): the bracket is the meaning
                text = self.bracket(text)
            if index == 0:
                pieces.append(text)
            else:
                op = "-" if sign < 0 else "+"
                pieces.append(f" {op} {text}" if self.style.spaces else f"{op}{text}")
        return Printed("".join(pieces), atomic=False)

    def _separator(self, left: Printed, right: Printed, before: str) -> str:
        """What goes between *left* and *right* (*before*: all that is typed so far)."""
        product = self.style.product
        if product == "cdot":
            return {"latex": r" \cdot ", "plain": "*", "unicode": "·"}[self.style.spelling]
        if product == "star":
            return "*"
        if right.starts_digit or left.bare_function or left.quotient:
            return {"latex": r" \cdot ", "plain": "*", "unicode": "·"}[self.style.spelling]
        if product == "space":
            return " "
        # juxtaposition only where the reader cannot merge the two: no command or word run into a letter,
        # no run of three letters (wxb needs declared names), nothing typed after a plain name ending in digits
        tail = re.search(r"(\\?)([A-Za-z]*)$", before)
        head = re.match(r"[A-Za-z]*", right.text).group(0)
        if head and (tail.group(1) or len(tail.group(2)) + len(head) > 2 or len(tail.group(2)) > 1 or len(head) > 1):
            return " "
        if (left.ends_digit and right.text[:1].isalnum()) or re.match(r"[A-Za-z]+\d", right.text):
            return " "
        return ""

    def print_prod(self, tree: Prod) -> Printed:
        # a student writes the number first (2x, not x2); a bare function of a name only at the end
        factors = sorted(tree.factors, key=lambda f: 0 if isinstance(f, Num) else 1)
        printed = []
        for index, factor in enumerate(factors):
            p = self(factor)
            last = index == len(factors) - 1
            if p.bare_function and not last:
                p = self.print_apply(factor, force_brackets=True)
            if not p.atomic or (p.quotient and self.style.spelling != "latex") or isinstance(factor, Prod):
                p = Printed(self.bracket(p.text))
            printed.append(p)
        text = printed[0].text
        for left, right in zip(printed, printed[1:]):
            text += self._separator(left, right, text) + right.text
        return Printed(text, atomic=False, starts_digit=printed[0].starts_digit)

    def print_power(self, tree: Power) -> Printed:
        base, exponent = tree.base, tree.exponent
        exp_printed = self(exponent)
        if isinstance(exponent, Num) and self.style.spelling == "unicode" and exponent.text.lstrip("-").isdigit():
            superscript = exponent.text.translate(_SUPERSCRIPT)
        else:
            superscript = None
        caret = "**" if self.style.spelling == "plain" and self.style.product == "star" else "^"
        if isinstance(base, Apply) and base.function in _FUNCTION_SPELLINGS and base.function != "exp" \
                and self.style.function_power and isinstance(exponent, Num) and exponent.value > 0:
            name = _pick(_FUNCTION_SPELLINGS[base.function][_spelling_index(self.style)], self.style)
            script = superscript or "^" + self.script(exp_printed, digits_ok=True)
            return Printed(name + script + self.bracket(self(base.argument).text))
        base_printed = self(base)
        base_text = self.group(base_printed)
        if isinstance(base, (Power, Num)) and not base_printed.text.isdigit():
            base_text = self.bracket(base_printed.text)
        if isinstance(base, (Power, Quotient)) or base_printed.bare_function or (isinstance(base, Apply) and base.function == "exp"):
            base_text = self.bracket(base_printed.text)
        if superscript:
            return Printed(base_text + superscript, starts_digit=base_text[:1].isdigit())
        script = self.script(exp_printed, digits_ok=True)
        if caret == "**" and not script.startswith("("):
            script = script if exp_printed.atomic else f"({script})"
        return Printed(base_text + caret + script, starts_digit=base_text[:1].isdigit())

    def print_quotient(self, tree: Quotient) -> Printed:
        top, bottom = self(tree.numerator), self(tree.denominator)
        if self.style.spelling == "latex":
            return Printed(r"\frac{" + top.text + "}{" + bottom.text + "}")
        return Printed(self.group(top) + "/" + self.group(bottom), quotient=True, starts_digit=top.starts_digit)

    def print_apply(self, tree: Apply, force_brackets: bool = False) -> Printed:
        argument = self(tree.argument)
        spelling = self.style.spelling
        simple = isinstance(tree.argument, Name)
        if tree.function == "sqrt":
            if spelling == "latex":
                return Printed(r"\sqrt{" + argument.text + "}")
            if spelling == "unicode" and simple and not force_brackets and self.style.bare:
                return Printed("√" + argument.text, bare_function=True)
            return Printed(("√" if spelling == "unicode" else "sqrt") + self.bracket(argument.text))
        if tree.function == "exp" and self.style.choice % 2 == 0:
            base = _pick(["e", r"\mathrm{e}"], self.style) if spelling == "latex" else "e"
            return Printed(base + "^" + self.script(argument, digits_ok=False))
        name = _pick(_FUNCTION_SPELLINGS[tree.function][_spelling_index(self.style)], self.style)
        if simple and self.style.bare and not force_brackets:
            return Printed(name + " " + argument.text, bare_function=True)
        return Printed(name + self.bracket(argument.text))


def typed(tree, style: Style) -> str:
    return Printer(style)(tree).text


# ---------------------------------------------------------------------------
# an oracle of difference, independent of the checker
# ---------------------------------------------------------------------------

_NUMERIC = {"sigmoid": lambda v: 1 / (1 + math.exp(-v)) if v > -700 else 0.0,
            "relu": lambda v: max(0.0, v)}


def _value(expr, point):
    try:
        value = complex(expr.subs(point).evalf(30))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if not all(math.isfinite(part) for part in (value.real, value.imag)):
        return None
    return value


def differ(answer, key, seed: int) -> bool:
    """True when some point shows *answer* ≠ *key*: different values, or the key defined and the answer not."""
    rng = random.Random(seed)
    symbols = sorted(answer.free_symbols | key.free_symbols, key=str)
    for _ in range(12):
        point = {s: sympy.Rational(rng.randint(-300, 300), 100) or sympy.Rational(1, 7) for s in symbols}
        k = _value(key, point)
        if k is None or abs(k.imag) > 1e-12 or abs(k) > 1e12:
            continue
        a = _value(answer, point)
        if a is None or abs(a.imag) > 1e-12:
            return True
        if abs(a - k) > 1e-6 * max(1.0, abs(k)):
            return True
    return False


def mutations(tree):
    """Small changes a student makes by mistake (a sign, a power, a name, a function, a dropped factor)."""
    if isinstance(tree, Name):
        for other in ("x", "y", "x_2", "yhat"):
            if other != tree.name:
                yield Name(other)
        return
    if isinstance(tree, Num):
        yield Num(tree.value + 1, str(tree.value + 1))
        return
    if isinstance(tree, Sum):
        for i, (sign, term) in enumerate(tree.terms):
            if i:
                yield Sum(tree.terms[:i] + ((-sign, term),) + tree.terms[i + 1:])
            for m in mutations(term):
                yield Sum(tree.terms[:i] + ((sign, m),) + tree.terms[i + 1:])
        return
    if isinstance(tree, Prod):
        if isinstance(tree.factors[-1], Power) is False:
            yield Power(tree, Num(sympy.Integer(2), "2"))  # (wx)² for wx
        for i, factor in enumerate(tree.factors):
            yield Prod(tree.factors[:i] + tree.factors[i + 1:]) if len(tree.factors) > 2 else tree.factors[1 - i]
            for m in mutations(factor):
                yield Prod(tree.factors[:i] + (m,) + tree.factors[i + 1:])
        return
    if isinstance(tree, Power):
        if isinstance(tree.base, Prod):  # wx² for (wx)²
            yield Prod(tree.base.factors[:-1] + (Power(tree.base.factors[-1], tree.exponent),))
        yield tree.base
        for m in mutations(tree.exponent):
            yield Power(tree.base, m)
        for m in mutations(tree.base):
            yield Power(m, tree.exponent)
        return
    if isinstance(tree, Quotient):
        yield Quotient(tree.denominator, tree.numerator)
        for m in mutations(tree.numerator):
            yield Quotient(m, tree.denominator)
        return
    for other in ("sigmoid", "tanh", "exp"):
        if other != tree.function:
            yield Apply(other, tree.argument)
    yield tree.argument
    for m in mutations(tree.argument):
        yield Apply(tree.function, m)


def _tower(tree) -> int:
    """How deep exponents nest (x^{y^z} is 2, e^{e^{x^2}} is 3)."""
    if isinstance(tree, Power):
        return max(_tower(tree.base), 1 + _tower(tree.exponent))
    if isinstance(tree, Apply):
        return (1 if tree.function == "exp" else 0) + _tower(tree.argument)
    if isinstance(tree, (Sum, Prod)):
        return max(_tower(part[1] if isinstance(part, tuple) else part)
                   for part in (tree.terms if isinstance(tree, Sum) else tree.factors))
    if isinstance(tree, Quotient):
        return max(_tower(tree.numerator), _tower(tree.denominator))
    return 0


def _parts(tree):
    """*tree* and every tree inside it."""
    yield tree
    if isinstance(tree, Sum):
        inner = [t for _, t in tree.terms]
    elif isinstance(tree, Prod):
        inner = list(tree.factors)
    elif isinstance(tree, Power):
        inner = [tree.base, tree.exponent]
    elif isinstance(tree, Quotient):
        inner = [tree.numerator, tree.denominator]
    elif isinstance(tree, Apply):
        inner = [tree.argument]
    else:
        inner = []
    for part in inner:
        yield from _parts(part)


def _numbers_within_limit(tree) -> bool:
    """No number the tree computes has more than 1000 digits (docs/reading-answers.md, Limits): (e^{e^7})^3 has 1430."""
    for part in _parts(tree):
        if isinstance(part, (Name, Num)) or names_of(part):
            continue
        value = abs(sympy.N(to_sympy(part), 15))
        if value != 0 and value.is_finite and abs(sympy.log(value, 10)) > 1000:
            return False
    return True


def _readable(tree) -> bool:
    """Trees whose value sympy can build (no 0 denominators, no huge powers), within the reader's limits."""
    if _tower(tree) >= 3:  # the reader refuses power towers by design (docs: limits)
        return False
    try:
        value = to_sympy(tree)
    except (ZeroDivisionError, ValueError):
        return False
    if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or value.is_number and not value.is_finite:
        return False
    return sympy.count_ops(value) < 80 and _numbers_within_limit(tree)


def _same(reading, expected) -> bool:
    if reading == expected:
        return True
    difference = sympy.expand(reading - expected)
    return difference == 0 or sympy.simplify(difference) == 0


#: CI tries one fixed set of examples; MATHOMONG_FRESH_EXAMPLES=1 (with pytest --hypothesis-seed=N) draws new ones
_FIXED = not os.environ.get("MATHOMONG_FRESH_EXAMPLES")
PROPERTY = settings(max_examples=500, deadline=None, derandomize=_FIXED, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
PROPERTY_MANY = settings(max_examples=5000, deadline=None, derandomize=_FIXED, database=None,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _reads_back(tree, style):
    assume(_readable(tree))
    text = typed(tree, style)
    expected = to_sympy(tree)
    reading = read(text, conventions={"symbols": sorted(names_of(tree))})
    assert _same(reading.value, expected), (text, reading.value, expected)


def _never_accepts_a_different_tree(tree, style, key_style, pick):
    assume(_readable(tree))
    candidates = [m for m in mutations(tree) if _readable(m)]
    assume(candidates)
    wrong = candidates[pick % len(candidates)]
    answer, key = to_sympy(wrong), to_sympy(tree)
    assume(differ(answer, key, seed=pick))
    text = typed(wrong, style)
    for given_key in (key, typed(tree, key_style)):
        result = check_answer(text, given_key, timeout=None)
        assert result.verdict != "correct", (text, given_key, result.feedback)


def _same_text_is_correct(tree, style):
    assume(_readable(tree))
    text = typed(tree, style)
    result = check_answer(text, text, timeout=None)
    assert result.verdict == "correct", (text, result.feedback)


@PROPERTY
@given(trees, styles)
def test_a_tree_typed_as_students_type_it_reads_back_as_the_tree(tree, style):
    _reads_back(tree, style)


@PROPERTY
@given(trees, styles, styles, st.integers(0, 10_000))
def test_a_tree_that_differs_from_the_key_is_never_accepted(tree, style, key_style, pick):
    _never_accepts_a_different_tree(tree, style, key_style, pick)


@PROPERTY
@given(trees, styles)
def test_the_same_text_as_key_and_as_answer_is_always_correct(tree, style):
    _same_text_is_correct(tree, style)


@PROPERTY
@given(trees, styles, styles)
def test_two_spellings_of_one_tree_are_correct_against_each_other(tree, style, key_style):
    assume(_readable(tree))
    result = check_answer(typed(tree, style), typed(tree, key_style), timeout=None)
    assert result.verdict == "correct", (typed(tree, style), typed(tree, key_style), result.feedback)


@pytest.mark.slow
@PROPERTY_MANY
@given(trees, styles)
def test_many_trees_read_back(tree, style):
    _reads_back(tree, style)


@pytest.mark.slow
@PROPERTY_MANY
@given(trees, styles, styles, st.integers(0, 10_000))
def test_many_different_trees_are_never_accepted(tree, style, key_style, pick):
    _never_accepts_a_different_tree(tree, style, key_style, pick)


@pytest.mark.slow
@PROPERTY_MANY
@given(trees, styles)
def test_many_texts_as_key_and_answer_are_correct(tree, style):
    _same_text_is_correct(tree, style)


# ---------------------------------------------------------------------------
# numbers: exact values exactly, rounded values by the places typed
# ---------------------------------------------------------------------------

#: closed forms of one argument, each with two spellings of the same function
_CLOSED_FORMS = {
    "sigmoid": (lambda v: sigmoid(v), [r"\sigma({})", "sigmoid({})", r"\frac{{1}}{{1+e^{{-{}}}}}"]),
    "tanh": (lambda v: sympy.tanh(v), [r"\tanh({})", "tanh({})", r"2\sigma(2 \cdot {}) - 1"]),
    "exp": (lambda v: sympy.exp(v), [r"e^{{{}}}", "exp({})"]),
    "sqrt": (lambda v: sympy.sqrt(v), [r"\sqrt{{{}}}", "sqrt({})"]),
}
_ARGUMENTS = st.sampled_from([1, 2, 3, 5, 6, 7, 8, 9, 10, 12, 15, 20]).map(sympy.Integer)
closed_forms = st.tuples(st.sampled_from(sorted(_CLOSED_FORMS)), _ARGUMENTS, st.integers(0, 5))


def _closed_form(spec):
    name, argument, choice = spec
    build, spellings = _CLOSED_FORMS[name]
    return build(argument), spellings[choice % len(spellings)].format(argument)


def _digits(value, places: int) -> sympy.Rational:
    """*value* rounded to *places* decimals, exactly."""
    scaled = sympy.N(value, 60) * 10 ** places
    return sympy.Rational(int(sympy.floor(scaled + sympy.Rational(1, 2))), 10 ** places)


def _decimal_text(value: sympy.Rational, places: int) -> str:
    sign = "-" if value < 0 else ""
    whole, fraction = divmod(abs(value) * 10 ** places, 10 ** places)
    return f"{sign}{int(whole)}" + (f".{int(fraction):0{places}d}" if places else "")


@PROPERTY
@given(closed_forms, closed_forms)
def test_two_exact_numbers_are_equal_only_when_they_are_equal(answer_spec, key_spec):
    """σ(7) and tanh(7) are 9·10⁻⁴ apart: within a tolerance for rounded numbers, but different."""
    answer, answer_text = _closed_form(answer_spec)
    key, key_text = _closed_form(key_spec)
    equal = abs(sympy.N(answer - key, 60)) <= sympy.Float(10) ** -40 * abs(sympy.N(key, 60))
    for given_key in (key, key_text):
        result = check_answer(answer_text, given_key, timeout=None)
        assert (result.verdict == "correct") == bool(equal), (answer_text, given_key, result.feedback)


@PROPERTY
@given(closed_forms, st.integers(1, 9), st.integers(-2, 2), st.booleans())
def test_a_decimal_is_correct_exactly_when_the_key_rounds_to_it(key_spec, places, off, key_as_text):
    """Right: the key rounded to the places typed, and as precise as the key asks (3 significant digits)."""
    key, key_text = _closed_form(key_spec)
    typed = _digits(key, places) + off * sympy.Rational(1, 10 ** places)
    text = _decimal_text(typed, places)
    distance = abs(sympy.N(typed - key, 60))
    half_unit = sympy.Rational(1, 2 * 10 ** places)
    asked = sympy.Rational(1, 1000) * max(abs(sympy.N(key, 60)), abs(typed)) + sympy.Float(1e-12)
    # the checker works in floating point: leave out what lies within a hair of either boundary
    assume(abs(distance - half_unit) > sympy.Float(1e-9) * half_unit and abs(distance - asked) > sympy.Float(1e-9) * asked)
    right = distance <= half_unit and distance <= asked
    result = check_answer(text, key_text if key_as_text else key, timeout=None)
    assert (result.verdict == "correct") == bool(right), (text, key_text, result.feedback)


@pytest.mark.slow
@PROPERTY_MANY
@given(closed_forms, closed_forms)
def test_many_exact_numbers_are_equal_only_when_they_are_equal(answer_spec, key_spec):
    test_two_exact_numbers_are_equal_only_when_they_are_equal.hypothesis.inner_test(answer_spec, key_spec)


@pytest.mark.slow
@PROPERTY_MANY
@given(closed_forms, st.integers(1, 9), st.integers(-2, 2), st.booleans())
def test_many_decimals_are_correct_exactly_when_the_key_rounds_to_them(key_spec, places, off, key_as_text):
    test_a_decimal_is_correct_exactly_when_the_key_rounds_to_it.hypothesis.inner_test(key_spec, places, off,
                                                                                       key_as_text)


# the printer itself: a few spellings it must produce, so that the properties test what they say

@pytest.mark.parametrize("tree, style, text", [
    (Prod((Name("w"), Power(Name("x"), Num(sympy.Integer(2), "2")))),
     Style("plain", "juxtapose", False, False, False, False, False, 0), "wx^2"),
    (Prod((Name("x_1"), Name("x_2"))), Style("latex", "juxtapose", False, False, False, False, False, 0), "x_1x_2"),
    (Apply("tanh", Name("x")), Style("latex", "juxtapose", False, False, False, True, False, 0), r"\tanh x"),
    (Prod((Num(sympy.Integer(2), "2"), Sum(((1, Name("yhat")), (-1, Name("y")))))),
     Style("unicode", "juxtapose", False, False, True, False, False, 0), "2(ŷ - y)"),
    (Power(Apply("tanh", Name("z")), Num(sympy.Integer(2), "2")),
     Style("latex", "space", True, False, False, False, True, 0), r"\tanh^2\left(z\right)"),
])
def test_the_printer_types_as_students_do(tree, style, text):
    assert typed(tree, style) == text
