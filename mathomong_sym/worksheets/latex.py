"""LaTeX for a worksheet version: student sheet, key and answers-only page.

Templates are jinja2 with LaTeX-safe delimiters (``\\VAR{…}``,
``\\BLOCK{…}``, ``\\#{…}``), so they read as LaTeX.  Plain text goes through
the ``tex`` filter; math comes from the project's printer and the
derivations' own LaTeX.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2
import sympy

from ..derivation import expand_definitions
from ..printing import to_latex
from .assemble import WorksheetVersion
from .generators.common import is_evaluation
from .key import KeySolutions
from .problem import Part, as_printed, display_latex, escape_text, format_points, teacher_text

__all__ = ["render_sheet", "render_key", "render_answers", "solution_blocks", "LEVEL", "KEY_DETAILS"]

#: key_detail: 0 = final answers only, 1 = each factor by its rule (the default), 2 = every elementary step
KEY_DETAILS = {0: None, 1: 1, 2: 2}
LEVEL = 1
#: questions a row of the grade table holds before it wraps
GRADE_COLUMNS = 10


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


def _rounding(part: Part, words) -> str:
    # an exact answer needs no note: the instructions ask for exact answers unless a part says to round
    if not part.numeric or part.exact_decimals:
        return ""
    return teacher_text(words.word("round", n=part.decimals))


#: a row of a key's display wider than this (in characters as printed) gives its rule's name a line; a
#: left side wider than _LONG_SIDE starts its line and keeps the alignment column narrow, so that the
#: notes set in the right column fit beside it
_WIDE_ROW, _LONG_SIDE = 68, 22
_TAG = re.compile(r"\\tag\*\{((?:[^{}]|\{[^{}]*\})*)\}")
_ROW_END = re.compile(r"\\\\\s*\n")
_SPACING = re.compile(r"\\(left|right|big|Big|bigl|bigr|Bigl|Bigr)(?![A-Za-z])|\\[,;:!]|\\q?quad")
_SCRIPT = re.compile(r"[\^_]\{[^{}]*\}|[\^_].")


def _printed_width(latex: str) -> float:
    """About how many characters wide *latex* prints (a command one, a script half, braces none)."""
    text = _SPACING.sub("", latex)
    scripts = sum(len(m.group(0)) - 1 for m in _SCRIPT.finditer(text))
    text = _SCRIPT.sub("", text)
    text = re.sub(r"\\frac", "", text)
    text = re.sub(r"\\[A-Za-z]+", "x", text)
    return len(re.sub(r"[{}\s&]", "", text)) + scripts / 2


def _wrap(block: str) -> str:
    block = block.strip()
    if not (block.startswith("\\begin") or block.startswith("\\[")):
        block = "\\begin{align*}\n" + block + "\n\\end{align*}"
    return _fold_wide_rows(block)


def _fold_wide_rows(block: str) -> str:
    """In an align*, a row whose two sides do not fit gets its right side on the next line.

    ``d/dw(long expression) &= long result`` becomes ``d/dw(long expression) & \\\\ &= long result``
    with the rule's tag on the second line; a row that fits is left alone.
    """
    begin, end = "\\begin{align*}", "\\end{align*}"
    if not (block.startswith(begin) and block.endswith(end)):
        return block
    rows = _ROW_END.split(block[len(begin):-len(end)].strip())
    out = []
    for row in rows:
        # a note beside its line takes the half of the page the left sides leave free
        row = row.replace(r"\parbox[t]{0.62\linewidth}", r"\parbox[t]{0.5\linewidth}")
        lhs, sep, rhs = row.partition("&=")
        if sep and "intertext" not in lhs and _printed_width(lhs) > _LONG_SIDE:
            # the left side starts the line and leaves the alignment column narrow (mathtools)
            out.append(r"\MoveEqLeft[1] " + lhs.strip())
            row = "&=" + rhs
        tag = _TAG.search(row)
        if tag and _printed_width(_TAG.sub("", row)) + _printed_width(tag.group(1)) > _WIDE_ROW:
            # a long line gives its rule's name a line of its own, flush right, instead of the margin
            out.append(_TAG.sub("", row).rstrip())
            out.append(rf"\shortintertext{{\hfill\footnotesize {tag.group(1)}}}")
        else:
            out.append(row)
    return begin + "\n" + " \\\\\n".join(out) + "\n" + end


def _numbers_in(expr, point) -> str:
    """*expr* with each variable replaced by its number, in the order the formula is printed (nothing
    multiplied out)."""
    point = {s: v for s, v in point.items() if s in expr.free_symbols}
    shown = {}
    for symbol, value in point.items():
        text = display_latex(value)
        shown[symbol] = sympy.Symbol(rf"\left({text}\right)" if value < 0 else text)
    printed = as_printed(expr)
    with sympy.evaluate(False):  # the numbers go into the formula as printed: nothing is distributed or collected
        substituted = printed.xreplace(shown)
    return to_latex(substituted)


def _numeric_chain(part: Part) -> str | None:
    """A value of a function's derivative as one chain of true lines: the formula, the numbers in, the value."""
    d = part.derivation
    if getattr(d, "network", None) is not None or getattr(d, "factors", None) or part.update:
        return None
    final = part.answer_latex()
    relation = "=" if part.exact_decimals else r"\approx"
    if is_evaluation(d):
        return rf"\[{to_latex(d.lhs)} = {_numbers_in(d.expression, d.point)} {relation} {final}\]"
    formula = expand_definitions(d.result, d.all_definitions())
    at = ", ".join(f"{to_latex(s)} = {display_latex(v)}" for s, v in sorted(part.point.items(),
                                                                              key=lambda kv: kv[0].name)
                   if s in formula.free_symbols)
    numbers = _numbers_in(formula, part.point)
    rows = [f"{to_latex(d.lhs)} &= {to_latex(formula)}", rf"\intertext{{at ${at}$:}}"]
    if numbers == final:
        rows.append(f"&= {numbers}")
    elif _printed_width(numbers) + _printed_width(final) < _WIDE_ROW - 10:
        rows.append(f"&= {numbers} {relation} {final}")
    else:
        rows.append(f"&= {numbers} \\\\\n&{relation} {final}")
    return _fold_wide_rows("\\begin{align*}\n" + rows[0] + " \\\\\n" + rows[1] + "\n" + rows[2]
                           + "\n\\end{align*}")


