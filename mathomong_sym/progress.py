"""Progress bars for long work: training, grading a class, building worksheets.

Every function that can take a while has a ``progress`` argument:

* ``None`` (the default): a bar appears by itself where someone is watching
  (in a Jupyter notebook, or when standard error is a terminal), and only
  once the work has taken :data:`AUTO_DELAY` seconds, so quick calls stay
  silent; elsewhere (a pipe, a log file, CI) nothing is shown;
* ``True``: a bar at once, wherever the output goes;
* ``False``: no bar.

Bars are ``tqdm.auto`` bars: a widget in a notebook (with ipywidgets
installed; text otherwise), text on a terminal.
"""

from __future__ import annotations

import sys
import warnings

__all__ = ["AUTO_DELAY", "progress_bar", "in_notebook"]

#: seconds of work before an automatic bar appears
AUTO_DELAY = 2.0


def in_notebook() -> bool:
    """Is this code running in a Jupyter kernel?"""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # an IPython too old or half imported: no kernel to draw in
        return False
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _watched() -> bool:
    if in_notebook():
        return True
    stream = sys.stderr
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


def progress_bar(progress, *, total: int | None, desc: str, unit: str):
    """A ``tqdm.auto`` bar for *total* units of work, or None when none is wanted (see the module)."""
    if progress is False or progress is None and not _watched():
        return None
    with warnings.catch_warnings():
        # without ipywidgets tqdm.auto falls back to a text bar, and says so on every import
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, unit=unit, leave=False, mininterval=0.2,
                delay=AUTO_DELAY if progress is None else 0.0)
