"""Worksheet definitions: the TOML files in ``worksheets/``.

A definition names the sheet and lists its problems::

    id = "derivatives"            # optional, defaults to the file name
    title = "Derivatives: the core idea"
    subtitle = "Part 2 of the guide"   # optional
    seed = 2026                   # optional, default 0
    versions = ["A", "B"]         # optional, default ["A"]
    difficulty = "easy"           # optional default for every problem
    instructions = "Show your working; $f'(x)$ is the slope."   # optional, $…$ is math
    key_detail = 1                # 0: answers only, 1: the main lines, 2: every rule
    language = "en"               # or "fr"; [words] overrides single words
    header = "Year 10 maths club" # optional: the left of the running header
    footer = "Mathomong AI Club"  # optional
    logo = "logo.png"             # optional, next to the definition

    [[problems]]
    topic = "derivative-power"    # a generator id (see GENERATORS) …
    count = 2                     # optional, default 1
    difficulty = "medium"         # optional
    points = 4                    # optional: the problem's, or one number per part ([2, 1.5])
    hints = ["", "Use part (a)."] # optional, one per part ($…$ is math)
    space = ["3cm", "2cm"]        # optional answer space per part

    [[problems]]                  # … or the teacher's own problem (see teacher.py)
    text = "A ball's height is $h(t)$ metres."
    expression = "(3x+1)^2"
    ask = ["derivative", "value at x=2"]

Every mistake in a definition raises :class:`ConfigError` with the file and
the field (``problems[1].count``) in its message, so a teacher can fix it
without reading a traceback.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ..display import Summarised, Summary
from ..errors import ConfigError

if TYPE_CHECKING:
    from .teacher import CustomProblem
    from .words import Language

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "DIFFICULTIES",
    "ProblemSpec",
    "WorksheetDefinition",
    "load_worksheet",
    "parse_worksheet",
    "check_version_labels",
]

DIFFICULTIES = ("easy", "medium", "hard")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
_VERSION = re.compile(r"^[A-Z][A-Za-z0-9]{0,7}$")
_TOP_LEVEL = {"id", "title", "subtitle", "seed", "versions", "difficulty", "instructions", "problems",
              "key_detail", "language", "words", "header", "footer", "logo"}
_PROBLEM_KEYS = {"topic", "count", "difficulty", "points", "hints", "space"}
_SPACE = re.compile(r"^(\d+(\.\d+)?)\s*(cm|mm|in|pt)$")
KEY_DETAILS = (0, 1, 2)
#: a sheet longer than this is a typo, and would take minutes to typeset
MAX_PROBLEMS = 60


@dataclass(frozen=True)
class ProblemSpec:
    """One ``[[problems]]`` entry: *count* problems from generator *topic*, or the teacher's own.

    ``points`` is the problem's worth, or a tuple with one number per part;
    ``hints`` and ``space`` hold one entry per part ("" / None: none given).
    ``custom`` is a teacher-written problem (:class:`~.teacher.CustomProblem`).
    """

    topic: str
    count: int = 1
    difficulty: str = "medium"
    points: float | tuple | None = None
    hints: tuple = ()
    space: tuple = ()
    custom: CustomProblem | None = None


@dataclass(frozen=True, repr=False)
class WorksheetDefinition(Summarised):
    id: str
    title: str
    problems: tuple[ProblemSpec, ...]
    subtitle: str = ""
    seed: int = 0
    versions: tuple[str, ...] = ("A",)
    instructions: str = ""
    source: str = "<worksheet>"
    difficulty: str = "medium"
    key_detail: int = 1
    language: Language | None = None  # English when None
    header: str = ""
    footer: str | None = None
    logo: Path | None = None

    @property
    def words(self) -> Language:
        from .words import language

        return self.language if self.language is not None else language()

    @property
    def problem_count(self) -> int:
        return sum(spec.count for spec in self.problems)

    def _summary(self) -> Summary:
        topics = ", ".join(dict.fromkeys(spec.topic for spec in self.problems))
        facts = (("id", self.id), ("title", self.title), ("problems", f"{self.problem_count} ({topics})"),
                 ("versions", ", ".join(self.versions)), ("seed", str(self.seed)),
                 ("difficulty", self.difficulty), ("source", self.source))
        return Summary(f"{self.id}: {self.title}, {self.problem_count} problem(s), "
                       f"version(s) {', '.join(self.versions)}", facts)


def load_worksheet(path) -> WorksheetDefinition:
    """Read and validate the worksheet definition at *path*."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such worksheet definition") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the worksheet definition ({exc})") from None
    return parse_worksheet(text, source=str(path), default_id=_default_id(path.stem))


