"""Grading a class: a CSV of answers in, a report, a summary, feedback and a gradebook out.

The CSV formats are documented in ``docs/grading-csv.md``.  One bad row
never loses the others: a row that cannot be read (wrong number of columns,
an unknown question or version, binary junk, a 100 kB answer) gets the
verdict "invalid" with its reason, like an unreadable answer.  The checks
run in the worker pool (throughput on several cores, a time limit per
check); every output file is written atomically.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from .checker import check_many, make_task
from .engine import CORRECT, INCORRECT, INVALID
from .key import AnswerKey, write_atomically
from .pool import DEFAULT_TIMEOUT

__all__ = ["GradeReport", "grade", "read_answers", "read_roster", "AnswerRow", "FACTOR_PREFIX"]

FACTOR_PREFIX = "factor:"
REQUIRED = ("student", "question", "answer")
_MAX_FIELD = 10 * 1024 * 1024


@dataclass
class AnswerRow:
    line: int                      # 1-based line of the row in the CSV (the header is line 1)
    student: str = ""
    version: str = ""
    question: str = ""
    answer: str = ""
    factors: dict = field(default_factory=dict)
    problem: str = ""              # why the row cannot be checked, if it cannot


def _decode(data: bytes) -> str:
    text = data.decode("utf-8-sig", errors="replace")
    # NUL bytes stop some CSV readers; make them an ordinary unreadable character
    return text.replace("\x00", "\ufffd")


def _rows(text: str):
    """(line number, fields) per record; a record the csv module cannot split is split on commas."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    line = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            yield line, None, f"the row cannot be read as CSV ({exc})"
            continue
        line = reader.line_num
        yield line, fields, ""


