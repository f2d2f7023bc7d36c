"""LaTeX for a worksheet version: student sheet, key and answers-only page.

Templates are jinja2 with LaTeX-safe delimiters (``\\VAR{…}``,
``\\BLOCK{…}``, ``\\#{…}``), so they read as LaTeX.  Plain text goes through
the ``tex`` filter; math comes from the project's printer and the
derivations' own LaTeX.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import jinja2
import sympy

from ..printing import to_latex
from .assemble import WorksheetVersion
from .problem import Part, display_latex, escape_text

__all__ = ["render_sheet", "render_key", "render_answers", "solution_blocks", "LEVEL"]

#: level of detail of printed solutions: each factor by its rule
LEVEL = 1

_DEFAULT_INSTRUCTIONS = (
    "Show your working. Give exact answers unless a part asks you to round; "
    "round only the final answer."
)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_load_template),
        block_start_string=r"\BLOCK{",
        block_end_string="}",
        variable_start_string=r"\VAR{",
        variable_end_string="}",
        comment_start_string=r"\#{",
        comment_end_string="}",
        line_statement_prefix=None,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["tex"] = lambda text: escape_text(str(text))
    return env


def _load_template(name: str) -> str:
    return resources.files(__package__).joinpath("templates").joinpath(name).read_text(encoding="utf-8")


def _rounding(part: Part) -> str:
    if not part.numeric:
        return ""
    if part.exact_decimals:
        return "give the exact value"
    return f"round to {part.decimals} decimal places"


def _wrap(block: str) -> str:
    block = block.strip()
    if block.startswith("\\begin") or block.startswith("\\["):
        return block
    return "\\begin{align*}\n" + block + "\n\\end{align*}"


def solution_blocks(part: Part, level: int = LEVEL) -> list[str]:
    """The LaTeX a key prints for *part*: the engine's derivation, as the engine renders it.

    A symbolic part shows each factor by its rule (and why); a numeric part
    shows the same derivation with its numbers side by side, without the
    prose, since the symbolic reasons were given where the formula was asked.
    """
    if part.numeric and part.point:
        blocks = [_wrap(part.derivation.at(part.point).to_latex(level=0, reasons=False))]
    else:
        blocks = [_wrap(part.derivation.to_latex(level=level))]
    blocks.extend(part.extra)
    return blocks


def _reference_block(part: Part, earlier: str) -> str:
    """One line instead of a derivation already worked, with the same numbers, in an earlier part."""
    value = part.derivation.result.xreplace(part.point)
    if value.is_Rational:
        relation, shown = "=", display_latex(value)
    else:
        relation, shown = r"\approx", f"{float(sympy.N(value, 20)):.{part.decimals or 4}f}"
    return (rf"\[{to_latex(part.derivation.lhs)} {relation} {shown}"
            rf"\qquad\text{{(worked in part ({earlier}))}}\]")


def _solutions(problem) -> list[list[str]]:
    """Each part's solution blocks; a derivation is worked once per problem and point."""
    worked: dict = {}
    out = []
    for part in problem.parts:
        identity = (id(part.derivation), tuple(sorted((str(k), v) for k, v in part.point.items())))
        if part.numeric and part.point and identity in worked:
            out.append([_reference_block(part, worked[identity]), *part.extra])
        else:
            out.append(solution_blocks(part))
            if part.numeric and part.point:
                worked[identity] = part.label
    return out


def _space(part: Part) -> str:
    steps = sum(1 for _ in part.derivation.walk()) if hasattr(part.derivation, "walk") else 3
    return f"{min(7.0, 2.5 + 0.6 * steps + (1.0 if part.numeric else 0.0)):.1f}cm"


def _context(version: WorksheetVersion, key: bool, with_solutions: bool) -> dict:
    definition = version.definition
    questions = []
    for number, problem in enumerate(version.problems, start=1):
        parts = []
        solutions = _solutions(problem) if with_solutions else [[] for _ in problem.parts]
        for part, points, solution in zip(problem.parts, problem.part_points(), solutions):
            parts.append({
                "label": part.label,
                "prompt": part.prompt,
                "points": points,
                "rounding": _rounding(part),
                "answer": part.answer_latex(),
                "solution": solution,
                "space": _space(part),
            })
        questions.append({"number": number, "statement": problem.statement, "points": problem.points, "parts": parts})
    instructions = escape_text(definition.instructions) if definition.instructions else escape_text(_DEFAULT_INSTRUCTIONS)
    return {
        "title": definition.title,
        "subtitle": definition.subtitle,
        "sheet_id": version.sheet_id,
        "label": version.label,
        "instructions": instructions,
        "questions": questions,
        "total_points": version.total_points,
        "key": key,
        # long sheets set the grade table smaller so that it stays one row of columns wide
        "table_size": r"\footnotesize\setlength{\tabcolsep}{4pt}" if len(questions) > 12 else "",
        "table_height": "2.0cm" if len(questions) > 12 else "2.4cm",
    }


def render_sheet(version: WorksheetVersion) -> str:
    """The student sheet: questions, points, a grade table and answer space."""
    return _environment().get_template("sheet.tex.j2").render(_context(version, key=False, with_solutions=False))


def render_key(version: WorksheetVersion) -> str:
    """The key: the same sheet with every solution worked by the engine."""
    return _environment().get_template("sheet.tex.j2").render(_context(version, key=True, with_solutions=True))


def render_answers(version: WorksheetVersion) -> str:
    """One page of final answers (rounded as the sheet asks)."""
    return _environment().get_template("answers.tex.j2").render(_context(version, key=True, with_solutions=False))
