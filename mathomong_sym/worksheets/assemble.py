"""Assembly: a definition and a version label become a list of problems."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import ConfigError, VerificationError
from .definition import ProblemSpec, WorksheetDefinition
from .problem import Problem, split_points
from .randomness import Degenerate, NiceRandom, problem_seed, structure_seed
from .registry import GENERATORS
from .words import language as english
from .words import speaking

__all__ = ["WorksheetVersion", "assemble", "draw_problem", "draw_for_part", "MAX_ATTEMPTS"]

#: draws per problem before giving up; a healthy generator needs one or two
MAX_ATTEMPTS = 200


@dataclass(frozen=True)
class WorksheetVersion:
    """One version of a worksheet: its problems, in order."""

    definition: WorksheetDefinition
    label: str
    problems: tuple[Problem, ...]

    @property
    def sheet_id(self) -> str:
        """worksheet-version-seed: printed on every page and stored in the key."""
        return f"{self.definition.id}-{self.label}-{self.definition.seed}"

    @property
    def total_points(self) -> float:
        total = sum(sum(p.part_points()) for p in self.problems)
        return int(total) if total == int(total) else total


def draw_problem(generator_id: str, seed: int, difficulty: str = "medium", *, verify: bool = True,
                 structure: str | None = None, slot: int = 0, language=None) -> Problem:
    """One problem from a generator and a seed (no retries), checked.

    *structure* and *slot* fix the structural choices (the same in every
    version, see :meth:`NiceRandom.family`); *language* is a
    :class:`~.words.Language` (English by default).  Raises
    :class:`Degenerate` when the numbers drawn make a poor problem.
    """
    generator = GENERATORS[generator_id]
    return _draw(generator.make, seed, difficulty, verify=verify, structure=structure, slot=slot,
                 language=language, points=generator.points)


def draw_for_part(part: int, seed: int, difficulty: str = "medium", *, language=None) -> Problem:
    """A problem for Part *part* of the guide (1–10), from seed *seed*, verified.

    When a part has several topics the seed chooses one; degenerate draws are
    retried from seeds derived from *seed*, so the same (part, seed) always
    gives the same problem.  Its key is :func:`~.key.problem_key`.
    """
    topics = [g.id for g in GENERATORS.values() if g.part == part]
    if not topics:
        raise ConfigError(f"no topic practises part {part} of the guide; parts are 1 to 10")
    topic = topics[seed % len(topics)]
    for attempt in range(MAX_ATTEMPTS):
        try:
            return draw_problem(topic, problem_seed(f"part-{part}", seed, "A", 0, attempt), difficulty,
                                structure=f"part-{part}\x1f{seed}", language=language)
        except Degenerate:
            continue
    raise ConfigError(f"part {part}: no good problem in {MAX_ATTEMPTS} draws at difficulty {difficulty!r}")


def _draw(make, seed, difficulty, *, verify, structure, slot, language, points, taken=None) -> Problem:
    lang = language if language is not None else english()
    rng = NiceRandom(seed, structure=structure, slot=slot, taken=taken)
    with speaking(lang):
        problem = make(rng, difficulty)
    problem.check_degenerate()
    if verify:
        verify_problem(problem)
    return replace(problem, seed=seed, points=points, families=tuple(rng.dealt))


def verify_problem(problem: Problem) -> None:
    """Every solution step must hold before a key is printed."""
    verified: set = set()
    for part in problem.parts:
        if id(part.derivation) in verified:
            continue
        verified.add(id(part.derivation))
        report = part.derivation.verify()
        if not report.ok:
            first = report.failures[0]
            raise VerificationError(
                f"{problem.generator}: part {part.label}: a solution step does not hold "
                f"({first.step.rule}): {first.detail}"
            )


def _with_teacher_settings(problem: Problem, spec: ProblemSpec, points: float, source: str, index: int) -> Problem:
    """The entry's points (in all or per part), hints and answer space, put on the parts."""
    parts = list(problem.parts)
    where = f"{source}: problems[{index}]"
    for name, values in (("points", spec.points if isinstance(spec.points, tuple) else ()),
                         ("hints", spec.hints), ("space", spec.space)):
        if len(values) > len(parts):
            raise ConfigError(f"{where}.{name}: {len(values)} entries for a problem of {len(parts)} part(s)")
    if isinstance(spec.points, tuple):
        if len(spec.points) != len(parts):
            raise ConfigError(f"{where}.points: {len(spec.points)} numbers for {len(parts)} parts; give one a part")
        parts = [replace(p, points=v) for p, v in zip(parts, spec.points)]
        points = sum(spec.points)
    else:
        try:
            split_points(points, len(parts))
        except ValueError as exc:
            raise ConfigError(f"{where}.points: {exc}") from None
    parts = [replace(p, hint=h or p.hint) for p, h in zip(parts, spec.hints)] + parts[len(spec.hints):]
    parts = [replace(p, space=v) for p, v in zip(parts, spec.space)] + parts[len(spec.space):]
    return replace(problem, parts=tuple(parts), points=points, difficulty=spec.difficulty)


