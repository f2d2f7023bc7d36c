r"""Before tokens: Unicode spelled as its ASCII/LaTeX equivalent, and what surrounds an answer.

Both spellings of the grammar meet here: ``σ′(z)·(1 − σ(z))`` becomes
``\sigma'(z)\cdot (1 - \sigma(z))``, ``x⁴`` becomes ``x^{4}``, ``½`` a
fraction, ``ŷ`` (precomposed or with a combining hat) ``\hat{y}``.  What a
person writes *around* an answer — ``≈``, a leading ``=``, a trailing period,
``(4 d.p.)``, ``\(…\)``, ``$…$`` — is removed and reported, so the echo can
say what was ignored.
"""

from __future__ import annotations

import re
import unicodedata

from ..errors import ParseError
from ..naming import _GREEK_UNICODE

__all__ = ["normalise", "strip_surroundings", "is_non_answer", "NotAFormula"]

_SUPERSCRIPTS = {
    "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9",
    "⁻": "-", "⁺": "+", "⁽": "(", "⁾": ")", "ⁿ": "n", "ⁱ": "i", "ˣ": "x", "ʸ": "y", "ᶻ": "z", "ᵀ": "T",
}
_SUBSCRIPTS = {
    "₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7", "₈": "8", "₉": "9",
    "₍": "(", "₎": ")", "ᵢ": "i", "ⱼ": "j", "ₖ": "k", "ₙ": "n", "ₓ": "x", ",": ",",
}
_FRACTIONS = {
    "½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4), "⅕": (1, 5), "⅖": (2, 5),
    "⅗": (3, 5), "⅘": (4, 5), "⅙": (1, 6), "⅚": (5, 6), "⅛": (1, 8), "⅜": (3, 8), "⅝": (5, 8), "⅞": (7, 8),
}
_COMBINING = {"\u0302": "hat", "\u0304": "bar", "\u0305": "bar", "\u0303": "tilde", "\u20d7": "vec"}
_CHARACTERS = {
    "−": "-", "–": "-", "—": "-", "‐": "-", "‑": "-", "﹣": "-", "－": "-", "＋": "+",
    "·": r"\cdot ", "⋅": r"\cdot ", "•": r"\cdot ", "∙": r"\cdot ", "×": r"\times ", "∗": "*", "÷": r"\div ",
    "′": "'", "’": "'", "ʹ": "'", "″": "''", "‴": "'''",
    "√": r"\sqrt ", "∛": r"\sqrt[3]", "∜": r"\sqrt[4]",
    "∂": r"\partial ", "∇": r"\nabla ", "∞": r"\infty ", "∑": r"\sum ", "∏": r"\prod ", "∫": r"\int ",
    "≤": r"\le ", "≥": r"\ge ", "≠": r"\ne ", "⩽": r"\le ", "⩾": r"\ge ",
    "≈": r"\approx ", "≃": r"\approx ", "≅": r"\approx ", "∼": r"\approx ",
    "←": r"\leftarrow ", "⟵": r"\leftarrow ", "≔": ":=", "→": r"\to ", "⇒": r"\to ", "±": r"\pm ",
    "…": r"\ldots ", "⋯": r"\ldots ", "|": "|", "∣": "|", "｜": "|",
    "（": "(", "）": ")", "［": "[", "］": "]",
    "ℯ": r"\mathrm{e}", "π": r"\pi ", "ϵ": r"\epsilon ", "ϑ": r"\theta ", "ϕ": r"\phi ",
    "\u00a0": " ", "\u2009": " ", "\u200a": " ", "\u2002": " ", "\u2003": " ", "\u202f": " ", "\u3000": " ",
    "\u200b": "", "\u2061": "", "\u2062": "", "\u2063": "", "\ufeff": "",
}
_CHARACTERS.update({char: "\\" + name + " " for name, char in _GREEK_UNICODE.items()})
_CHARACTERS.update({"Σ": r"\Sigma ", "Δ": r"\Delta ", "Θ": r"\Theta ", "Λ": r"\Lambda ", "Φ": r"\Phi ",
                    "Ψ": r"\Psi ", "Ω": r"\Omega ", "Γ": r"\Gamma ", "Π": r"\Pi "})


class NotAFormula(ParseError):
    """Text that is words, or no answer at all, rather than a formula.

    ``kind`` is ``"prose"`` (sentences), ``"word"`` (one unknown word) or
    ``"none"`` (idk, N/A, ?).
    """

    def __init__(self, message: str, kind: str, words=()):
        super().__init__(message)
        self.kind = kind
        self.words = tuple(words)


def _scripts(text: str) -> str:
    """Runs of superscript (subscript) characters as one braced script: ``x²³`` → ``x^{23}``."""
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        for table, mark in ((_SUPERSCRIPTS, "^"), (_SUBSCRIPTS, "_")):
            if char in table and char != ",":
                end = index
                while end < len(text) and text[end] in table and not (text[end] == "," and mark == "^"):
                    end += 1
                # a comma only continues a subscript when another subscript follows it (w₁,₁₃)
                while end > index and text[end - 1] == ",":
                    end -= 1
                out.append(mark + "{" + "".join(table[c] for c in text[index:end]) + "}")
                index = end
                break
        else:
            out.append(char)
            index += 1
    return "".join(out)


