r"""What the pages show, taken from the engine: problems, keys, worked steps.

A practice problem is the worksheet generator's problem for a topic, a
difficulty and a seed; its key is the worksheet's key entry for each part
(:func:`~mathomong_sym.worksheets.key.part_entry`), the same one ``mathomong
check`` reads; its worked solution is the derivation's document
(:func:`~mathomong_sym.render.document.build_document`), shown one line at a
time: a hint names the rule of the next line, "next step" shows the line.

Problem statements are written for LaTeX (text with ``$…$`` math); they are
split here into text and math pieces, and the browser typesets the math
with the vendored KaTeX.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError, MathomongError, UnknownNameError
from ..printing import to_latex
from ..render.document import build_document
from ..worksheets import GENERATORS, draw_problem, load_worksheet, problem_seed
from ..worksheets.assemble import MAX_ATTEMPTS, verify_problem
from ..worksheets.definition import DIFFICULTIES
from ..worksheets.key import part_entry
from ..worksheets.randomness import Degenerate
from ..worksheets.registry import GUIDE_PARTS

if TYPE_CHECKING:
    from ..check.key import AnswerEntry
    from ..worksheets.problem import Part, Problem

__all__ = ["PracticeProblem", "PracticePart", "SolutionStep", "practice_problem", "warm_up", "new_seed", "parts_of_guide",
           "latex_prose", "feedback_message", "document_steps", "Worksheets", "topics_of_part", "check_difficulty", "check_seed",
           "is_drawn"]

#: the detail the worked solution is shown in (each factor by its rule)
SOLUTION_LEVEL = 1
_SEED = re.compile(r"^[0-9a-f]{1,16}$")


@dataclass(frozen=True)
class SolutionStep:
    """One line of a worked solution: first its hint (the rule), then the line itself."""

    hint: str       # the rule, in words
    reason: str     # why the rule applies here, in words
    latex: str      # the line, typeset: lhs = rhs (= the same with numbers)
    depth: int      # 0 for a step of the derivation, 1 for the detail inside it
    section: str    # the derivation this line belongs to (a cited δ, or the answer's own)


@dataclass(frozen=True)
class PracticePart:
    label: str
    prompt: list           # [(kind, text)] pieces: see latex_prose
    entry: AnswerEntry     # the checker's entry for this part
    numeric: bool
    rounding: str          # "4 decimal places", "exact" or ""
    answer_latex: str
    problem: Problem = field(repr=False, compare=False)  # the generator's problem
    source: Part = field(repr=False, compare=False)      # the generator's part

    @cached_property
    def steps(self) -> tuple[SolutionStep, ...]:
        """The worked solution, built and verified the first time a student asks for it."""
        verify_problem(replace(self.problem, parts=(self.source,)))
        return tuple(solution_steps(self.source))

    @property
    def steps_ready(self) -> bool:
        """Whether the worked solution is built already (showing it costs nothing)."""
        return "steps" in self.__dict__


@dataclass(frozen=True)
class PracticeProblem:
    topic: str
    title: str
    guide_part: int
    difficulty: str
    seed: str
    statement: list
    parts: tuple[PracticePart, ...]

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.topic, self.difficulty, self.seed)

    def part(self, label: str) -> PracticePart:
        for part in self.parts:
            if part.label == label:
                return part
        raise UnknownNameError("part", label, [p.label for p in self.parts])


def new_seed() -> str:
    return secrets.token_hex(4)


def check_seed(seed: str) -> str:
    if not isinstance(seed, str) or not _SEED.match(seed):
        raise ConfigError(f"a problem number is 1–16 hexadecimal digits, not {str(seed)[:40]!r}")
    return seed


def check_difficulty(difficulty: str) -> str:
    if difficulty not in DIFFICULTIES:
        raise UnknownNameError("difficulty", difficulty, DIFFICULTIES)
    return difficulty


def parts_of_guide() -> list[tuple[int, str, list]]:
    """[(part number, its title, [generators])] for the guide's parts 1–10."""
    out = []
    for number, title in GUIDE_PARTS.items():
        out.append((number, title, [g for g in GENERATORS.values() if g.part == number]))
    return out


def topics_of_part(number: int) -> list:
    return [g for g in GENERATORS.values() if g.part == number]


#: problems kept drawn, the most recently used first to stay
_KEPT = 512
_problems: OrderedDict = OrderedDict()
_problems_lock = threading.Lock()


