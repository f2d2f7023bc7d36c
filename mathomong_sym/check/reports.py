"""The files of a graded class: report, summary, gradebook and feedback per student.

:func:`write_reports` writes them into a folder that nobody else writes to
(the staging folder of :class:`~mathomong_sym.outputs.OutputFolder`),
each file created new (never through a link or over another file).
Layouts are documented in ``docs/grading-csv.md``; the gradebook comes in
three (:data:`GRADEBOOK_LAYOUTS`): ``plain``, and the CSV layouts that
Moodle's and Canvas's gradebook imports accept.  Feedback is Unicode math
in Markdown, and an HTML page per student typesets it with the KaTeX
copy that ships with the package (so it works offline).
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import os
import re
import unicodedata
from collections import Counter, defaultdict
from fractions import Fraction
from pathlib import Path

from .engine import CORRECT, INCORRECT, INVALID
from .grading import NOT_COUNTED

__all__ = ["write_reports", "format_points", "spread_points", "feedback_file_names", "spreadsheet_text",
           "report_csv", "gradebook_csv", "summary_markdown", "student_feedback", "student_feedback_html",
           "score_histogram", "GRADEBOOK_LAYOUTS", "REPORT_COLUMNS"]

#: ``--gradebook`` layouts (docs/grading-csv.md)
GRADEBOOK_LAYOUTS = ("plain", "moodle", "canvas")
#: the columns of report.csv, in order
REPORT_COLUMNS = ["line", "student", "name", "version", "question", "status", "answer", "read", "verdict", "score",
                  "points", "mistake", "reason", "feedback"]
_KATEX = Path(__file__).resolve().parent.parent / "assets" / "katex"
_KATEX_FILES = ("katex.min.css", "katex.min.js", "LICENSE")

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
# report.csv
# ---------------------------------------------------------------------------

def report_csv(report) -> str:
    """One row per row of the answers file, in its order (REPORT_COLUMNS)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for r in report.rows:
        writer.writerow([r.row.line, spreadsheet_text(r.student), spreadsheet_text(report.name_of(r.student)),
                         spreadsheet_text(r.version), spreadsheet_text(r.question), r.status,
                         spreadsheet_text(_echo(r.row.answer)), spreadsheet_text(r.details.get("read_text", "")),
                         r.verdict, format_points(r.score), format_points(r.points), r.mistake,
                         spreadsheet_text(r.reason), spreadsheet_text(r.feedback)])
    return out.getvalue()


# ---------------------------------------------------------------------------
# gradebooks
# ---------------------------------------------------------------------------

def _scores(report, student: str, questions: list[str]) -> tuple[dict, Fraction]:
    """question -> shown score of *student* (rounded so that the shown parts add up to the shown total)."""
    counted = report.counted(student)
    version = report.version_of(student)
    asked = report.questions(version) if version else questions
    parts = [counted[q].score if q in counted else Fraction(0) for q in asked]
    return dict(zip(asked, spread_points(parts))), sum(parts, Fraction(0))


def _status(report, student: str) -> str:
    missing = report.missing(student)
    if not missing:
        return "complete"
    if not report.counted(student):
        return "no answer counted"
    return "unanswered: " + " ".join(missing)


def gradebook_csv(report, layout: str = "plain", *, with_status: bool = False) -> str:
    """The gradebook in *layout* (``plain``, ``moodle`` or ``canvas``; see docs/grading-csv.md).

    ``plain``: student, version, total, out_of and a score per question (0
    for a question of the student's version left unanswered, empty for a
    question of another version); ``with_status`` adds the columns name and
    status (complete, or which questions were left unanswered).
    """
    if layout == "moodle":
        return _moodle(report)
    if layout == "canvas":
        return _canvas(report)
    if layout != "plain":
        raise ValueError(f"unknown gradebook layout {layout!r} (one of {', '.join(GRADEBOOK_LAYOUTS)})")
    questions = report.questions()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "version", "total", "out_of"] + questions + (["name", "status"] if with_status else []))
    for student in sorted(report.students()):
        shown, total = _scores(report, student, questions)
        row = [spreadsheet_text(student), spreadsheet_text(report.version_of(student)), format_points(total),
               format_points(report.points_available(student))] + [shown.get(q, "") for q in questions]
        if with_status:
            row += [spreadsheet_text(report.name_of(student)), _status(report, student)]
        writer.writerow(row)
    return out.getvalue()


def _split_name(name: str) -> tuple[str, str]:
    parts = name.split()
    if len(parts) < 2:
        return name, ""
    return " ".join(parts[:-1]), parts[-1]


