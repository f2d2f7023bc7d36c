"""How ambiguous notation is read.

A learner's ``\\log`` is the natural logarithm, ``e`` is Euler's number, σ is
the logistic sigmoid and H(·) the Heaviside step — unless a worksheet or an
answer key says otherwise.  The choices live in one frozen record so that a
parse can be cached on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Mapping

from ..errors import ConfigError

__all__ = ["Conventions", "as_conventions"]


@dataclass(frozen=True)
class Conventions:
    """Reading conventions for :func:`~mathomong_sym.parsing.parse_expression`.

    ``log_base``
        ``"e"`` (default: ``\\log`` is ln, as in the guide) or ``"10"``.
    ``symbols``
        the names of the question (its variables, the key's and the
        definitions' names, ``--names``).  A declared multi-letter word is one
        name (``prediction``); an unknown run of letters is split into declared
        names where it can be (``wxb`` is w·x·b when w, x and b are declared);
        a declared ``e``, ``H``, ``theta`` or ``sigma`` is a plain symbol, not
        Euler's number or a function.
    ``implicit_multiplication``
        read ``2x`` as 2·x (default); when false, a product needs ``*``.
    ``decimal_comma``
        read ``0,5`` (digits on both sides, no space) as 0.5 (default); the
        checker turns it off when the key is a list, so that ``1,2`` is (1, 2).
    """

    log_base: str = "e"
    symbols: frozenset = field(default_factory=frozenset)
    implicit_multiplication: bool = True
    decimal_comma: bool = True

    def __post_init__(self):
        if self.log_base not in ("e", "10"):
            raise ConfigError(f"log_base must be 'e' or '10', not {self.log_base!r}")
        object.__setattr__(self, "symbols", frozenset(str(s) for s in self.symbols))

    def declares(self, name: str) -> bool:
        return name in self.symbols

    def to_dict(self) -> dict:
        data = {
            "log_base": self.log_base,
            "symbols": sorted(self.symbols),
            "implicit_multiplication": self.implicit_multiplication,
        }
        if not self.decimal_comma:
            data["decimal_comma"] = False
        return data

    def with_names(self, names, **changes) -> "Conventions":
        """These conventions with more declared names (and other fields changed)."""
        return replace(self, symbols=self.symbols | frozenset(names), **changes)


_FIELDS = {f.name for f in fields(Conventions)}


def as_conventions(value) -> Conventions:
    """A ``Conventions`` from ``None``, a mapping (as stored in JSON) or itself."""
    if value is None:
        return Conventions()
    if isinstance(value, Conventions):
        return value
    if isinstance(value, Mapping):
        unknown = set(value) - _FIELDS
        if unknown:
            raise ConfigError(
                f"unknown convention(s) {', '.join(sorted(map(str, unknown)))}; known: {', '.join(sorted(_FIELDS))}"
            )
        data = dict(value)
        if "log_base" in data:
            data["log_base"] = str(data["log_base"])
        if "symbols" in data:
            data["symbols"] = frozenset(data["symbols"] or ())
        return Conventions(**data)
    raise ConfigError(f"conventions must be a mapping, not {type(value).__name__}")
