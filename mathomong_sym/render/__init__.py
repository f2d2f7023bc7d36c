"""Renderers of a :class:`~mathomong_sym.derivation.Derivation`: text, LaTeX, Markdown, JSON, Graphviz dot.

All of them print the same :class:`~mathomong_sym.render.document.Document`
(the steps down to a level of detail, the named quantities and, after
``derivation.at(...)``, the numbers), so the formats never disagree.
"""

from __future__ import annotations

from .text import render_text

__all__ = ["render_text", "render_latex", "render_markdown", "render_json", "render_dot", "repr_latex"]


def __getattr__(name):
    # each format is imported when first asked for
    modules = {"render_latex": "latex", "repr_latex": "latex", "render_markdown": "markdown",
               "render_json": "json_format", "render_dot": "dot"}
    if name in modules:
        import importlib

        value = getattr(importlib.import_module(f".{modules[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
