r"""The one reader for everything people type: answers, keys, definitions, commands.

    >>> parse_expression(r"2(\hat{y} - y)\sigma'(z) x")
    >>> parse_expression("2 (yhat - y) sigmoid(z) (1 - sigmoid(z)) x")
    >>> parse_expression("x*x", keep_form=True)      # the product x·x, as typed

Plain calculator syntax and LaTeX are two spellings of one grammar, read by
one tokenizer (:mod:`.tokens`) and one precedence-climbing parser
(:mod:`.grammar`) that builds sympy objects directly; the rules are written
down, with an example each, in ``docs/reading-answers.md``.  Nothing is ever
evaluated by Python and no text reaches sympy or latex2sympy2 as a string.

Every symbol produced is the project's symbol ``naming.sym(plain_name)``
(``\hat{y}_1`` → ``yhat_1``, ``w^{(2)}_{13}`` → ``w2_1_3``); every function is
the project's (σ is :class:`~mathomong_sym.activations.sigmoid`).  Bad input
raises :class:`~mathomong_sym.errors.ParseError` with the reason
(:class:`.NotAFormula` for words and non-answers).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TypeAlias, Union

import sympy

from ..errors import ParseError
from .conventions import Conventions, as_conventions
from .limits import MAX_LENGTH, check_text, check_tree
from .text import NotAFormula, is_non_answer, normalise, strip_surroundings

__all__ = ["parse_expression", "read", "read_uncached", "Reading", "Conventions", "as_conventions", "NotAFormula",
           "MAX_LENGTH"]

_SYNTAXES = ("auto", "latex", "plain")


#: the decimal places an answer was typed with: a count, None for an exact value, one entry per component of a list
Places: TypeAlias = Union[int, None, "tuple[Places, ...]"]


@dataclass(frozen=True)
class Reading:
    """What the reader made of a text.

    ``value`` is the canonical sympy expression (decimals exact, products
    multiplied out as sympy does); ``form`` is the same tree *as typed*
    (``x*x`` a product, ``2(ŷ − y)`` unexpanded, ``0.0157`` a decimal,
    ``σ′(z)`` a derivative written with a prime), for echoing; ``ignored`` says what was stripped from
    around the answer (``≈``, ``(4 d.p.)``, ``W ←``) and ``notes`` how
    ambiguous spellings were read (``0,5`` as 0.5, ``wxb`` as w·x·b).
    ``places`` is the number of decimal places of an answer typed as one
    decimal number (``0.0157`` has 4, ``2e-1`` 1, ``1.5e3`` −2), None for
    anything exact (an integer, a fraction, ``σ(7)``, ``0.5x``); for a
    list, one entry per component.  A rounded value is compared within what
    its places allow, an exact one exactly.
    """

    text: str
    value: sympy.Basic
    form: sympy.Basic
    ignored: tuple = ()
    notes: tuple = ()
    places: Places = None
    decimals: tuple = ()  # (decimal of the form, places typed): 1.000 is echoed as 1.000, not 1

    def written_places(self, number) -> int | None:
        """The places a decimal of :attr:`form` was typed with (also for its negation), else None."""
        for decimal, places in self.decimals:
            if number == decimal or number == -decimal:
                return places
        return None


def parse_expression(text, *, syntax: str = "auto", conventions=None, keep_form: bool = False):
    """Read *text* as a sympy expression (a ``Tuple`` for a list or vector).

    ``keep_form=True`` returns the tree as typed (``x*x`` stays x·x, ``x+x``
    a sum, decimals stay decimals) instead of the evaluated expression, for
    derivations: a derivative written with a prime is written out
    (``σ′(z)`` is σ(z)(1 − σ(z))), so every node is a function the
    derivation rules know.  :attr:`Reading.form` keeps the prime for echoing.
    ``conventions`` is a :class:`Conventions` or a mapping of its fields
    (``{"log_base": "10", "symbols": ["prediction"]}``).  ``syntax`` is
    accepted for compatibility (``"auto"``, ``"latex"``, ``"plain"``); plain
    and LaTeX are one grammar, so it does not change the reading.
    """
    if syntax not in _SYNTAXES:
        raise ParseError(f"syntax must be one of {', '.join(_SYNTAXES)}, not {syntax!r}")
    reading = read(text, conventions=conventions)
    return _primes_written_out(reading.form) if keep_form else reading.value


def _primes_written_out(form):
    from .functions import Primed

    if not isinstance(form, sympy.Basic) or not form.has(Primed):
        return form
    if isinstance(form, Primed):
        return form.func(_primes_written_out(form.args[0])).derivative()
    args = [_primes_written_out(arg) for arg in form.args]
    if isinstance(form, (sympy.Add, sympy.Mul, sympy.Pow)):
        return form.func(*args, evaluate=False)  # the rest stays as typed
    return form.func(*args)


def read(text, *, conventions=None) -> Reading:
    """The :class:`Reading` of *text* (cached: the same text and conventions are read once)."""
    if not isinstance(text, str):
        raise ParseError(f"an expression must be text, not {type(text).__name__}")
    return _read_cached(text, as_conventions(conventions))


def read_uncached(text: str, conventions=None) -> Reading:
    """:func:`read` without its cache (for benchmarks that must not reuse readings)."""
    # the grammar needs the activations, which read their own arguments through this package
    from .grammar import parse_tokens, typed_places
    from .tokens import tokenize
    from .words import resolve_words

    conventions = as_conventions(conventions)
    check_text(text)
    if is_non_answer(text):
        raise NotAFormula(f"'{text.strip()}' is not an answer", "none")
    body, ignored = strip_surroundings(normalise(text))
    if not body.strip():
        raise ParseError("the expression is empty")
    if is_non_answer(body):
        raise NotAFormula(f"'{body.strip()}' is not an answer", "none")
    try:
        tokens, splits = resolve_words(tokenize(body), conventions)
        form, decimals, notes, left = parse_tokens(tokens, conventions, body)
    except RecursionError:
        raise ParseError("the expression is nested too deeply") from None
    check_tree(form)
    value = _evaluated(form, decimals)
    return Reading(text, value, form, ignored + left, tuple(notes) + splits, typed_places(form, decimals),
                   tuple((decimal, places) for decimal, (_, places) in decimals.items()))


_read_cached = lru_cache(maxsize=4096)(read_uncached)


def _evaluated(form, decimals):
    from .grammar import evaluate

    try:
        value = evaluate(form, decimals)
    except RecursionError:
        raise ParseError("the expression is nested too deeply") from None
    except (ZeroDivisionError, OverflowError, MemoryError):
        raise ParseError("the expression cannot be evaluated (division by zero or overflow)") from None
    except (TypeError, ValueError, AttributeError, ArithmeticError, IndexError, KeyError) as exc:
        raise ParseError(f"cannot build the expression ({type(exc).__name__}: {str(exc)[:80]})") from None
    if isinstance(value, sympy.Basic) and value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ParseError("the expression divides by zero or is infinite")
    if not isinstance(value, (sympy.Expr, sympy.Tuple, sympy.MatrixBase, sympy.Piecewise)):
        raise ParseError("the answer is not an expression")
    return value
