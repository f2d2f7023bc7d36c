"""The JSON answer-key format: one worksheet version, its questions and their keys.

The format is documented in ``docs/answer-key-format.md``.  Keys are data:
expressions travel as LaTeX (for people) and as a whitelisted JSON tree (for
the checker, see :mod:`.tree`); nothing in a key file is ever executed.

    >>> key = AnswerKey(worksheet="chain-rule", version="A", seed=7, entries=[
    ...     AnswerEntry.from_expr("q1", 2 * x, points=2, variables=["x"])])
    >>> key.save("key.json")
    >>> AnswerKey.load("key.json").entry("q1").expression()
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Mapping

import sympy

from ..display import Summarised, Summary
from ..errors import ConfigError, MathomongError
from ..printing import to_latex
from .tree import expr_to_tree, tree_to_expr

__all__ = ["AnswerKey", "AnswerEntry", "Mistake", "FORMAT_VERSION", "write_atomically", "definitions_as_json", "exact"]

#: the current version of the key format; readers accept this one and older
FORMAT_VERSION = 1
_KIND = "mathomong-answer-key"


def exact(value) -> Fraction:
    """Points as the fraction they stand for: 0.3333333333333333 (a third, through JSON) → 1/3, 0.25 → 1/4."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, str):
        return Fraction(value)
    if isinstance(value, int):
        return Fraction(value)
    nearest = Fraction(value).limit_denominator(1000)
    if abs(float(nearest) - value) <= 1e-9 * max(1.0, abs(value)):
        return nearest
    return Fraction(repr(float(value)))


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{what} must be a number, not {value!r:.40}")
    if value != value or value < 0:
        raise ConfigError(f"{what} must be a non-negative number, not {value!r}")
    return float(value)


def _expect(data, name: str, kind, where: str, default=None, required=False):
    if name not in data:
        if required:
            raise ConfigError(f"{where}: the field {name!r} is missing")
        return default
    value = data[name]
    if value is None and not required:
        return default
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise ConfigError(f"{where}: {name!r} must be a {names}, not {type(value).__name__}")
    return value


def definitions_as_json(definitions) -> tuple[dict[str, str], dict[str, dict]]:
    """``{Symbol z: expr}`` or ``{"z": "Wx+b"}`` as ``{name: LaTeX}``, plus trees of the expressions."""
    latex, trees = {}, {}
    for name, value in (definitions or {}).items():
        key = name.name if isinstance(name, sympy.Symbol) else str(name)
        if isinstance(value, str):
            latex[key] = value
        else:
            latex[key] = to_latex(value)
            trees[key] = expr_to_tree(value)
    return latex, trees


@dataclass
class Mistake:
    """A typical wrong answer and what to tell a student who gives it."""

    latex: str
    message: str
    name: str = ""
    tree: dict | None = None
    credit: float = 0.0  # fraction of the points still given, 0 by default

    def expression(self, conventions=None):
        if self.tree is not None:
            return tree_to_expr(self.tree)
        from ..parsing import parse_expression

        return parse_expression(self.latex, conventions=conventions)

    @classmethod
    def from_expr(cls, expr, message: str, name: str = "", credit: float = 0.0) -> "Mistake":
        return cls(latex=to_latex(expr), message=message, name=name, tree=expr_to_tree(expr), credit=credit)

    def to_dict(self) -> dict:
        data: dict[str, object] = {"name": self.name, "latex": self.latex, "message": self.message}
        if self.tree is not None:
            data["tree"] = self.tree
        if self.credit:
            data["credit"] = self.credit
        return data

    @classmethod
    def from_dict(cls, data, where: str = "mistake") -> "Mistake":
        if not isinstance(data, Mapping):
            raise ConfigError(f"{where} must be an object")
        credit = _number(data.get("credit", 0.0), f"{where}: credit")
        if credit > 1:
            raise ConfigError(f"{where}: credit is a fraction of the points, at most 1")
        return cls(
            latex=_expect(data, "latex", str, where, required=True),
            message=_expect(data, "message", str, where, required=True),
            name=_expect(data, "name", str, where, default=""),
            tree=_expect(data, "tree", dict, where),
            credit=credit,
        )


