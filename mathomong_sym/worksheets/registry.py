"""The generator registry: one problem generator per topic, with metadata."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

from ..errors import UnknownNameError

__all__ = ["Generator", "GENERATORS", "register_generator", "get_generator", "TAUGHT", "untaught_rules"]


@dataclass(frozen=True)
class Generator:
    """A topic's generator: ``make(rng, difficulty)`` returns a :class:`Problem`.

    ``part`` is the part of the guide it practises (2 = derivatives …),
    ``skills`` what a student must be able to do, ``points`` the default
    worth of one problem.
    """

    id: str
    title: str
    part: int
    skills: tuple[str, ...]
    difficulty: str
    points: int
    make: Callable = field(repr=False)
    #: what easy, medium and hard draw, in a teacher's words
    levels: dict = field(default_factory=dict)

    @property
    def topic(self) -> str:
        return GUIDE_PARTS.get(self.part, f"Part {self.part}")


GUIDE_PARTS = {
    1: "Part 1: Why calculus?",
    2: "Part 2: Derivatives",
    3: "Part 3: Loss functions",
    4: "Part 4: Gradient descent",
    5: "Part 5: Partial derivatives",
    6: "Part 6: The chain rule",
    7: "Part 7: Backpropagation",
    8: "Part 8: Activation functions",
    9: "Part 9: One neuron",
    10: "Part 10: The learning landscape",
}


#: the rules a key's steps name, with the part of the guide that teaches each and the rule it is a case
#: of; a problem whose key uses a rule of a later part states that rule (``Problem.given``, by that
#: name).  Part 0: no part teaches it (eˣ and ln), so a sheet that needs it always states it.
TAUGHT = {
    "arithmetic": (1, "arithmetic"),
    "substitute the numbers": (1, "arithmetic"),
    "substitute back": (1, "arithmetic"),
    "multiply the factors": (1, "arithmetic"),
    "power rule": (2, "power rule"),
    "sum rule": (2, "sum rule"),
    "constant multiple rule": (2, "constant multiple rule"),
    "identity rule": (2, "identity rule"),
    "derivative of the MSE loss": (3, "derivative of the MSE loss"),
    "chain rule": (6, "chain rule"),
    "chain rule through δ": (6, "chain rule"),
    "δ from the layer above": (7, "backpropagation"),
    "sigmoid rule": (8, "sigmoid rule"),
    "tanh rule": (8, "tanh rule"),
    "ReLU rule": (8, "ReLU rule"),
    "exponential rule": (0, "exponential rule"),
    "logarithm rule": (0, "logarithm rule"),
}


def untaught_rules(problem, part: int) -> set[str]:
    """The rules *problem*'s key uses that Part *part* of the guide and the parts before it do not teach,
    and that its statement does not give (as ``(rule, formula)`` in ``problem.given``).

    A rule the table does not know counts as untaught: a new rule must be placed in the guide first.
    """
    given = {rule for rule, _ in problem.given}
    missing = set()
    for answer in problem.parts:
        derivations = [answer.derivation, *getattr(answer.derivation, "cites", ())]
        for derivation in derivations:
            for step in derivation.walk():
                step = step[0] if isinstance(step, tuple) else step
                rule = getattr(step, "rule", None)
                if not rule:
                    continue
                taught, name = TAUGHT.get(rule, (None, rule))
                if (taught is None or taught == 0 or taught > part) and name not in given:
                    missing.add(rule)
    return missing


class _Registry(dict):
    """Loads the generator modules the first time it is read."""

    _loaded = False

    def _load(self):
        if not self._loaded:
            type(self)._loaded = True
            importlib.import_module(".generators", __package__)

    def __contains__(self, key):
        self._load()
        return super().__contains__(key)

    def __getitem__(self, key):
        self._load()
        return super().__getitem__(key)

    def __iter__(self):
        self._load()
        return super().__iter__()

    def __len__(self):
        self._load()
        return super().__len__()

    def keys(self):
        self._load()
        return super().keys()

    def values(self):
        self._load()
        return super().values()

    def items(self):
        self._load()
        return super().items()

    def get(self, key, default=None):
        self._load()
        return super().get(key, default)


#: generator id -> Generator, in the order of the guide
GENERATORS: dict[str, Generator] = _Registry()


def register_generator(id: str, *, title: str, part: int, skills, difficulty: str = "medium", points: int = 4,
                       levels: dict | None = None):
    """Decorator: register ``make(rng, difficulty) -> Problem`` under *id*.

    *levels* says what each difficulty draws (``mathomong worksheet --topics`` prints it).
    """

    def decorate(make):
        dict.__setitem__(GENERATORS, id, Generator(id, title, part, tuple(skills), difficulty, points, make,
                                                   dict(levels or {})))
        return make

    return decorate


def get_generator(id: str) -> Generator:
    if id not in GENERATORS:
        raise UnknownNameError("worksheet topic", id, GENERATORS)
    return GENERATORS[id]
