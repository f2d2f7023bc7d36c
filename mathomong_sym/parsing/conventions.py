"""How ambiguous notation is read.

A learner's ``\\log`` is the natural logarithm, ``e`` is Euler's number, σ is
the logistic sigmoid and H(·) the Heaviside step — unless a worksheet or an
answer key says otherwise.  The choices live in one frozen record so that a
parse can be cached on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Mapping

from ..errors import ConfigError

__all__ = ["Conventions", "as_conventions"]


@dataclass(frozen=True)
class Conventions:
    """Reading conventions for :func:`~mathomong_sym.parsing.parse_expression`.

    ``log_base``
        ``"e"`` (default: ``\\log`` is ln, as in the guide) or ``"10"``.
    ``symbols``
        names declared as variables; a declared ``e``, ``H``, ``theta`` or
        ``sigma`` is then a plain symbol, not Euler's number or a function.
    ``implicit_multiplication``
        plain syntax only: read ``2x`` as ``2*x`` (LaTeX always does).
    """

    log_base: str = "e"
    symbols: frozenset = field(default_factory=frozenset)
    implicit_multiplication: bool = True

    def __post_init__(self):
        if self.log_base not in ("e", "10"):
            raise ConfigError(f"log_base must be 'e' or '10', not {self.log_base!r}")
        object.__setattr__(self, "symbols", frozenset(str(s) for s in self.symbols))

    def declares(self, name: str) -> bool:
        return name in self.symbols

    def to_dict(self) -> dict:
        return {
            "log_base": self.log_base,
            "symbols": sorted(self.symbols),
            "implicit_multiplication": self.implicit_multiplication,
        }


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