@dataclass(repr=False)
class AnswerEntry(Summarised):
    """The key of one question (or of one factor of a question).

    ``latex`` is the answer as printed; ``tree`` is the same expression as a
    JSON tree (authoritative when present).  ``variables`` are the names a
    student may use (``None``: any); ``definitions`` map named intermediates
    (``z``, ``yhat`` or ``\\hat{y}``) to their LaTeX meaning.  ``factors``
    are sub-keys that earn partial credit (each with its own ``points``);
    ``mistakes`` are typical wrong answers with their feedback.
    ``tolerance`` is ``{"relative": r, "absolute": a}`` for numeric answers.
    """

    id: str
    latex: str
    points: float = 1.0
    tree: dict | None = None
    label: str = ""
    variables: list[str] | None = None
    definitions: dict[str, str] = field(default_factory=dict)
    conventions: dict = field(default_factory=dict)
    tolerance: dict | None = None
    factors: list["AnswerEntry"] = field(default_factory=list)
    mistakes: list[Mistake] = field(default_factory=list)
    definition_trees: dict[str, dict] = field(default_factory=dict)

    def _summary(self) -> Summary:
        facts = [("question", self.id), ("answer", self.latex), ("points", f"{self.points:g}")]
        if self.label:
            facts.append(("label", self.label))
        if self.definitions:
            facts.append(("definitions", ", ".join(f"{k} = {v}" for k, v in self.definitions.items())))
        if self.variables is not None:
            facts.append(("variables", ", ".join(self.variables)))
        if self.factors:
            facts.append(("factors", ", ".join(f.id for f in self.factors)))
        if self.mistakes:
            facts.append(("typical mistakes", str(len(self.mistakes))))
        return Summary(f"{self.id}: {self.latex} ({self.points:g} point{'s' if self.points != 1 else ''})",
                       tuple(facts))

    # -- building ----------------------------------------------------------
    @classmethod
    def from_expr(cls, id, expr, *, points: float = 1.0, label="", variables=None, definitions=None,
                  conventions=None, tolerance=None, factors=(), mistakes=()) -> "AnswerEntry":
        """An entry for a sympy expression (LaTeX and tree are both filled in)."""
        definition_latex, definition_trees = definitions_as_json(definitions)
        return cls(
            id=str(id),
            latex=to_latex(expr),
            points=float(points),
            tree=expr_to_tree(expr),
            label=label if isinstance(label, str) else to_latex(label),
            variables=None if variables is None else [v.name if isinstance(v, sympy.Symbol) else str(v) for v in variables],
            definitions=definition_latex,
            definition_trees=definition_trees,
            conventions=dict(conventions or {}),
            tolerance=dict(tolerance) if tolerance else None,
            factors=list(factors),
            mistakes=list(mistakes),
        )

    @classmethod
    def from_derivation(cls, id, derivation, *, points: float = 1.0, factor_points: float | None = None,
                        variables=None, conventions=None, with_factors: bool = True,
                        with_mistakes: bool = True, named: bool = True) -> "AnswerEntry":
        """An entry for ``derivation.result``, with its chain factors and typical mistakes.

        By default (``named=True``) the key is the chain in named
        intermediates, 2(ŷ − y)·σ(z)(1 − σ(z))·x, the form it is taught in;
        ``named=False`` stores ``derivation.result`` in base variables.
        Answers in either form are accepted, since the definitions travel
        with the key.  The factors together are worth half of ``points``
        unless ``factor_points`` (each) says otherwise.
        """
        from .mistakes import entry_parts_from_derivation

        parts = entry_parts_from_derivation(derivation, points=points, factor_points=factor_points, named=named,
                                            with_factors=with_factors, with_mistakes=with_mistakes)
        return cls.from_expr(
            id, parts.key, points=points, label=parts.label, variables=variables,
            definitions=parts.definitions, conventions=conventions, factors=parts.factors, mistakes=parts.mistakes,
        )

    def expression(self, conventions=None):
        """The key's sympy expression (from the tree, else read from its text).

        The text is read by the same rules as an answer, with *conventions*
        (the question's declared names) or the entry's own.
        """
        if self.tree is not None:
            return tree_to_expr(self.tree)
        from ..parsing import parse_expression

        try:
            return parse_expression(self.latex, conventions=conventions or self.conventions or None)
        except MathomongError as exc:
            words = getattr(exc, "words", ())
            if words:  # a teacher's own names: say how to declare them
                raise ConfigError(f"the key of {self.id!r} uses the word(s) {', '.join(words)}: declare them as "
                                  "the question's variables to read each as one name") from None
            raise ConfigError(f"the key of {self.id!r} cannot be read: {exc}") from None

    # -- JSON --------------------------------------------------------------
    def to_dict(self) -> dict:
        data: dict = {"id": self.id, "points": self.points, "latex": self.latex}
        if self.label:
            data["label"] = self.label
        if self.tree is not None:
            data["tree"] = self.tree
        if self.variables is not None:
            data["variables"] = list(self.variables)
        if self.definitions:
            data["definitions"] = dict(self.definitions)
        if self.definition_trees:
            data["definition_trees"] = dict(self.definition_trees)
        if self.conventions:
            data["conventions"] = dict(self.conventions)
        if self.tolerance:
            data["tolerance"] = dict(self.tolerance)
        if self.factors:
            data["factors"] = [f.to_dict() for f in self.factors]
        if self.mistakes:
            data["mistakes"] = [m.to_dict() for m in self.mistakes]
        return data

    @classmethod
    def from_dict(cls, data, where: str = "entry") -> "AnswerEntry":
        if not isinstance(data, Mapping):
            raise ConfigError(f"{where} must be an object")
        entry_id = _expect(data, "id", (str, int), where, required=True)
        where = f"{where} {entry_id!r}"
        variables = _expect(data, "variables", list, where)
        if variables is not None and not all(isinstance(v, str) for v in variables):
            raise ConfigError(f"{where}: variables must be a list of names")
        definitions = _expect(data, "definitions", dict, where, default={})
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in definitions.items()):
            raise ConfigError(f"{where}: definitions map names to LaTeX strings")
        definition_trees = _expect(data, "definition_trees", dict, where, default={})
        if not all(isinstance(k, str) and isinstance(v, dict) for k, v in definition_trees.items()):
            raise ConfigError(f"{where}: definition_trees map names to expression trees")
        unmatched = sorted(set(definition_trees) - set(definitions))
        if unmatched:
            raise ConfigError(f"{where}: definition_trees without a definition: {', '.join(unmatched)}")
        tolerance = _expect(data, "tolerance", dict, where)
        if tolerance is not None:
            unknown = set(tolerance) - {"relative", "absolute"}
            if unknown:
                raise ConfigError(f"{where}: unknown tolerance field(s) {sorted(unknown)}")
            for name, value in tolerance.items():
                _number(value, f"{where}: tolerance {name}")
        return cls(
            id=str(entry_id),
            latex=_expect(data, "latex", str, where, required=True),
            points=_number(data.get("points", 1.0), f"{where}: points"),
            tree=_expect(data, "tree", dict, where),
            label=_expect(data, "label", str, where, default=""),
            variables=variables,
            definitions=dict(definitions),
            definition_trees=dict(definition_trees),
            conventions=dict(_expect(data, "conventions", dict, where, default={})),
            tolerance=dict(tolerance) if tolerance else None,
            factors=[cls.from_dict(f, f"{where} factor {i + 1}") for i, f in enumerate(_expect(data, "factors", list, where, default=[]))],
            mistakes=[Mistake.from_dict(m, f"{where} mistake {i + 1}") for i, m in enumerate(_expect(data, "mistakes", list, where, default=[]))],
        )


