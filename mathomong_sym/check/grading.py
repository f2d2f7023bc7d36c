"""Grading a class: a CSV of answers in, a folder of reports out.

The CSV formats are documented in ``docs/grading-csv.md``.  Every data row
of the answers file yields exactly one row of the report: a row that cannot
be read (see :mod:`.answers`), names an unknown version or question, or
holds an unreadable answer gets the verdict "invalid" with its reason.  The
checks run in the worker pool (several cores, a time limit per check);
identical answers to the same question are checked once, and each finished
check can go to a journal so that an interrupted run resumes
(:mod:`mathomong_sym.outputs`).  Scores are exact fractions.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..display import Summarised, Summary
from ..errors import ConfigError
from .answers import FACTOR_PREFIX, AnswerRow, Roster, read_answers, read_roster
from .checker import check_many, make_task
from .engine import CORRECT, INCORRECT, INVALID
from .key import exact
from .pool import DEFAULT_TIMEOUT

__all__ = ["GradeReport", "GradedRow", "grade", "read_answers", "read_roster", "AnswerRow", "FACTOR_PREFIX",
           "COUNTED", "NOT_COUNTED", "UNREADABLE"]

#: statuses of a report row
COUNTED, NOT_COUNTED, UNREADABLE = "counted", "not counted", "unreadable row"


@dataclass
class GradedRow:
    row: AnswerRow
    version: str
    verdict: str
    score: Fraction
    points: Fraction
    feedback: str
    mistake: str = ""
    reason: str = ""
    status: str = COUNTED
    details: dict = field(default_factory=dict)
    factors: dict = field(default_factory=dict)

    def __post_init__(self):
        self.score, self.points = exact(self.score), exact(self.points)

    @property
    def student(self) -> str:
        return self.row.student

    @property
    def question(self) -> str:
        return self.row.question


@dataclass(repr=False)
class GradeReport(Summarised):
    rows: list[GradedRow]
    keys: dict                      # version -> AnswerKey
    roster: dict = field(default_factory=dict)
    checked: int = 0                # checks run (identical answers are checked once)
    reused: int = 0                 # results taken from the journal of an interrupted run

    @property
    def counts(self) -> Counter:
        return Counter(r.verdict for r in self.rows)

    def rows_of(self, student: str) -> list[GradedRow]:
        """The rows of *student*, in file order (an index built once: a class's files ask for every student)."""
        signature = (id(self.rows), len(self.rows))
        index = self.__dict__.get("_by_student")
        if index is None or index[0] != signature:
            by_student: dict = defaultdict(list)
            for r in self.rows:
                by_student[r.student].append(r)
            index = self.__dict__["_by_student"] = (signature, dict(by_student))
        return index[1].get(student, [])
    def _summary(self) -> Summary:
        counts = self.counts
        tally = f"{counts[CORRECT]} correct, {counts[INCORRECT]} incorrect, {counts[INVALID]} invalid"
        facts = (("worksheet", self.worksheet()), ("versions", ", ".join(self.keys)),
                 ("students", str(len(self.students()))), ("answers", f"{len(self.rows)}: {tally}"),
                 ("checks run", str(self.checked)), ("reused from an interrupted run", str(self.reused)))
        return Summary(f"{len(self.rows)} answer(s) of {len(self.students())} student(s): {tally}", facts)

    def students(self) -> list[str]:
        self.rows_of("")  # builds the index, whose keys are in file order
        return [s for s in self.__dict__["_by_student"][1] if s]

    def version_of(self, student: str) -> str:
        versions = Counter(r.version for r in self.rows_of(student) if r.version in self.keys)
        if versions:
            return versions.most_common(1)[0][0]
        return self.roster.get(student, "") if self.roster.get(student, "") in self.keys else ""

    def name_of(self, student: str) -> str:
        """The student's name: from the roster, else from the answers' name column, else ''."""
        names = getattr(self.roster, "names", {})
        if names.get(student):
            return names[student]
        return next((r.row.name for r in self.rows_of(student) if r.row.name), "")

    def email_of(self, student: str) -> str:
        return getattr(self.roster, "emails", {}).get(student, "")

    def section_of(self, student: str) -> str:
        return getattr(self.roster, "sections", {}).get(student, "")

    def worksheet(self, version: str | None = None) -> str:
        """The worksheet's name (its title, else its id) for a version, or for all of them."""
        keys = [self.keys[version]] if version in self.keys else list(self.keys.values())
        names = list(dict.fromkeys((getattr(k, "title", "") or k.worksheet or "worksheet") for k in keys))
        return " / ".join(names)

    def missing(self, student: str) -> list[str]:
        """The questions of the student's version the student did not answer (each scores 0)."""
        counted = self.counted(student)
        version = self.version_of(student)
        return [q for q in (self.questions(version) if version else self.questions()) if q not in counted]

    def counted(self, student: str) -> dict:
        """question -> the row that counts for *student*."""
        return {r.question: r for r in self.rows_of(student) if r.status == COUNTED}

    def questions(self, version: str | None = None) -> list[str]:
        keys = [self.keys[version]] if version in self.keys else list(self.keys.values())
        ordered = []
        for key in keys:
            ordered += [q for q in key.ids if q not in ordered]
        return ordered

    def points_available(self, student: str) -> Fraction:
        version = self.version_of(student)
        if version:
            return sum((exact(e.points) for e in self.keys[version].entries), Fraction(0))
        return max((sum((exact(e.points) for e in k.entries), Fraction(0)) for k in self.keys.values()),
                   default=Fraction(0))

    def total(self, student: str) -> Fraction:
        return sum((r.score for r in self.counted(student).values()), Fraction(0))

    # -- the files, as text (see :mod:`.reports`) ------------------------------
    def report_csv(self) -> str:
        from .reports import report_csv

        return report_csv(self)

    def gradebook_csv(self) -> str:
        from .reports import gradebook_csv

        return gradebook_csv(self)

    def summary_markdown(self) -> str:
        from .reports import summary_markdown

        return summary_markdown(self)

    def student_feedback(self, student: str) -> str:
        from .reports import student_feedback

        return student_feedback(self, student)

    def write(self, folder, *, inputs=()) -> dict:
        """Write the whole set of reports into *folder*, replacing an earlier set as a whole."""
        from ..outputs import OutputFolder
        from .reports import write_reports

        with OutputFolder(folder, inputs=inputs) as out:
            paths = write_reports(self, out.staging)
            out.commit()
        return {name: out.folder / path.relative_to(out.staging) for name, path in paths.items()}


def _keys_by_version(keys) -> dict:
    by_version = {}
    for key in keys:
        if key.version in by_version:
            raise ConfigError(f"two answer keys for version {key.version!r}")
        by_version[key.version] = key
    if not by_version:
        raise ConfigError("no answer key given")
    return by_version


def _context(key, entry, cache: dict) -> list:
    """For a numeric question, the trees of the sheet's questions in one variable (where a value may come from)."""
    if (key.version, entry.id) not in cache:
        trees = []
        if entry.tree is not None and not _has_symbols(entry.tree):
            trees = [e.tree for e in key.entries if e is not entry and e.tree is not None and _has_symbols(e.tree)]
        cache[key.version, entry.id] = trees
    return cache[key.version, entry.id]


def _has_symbols(tree) -> bool:
    if isinstance(tree, dict):
        return "sym" in tree or any(_has_symbols(v) for v in tree.values())
    if isinstance(tree, list):
        return any(_has_symbols(v) for v in tree)
    return False


def _task_key(entry_digest: str, task: dict) -> str:
    payload = json.dumps([entry_digest, task["answer"], task["factor_answers"], task["seed"], task.get("context")],
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _journaled(result: dict) -> bool:
    """A result worth keeping for a resumed run (a timeout or a crash is tried again)."""
    details = result.get("details", {})
    return "key_error" not in result and not details.get("timeout") and not details.get("crashed")


def grade(keys, rows, *, roster=None, timeout: float | None = DEFAULT_TIMEOUT, workers=None, progress=None,
          journal=None) -> GradeReport:
    """Check every row against the key of its version; a row that cannot be checked is "invalid".

    ``journal`` (an :class:`~mathomong_sym.outputs.Journal`) supplies
    results of an interrupted run and receives every new one.  ``progress``
    is a ``progress(done, total)`` callback, or None / True / False for a
    ``tqdm.auto`` bar (:mod:`mathomong_sym.progress`: by default in a
    notebook or on a terminal once grading has taken 2 s).
    """
    by_version = _keys_by_version(keys)
    roster = roster if isinstance(roster, Roster) else Roster(roster or {})
    plan: list[tuple[Any, str, str | None, str]] = []
    unique: dict[str, dict] = {}
    digests: dict = {}
    contexts: dict = {}
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
            continue
        assert entry is not None  # found, or the row has a problem
        if (version, row.question) not in digests:
            entry_json = json.dumps(entry.to_dict(), sort_keys=True, ensure_ascii=False)
            digests[version, row.question] = (entry, hashlib.sha256(entry_json.encode("utf-8")).hexdigest())
        entry, digest = digests[version, row.question]
        task = make_task(row.answer, entry, row.factors, context=_context(by_version[version], entry, contexts))
        task_key = _task_key(digest, task)
        unique.setdefault(task_key, task)
        plan.append((row, version, task_key, ""))
    results = {}
    if journal is not None:
        results = {k: journal.get(k) for k in unique if journal.get(k) is not None}
    reused = len(results)
    pending = [k for k in unique if k not in results]
    bar = None
    if not callable(progress):
        from ..progress import progress_bar

        bar = progress_bar(progress, total=len(unique), desc="grading", unit="answer")
        progress = None
        if bar is not None:
            bar.update(reused)

    def keep(index, result):
        if journal is not None and _journaled(result):
            journal.add(pending[index], result)

    def advance(done):
        if progress:
            progress(reused + done, len(unique))
        if bar is not None:
            bar.update(reused + done - bar.n)

    try:
        fresh = check_many([unique[k] for k in pending], timeout=timeout, workers=workers, progress=advance,
                           on_result=keep)
    finally:
        if bar is not None:
            bar.close()
    results.update(zip(pending, fresh))
    key_errors = sorted({r["key_error"] for r in results.values() if "key_error" in r})
    if key_errors:
        raise ConfigError(f"bad key: {key_errors[0]}")
    graded = [_graded(row, version, by_version.get(version), results.get(task_key) if task_key else None, problem)
              for row, version, task_key, problem in plan]
    _mark_repeats(graded)
    return GradeReport(graded, by_version, roster, checked=len(pending), reused=reused)


def _graded(row, version, key, result, problem) -> GradedRow:
    points = _points_of(key, row.question)
    if result is None:
        return GradedRow(row, version, INVALID, Fraction(0), points, f"We could not check this answer: {problem}.",
                         reason=problem, status=UNREADABLE if row.problem else COUNTED)
    details = dict(result.get("details", {}))
    score = Fraction(result["exact_score"]) if "exact_score" in result else exact(result.get("score", 0.0))
    return GradedRow(row, version, result["verdict"], score, points, result["feedback"],
                     mistake=details.get("mistake", ""),
                     reason=details.get("reason", "") if result["verdict"] == INVALID else "",
                     details=details, factors=result.get("factors", {}))


def _mark_repeats(graded: list[GradedRow]) -> None:
    """A student's several answers to one question: the best counts, the others are reported as not counted."""
    groups = defaultdict(list)
    for r in graded:
        if r.status == COUNTED and r.student and r.question:
            groups[r.student, r.question].append(r)
    for group in groups.values():
        if len(group) < 2:
            continue
        best = max(group, key=lambda r: (r.score, r.verdict == CORRECT, r.row.line))
        for r in group:
            if r is not best:
                r.status = NOT_COUNTED
                r.reason = r.reason or f"another answer to this question (line {best.row.line}) counts"


def _points_of(key, question) -> Fraction:
    if key is None:
        return Fraction(0)
    try:
        return exact(key.entry(question).points)
    except KeyError:
        return Fraction(0)
