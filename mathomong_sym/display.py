"""Short displays of result objects: one line at a prompt, a small table in Jupyter.

A result object (a report, a trained run, a data set, a compiled network …)
holds arrays and sympy trees whose full dataclass repr runs to tens of
kilobytes.  A class that mixes in :class:`Summarised` says what matters in
``_summary()``: a one-line headline and a few labelled facts.  Then

* ``repr(obj)`` is the headline on one line, ``<TrainingResult: 5000 steps
  of gradient descent (η = 0.5), loss 0.25 → 0.00089>``, clipped to
  :data:`MAX_REPR` characters;
* Jupyter shows the headline and the facts as a small table
  (``_repr_html_``, and ``_repr_markdown_`` for front ends that prefer it);
* IPython's pretty printer prints the same line as ``repr``.

The data itself stays in the attributes (``result.theta``, ``report.exact``).
A dataclass that mixes this in is declared with ``repr=False``, so that the
generated field-by-field repr does not replace this one.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

__all__ = ["Summary", "Summarised", "clip", "MAX_REPR"]

#: the longest ``repr`` a result object prints (its headline is clipped to fit)
MAX_REPR = 200


def clip(text: str, limit: int) -> str:
    """*text* on one line, at most *limit* characters (an ellipsis marks a cut)."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: max(limit - 1, 0)].rstrip() + "…"


@dataclass(frozen=True)
class Summary:
    """What a result object shows: a one-line *headline* and labelled *facts*."""

    headline: str
    facts: tuple[tuple[str, str], ...] = ()


class Summarised:
    """Mix-in: ``repr``, Markdown and HTML displays built from ``_summary()``."""

    __slots__ = ()

    def _summary(self) -> Summary:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"<{name}: {clip(self._summary().headline, MAX_REPR - len(name) - 4)}>"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(repr(self))

    def _repr_markdown_(self) -> str:
        summary = self._summary()
        lines = [f"**{type(self).__name__}**: {_markdown_cell(summary.headline)}"]
        if summary.facts:
            lines += ["", "| | |", "|---|---|"]
            lines += [f"| {_markdown_cell(label)} | {_markdown_cell(value)} |" for label, value in summary.facts]
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        summary = self._summary()
        rows = "".join(
            f"<tr><th style=\"text-align:left\">{html.escape(label)}</th>"
            f"<td style=\"text-align:left\">{html.escape(str(value))}</td></tr>"
            for label, value in summary.facts
        )
        table = f"<table>{rows}</table>" if rows else ""
        return (f"<div><strong>{html.escape(type(self).__name__)}</strong>: "
                f"{html.escape(summary.headline)}{table}</div>")


def _markdown_cell(text) -> str:
    """*text* safe inside a Markdown table cell: one line, pipes and markup escaped."""
    line = " ".join(str(text).split())
    for character in "\\|*_`[]<>":
        line = line.replace(character, "\\" + character)
    return line
