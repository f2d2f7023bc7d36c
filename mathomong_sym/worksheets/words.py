"""The words on a sheet, in the sheet's language.

Every word a sheet prints that is not mathematics comes from a catalog: the
sheet's chrome (Name, Date, Question, Points, Score, Page x of y, Version …)
by key, and the generators' sentences by their English text, the way
gettext looks a message up by its msgid.  English is the default; a
definition chooses another language with ``language = "fr"`` and may
override any chrome word in a ``[words]`` table.

The language in force while a problem is drawn is a context variable
(:func:`speaking`), so generators call :func:`~.problem.say` as before and
never pass a language around; threads and drawing in parallel stay apart.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import string
from importlib import resources

from ..errors import ConfigError

__all__ = ["CHROME", "LANGUAGES", "Language", "language", "speaking", "current", "translate"]

#: the chrome words, with their English text ({n}, {total}: filled in by the template)
CHROME = {
    "name": "Name",
    "date": "Date",
    "question": "Question",
    "points": "Points",
    "score": "Score",
    "total": "Total",
    "page": "Page {n} of {total}",
    "version": "Version",
    "answer_key": "answer key",
    "answers": "answers",
    "solution": "Solution",
    "answer": "Answer",
    "hint": "Hint",
    "part": "Part",
    "round": "round to {n} decimal places",
    "instructions": "Show your working. Give exact answers unless a part asks you to round; "
                    "round only the final answer.",
    "answers_note": "Every answer below was derived and checked by the engine; the full key shows the working.",
    "footer": "Mathomong AI Club",
    "worked_in": "worked in part ({label})",
    "given": "You may use",
    # the verbs of most parts: the generators' sentences "Find {d}." and "Evaluate {d}." are these words
    "find": "Find {d}.",
    "evaluate": "Evaluate {d}.",
}

#: chrome words that are whole sentences of the generators (looked up by their English text)
_SENTENCE_WORDS = ("find", "evaluate")

#: languages shipped with the package: code -> file in ``languages/``
LANGUAGES = {"en": None, "fr": "fr.json"}


class Language:
    """A language's chrome words and its sentences (English text -> translation)."""

    def __init__(self, code: str, chrome: dict, sentences: dict):
        self.code = code
        self.chrome = dict(chrome)
        self.sentences = dict(sentences)

    def word(self, key: str, **values) -> str:
        return self.chrome[key].format(**values) if values else self.chrome[key]

    def with_words(self, overrides: dict) -> "Language":
        return Language(self.code, {**self.chrome, **overrides}, self.sentences)


_ENGLISH = Language("en", CHROME, {})
_current: contextvars.ContextVar[Language] = contextvars.ContextVar("worksheet_language", default=_ENGLISH)


def language(code: str = "en", words: dict | None = None, *, source: str = "<worksheet>") -> Language:
    """The language *code* (``en``, ``fr``), with the chrome *words* a definition overrides."""
    if code not in LANGUAGES:
        raise ConfigError(f"{source}: language: {code!r} is not a language the sheets speak; "
                          f"known: {', '.join(LANGUAGES)}")
    file = LANGUAGES[code]
    base = _ENGLISH if file is None else _load(code, file)
    unknown = sorted(set(words or {}) - set(CHROME))
    if unknown:
        raise ConfigError(f"{source}: words.{unknown[0]}: unknown word; expected one of {', '.join(CHROME)}")
    for key, text in (words or {}).items():
        wanted, given = _fields(CHROME[key]), _fields(text)
        if given != wanted:
            holes = ", ".join("{" + f + "}" for f in sorted(wanted)) or "no {…}"
            raise ConfigError(f"{source}: words.{key}: {text!r} must hold {holes}, as {CHROME[key]!r} does")
    return base.with_words(words or {})


def _fields(text: str) -> set:
    """The {names} a word's text leaves for the sheet to fill in."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:  # an unpaired brace
        return {"{"}


def _load(code: str, file: str) -> Language:
    folder = resources.files(__name__.rpartition(".")[0]).joinpath("languages")
    data = json.loads(folder.joinpath(file).read_text("utf-8"))
    return Language(code, {**CHROME, **data["chrome"]}, data["sentences"])


@contextlib.contextmanager
def speaking(lang: Language):
    """Draw problems in *lang* inside this block."""
    token = _current.set(lang)
    try:
        yield lang
    finally:
        _current.reset(token)


def current() -> Language:
    return _current.get()


def translate(text: str) -> str:
    """*text* (an English sentence or template) in the current language; itself when not translated.

    A sentence that is a chrome word ("Find {d}.") is that word, as the
    definition's ``[words]`` or its language set it.
    """
    lang = _current.get()
    for key in _SENTENCE_WORDS:
        if text == CHROME[key]:
            return lang.chrome[key]
    return lang.sentences.get(text, text)
