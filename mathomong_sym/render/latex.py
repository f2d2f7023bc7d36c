r"""LaTeX: one ``align*`` with the rule named at the right of each line.

``render_latex`` gives the environment alone, to paste into a document that
loads amsmath; ``standalone=True`` wraps it in a complete article that
pdflatex compiles.  Jupyter and MathJax cannot put ``align*`` inside
``$$ … $$``, so :func:`repr_latex` uses ``aligned`` there, with the rules in
a ``&&\text{…}`` column instead of ``\tag*``.
"""

from __future__ import annotations

import re

import sympy

from ..printing import to_latex
from .common import expression, given_text, numbers_tail, report_text
from .document import Document, build_document

__all__ = ["render_latex", "repr_latex", "document_latex", "latex_text", "STANDALONE_PREAMBLE"]

STANDALONE_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{amsmath,amssymb}
\usepackage[margin=2cm]{geometry}
\allowdisplaybreaks
"""

_ENVIRONMENTS = ("align*", "aligned")


_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
             "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}"}


_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁻⁺ⁱⁿˡᵀˣ", "0123456789()-+inlTx"))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₙ", "0123456789ijkn"))
_SCRIPT_RUN = re.compile(f"[{''.join(_SUPERSCRIPTS)}]+|[{''.join(_SUBSCRIPTS)}]+")
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta", "η": "eta",
    "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "π": "pi",
    "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
    "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Σ": "Sigma",
    "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega",
}
# the non-ASCII characters the package's own prose uses, as pdflatex text
_TEXT_CHARACTERS = {
    **{c: rf"\ensuremath{{\{name}}}" for c, name in _GREEK.items()},
    "−": r"\ensuremath{-}", "·": r"\ensuremath{\cdot}", "′": r"\ensuremath{'}", "∂": r"\ensuremath{\partial}",
    "√": r"\ensuremath{\surd}", "…": r"\ldots{}", "≠": r"\ensuremath{\neq}", "≤": r"\ensuremath{\leq}",
    "≥": r"\ensuremath{\geq}", "≈": r"\ensuremath{\approx}", "ℓ": r"\ensuremath{\ell}",
    "⊙": r"\ensuremath{\odot}", "±": r"\ensuremath{\pm}", "∇": r"\ensuremath{\nabla}",
    "⇒": r"\ensuremath{\Rightarrow}", "→": r"\ensuremath{\to}", "×": r"\ensuremath{\times}",
    "½": r"\ensuremath{\tfrac12}", "∞": r"\ensuremath{\infty}", "∑": r"\ensuremath{\sum}",
    "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "ŷ": r"\ensuremath{\hat{y}}",
    "\u00a0": "~",
}
_COMBINING = {"\u0302": "hat", "\u0304": "bar", "\u0303": "tilde", "\u0307": "dot"}


def _encode_character(c: str) -> str:
    if c in _SPECIALS:
        return _SPECIALS[c]
    if c in _TEXT_CHARACTERS:
        return _TEXT_CHARACTERS[c]
    if ord(c) < 128:
        return c
    try:  # anything else: pylatexenc when it is installed
        from pylatexenc.latexencode import unicode_to_latex
    except ImportError:  # pragma: no cover - pylatexenc is a test dependency
        return "?"
    return unicode_to_latex(c, replacement_latex_protection="braces-all")


def latex_text(text: str, *, unicode: bool = False) -> str:
    r"""Prose (a rule, a reason, a title) made safe for ``\text{…}``.

    For pdflatex (the default) σ becomes ``\ensuremath{\sigma}``, the
    indices of w⁽¹⁾₁₂ real super- and subscripts, x̂ a hat, and so on; with
    ``unicode=True`` (MathJax, which reads Unicode in ``\text`` but knows no
    ``\ensuremath``) only the special characters are escaped.
    """
    if unicode:
        return "".join(_SPECIALS.get(c, c) for c in text)
    out: list[str] = []
    index = 0
    while index < len(text):
        c = text[index]
        run = _SCRIPT_RUN.match(text, index)
        if run:
            letters = run.group()
            if letters[0] in _SUPERSCRIPTS:
                out.append(r"\ensuremath{^{" + "".join(_SUPERSCRIPTS[ch] for ch in letters) + "}}")
            else:
                out.append(r"\ensuremath{_{" + "".join(_SUBSCRIPTS[ch] for ch in letters) + "}}")
            index = run.end()
            continue
        accent = _COMBINING.get(text[index + 1]) if index + 1 < len(text) else None
        if accent and ord(c) < 128 and c.isalpha():
            out.append(rf"\ensuremath{{\{accent}{{{c}}}}}")
            index += 2
            continue
        out.append(_encode_character(c))
        index += 1
    return "".join(out)


def section_title_latex(section) -> str:
    """A section's heading with its math typeset: δ⁽¹⁾₁ = ∂L/∂z⁽¹⁾₁, or ∂L/∂W and the words after it."""
    derivation = section.derivation
    math = to_latex(derivation.lhs)
    steps = derivation.steps
    if isinstance(derivation.lhs, sympy.Symbol) and steps and steps[0].lhs != derivation.lhs:
        math += " = " + to_latex(steps[0].lhs)
    words = section.title.split(", ", 1)[1] if ", " in section.title else ""
    heading = f"${math}$" + (", " + latex_text(words) if words else "")
    return heading + (" (derived once, cited below)" if section.cited else "")


