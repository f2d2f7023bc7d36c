r"""LaTeX answers, read through latex2sympy2 behind this one adapter.

latex2sympy2 1.9.1 parses operator precedence, fractions, powers, roots and
implicit products well, and the rest badly: it keeps module-global state
that one ``dx`` corrupts for every later parse, fails on ``\frac12``,
``\operatorname{…}``, ``\hat y``, Unicode and ``cases``, reads ``\log`` as
base 10, ``\sigma(z)`` as a product and ``w^{(2)}_{13}`` as a square.

So the adapter reads the *structure* of the text itself — symbols with their
accents, layer superscripts and subscripts; function applications with
primes and powers; ``\frac`` and script arguments without braces; tuples,
matrices and ``cases`` — and hands latex2sympy2 only what it does well:
arithmetic over numbers and placeholder atoms.  Each placeholder stands for a
project symbol (``naming.sym``) or an already-built function application, and
is replaced once latex2sympy2 has returned.  Its global state is reset before
every call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy

from ..errors import ParseError
from ..naming import _GREEK_UNICODE
from .conventions import Conventions
from .functions import INDEXED_FUNCTIONS, apply_function, lookup_function
from .limits import check_tree
from .names import plain_name

__all__ = ["parse_latex", "normalise_unicode"]

# ---------------------------------------------------------------------------
# text-level normalisation
# ---------------------------------------------------------------------------

_UNICODE = {
    "−": "-", "–": "-", "—": "-", "·": r"\cdot ", "⋅": r"\cdot ", "×": r"\times ", "∗": "*",
    "′": "'", "’": "'", "″": "''", "ŷ": r"\hat{y}", "ŷ": r"\hat{y}", "x̂": r"\hat{x}",
    "√": r"\sqrt ", "∂": r"\partial ", "≤": r"\le ", "≥": r"\ge ", "∞": r"\infty ",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "⁡": "",
    "²": "^{2}", "³": "^{3}", "¹": "^{1}", "⁻¹": "^{-1}",
    "₀": "_{0}", "₁": "_{1}", "₂": "_{2}", "₃": "_{3}", "₄": "_{4}", "₅": "_{5}",
    "₆": "_{6}", "₇": "_{7}", "₈": "_{8}", "₉": "_{9}",
}
_UNICODE.update({char: "\\" + name + " " for name, char in _GREEK_UNICODE.items()})
_UNICODE_RE = re.compile("|".join(sorted(map(re.escape, _UNICODE), key=len, reverse=True)))

# spacing and sizing commands that carry no meaning
_DROP = re.compile(
    r"\\(?:displaystyle|textstyle|left(?=[^a-zA-Z])|right(?=[^a-zA-Z])|[bB]igg?[lr]?(?=[^a-zA-Z])|middle|quad|qquad|limits|nolimits)"
    r"|\\[,;:! ]|~|\$|(?P<rowsep>\\\\)"
)


def normalise_unicode(text: str) -> str:
    text = _UNICODE_RE.sub(lambda m: _UNICODE[m.group(0)], text)
    bad = [c for c in text if ord(c) > 126]
    if bad:
        raise ParseError(f"unexpected character {bad[0]!r}")
    return text


# ---------------------------------------------------------------------------
# tokens
# ---------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<cmd>\\[A-Za-z]+)|(?P<esc>\\[^A-Za-z])|(?P<num>\d+(?:\.\d+)?|\.\d+)|(?P<letter>[A-Za-z])"
    r"|(?P<space>\s+)|(?P<punct>[-+*/^_(){}\[\]|',=!&<>.])"
)


@dataclass(frozen=True)
class Tok:
    kind: str
    text: str


def tokenize(text: str) -> list[Tok]:
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise ParseError(f"unexpected character {text[position]!r}")
        kind = match.lastgroup
        if kind != "space":
            value = match.group(0)
            if kind == "esc":
                if value == "\\\\":
                    kind = "rowsep"
                elif value in ("\\{", "\\}"):
                    kind, value = "punct", value[1]
                elif value == "\\|":
                    kind, value = "punct", "|"
                else:
                    raise ParseError(f"unexpected {value!r}")
            tokens.append(Tok(kind, value))
        position = match.end()
    return tokens


_OPENERS = {"(": ")", "[": "]", "{": "}"}
_GREEK = set(_GREEK_UNICODE) | {"varepsilon", "varphi", "vartheta", "Delta", "Gamma", "Lambda", "Phi", "Psi", "Omega", "Sigma", "Theta", "Pi"}
_ACCENTS = {"hat", "widehat", "bar", "overline", "tilde", "widetilde", "vec", "dot"}
_FONTS = {"mathrm", "operatorname", "text", "mathit", "mathbf", "textrm", "mathsf", "boldsymbol", "bm", "mathnormal"}
_PLAIN_OPS = {r"\cdot": r" \cdot ", r"\times": r" \cdot ", r"\ast": "*", r"\div": "/", "*": r" \cdot "}
_RELATIONS = {">": ">", "<": "<", r"\gt": ">", r"\lt": "<", r"\ge": ">=", r"\geq": ">=", r"\geqslant": ">=",
              r"\le": "<=", r"\leq": "<=", r"\leqslant": "<=", r"\neq": "!=", r"\ne": "!="}
_FUNCTION_COMMANDS = {
    "sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "coth", "arcsin", "arccos", "arctan",
    "exp", "ln", "log", "max", "min", "sgn", "sigma",
}
_REJECTED = {
    r"\partial": "derivative notation (∂) cannot be an answer; write the derivative's value",
    r"\int": "an integral cannot be an answer; write its value",
    r"\sum": "write the sum out term by term",
    r"\prod": "write the product out factor by factor",
    r"\lim": "a limit cannot be an answer; write its value",
    r"\nabla": "∇ cannot be an answer; write the components",
    r"\infty": "∞ is not an allowed value",
}

_L2S_BAD_NAMES = {"d", "e", "E", "I", "i", "j"}  # latex2sympy2 reads these letters specially
_PLACEHOLDER_LETTERS = [c for c in "abcfghjklmnopqrstuvwxyzABCDFGHJKLMNOPQRSTUVWXYZ" if c not in _L2S_BAD_NAMES]


class _Reader:
    """Turns a token list into latex2sympy2-ready text plus a placeholder table."""

    def __init__(self, conventions: Conventions, depth: int):
        self.conventions = conventions
        self.depth = depth
        self.table: dict[str, sympy.Basic] = {}

    # -- placeholders -------------------------------------------------------
    def atom(self, value) -> str:
        key = next((k for k, v in self.table.items() if v == value and type(v) is type(value)), None)
        if key is None:
            index = len(self.table)
            key = _PLACEHOLDER_LETTERS[index] if index < len(_PLACEHOLDER_LETTERS) else rf"\mathit{{q{index}}}"
            self.table[key] = value
        if len(key) == 1:
            # bare letters: braces around every atom make latex2sympy2 2-3 times slower
            return " " + key + " "
        # braces keep latex2sympy2 from reading \mathit{q}(…) as a function call
        return " {" + key + "} "

    def sub(self, tokens: list[Tok]):
        """Parse a token slice completely (a function argument, a fraction part)."""
        return _parse_tokens(tokens, self.conventions, self.depth + 1)

    # -- token helpers ------------------------------------------------------
    @staticmethod
    def closing(tokens, start) -> int:
        """Index of the bracket that closes the one at *start*."""
        opener = tokens[start].text
        want = _OPENERS[opener]
        depth = 0
        for index in range(start, len(tokens)):
            text = tokens[index].text if tokens[index].kind == "punct" else None
            if text in _OPENERS:
                depth += 1
            elif text in (")", "]", "}"):
                depth -= 1
                if depth == 0:
                    if text != want:
                        raise ParseError(f"the bracket {opener} is closed by {text}")
                    return index
        raise ParseError(f"the bracket {opener} is never closed")

    def group(self, tokens, index) -> tuple[list[Tok], int]:
        """One TeX argument at *index*: a {group} or a single token (``\\frac12``)."""
        if index >= len(tokens):
            raise ParseError("an argument is missing at the end")
        tok = tokens[index]
        if tok.kind == "punct" and tok.text == "{":
            end = self.closing(tokens, index)
            return tokens[index + 1:end], end + 1
        if tok.kind == "num" and len(tok.text) > 1 and "." not in tok.text:
            # \frac12: TeX takes one digit per argument
            rest = Tok("num", tok.text[1:])
            tokens[index:index + 1] = [Tok("num", tok.text[0]), rest]
            return [tokens[index]], index + 1
        if tok.kind == "cmd" and tok.text[1:] in _GREEK:
            return [tok], index + 1
        if tok.kind in ("num", "letter"):
            return [tok], index + 1
        raise ParseError(f"expected an argument after {tokens[index - 1].text if index else 'the start'}")

    @staticmethod
    def text_of(tokens) -> str:
        return "".join(t.text for t in tokens)

    # -- the main loop ------------------------------------------------------
    def read(self, tokens: list[Tok]) -> str:
        out: list[str] = []
        index = 0
        tokens = list(tokens)
        while index < len(tokens):
            tok = tokens[index]
            text = tok.text
            if tok.kind == "num":
                out.append(text)
                index += 1
            elif text == r"\pi" and not self.conventions.declares("pi"):
                out.append(self.atom(sympy.pi))
                index += 1
            elif tok.kind == "letter" or (tok.kind == "cmd" and text[1:] in _GREEK | _ACCENTS):
                piece, index = self.symbol_or_function(tokens, index)
                out.append(piece)
            elif tok.kind == "cmd":
                piece, index = self.command(tokens, index)
                out.append(piece)
            elif text in ("(", "["):
                end = self.closing(tokens, index)
                inner = tokens[index + 1:end]
                if _has_top_level_comma(inner):
                    raise ParseError("a tuple can only be a whole answer, as in (a, b)")
                out.append("(" + self.read(inner) + ")")
                index = end + 1
            elif text == "{":
                end = self.closing(tokens, index)
                out.append("(" + self.read(tokens[index + 1:end]) + ")")
                index = end + 1
            elif text in ("^", "_"):
                if text == "_":
                    raise ParseError("a subscript must follow a symbol")
                exponent, index = self.script(tokens, index + 1)
                out.append("^{" + exponent + "}")
            elif text in _PLAIN_OPS:
                out.append(_PLAIN_OPS[text])
                index += 1
            elif text in ("+", "-", "/", "|", "!"):
                out.append(text)
                index += 1
            elif text in (")", "]", "}"):
                raise ParseError(f"the bracket {text} was never opened")
            elif text == "'":
                raise ParseError("a prime (') belongs on a function, as in \\sigma'(z)")
            elif text in ("=", "<", ">"):
                raise ParseError("a comparison cannot be an answer")
            elif text == ",":
                raise ParseError("a tuple can only be a whole answer, as in (a, b)")
            elif text == ".":
                raise ParseError("a stray '.'")
            else:
                raise ParseError(f"unexpected {text!r}")
        return "".join(out)

    def script(self, tokens, index) -> tuple[str, int]:
        """The argument of ``^``: converted, braces added (``x^23`` is x²·3 in TeX)."""
        arg, index = self.group(tokens, index)
        return self.read(arg), index

    # -- commands -----------------------------------------------------------
    def command(self, tokens, index) -> tuple[str, int]:
        text = tokens[index].text
        name = text[1:]
        if text in _REJECTED:
            raise ParseError(_REJECTED[text])
        if text in _PLAIN_OPS:
            return _PLAIN_OPS[text], index + 1
        if name in ("frac", "dfrac", "tfrac", "cfrac"):
            numerator, index = self.group(tokens, index + 1)
            denominator, index = self.group(tokens, index)
            return r"\frac{" + self.read(numerator) + "}{" + self.read(denominator) + "}", index
        if name == "sqrt":
            root = None
            index += 1
            if index < len(tokens) and tokens[index].text == "[":
                end = self.closing(tokens, index)
                root = tokens[index + 1:end]
                index = end + 1
            arg, index = self.group(tokens, index)
            if root is None:
                return r"\sqrt{" + self.read(arg) + "}", index
            return r"\sqrt[" + self.read(root) + "]{" + self.read(arg) + "}", index
        if name in _FONTS:
            return self.font(tokens, index)
        if name == "pi":
            return self.atom(sympy.pi), index + 1
        if name in ("begin", "end"):
            raise ParseError("a matrix, vector or cases block can only be a whole answer")
        if name in _FUNCTION_COMMANDS or lookup_function(name):
            return self.function(tokens, index, name)
        if name in _RELATIONS:
            raise ParseError("a comparison cannot be an answer")
        raise ParseError(f"unknown command {text}")

    def font(self, tokens, index) -> tuple[str, int]:
        r"""``\mathrm{e}``, ``\operatorname{ReLU}``, ``\mathrm{sech}``, ``\mathbf{x}``."""
        command = tokens[index].text[1:]
        arg, after = self.group(tokens, index + 1)
        word = self.text_of(arg).replace(" ", "")
        if word == "e" and command != "mathit":
            if after < len(tokens) and tokens[after].text == "^":
                exponent, after = self.group(tokens, after + 1)
                return self.atom(sympy.Pow(sympy.E, self.sub(exponent), evaluate=False)), after
            return self.atom(sympy.E), after
        if lookup_function(word) is not None and not self.conventions.declares(word):
            # \operatorname{ReLU}(z): the word names the function; read on as if it were a command
            tokens[index:after] = [Tok("cmd", "\\" + word)]
            return self.function(tokens, index, word)
        if not re.fullmatch(r"[A-Za-z]+", word):
            raise ParseError(f"cannot read \\{command}{{{word}}}")
        if command == "text":
            raise ParseError(f"text ({word!r}) cannot be part of an answer")
        if len(word) == 1:
            # \mathbf{x}_1 is x_1: the font does not change the symbol
            tokens[index:after] = [Tok("letter", word)]
            return self.symbol_or_function(tokens, index)
        return self.atom(_named(word)), after

    # -- symbols and functions -----------------------------------------------
    def symbol_or_function(self, tokens, index):
        tok = tokens[index]
        accent = None
        if tok.kind == "cmd" and tok.text[1:] in _ACCENTS:
            accent = tok.text[1:]
            arg, after = self.group(tokens, index + 1)
            if len(arg) != 1 or not (arg[0].kind == "letter" or (arg[0].kind == "cmd" and arg[0].text[1:] in _GREEK)):
                raise ParseError(f"\\{accent} must sit on a single letter")
            base = arg[0].text.lstrip("\\")
            index = after
        else:
            base = tok.text.lstrip("\\")
            index += 1
        if base in ("sigma",) and accent is None and not self.conventions.declares("sigma"):
            return self.function(tokens, index - 1, "sigma")
        if accent is None and base in ("H", "theta") and not self.conventions.declares(base) and _next_opens(tokens, index):
            return self.function(tokens, index - 1, base)
        # scripts: a layer superscript ^{(l)}, a subscript and a power, in any order
        layer = subscript = None
        power = None
        while index < len(tokens) and tokens[index].text in ("^", "_"):
            mark = tokens[index].text
            arg, after = self.group(tokens, index + 1)
            if mark == "_" and subscript is None:
                subscript = self.text_of(arg).replace("{", "").replace("}", "")
            elif mark == "^" and layer is None and power is None and _layer_of(arg) is not None and _is_layered(base):
                layer = _layer_of(arg)
            elif mark == "^" and power is None:
                power = arg
            else:
                raise ParseError(f"two {'subscripts' if mark == '_' else 'powers'} on {base}")
            index = after
        if base == "e" and accent is None and layer is None and subscript is None and not self.conventions.declares("e"):
            value = sympy.E
        else:
            value = sympy.Symbol(plain_name(base, accent=accent, layer=layer, subscript=subscript), real=True)
        if index < len(tokens) and tokens[index].text == "'":
            raise ParseError(f"a prime (') on {base} cannot be read; write the derivative's value")
        if power is not None:
            # a power binds tightest: x^{…} is one atom, which spares latex2sympy2 its slowest grammar paths
            value = sympy.Pow(value, self.sub(power), evaluate=False)
        return self.atom(value), index

    def function(self, tokens, index, name):
        spec = lookup_function(name)
        if spec is None:
            raise ParseError(f"unknown function \\{name}")
        index += 1
        primes = 0
        power = None
        subscript = None
        while index < len(tokens):
            text = tokens[index].text
            if text == "'":
                primes += 1
                index += 1
            elif text == "^":
                arg, after = self.group(tokens, index + 1)
                if len(arg) == 1 and arg[0].text in (r"\prime",):
                    primes += 1
                elif all(t.text in (r"\prime", "'") for t in arg) and arg:
                    primes += len(arg)
                elif power is None:
                    power = arg
                else:
                    raise ParseError(f"two powers on \\{name}")
                index = after
            elif text == "_" and (name == "log" or name in INDEXED_FUNCTIONS) and subscript is None:
                arg, index = self.group(tokens, index + 1)
                subscript = self.sub(arg)
            else:
                break
        args, index = self.arguments(tokens, index, name)
        if name in INDEXED_FUNCTIONS:
            if subscript is None:
                raise ParseError(f"\\{name} needs its component as a subscript, as in \\{name}_{{1}}(…)")
            args = [subscript] + args
        elif subscript is not None:
            args = args + [subscript]  # \log_{b}(x)
        if power is not None and len(power) == 2 and power[0].text == "-" and power[1].text == "1":
            raise ParseError(f"\\{name}^{{-1}} is ambiguous; write 1/\\{name}(…) or the inverse function's name")
        value = apply_function(spec, args, self.conventions, primes)
        if power is not None:
            value = sympy.Pow(value, self.sub(power), evaluate=False)
        return self.atom(value), index

    def arguments(self, tokens, index, name):
        if index >= len(tokens):
            raise ParseError(f"\\{name} needs an argument")
        tok = tokens[index]
        if tok.text == "|":
            # \ln|x|: the bars delimit the argument
            close = next((i for i in range(index + 1, len(tokens)) if tokens[i].text == "|"), None)
            if close is None:
                raise ParseError("a | is never closed")
            return [self.sub(tokens[index:close + 1])], close + 1
        if tok.text in ("(", "[", "{"):
            end = self.closing(tokens, index)
            inner = tokens[index + 1:end]
            parts = _split_top_level(inner, ",")
            if any(not part for part in parts):
                raise ParseError(f"an empty argument of \\{name}")
            return [self.sub(part) for part in parts], end + 1
        # no brackets: \sin x, \ln 2x, \ln\frac{1}{y}, \sigma z — the argument runs to the next + or -
        end = index
        while end < len(tokens):
            tok = tokens[end]
            if (tok.kind == "punct" and tok.text in "+-=,)]}|") or tok.text in _PLAIN_OPS:
                break
            if tok.kind == "punct" and tok.text in ("(", "[", "{"):
                end = self.closing(tokens, end) + 1
            elif tok.kind == "cmd" and tok.text[1:] in ("frac", "dfrac", "tfrac", "sqrt"):
                end += 1
                if tok.text == r"\sqrt" and end < len(tokens) and tokens[end].text == "[":
                    end = self.closing(tokens, end) + 1
                for _ in range(1 if tok.text == r"\sqrt" else 2):
                    _, end = self.group(tokens, end)
            elif tok.kind == "cmd" and (tok.text[1:] in _FUNCTION_COMMANDS or lookup_function(tok.text[1:])):
                if end > index:
                    break  # \sin x \cos x is sin(x)·cos(x)
                # a function right at the start takes the rest of the argument: \ln \sigma z
                while end < len(tokens) and not (tokens[end].kind == "punct" and tokens[end].text in "+-=,)]}|"):
                    end = self.closing(tokens, end) + 1 if tokens[end].text in ("(", "[", "{") else end + 1
                break
            else:
                end += 1
        if end == index:
            raise ParseError(f"\\{name} needs an argument")
        return [self.sub(tokens[index:end])], end


def _named(word: str):
    return sympy.Symbol(word, real=True)


def _is_layered(base: str) -> bool:
    return base in ("w", "b", "z", "a", "delta", "W", "h")


def _layer_of(arg) -> str | None:
    r"""``(2)`` in ``w^{(2)}``: the layer, when the superscript is a bracketed integer."""
    if len(arg) == 3 and arg[0].text == "(" and arg[1].kind == "num" and arg[2].text == ")" and arg[1].text.isdigit():
        return arg[1].text
    return None


def _next_opens(tokens, index) -> bool:
    while index < len(tokens) and tokens[index].text in ("'", "^"):
        if tokens[index].text == "^":
            index += 2
        else:
            index += 1
    return index < len(tokens) and tokens[index].text in ("(", "[")


def _split_top_level(tokens, separator: str, kinds=("punct",)) -> list[list[Tok]]:
    parts: list[list[Tok]] = [[]]
    depth = 0
    for tok in tokens:
        if tok.kind == "punct" and tok.text in _OPENERS:
            depth += 1
        elif tok.kind == "punct" and tok.text in (")", "]", "}"):
            depth -= 1
        if depth == 0 and tok.kind in kinds and tok.text == separator:
            parts.append([])
        else:
            parts[-1].append(tok)
    return parts


def _has_top_level_comma(tokens) -> bool:
    return len(_split_top_level(tokens, ",")) > 1


# ---------------------------------------------------------------------------
# latex2sympy2, with its global state reset per call
# ---------------------------------------------------------------------------

_L2S = None
_L2S_STATE = None


def _latex2sympy():
    global _L2S, _L2S_STATE
    if _L2S is None:
        import latex2sympy2

        _L2S = latex2sympy2
        _L2S_STATE = {
            "var": dict(latex2sympy2.var),
            "variances": dict(latex2sympy2.variances),
            "is_real": latex2sympy2.is_real,
            "frac_type": latex2sympy2.frac_type,
        }
    return _L2S


def _reset_latex2sympy_state(module) -> None:
    # a differential token (dx) rebinds the module-global `var` to a Symbol,
    # after which every parse in the process fails; put everything back
    module.var = dict(_L2S_STATE["var"])
    module.variances = dict(_L2S_STATE["variances"])
    module.is_real = _L2S_STATE["is_real"]
    module.frac_type = _L2S_STATE["frac_type"]
    module.VARIABLE_VALUES = {}


def run_latex2sympy(text: str):
    module = _latex2sympy()
    _reset_latex2sympy_state(module)
    try:
        return module.latex2sympy(text)
    except RecursionError:
        raise ParseError("the expression is nested too deeply") from None
    except Exception as exc:  # latex2sympy2 raises bare Exception on syntax errors
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ParseError(f"cannot read the LaTeX: {first}") from None
    finally:
        _reset_latex2sympy_state(module)


# ---------------------------------------------------------------------------
# whole answers
# ---------------------------------------------------------------------------

def _parse_tokens(tokens: list[Tok], conventions: Conventions, depth: int = 0):
    if depth > 12:
        raise ParseError("functions nested too deeply")
    if not tokens:
        raise ParseError("an empty expression")
    reader = _Reader(conventions, depth)
    canonical = reader.read(tokens)
    if not canonical.strip():
        raise ParseError("an empty expression")
    stripped = canonical.strip()
    if stripped in reader.table or stripped.strip("{}") in reader.table:
        raw = sympy.Symbol(stripped.strip("{}"))  # a lone atom (σ(z), x_1) needs no grammar
    else:
        raw = run_latex2sympy(canonical)
    if not isinstance(raw, sympy.Expr) or isinstance(raw, sympy.MatrixBase):
        raise ParseError("the answer is not a single expression")
    for tree in (raw, *reader.table.values()):
        check_tree(tree)
    return _substitute(raw, reader.table)


def _substitute(raw, table):
    """Put the project's objects in place of the placeholders, evaluating as we go."""
    by_name = {key.strip(): value for key, value in table.items()}

    def rebuild(node):
        if isinstance(node, sympy.Symbol):
            if node.name in by_name:
                return by_name[node.name]
            raise ParseError(f"cannot read the symbol {node.name!r}")
        if not node.args:
            if node in (sympy.zoo, sympy.nan) or node.has(sympy.zoo, sympy.nan):
                raise ParseError("the answer divides by zero")
            return node
        args = [rebuild(arg) for arg in node.args]
        if isinstance(node, sympy.log) and len(node.args) == 2:
            base = args[1]
            return sympy.log(args[0]) if base == sympy.E else sympy.log(args[0]) / sympy.log(base)
        return node.func(*args)

    try:
        value = rebuild(raw)
    except (ZeroDivisionError,):
        raise ParseError("the answer divides by zero") from None
    if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ParseError("the answer divides by zero or is infinite")
    return value


