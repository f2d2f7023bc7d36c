r"""From a written symbol to the project's plain name.

``\hat{y}_1`` is ``yhat_1``, ``w^{(2)}_{13}`` is ``w2_1_3`` (a weight, not a
square), ``w^{(2)}_{1,13}`` is ``w2_1_13``, ``\delta^{(1)}_1`` is
``delta1_1``, ``x_{1}`` is ``x_1``.  Case is kept: ``W`` and ``w`` are
different symbols.  The result is always ``naming.sym(plain_name)``.
"""

from __future__ import annotations

import re

from ..errors import ParseError
from ..naming import sym

__all__ = ["plain_name", "symbol_for"]

_ACCENT_SUFFIX = {"hat": "hat", "widehat": "hat", "bar": "bar", "overline": "bar", "tilde": "tilde", "widetilde": "tilde", "vec": "vec", "dot": "dot"}
# bases whose index pairs (to, from) are written run together, w_{13}
_PAIR_INDEXED = {"w", "W"}
_INDEX = re.compile(r"^[A-Za-z0-9]+$")


def _split_indices(subscript: str, base: str, layered: bool) -> list[str]:
    text = subscript.replace(" ", "")
    if not text:
        raise ParseError(f"empty subscript on {base}")
    if "," in text:
        parts = text.split(",")
    elif layered and base in _PAIR_INDEXED and text.isdigit() and len(text) > 1:
        if len(text) != 2:
            raise ParseError(
                f"the subscript {text} of {base} is ambiguous: separate the two indices with a comma, as in {base}_{{{text[0]},{text[1:]}}}"
            )
        parts = [text[0], text[1]]
    else:
        parts = [text]
    for part in parts:
        if not _INDEX.match(part):
            raise ParseError(f"cannot read the subscript {subscript!r} of {base}")
    return parts


def plain_name(base: str, *, accent: str | None = None, layer: str | None = None, subscript: str | None = None) -> str:
    """The plain name of a symbol written with these parts."""
    if accent:
        base = base + _ACCENT_SUFFIX.get(accent, accent)
    if layer is not None:
        if not layer.isdigit():
            raise ParseError(f"the layer superscript of {base} must be a number, not {layer!r}")
        if subscript is None:
            return f"{base}{layer}"
        return f"{base}{layer}_" + "_".join(_split_indices(subscript, base, True))
    if subscript is None:
        return base
    return f"{base}_" + "_".join(_split_indices(subscript, base, False))


def symbol_for(base: str, **parts):
    return sym(plain_name(base, **parts))
