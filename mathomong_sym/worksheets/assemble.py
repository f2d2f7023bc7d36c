"""Assembly: a definition and a version label become a list of problems."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import ConfigError, VerificationError
from .definition import WorksheetDefinition
from .problem import Problem
from .randomness import Degenerate, NiceRandom, problem_seed
from .registry import GENERATORS

__all__ = ["WorksheetVersion", "assemble", "draw_problem", "MAX_ATTEMPTS"]

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
    def total_points(self) -> int:
        return sum(p.points for p in self.problems)


def draw_problem(generator_id: str, seed: int, difficulty: str = "medium", *, verify: bool = True) -> Problem:
    """One problem from a generator and a seed (no retries), checked.

    Raises :class:`Degenerate` when the numbers drawn make a poor problem.
    """
    generator = GENERATORS[generator_id]
    problem = generator.make(NiceRandom(seed), difficulty)
    problem.check_degenerate()
    if verify:
        verify_problem(problem)
    return replace(problem, seed=seed, points=generator.points)


def verify_problem(problem: Problem) -> None:
    """Every solution step must hold before a key is printed."""
    for part in problem.parts:
        report = part.derivation.verify()
        if not report.ok:
            first = report.failures[0]
            raise VerificationError(
                f"{problem.generator}: part {part.label}: a solution step does not hold "
                f"({first.step.rule}): {first.detail}"
            )


def assemble(definition: WorksheetDefinition, label: str, *, verify: bool = True) -> WorksheetVersion:
    """The problems of version *label*, each drawn from its own seeded RNG."""
    problems: list[Problem] = []
    seen: set[str] = set()
    index = 0
    for spec_index, spec in enumerate(definition.problems):
        generator = GENERATORS[spec.topic]
        for _ in range(spec.count):
            problem = None
            for attempt in range(MAX_ATTEMPTS):
                seed = problem_seed(definition.id, definition.seed, label, index, attempt)
                try:
                    candidate = draw_problem(spec.topic, seed, spec.difficulty, verify=False)
                except Degenerate:
                    continue
                if candidate.signature in seen:
                    continue
                problem = candidate
                break
            if problem is None:
                raise ConfigError(
                    f"{definition.source}: problems[{spec_index}].count: cannot draw {spec.count} "
                    f"different {spec.topic!r} problems at difficulty {spec.difficulty!r}; ask for fewer"
                )
            if verify:
                verify_problem(problem)
            seen.add(problem.signature)
            problems.append(replace(problem, points=spec.points or generator.points, difficulty=spec.difficulty))
            index += 1
    return WorksheetVersion(definition, label, tuple(problems))