def _default_id(stem: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", stem.lower()).strip("-") or "worksheet"


def parse_worksheet(text: str, source: str = "<worksheet>", default_id: str = "worksheet") -> WorksheetDefinition:
    """Validate the TOML *text* of a definition; *source* names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    where = _Where(source)
    where.unknown_keys(data, _TOP_LEVEL, prefix="")

    worksheet_id = where.string(data, "id", default=default_id)
    if not _ID.match(worksheet_id):
        where.fail("id", f"{worksheet_id!r} is not a worksheet id (lower-case letters, digits and '-', at most 48)")
    title = where.string(data, "title")
    where.text(data, "subtitle")  # checked as a text field; kept as written (the practice room shows it too)
    subtitle = where.string(data, "subtitle", default="")
    instructions = where.text(data, "instructions")
    header = where.text(data, "header")
    footer = where.text(data, "footer", default=None)
    key_detail = where.choice(data, "key_detail", KEY_DETAILS, default=1)
    lang = _language(where, data)
    logo = _logo(where, data, source)
    seed = where.integer(data, "seed", default=0, minimum=0)
    difficulty = where.choice(data, "difficulty", DIFFICULTIES, default="medium")

    versions = data.get("versions", ["A"])
    if not isinstance(versions, list) or not versions:
        where.fail("versions", 'must be a non-empty list of labels such as ["A", "B"]')
    for i, label in enumerate(versions):
        if not isinstance(label, str) or not _VERSION.match(label):
            where.fail(f"versions[{i}]", f"{label!r} is not a version label (a capital letter, then up to 7 letters or digits)")
    if len(set(versions)) != len(versions):
        where.fail("versions", "a label is listed twice")

    problems = data.get("problems")
    if problems is None:
        where.fail("problems", "missing: add at least one [[problems]] table with a topic")
    if not isinstance(problems, list) or not problems or not all(isinstance(p, dict) for p in problems):
        where.fail("problems", "must be one or more [[problems]] tables")
    specs = tuple(_problem_spec(where, i, entry, difficulty, lang) for i, entry in enumerate(problems))
    total = sum(spec.count for spec in specs)
    if total > MAX_PROBLEMS:
        where.fail("problems", f"{total} problems in all; a sheet holds at most {MAX_PROBLEMS}")
    return WorksheetDefinition(
        id=worksheet_id, title=title, subtitle=subtitle, seed=seed, versions=tuple(versions),
        instructions=instructions, problems=specs, source=source, difficulty=difficulty,
        key_detail=key_detail, language=lang, header=header, footer=footer, logo=logo,
    )


def _language(where: "_Where", data: dict):
    from .words import language

    code = where.string(data, "language", default="en")
    words = data.get("words", {})
    if not isinstance(words, dict) or not all(isinstance(v, str) for v in words.values()):
        where.fail("words", 'must be a table of words, such as { name = "Student" }')
    for key in words:
        where.text(words, key, prefix="words.")  # $…$ is math; anything else must be safe text
    return language(code, dict(words), source=where.source)


def _logo(where: "_Where", data: dict, source: str) -> Path | None:
    if "logo" not in data:
        return None
    name = where.string(data, "logo")
    path = (Path(source).parent / name) if not Path(name).is_absolute() else Path(name)
    if path.suffix.lower() not in (".png", ".jpg", ".jpeg", ".pdf"):
        where.fail("logo", f"{name!r} must be a .png, .jpg or .pdf image")
    if not path.is_file():
        where.fail("logo", f"{path}: no such image")
    return path


def _problem_spec(where: "_Where", index: int, entry: dict, default_difficulty: str, lang) -> ProblemSpec:
    from .registry import GENERATORS  # the registry imports every generator; only needed here
    from .teacher import CUSTOM_KEYS, parse_custom

    prefix = f"problems[{index}]."
    custom = None
    if "topic" in entry:
        where.unknown_keys(entry, _PROBLEM_KEYS, prefix=prefix)
        topic = where.string(entry, "topic", prefix=prefix)
        if topic not in GENERATORS:
            close = [name for name in GENERATORS if topic.split("-")[0] in name]
            hint = (f"; did you mean {', '.join(close)}?" if close
                    else f"; known topics: {', '.join(sorted(GENERATORS))}")
            where.fail(prefix + "topic", f"unknown topic {topic!r}{hint}")
        count = where.integer(entry, "count", default=1, minimum=1, prefix=prefix)
    else:
        where.unknown_keys(entry, (_PROBLEM_KEYS - {"topic", "count"}) | CUSTOM_KEYS, prefix=prefix)
        if not ({"expression", "network"} & set(entry)):
            where.fail(prefix + "topic", "missing: give a topic, or your own problem with an expression or a network")
        custom = parse_custom(where, entry, prefix, lang)
        topic, count = "custom", 1
    difficulty = where.choice(entry, "difficulty", DIFFICULTIES, default=default_difficulty, prefix=prefix)
    points = where.points(entry, "points", prefix=prefix)
    hints = tuple(where.per_part(entry, "hints", prefix, where.text_value))
    space = tuple(where.per_part(entry, "space", prefix, where.space_value))
    if custom is not None:
        parts = len(custom.asks)
        for name, value in (("points", points if isinstance(points, tuple) else ()), ("hints", hints),
                            ("space", space)):
            if len(value) > parts:
                where.fail(prefix + name, f"{len(value)} entries for {parts} part(s)")
    if isinstance(points, (int, float)) and custom is not None and points * 2 < len(custom.asks):
        where.fail(prefix + "points", f"{points:g} points cannot be split over {len(custom.asks)} parts; "
                                      "give at least half a point a part")
    return ProblemSpec(topic=topic, count=count, difficulty=difficulty, points=points, hints=hints, space=space,
                       custom=custom)


def check_version_labels(definition: WorksheetDefinition, labels) -> tuple[str, ...]:
    """The requested version *labels*, each one the definition declares."""
    labels = tuple(labels)
    if not labels:
        raise ConfigError(f"{definition.source}: versions: no version requested")
    for label in labels:
        if label not in definition.versions:
            raise ConfigError(
                f"{definition.source}: versions: unknown version label {label!r}; "
                f"this worksheet declares {', '.join(definition.versions)}"
            )
    return labels


@dataclass
class _Where:
    """Reads fields of one table and reports errors as ``file: field: why``."""

    source: str
    _sentinel: object = field(default_factory=object)

    def fail(self, name: str, why: str) -> NoReturn:
        raise ConfigError(f"{self.source}: {name}: {why}")

    def unknown_keys(self, table: dict, known: set, prefix: str):
        for key in table:
            if key not in known:
                self.fail(prefix + key, f"unknown field; expected one of {', '.join(sorted(known))}")

    def _get(self, table, key, default, prefix):
        if key not in table:
            if default is self._sentinel:
                self.fail(prefix + key, "missing (this field is required)")
            return default
        return table[key]

    def string(self, table, key, default=None, prefix=""):
        default = self._sentinel if default is None else default
        value = self._get(table, key, default, prefix)
        if not isinstance(value, str) or (default is self._sentinel and not value.strip()):
            self.fail(prefix + key, f"must be a non-empty string, not {value!r}")
        return value

    def integer(self, table, key, default, minimum, prefix=""):
        value = self._get(table, key, default, prefix)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(prefix + key, f"must be a whole number, not {value!r}")
        if value < minimum:
            kind = "negative" if value < 0 else "too small"
            self.fail(prefix + key, f"{value} is {kind}; it must be at least {minimum}")
        return value

    def text(self, table, key, default="", prefix=""):
        """A teacher's sentence (may be empty, may hold $…$ math), as LaTeX."""
        if key not in table:
            return default
        return self.text_value(table[key], prefix + key)

    def text_value(self, value, name):
        from .problem import teacher_text

        if not isinstance(value, str):
            self.fail(name, f"must be text, not {value!r}")
        try:
            return teacher_text(value, where=name).strip()
        except ValueError as exc:
            raise ConfigError(f"{self.source}: {exc}") from None

    def space_value(self, value, name):
        if value in ("", None):
            return None
        if not isinstance(value, str) or not _SPACE.match(value.strip()):
            self.fail(name, f"{value!r} is not a length such as \"4cm\", \"30mm\" or \"1.5in\"")
        return value.strip().replace(" ", "")

    def per_part(self, table, key, prefix, read):
        """A list with one entry per part, or one entry (for the first part)."""
        if key not in table:
            return []
        value = table[key]
        items = value if isinstance(value, list) else [value]
        return [read(item, f"{prefix}{key}[{i}]" if isinstance(value, list) else prefix + key)
                for i, item in enumerate(items)]

    def points(self, table, key, prefix=""):
        """A number of points (halves allowed) or a list of them, one per part."""
        if key not in table:
            return None
        value = table[key]

        def one(v, name):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                self.fail(name, f"must be a number of points, not {v!r}")
            if v <= 0 or v * 2 != int(v * 2):
                self.fail(name, f"{v} is not a positive whole or half number of points")
            return int(v) if v == int(v) else float(v)

        if isinstance(value, list):
            if not value:
                self.fail(prefix + key, "an empty list: give one number of points per part")
            return tuple(one(v, f"{prefix}{key}[{i}]") for i, v in enumerate(value))
        return one(value, prefix + key)

    def choice(self, table, key, choices, default, prefix=""):
        value = self._get(table, key, default, prefix)
        if isinstance(value, bool) or value not in choices:
            self.fail(prefix + key, f"{value!r} is not one of {', '.join(map(str, choices))}")
        return value
