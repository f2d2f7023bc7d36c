"""The answer key of a worksheet version: its worked solutions, and its JSON in the checker's format.

The worked solutions come from one :class:`~mathomong_sym.render.document.Explainer`
per key, so a quantity is derived once across all the parts of the key: a
later part cites it (with its value at that part's numbers) instead of
deriving it again.

The JSON key is built with :mod:`mathomong_sym.check.key`
(``AnswerKey``/``AnswerEntry``), so ``mathomong check`` and ``mathomong
grade`` read it as they read any key.  One entry per part: its id is the
question number and the part's letter (``"3b"``), as printed on the sheet.
"""

from __future__ import annotations

import sympy

from ..check.key import AnswerEntry, AnswerKey, Mistake as KeyMistake
from ..parsing import Conventions
from ..derivation import expand_definitions
from ..errors import VerificationError
from ..parsing.second_reading import read_back
from ..printing import to_latex
from .assemble import WorksheetVersion
from .generators.common import at_point, ordered_definitions
from .problem import Part

__all__ = ["answer_key", "entry_id", "FACTOR_SHARE", "KeySolutions", "LEVEL"]

#: level of detail of printed solutions: each factor by its rule
LEVEL = 1

#: all of a chain's factors together are worth this share of the part's points
FACTOR_SHARE = 0.5


class KeySolutions:
    """The worked solution of each part of one key, every quantity derived once across the parts.

    A value worked out in one part (∂f/∂x at the start) is cited, with its
    number, by a later part that steps with it (x_new = x − η ∂f/∂x).
    """

    def __init__(self, level: int = LEVEL, words=None):
        from ..render.document import Explainer

        self.level = level
        self.explainer = Explainer(level)
        self.words = words
        #: (derivation, numbers) -> (the part that found its value, the value as printed)
        self.found: dict = {}

    def blocks(self, part: Part, place: str = "") -> list[str]:
        """The LaTeX the key prints for *part*: the engine's derivation (at the part's numbers), then its extras.

        *place* names the part ("1(a)") for the citations of later parts.
        """
        from ..render.document import build_document
        from ..render.latex import document_latex

        self.explainer.place = place
        derivation = part.derivation
        if part.numeric and part.point:
            derivation = derivation.at(numbers_used(part))
        document = build_document(derivation, self.level, explainer=self.explainer)
        return [document_latex(document), *part.extra]

    def cited(self, part: Part) -> str | None:
        """A line citing the part that already found the value *part* steps with, or None."""
        if not part.numeric or part.update is None:
            return None
        found = self.found.get(_value_key(part))
        if found is None:
            return None
        label, value = found
        from .problem import teacher_text
        from .words import language

        words = self.words if self.words is not None else language()
        note = teacher_text(words.word("worked_in", label=label))
        return rf"\[{to_latex(part.derivation.lhs)} = {value} \qquad \text{{{note}}}\]"

    def remember(self, part: Part) -> None:
        """*part* found a value (at its numbers) that later parts may cite."""
        if part.numeric and part.update is None:
            self.found.setdefault(_value_key(part), (part.label, part.answer_latex()))


def numbers_used(part: Part) -> dict:
    """The part's numbers its derivation uses (a step's η is the step's, not the derivative's)."""
    derivation = part.derivation
    used = expand_definitions(derivation.result, derivation.all_definitions()).free_symbols
    return {s: v for s, v in part.point.items() if s in used}


def _value_key(part: Part):
    numbers = tuple(sorted(((s.name, str(v)) for s, v in numbers_used(part).items())))
    return sympy.srepr(part.derivation.lhs), numbers


def entry_id(number: int, label: str) -> str:
    return f"{number}{label}"


def _tolerance(part: Part):
    if not part.numeric:
        return None
    if part.exact_decimals:
        return {"absolute": 1e-9, "relative": 1e-9}
    return {"absolute": part.tolerance}


def _conventions(part: Part) -> dict:
    # σ is the logistic sigmoid and log is ln, as the sheet's instructions say;
    # the part's own symbols are declared so that e, H or sigma stay plain names
    names = [v.name if isinstance(v, sympy.Symbol) else str(v) for v in part.variables]
    return Conventions(log_base="e", symbols=frozenset(names)).to_dict()


def _factors(part: Part, eid: str, points: float) -> list[AnswerEntry]:
    factors = [f for f in getattr(part.derivation, "factors", ()) if f.value != 1]
    if len(factors) < 2:
        return []
    share = round(points * FACTOR_SHARE / len(factors), 4)
    definitions = part.derivation.all_definitions()
    entries = []
    for k, factor in enumerate(factors, start=1):
        if part.numeric:
            value = at_point(factor.value, definitions, part.point)
            entries.append(AnswerEntry.from_expr(
                f"{eid}.{k}", value, points=share, label=factor.lhs, variables=[],
                tolerance=_tolerance(part) or None,
            ))
        else:
            used = {s: definitions[s] for s in factor.value.free_symbols if s in definitions}
            entries.append(AnswerEntry.from_expr(
                f"{eid}.{k}", factor.value, points=share, label=factor.lhs,
                variables=sorted({s.name for s in factor.value.free_symbols} | {s.name for s in part.variables}),
                definitions=ordered_definitions(part.definitions | used),
            ))
    return entries


def part_entry(part: Part, eid: str, points: float) -> AnswerEntry:
    """The key entry of one part: answer, definitions, factors and mistakes.

    A formula's LaTeX, as the key prints it, is first read back by
    latex2sympy2 (:mod:`mathomong_sym.parsing.second_reading`): a key whose
    printed answer means something else to another reader is not written.
    (A numeric part's answer is a number, to the places the sheet asks.)
    """
    second = None if part.numeric else read_back(part.answer)
    if second is not None and second.agrees is False:
        raise VerificationError(f"the answer to {eid} prints as LaTeX that reads differently elsewhere: "
                                f"{second.latex} (latex2sympy2 reads {second.theirs})")
    # the checker writes "Not quite: <message>." itself
    mistakes = [KeyMistake.from_expr(m.answer, m.message.rstrip("."), name=f"{eid}-mistake-{i}")
                for i, m in enumerate(part.mistakes, start=1)]
    return AnswerEntry.from_expr(
        eid, part.answer, points=points, label=_label(part),
        variables=[] if part.numeric else [v.name for v in part.variables],
        definitions=None if part.numeric else part.definitions,
        conventions=_conventions(part),
        tolerance=_tolerance(part),
        factors=_factors(part, eid, points),
        mistakes=mistakes,
    )


def _label(part: Part) -> str:
    if part.quantity:
        return part.quantity
    lhs = getattr(part.derivation, "lhs", None)
    return to_latex(lhs) if lhs is not None else ""


def answer_key(version: WorksheetVersion) -> AnswerKey:
    """The checker's key for *version*: every part of every question."""
    entries = []
    for number, problem in enumerate(version.problems, start=1):
        for part, points in zip(problem.parts, problem.part_points()):
            entries.append(part_entry(part, entry_id(number, part.label), points))
    return AnswerKey(
        worksheet=version.definition.id,
        version=version.label,
        seed=version.definition.seed,
        entries=entries,
        title=version.definition.title,
        conventions=Conventions().to_dict(),
    )
