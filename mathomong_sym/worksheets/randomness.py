"""Per-problem random numbers that are reproducible and "nice".

Each problem draws from its own ``random.Random`` seeded with a SHA-256 of
(worksheet id, seed, version, problem index, attempt).  Python's ``hash()``
is salted per process (PYTHONHASHSEED), and the global RNG is shared with
whatever else runs, so neither may feed a worksheet: the same definition
must give the same sheet, byte for byte, on every machine and run.
"""

from __future__ import annotations

import hashlib
import random
from fractions import Fraction

import sympy

from ..parsing.values import as_expression

__all__ = ["problem_seed", "structure_seed", "NiceRandom", "Degenerate", "decimal_latex"]


class Degenerate(Exception):
    """The numbers drawn make a poor problem (zero gradient, a tie …): draw again."""


def problem_seed(worksheet_id: str, seed: int, version: str, index: int, attempt: int = 0) -> int:
    """A 64-bit seed from the problem's identity; stable across processes."""
    text = f"mathomong-worksheet\x1f{worksheet_id}\x1f{seed}\x1f{version}\x1f{index}\x1f{attempt}"
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def structure_seed(worksheet_id: str, seed: int, entry: int) -> str:
    """The seed of a ``[[problems]]`` entry's structural choices: the same in every version."""
    return f"mathomong-structure\x1f{worksheet_id}\x1f{seed}\x1f{entry}"


class NiceRandom:
    """Small integers and short decimals, as exact sympy Rationals.

    Exact numbers keep every key exact: 0.1 is 1/10, not 0.1000000000000000055.

    :meth:`family` makes a problem's structural choices (which outer
    function, which weight) from a second stream, seeded by the sheet and the
    entry but not the version or the attempt: versions A and B then ask the
    same kind of question in the same slot, with other numbers.  With
    *taken* (what earlier problems of the same topic on the sheet were dealt,
    per call) a deal gives a kind the sheet has not had yet while there is
    one; without it, the problems of one entry are dealt kinds in turn by
    *slot*.  Either way the deal depends on the definition only, never on
    the numbers drawn, so every version gets the same kinds.
    """

    def __init__(self, seed: int, *, structure: str | None = None, slot: int = 0, taken=None):
        self.seed = seed
        self._random = random.Random(seed)
        self._structure = structure if structure is not None else f"mathomong-structure\x1f{seed}"
        self._slot = slot
        self._taken = taken
        self._families = 0
        #: the key of every kind dealt, in the order of the calls
        self.dealt: list[str] = []

    def family(self, options, *, key=str, shuffle: bool = True):
        """One of *options* for this slot, the same in every version and attempt.

        *key* names an option (two options with one name are one kind);
        ``shuffle=False`` deals the options in the order given (the guide's
        own case first).
        """
        options = list(options)
        call = self._families
        self._families += 1
        if shuffle:
            # a str seed goes through SHA-512: the same in every process and hash seed
            deal = random.Random(f"{self._structure}\x1f{call}\x1f{len(options)}")
            options = [options[i] for i in deal.sample(range(len(options)), len(options))]
        if self._taken is None:
            chosen = options[self._slot % len(options)]
        else:
            before = list(self._taken[call]) if call < len(self._taken) else []
            fresh = [o for o in options if key(o) not in before]
            chosen = fresh[0] if fresh else options[len(before) % len(options)]
        self.dealt.append(str(key(chosen)))
        return chosen

    def integer(self, low: int, high: int, *, nonzero: bool = True, exclude=()) -> sympy.Integer:
        choices = [k for k in range(low, high + 1) if not (nonzero and k == 0) and k not in exclude]
        return sympy.Integer(self._random.choice(choices))

    def decimal(self, low, high, *, places: int = 1, nonzero: bool = True, exclude=()) -> sympy.Rational:
        """A number in [low, high] with at most *places* decimals."""
        scale = 10 ** places
        lo, hi = round(Fraction(str(low)) * scale), round(Fraction(str(high)) * scale)
        excluded = {sympy.Rational(e) for e in exclude}
        choices = [k for k in range(lo, hi + 1) if not (nonzero and k == 0)]
        choices = [k for k in choices if sympy.Rational(k, scale) not in excluded]
        return sympy.Rational(self._random.choice(choices), scale)

    def choice(self, options):
        options = list(options)
        return options[self._random.randrange(len(options))]

    def sample(self, options, k: int):
        return self._random.sample(list(options), k)

    def sign(self) -> int:
        return self._random.choice((-1, 1))


def decimal_latex(value) -> str:
    """A terminating Rational as a decimal (``-0.25``); otherwise a fraction."""
    value = sympy.Rational(as_expression(value))
    places = 0
    while (value * 10**places).q != 1:
        places += 1
        if places > 12:  # 1/3 and friends never terminate
            return sympy.latex(value)
    scaled = abs(int(value * 10**places))
    whole, frac = divmod(scaled, 10**places)
    text = f"{whole}.{frac:0{places}d}" if places else str(whole)
    return ("-" if value < 0 else "") + text
