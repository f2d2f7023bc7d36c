r"""Loss functions, each defined once.

A loss is a sum over the outputs of a per-output *term* ℓ(ŷₖ, yₖ); its
derivative ∂ℓ/∂ŷ is kept in the form it is taught.  The two classic fused
pairs, sigmoid + binary cross-entropy and softmax + cross-entropy, have
δ = ∂L/∂z = ŷ − y, which stays finite for any z; ``fused_delta`` gives it
and ``from_logits`` gives the loss as a function of z that never overflows,
for the compiled numpy code.

Conventions
-----------
* mse is Σₖ(ŷₖ − yₖ)² per example, as the guide writes it (no ½).
* ``log`` is the natural logarithm.
* Softmax cross-entropy assumes each target vector is a probability
  distribution (Σₖ yₖ = 1, e.g. one-hot); δ = ŷ − y relies on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import sympy

from .activations import _default_names, _Differentiated, _sympy_of, logsumexp, softplus
from .display import Summarised, Summary
from .errors import IncompatibleError
from .registry import Registry
from .parsing.values import as_expression

__all__ = ["Loss", "LOSSES", "register_loss", "get_loss", "check_compatible"]


@dataclass(frozen=True, repr=False)
class Loss(Summarised):
    """One loss function and everything the package needs to know about it.

    ``term(ŷ, y)`` is the loss of one output, a sympy expression; the loss of
    an example is the sum over outputs.  ``derivative(ŷ, y)`` is ∂ℓ/∂ŷ in the
    form it is taught; when omitted it is ``sympy.diff`` of ``term``.
    ``latex``, ``text`` and the formulas default to the name and the term
    printed.  ``outputs`` names the output activations it may follow (None:
    any elementwise one); a fused pair gives ``fused_delta`` (δ = ∂L/∂z) and
    ``from_logits`` (the loss from the pre-activations, stable for any z).
    """

    name: str
    term: Callable  # (ŷ, y) -> ℓ
    derivative: Callable | None = None  # (ŷ, y) -> ∂ℓ/∂ŷ, teaching form
    latex: str = ""
    text: str = ""
    formula_text: str = ""
    formula_latex: str = ""
    #: output activations it may follow; None: any elementwise one
    outputs: tuple[str, ...] | None = None
    #: (ŷ, y) -> δ = ∂L/∂z for the fused output activation
    fused_delta: Callable | None = None
    #: (zs, ys) -> L from the pre-activations, stable for any z
    from_logits: Callable | None = None
    assumption: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        if not isinstance(self.name, str) or not self.name.strip():
            raise IncompatibleError(f"a loss needs a name, got {self.name!r}")
        if not callable(self.term):
            raise IncompatibleError(f"the term of loss {self.name!r} must be callable, got {self.term!r}")
        put("aliases", tuple(self.aliases))
        if self.outputs is not None:
            put("outputs", tuple(self.outputs))
        p, t = sympy.Symbol("yhat", real=True), sympy.Symbol("y", real=True)
        term = _sympy_of(self.term, f"the term of loss {self.name!r}", p, t)
        if self.derivative is None:
            put("derivative", _Differentiated(self.term))
        elif not callable(self.derivative):
            raise IncompatibleError(f"the derivative of loss {self.name!r} must be callable, got {self.derivative!r}")
        slope = _sympy_of(self.derivative, f"the derivative of loss {self.name!r}", p, t)
        if (self.fused_delta is None) != (self.from_logits is None) or (self.fused_delta and not self.outputs):
            raise IncompatibleError(
                f"loss {self.name!r}: a fused pair gives fused_delta and from_logits together, with the "
                "output activations they fuse with in outputs")
        _default_names(
            self, lambda show: f"ℓ(ŷ, y) = {show(term)},  ∂ℓ/∂ŷ = {show(slope)};  L = Σₖ ℓ(ŷₖ, yₖ)",
            lambda show: (rf"\ell(\hat{{y}}, y) = {show(term)},\quad "
                          rf"\frac{{\partial \ell}}{{\partial \hat{{y}}}} = {show(slope)},\quad "
                          r"L = \sum_k \ell(\hat{y}_k, y_k)"))

    def expression(self, predictions: Sequence, targets: Sequence) -> sympy.Expr:
        """L = Σₖ ℓ(ŷₖ, yₖ) for one example."""
        predictions, targets = as_expression(list(predictions)), as_expression(list(targets))
        return sympy.Add(*[self.term(p, t) for p, t in zip(predictions, targets)])

    def __call__(self, predictions, targets):
        return self.expression(predictions, targets)

    def _summary(self) -> Summary:
        facts = [("name", self.name), ("formula", self.formula_text),
                 ("after", ", ".join(self.outputs) if self.outputs else "any elementwise output activation")]
        if self.fused_delta is not None:
            facts.append(("fused", "δ = ∂L/∂z computed directly from the pre-activations"))
        if self.assumption:
            facts.append(("assumes", self.assumption))
        return Summary(f"{self.name}: {self.formula_text}", tuple(facts))

    def __reduce_ex__(self, protocol):
        # a registered loss pickles as its name (its functions are often lambdas)
        if LOSSES.get(self.name) is self:
            return get_loss, (self.name,)
        return super().__reduce_ex__(protocol)


def _teaching(*factors) -> sympy.Expr:
    """A product kept as written: sympy would turn 2(ŷ − y) into 2ŷ − 2y."""
    return sympy.Mul(*factors, evaluate=False)


LOSSES: Registry = Registry("loss")


def register_loss(loss: Loss, *, replace: bool = False) -> Loss:
    """Add a loss; networks pick it up by name.  A name already registered needs ``replace=True``."""
    if not isinstance(loss, Loss):
        raise IncompatibleError(f"register_loss takes a Loss, not {type(loss).__name__}")
    return LOSSES.add(loss, replace=replace)


def get_loss(name) -> Loss:
    """The loss called *name* (a ``Loss`` passes through)."""
    return name if isinstance(name, Loss) else LOSSES.lookup(name)


def check_compatible(loss: Loss, output_activation) -> None:
    """Raise ``IncompatibleError`` when *loss* cannot follow the output activation."""
    name = output_activation.name
    if loss.outputs is not None:
        if name not in loss.outputs:
            raise IncompatibleError(
                f"loss {loss.name!r} needs the output activation to be "
                f"{' or '.join(repr(o) for o in loss.outputs)}, not {name!r}"
            )
        return
    if not output_activation.elementwise:
        compatible = sorted(l.name for l in LOSSES.values() if l.outputs and name in l.outputs)
        raise IncompatibleError(
            f"output activation {name!r} goes only with the loss {' or '.join(map(repr, compatible))}, "
            f"not {loss.name!r}"
        )


register_loss(Loss(
    name="mse",
    term=lambda p, t: (p - t) ** 2,
    derivative=lambda p, t: _teaching(2, sympy.Add(p, -t, evaluate=False)),
    latex=r"\operatorname{MSE}",
    text="MSE",
    formula_text="L = Σₖ (ŷₖ − yₖ)²,  ∂L/∂ŷₖ = 2(ŷₖ − yₖ)",
    formula_latex=r"L = \sum_k (\hat{y}_k - y_k)^2,\quad \frac{\partial L}{\partial \hat{y}_k} = 2(\hat{y}_k - y_k)",
    aliases=("squared_error", "l2", "mean_squared_error"),
))
register_loss(Loss(
    name="bce",
    term=lambda p, t: -(t * sympy.log(p) + (1 - t) * sympy.log(1 - p)),
    derivative=lambda p, t: sympy.Add(-t / p, (1 - t) / (1 - p), evaluate=False),
    latex=r"\operatorname{BCE}",
    text="BCE",
    formula_text="L = −Σₖ [yₖ ln ŷₖ + (1 − yₖ) ln(1 − ŷₖ)],  with ŷ = σ(z): δ = ŷ − y",
    formula_latex=(r"L = -\sum_k \left[y_k \ln \hat{y}_k + (1 - y_k)\ln(1 - \hat{y}_k)\right],"
                   r"\quad \delta_k = \hat{y}_k - y_k"),
    outputs=("sigmoid",),
    fused_delta=lambda p, t: sympy.Add(p, -t, evaluate=False),
    # −y ln σ(z) − (1 − y) ln(1 − σ(z)) = y softplus(−z) + (1 − y) softplus(z)
    from_logits=lambda zs, ys: sympy.Add(*[t * softplus(-z) + (1 - t) * softplus(z) for z, t in zip(zs, ys)]),
    aliases=("binary_cross_entropy", "log_loss", "binary_crossentropy"),
))
register_loss(Loss(
    name="cross_entropy",
    term=lambda p, t: -t * sympy.log(p),
    derivative=lambda p, t: -t / p,
    latex=r"\operatorname{CE}",
    text="CE",
    formula_text="L = −Σₖ yₖ ln ŷₖ,  with ŷ = softmax(z) and Σₖ yₖ = 1: δ = ŷ − y",
    formula_latex=r"L = -\sum_k y_k \ln \hat{y}_k,\quad \delta_k = \hat{y}_k - y_k",
    outputs=("softmax",),
    fused_delta=lambda p, t: sympy.Add(p, -t, evaluate=False),
    # −Σ yₖ ln softmaxₖ(z) = Σ yₖ (logsumexp(z) − zₖ)
    from_logits=lambda zs, ys: sympy.Add(*[t * (logsumexp(*zs) - z) for z, t in zip(zs, ys)]),
    assumption="each target vector sums to 1 (one-hot or a probability distribution)",
    aliases=("ce", "softmax_cross_entropy", "categorical_cross_entropy", "crossentropy"),
))
