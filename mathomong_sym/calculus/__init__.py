"""Elementary differentiation, step by step: every rule named, every step checkable.

``diff_steps(expr, var)`` returns a :class:`~mathomong_sym.derivation.Derivation`
whose lines say which rule gives them (constant, sum, power, product,
quotient, chain, exp, ln, trigonometric, hyperbolic, the activations …),
name each inner function once (u, v, w …, or the names you give), keep the
result in the form it is taught, and verify against ``sympy.diff``.
"""

from .rules import FALLBACK_FUNCTIONS, REGISTRY, FunctionRule, Rule, choose_rule, register, rule_names
from . import functions, neural  # noqa: F401  (their rules register themselves on import)
from .steps import detail_steps, diff_steps, uses_fallback

__all__ = [
    "diff_steps",
    "detail_steps",
    "uses_fallback",
    "Rule",
    "FunctionRule",
    "REGISTRY",
    "FALLBACK_FUNCTIONS",
    "choose_rule",
    "register",
    "rule_names",
]
