r"""The one grammar: tokens to a sympy tree *as typed*, by precedence climbing.

From loosest to tightest::

    answer      := environment | piecewise | tuple | expression
    expression  := term (("+" | "-") term)*
    term        := unary (("*" | "/") unary | unary)*        juxtaposition is a product
    unary       := ("-" | "+") unary | power
    power       := postfix ("^" script)?                      x^y^z is x^(y^z)
    postfix     := primary "!"*
    primary     := number | name scripts | function | group | |expr| | \frac | \sqrt

* A script (``^``, ``_``) takes one token unless braced, as in TeX: a
  number (all its digits), one letter or name, a command, a bracketed group,
  or a function with its argument.  ``wx^2`` is w·x², ``x_1x_2`` is x₁·x₂,
  ``x^2_1`` is x₁², ``x^23`` is x²³.
* A bracket after a name is a product (``x(1 - x)``, ``w_1(x)``); after a
  function it holds the argument.  A function without brackets takes the
  product that follows, up to the next bracket, operator or function
  (``\sin 2x`` is sin(2x), ``\sin x \cos x`` is sin(x)·cos(x),
  ``\sigma z (1 - \sigma z)`` is σ(z)(1 − σ(z))).
* ``a/bc`` is ambiguous (is it a/(bc) or (a/b)c?) and refused with a hint.

The tree is built unevaluated (``x*x`` stays a product, ``x + x`` a sum,
``0.0157`` a decimal), so it can be checked against the limits and echoed as
typed; :func:`evaluate` turns it into the canonical sympy expression, with
decimals as exact rationals.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING

import sympy

from ..errors import ParseError
from ..naming import _GREEK_UNICODE, sym
from .conventions import Conventions
from .functions import BRACKET_ONLY, INDEXED_FUNCTIONS, Primed, apply_function, lookup_function
from .names import LAYERED, plain_name
from .tokens import Token
from .words import FONTS, KNOWN_WORDS, NotAFormula

if TYPE_CHECKING:
    from . import Places

__all__ = ["parse_tokens", "evaluate", "typed_places"]

GREEK = frozenset(_GREEK_UNICODE) | {"varepsilon", "varphi", "vartheta", "varrho", "varsigma", "Delta", "Gamma",
                                     "Lambda", "Phi", "Psi", "Omega", "Sigma", "Theta", "Pi", "Xi", "Upsilon"}
_GREEK_PLAIN = {"varepsilon": "epsilon", "varphi": "phi", "vartheta": "theta", "varrho": "rho", "varsigma": "sigma"}
ACCENTS = frozenset({"hat", "widehat", "bar", "overline", "tilde", "widetilde", "vec", "dot"})
_FRACTIONS = frozenset({"frac", "dfrac", "tfrac", "cfrac"})
_TEXT = frozenset({"text", "textrm", "mbox", "textit", "textbf"})
_REJECTED = {
    "partial": "derivative notation (∂) cannot be an answer; write the derivative's value",
    "nabla": "∇ cannot be an answer; write the components",
    "int": "an integral cannot be an answer; write its value",
    "sum": "write the sum out term by term",
    "prod": "write the product out factor by factor",
    "lim": "a limit cannot be an answer; write its value",
    "infty": "∞ is not an allowed value",
    "pm": "± gives two answers; write the one that is asked for",
    "mp": "∓ gives two answers; write the one that is asked for",
    "ldots": "write the terms out instead of …", "cdots": "write the terms out instead of …",
    "dots": "write the terms out instead of …", "to": "a limit or an arrow cannot be an answer",
    "rightarrow": "an arrow cannot be an answer", "Rightarrow": "an arrow cannot be an answer",
    "binom": "write the binomial coefficient's value", "det": "a determinant cannot be an answer; write its value",
}
_RELATIONS = {"<": sympy.StrictLessThan, ">": sympy.StrictGreaterThan, "<=": sympy.LessThan,
              ">=": sympy.GreaterThan, "!=": sympy.Unequality, "=": sympy.Equality}
_SEPARATORS = ("=", "approx", "assign")
_OPENING = {"(": ")", "[": "]", "{": "}"}
_MATRICES = {"pmatrix", "bmatrix", "matrix", "Bmatrix", "smallmatrix", "array"}
MAX_NESTING = 60


# ---------------------------------------------------------------------------
# building blocks of the tree as typed
# ---------------------------------------------------------------------------

def _mul(factors):
    factors = [f for f in factors]
    return factors[0] if len(factors) == 1 else sympy.Mul(*factors, evaluate=False)


def _neg(value):
    if isinstance(value, sympy.Number):
        return -value
    return sympy.Mul(sympy.S.NegativeOne, value, evaluate=False)


def _quotient(top, bottom):
    return sympy.Mul(top, sympy.Pow(bottom, -1, evaluate=False), evaluate=False)


def _power(base, exponent):
    if base is sympy.E:
        return sympy.exp(exponent, evaluate=False)
    return sympy.Pow(base, exponent, evaluate=False)


class Parser:
    """Precedence climbing over one token list; every ParseError names what went wrong."""

    def __init__(self, tokens: list[Token], conventions: Conventions, decimals: dict):
        self.tokens = tokens
        self.i = 0
        self.conv = conventions
        self.decimals = decimals
        self.abs_depth = 0
        self.nesting = 0
        self.no_power = False  # reading the one-name argument of a root: its power stays outside

    # -- token helpers ---------------------------------------------------------
    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def peek_is(self, offset: int, *texts: str) -> bool:
        """Whether the token at *offset* is one of the operators *texts*."""
        tok = self.peek(offset)
        return tok is not None and tok.is_op(*texts)

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise ParseError("the expression ends too early")
        self.i += 1
        return tok

    def at(self, *texts) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "op" and tok.text in texts

    def expect(self, text: str, what: str) -> Token:
        tok = self.peek()
        if tok is None:
            raise ParseError(f"{what} is never closed" if text in ")]}|" else f"expected {text!r} at the end")
        if not (tok.is_op(text) or (text == "|" and tok.kind == "absclose")):
            if tok.kind == "op" and tok.text in ")]}" and text in ")]}":
                raise ParseError(f"{what} is closed by {tok.text}")
            raise ParseError(f"expected {text!r} but found {tok.text!r}")
        self.i += 1
        return tok

    def enter(self):
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise ParseError("the expression is nested too deeply")

    def leave(self):
        self.nesting -= 1

    def finish(self, value):
        tok = self.peek()
        if tok is not None:
            raise ParseError(_unexpected(tok))
        return value

    # -- expressions -----------------------------------------------------------
    def expression(self):
        self.enter()
        terms = [self.term()]
        while self.at("+", "-"):
            sign = self.take().text
            term = self.term()
            terms.append(term if sign == "+" else _neg(term))
        self.leave()
        return terms[0] if len(terms) == 1 else sympy.Add(*terms, evaluate=False)

    def term(self):
        factors = [self.unary()]
        previous = self.tokens[self.i - 1] if self.i else None
        while True:
            tok = self.peek()
            if tok is None:
                break
            if tok.is_op("*"):
                self.take()
                factors.append(self.unary())
            elif tok.is_op("/"):
                self.take()
                divisor = self.unary()
                after = self.peek()
                if after is not None and self.starts_factor(after):
                    raise ParseError(
                        f"'{_source(self.tokens, previous, after)}…' is ambiguous after the '/': "
                        "use brackets, as in a/(bc) or (a/b)c, or \\frac{a}{b}")
                factors = [_quotient(_mul(factors), divisor)]
            elif self.starts_factor(tok):
                if not self.conv.implicit_multiplication:
                    raise ParseError(f"write * for a product (before {tok.text!r})")
                last = self.tokens[self.i - 1]
                if tok.kind == "num" and last.kind == "num":
                    raise ParseError(f"two numbers side by side ({last.text} {tok.text}): write {last.text}*{tok.text} "
                                     f"for a product or {last.text}{tok.text} for one number")
                factors.append(self.power())
            else:
                break
            previous = self.tokens[self.i - 1]
        return _mul(factors)

    def starts_factor(self, tok: Token) -> bool:
        if tok.kind in ("num", "name", "func", "cmd", "absopen", "raw"):
            return not (tok.kind == "cmd" and tok.text in (r"\end", r"\begin"))
        if tok.kind == "op":
            return tok.text in ("(", "[", "{") or (tok.text == "|" and self.abs_depth == 0)
        return False

    def unary(self):
        if self.at("-"):
            self.take()
            self.enter()
            value = _neg(self.unary())
            self.leave()
            return value
        if self.at("+"):
            self.take()
            return self.unary()
        return self.power()

    def power(self):
        base = self.postfix()
        if self.at("^"):
            self.take()
            base = _power(base, self.script())
        if self.at("^"):
            raise ParseError("two powers in a row: use braces, as in x^{a^{b}}")
        return base

    def postfix(self):
        value = self.primary()
        while self.at("!"):
            self.take()
            value = sympy.factorial(value, evaluate=False)
        if self.at("'"):
            raise ParseError("a prime (') belongs on a function, as in \\sigma'(z); write the derivative's value")
        return value

    def script(self):
        """The argument of ``^``: a braced group, or one token (with a sign); towers nest to the right."""
        self.enter()
        tok = self.peek()
        if tok is None:
            raise ParseError("a power needs an exponent")
        if tok.is_op("{"):
            value = self.braced()
        elif tok.is_op("-", "+"):
            self.take()
            inner = self.script_atom()
            value = _neg(inner) if tok.text == "-" else inner
        else:
            value = self.script_atom()
        if self.at("^"):
            self.take()
            value = _power(value, self.script())
        self.leave()
        return value

    def script_atom(self):
        tok = self.peek()
        if tok is None:
            raise ParseError("a power needs an exponent")
        if tok.kind == "num":
            return self.number(self.take())
        if tok.kind in ("name", "raw"):
            return self.name(self.take(), scripts=False)
        if tok.kind in ("func", "cmd") or tok.is_op("(", "[", "|") or tok.kind == "absopen":
            return self.primary()
        if tok.is_op("'"):
            raise ParseError("cannot read a prime (') after '^' on a name; a prime belongs on a function, "
                             "as in \\sigma'(z)")
        raise ParseError(f"cannot read the exponent after '^' (found {tok.text!r})")

    # -- primaries -------------------------------------------------------------
    def primary(self):
        tok = self.peek()
        if tok is None:
            raise ParseError("the expression ends too early")
        kind = tok.kind
        if kind == "num":
            return self.number(self.take())
        if kind in ("name", "raw"):
            return self.name(self.take())
        if kind == "func":
            return self.application(self.take().text)
        if kind == "keyword":
            raise ParseError(f"'{tok.text}' belongs in a piecewise answer, as in {{1 if z > 0; 0 otherwise}}")
        if kind == "cmd":
            return self.command()
        if kind == "absopen" or tok.is_op("|"):
            return self.absolute()
        if tok.is_op("(", "["):
            return self.bracketed()
        if tok.is_op("{"):
            return self.braced()
        raise ParseError(_unexpected(tok))

    def number(self, tok: Token):
        value = tok.value
        assert value is not None  # the tokenizer gives every number token its value
        if value.denominator == 1 and not any(c in tok.text for c in ".eE"):
            return sympy.Integer(value.numerator)
        exact = sympy.Rational(value.numerator, value.denominator)
        shown = sympy.Float(exact, max(15, len(tok.text) + 2))
        self.decimals[shown] = (exact, _places(tok.text))
        return shown

    def bracketed(self):
        opener = self.take().text
        self.enter()
        inner = self.expression()
        if self.at(","):
            raise ParseError("a tuple can only be a whole answer, as in (a, b)")
        self.expect(_OPENING[opener], f"the bracket {opener}")
        self.leave()
        return inner

    def braced(self):
        r"""A TeX group ``{…}``: grouping, or ``{a \over b}``."""
        self.take()
        self.enter()
        inner = self.expression()
        if self.at("over"):
            self.take()
            inner = _quotient(inner, self.expression())
        if self.at(","):
            raise ParseError("a tuple can only be a whole answer, as in (a, b)")
        self.expect("}", "the brace {")
        self.leave()
        return inner

    def absolute(self):
        self.take()
        self.enter()
        self.abs_depth += 1
        inner = self.expression()
        self.abs_depth -= 1
        tok = self.peek()
        if tok is None or not (tok.kind == "absclose" or tok.is_op("|")):
            raise ParseError("a | is never closed" if tok is None else f"expected a closing | but found {tok.text!r}")
        self.take()
        self.leave()
        return sympy.Abs(inner, evaluate=False)

    # -- names -----------------------------------------------------------------
    def name(self, tok: Token, scripts: bool = True, base: str | None = None, accent: str | None = None,
             powers: bool = True):
        base = base or tok.text
        digits = tok.digits
        subscripts: list[str] = []
        layer = None
        power = None
        powers = powers and not self.no_power
        self.no_power = False
        while scripts and (self.at("_") or (self.at("^") and (powers or (base in LAYERED and self.layer_ahead(1))))):
            if self.take().text == "_":
                subscripts.append(self.subscript(base))
            elif base in LAYERED and layer is None and power is None and self.layer_ahead():
                layer = self.layer()
            elif power is None:
                power = self.script()
            else:
                raise ParseError(f"two powers on {base}: use braces, as in {base}^{{a^{{b}}}}")
        if len(subscripts) > 1 and not (digits or all(s.isdigit() for s in subscripts)):
            raise ParseError(f"two subscripts on {base}: use one, as in {base}_{{{','.join(subscripts)}}}")
        subscript = ",".join(subscripts) if subscripts else None
        if self.at("'"):
            raise ParseError(f"a prime (') on {base} cannot be read; write the derivative's value")
        value = self.symbol(base, accent=accent, layer=layer, subscript=subscript, digits=digits)
        return _power(value, power) if power is not None else value

    def symbol(self, base, **parts):
        plain_parts = {k: v for k, v in parts.items() if v}
        if not plain_parts and not self.conv.declares(base):
            if base == "e":
                return sympy.E
            if base == "pi":
                return sympy.pi
        return sym(plain_name(base, **parts))

    def subscript(self, base: str) -> str:
        tok = self.peek()
        if tok is None:
            raise ParseError(f"a subscript on {base} is missing")
        if tok.is_op("{"):
            self.take()
            parts = []
            while not self.at("}"):
                inner = self.peek()
                if inner is None:
                    raise ParseError("the brace { is never closed")
                if inner.kind in ("num", "raw", "name") or inner.is_op(","):
                    parts.append(inner.text + inner.digits if inner.kind != "num" else inner.text)
                elif inner.kind == "cmd" and inner.text[1:] in GREEK:
                    parts.append(inner.text[1:])
                else:
                    raise ParseError(f"cannot read the subscript of {base} (it has {inner.text!r} in it)")
                self.take()
            self.take()
            return "".join(parts)
        self.take()
        if tok.kind == "num" and tok.text.isdigit():
            return tok.text
        if tok.kind in ("raw", "name") and len(tok.text) == 1 and not tok.digits:
            return tok.text
        if tok.kind == "cmd" and tok.text[1:] in GREEK:
            return tok.text[1:]
        raise ParseError(f"cannot read the subscript {tok.text!r} of {base}")

    def layer_ahead(self, offset: int = 0) -> bool:
        r"""Whether ``(2)``, ``[2]``, ``{(2)}`` or ``{[2]}`` follows (a layer, not a power)."""
        at_brace = self.peek_is(offset, "{")
        j = offset + (1 if at_brace else 0)
        opener, number, closer = self.peek(j), self.peek(j + 1), self.peek(j + 2)
        if opener is None or number is None or closer is None or not opener.is_op("(", "["):
            return False
        layer_like = (number.kind == "num" and number.text.isdigit()) or (
            number.kind in ("name", "raw") and len(number.text) == 1 and not number.digits)
        if not layer_like or not closer.is_op(_OPENING[opener.text]):
            return False
        return not at_brace or self.peek_is(j + 3, "}")

    def layer(self) -> str:
        braced = self.at("{")
        if braced:
            self.take()
        self.take()
        number = self.take().text
        self.take()
        if braced:
            self.take()
        return number

    # -- functions ---------------------------------------------------------------
    def application(self, name: str):
        spec = lookup_function(name)
        if spec is None:
            raise ParseError(f"unknown function {name}")
        self.enter()
        primes = 0
        power = None
        subscript = None
        while True:
            if self.at("'"):
                self.take()
                primes += 1
            elif self.at("^"):
                self.take()
                if self.at("'"):
                    while self.at("'"):
                        self.take()
                        primes += 1
                elif self.at("{") and self.peek_is(1, "'"):
                    self.take()
                    while self.at("'"):
                        self.take()
                        primes += 1
                    self.expect("}", "the brace {")
                elif power is None:
                    power = self.script()
                else:
                    raise ParseError(f"two powers on {spec.name}")
            elif self.at("_") and subscript is None and (name == "log" or name in INDEXED_FUNCTIONS):
                self.take()
                subscript = self.script()
            else:
                break
        args = self.arguments(spec.name)
        if name in INDEXED_FUNCTIONS:
            if subscript is None:
                raise ParseError(f"{spec.name} needs its component as a subscript, as in {spec.name}_1(…)")
            args = [subscript] + args
        elif subscript is not None:
            args = args + [subscript]  # \log_{b}(x)
        if power is not None and power in (sympy.S.NegativeOne,) or (
                power is not None and isinstance(power, sympy.Mul) and power.args == (sympy.S.NegativeOne, sympy.S.One)):
            raise ParseError(f"{spec.name}^(-1) is ambiguous; write 1/{spec.name}(…) or the inverse function's name")
        value = apply_function(spec, args, self.conv, primes, evaluate=False)
        self.leave()
        return sympy.Pow(value, power, evaluate=False) if power is not None else value

    def arguments(self, name: str) -> list:
        tok = self.peek()
        if tok is None:
            raise ParseError(f"{name} needs an argument")
        if tok.is_op("(", "[", "{"):
            opener = self.take().text
            if self.at(_OPENING[opener]):
                raise ParseError(f"an empty argument of {name}")
            args = [self.expression()]
            if opener == "{" and self.at("over"):
                self.take()
                args = [_quotient(args[0], self.expression())]
            while self.at(","):
                self.take()
                args.append(self.expression())
            self.expect(_OPENING[opener], f"the bracket {opener}")
            return args
        if tok.kind == "absopen" or tok.is_op("|"):
            return [self.absolute()]
        return [self.bare_argument(name)]

    def bare_argument(self, name: str):
        r"""``\sin 2x``, ``\ln x^2``, ``\sigma z``: the product up to a bracket, an operator or a function."""
        if self.at("-", "+"):
            sign = self.take().text
            inner = self.bare_argument(name)
            return _neg(inner) if sign == "-" else inner
        tok = self.peek()
        if tok is None or not self.starts_factor(tok) or tok.is_op("(", "["):
            raise ParseError(f"{name} needs an argument")
        if tok.kind == "func" or self.command_is_function(self.i):
            return self.power()  # \ln \sigma(z): the inner function is the whole argument
        factors = [self.power()]
        while True:
            tok = self.peek()
            if tok is None or not self.starts_factor(tok) or tok.is_op("(", "[", "|") or tok.kind in ("func", "absopen"):
                break
            if self.command_is_function(self.i):
                break
            if tok.kind == "num" and self.tokens[self.i - 1].kind == "num":
                raise ParseError(f"two numbers side by side ({self.tokens[self.i - 1].text} {tok.text})")
            factors.append(self.power())
        return _mul(factors)

    def command_is_function(self, index: int) -> bool:
        tok = self.tokens[index] if index < len(self.tokens) else None
        if tok is None or tok.kind != "cmd":
            return False
        name = tok.text[1:]
        if name in FONTS:
            word = self.group_word(index + 1)
            return word is not None and lookup_function(word) is not None and not self.conv.declares(word)
        if name in BRACKET_ONLY:
            following = self.tokens[index + 1] if index + 1 < len(self.tokens) else None
            return following is not None and following.is_op("(", "[") and not self.conv.declares(name)
        return lookup_function(name) is not None and name not in GREEK - {"sigma"} and not (
            name == "sigma" and self.conv.declares("sigma"))

    def group_word(self, index: int) -> str | None:
        """The letters of a ``{word}`` group starting at *index* (font arguments)."""
        if index >= len(self.tokens) or not self.tokens[index].is_op("{"):
            return None
        word: list[str] = []
        j = index + 1
        while j < len(self.tokens) and not self.tokens[j].is_op("}"):
            tok = self.tokens[j]
            if tok.kind not in ("raw", "name", "num") or tok.space and word:
                return None
            word.append(tok.text + tok.digits)
            j += 1
        return "".join(word) if j < len(self.tokens) else None

    # -- commands ----------------------------------------------------------------
    def command(self):
        tok = self.take()
        name = tok.text[1:]
        if name in _REJECTED:
            raise ParseError(_REJECTED[name])
        if name in _FRACTIONS:
            if self.derivative_ahead():
                raise ParseError("derivative notation (d/dx) cannot be an answer; write the derivative's value")
            top = self.tex_argument(tok.text)
            bottom = self.tex_argument(tok.text)
            return _quotient(top, bottom)
        if name == "sqrt":
            return self.square_root()
        if name in FONTS:
            return self.font(name)
        if name in ACCENTS:
            return self.accented(name)
        if name == "pi" and not self.conv.declares("pi"):
            return sympy.pi
        if name in ("begin", "end"):
            raise ParseError("a matrix, vector or cases block can only be a whole answer")
        if name == "sigma" and self.conv.declares("sigma"):
            return self.name(tok, base="sigma")
        if name in BRACKET_ONLY and not (self.at("(", "[") and not self.conv.declares(name)):
            return self.name(tok, base=name)
        if lookup_function(name) is not None:
            return self.application(name)
        if name in GREEK:
            return self.name(tok, base=_GREEK_PLAIN.get(name, name))
        if name in ("exp",):
            return self.application(name)
        raise ParseError(f"unknown command {tok.text}")

    def tex_argument(self, command: str):
        """One TeX argument: a {group}, or a single character (``\\frac12``, ``\\frac ab``)."""
        tok = self.peek()
        if tok is None:
            raise ParseError(f"{command} needs two arguments")
        if tok.is_op("{"):
            return self.braced()
        if tok.kind == "num":
            self.take()
            first, rest = tok.text[0], tok.text[1:]
            if rest:
                if not rest[0].isdigit():
                    raise ParseError(f"put the arguments of {command} in braces, as in {command}{{1}}{{2}}")
                remainder = Token("num", rest, tok.start + 1, tok.end, False, value=Fraction(rest))
                self.tokens.insert(self.i, remainder)
            return sympy.Integer(int(first))
        if tok.kind in ("name", "raw") and len(tok.text) == 1:
            self.take()
            if tok.digits:  # \frac x2: the letter is one argument, the digits start the next
                self.tokens.insert(self.i, Token("num", tok.digits, tok.end - len(tok.digits), tok.end, False,
                                                 value=Fraction(tok.digits)))
            if command == r"\sqrt" and not tok.digits:
                # √x₁ is √(x₁): a subscript is part of the name (a power stays outside: √x² is (√x)²)
                return self.name(tok, powers=False)
            return self.name(replace(tok, digits=""), scripts=False)
        if command == r"\sqrt" and tok.kind == "cmd" and (tok.text[1:] in GREEK or tok.text[1:] in ACCENTS):
            # √ŷ, √α₁, √a^{[1]}_2: one whole name, with its subscript and layer, without its power
            self.no_power = True
            try:
                return self.command()
            finally:
                self.no_power = False
        if tok.kind == "cmd" and (tok.text[1:] in GREEK or tok.text == r"\pi"):
            self.take()
            if tok.text == r"\pi" and not self.conv.declares("pi"):
                return sympy.pi
            return self.symbol(_GREEK_PLAIN.get(tok.text[1:], tok.text[1:]))
        raise ParseError(f"put the arguments of {command} in braces, as in {command}{{a}}{{b}}")

    def derivative_ahead(self) -> bool:
        r"""``\frac{d}{dx}``, ``\frac{dy}{dx}``, ``\frac{\partial L}{\partial w}``: an operator, not a quotient."""
        def is_d(index):
            tok = self.peek(index)
            if tok is None:
                return False
            if tok.kind in ("name", "raw") and tok.text == "d" and not tok.digits:
                return True
            if tok.text == r"\partial":
                return True
            return tok.kind == "cmd" and tok.text[1:] in FONTS and self.group_word(self.i + index + 1) == "d"

        if not self.at("{") or not is_d(1):
            return False
        depth, j = 0, 0
        while (tok := self.peek(j)) is not None:
            if tok.is_op("{"):
                depth += 1
            elif tok.is_op("}"):
                depth -= 1
                if depth == 0:
                    break
            j += 1
        following = self.peek(j + 1)
        return following is not None and following.is_op("{") and is_d(j + 2)

    def square_root(self):
        root = None
        if self.at("["):
            self.take()
            root = self.expression()
            self.expect("]", "the bracket [")
        if self.at("("):
            radicand = self.bracketed()
        else:
            radicand = self.tex_argument(r"\sqrt")
        exponent = sympy.S.Half if root is None else sympy.Pow(root, -1, evaluate=False)
        return sympy.Pow(radicand, exponent, evaluate=False)

    def font(self, command: str):
        r"""``\mathrm{e}``, ``\operatorname{ReLU}``, ``\mathbf{x}_1``, ``\mathrm{prediction}``."""
        word = self.group_word(self.i)
        if word is None:
            tok = self.peek()
            if tok is not None and tok.kind in ("name", "raw") and len(tok.text) == 1:
                return self.name(self.take())  # \mathbf x
            if tok is not None and tok.is_op("{"):
                if command in _TEXT:
                    raise ParseError("text cannot be part of a formula")
                return self.braced()  # \mathbf{x + y}: the font changes nothing
            raise ParseError(f"cannot read \\{command} here")
        while not self.at("}"):
            self.take()
        self.take()
        if word == "e" and command != "mathit" and not self.conv.declares("e"):
            value = sympy.E
            if self.at("^"):
                self.take()
                value = _power(value, self.script())
            return value
        if lookup_function(word) is not None and not self.conv.declares(word):
            return self.application(word)
        if command in _TEXT and len(word) > 1 and word not in KNOWN_WORDS and not self.conv.declares(word):
            raise NotAFormula(f"text ('{word}') cannot be part of a formula", "word", [word])
        if not word.isalnum() or not word[0].isalpha():
            raise ParseError(f"cannot read \\{command}{{{word}}}")
        letters = word.rstrip("0123456789")
        marker = Token("raw", letters, 0, 0, digits=word[len(letters):])
        return self.name(marker)

    def accented(self, accent: str):
        tok = self.peek()
        if tok is None:
            raise ParseError(f"\\{accent} needs a letter")
        if tok.is_op("{"):
            inner = self.peek(1)
            if inner is None or not self.peek_is(2, "}"):
                raise ParseError(f"\\{accent} must sit on a single letter")
            self.take()
            self.take()
            self.take()
        else:
            inner = self.take()
        if inner.kind in ("name", "raw") and len(inner.text) == 1 and not inner.digits:
            base = inner.text
        elif inner.kind == "cmd" and inner.text[1:] in GREEK:
            base = _GREEK_PLAIN.get(inner.text[1:], inner.text[1:])
        else:
            raise ParseError(f"\\{accent} must sit on a single letter")
        return self.name(inner, base=base, accent=accent)


def _unexpected(tok: Token) -> str:
    text = tok.text
    if tok.kind == "op":
        if text in ")]}":
            return f"the bracket {text} was never opened"
        if text == ",":
            return "a tuple can only be a whole answer, as in (a, b)"
        if text in ("<", ">", "<=", ">=", "!="):
            return "a comparison cannot be an answer"
        if text == "'":
            return "a prime (') belongs on a function, as in \\sigma'(z)"
        if text == "_":
            return "a subscript must follow a symbol"
        if text == "^":
            return "a power needs a base"
        if text == "over":
            return "\\over must be inside braces, as in {1 \\over 2}"
        if text in ("=", "approx", "assign"):
            return "an equation inside brackets cannot be read"
        return f"unexpected {text!r}"
    if tok.kind == "rowsep":
        return "a line break (\\\\) outside a matrix or cases block"
    if tok.kind == "keyword":
        return f"'{text}' belongs in a piecewise answer, as in {{1 if z > 0; 0 otherwise}}"
    return f"unexpected {text!r}"


def _source(tokens, first, last) -> str:
    if first is None:
        return last.text
    start = tokens.index(first)
    end = tokens.index(last)
    return "".join((" " if t.space else "") + t.text + t.digits for t in tokens[start:end + 1]).strip()


# ---------------------------------------------------------------------------
# whole answers: equations, tuples, piecewise, matrices
# ---------------------------------------------------------------------------

def _depths(tokens):
    """Bracket depth before each token (environments count as brackets)."""
    depth = 0
    out = []
    for tok in tokens:
        if tok.kind == "op" and tok.text in ")]}" or tok.kind == "absclose" or tok.text == r"\end":
            depth -= 1
        out.append(depth)
        if tok.kind == "op" and tok.text in "([{" or tok.kind == "absopen" or tok.text == r"\begin":
            depth += 1
    return out


def _split(tokens, is_separator):
    parts = [[]]
    for tok, depth in zip(tokens, _depths(tokens)):
        if depth == 0 and is_separator(tok):
            parts.append([])
        else:
            parts[-1].append(tok)
    return parts


def _sub(tokens, conventions, decimals):
    if not tokens:
        raise ParseError("an empty expression")
    parser = Parser(list(tokens), conventions, decimals)
    return parser.finish(parser.expression())


def _decimal_commas(tokens, conventions, notes):
    """Join ``0`` ``,`` ``5`` into 0.5 at the top level, where a comma is not a list separator."""
    if not conventions.decimal_comma:
        return tokens
    depths = _depths(tokens)
    out = []
    index = 0
    while index < len(tokens):
        tok = tokens[index]
        if (tok.is_op(",") and depths[index] == 0 and out and out[-1].kind == "num" and not tok.space
                and index + 1 < len(tokens) and tokens[index + 1].kind == "num" and not tokens[index + 1].space
                and out[-1].text.isdigit() and tokens[index + 1].text.isdigit()):
            whole, fraction = out[-1].text, tokens[index + 1].text
            if whole.lstrip("0") and len(fraction) == 3:
                raise ParseError(f"'{whole},{fraction}' is ambiguous: write {whole}.{fraction} for a decimal "
                                 f"or {whole}{fraction} for a whole number")
            written = f"{whole}.{fraction}"
            out[-1] = Token("num", written, out[-1].start, tokens[index + 1].end, out[-1].space,
                            value=Fraction(written))
            notes.append(f"the comma in {whole},{fraction} as a decimal point")
            index += 2
            continue
        out.append(tok)
        index += 1
    return out


def _environment(tokens):
    r"""(name, body) when *tokens* are exactly one ``\begin{name} … \end{name}``."""
    if len(tokens) < 7 or tokens[0].text != r"\begin" or not tokens[1].is_op("{"):
        return None, None
    close = next((i for i in range(2, len(tokens)) if tokens[i].is_op("}")), None)
    if close is None:
        raise ParseError("\\begin{ is never closed")
    name = "".join(t.text for t in tokens[2:close])
    depth = 0
    for index, tok in enumerate(tokens):
        if tok.text == r"\begin":
            depth += 1
        elif tok.text == r"\end":
            depth -= 1
            if depth == 0:
                tail = tokens[index:]
                if len(tail) < 4 or not tail[1].is_op("{") or "".join(t.text for t in tail[2:-1]) != name \
                        or not tail[-1].is_op("}"):
                    raise ParseError(f"\\begin{{{name}}} must end with \\end{{{name}}}, and nothing after it")
                return name, tokens[close + 1:index]
    raise ParseError(f"\\begin{{{name}}} is never ended")


def _strip_text_words(tokens):
    r"""A condition without its words: ``\text{if } z > 0`` → ``z > 0``; (tokens, words)."""
    kept, words = [], []
    index = 0
    while index < len(tokens):
        tok = tokens[index]
        if tok.kind == "cmd" and tok.text[1:] in FONTS and index + 1 < len(tokens) and tokens[index + 1].is_op("{"):
            end = index + 2
            while end < len(tokens) and not tokens[end].is_op("}"):
                words.append(tokens[end].text)
                end += 1
            index = end + 1
            continue
        if tok.kind == "keyword":
            words.append(tok.text)
        elif not (tok.is_op(",", ".", ";") and index in (0, len(tokens) - 1)):
            kept.append(tok)
        index += 1
    return kept, [w for w in words if w.strip()]


def _condition(tokens, conventions, decimals):
    kept, words = _strip_text_words(tokens)
    otherwise = {"otherwise", "else", "elsewhere"}
    if not kept:
        if any(w in otherwise for w in words) or not words:
            return sympy.true
        raise ParseError(f"cannot read the condition {' '.join(words)!r}")
    if any(w in otherwise for w in words):
        raise ParseError("a condition cannot be both 'otherwise' and a comparison")
    unknown = [w for w in words if w not in ("if", "for", "when")]
    if unknown:
        raise ParseError(f"cannot read the words {' '.join(unknown)!r} in a condition")
    parts = [[]]
    relations = []
    for tok, depth in zip(kept, _depths(kept)):
        if depth == 0 and tok.kind == "op" and tok.text in _RELATIONS:
            relations.append(tok.text)
            parts.append([])
        else:
            parts[-1].append(tok)
    if not relations:
        raise ParseError("a condition needs a comparison, as in z > 0")
    sides = [_sub(part, conventions, decimals) for part in parts]
    checks = [_RELATIONS[op](sides[k], sides[k + 1], evaluate=False) for k, op in enumerate(relations)]
    return checks[0] if len(checks) == 1 else sympy.And(*checks, evaluate=False)


def _piece(tokens, conventions, decimals):
    """``value if condition``, ``value otherwise``, ``value`` (a clause of a piecewise answer)."""
    for index, tok in enumerate(tokens):
        if tok.kind == "keyword" and tok.text in ("if", "for", "when"):
            return _sub(tokens[:index], conventions, decimals), _condition(tokens[index + 1:], conventions, decimals)
    if tokens and tokens[-1].kind == "keyword" and tokens[-1].text in ("otherwise", "else", "elsewhere"):
        return _sub(tokens[:-1], conventions, decimals), sympy.true
    return _sub(tokens, conventions, decimals), sympy.true


def _piecewise(pieces):
    if not pieces:
        raise ParseError("an empty piecewise answer")
    if any(c is sympy.true for _, c in pieces[:-1]):
        raise ParseError("only the last piece of a piecewise answer can be 'otherwise'")
    return sympy.Piecewise(*pieces, evaluate=False)


def _cases(body, conventions, decimals):
    pieces = []
    for row in _split(body, lambda t: t.kind == "rowsep"):
        if not row:
            continue
        cells = _split(row, lambda t: t.is_op("&"))
        if len(cells) != 2:
            raise ParseError("each line of a cases block needs a value & a condition")
        pieces.append((_sub(cells[0], conventions, decimals), _condition(cells[1], conventions, decimals)))
    return _piecewise(pieces)


def _python_piecewise(tokens, conventions, decimals):
    """``a if c else b`` (and chains of them)."""
    pieces = []
    rest = tokens
    while True:
        split = _split(rest, lambda t: t.kind == "keyword" and t.text == "else")
        pieces.append(_piece(split[0], conventions, decimals))
        if len(split) == 1:
            return _piecewise(pieces)
        rest = _rejoin(split[1:])
        if not _has_top_level_keyword(rest, "if"):
            pieces.append((_sub(rest, conventions, decimals), sympy.true))
            return _piecewise(pieces)


def _rejoin(parts):
    joined = list(parts[0])
    for part in parts[1:]:
        joined.append(Token("keyword", "else", 0, 0))
        joined.extend(part)
    return joined


def _matrix(body, conventions, decimals):
    rows = []
    for row in _split(body, lambda t: t.kind == "rowsep"):
        if row:
            rows.append([_sub(cell, conventions, decimals) for cell in _split(row, lambda t: t.is_op("&"))])
    if not rows:
        raise ParseError("an empty matrix")
    if len({len(r) for r in rows}) != 1:
        raise ParseError("the rows of the matrix have different lengths")
    if len(rows[0]) == 1:
        return sympy.Tuple(*(r[0] for r in rows))
    if len(rows) == 1:
        return sympy.Tuple(*rows[0])
    return sympy.ImmutableMatrix(rows)


def _has_top_level_keyword(tokens, word):
    return any(t.kind == "keyword" and t.text == word and d == 0 for t, d in zip(tokens, _depths(tokens)))


def _wrapped(tokens) -> bool:
    """Whether the first token's bracket closes at the last token."""
    if not tokens or not (tokens[0].kind == "op" and tokens[0].text in _OPENING):
        return False
    depths = _depths(tokens)
    return len(tokens) > 1 and all(d > 0 for d in depths[1:-1]) and depths[-1] == 0 \
        and tokens[-1].is_op(_OPENING[tokens[0].text])


