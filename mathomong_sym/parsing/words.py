"""What a run of letters stands for: one name, a function, or a product of names.

People type ``wx`` for w·x, ``sigmoid`` for σ, ``yhat`` for ŷ and
``prediction`` for a quantity they have named.  A run is read, in order, as

1. a keyword of a piecewise answer (``if``, ``otherwise``, ``else``);
2. a name the question declares (its variables, the key's and the
   definitions' names, ``--names``);
3. a function (``sigmoid``, ``tanh``, ``ln`` …; ``H`` and ``theta`` only
   before a bracket);
4. a word the package knows (``yhat``, ``xhat``, ``ybar``, Greek names, ``pi``);
5. two letters: two one-letter names (``wx`` is w·x);
6. a product of declared names and known words, with at most one function
   at its end (``wxb`` is w·x·b when w, x and b are declared), the split with
   the fewest pieces, and only when there is one such split;
7. a function next to one or two letters (``sinx`` is sin x, ``xlnx`` is
   x·ln x).

Anything else is not silently split into letters: one such word makes the
answer unreadable ("we could not read 'prediction'"), two or more — or one
among two-letter words, as in "it is two x" — make it prose ("this looks
like words, not a formula").
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from functools import lru_cache

from ..errors import ParseError
from ..naming import _GREEK_UNICODE
from .conventions import Conventions
from .functions import BRACKET_ONLY, FUNCTION_NAMES
from .text import NotAFormula
from .tokens import Token

__all__ = ["resolve_words", "NotAFormula", "KNOWN_WORDS", "KEYWORDS", "FONTS"]

#: commands whose braced argument is text, read as one word (never split)
FONTS = frozenset({"mathrm", "operatorname", "text", "mathit", "mathbf", "textrm", "mathsf", "boldsymbol", "bm",
                   "mathnormal", "textit", "textbf", "mbox", "mathtt"})
_RAW_ARGUMENT = FONTS | {"begin", "end"}

KEYWORDS = frozenset({"if", "otherwise", "else", "elsewhere", "for", "when"})
#: multi-letter names every reading knows
KNOWN_WORDS = frozenset(set(_GREEK_UNICODE) - {"sigma"}) | {"yhat", "xhat", "ybar", "xbar", "pi", "varepsilon",
                                                            "varphi", "vartheta"}
_FUNCTION_WORDS = sorted((name for name in FUNCTION_NAMES if name.isalpha() and len(name) > 1), key=len, reverse=True)


def _product_hint(word: str) -> str:
    letters = "*".join(word[:4]) + ("*…" if len(word) > 4 else "")
    return letters


def _piece(kind: str, text: str, model: Token, start: int, end: int, first: bool, last: bool) -> Token:
    return replace(model, kind=kind, text=text, start=model.start + start, end=model.start + end,
                   space=model.space if first else False, digits=model.digits if last else "")


@lru_cache(maxsize=4096)
def _split(word: str, names: frozenset) -> tuple | None:
    """The fewest-piece split of *word* into *names*, with at most one function near its end.

    A function may only be the last piece, or the one before a last name
    (``wxsigma``, ``xsinx`` when x is declared).  None when there is no split;
    ParseError when two splits tie.
    """
    options: list = []
    plain = _split_names(word, names)
    if plain is not None:
        options.extend((plain[0], split) for split in plain[1])
    for f in _FUNCTION_WORDS:
        start = word.find(f)
        while start != -1:
            before, after = word[:start], word[start + len(f):]
            if after == "" or after in names:
                prefix = _split_names(before, names) if before else (0, [()])
                if prefix is not None:
                    tail = (("func", f),) + ((("name", after),) if after else ())
                    options.extend((prefix[0] + len(tail), split + tail) for split in prefix[1])
            start = word.find(f, start + 1)
    if not options:
        return None
    fewest = min(count for count, _ in options)
    splits = []
    for count, split in options:
        if count == fewest and split not in splits:
            splits.append(split)
    if len(splits) > 1:
        shown = " or ".join("·".join(text for _, text in split) for split in splits[:2])
        raise ParseError(f"'{word}' can be read as {shown}; write * between the names")
    return splits[0]


@lru_cache(maxsize=4096)
def _split_names(word: str, names: frozenset):
    """(fewest pieces, [splits]) of *word* into *names* only, or None."""
    n = len(word)
    best: list = [None] * (n + 1)
    best[n] = (0, [()])
    for i in range(n - 1, -1, -1):
        found = None
        for j in range(i + 1, n + 1):
            chunk = word[i:j]
            if chunk in names and best[j] is not None:
                count = best[j][0] + 1
                splits = [(("name", chunk),) + rest for rest in best[j][1]]
                if found is None or count < found[0]:
                    found = (count, splits)
                elif count == found[0]:
                    found = (count, found[1] + splits)
        best[i] = found
    return best[0]


def _near_function(word: str, single_name) -> tuple | None:
    """``sinx``, ``lnyhat`` (a function, then one name); ``xsin``, ``wxsigma`` (one or two letters, then a function)."""
    for f in _FUNCTION_WORDS:
        if word.startswith(f) and single_name(word[len(f):]):
            return (("func", f), ("name", word[len(f):]))
        if word.endswith(f) and 1 <= len(word) - len(f) <= 2:
            return tuple(("name", c) for c in word[:-len(f)]) + (("func", f),)
    return None


def _next_opens(tokens, index) -> bool:
    return index + 1 < len(tokens) and tokens[index + 1].kind == "op" and tokens[index + 1].text in ("(", "[")


def _raw_spans(tokens) -> set:
    """Indices of the words that are text, not names: inside ``\\text{…}``, ``\\begin{…}``, ``_{…}``."""
    raw = set()
    for index, tok in enumerate(tokens):
        opens_raw = (tok.kind == "cmd" and tok.text[1:] in _RAW_ARGUMENT) or tok.is_op("_")
        if not opens_raw or index + 1 >= len(tokens) or not tokens[index + 1].is_op("{"):
            continue
        depth = 0
        for j in range(index + 1, len(tokens)):
            if tokens[j].is_op("{"):
                depth += 1
            elif tokens[j].is_op("}"):
                depth -= 1
                if depth == 0:
                    break
            elif tokens[j].kind == "word":
                raw.add(j)
    return raw


def resolve_words(tokens: list[Token], conventions: Conventions) -> tuple[list[Token], tuple[str, ...]]:
    """Tokens with every ``word`` replaced by ``name``/``func``/``keyword``/``raw`` tokens, and notes on splits."""
    declared = conventions.symbols
    names = frozenset(n for n in declared if n.isalpha()) | KNOWN_WORDS
    raw = _raw_spans(tokens)
    out: list[Token] = []
    unknown: list[str] = []
    short_words: list[str] = []  # two-letter runs read as two names (wx), unless the text is prose
    notes: list[str] = []

    def single_name(text: str) -> bool:
        return len(text) == 1 or text in names

    pending = list(enumerate(tokens))
    pending.reverse()
    while pending:
        index, tok = pending.pop()
        if tok.kind != "word":
            out.append(tok)
            continue
        if index in raw:
            out.append(replace(tok, kind="raw"))
            continue
        word = tok.text
        if out and out[-1].is_op("_") and len(word) > 1:
            # x_ij is x_i·j, as in TeX: an unbraced subscript is one letter
            out.append(replace(tok, kind="raw", text=word[0], end=tok.start + 1, digits=""))
            rest = replace(tok, text=word[1:], start=tok.start + 1, space=False)
            pending.append((index, rest))
            continue
        if out and out[-1].is_op("_"):
            out.append(replace(tok, kind="raw", digits=""))
            if tok.digits:
                digits = tok.digits
                out.append(Token("num", digits, tok.end - len(digits), tok.end, False, value=Fraction(digits)))
            continue
        pieces: tuple[tuple[str, str], ...] | None = None
        if word in KEYWORDS and word not in declared:
            pieces = (("keyword", word),)
        elif word in declared:
            pieces = (("name", word),)
        elif word in BRACKET_ONLY:
            pieces = (("func" if _next_opens(tokens, index) else "name", word),)
        elif word in FUNCTION_NAMES:
            pieces = (("func", word),)
        elif word in KNOWN_WORDS or len(word) == 1:
            pieces = (("name", word),)
        elif len(word) == 2:
            pieces = (("name", word[0]), ("name", word[1]))
            short_words.append(word)
        else:
            pieces = _split(word, names) if declared else None
            if pieces is not None:
                notes.append(f"{word} as {'·'.join(text for _, text in pieces)}")
            else:
                pieces = _near_function(word, single_name)
        if pieces is None:
            unknown.append(word)
            out.append(replace(tok, kind="name"))
            continue
        offset = 0
        for k, (kind, text) in enumerate(pieces):
            out.append(_piece(kind, text, tok, offset, offset + len(text), k == 0, k == len(pieces) - 1))
            offset += len(text)
    # "it is two x": one unknown word among two-letter words is a sentence, not a product
    if len(unknown) >= 2 or (unknown and len(short_words) >= 2):
        raise NotAFormula("this looks like words, not a formula", "prose", unknown)
    if unknown:
        word = unknown[0]
        raise NotAFormula(
            f"we could not read '{word}'; write {_product_hint(word)} for a product, or declare it as a name",
            "word", unknown)
    return out, tuple(notes)