def solution_blocks(part: Part, level: int = LEVEL) -> list[str]:
    """The LaTeX a key prints for *part* on its own: the engine's derivation, as the engine renders it.

    A numeric value of a function's derivative is one chain of true
    equalities (the formula, the numbers put in, the value); anything else is
    the derivation's document (see :class:`~mathomong_sym.worksheets.key.KeySolutions`,
    which in a whole key cites what earlier parts found instead of deriving it again).
    """
    return _part_blocks(part, level, None)


def _part_blocks(part: Part, level, solutions: KeySolutions | None, place: str = "") -> list[str]:
    """*part*'s blocks; through *solutions*, a quantity worked in an earlier part of the key is cited."""
    if level is None:
        return []
    solutions = solutions if solutions is not None else KeySolutions(level)
    cited = solutions.cited(part)
    if cited is not None:
        return [*part.lead, cited, *part.extra]
    chain = _numeric_chain(part) if part.numeric else None
    blocks = [*part.lead, chain, *part.extra] if chain is not None else [*part.lead, *solutions.blocks(part, place)]
    solutions.remember(part)
    return blocks


def _solutions(problem, number: int, level, solutions: KeySolutions | None) -> list[list[str]]:
    """Each part's solution blocks; through the key's *solutions*, each quantity is worked once in the key."""
    return [_part_blocks(part, level, solutions, f"{number}({part.label})") for part in problem.parts]


def _lines(blocks) -> int:
    """Lines of working a set of LaTeX blocks holds: what a student writes (a display is at least one).

    In a document's list only the items that are mathematics count; its
    headings ("Names:", "The neuron"), the sentences on what a number means
    and the rules' names are the key's commentary, not working.
    """
    # headings, notes, a left side folded onto a line of its own, a rule's name under its line: no working
    extra = ("intertext", "\\MoveEqLeft", "\\parbox[t]")
    total = 0
    for block in blocks:
        if "\\item[]" in block:
            total += max(1, len(re.findall(r"\\item\[\] \$", block)))
        else:
            total += max(1, block.count("\\\\") + 1 - sum(block.count(e) for e in extra))
    return total


def _space(part: Part, worked_lines: int) -> str:
    """Answer space for a part: what the main lines of its working take, between 2 and 7.5 cm."""
    if part.space:
        return part.space
    return f"{min(7.5, max(2.0, 1.2 + 0.5 * worked_lines)):.1f}cm"


def _centimetres(length: str) -> float:
    """A length as the definition's ``space`` accepts it (``3cm``, ``25 mm``, ``1.5in``, ``40pt``) in centimetres."""
    found = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(cm|mm|in|pt)\s*", length)
    if found is None:
        raise ValueError(f"{length!r} is not a length in cm, mm, in or pt")
    number, unit = float(found.group(1)), found.group(2)
    return number * {"cm": 1.0, "mm": 0.1, "in": 2.54, "pt": 2.54 / 72.27}[unit]


