r"""LaTeX: the document's steps as nested lists, one indentation per depth.

Each line is inline math (TeX breaks a long one after an "="), its rule and
reason after it in small type, every piece of math in a reason set as math.
``render_latex`` gives the lists alone, to paste into a document that loads
amsmath; ``standalone=True`` wraps them in a complete article that pdflatex
compiles.  MathJax (Jupyter) knows no lists, so :func:`repr_latex` writes one
``aligned`` block, each depth a ``\quad`` further in.
"""

from __future__ import annotations

import re

from ..derivation import Words
from .common import checked_words, equation_pieces, given_text, math
from .document import Document, DocStep, build_document

__all__ = ["render_latex", "repr_latex", "document_latex", "standalone_latex", "latex_text", "words_latex",
           "STANDALONE_PREAMBLE"]

STANDALONE_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{amsmath,amssymb}
\usepackage[margin=2cm]{geometry}
\allowdisplaybreaks
"""



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
    try:  # anything else: pylatexenc (a dependency of the package)
        from pylatexenc.latexencode import unicode_to_latex
    except ImportError:  # pragma: no cover - a broken installation
        from ..errors import MathomongError

        raise MathomongError(f"writing {c!r} in LaTeX needs pylatexenc, a dependency of mathomong_sym: "
                             "pip install pylatexenc") from None
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


def words_latex(words, *, ordinary: bool = False, mathjax: bool = False) -> str:
    """Prose with its math set as math: words as text, each expression in ``$…$``."""
    if not isinstance(words, Words):
        return latex_text(str(words or ""), unicode=mathjax)
    out = []
    for piece in words:
        if isinstance(piece, str):
            out.append(latex_text(piece, unicode=mathjax))
        else:
            out.append(f"${math(piece, latex=True, ordinary=ordinary)}$")
    return "".join(out)


def _sentence(words: Words) -> Words:
    """*words* as a sentence: a capital first letter and a full stop."""
    if not words or not isinstance(words[0], str):
        return words
    head = words[0][:1].upper() + words[0][1:]
    tail = "" if str(words).endswith(".") else "."
    return Words(head, *words[1:], tail)


def _formula_latex(formula) -> str:
    if formula is None:
        return ""
    if formula.latex:
        return f"${formula.latex}$"
    return latex_text(formula.text)


class _Writer:
    """Nested lists: one list per depth, one item per line, each rule in small type after its line."""

    def __init__(self, document: Document):
        self.document = document
        self.out: list[str] = []

    def math(self, expr) -> str:
        return math(expr, latex=True, ordinary=self.document.ordinary)

    def words(self, words) -> str:
        return words_latex(words, ordinary=self.document.ordinary)

    def equation(self, equation) -> str:
        pieces = equation_pieces(equation, latex=True, ordinary=self.document.ordinary)
        return "$" + " ".join(f"{relation} {text}".strip() for relation, text in pieces) + "$"

    def item(self, text: str, annotation: str = "") -> None:
        self.out.append(r"\item[] " + text + (rf"\quad{{\small {annotation}}}" if annotation else ""))

    def open(self) -> None:
        self.out.append(_LIST_OPEN)

    def close(self) -> None:
        self.out.append(r"\end{list}")

    def annotation(self, step: DocStep) -> str:
        pieces = []
        if step.rule:
            rule = latex_text(step.rule)
            if step.formula:
                rule += ": " + _formula_latex(step.formula)
            pieces.append(rule)
        if step.reason:
            pieces.append(self.words(step.reason))
        text = "; ".join(pieces)
        if step.tag:
            text = rf"\textbf{{{step.tag}}}" + (f" {text}" if text else "")
        return text

    def header(self, step: DocStep) -> str:
        label = f"{step.label}: " if step.label else ""
        if step.opening is not None:
            core = self.equation(step.opening)
            if step.kind == "delta":
                core = f"${self.math(step.target)} = " + core[1:]
        else:
            core = f"${self.math(step.target)}$" if step.target is not None else ""
        text = label + core
        if step.rule:
            text += f" by the {latex_text(step.rule)}"
            if step.formula:
                text += ", " + _formula_latex(step.formula)
        if step.lets:
            text += ", with " + "; ".join(self.equation(let) for let in step.lets)
        if step.reason:
            text += ": " + self.words(step.reason)
        return text

    def step(self, step: DocStep, top: bool = False) -> None:
        if step.kind == "matrix":
            self.item(rf"\textbf{{{step.tag}}}\quad ${step.equation_latex}$")
            return
        if step.leaf and not (top and step.kind in ("rule", "chain", "factor")):
            label = f"{step.label}: " if step.label else ""
            text = label + " ".join(self.equation(e) for e in step.worked) if step.worked else label
            self.item(text, self.annotation(step) if step.kind != "algebra" else self.words(step.reason))
            if step.note:
                self.open()
                self.item(self.words(step.note))
                self.close()
            return
        self.item(self.header(step))
        self.open()
        for part in step.parts:
            self.step(part)
        for equation in step.worked:
            self.item(self.equation(equation), rf"\textbf{{{step.tag}}}" if step.tag else "")
        if step.note:
            self.item(self.words(_sentence(step.note)) if step.meaning is not None else self.words(step.note))
        self.close()

    def section(self, section) -> None:
        document = self.document
        given = ""
        if section.kind in ("forward", "derivative") and document.given and (
                section.kind == "forward" or section.derivation is None or section.derivation.network is None):
            given = f" at ${given_text(document.given, latex=True)}$"
        title = self.words(section.title)
        heading = section.kind in ("forward", "backward", "gradient", "update") or (
            section.kind == "derivative" and (section.derivation is None or section.derivation.network is None))
        if heading:
            intro = ": " + self.words(section.intro) if section.intro else ""
            self.item(rf"\textbf{{{title}}}{given}{intro}")
            self.open()
            for step in section.steps:
                self.step(step, top=section.kind == "derivative")
            self.close()
        else:
            for step in section.steps:
                self.step(step, top=True)

    def render(self) -> str:
        document = self.document
        self.open()
        if document.legend:
            names = ", ".join(f"${self.math(name)}$ = {self.words(meaning)}" for name, meaning in document.legend)
            self.item(r"\textbf{Names:} " + names)
        for section in document.sections:
            self.section(section)
        for convention in document.conventions:
            self.item(r"\textit{Convention:} " + latex_text(convention))
        checked = checked_words(document)
        if checked:
            self.item(r"\textit{Checked:} " + self.words(checked) + ".")
        self.close()
        return "\n".join(self.out)


_LIST_OPEN = (r"\begin{list}{}{\setlength{\leftmargin}{1.5em}\setlength{\itemsep}{1pt}"
              r"\setlength{\parsep}{0pt}\setlength{\topsep}{1pt}\setlength{\itemindent}{0pt}}")


def document_latex(document: Document, *, environment: str = "list", mathjax: bool = False) -> str:
    """*document* as LaTeX: nested lists for pdflatex, or an ``aligned`` block for MathJax (Jupyter)."""
    if environment == "aligned" or mathjax:
        return _aligned(document, mathjax=mathjax)
    if environment != "list":
        raise ValueError(f"environment must be 'list' or 'aligned', got {environment!r}")
    return _Writer(document).render()


def _aligned(document: Document, *, mathjax: bool) -> str:
    """One ``aligned`` block (MathJax knows no lists): each depth one \\quad further in, the rule at the right."""
    rows = []

    def prose(words) -> str:
        # in \text{…}, math goes back in $…$
        pieces = []
        for piece in (words if isinstance(words, Words) else Words(str(words))):
            if isinstance(piece, str):
                pieces.append(r"\text{" + latex_text(piece, unicode=mathjax) + "}")
            else:
                pieces.append(math(piece, latex=True, ordinary=document.ordinary))
        return "".join(pieces)

    def add(step: DocStep, depth: int) -> None:
        pad = r"\quad " * depth
        if step.kind == "matrix":
            rows.append(rf"&{pad}\text{{{step.tag}}}\ {step.equation_latex}")
            return
        if not step.leaf:
            head = step.target if step.target is not None else None
            label = prose(Words(f"{step.label}: ")) if step.label else ""
            rule = prose(Words(f" by the {step.rule}")) if step.rule else ""
            formula = r",\ " + step.formula.latex if step.formula and step.formula.latex else ""
            rows.append(rf"&{pad}{label}{math(head, latex=True, ordinary=document.ordinary) if head is not None else ''}"
                        rf"{rule}{formula}")
            for let in step.lets:
                rows.append(rf"&{pad}\quad\text{{let }}" + _aligned_equation(let, document))
            if step.opening is not None:
                rows.append(rf"&{pad}\quad" + _aligned_equation(step.opening, document))
        for part in step.parts:
            add(part, depth + 1)
        for equation in step.worked:
            annotation = ""
            if step.leaf and (step.rule or step.reason):
                annotation = r" && \text{" + latex_text(step.rule, unicode=mathjax) + "}"
            inset = "" if step.leaf else r"\quad "
            rows.append(rf"&{pad}{inset}" + _aligned_equation(equation, document) + annotation)
        if step.note:
            rows.append(rf"&{pad}\quad " + prose(step.note))

    if document.legend:
        rows.append(r"&\text{Names: }" + r",\ ".join(
            math(n, latex=True) + r"\text{ = }" + prose(m) for n, m in document.legend))
    for section in document.sections:
        title = [r"\textbf{" + latex_text(piece, unicode=mathjax) + "}" if isinstance(piece, str)
                 else math(piece, latex=True, ordinary=document.ordinary) for piece in section.title]
        rows.append("&" + "".join(title))
        for step in section.steps:
            add(step, 1)
    checked = checked_words(document)
    if checked:
        rows.append(r"&\text{Checked: }" + prose(checked + Words(".")))
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def _aligned_equation(equation, document) -> str:
    pieces = equation_pieces(equation, latex=True, ordinary=document.ordinary)
    return " ".join(f"{relation} {text}".strip() for relation, text in pieces)


def render_latex(derivation, level: int = 0, *, verify: bool = False, standalone: bool = False,
                 environment: str = "list", definitions: bool = True, mathjax: bool = False, at=None) -> str:
    """The derivation in LaTeX down to *level*; a complete document with ``standalone=True``.

    ``environment="aligned"`` goes inside display math (MathJax, Jupyter);
    ``mathjax=True`` writes prose for MathJax (Unicode) rather than for pdflatex.
    """
    derivation = derivation.at(at) if at is not None else derivation
    report = derivation.verify() if verify else None
    body = document_latex(build_document(derivation, level, report=report, definitions=definitions),
                          environment=environment, mathjax=mathjax)
    return standalone_latex(body) if standalone else body


def standalone_latex(body: str) -> str:
    """*body* in a complete article that pdflatex compiles."""
    return f"{STANDALONE_PREAMBLE}\\begin{{document}}\n\\noindent\n{body}\n\\end{{document}}\n"


def repr_latex(derivation, level: int = 0) -> str:
    """For Jupyter's ``_repr_latex_``: display math MathJax renders (``$$\\begin{aligned}…$$``)."""
    return "$$" + render_latex(derivation, level, environment="aligned", mathjax=True) + "$$"