def _grade_item(report) -> str:
    """The name of the one grade item (Moodle) or assignment (Canvas) a worksheet's total goes to."""
    return report.worksheet()


def _moodle(report) -> str:
    """Moodle's CSV grade import: an identifying column to map users by, then one grade item per column.

    Moodle maps "ID number" (or "Email address") to its users; the grade
    column holds a plain decimal number (a point, no thousands separator)
    between 0 and the item's maximum grade.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    item = _grade_item(report)
    writer.writerow(["ID number", "First name", "Last name", "Email address", item, f"{item} - Feedback"])
    for student in sorted(report.students()):
        first, last = _split_name(report.name_of(student))
        _, total = _scores(report, student, report.questions())
        available = report.points_available(student)
        feedback = f"{format_points(total)} of {format_points(available)} points; {_status(report, student)}"
        writer.writerow([spreadsheet_text(student), spreadsheet_text(first), spreadsheet_text(last),
                         spreadsheet_text(report.email_of(student)), _decimal(total), feedback])
    return out.getvalue()


def _canvas(report) -> str:
    """Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then one assignment per column.

    The second row, "Points Possible", gives the assignment's points.
    Canvas matches students by SIS User ID here (the ``student`` of the
    answers file); ID, Canvas's own number, is left empty.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    item = _grade_item(report)
    students = sorted(report.students())
    possible = max((report.points_available(s) for s in students), default=Fraction(0))
    writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", item])
    writer.writerow(["    Points Possible", "", "", "", "", _decimal(possible)])
    for student in students:
        _, total = _scores(report, student, report.questions())
        writer.writerow([spreadsheet_text(report.name_of(student) or student), "", spreadsheet_text(student),
                         spreadsheet_text(report.email_of(student)), spreadsheet_text(report.section_of(student)),
                         _decimal(total)])
    return out.getvalue()


def _decimal(value: Fraction) -> str:
    """Two decimals, always written with a point: what both imports read as a number."""
    hundredths = round(Fraction(value) * 100)
    sign = "-" if hundredths < 0 else ""
    whole, part = divmod(abs(hundredths), 100)
    return f"{sign}{whole}.{part:02d}"


# ---------------------------------------------------------------------------
# summary.md and the histogram
# ---------------------------------------------------------------------------

_BINS = 10


def score_distribution(report, version: str) -> list[tuple[str, int]]:
    """(range of the total as a share of the points, how many students), ten bins from 0 % to 100 %."""
    counts = [0] * _BINS
    for student in report.students():
        if report.version_of(student) != version:
            continue
        available = report.points_available(student)
        share = report.total(student) / available if available else Fraction(0)
        counts[min(_BINS - 1, int(share * _BINS))] += 1
    return [(f"{10 * i}–{10 * (i + 1)} %", n) for i, n in enumerate(counts)]


