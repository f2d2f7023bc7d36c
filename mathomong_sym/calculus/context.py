"""The state of one derivation while its rules run: names and lines so far.

Rules are pure objects; everything that belongs to *one* derivation (which
letters are taken, which lines have been written, which sub-derivatives are
already known) lives here, so that two derivations never share a letter
table and a rule never keeps hidden state.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping, Sequence

import sympy
from sympy import Symbol

from ..derivation import Step
from ..errors import IncompatibleError
from ..naming import sym
from ..parsing.values import as_expression

__all__ = ["DerivationContext", "LETTERS"]

#: letters for inner functions, in the order a textbook reaches for them
LETTERS = ("u", "v", "w", "p", "q", "r", "s", "t", "g", "h", "k", "m")


def _without_unit_factors(expr):
    """1·f is f: a factor 1 kept from how a fraction was typed (1/(1 + e^−x)) is not a product."""
    if expr.is_Mul and any(a == 1 for a in expr.args):
        rest = [a for a in expr.args if a != 1]
        if not rest:
            return sympy.S.One
        return rest[0] if len(rest) == 1 else sympy.Mul(*rest, evaluate=False)
    return expr


def _as_symbol(name) -> Symbol:
    if isinstance(name, Symbol):
        return name
    if isinstance(name, str) and name.strip():
        return sym(name.strip())
    raise IncompatibleError(f"a name for an inner function must be a Symbol or a non-empty string, not {name!r}")


@dataclass
class DerivationContext:
    """Letters, definitions and the lines written so far (innermost first)."""

    expression: sympy.Expr
    names: Mapping | Sequence | None = None
    lines: list[Step] = field(default_factory=list)
    definitions: dict = field(default_factory=dict)  # named inner function -> what it stands for
    automatic: set = field(default_factory=set)  # names this context invented (substituted back at the end)
    _named: dict = field(default_factory=dict)  # inner expression -> its name
    _derived: dict = field(default_factory=dict)  # (expression, variable) -> its line
    _taken: set = field(default_factory=set)  # names in use, as strings
    _queue: list = field(default_factory=list)  # names given as a sequence, not used yet
    _mapping: dict = field(default_factory=dict)  # names given for particular expressions
    _frames: list = field(default_factory=list)  # per rule being applied: the lines it has asked for

    def __post_init__(self):
        self._taken = {s.name for s in self.expression.free_symbols}
        if isinstance(self.names, Mapping):
            for inner, name in self.names.items():
                self._mapping[as_expression(inner)] = _as_symbol(name)
        elif self.names is not None:
            if isinstance(self.names, str):
                raise IncompatibleError("names must be a list of names or a mapping {inner expression: name}")
            self._queue = [_as_symbol(n) for n in self.names]
        given = list(self._mapping.values()) + self._queue
        clash = sorted({s.name for s in given} & self._taken)
        if clash:
            raise IncompatibleError(
                f"the name {clash[0]} is already a variable of the expression; choose another for the inner function")
        self._taken |= {s.name for s in given}

    # -- the lines -------------------------------------------------------------

    def derive(self, expr, variable) -> Step:
        """The line for d(expr)/d(variable), with the lines it is built from as its parts.

        Every line a rule asks for while it applies becomes one of its parts
        (a sub-step of kind "rule"), in the order asked, before the rule's
        own shape and algebra.  A derivative asked for a second time is the
        same line again: it is derived once.
        """
        from .rules import choose_rule

        expr = _without_unit_factors(expr)
        key = (expr, variable)
        if key in self._derived:
            line = self._derived[key]
        else:
            self._frames.append([])
            try:
                line = choose_rule(expr, variable).apply(expr, variable, self)
            finally:
                parts = self._frames.pop()
            if parts:
                line.substeps[:0] = parts
            self.lines.append(line)
            self._derived[key] = line
        if self._frames:
            self._frames[-1].append(line)
        return line

    def relabel(self, line: Step, lhs) -> Step:
        """Show *line* with another left side (du/dx rather than d(x²)/dx)."""
        relabelled = replace(line, lhs=lhs)
        for index in range(len(self.lines) - 1, -1, -1):
            if self.lines[index] is line:
                self.lines[index] = relabelled
                break
        for key, value in self._derived.items():
            if value is line:
                self._derived[key] = relabelled
        for frame in self._frames:
            frame[:] = [relabelled if item is line else item for item in frame]
        return relabelled

    # -- names -------------------------------------------------------------------

    def name_for(self, inner) -> Symbol:
        """The name of the inner function *inner*; each new inner function gets a new one."""
        if inner in self._named:
            return self._named[inner]
        if inner in self._mapping:
            name = self._mapping[inner]
        elif self._queue:
            name = self._queue.pop(0)
        else:
            name = self._fresh(inner)
            self.automatic.add(name)
        self._named[inner] = name
        self.definitions[name] = inner
        return name

    def _fresh(self, inner) -> Symbol:
        letter = next((c for c in LETTERS if c not in self._taken), None)
        if letter is None:
            index = 1
            while f"u_{index}" in self._taken:
                index += 1
            letter = f"u_{index}"
        self._taken.add(letter)
        # a Dummy: two derivations (two factors of one network) may both say
        # "u", and merged definition tables must not confuse them
        return sympy.Dummy(letter, real=True) if inner.is_extended_real else sympy.Dummy(letter)