def _answer(tokens, conventions, decimals, notes):
    name, body = _environment(tokens)
    if name is not None:
        if name == "cases":
            return _cases(body, conventions, decimals)
        if name in _MATRICES:
            return _matrix(body, conventions, decimals)
        if name == "vmatrix":
            raise ParseError("a determinant cannot be an answer; write its value")
        if name in ("equation", "equation*", "align", "align*", "displaymath", "math", "gather", "gather*"):
            return _answer(body, conventions, decimals, notes)
        raise ParseError(f"the environment {name!r} cannot be read")
    if _wrapped(tokens) and tokens[1].text == r"\begin":
        inner_name, _ = _environment(tokens[1:-1])
        if inner_name in _MATRICES:
            return _answer(tokens[1:-1], conventions, decimals, notes)
    if _has_top_level_keyword(tokens, "if"):
        return _python_piecewise(tokens, conventions, decimals)
    if _wrapped(tokens) and tokens[0].is_op("{") and _has_top_level_keyword(tokens[1:-1], "if"):
        clauses = _split(tokens[1:-1], lambda t: t.is_op(";", ","))
        return _piecewise([_piece(c, conventions, decimals) for c in clauses if c])
    tokens = _decimal_commas(tokens, conventions, notes)
    if _wrapped(tokens) and tokens[0].text in "([":
        parts = _split(tokens[1:-1], lambda t: t.is_op(","))
        if len(parts) > 1:
            return _tuple(parts, conventions, decimals)
    parts = _split(tokens, lambda t: t.is_op(","))
    if len(parts) > 1:
        return _tuple(parts, conventions, decimals)
    return _sub(tokens, conventions, decimals)