def _strip_environment(tokens):
    """``(name, body)`` when the answer is one ``\\begin{name} … \\end{name}`` block."""
    if len(tokens) < 4 or tokens[0].text != r"\begin" or tokens[1].text != "{":
        return None, None
    close = next((i for i in range(2, len(tokens)) if tokens[i].text == "}"), None)
    if close is None:
        raise ParseError("\\begin{ is never closed")
    name = "".join(t.text for t in tokens[2:close])
    ending = [Tok("cmd", r"\end"), Tok("punct", "{"), *[Tok("letter", c) for c in name], Tok("punct", "}")]
    if tokens[-len(ending):] != ending:
        raise ParseError(f"\\begin{{{name}}} must end with \\end{{{name}}}")
    return name, tokens[close + 1:len(tokens) - len(ending)]


_TEXT_COMMANDS = (r"\text", r"\mathrm", r"\textrm")
_OTHERWISE = ("otherwise", "else", "elsewhere")


def _parse_condition(tokens, conventions):
    r"""The condition of a ``cases`` line: ``z > 0``, ``\text{if } z \le 0``, ``\text{otherwise}``."""
    kept, words = [], []
    index = 0
    while index < len(tokens):
        tok = tokens[index]
        if tok.text in _TEXT_COMMANDS and index + 1 < len(tokens) and tokens[index + 1].text == "{":
            end = _Reader.closing(tokens, index + 1)
            words.append("".join(t.text for t in tokens[index + 2:end]))
            index = end + 1
            continue
        kept.append(tok)
        index += 1
    # "if z > 0" typed without \text: the letters i, f are a word, not a product
    if len(kept) >= 2 and kept[0].text == "i" and kept[1].text == "f":
        kept = kept[2:]
    if not kept or "".join(t.text for t in kept) in _OTHERWISE:
        if not kept and not any(w.strip().rstrip(",.").strip() in _OTHERWISE + ("",) for w in words or [""]):
            raise ParseError(f"cannot read the condition {' '.join(words)!r} of a cases line")
        return sympy.true
    for position, tok in enumerate(kept):
        if tok.text in _RELATIONS:
            op = _RELATIONS[tok.text]
            right = kept[position + 1:]
            if op in ("<", ">") and right and right[0].text == "=":
                op, right = op + "=", right[1:]
            left_value = _parse_tokens(kept[:position], conventions)
            right_value = _parse_tokens(right, conventions)
            return sympy.core.relational.Relational(left_value, right_value, op)
    raise ParseError("cannot read a condition of the cases block")