def read_answers(path) -> tuple[list[str], list[AnswerRow]]:
    """The header and the rows of an answers CSV; raises ``ConfigError`` only for a bad header."""
    csv.field_size_limit(_MAX_FIELD)
    path = Path(path)
    try:
        text = _decode(path.read_bytes())
    except FileNotFoundError:
        raise ConfigError(f"answers file {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"cannot read answers file {path}: {exc}") from None
    records = _rows(text)
    try:
        _, header, problem = next(records)
    except StopIteration:
        raise ConfigError(f"answers file {path} is empty") from None
    if header is None:
        raise ConfigError(f"answers file {path}: the header cannot be read")
    header = [h.strip().lower() if not h.strip().lower().startswith(FACTOR_PREFIX) else FACTOR_PREFIX + h.strip()[len(FACTOR_PREFIX):].strip() for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ConfigError(f"answers file {path}: the header lacks the column(s) {', '.join(missing)} "
                          f"(it has {', '.join(header) or 'none'})")
    rows = []
    for line, fields, problem in records:
        row = AnswerRow(line=line)
        if fields is None:
            row.problem = problem
        elif not any(f.strip() for f in fields):
            continue  # a blank line is not an answer
        elif len(fields) != len(header):
            row.problem = f"the row has {len(fields)} fields, the header has {len(header)}"
            values = dict(zip(header, fields))
            row.student = values.get("student", "").strip()[:200]
            row.question = values.get("question", "").strip()[:200]
        else:
            values = dict(zip(header, fields))
            row.student = values["student"].strip()
            row.version = values.get("version", "").strip()
            row.question = values["question"].strip()
            row.answer = values["answer"]
            row.factors = {name[len(FACTOR_PREFIX):]: value for name, value in values.items()
                           if name.startswith(FACTOR_PREFIX) and value.strip()}
            if not row.student:
                row.problem = "the student column is empty"
            elif not row.question:
                row.problem = "the question column is empty"
        rows.append(row)
    return header, rows


def read_roster(path) -> dict[str, str]:
    """student -> version from a roster CSV with columns student, version."""
    path = Path(path)
    try:
        text = _decode(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"cannot read roster {path}: {exc}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    if "student" not in fields or "version" not in fields:
        raise ConfigError(f"roster {path} needs the columns student and version")
    roster = {}
    for record in reader:
        record = {k.strip().lower(): (v or "").strip() for k, v in record.items() if k}
        if record.get("student"):
            roster[record["student"]] = record.get("version", "")
    return roster


@dataclass
class GradedRow:
    row: AnswerRow
    version: str
    verdict: str
    score: float
    points: float
    feedback: str
    mistake: str = ""
    reason: str = ""


@dataclass
class GradeReport:
    rows: list[GradedRow]
    keys: dict

    @property
    def counts(self) -> Counter:
        return Counter(r.verdict for r in self.rows)

    def totals(self) -> dict:
        """student -> (points earned, per-question best score)."""
        best: dict = defaultdict(dict)
        for r in self.rows:
            if not r.row.student:
                continue
            question = r.row.question
            best[r.row.student][question] = max(best[r.row.student].get(question, 0.0), r.score)
        return {student: (sum(scores.values()), scores) for student, scores in best.items()}

    # -- outputs -----------------------------------------------------------
    def report_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["line", "student", "version", "question", "verdict", "score", "points", "mistake", "reason", "feedback"])
        for r in self.rows:
            writer.writerow([r.row.line, _cell(r.row.student), _cell(r.version), _cell(r.row.question), r.verdict,
                             f"{r.score:g}", f"{r.points:g}", r.mistake, r.reason, r.feedback])
        return out.getvalue()

    def gradebook_csv(self) -> str:
        questions = []
        for key in self.keys.values():
            for qid in key.ids:
                if qid not in questions:
                    questions.append(qid)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["student", "total", "out_of"] + questions)
        for student, (total, scores) in sorted(self.totals().items()):
            out_of = self._points_available(student)
            writer.writerow([_cell(student), f"{total:g}", f"{out_of:g}"] + [f"{scores[q]:g}" if q in scores else "" for q in questions])
        return out.getvalue()

    def _points_available(self, student) -> float:
        versions = {r.version for r in self.rows if r.row.student == student and r.version in self.keys}
        if len(versions) == 1:
            return self.keys[versions.pop()].total_points
        return max((k.total_points for k in self.keys.values()), default=0.0)

    def summary_markdown(self) -> str:
        lines = ["# Grading summary", ""]
        counts = self.counts
        lines.append(f"{len(self.rows)} answers: {counts[CORRECT]} correct, {counts[INCORRECT]} incorrect, "
                     f"{counts[INVALID]} invalid.")
        by_question: dict = defaultdict(list)
        for r in self.rows:
            by_question[r.row.question or "(no question)"].append(r)
        for question in sorted(by_question):
            graded = by_question[question]
            c = Counter(r.verdict for r in graded)
            mean = sum(r.score for r in graded) / len(graded)
            lines += ["", f"## Question {question}", "",
                      f"{len(graded)} answers: {c[CORRECT]} correct, {c[INCORRECT]} incorrect, {c[INVALID]} invalid; "
                      f"mean score {mean:.2f}."]
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

    def student_feedback(self, student: str) -> str:
        total, scores = self.totals().get(student, (0.0, {}))
        lines = [f"# Feedback for {student}", ""]
        for r in self.rows:
            if r.row.student != student:
                continue
            lines.append(f"## Question {r.row.question} — {r.verdict}, {r.score:g} / {r.points:g}")
            lines += ["", r.feedback, ""]
        lines.append(f"**Total: {total:g} / {self._points_available(student):g}**")
        return "\n".join(lines) + "\n"

    def write(self, out_path) -> dict:
        """Write the report and its companions next to it; returns their paths."""
        out_path = Path(out_path)
        stem = out_path.with_suffix("")
        paths = {
            "report": out_path,
            "summary": Path(f"{stem}-summary.md"),
            "gradebook": Path(f"{stem}-gradebook.csv"),
            "feedback": Path(f"{stem}-feedback"),
        }
        write_atomically(paths["report"], self.report_csv())
        write_atomically(paths["summary"], self.summary_markdown())
        write_atomically(paths["gradebook"], self.gradebook_csv())
        for student in sorted(self.totals()):
            write_atomically(paths["feedback"] / f"{_safe_name(student)}.md", self.student_feedback(student))
        return paths


def _safe_name(student: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", student).strip("._") or "student"
    if name != student:
        # "Ada Lovelace" and "Ada_Lovelace" must not share a feedback file
        name = f"{name[:70]}-{hashlib.sha1(student.encode('utf-8')).hexdigest()[:8]}"
    return name[:80]


def _cell(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading =, +, - or @ would make it a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _keys_by_version(keys) -> dict:
    by_version = {}
    for key in keys:
        if key.version in by_version:
            raise ConfigError(f"two answer keys for version {key.version!r}")
        by_version[key.version] = key
    if not by_version:
        raise ConfigError("no answer key given")
    return by_version


def grade(keys, rows, *, roster=None, timeout: float = DEFAULT_TIMEOUT, workers=None, progress=None) -> GradeReport:
    """Check every row against the key of its version; a row that cannot be checked is "invalid"."""
    by_version = _keys_by_version(keys)
    roster = roster or {}
    plan = []
    tasks = []
    for row in rows:
        version = row.version or roster.get(row.student, "")
        if not version and len(by_version) == 1:
            version = next(iter(by_version))
        problem = row.problem
        entry = None
        if not problem:
            if version not in by_version:
                problem = (f"no answer key for version {version!r}" if version else
                           "the row names no version and the roster does not list the student")
            else:
                try:
                    entry = by_version[version].entry(row.question)
                except KeyError:
                    problem = f"version {version} has no question {row.question!r}"
        if problem:
            plan.append((row, version, None, problem))
        else:
            plan.append((row, version, len(tasks), ""))
            tasks.append(make_task(row.answer, entry, row.factors))
    results = check_many(tasks, timeout=timeout, workers=workers, progress=progress)
    key_errors = sorted({r["key_error"] for r in results if "key_error" in r})
    if key_errors:
        raise ConfigError(f"bad key: {key_errors[0]}")
    graded = []
    for row, version, index, problem in plan:
        points = _points_of(by_version.get(version), row.question)
        if index is None:
            graded.append(GradedRow(row, version, INVALID, 0.0, points, f"We could not check this answer: {problem}.",
                                    reason=problem))
            continue
        result = results[index]
        details = result.get("details", {})
        graded.append(GradedRow(row, version, result["verdict"], float(result.get("score", 0.0)),
                                float(result.get("points", points)), result["feedback"],
                                mistake=details.get("mistake", ""),
                                reason=details.get("reason", "") if result["verdict"] == INVALID else ""))
    return GradeReport(graded, by_version)


def _points_of(key, question) -> float:
    if key is None:
        return 0.0
    try:
        return key.entry(question).points
    except KeyError:
        return 0.0