def practice_problem(topic: str, difficulty: str, seed: str) -> PracticeProblem:
    """The problem of *topic* at *difficulty* numbered *seed*, with its keys (the last 512 are kept).

    Its worked steps are built, and verified, when they are first asked for.
    """
    key = (topic, difficulty, seed)
    with _problems_lock:
        if key in _problems:
            _problems.move_to_end(key)
            return _problems[key]
    problem = _draw(topic, difficulty, seed)
    with _problems_lock:
        _problems[key] = problem
        if len(_problems) > _KEPT:
            _problems.popitem(last=False)
    return problem


def is_drawn(topic: str, difficulty: str, seed: str) -> bool:
    """Whether that problem is kept drawn (asking for it costs nothing)."""
    with _problems_lock:
        return (topic, difficulty, seed) in _problems


def _draw(topic: str, difficulty: str, seed: str) -> PracticeProblem:
    if topic not in GENERATORS:
        raise UnknownNameError("topic", topic, GENERATORS)
    check_difficulty(difficulty)
    number = int(check_seed(seed), 16)
    generator = GENERATORS[topic]
    problem = None
    for attempt in range(MAX_ATTEMPTS):
        try:
            problem = draw_problem(topic, problem_seed("practice", number, topic, 0, attempt), difficulty,
                                   verify=False)
            break
        except Degenerate:
            continue
    if problem is None:  # pragma: no cover - a healthy generator needs one or two draws
        raise ConfigError(f"the {topic} generator found no good numbers for problem {seed}")
    parts = []
    for part, points in zip(problem.parts, problem.part_points()):
        parts.append(PracticePart(
            label=part.label,
            prompt=latex_prose(part.prompt),
            entry=part_entry(part, part.label, points),
            numeric=part.numeric,
            rounding=part.rounding_note,
            answer_latex=part.answer_latex(),
            problem=problem,
            source=part,
        ))
    return PracticeProblem(topic, generator.title, generator.part, difficulty, seed,
                           latex_prose(problem.statement), tuple(parts))


def solution_steps(part) -> list[SolutionStep]:
    """The worked solution of a worksheet part, line by line, in the document's order."""
    derivation = part.derivation.at(part.point) if part.numeric and part.point else part.derivation
    steps = document_steps(build_document(derivation, SOLUTION_LEVEL))
    for block in part.extra:
        steps.append(SolutionStep("put the numbers in", "", _strip_display(block), 0, "the answer"))
    return steps


def document_steps(document) -> list[SolutionStep]:
    """The steps of a derivation's document, typeset one by one, in the order a reader meets them.

    A step with parts gives two: its rule (with the formula applied) before
    its parts, its worked lines after them.  A line with no rule of its own
    (a definition of the forward pass, a gradient-descent update) is named
    by its section and the quantity it finds, and the section's
    introduction is its reason.
    """
    from ..render.common import equation_pieces, words_text

    def typeset(equation) -> str:
        pieces = equation_pieces(equation, latex=True, ordinary=document.ordinary)
        return " ".join(f"{relation} {text}".strip() for relation, text in pieces)

    steps = []
    introduced = set()
    for section, step, depth, phase in document.reading():
        title = words_text(section.title, ordinary=document.ordinary)
        intro = "" if id(section) in introduced else words_text(section.intro)
        introduced.add(id(section))
        rule = step.rule + (f": {step.formula.text}" if step.formula and step.formula.text else "")
        if phase == "hint":
            shown = [*(typeset(let) for let in step.lets), *([typeset(step.opening)] if step.opening else [])]
            latex = r" \\ ".join(shown) or (to_latex(step.target) if step.target is not None else "")
            steps.append(SolutionStep(rule or _named(title, step), words_text(step.reason) or intro, latex, depth,
                                      title))
            continue
        latex = r" \\ ".join(typeset(equation) for equation in step.worked)
        if step.kind == "matrix":
            latex, rule = step.formula.latex, step.tag
        if rule:
            hint = rule if step.leaf else "the parts put together"
        else:
            hint = "the parts put together" if not step.leaf else _named(title, step)
        reason = words_text(step.note) if step.note else (words_text(step.reason) if step.leaf else "")
        if latex:
            steps.append(SolutionStep(hint, reason or (intro if not rule else ""), latex, depth, title))
    return steps


def _named(title: str, step) -> str:
    """A line without a rule, by its section and what it finds: "The neuron: ŷ"."""
    from ..printing import to_text

    if step.target is None:
        return title or "the result"
    return f"{title}: {to_text(step.target)}" if title else to_text(step.target)


