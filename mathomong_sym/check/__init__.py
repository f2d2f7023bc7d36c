"""Checking a student's answer against a key, and grading a class.

``check_answer`` decides whether an answer (LaTeX or plain syntax) equals the
key, names the typical mistake when it does not, and never raises on a bad
answer: unreadable, empty or hostile input gets the verdict "invalid".  A bad
*key* is the teacher's error and raises ``ConfigError``.
"""

from __future__ import annotations

from .key import AnswerEntry, AnswerKey, Mistake

__all__ = ["check_answer", "CheckResult", "AnswerKey", "AnswerEntry", "Mistake"]


def __getattr__(name):
    # the checker pulls in the worker pool; keep `import mathomong_sym.check.key` light
    if name in ("check_answer", "CheckResult"):
        from . import checker

        return getattr(checker, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