def summary_markdown(report) -> str:
    """Per version, per question: the verdicts, the mean score, the count of every mistake and the reasons."""
    lines = ["# Grading summary", ""]
    counts = report.counts
    lines.append(f"{len(report.rows)} answers: {counts[CORRECT]} correct, {counts[INCORRECT]} incorrect, "
                 f"{counts[INVALID]} invalid.")
    by_version: dict = defaultdict(lambda: defaultdict(list))
    for r in report.rows:
        by_version[r.version if r.version in report.keys else ""][r.question or "(no question)"].append(r)
    for version in sorted(by_version, key=lambda v: (v == "", v)):
        questions = by_version[version]
        title = f"Version {version}" if version else "Rows without a known version"
        lines += ["", f"## {title}", ""]
        if version:
            students = [s for s in report.students() if report.version_of(s) == version]
            totals = [report.total(s) for s in students]
            mean = sum(totals, Fraction(0)) / len(totals) if totals else Fraction(0)
            lines.append(f"{len(students)} students; mean total {format_points(mean)} of "
                         f"{format_points(report.points_available(students[0])) if students else '0'} points.")
            lines += ["", "| total (share of the points) | students |", "|---|---|"]
            lines += [f"| {label} | {n} |" for label, n in score_distribution(report, version)]
        order = report.questions(version) if version else []
        for question in sorted(questions, key=lambda q: (order.index(q) if q in order else len(order), q)):
            graded = questions[question]
            c = Counter(r.verdict for r in graded)
            mean = sum((r.score for r in graded), Fraction(0)) / len(graded)
            lines += ["", f"### {'Question ' + question if version else question}", "",
                      f"{len(graded)} answers: {c[CORRECT]} correct, {c[INCORRECT]} incorrect, {c[INVALID]} "
                      f"invalid; mean score {format_points(mean)}."]
            scores = Counter(r.score for r in graded if r.status == "counted")
            if scores:
                lines += ["", "Scores: " + ", ".join(f"{format_points(score)} ({n}×)" for score, n in sorted(scores.items()))
                          + "."]
            mistakes = Counter(r.mistake for r in graded if r.mistake)
            if mistakes:
                lines += ["", "| mistake | answers | what it means |", "|---|---|---|"]
                messages = {}
                for r in graded:
                    if r.mistake and r.mistake not in messages:
                        messages[r.mistake] = r.feedback.split("Not quite: ", 1)[-1]
                for name, n in mistakes.most_common():
                    lines.append(f"| `{name}` | {n} | {_cell(messages[name])} |")
            unexplained = sum(1 for r in graded if r.verdict == INCORRECT and not r.mistake)
            if unexplained:
                lines += ["", f"{unexplained} wrong answer(s) matched no known mistake."]
            reasons = Counter(r.reason for r in graded if r.verdict == INVALID and r.reason)
            if reasons:
                lines += ["", "Reasons answers could not be checked:", ""]
                for reason, n in reasons.most_common():
                    lines.append(f"- {reason} ({n}×)")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def score_histogram(report, path) -> Path | None:
    """A PNG of the students' totals per version (needs matplotlib; None without it)."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    versions = [v for v in report.keys if any(report.version_of(s) == v for s in report.students())]
    if not versions:
        return None
    figure, axes = plt.subplots(1, len(versions), figsize=(4.5 * len(versions), 3.2), squeeze=False)
    for ax, version in zip(axes[0], versions):
        bins = score_distribution(report, version)
        ax.bar(range(_BINS), [n for _, n in bins], width=0.9, color="#3b6ea8")
        ax.set_xticks(range(_BINS), [label.split("–")[0] for label, _ in bins])
        ax.set_xlabel("total, % of the points (bin start)")
        ax.set_ylabel("students")
        ax.set_title(f"Version {version}")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    plt.close(figure)
    return _create_bytes(Path(path), buffer.getvalue())


# ---------------------------------------------------------------------------
# feedback: Markdown and HTML
# ---------------------------------------------------------------------------

def _student_rows(report, student: str) -> list:
    return report.rows_of(student)


def _heading(report, student: str) -> str:
    name = report.name_of(student)
    same = unicodedata.normalize("NFC", name) == unicodedata.normalize("NFC", student)
    return f"{name} ({student})" if name and not same else unicodedata.normalize("NFC", student)


def student_feedback(report, student: str) -> str:
    lines = [f"# Feedback for {_heading(report, student)}", ""]
    for r in _student_rows(report, student):
        lines.append(f"## Question {r.question} — {r.verdict}, {format_points(r.score)} / {format_points(r.points)}")
        lines.append("")
        if r.verdict == INVALID and r.row.answer.strip():
            # an answer that could not be read has no "We read your answer as …": show what was written
            lines += [f"Your answer: {_markdown_code(_echo(r.row.answer))}", ""]
        lines += [r.feedback, ""]
        if r.status == NOT_COUNTED:
            lines += [f"(Not counted: {r.reason}.)", ""]
    for question in report.missing(student):
        lines += [f"## Question {question} — unanswered, 0 / {format_points(_points(report, student, question))}", ""]
    lines.append(f"**Total: {format_points(report.total(student))} / {format_points(report.points_available(student))}**")
    return "\n".join(lines) + "\n"


def _markdown_code(text: str) -> str:
    """*text* as inline code, whatever backticks it holds (one line: line breaks become spaces)."""
    text = " ".join(text.split("\n"))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}"


def _points(report, student, question) -> Fraction:
    from .key import exact

    version = report.version_of(student)
    try:
        return exact(report.keys[version].entry(question).points)
    except KeyError:
        return Fraction(0)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="katex/katex.min.css">
<script defer src="katex/katex.min.js"></script>
<script>
// each <span class="math"> holds LaTeX as text (what a reader without scripts sees); KaTeX typesets it in place
document.addEventListener("DOMContentLoaded", function () {{
  document.querySelectorAll("span.math").forEach(function (span) {{
    katex.render(span.textContent, span, {{throwOnError: false}});
  }});
}});
</script>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }}
section {{ border-top: 1px solid #ccc; padding: 0.5rem 0; }}
.correct {{ color: #1b7a2f; }} .incorrect {{ color: #a8321b; }} .invalid, .unanswered {{ color: #8a6d00; }}
code {{ white-space: pre-wrap; }}
</style>
</head>
<body>
<h1>Feedback for {heading}</h1>
{sections}
<p><strong>Total: {total} / {available}</strong></p>
</body>
</html>
"""