def _row_label(environment: str, rule: str, depth: int = 0, mathjax: bool = False) -> str:
    if not rule:
        return ""
    # detail (sub-steps) is named smaller than the step it explains
    text = latex_text(rule, unicode=mathjax)
    text = text if depth == 0 else rf"\small {text}"
    if environment == "align*":
        return rf" \tag*{{{text}}}"
    return rf" && \text{{{text}}}"


def _title_row(environment: str, title: str, mathjax: bool = False, *, encoded: bool = False) -> str:
    text = title if encoded else latex_text(title, unicode=mathjax)
    if environment == "align*":
        return rf"\intertext{{\textbf{{{text}}}}}"
    return rf"&\textbf{{{text}}}"


def _reason_row(reason: str, mathjax: bool = False) -> str:
    if mathjax:
        return rf"& \qquad \text{{{latex_text(reason, unicode=True)}}}"
    # a reason can be long: a paragraph box wraps it instead of running off the page
    return rf"& \qquad \parbox[t]{{0.62\linewidth}}{{\raggedright\footnotesize {latex_text(reason)}}}"


_GIVEN_PER_ROW = 5


def document_latex(document: Document, *, environment: str = "align*", reasons: bool = True,
                   mathjax: bool = False) -> str:
    """The rows of *document* in *environment*; ``mathjax=True`` keeps prose Unicode (MathJax reads it)."""
    if environment not in _ENVIRONMENTS:
        raise ValueError(f"environment must be one of {_ENVIRONMENTS}, got {environment!r}")
    rows: list[str] = []
    if document.given:
        rows.append(_title_row(environment, "At the point", mathjax))
        # a network has many given values: a few per row, so none runs off the page
        given = list(document.given)
        for start in range(0, len(given), _GIVEN_PER_ROW):
            rows.append(rf"& {given_text(given[start:start + _GIVEN_PER_ROW], latex=True)}")
    if document.definitions:
        rows.append(_title_row(environment, "Named quantities", mathjax))
        for definition in document.definitions:
            tail = numbers_tail(definition, latex=True)
            row = rf"{to_latex(definition.symbol)} &= {to_latex(definition.expression)}"
            rows.append(row + (f" {tail}" if tail else "") + _row_label(environment, "definition", 0, mathjax))
    for section in document.sections:
        if mathjax:
            title = section.title + (" (derived once, cited below)" if section.cited else "")
            rows.append(_title_row(environment, title, mathjax))
        else:
            rows.append(_title_row(environment, section_title_latex(section), encoded=True))
        for line in section.lines:
            lhs = "" if line.continued else to_latex(line.lhs)
            rhs = expression(line.rhs, latex=True, by_factors=line.by_factors)
            rows.append(rf"{lhs} &= {rhs}" + _row_label(environment, line.rule, line.depth, mathjax))
            if reasons and line.reason:
                rows.append(_reason_row(line.reason, mathjax))
            tail = numbers_tail(line, latex=True)
            if tail is not None:
                rows.append(rf"&{tail}")
    for convention in document.conventions:
        rows.append(_title_row(environment, f"Convention: {convention}", mathjax) if environment == "align*"
                    else rf"&\text{{{latex_text('Convention: ' + convention, unicode=mathjax)}}}")
    if document.report is not None:
        text = f"Checked: {report_text(document.report)}."
        rows.append(rf"\intertext{{{latex_text(text)}}}" if environment == "align*"
                    else rf"&\text{{{latex_text(text, unicode=mathjax)}}}")
    # \intertext sits between rows: no row break after it
    body = ""
    for index, row in enumerate(rows):
        body += row
        if index < len(rows) - 1:
            body += "\n" if row.startswith(r"\intertext") else " \\\\\n"
    return f"\\begin{{{environment}}}\n{body}\n\\end{{{environment}}}"


def render_latex(derivation, level: int = 0, *, verify: bool = False, standalone: bool = False,
                 environment: str = "align*", definitions: bool = True, reasons: bool = True,
                 mathjax: bool = False, at=None) -> str:
    """The derivation in LaTeX down to *level*; a complete document with ``standalone=True``.

    ``environment="aligned"`` goes inside display math; ``mathjax=True`` writes
    prose for MathJax (Unicode) rather than for pdflatex.
    """
    derivation = derivation.at(at) if at is not None else derivation
    report = derivation.verify() if verify else None
    body = document_latex(build_document(derivation, level, report=report, definitions=definitions),
                          environment=environment, reasons=reasons, mathjax=mathjax)
    if not standalone:
        return body
    return f"{STANDALONE_PREAMBLE}\\begin{{document}}\n{body}\n\\end{{document}}\n"


def repr_latex(derivation, level: int = 0) -> str:
    """For Jupyter's ``_repr_latex_``: display math MathJax renders (``$$\\begin{aligned}…$$``)."""
    return "$$" + render_latex(derivation, level, environment="aligned", mathjax=True) + "$$"