@dataclass(repr=False)
class AnswerKey(Summarised):
    """All answer entries of one version of one worksheet."""

    worksheet: str
    version: str = "A"
    seed: int | None = None
    entries: list[AnswerEntry] = field(default_factory=list)
    title: str = ""
    conventions: dict = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def __post_init__(self):
        self.version = str(self.version)
        ids = [e.id for e in self.entries]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ConfigError(f"question id(s) used twice in the key: {', '.join(duplicates)}")

    @property
    def ids(self) -> list[str]:
        return [e.id for e in self.entries]

    def _summary(self) -> Summary:
        name = self.title or self.worksheet
        facts = [("worksheet", name), ("version", self.version), ("questions", ", ".join(self.ids)),
                 ("points", f"{self.total_points:g}")]
        return Summary(f"{name}, version {self.version}: {len(self.entries)} question(s), "
                       f"{self.total_points:g} point(s)", tuple(facts))

    @property
    def total_points(self) -> float:
        return sum(e.points for e in self.entries)

    def entry(self, question_id) -> AnswerEntry:
        for entry in self.entries:
            if entry.id == str(question_id):
                return entry
        from ..errors import UnknownNameError

        raise UnknownNameError(f"question of worksheet {self.worksheet!r} version {self.version!r}", question_id, self.ids)

    __getitem__ = entry

    def to_dict(self) -> dict:
        data = {
            "kind": _KIND,
            "format_version": self.format_version,
            "worksheet": self.worksheet,
            "version": self.version,
            "seed": self.seed,
        }
        if self.title:
            data["title"] = self.title
        if self.conventions:
            data["conventions"] = dict(self.conventions)
        data["questions"] = [e.to_dict() for e in self.entries]
        return data

    @classmethod
    def from_dict(cls, data) -> "AnswerKey":
        if not isinstance(data, Mapping):
            raise ConfigError("an answer key must be a JSON object")
        if data.get("kind", _KIND) != _KIND:
            raise ConfigError(f"not an answer key (kind {data.get('kind')!r})")
        version = data.get("format_version", FORMAT_VERSION)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ConfigError(f"bad format_version {version!r}")
        if version > FORMAT_VERSION:
            raise ConfigError(f"this answer key has format_version {version}; this mathomong reads up to {FORMAT_VERSION}")
        seed = data.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ConfigError("seed must be an integer or null")
        questions = _expect(data, "questions", list, "answer key", required=True)
        return cls(
            worksheet=str(_expect(data, "worksheet", (str, int), "answer key", required=True)),
            version=str(_expect(data, "version", (str, int), "answer key", default="A")),
            seed=seed,
            entries=[AnswerEntry.from_dict(q, f"question {i + 1}") for i, q in enumerate(questions)],
            title=_expect(data, "title", str, "answer key", default=""),
            conventions=dict(_expect(data, "conventions", dict, "answer key", default={})),
            format_version=version,
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def save(self, path) -> Path:
        path = Path(path)
        write_atomically(path, self.to_json())
        return path

    @classmethod
    def load(cls, path) -> "AnswerKey":
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"answer key {path} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read answer key {path}: {exc}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"answer key {path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
        try:
            return cls.from_dict(data)
        except ConfigError as exc:
            raise ConfigError(f"answer key {path}: {exc}") from None


def write_atomically(path, text: str) -> None:
    """Write *text* to *path* so that readers see the old or the new file, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
