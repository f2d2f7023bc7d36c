"""What a teacher sees and exports: per student and per part, attempts, accuracy, mistakes.

The gradebook CSV is written by the grading module's own gradebook
(:func:`~mathomong_sym.check.reports.gradebook_csv` of a
:class:`~mathomong_sym.check.grading.GradeReport`), so a class that
practised online imports into a gradebook exactly as a graded worksheet
does.  Each of the guide's parts is one gradebook column worth one point:
the share of the problem parts the student attempted in that part of the
guide that they answered right (at any attempt).
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from ..check.grading import AnswerRow, GradedRow, GradeReport
from ..check.reports import gradebook_csv as report_gradebook
from ..check.reports import spreadsheet_text as _cell
from ..check.key import AnswerEntry, AnswerKey
from ..worksheets.registry import GUIDE_PARTS

__all__ = ["PartStats", "class_summary", "gradebook_csv", "attempts_csv", "progress", "GRADEBOOK_VERSION"]

GRADEBOOK_VERSION = "practice"
_ATTEMPT_COLUMNS = ("id", "time", "student", "part", "topic", "difficulty", "problem", "question", "answer",
                    "read_as", "verdict", "score", "mistake", "revealed_before", "feedback")


@dataclass
class PartStats:
    """One student's (or the class's) work on one part of the guide."""

    attempts: int = 0
    correct: int = 0
    solved: set = field(default_factory=set)     # (topic, difficulty, seed, question) answered right
    tried: set = field(default_factory=set)      # the same, attempted
    mistakes: Counter = field(default_factory=Counter)
    revealed: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.attempts if self.attempts else 0.0

    @property
    def mastery(self) -> Fraction:
        return Fraction(len(self.solved), len(self.tried)) if self.tried else Fraction(0)

    def add(self, row) -> None:
        item = (row.topic, row.difficulty, row.seed, row.question)
        self.attempts += 1
        self.tried.add(item)
        if row.verdict == "correct":
            self.correct += 1
            self.solved.add(item)
        elif row.mistake:
            self.mistakes[row.mistake] += 1
        self.revealed += row.revealed


def progress(rows) -> dict[int, PartStats]:
    """part number -> PartStats of the given attempts."""
    stats: dict = defaultdict(PartStats)
    for row in rows:
        stats[row.part_number].add(row)
    return dict(stats)


def class_summary(rows, names) -> dict:
    """Per student per part, per part for the class, and each part's mistakes' latest feedback."""
    per_student: dict = {name: defaultdict(PartStats) for name in names}
    per_part: dict = defaultdict(PartStats)
    messages: dict = {}  # (part, mistake) -> the checker's latest message for it, an example to read
    for row in rows:
        per_student.setdefault(row.student, defaultdict(PartStats))[row.part_number].add(row)
        per_part[row.part_number].add(row)
        if row.mistake:
            messages[(row.part_number, row.mistake)] = row.feedback.split("Not quite: ", 1)[-1]
    return {"students": per_student, "parts": dict(per_part), "messages": messages,
            "part_titles": dict(GUIDE_PARTS)}


def _column(number: int) -> str:
    return f"part{number}"


def gradebook_csv(rows, names) -> str:
    """The gradebook of the class: one column per part of the guide, through ``GradeReport``."""
    key = AnswerKey(worksheet="practice", version=GRADEBOOK_VERSION, seed=None,
                    entries=[AnswerEntry(id=_column(n), latex="1", points=1.0, label=title)
                             for n, title in GUIDE_PARTS.items()],
                    title="Practice room")
    summary = class_summary(rows, names)
    graded = []
    line = 1
    for student in sorted(summary["students"]):
        for number, stats in sorted(summary["students"][student].items()):
            line += 1
            verdict = "correct" if stats.mastery == 1 else "incorrect"
            graded.append(GradedRow(AnswerRow(line, student, GRADEBOOK_VERSION, _column(number), ""),
                                    GRADEBOOK_VERSION, verdict, stats.mastery, Fraction(1),
                                    f"{len(stats.solved)} of {len(stats.tried)} answered right"))
    return report_gradebook(GradeReport(graded, {GRADEBOOK_VERSION: key}))


def attempts_csv(rows) -> str:
    """Every attempt, one row each, oldest first."""
    import datetime

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_ATTEMPT_COLUMNS)
    for row in rows:
        when = datetime.datetime.fromtimestamp(row.created, datetime.timezone.utc).isoformat(timespec="seconds")
        writer.writerow([row.id, when, _cell(row.student), row.part_number, row.topic, row.difficulty, row.seed,
                         row.question, _cell(row.answer), _cell(row.read_latex), row.verdict, f"{row.score:g}",
                         row.mistake, row.revealed, _cell(row.feedback)])
    return out.getvalue()