def _parse_cases(body, conventions):
    pieces = []
    for row in _split_top_level(body, "\\\\", kinds=("rowsep",)):
        if not row:
            continue
        cells = _split_top_level(row, "&")
        if len(cells) != 2:
            raise ParseError("each line of a cases block needs a value & a condition")
        value = _parse_tokens(cells[0], conventions)
        condition = _parse_condition(cells[1], conventions)
        pieces.append((value, condition))
    if not pieces:
        raise ParseError("an empty cases block")
    return sympy.Piecewise(*pieces)


def _parse_matrix(body, conventions):
    rows = []
    for row in _split_top_level(body, "\\\\", kinds=("rowsep",)):
        if not row:
            continue
        rows.append([_parse_tokens(cell, conventions) for cell in _split_top_level(row, "&")])
    if not rows:
        raise ParseError("an empty matrix")
    if len({len(r) for r in rows}) != 1:
        raise ParseError("the rows of the matrix have different lengths")
    if len(rows[0]) == 1:
        return sympy.Tuple(*(r[0] for r in rows))
    if len(rows) == 1:
        return sympy.Tuple(*rows[0])
    return sympy.ImmutableMatrix(rows)


# d/dx written as a fraction of differentials reads as (d)/(d·x) to a parser
_OPERATOR_D = re.compile(r"\\[dt]?frac\s*\{\s*(?:d|\\mathrm\s*\{\s*d\s*\}|\\partial)[^{}]*\}\s*\{\s*(?:d|\\mathrm\s*\{\s*d\s*\}|\\partial)")