def _tuple(parts, conventions, decimals):
    if any(not part for part in parts):
        raise ParseError("an empty entry in the list")
    return sympy.Tuple(*(_sub(part, conventions, decimals) for part in parts))


def parse_tokens(tokens: list[Token], conventions: Conventions, source: str = "") -> tuple:
    """(the tree as typed, {decimal Float: (exact Rational, places)}, notes, ignored) for a whole answer.

    An equation (``y' = 2x``, ``W ← 2.86``, ``x \\approx 0.46``) is read by its
    last side; what stood before is reported in *ignored*, how ambiguous
    spellings were read (``0,5``) in *notes*.
    """
    decimals: dict = {}
    notes: list[str] = []
    ignored: list[str] = []
    sides = _split(tokens, lambda t: t.kind == "op" and t.text in _SEPARATORS)
    if len(sides) > 1:
        if not sides[-1]:
            raise ParseError("nothing after the '='")
        marks = [t for t, d in zip(tokens, _depths(tokens)) if d == 0 and t.kind == "op" and t.text in _SEPARATORS]
        shown = {"=": "=", "approx": "≈", "assign": "←"}
        typed = source[marks[-1].start:marks[-1].end] if source else ""
        if typed in (":=", r"\coloneqq"):  # the echo keeps the student's W := 2.86
            shown["assign"] = ":="
        left = "".join((" " if t.space else "") + t.text + t.digits for t in tokens[:tokens.index(marks[-1])]).strip()
        ignored.append(f"'{left} {shown[marks[-1].text]}'" if left else f"the leading '{shown[marks[-1].text]}'")
        tokens = sides[-1]
    return _answer(tokens, conventions, decimals, notes), decimals, tuple(notes), tuple(ignored)


