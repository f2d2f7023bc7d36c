"""Worksheets: randomized versions, machine-verified keys, PDFs and JSON keys.

A worksheet definition (TOML) lists problems by topic; each topic has a
generator that draws nice numbers from its own seeded RNG and builds the
problem's answers and solutions from the engine's derivations.  A version is
rendered to a student sheet, a key with full solutions and an answers-only
page (LaTeX, exam class, PDF via pdflatex) and to a JSON answer key that
``mathomong check`` and ``mathomong grade`` read.
"""

from .assemble import WorksheetVersion, assemble, draw_problem
from .build import BuildResult, build_all, build_worksheet
from .definition import ProblemSpec, WorksheetDefinition, load_worksheet, parse_worksheet
from .latex import render_answers, render_key, render_sheet
from .problem import Mistake, Part, Problem
from .randomness import problem_seed
from .registry import GENERATORS, Generator, get_generator, register_generator

__all__ = [
    "GENERATORS",
    "Generator",
    "register_generator",
    "get_generator",
    "WorksheetDefinition",
    "ProblemSpec",
    "load_worksheet",
    "parse_worksheet",
    "WorksheetVersion",
    "assemble",
    "draw_problem",
    "Problem",
    "Part",
    "Mistake",
    "problem_seed",
    "render_sheet",
    "render_key",
    "render_answers",
    "BuildResult",
    "build_worksheet",
    "build_all",
]