def parse_latex(text: str, conventions: Conventions):
    text = normalise_unicode(text)
    if _OPERATOR_D.search(text):
        raise ParseError("derivative notation (d/dx) cannot be an answer; write the derivative's value")
    text = _DROP.sub(lambda m: m.group("rowsep") or " ", text)
    tokens = tokenize(text)
    if not tokens:
        raise ParseError("the answer is empty")
    env, body = _strip_environment(tokens)
    if env is not None:
        if env == "cases":
            return _parse_cases(body, conventions)
        if env in ("pmatrix", "bmatrix", "matrix", "vmatrix", "Bmatrix"):
            if env == "vmatrix":
                raise ParseError("a determinant cannot be an answer; write its value")
            return _parse_matrix(body, conventions)
        raise ParseError(f"the environment {env!r} cannot be read")
    if tokens[0].text in ("(", "[") and _closes_at_end(tokens):
        parts = _split_top_level(tokens[1:-1], ",")
        if len(parts) > 1:
            if any(not part for part in parts):
                raise ParseError("an empty entry in the tuple")
            return sympy.Tuple(*(_parse_tokens(part, conventions) for part in parts))
    parts = _split_top_level(tokens, ",")
    if len(parts) > 1:
        if any(not part for part in parts):
            raise ParseError("an empty entry in the list")
        return sympy.Tuple(*(_parse_tokens(part, conventions) for part in parts))
    return _parse_tokens(tokens, conventions)


def _closes_at_end(tokens) -> bool:
    try:
        return _Reader.closing(tokens, 0) == len(tokens) - 1
    except ParseError:
        return False