# ---------------------------------------------------------------------------
# evaluation
# ---------------------------------------------------------------------------

def _places(written: str) -> int:
    """The decimal places a number was written with: ``0.0157`` 4, ``2e-1`` 1, ``1.5e3`` −2."""
    mantissa, _, exponent = written.lower().partition("e")
    places = len(mantissa.partition(".")[2])
    return places - int(exponent) if exponent else places


def _exact(number: sympy.Float, decimals: dict):
    """The exact value of a decimal of the tree: as typed, or negated by a sign (``W - 0.5``)."""
    if number in decimals:
        return decimals[number][0]
    if -number in decimals:
        return -decimals[-number][0]
    # any other decimal the tree made from typed ones: its printed digits, exactly
    return sympy.Rational(str(number))


def typed_places(form, decimals: dict) -> Places:
    """The decimal places of an answer typed as one decimal number, else None (per component for a list).

    ``0.0157``, ``−0.0157``, ``≈ 0.0157`` and ``1.57 \\times 10^{-2}`` were typed with 4
    places: they are rounded values.  An integer, a fraction, a closed form such as
    ``\\sigma(7)`` or an expression with decimals inside it (``0.5x``, ``e^{-0.5}``) is
    exact.  The checker compares a rounded value within what its places allow.
    """
    if isinstance(form, sympy.Tuple):
        return tuple(typed_places(part, decimals) for part in form.args)
    if isinstance(form, sympy.MatrixBase):
        return tuple(typed_places(part, decimals) for part in form)
    return _number_places(form, decimals)


