r"""Feedback a student reads: the math of a message in Unicode, not LaTeX source.

A key's mistake messages are written by a teacher (or a worksheet
generator) with LaTeX between dollars, ``The factor $\frac{\partial
\hat{y}}{\partial z}$ is missing``.  A Markdown, CSV or text file shows
that source as it is, so :func:`unicode_math` turns each ``$…$`` into the
way a textbook prints it in one line: ``The factor ∂ŷ/∂z is missing``.
A small reader of LaTeX math keeps the
teacher's notation (σ′(z) stays σ′(z), a partial derivative ∂z/∂b) and
writes it with Unicode letters, accents, scripts and operators.  The
HTML feedback page keeps the LaTeX and typesets it (:mod:`.reports`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["unicode_math", "latex_spans", "plain_latex"]

_SPAN = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)

_COMMANDS = {
    "partial": "∂", "cdot": "·", "times": "×", "pm": "±", "mp": "∓", "le": "≤", "leq": "≤", "ge": "≥",
    "geq": "≥", "ne": "≠", "neq": "≠", "approx": "≈", "infty": "∞", "to": "→", "rightarrow": "→",
    "nabla": "∇", "sum": "Σ", "prod": "Π", "in": "∈", "ldots": "…", "cdots": "⋯", "dots": "…",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
    "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "ln": "ln", "log": "log", "exp": "exp", "tanh": "tanh",
    "sin": "sin", "cos": "cos", "max": "max", "min": "min", ",": " ", ";": " ", "!": "", " ": " ", "quad": " ",
    "qquad": " ", "left": "", "right": "", "big": "", "Big": "", "bigl": "", "bigr": "", "{": "{", "}": "}",
}
_ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "vec": "\u20d7", "dot": "\u0307"}
_SUPERSCRIPT = dict(zip("0123456789+-=()niT′", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵀ′"))
_SUBSCRIPT = dict(zip("0123456789+-=()aeijklmnoprstux", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢⱼₖₗₘₙₒₚᵣₛₜᵤₓ"))


def latex_spans(text: str) -> list[tuple[bool, str]]:
    """*text* cut into (is_math, piece): the pieces between dollars are math."""
    pieces, last = [], 0
    for match in _SPAN.finditer(text):
        if match.start() > last:
            pieces.append((False, text[last:match.start()]))
        pieces.append((True, match.group(1) or match.group(2)))
        last = match.end()
    if last < len(text):
        pieces.append((False, text[last:]))
    return pieces


def unicode_math(text: str) -> str:
    """*text* with every ``$LaTeX$`` written as one-line Unicode math."""
    if "$" not in text and "\\" not in text:
        return text
    return "".join(_formula(piece) if is_math else piece for is_math, piece in latex_spans(text))


def plain_latex(text: str) -> str:
    """LaTeX (no dollars) as one-line Unicode (composed, NFC: ŷ is one character where Unicode has one)."""
    return unicodedata.normalize("NFC", _Converter(text).run())


@lru_cache(maxsize=2048)
def _formula(latex: str) -> str:
    return plain_latex(latex)


_BINARY = re.compile(r"(?<=[\w)\]}′⁰-⁹₀-₉\u0300-\u036f\u20d7])\s*([+−=≈≠≤≥±·×→])\s*")


def _spaced(text: str) -> str:
    """Spaces around binary operators and relations, as the package's printer sets them (not around ·)."""
    text = _BINARY.sub(lambda m: m.group(1) if m.group(1) == "·" else f" {m.group(1)} ", text)
    return re.sub(r"(?<=[=≈≠≤≥→])(?=\S)", " ", re.sub(r" {2,}", " ", text)).strip()


class _Converter:
    """A small recursive reader of LaTeX math that writes one line of Unicode."""

    def __init__(self, text: str):
        self.text = text
        self.at = 0

    def run(self) -> str:
        lead = self.text[:len(self.text) - len(self.text.lstrip())] and " "
        trail = self.text[len(self.text.rstrip()):] and " "
        return lead + _spaced(self.sequence(stop="")) + trail

    def sequence(self, stop: str) -> str:
        out = []
        while self.at < len(self.text):
            char = self.text[self.at]
            if stop and char == stop:
                break
            out.append(self.item())
        return "".join(out)

    def group(self) -> str:
        """A braced group or a single token."""
        while self.at < len(self.text) and self.text[self.at] == " ":
            self.at += 1
        if self.at < len(self.text) and self.text[self.at] == "{":
            self.at += 1
            inner = self.sequence(stop="}")
            self.at += 1
            return inner
        return self.item() if self.at < len(self.text) else ""

    def item(self) -> str:
        char = self.text[self.at]
        if char == "\\":
            return self.command()
        if char == "{":
            self.at += 1
            inner = self.sequence(stop="}")
            self.at += 1
            return inner
        if char in "^_":
            self.at += 1
            script = self.group()
            return _script(script, _SUPERSCRIPT if char == "^" else _SUBSCRIPT, char)
        self.at += 1
        if char.isspace():
            return ""
        if char == "'":
            return "′"
        if char == "-":
            return "−"
        if char == "*":
            return "·"
        return char

    def command(self) -> str:
        match = re.compile(r"\\([A-Za-z]+|.)").match(self.text, self.at)
        if match is None:
            self.at += 1
            return "\\"
        self.at = match.end()
        name = match.group(1)
        if name.isalpha():  # spaces after a control word are not part of the formula
            while self.at < len(self.text) and self.text[self.at].isspace():
                self.at += 1
        if name in ("frac", "dfrac", "tfrac"):
            top, bottom = self.group(), self.group()
            return f"{_wrapped(top)}/{_wrapped(bottom)}"
        if name == "sqrt":
            return f"√{_wrapped(self.group(), always=len(self.text) > 0)}"
        if name in _ACCENTS:
            inner = self.group()
            return inner + _ACCENTS[name] if len(inner) == 1 else f"{inner}{_ACCENTS[name]}"
        if name in ("mathrm", "operatorname", "text", "mathit", "mathbf", "textrm", "mbox"):
            return self.group()
        if name in _COMMANDS:
            return _COMMANDS[name]
        return name


def _wrapped(text: str, always: bool = False) -> str:
    text = text.strip()
    simple = re.fullmatch(r"[∂]?[\w\u0300-\u036f\u20d7′⁰-⁹₀-₉ᵢⱼₖₙₓ]+", text) is not None
    return text if simple and not (always and len(text) > 1) else f"({text})"


def _script(text: str, table: dict, mark: str) -> str:
    if text and all(c in table for c in text):
        return "".join(table[c] for c in text)
    return f"{mark}({text})" if len(text) > 1 else f"{mark}{text}"