def _grade_rows(questions, total, words) -> list[dict]:
    """The grade table in rows of at most GRADE_COLUMNS questions; the total closes the last row."""
    rows: list[dict[str, object]] = []
    for start in range(0, len(questions), GRADE_COLUMNS):
        chunk = questions[start:start + GRADE_COLUMNS]
        rows.append({"numbers": [q["number"] for q in chunk], "points": [q["points"] for q in chunk]})
    rows[-1]["total"] = format_points(total)
    return rows


def _context(version: WorksheetVersion, key: bool, with_solutions: bool) -> dict:
    definition = version.definition
    words = definition.words
    level = KEY_DETAILS[definition.key_detail] if with_solutions else None
    # one per key: each quantity is worked once across all its parts
    key_solutions = KeySolutions(level, words) if level is not None else None
    questions: list[dict[str, Any]] = []
    for number, problem in enumerate(version.problems, start=1):
        parts: list[dict[str, Any]] = []
        solutions = _solutions(problem, number, level, key_solutions) if with_solutions \
            else [[] for _ in problem.parts]
        # the space a student gets is sized by the main lines of the working each part adds to the parts
        # before it (what they found is cited, not worked again), whatever detail this key shows
        sizing = _solutions(problem, number, 0, KeySolutions(0, words))
        for part, points, solution, worked in zip(problem.parts, problem.part_points(), solutions, sizing):
            space = _space(part, _lines(worked))
            parts.append({
                "label": part.label,
                "prompt": part.prompt,
                "points": format_points(points),
                "rounding": _rounding(part, words),
                "answer": part.answer_latex(),
                "solution": solution,
                "space": space,
                "hint": part.hint,
                # a part's prompt never sits at the foot of a page without its space
                "keep": f"{_centimetres(space) + 1.2:.1f}cm",
            })
        given = (teacher_text(words.word("given")) + " " + ", ".join(f"${formula}$" for _, formula in problem.given)
                 if problem.given else "")
        questions.append({
            "number": number, "statement": problem.statement, "points": format_points(sum(problem.part_points())),
            "parts": parts, "given": given, "hint": problem.hint,
            "figure": (problem.key_figure or problem.figure) if key else problem.figure,
            # beyond the statement (measured by LaTeX): the first part's prompt, and on the sheet its space
            "keep": f"{_centimetres(parts[0]['space']) + 1.5:.1f}cm" if not key else r"3\baselineskip",
        })
    instructions = definition.instructions or teacher_text(words.word("instructions"))
    word = {k: teacher_text(words.word(k)) for k in ("name", "date", "question", "points", "score", "total",
                                                     "version", "answer_key", "answers", "solution", "answer",
                                                     "hint", "part", "answers_note")}
    word["page"] = teacher_text(words.word("page", n="@N@", total="@T@")).replace(
        "@N@", r"\thepage{}").replace("@T@", r"\numpages{}")
    footer = definition.footer if definition.footer is not None else teacher_text(words.word("footer"))
    return {
        "title": escape_text(definition.title),
        "header": definition.header or escape_text(definition.title),
        "footer": footer,
        "logo": definition.logo.name if definition.logo else "",
        "subtitle": teacher_text(definition.subtitle),
        "sheet_id": version.sheet_id,
        "label": version.label,
        "instructions": instructions,
        "questions": questions,
        "total_points": format_points(version.total_points),
        "grade_rows": _grade_rows(questions, version.total_points, words),
        "key": key,
        "words": word,
        "language": words.code,
        "figures": any(q["figure"] for q in questions),
        "plots": any("\\begin{axis}" in q["figure"] for q in questions),
    }


def render_sheet(version: WorksheetVersion) -> str:
    """The student sheet: questions, points, a grade table and answer space."""
    return _environment().get_template("sheet.tex.j2").render(_context(version, key=False, with_solutions=False))


def render_key(version: WorksheetVersion) -> str:
    """The key: the same sheet with every solution worked by the engine (as much as key_detail asks)."""
    return _environment().get_template("sheet.tex.j2").render(_context(version, key=True, with_solutions=True))


def render_answers(version: WorksheetVersion) -> str:
    """One page of final answers (rounded as the sheet asks)."""
    return _environment().get_template("answers.tex.j2").render(_context(version, key=True, with_solutions=False))
