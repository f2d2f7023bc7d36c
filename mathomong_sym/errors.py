"""Exceptions a user can act on.

Every error the package raises on bad input derives from ``MathomongError``,
so the command line can turn it into one line and a non-zero exit.  Each
subclass also derives from the matching builtin (``ValueError``,
``KeyError`` …) so callers that catch the builtin keep working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .gradcheck import GradientCheckReport
    from .training import TrainingResult


class MathomongError(Exception):
    """Base class: a problem with what the user asked for, not a bug."""


class UnknownNameError(MathomongError, KeyError):
    """A name (activation, loss, parameter, dataset …) that does not exist."""

    def __init__(self, kind: str, name: object, known=()):
        self.kind = kind
        self.name = name
        self.known = sorted(str(k) for k in known)
        message = f"unknown {kind} {name!r}"
        if self.known:
            shown = ", ".join(self.known[:12])
            if len(self.known) > 12:
                shown += f", … ({len(self.known)} in all)"
            message += f"; known: {shown}"
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


class IncompatibleError(MathomongError, ValueError):
    """Two choices that do not go together (a loss and an output activation)."""


class ShapeError(MathomongError, ValueError):
    """An array or a list of sizes of the wrong shape."""


class ParseError(MathomongError, ValueError):
    """Text that cannot be read as an expression."""


class VerificationError(MathomongError, AssertionError):
    """A derivation step that does not hold (a bug, caught before printing)."""


class GradientCheckError(VerificationError):
    """A derived gradient that disagrees with the numbers; ``report`` holds the comparison."""

    report: GradientCheckReport | None = None


class TrainingError(MathomongError, RuntimeError):
    """Training stopped: divergence, non-finite values; ``result`` holds the run up to the last good step."""

    result: TrainingResult | None = None


class ConfigError(MathomongError, ValueError):
    """A bad definition file (worksheet TOML, answer key, CSV)."""
