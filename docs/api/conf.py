"""Sphinx configuration of the API reference (docs/api), built from the package's docstrings.

    python -m sphinx -W --keep-going -b html docs/api docs/api/_build/html

``reference.rst`` is written at every build from ``mathomong_sym.__all__``,
grouped by the submodule each name comes from, so every public name is
documented and a new one appears without editing this folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

import mathomong_sym  # noqa: E402

project = "mathomong_sym"
author = "The mathomong_sym authors"
copyright = "2026, The mathomong_sym authors"
release = version = mathomong_sym.__version__

extensions = ["sphinx.ext.autodoc"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": False}
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_title = f"mathomong_sym {release}"

#: (title, submodules) of each section of the reference, in order
SECTIONS = (
    ("Networks and their derivations", ("network", "derivation", "calculus")),
    ("Activations and losses", ("activations", "losses")),
    ("Printing and rendering", ("printing", "render")),
    ("Compiled code and gradient checks", ("compile", "gradcheck")),
    ("Training, data, descent and plots", ("training", "datasets", "descent", "plots")),
    ("Worksheets", ("worksheets",)),
    ("Reading expressions and checking answers", ("parsing", "check", "check.key")),
    ("Errors", ("errors",)),
)


def _directive(name: str) -> str:
    import inspect

    import sympy

    value = getattr(mathomong_sym, name)
    if inspect.isclass(value):
        if issubclass(value, sympy.Function):  # a sympy function class: its own docstring, not sympy's members
            return f".. autoclass:: mathomong_sym.{name}\n   :no-members:\n"
        if issubclass(value, BaseException):
            return f".. autoexception:: mathomong_sym.{name}\n   :no-members:\n"
        return f".. autoclass:: mathomong_sym.{name}\n"
    if callable(value):
        return f".. autofunction:: mathomong_sym.{name}\n"
    return f".. autodata:: mathomong_sym.{name}\n   :no-value:\n"


def write_reference(app=None) -> Path:
    """Write reference.rst: every name of ``mathomong_sym.__all__``, in its section."""
    exports = dict(mathomong_sym._EXPORTS)
    placed = set()
    lines = ["API reference", "=============", "",
             "Everything below is importable from ``mathomong_sym`` itself", "(``from mathomong_sym import MLP``).",
             ""]
    sections = list(SECTIONS) + [("More", tuple(sorted(set(exports.values()))))]
    for title, modules in sections:
        names = [n for n, m in exports.items() if n not in placed and (m in modules or m.split(".")[0] in modules)]
        if not names:
            continue
        lines += [title, "-" * len(title), ""]
        for name in names:
            placed.add(name)
            lines.append(_directive(name))
    path = HERE / "reference.rst"
    text = "\n".join(lines)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def setup(app):
    app.connect("builder-inited", write_reference)
    return {"parallel_read_safe": True}