def _number_places(form, decimals: dict) -> int | None:
    if isinstance(form, sympy.Float):
        entry = decimals.get(form) or decimals.get(-form)
        return entry[1] if entry is not None else None
    if not isinstance(form, sympy.Mul) or len(form.args) != 2:
        return None
    first, second = form.args
    if first is sympy.S.NegativeOne:  # −(1.5 × 10³)
        return _number_places(second, decimals)
    # c × 10ⁿ, scientific notation written out
    if isinstance(second, sympy.Pow) and second.base == 10 and second.exp.is_Integer:
        if first.is_Integer:
            return -int(second.exp)
        places = _number_places(first, decimals) if isinstance(first, sympy.Float) else None
        return None if places is None else places - int(second.exp)
    return None


def evaluate(form, decimals: dict):
    """The canonical sympy expression of a tree as typed (decimals exact)."""
    memo: dict = {}

    def walk(node):
        if not isinstance(node, sympy.Basic):
            return node
        if node in memo:
            return memo[node]
        if isinstance(node, sympy.Float):
            value = _exact(node, decimals)
        elif isinstance(node, Primed):  # σ′(z) as typed: its derivative's expression
            value = node.func(walk(node.args[0])).derivative()
        elif not node.args or isinstance(node, sympy.MatrixBase):
            value = node.applyfunc(walk) if isinstance(node, sympy.MatrixBase) else node
        elif isinstance(node, sympy.Piecewise):
            value = sympy.Piecewise(*[(walk(e), walk(c)) for e, c in node.args])
        else:
            value = node.func(*[walk(arg) for arg in node.args])
        memo[node] = value
        return value

    return walk(form)