def _tex(latex: str) -> str:
    """Inline math: the LaTeX as escaped text in a span that the page's script typesets with KaTeX."""
    return '<span class="math">' + html.escape(latex, quote=False) + "</span>"


def _typeset_message(r) -> str:
    """The feedback after the echo: the key's message as the key wrote it (its $…$ typeset), else the text."""
    from .prose import latex_spans

    details = r.details
    echo = details.get("echo", "")
    rest = r.feedback[len(echo):].strip() if echo and r.feedback.startswith(echo) else r.feedback
    if details.get("message_latex"):
        return "".join(_tex(piece) if is_math else html.escape(piece, quote=False)
                       for is_math, piece in latex_spans(details["message_latex"]))
    return html.escape(rest, quote=False)


def student_feedback_html(report, student: str) -> str:
    """A page per student: each question's verdict and score, the answer as it was read (typeset), the feedback."""
    sections = []
    for r in _student_rows(report, student):
        parts = [f'<h2>Question {html.escape(r.question)} — <span class="{r.verdict}">{r.verdict}</span>, '
                 f"{format_points(r.score)} / {format_points(r.points)}</h2>",
                 f"<p>Your answer: <code>{html.escape(_echo(r.row.answer))}</code></p>" if r.row.answer.strip()
                 else "<p>No answer was given.</p>"]
        if r.status == NOT_COUNTED:
            parts.append(f"<p><em>Not counted: {html.escape(r.reason)}.</em></p>")
        read = r.details.get("read_latex")
        if read:
            parts.append(f"<p>We read it as {_tex(read)}.</p>")
            parts.append(f"<p>{_typeset_message(r)}</p>")
        else:
            parts.append(f"<p>{html.escape(r.feedback, quote=False)}</p>")
        sections.append("<section>\n" + "\n".join(parts) + "\n</section>")
    for question in report.missing(student):
        sections.append(f'<section>\n<h2>Question {html.escape(question)} — <span class="unanswered">unanswered'
                        f"</span>, 0 / {format_points(_points(report, student, question))}</h2>\n</section>")
    heading = html.escape(_heading(report, student))
    return _PAGE.format(title=f"Feedback for {heading}", heading=heading, sections="\n".join(sections),
                        total=format_points(report.total(student)),
                        available=format_points(report.points_available(student)))


# ---------------------------------------------------------------------------
# writing the set
# ---------------------------------------------------------------------------

def _create(path: Path, text: str) -> Path:
    """A new file (never through a link, never over an existing file)."""
    return _create_bytes(path, text.encode("utf-8"))


def _create_bytes(path: Path, data: bytes) -> Path:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o644)
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)
    return path


def _copy_katex(folder: Path) -> None:
    """KaTeX beside the pages (its CSS, scripts and WOFF2 fonts), so they typeset offline."""
    target = folder / "katex"
    target.mkdir()
    for name in _KATEX_FILES:
        _create_bytes(target / name, (_KATEX / name).read_bytes())
    (target / "fonts").mkdir()
    for font in sorted((_KATEX / "fonts").glob("*.woff2")):
        _create_bytes(target / "fonts" / font.name, font.read_bytes())


def write_reports(report, folder, *, gradebook: str = "plain", html_pages: bool = True, plot: bool = True) -> dict:
    """Write report.csv, summary.md, gradebook.csv, scores.png (with matplotlib) and feedback/ into *folder*."""
    folder = Path(folder)
    paths = {
        "report": _create(folder / "report.csv", report_csv(report)),
        "summary": _create(folder / "summary.md", summary_markdown(report)),
        "gradebook": _create(folder / "gradebook.csv", gradebook_csv(report, gradebook, with_status=True)),
    }
    if plot:
        histogram = score_histogram(report, folder / "scores.png")
        if histogram is not None:
            paths["histogram"] = histogram
    feedback = folder / "feedback"
    feedback.mkdir()
    students = report.students()
    for student, stem in feedback_file_names(students).items():
        _create(feedback / f"{stem}.md", student_feedback(report, student))
        if html_pages:
            _create(feedback / f"{stem}.html", student_feedback_html(report, student))
    if html_pages and students:
        _copy_katex(feedback)
    paths["feedback"] = feedback
    return paths