def normalise(text: str) -> str:
    """*text* with every Unicode spelling replaced by its ASCII/LaTeX equivalent."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    for _index, char in enumerate(text):
        if char in _COMBINING:
            if not out or not out[-1][-1:].isalpha():
                raise ParseError(f"a combining accent ({_COMBINING[char]}) must sit on a letter")
            base = out.pop()
            out.append(f"\\{_COMBINING[char]}{{{base}}}")
        elif char in _FRACTIONS:
            p, q = _FRACTIONS[char]
            whole = out and out[-1][-1:].isdigit()
            # 2½ is a mixed number, as people write it; ½x is half of x
            out.append(f"{{+\\frac{{{p}}}{{{q}}}}}" if whole else f"{{\\frac{{{p}}}{{{q}}}}}")
        elif char in _CHARACTERS:
            out.append(_CHARACTERS[char])
        elif char == "ŷ":
            out.append(r"\hat{y}")
        elif char == "x̂":
            out.append(r"\hat{x}")
        elif char == "ȳ":
            out.append(r"\bar{y}")
        else:
            out.append(char)
    text = "".join(out)
    text = _mixed_numbers(text)
    text = _scripts(text)
    bad = next((c for c in text if ord(c) > 126), None)
    if bad is not None:
        raise ParseError(f"unexpected character {bad!r}")
    return text


_MIXED = re.compile(r"(\d+)\{\+(\\frac\{\d\}\{\d\})\}")


def _mixed_numbers(text: str) -> str:
    return _MIXED.sub(lambda m: "(" + m.group(1) + "+" + m.group(2) + ")", text)


# ---------------------------------------------------------------------------
# what surrounds an answer
# ---------------------------------------------------------------------------

_DELIMITERS = ((r"$$", r"$$"), (r"\[", r"\]"), (r"\(", r"\)"), (r"$", r"$"))
_UNIT = r"""\d+\s*(?:d\.?\s*p\.?|dp|decimal\s+places?|decimals|s\.?\s*f\.?|sf|sig\.?\s*figs?\.?|significant\s+(?:figures|digits))"""
# "(4 d.p.)", "to 4dp", ", rounded to 3 s.f." — only bracketed or after "to", so 3dp inside a formula stays d·p
_PRECISION = re.compile(
    r"""(?:\s*(?:\\text\{)?\s*\(\s*(?:(?:rounded|correct|accurate)\s+)?(?:to\s+)?""" + _UNIT + r"""\s*\)\s*\}?
        |\s*[,;]?\s*(?:\\text\{)?\s*(?:(?:rounded|correct|accurate)\s+)?to\s+""" + _UNIT + r"""\s*\}?)\s*\.?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_APPROX_WORD = re.compile(r"\s*\(?\s*(?:approx\.?|approximately|roughly|about)\s*\)?\s*$", re.IGNORECASE)
_LEADING_APPROX = re.compile(r"^\s*(?:approx\.?|approximately|roughly|about)\s+", re.IGNORECASE)
_TRAILING_PERIOD = re.compile(r"(?:\\[,;:!]|\s)*\.\s*$")


def strip_surroundings(text: str) -> tuple[str, tuple[str, ...]]:
    """(the answer itself, what was stripped from around it, in words)."""
    notes = []
    body = text.strip()
    changed = True
    while changed:
        changed = False
        for opening, closing in _DELIMITERS:
            if body.startswith(opening) and body.endswith(closing) and len(body) >= len(opening) + len(closing):
                inner = body[len(opening):len(body) - len(closing)].strip()
                if opening == "$" and "$" in inner:
                    continue
                notes.append(f"the math delimiters {opening}…{closing}")
                body, changed = inner, True
                break
        match = _PRECISION.search(body)
        if match and match.start() > 0:
            notes.append(f"the note {match.group(0).strip()!r}")
            body, changed = body[:match.start()].rstrip(), True
        match = _APPROX_WORD.search(body)
        if match and match.start() > 0:
            notes.append(f"the word {match.group(0).strip()!r}")
            body, changed = body[:match.start()].rstrip(), True
        match = _LEADING_APPROX.match(body)
        if match:
            notes.append(f"the word {match.group(0).strip()!r}")
            body, changed = body[match.end():], True
        match = _TRAILING_PERIOD.search(body)
        if match and match.start() > 0 and not body[:match.start()].endswith((".", "\\ldots", "\\dots", "\\cdots")):
            notes.append("the final period")
            body, changed = body[:match.start()].rstrip(), True
    return body, tuple(notes)


_NON_ANSWERS = {
    "idk", "i dont know", "i don't know", "dont know", "don't know", "dunno", "no idea", "not sure", "unsure",
    "n/a", "n.a.", "na", "none", "nothing", "no answer", "skip", "skipped", "pass", "blank", "tbd", "todo",
    "?", "??", "???", "-", "--", "---", "...", r"\ldots",
}


def is_non_answer(text: str) -> bool:
    """True for what people write instead of an answer: idk, N/A, ?, none, …"""
    words = " ".join(text.lower().replace("’", "'").split())
    return words in _NON_ANSWERS
