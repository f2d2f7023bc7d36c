"""Worksheet definitions: the TOML files in ``worksheets/``.

A definition names the sheet and lists its problems::

    id = "derivatives"            # optional, defaults to the file name
    title = "Derivatives: the core idea"
    subtitle = "Part 2 of the guide"   # optional
    seed = 2026                   # optional, default 0
    versions = ["A", "B"]         # optional, default ["A"]
    difficulty = "easy"           # optional default for every problem
    instructions = "Show your working."   # optional

    [[problems]]
    topic = "derivative-power"    # a generator id (see GENERATORS)
    count = 2                     # optional, default 1
    difficulty = "medium"         # optional
    points = 4                    # optional, overrides the generator's

Every mistake in a definition raises :class:`ConfigError` with the file and
the field (``problems[1].count``) in its message, so a teacher can fix it
without reading a traceback.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError

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
_TOP_LEVEL = {"id", "title", "subtitle", "seed", "versions", "difficulty", "instructions", "problems"}
_PROBLEM_KEYS = {"topic", "count", "difficulty", "points"}
#: a sheet longer than this is a typo, and would take minutes to typeset
MAX_PROBLEMS = 60


@dataclass(frozen=True)
class ProblemSpec:
    """One ``[[problems]]`` entry: *count* problems from generator *topic*."""

    topic: str
    count: int = 1
    difficulty: str = "medium"
    points: int | None = None


@dataclass(frozen=True)
class WorksheetDefinition:
    id: str
    title: str
    problems: tuple[ProblemSpec, ...]
    subtitle: str = ""
    seed: int = 0
    versions: tuple[str, ...] = ("A",)
    instructions: str = ""
    source: str = "<worksheet>"
    difficulty: str = "medium"

    @property
    def problem_count(self) -> int:
        return sum(spec.count for spec in self.problems)


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
    subtitle = where.string(data, "subtitle", default="")
    instructions = where.string(data, "instructions", default="")
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
    specs = tuple(_problem_spec(where, i, entry, difficulty) for i, entry in enumerate(problems))
    total = sum(spec.count for spec in specs)
    if total > MAX_PROBLEMS:
        where.fail("problems", f"{total} problems in all; a sheet holds at most {MAX_PROBLEMS}")
    return WorksheetDefinition(
        id=worksheet_id, title=title, subtitle=subtitle, seed=seed, versions=tuple(versions),
        instructions=instructions, problems=specs, source=source, difficulty=difficulty,
    )


def _problem_spec(where: "_Where", index: int, entry: dict, default_difficulty: str) -> ProblemSpec:
    from .registry import GENERATORS  # the registry imports every generator; only needed here

    prefix = f"problems[{index}]."
    where.unknown_keys(entry, _PROBLEM_KEYS, prefix=prefix)
    topic = where.string(entry, "topic", prefix=prefix)
    if topic not in GENERATORS:
        close = [name for name in GENERATORS if topic.split("-")[0] in name]
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known topics: {', '.join(sorted(GENERATORS))}"
        where.fail(prefix + "topic", f"unknown topic {topic!r}{hint}")
    count = where.integer(entry, "count", default=1, minimum=1, prefix=prefix)
    difficulty = where.choice(entry, "difficulty", DIFFICULTIES, default=default_difficulty, prefix=prefix)
    points = where.integer(entry, "points", default=None, minimum=1, prefix=prefix)
    return ProblemSpec(topic=topic, count=count, difficulty=difficulty, points=points)


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

    def fail(self, name: str, why: str):
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

    def choice(self, table, key, choices, default, prefix=""):
        value = self._get(table, key, default, prefix)
        if value not in choices:
            self.fail(prefix + key, f"{value!r} is not one of {', '.join(choices)}")
        return value
