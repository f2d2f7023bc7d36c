"""The Mathomong AI Club's worksheet definitions, installed with the package.

One sheet per part of the guide *Calculus in Neural Networks*, a mixed
review, a teacher's quiz and a sheet in French (``README.md`` beside them
explains how to write one).  They live in the project's top-level
``worksheets/`` folder; ``sheets`` here links to it, so a wheel carries them
as package data and ``mathomong worksheet --all`` and ``mathomong serve``
find them wherever the package is installed.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["club_folder", "club_sheets", "club_sheet"]


def club_folder() -> Path:
    """The folder that holds the club's ``*.toml`` definitions."""
    return Path(__file__).resolve().parent / "sheets"


def club_sheets() -> list[Path]:
    """Every club definition, in file-name order."""
    return sorted(club_folder().glob("*.toml"))


def club_sheet(name: str) -> Path | None:
    """The club definition called *name* (its file name, with or without ``.toml``), or None."""
    stem = name[:-5] if name.endswith(".toml") else name
    path = club_folder() / f"{stem}.toml"
    return path if "/" not in stem and "\\" not in stem and path.is_file() else None