def assemble(definition: WorksheetDefinition, label: str, *, verify: bool = True) -> WorksheetVersion:
    """The problems of version *label*, each drawn from its own seeded RNG.

    A draw is thrown away when it repeats a problem of the sheet, or when it
    asks for a derivative another problem asks for ((4x − 2)² and
    (2 − 4x)² are one exercise; so are ∂L/∂W of two sigmoid neurons).  The
    kinds of problem (an outer function, a weight) are dealt so that a
    topic's problems on one sheet differ in kind while they can, the same
    in every version.
    """
    problems: list[Problem] = []
    seen: set[str] = set()
    asked: set = set()
    #: topic -> per call of NiceRandom.family, the kinds earlier problems of the topic were dealt
    taken: dict[str, list[list[str]]] = {}
    index = 0
    for spec_index, spec in enumerate(definition.problems):
        if spec.custom is not None:
            make, default_points, name = spec.custom.make, 0, "your problem"
        else:
            generator = GENERATORS[spec.topic]
            make, default_points, name = generator.make, generator.points, repr(spec.topic)
        structure = structure_seed(definition.id, definition.seed, spec_index)
        dealt = taken.setdefault(spec.topic, [])
        for slot in range(spec.count):
            problem = None
            for attempt in range(MAX_ATTEMPTS):
                seed = problem_seed(definition.id, definition.seed, label, index, attempt)
                try:
                    candidate = _draw(make, seed, spec.difficulty, verify=False, structure=structure, slot=slot,
                                      language=definition.words, points=default_points, taken=dealt)
                except Degenerate:
                    continue
                if candidate.signature in seen or (spec.custom is None and candidate.asked() & asked):
                    continue
                problem = candidate
                break
            if problem is None:
                raise ConfigError(
                    f"{definition.source}: problems[{spec_index}].count: cannot draw {spec.count} "
                    f"different {name} problems at difficulty {spec.difficulty!r}; ask for fewer"
                    if spec.custom is None else
                    f"{definition.source}: problems[{spec_index}].values: no draw of these values makes a "
                    "good problem (a zero answer, or a typical mistake giving the key's value); widen the ranges"
                )
            if verify:
                verify_problem(problem)
            seen.add(problem.signature)
            asked |= problem.asked()
            for call, kind in enumerate(problem.families):
                if call == len(dealt):
                    dealt.append([])
                dealt[call].append(kind)
            points = spec.points if isinstance(spec.points, (int, float)) else default_points
            if spec.custom is not None and not isinstance(spec.points, (int, float)) and not isinstance(
                    spec.points, tuple):
                points = len(problem.parts)  # a teacher's problem: one point a part unless told
            problems.append(_with_teacher_settings(problem, spec, points, definition.source, spec_index))
            index += 1
    return WorksheetVersion(definition, label, tuple(problems))