def _strip_display(block: str) -> str:
    block = block.strip()
    if block.startswith(r"\[") and block.endswith(r"\]"):
        return block[2:-2].strip()
    return block


def warm_up(seeds=("0",)) -> int:
    """Read and check typical answers of every topic once, in this process; returns how many.

    The LaTeX reader builds its parse tables as it meets new kinds of input,
    and the checker imports what it needs on first use.  Done before the
    checker's workers start (they fork from this process), each worker begins
    warm instead of making the first students wait.
    """
    from ..check.checker import make_task
    from ..check.engine import run_task
    from ..parsing import parse_expression

    count = 0
    for topic in GENERATORS:
        for seed in seeds:
            first, *rest = practice_problem(topic, "medium", seed).parts
            run_task(make_task(first.answer_latex, first.entry))
            for part in (first, *rest):
                for answer in (part.answer_latex, *(m.latex for m in part.entry.mistakes)):
                    try:
                        parse_expression(answer)
                    except MathomongError:
                        pass
                    count += 1
    return count


# ---------------------------------------------------------------------------
# LaTeX prose to text and math pieces
# ---------------------------------------------------------------------------

_MATH = re.compile(r"\\\[(?P<display>.*?)\\\]|\$(?P<inline>(?:\\\$|[^$])+?)\$", re.S)
_TEXT_COMMANDS = {
    r"\textbackslash{}": "\\", r"\textasciitilde{}": "~", r"\textasciicircum{}": "^", r"\textless{}": "<",
    r"\textgreater{}": ">", r"\ldots{}": "…", r"\&": "&", r"\%": "%", r"\$": "$", r"\#": "#", r"\_": "_",
    r"\{": "{", r"\}": "}", "---": "—", "--": "–", "``": "“", "''": "”", "~": "\u00a0",
}
_TEXT_COMMAND = re.compile("|".join(re.escape(k) for k in sorted(_TEXT_COMMANDS, key=len, reverse=True)))


def latex_prose(text: str, *, text_is_latex: bool = True) -> list[tuple[str, str]]:
    r"""Text of a LaTeX paragraph as [("text", …), ("math", …), ("display", …)] pieces.

    Text pieces are plain Unicode (``\%`` is %, ``--`` an en dash); math pieces
    are LaTeX for KaTeX.  With ``text_is_latex=False`` the text between the
    math is kept as it is (the checker's feedback is Unicode prose with ``$…$``
    math).  Nothing here is HTML: the templates escape every piece.
    """
    plain = _plain if text_is_latex else (lambda t: t)
    pieces: list[tuple[str, str]] = []
    position = 0
    for match in _MATH.finditer(text):
        if match.start() > position:
            pieces.append(("text", plain(text[position:match.start()])))
        if match.group("display") is not None:
            pieces.append(("display", match.group("display").strip()))
        else:
            pieces.append(("math", match.group("inline").strip()))
        position = match.end()
    if position < len(text):
        pieces.append(("text", plain(text[position:])))
    return [p for p in pieces if p[1]]


def feedback_message(feedback: str, read_latex: str) -> list[tuple[str, str]]:
    """The checker's feedback as text and math pieces, without its echo of the reading (typeset apart)."""
    echo = _ECHO.match(feedback) if read_latex else None
    if echo:
        feedback = feedback[echo.end():].strip()
    return latex_prose(feedback, text_is_latex=False)


# the checker's first sentence: "We read your answer as 2(ŷ − y) (ignoring the final period)."
_ECHO = re.compile(r"We read your answer as .*?\.(?=\s+[A-Z]|\s*$)")


def _plain(text: str) -> str:
    return _TEXT_COMMAND.sub(lambda m: _TEXT_COMMANDS[m.group(0)], text)


# ---------------------------------------------------------------------------
# worksheet definitions a teacher points the server at
# ---------------------------------------------------------------------------

class Worksheets:
    """The worksheet definitions (``*.toml``) of a folder, read once."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.definitions: dict = {}
        self.problems: list[str] = []  # files that could not be read, with the reason
        if folder is None or not Path(folder).is_dir():
            return
        for path in sorted(Path(folder).glob("*.toml")):
            try:
                definition = load_worksheet(path)
            except ConfigError as exc:
                self.problems.append(str(exc))
                continue
            if all(spec.topic in GENERATORS for spec in definition.problems):
                self.definitions[definition.id] = definition

    def get(self, sheet_id: str):
        if sheet_id not in self.definitions:
            raise UnknownNameError("worksheet", sheet_id, self.definitions)
        return self.definitions[sheet_id]
