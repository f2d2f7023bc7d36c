r"""From a written symbol to the project's plain name.

``\hat{y}_1`` is ``yhat_1``, ``w^{(2)}_{13}`` is ``w2_1_3`` (a weight, not a
square), ``w^{(2)}_{1,13}`` is ``w2_1_13``, ``a^{[1]}_2`` (the bracket
notation of a popular deep-learning course) is ``a1_2``, ``\delta^{(1)}_1``
is ``delta1_1``, ``x_{1}`` and ``x1`` are ``x_1``.  ``w_{1,2}`` and
``w_{12}`` are the same symbol ``w_12`` (single-digit indices run together
as a textbook prints them).  Case is kept: ``W`` and ``w`` differ.  The
result is always ``naming.sym(plain_name)``.
"""

from __future__ import annotations

import re

from ..errors import ParseError

__all__ = ["plain_name", "LAYERED"]

_ACCENT_SUFFIX = {"hat": "hat", "widehat": "hat", "bar": "bar", "overline": "bar", "tilde": "tilde",
                  "widetilde": "tilde", "vec": "vec", "dot": "dot", "mathbf": "", "boldsymbol": ""}
#: bases that take a layer superscript w^{(l)}
LAYERED = frozenset({"w", "W", "b", "z", "a", "delta", "h"})
# bases whose index pairs (to, from) are written run together, w^{(2)}_{13}
_PAIR_INDEXED = {"w", "W"}
_INDEX = re.compile(r"^[A-Za-z0-9]+$")


def _layered_indices(subscript: str, base: str) -> list[str]:
    if "," in subscript:
        parts = subscript.split(",")
    elif base in _PAIR_INDEXED and subscript.isdigit() and len(subscript) > 1:
        if len(subscript) != 2:
            raise ParseError(
                f"the subscript {subscript} of {base} is ambiguous: separate the two indices with a comma, "
                f"as in {base}_{{{subscript[0]},{subscript[1:]}}}")
        parts = [subscript[0], subscript[1]]
    else:
        parts = [subscript]
    return parts


def _plain_indices(subscript: str) -> list[str]:
    parts = subscript.split(",")
    if len(parts) > 1 and all(len(p) == 1 for p in parts):
        return ["".join(parts)]  # w_{1,2} is w_{12}
    return parts


def plain_name(base: str, *, accent: str | None = None, layer: str | None = None, subscript: str | None = None,
               digits: str = "") -> str:
    """The plain name of a symbol written with these parts.

    *digits* are the digits written right after the letters (``x2``,
    ``w2_1_13``): an index, or the layer when a subscript follows.
    """
    if accent:
        base = base + _ACCENT_SUFFIX.get(accent, accent)
    if digits:
        if subscript is None and layer is None:
            subscript = digits
        elif layer is None and base in LAYERED:
            layer = digits  # w2_1_13, z2_1, delta1_1: the package's plain names
        else:
            raise ParseError(f"cannot read {base}{digits}: write {base}_{{{digits}}} or {base}^{{({digits})}}")
    if subscript is not None:
        subscript = subscript.replace(" ", "")
        if not subscript:
            raise ParseError(f"an empty subscript on {base}")
        parts = subscript.split(",")
        if any(not _INDEX.match(part) for part in parts):
            raise ParseError(f"cannot read the subscript {subscript!r} of {base}")
    if layer is not None:
        if not layer.isdigit():
            raise ParseError(f"the layer superscript of {base} must be a number, not {layer!r}")
        if subscript is None:
            return f"{base}{int(layer)}"
        return f"{base}{int(layer)}_" + "_".join(_layered_indices(subscript, base))
    if subscript is None:
        return base
    return f"{base}_" + "_".join(_plain_indices(subscript))
