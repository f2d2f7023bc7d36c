"""The files of a graded class: report, summary, gradebook and feedback per student.

:func:`write_reports` writes them into a folder that nobody else writes to
(the staging folder of :class:`~mathomong_sym.outputs.OutputFolder`),
each file created new (never through a link or over another file).
Layouts are documented in ``docs/grading-csv.md``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import unicodedata
from collections import Counter, defaultdict
from fractions import Fraction
from pathlib import Path

from .engine import CORRECT, INCORRECT, INVALID

__all__ = ["write_reports", "format_points", "spread_points", "feedback_file_names", "spreadsheet_text",
           "report_csv", "gradebook_csv", "summary_markdown", "student_feedback"]

_ANSWER_ECHO = 500  # characters of a raw answer repeated in the report


# ---------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------

def format_points(value: Fraction) -> str:
    """Points rounded to two decimals, without trailing zeros: 2, 0.67, 1.5."""
    hundredths = round(Fraction(value) * 100)
    return _hundredths(hundredths)


def _hundredths(hundredths: int) -> str:
    sign = "-" if hundredths < 0 else ""
    whole, part = divmod(abs(hundredths), 100)
    return f"{sign}{whole}" if part == 0 else f"{sign}{whole}.{part:02d}".rstrip("0")


def spread_points(parts: list[Fraction]) -> list[str]:
    """Each part rounded to two decimals so that the shown parts add up to the shown total.

    Largest remainders get the extra hundredth: ⅓ + ⅓ + ⅓ shows as 0.34, 0.33, 0.33 (total 1).
    """
    scaled = [Fraction(p) * 100 for p in parts]
    target = round(sum(scaled, Fraction(0)))
    floors = [s.numerator // s.denominator for s in scaled]
    missing = target - sum(floors)
    order = sorted(range(len(parts)), key=lambda i: (-(scaled[i] - floors[i]), i))
    for i in order[:max(0, missing)]:
        floors[i] += 1
    return [_hundredths(h) for h in floors]


# ---------------------------------------------------------------------------
# cells and names
# ---------------------------------------------------------------------------

def spreadsheet_text(text) -> str:
    """A cell a spreadsheet shows as text: a leading =, +, -, @, tab or CR would make it a formula."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _echo(answer: str) -> str:
    return answer if len(answer) <= _ANSWER_ECHO else answer[:_ANSWER_ECHO] + f"… ({len(answer)} characters)"


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def feedback_file_names(students) -> dict[str, str]:
    """student -> file stem: the name itself (Unicode, NFC) when it is safe and unique, else with a hash."""
    stems = {}
    for student in students:
        stem = unicodedata.normalize("NFC", student).strip()
        safe = (stem and not _UNSAFE.search(stem) and stem not in (".", "..") and not stem.startswith(".")
                and not stem.endswith((".", " ")) and stem.split(".")[0].lower() not in _RESERVED
                and len(stem.encode("utf-8")) <= 120)
        if not safe:
            cleaned = _UNSAFE.sub("_", stem).strip(". ")[:60] or "student"
            stem = f"{cleaned}-{_short_hash(student)}"
        stems[student] = stem
    # names that differ only in case (or only after cleaning) would share a file on some systems
    folded = Counter(s.casefold() for s in stems.values())
    for student, stem in stems.items():
        if folded[stem.casefold()] > 1:
            stems[student] = f"{stem}-{_short_hash(student)}"
    return stems


# ---------------------------------------------------------------------------
# the files
# ---------------------------------------------------------------------------

def report_csv(report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["line", "student", "version", "question", "status", "answer", "verdict", "score", "points",
                     "mistake", "reason", "feedback"])
    for r in report.rows:
        writer.writerow([r.row.line, spreadsheet_text(r.student), spreadsheet_text(r.version), spreadsheet_text(r.question), r.status,
                         spreadsheet_text(_echo(r.row.answer)), r.verdict, format_points(r.score), format_points(r.points),
                         r.mistake, spreadsheet_text(r.reason), spreadsheet_text(r.feedback)])
    return out.getvalue()


def gradebook_csv(report) -> str:
    questions = report.questions()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "version", "total", "out_of"] + questions)
    for student in sorted(report.students()):
        counted = report.counted(student)
        version = report.version_of(student)
        asked = report.questions(version) if version else questions
        parts = [counted[q].score if q in counted else Fraction(0) for q in asked]
        shown = dict(zip(asked, spread_points(parts)))
        writer.writerow([spreadsheet_text(student), spreadsheet_text(version), format_points(sum(parts, Fraction(0))),
                         format_points(report.points_available(student))] + [shown.get(q, "") for q in questions])
    return out.getvalue()


def summary_markdown(report) -> str:
    lines = ["# Grading summary", ""]
    counts = report.counts
    lines.append(f"{len(report.rows)} answers: {counts[CORRECT]} correct, {counts[INCORRECT]} incorrect, "
                 f"{counts[INVALID]} invalid.")
    by_question: dict = defaultdict(list)
    for r in report.rows:
        by_question[r.question or "(no question)"].append(r)
    for question in sorted(by_question):
        graded = by_question[question]
        c = Counter(r.verdict for r in graded)
        mean = sum((r.score for r in graded), Fraction(0)) / len(graded)
        lines += ["", f"## Question {question}", "",
                  f"{len(graded)} answers: {c[CORRECT]} correct, {c[INCORRECT]} incorrect, {c[INVALID]} invalid; "
                  f"mean score {format_points(mean)}."]
        mistakes = Counter(r.mistake for r in graded if r.mistake)
        if mistakes:
            lines += ["", "Most common mistakes:", ""]
            messages = {r.mistake: r.feedback for r in graded if r.mistake}
            for name, n in mistakes.most_common(3):
                message = messages[name].split("Not quite: ", 1)[-1]
                lines.append(f"- {name} ({n}×): {message}")
        reasons = Counter(r.reason for r in graded if r.verdict == INVALID and r.reason)
        if reasons:
            lines += ["", "Most common reasons an answer could not be checked:", ""]
            for reason, n in reasons.most_common(3):
                lines.append(f"- {reason} ({n}×)")
    return "\n".join(lines) + "\n"


def student_feedback(report, student: str) -> str:
    lines = [f"# Feedback for {student}", ""]
    for r in report.rows:
        if r.student != student:
            continue
        lines.append(f"## Question {r.question} — {r.verdict}, {format_points(r.score)} / {format_points(r.points)}")
        lines += ["", r.feedback, ""]
    lines.append(f"**Total: {format_points(report.total(student))} / {format_points(report.points_available(student))}**")
    return "\n".join(lines) + "\n"


def _create(path: Path, text: str) -> Path:
    """A new file (never through a link, never over an existing file)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
        stream.write(text)
    return path


def write_reports(report, folder) -> dict:
    """Write report.csv, summary.md, gradebook.csv and feedback/ into *folder*; returns their paths."""
    folder = Path(folder)
    paths = {
        "report": _create(folder / "report.csv", report_csv(report)),
        "summary": _create(folder / "summary.md", summary_markdown(report)),
        "gradebook": _create(folder / "gradebook.csv", gradebook_csv(report)),
    }
    feedback = folder / "feedback"
    feedback.mkdir()
    students = report.students()
    for student, stem in feedback_file_names(students).items():
        _create(feedback / f"{stem}.md", student_feedback(report, student))
    paths["feedback"] = feedback
    return paths
