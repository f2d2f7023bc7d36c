"""The figure the plotting functions return: a matplotlib ``Figure`` that Jupyter shows.

:mod:`mathomong_sym.plots` builds figures without pyplot, so they hold no
global state and need no display.  A bare ``Figure`` is shown by Jupyter only
once pyplot's inline backend has registered a formatter for it (``%matplotlib
inline``, or ``import matplotlib.pyplot``); until then a notebook prints
``<Figure size 640x480 with 1 Axes>``.  This subclass renders itself as a PNG
(``_repr_png_``), so the figure a function returns appears as a picture with no
magic.  It imports matplotlib, so it is imported only when a picture is drawn.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure as _MatplotlibFigure

__all__ = ["Figure"]


class Figure(_MatplotlibFigure):
    """A matplotlib figure that displays itself in Jupyter as a PNG."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        return buffer.getvalue()
