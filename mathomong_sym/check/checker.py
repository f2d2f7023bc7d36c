r"""``check_answer``: a student's answer against a key, safely.

    >>> check_answer(r"2(y-\hat{y})", r"2(\hat{y}-y)").verdict
    'incorrect'

The key may be LaTeX or plain text, a sympy expression, a ``Derivation``
(``net.derive(p)``: its chain, definitions and typical mistakes) or an
:class:`~mathomong_sym.check.key.AnswerEntry` (with its definitions,
variables, factors and mistakes).  The check runs in a worker process with a
time limit (:mod:`.pool`), so no answer can hang the caller; pass
``timeout=None`` to check in-process without one (tests, trusted input).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from ..display import Summarised, Summary
from ..errors import ConfigError
from .engine import CORRECT, INCORRECT, INVALID, run_task
from .key import AnswerEntry, definitions_as_json
from .pool import DEFAULT_TIMEOUT, shared_pool
from .tree import expr_to_tree
from ..parsing.values import as_expression

__all__ = ["CheckResult", "check_answer", "check_many", "make_task", "entry_for", "VERDICTS", "EXIT_CODES"]

VERDICTS = (CORRECT, INCORRECT, INVALID)
#: exit code of `mathomong check` per verdict
EXIT_CODES = {CORRECT: 0, INCORRECT: 1, INVALID: 3}


@dataclass(frozen=True, repr=False)
class CheckResult(Summarised):
    """The verdict ("correct", "incorrect" or "invalid"), what to tell the student, and why."""

    verdict: str
    feedback: str
    details: dict = field(default_factory=dict)
    score: float = 0.0
    points: float = 1.0

    @property
    def correct(self) -> bool:
        return self.verdict == CORRECT

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    @property
    def mistake(self) -> str | None:
        return self.details.get("mistake")

    def to_dict(self) -> dict:
        return {"verdict": self.verdict, "feedback": self.feedback, "score": self.score,
                "points": self.points, "details": self.details}

    @classmethod
    def from_result(cls, result: dict) -> "CheckResult":
        details = dict(result.get("details", {}))
        if "factors" in result:
            details["factors"] = result["factors"]
        return cls(result["verdict"], result["feedback"], details, float(result.get("score", 0.0)),
                   float(result.get("points", 1.0)))

    def __str__(self) -> str:
        return f"{self.verdict}: {self.feedback}"

    def _summary(self) -> Summary:
        facts = [("verdict", self.verdict), ("score", f"{self.score:g} of {self.points:g}")]
        if self.mistake:
            facts.append(("mistake", str(self.mistake)))
        facts.append(("feedback", self.feedback))
        return Summary(f"{self.verdict} — {self.feedback}", tuple(facts))


def entry_for(key, *, definitions=None, tolerance=None, conventions=None, variables=None, question_id="answer") -> AnswerEntry:
    """An ``AnswerEntry`` from whatever the caller gave as the key, with overrides applied."""
    if isinstance(key, AnswerEntry):
        entry = AnswerEntry.from_dict(key.to_dict())
    elif isinstance(key, dict):
        entry = AnswerEntry.from_dict(key, "key")
    elif isinstance(key, str):
        if not key.strip():
            raise ConfigError("the key is empty")
        entry = AnswerEntry(id=question_id, latex=key)
    elif hasattr(key, "factors") and hasattr(key, "result") and hasattr(key, "definitions"):
        # a Derivation (net.derive(p)): its chain, definitions and typical mistakes
        entry = AnswerEntry.from_derivation(question_id, key)
    elif isinstance(key, (sympy.Basic, int, float)):
        value = as_expression(key)
        entry = AnswerEntry(id=question_id, latex=str(value), tree=expr_to_tree(value))
    else:
        raise ConfigError(f"a key must be text, a sympy expression, an AnswerEntry or a Derivation, not {type(key).__name__}")
    if definitions is not None:
        latex, trees = definitions_as_json(definitions)
        entry.definitions = {**entry.definitions, **latex}
        entry.definition_trees = {**{k: v for k, v in entry.definition_trees.items() if k not in latex}, **trees}
    if tolerance is not None:
        entry.tolerance = _tolerance(tolerance)
    if conventions is not None:
        entry.conventions = {**entry.conventions, **_conventions_map(conventions)}
    if variables is not None:
        entry.variables = [v.name if isinstance(v, sympy.Symbol) else str(v) for v in variables]
    return entry


def _tolerance(tolerance) -> dict:
    if isinstance(tolerance, (int, float)) and not isinstance(tolerance, bool):
        return {"relative": float(tolerance)}
    if isinstance(tolerance, dict):
        return dict(tolerance)
    raise ConfigError("tolerance is a number (relative) or {'relative': r, 'absolute': a}")


def _conventions_map(conventions) -> dict:
    if isinstance(conventions, dict):
        return dict(conventions)
    to_dict = getattr(conventions, "to_dict", None)
    if to_dict is not None:
        return to_dict()
    raise ConfigError("conventions must be a mapping")


def make_task(answer, entry: AnswerEntry, factor_answers=None, seed: int = 0, context=None) -> dict:
    """A check for the pool; *context* (trees of the sheet's other questions) lets a wrong point be named."""
    task = {"answer": answer, "entry": entry.to_dict(), "factor_answers": dict(factor_answers or {}), "seed": seed}
    if context:
        task["context"] = list(context)
    return task


def _raise_key_error(result: dict) -> None:
    if "key_error" in result:
        error = ConfigError(f"bad key: {result['key_error']}")
        raise error


def check_answer(answer, key, *, definitions=None, tolerance=None, conventions=None, variables=None,
                 factor_answers=None, timeout: float | None = DEFAULT_TIMEOUT) -> CheckResult:
    """Check *answer* against *key*; never raises on a bad answer, raises ``ConfigError`` on a bad key.

    ``definitions`` maps named intermediates to their meaning
    (``{"z": "Wx+b", r"\\hat{y}": r"\\sigma(z)"}``); ``variables`` lists the
    names the student may use (another name makes the answer "invalid", with a
    hint); ``tolerance`` is relative (a number) or ``{"relative", "absolute"}``;
    ``conventions`` as for :func:`~mathomong_sym.parsing.parse_expression`.
    ``factor_answers`` maps factor ids of the key to the student's factors,
    for partial credit.  ``timeout`` is the per-check limit in seconds.
    """
    entry = entry_for(key, definitions=definitions, tolerance=tolerance, conventions=conventions, variables=variables)
    task = make_task(answer, entry, factor_answers)
    if timeout is None:
        result = run_task(task)
    else:
        # one check at a time needs one worker (and its warm spare)
        result = shared_pool(timeout, workers=1).run_one(task)
    _raise_key_error(result)
    return CheckResult.from_result(result)


def check_many(tasks, *, timeout: float | None = DEFAULT_TIMEOUT, workers: int | None = None, progress=None,
               on_result=None) -> list[dict]:
    """Raw results of many tasks (see :func:`make_task`), through the shared pool.

    ``progress(done)`` and ``on_result(index, result)`` as for :meth:`CheckerPool.run`.
    """
    tasks = list(tasks)
    if timeout is None:
        results = []
        for i, task in enumerate(tasks):
            results.append(run_task(task))
            if on_result:
                on_result(i, results[-1])
            if progress:
                progress(i + 1)
        return results
    return shared_pool(timeout, workers).run(tasks, progress=progress, on_result=on_result)
