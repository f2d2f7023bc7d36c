r"""One tokenizer for plain and LaTeX spellings.

The text arrives in ASCII (see :mod:`.text`).  Tokens are

``num``
    a number as written: ``3``, ``0.5``, ``.5``, scientific ``2e-1``.  A digit
    separator is never part of a number (``1_000`` is not a thousand).
``word``
    a run of letters, with the digits written right after it (``x2``,
    ``w2_1_13`` starts as the word ``w`` with digits ``2``).  Which names or
    functions a run stands for is decided later (:mod:`.words`).
``cmd``
    a LaTeX command, ``\frac``, ``\sigma``, ``\hat``.
``op``
    an operator or bracket: ``+ - * / ^ _ ( ) [ ] { } | , ' ! & ; < > = <= >= != approx assign over``.
    ``**`` is ``^``, ``\cdot``/``\times`` are ``*``, ``\div`` is ``/``,
    ``\left(`` is ``(``, ``\le`` is ``<=``, ``\approx`` and ``≈`` are ``approx``,
    ``←``/``\leftarrow``/``:=`` are ``assign``.
``absopen`` / ``absclose``
    the explicit bars ``\left|``, ``\lvert``, ``\right|``, ``\rvert``.
``rowsep``
    ``\\`` (rows of ``cases`` and matrices).

Every token remembers whether space came before it (``space``): a decimal
comma, a letter run and a number in scientific notation are only one token
when written without spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ..errors import ParseError
from ..naming import _GREEK_UNICODE
from .limits import check_scientific

__all__ = ["Token", "tokenize"]


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int
    space: bool = False
    digits: str = ""        # a word's trailing digits: x2, w2_1_13
    value: Fraction | None = None  # a number's exact value

    def is_op(self, *texts) -> bool:
        return self.kind == "op" and self.text in texts

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"{self.kind}:{self.text}{'+' + self.digits if self.digits else ''}"


_NUMBER = re.compile(r"(?:\d+(?:\.\d+)?|\.\d+)(?P<exponent>[eE][-+]?\d+)?")
_WORD = re.compile(r"[A-Za-z]+")
_JOINED = re.compile(r"_(hat|bar|tilde)(?![A-Za-z])|_(relu|ReLU|Relu)(?![A-Za-z])")
_COMMAND = re.compile(r"\\([A-Za-z]+)\s*")
#: the runs of letters an accent written _hat sits on as a whole (theta_hat); on any other run, its last letter
_WHOLE_WORDS = frozenset(_GREEK_UNICODE) | {"varepsilon", "varphi", "vartheta"}

_SPACING = {"quad", "qquad", "enspace", "thinspace", "medspace", "thickspace", "displaystyle", "textstyle",
            "scriptstyle", "limits", "nolimits", "hfill", "allowbreak", "nobreak"}
_SIZES = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
          "Biggl", "Biggr", "middle"}
_OPERATOR_COMMANDS = {
    "cdot": "*", "times": "*", "ast": "*", "star": "*", "div": "/", "over": "over", "prime": "'",
    "le": "<=", "leq": "<=", "leqslant": "<=", "ge": ">=", "geq": ">=", "geqslant": ">=", "lt": "<", "gt": ">",
    "ne": "!=", "neq": "!=", "approx": "approx", "simeq": "approx", "sim": "approx", "thickapprox": "approx",
    "leftarrow": "assign", "gets": "assign", "coloneqq": "assign", "Leftarrow": "assign", "longleftarrow": "assign",
    "lbrace": "(", "rbrace": ")", "lbrack": "[", "rbrack": "]", "vert": "|", "mid": "|",
}
_ESCAPES = {",": " ", ";": " ", ":": " ", "!": " ", " ": " ", "{": "(", "}": ")", "|": "|", "\\": "rowsep"}
_PUNCTUATION = set("+-*/^_()[]{}|,'!&;<>=")


def _bracket_after_size(text: str, index: int):
    """The bracket a sizing command (``\\left``, ``\\bigl``) applies to: (token text, kind, end)."""
    if index >= len(text):
        raise ParseError("\\left or \\right without a bracket")
    char = text[index]
    if char in "()[]":
        return char, "op", index + 1
    if char == "|":
        return "|", "bar", index + 1
    if char == ".":
        return None, None, index + 1  # \left. is an invisible bracket
    if text.startswith("\\{", index) or text.startswith("\\}", index):
        return ("(" if text[index + 1] == "{" else ")"), "op", index + 2
    if text.startswith("\\|", index):
        raise ParseError("a norm ‖…‖ cannot be read; write the value")
    match = _COMMAND.match(text, index)
    if match:
        name = match.group(1)
        if name in ("lvert", "vert", "rvert", "mid"):
            return "|", "bar", match.end()
        if name in ("lbrace", "rbrace"):
            return ("(" if name == "lbrace" else ")"), "op", match.end()
        if name in ("lbrack", "rbrack"):
            return ("[" if name == "lbrack" else "]"), "op", match.end()
        if name in ("langle", "rangle", "lfloor", "rfloor", "lceil", "rceil"):
            raise ParseError(f"\\{name} brackets cannot be read")
    raise ParseError(f"cannot read the bracket after \\left/\\right at {text[index:index + 8]!r}")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    index = 0
    space = False
    n = len(text)

    def add(kind, written, start, end, **extra):
        nonlocal space
        tokens.append(Token(kind, written, start, end, space, **extra))
        space = False

    while index < n:
        char = text[index]
        if char.isspace() or char == "~":
            space = True
            index += 1
            continue
        match = _NUMBER.match(text, index) if char.isdigit() or char == "." else None
        if match:  # ASCII digits only: another script's digit is an unexpected character
            written = match.group(0)
            if match.group("exponent"):
                check_scientific(written, int(match.group("exponent")[1:]))
            add("num", written, index, match.end(), value=Fraction(written))
            index = match.end()
            continue
        match = _WORD.match(text, index) if char.isalpha() else None
        if match:  # ASCII letters only: any other letter is an unexpected character
            end = match.end()
            word = match.group(0)
            joined = _JOINED.match(text, end)
            if joined and joined.group(1):
                if len(word) > 1 and word not in _WHOLE_WORDS:
                    # like a subscript, _hat sits on one letter: Wy_hat is W·ŷ
                    add("word", word[:-1], index, end - 1)
                    index, word = end - 1, word[-1]
                word, end = word + joined.group(1), joined.end()  # y_hat is ŷ
            elif joined and joined.group(2) and word.lower() == "leaky":
                word, end = "leaky_relu", joined.end()
            digits = ""
            if end < n and text[end].isdigit():
                digit_end = end
                while digit_end < n and text[digit_end].isdigit():
                    digit_end += 1
                digits, end = text[end:digit_end], digit_end
            add("word", word, index, end, digits=digits)
            index = end
            continue
        if char == "\\":
            if index + 1 >= n:
                raise ParseError("a backslash at the end")
            following = text[index + 1]
            if following in _ESCAPES:
                meaning = _ESCAPES[following]
                if meaning == " ":
                    space = True
                elif meaning == "rowsep":
                    add("rowsep", "\\\\", index, index + 2)
                else:
                    add("op", meaning, index, index + 2)
                index += 2
                continue
            match = _COMMAND.match(text, index)
            if not match:
                raise ParseError(f"unexpected {text[index:index + 2]!r}")
            name = match.group(1)
            end = match.end()
            if match.group(0).endswith((" ", "\t", "\n")):
                end = index + 1 + len(name)
            if name in _SPACING:
                space = True
            elif name in _SIZES:
                start = index
                bracket, kind, end = _bracket_after_size(text, match.end())
                if bracket is not None:
                    if kind == "bar":
                        kind = "absopen" if name in ("left", "bigl", "Bigl", "biggl", "Biggl") else (
                            "absclose" if name in ("right", "bigr", "Bigr", "biggr", "Biggr") else "op")
                    add(kind, bracket, start, end)
            elif name in ("lvert", "rvert"):
                add("absopen" if name == "lvert" else "absclose", "|", index, end)
            elif name in _OPERATOR_COMMANDS:
                add("op", _OPERATOR_COMMANDS[name], index, end)
            else:
                add("cmd", "\\" + name, index, end)
            index = end
            continue
        if char == "*" and text.startswith("**", index):
            add("op", "^", index, index + 2)
            index += 2
            continue
        if char in "<>!:" and index + 1 < n and text[index + 1] == "=":
            add("op", {"<": "<=", ">": ">=", "!": "!=", ":": "assign"}[char], index, index + 2)
            index += 2
            continue
        if char == "=" and index + 1 < n and text[index + 1] == "=":
            add("op", "=", index, index + 2)
            index += 2
            continue
        if char in _PUNCTUATION:
            add("op", char, index, index + 1)
            index += 1
            continue
        if char in "\"`":
            raise ParseError("quotes cannot be part of a formula")
        if char == ".":
            raise ParseError("a stray '.' (write decimals with digits on both sides, as in 0.5)")
        if char == "$":
            raise ParseError("a stray $ (math delimiters go around the whole answer)")
        if char == "%":
            raise ParseError("% cannot be read; write the fraction (50% is 0.5)")
        raise ParseError(f"unexpected character {char!r}")
    return tokens
