r"""Backpropagation, derived: ∂L/∂θ for every parameter, over named intermediates.

The derivation never differentiates the expanded loss.  It walks the named
form backwards: each δ^{(l)}_i = ∂L/∂z^{(l)}_i is derived once from the δ's
of the layer above (summing over every unit z^{(l)}_i feeds) and cited by
every parameter that needs it, so the work grows linearly with the network.

Each local factor (∂L/∂ŷ, ∂a/∂z, ∂z/∂a, ∂z/∂w) is a step of its own, in the
form it is taught (2(ŷ − y), σ(z)(1 − σ(z)), w, x); its elementary-rule
detail comes from :func:`mathomong_sym.calculus.diff_steps`, computed only
when a renderer asks for it.  Derivations are built lazily, on request.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from functools import lru_cache

import sympy
from sympy import Derivative

from . import naming
from .derivation import Derivation, Factor, Step, Words, expand_definitions
from .display import Summarised, Summary
from .printing import to_text
from .parsing.values import as_expression

__all__ = ["Backprop", "NetworkDerivation", "LazyStep", "LayerEquations", "local_steps", "example_values"]


def _t(expr) -> str:
    """Unicode for a reason string; symbols skip the printer (it is slow in bulk)."""
    if isinstance(expr, sympy.Symbol):
        return naming.unicode_name(expr.name)
    if isinstance(expr, sympy.Mul) and all(isinstance(f, sympy.Symbol) for f in expr.args):
        return "·".join(naming.unicode_name(f.name) for f in expr.args)
    return to_text(expr)


@lru_cache(maxsize=None)
def _d(expr, variable) -> Derivative:
    # the same local derivatives recur in every parameter's chain
    return Derivative(expr, variable)


def _product(*factors) -> sympy.Expr:
    kept = [f for f in factors if f != 1] or [sympy.S.One]
    return kept[0] if len(kept) == 1 else sympy.Mul(*kept, evaluate=False)


#: the guide's chain rule (Part 6), the formula every chain below applies
CHAIN_FORMULA_TEXT = "dC/dA = dC/dB · dB/dA"
CHAIN_FORMULA_LATEX = r"\frac{dC}{dA} = \frac{dC}{dB} \cdot \frac{dB}{dA}"

#: what a local factor means, in plain words, where the guide or 3Blue1Brown says it
_LOSS_NOTES = {
    "mse": "large when the prediction is far from the target",
}
_ACTIVATION_NOTES = {
    "relu": "1 where the unit is on ({z} > 0), 0 where it is off",
    "leaky_relu": "1 where the unit is on ({z} > 0), 0.01 where it is off",
}


def _note(template: str | None, **values) -> Words:
    return Words.of(template, **values) if template else Words()


def _chain_step(lhs, rhs, reason) -> Step:
    return Step(lhs, rhs, "chain rule", reason, kind="chain", formula=CHAIN_FORMULA_LATEX,
                formula_text=CHAIN_FORMULA_TEXT)


def local_steps(expression, variable) -> list[Step]:
    """The elementary-rule steps of d(expression)/d(variable)."""
    from .calculus import diff_steps

    return diff_steps(as_expression(expression), as_expression(variable)).steps


class LazyStep(Step):
    """A step whose sub-steps are derived the first time they are read."""

    def __init__(self, *args, detail=None, **kwargs):
        self._detail = detail
        self._substeps = None
        super().__init__(*args, **kwargs)

    @property
    def substeps(self):
        if self._substeps is None:
            self._substeps = list(self._detail()) if self._detail else []
        return self._substeps

    @substeps.setter
    def substeps(self, value):
        if value:
            self._substeps = list(value)

    def __getstate__(self):
        # pickled with its detail worked out: the recipe for it is a closure
        self._substeps, self._detail = self.substeps, None
        return super().__getstate__()


class NetworkDerivation(Derivation):
    """A derivation whose result (the expanded ∂L/∂θ) is built when first read."""

    def __init__(self, *args, result_factory=None, **kwargs):
        self._result = None
        self._result_factory = result_factory
        super().__init__(*args, **kwargs)
        # the factory substitutes the definitions into the last line, nothing else
        self.result_is_last_line = result_factory is not None

    @property
    def result(self):
        if self._result is None and self._result_factory is not None:
            self._result = self._result_factory()
        return self._result

    @result.setter
    def result(self, value):
        if value is not None:
            self._result = value

    def __getstate__(self):
        # pickled with its result worked out (when it may be): the recipe for it is a closure
        from .layerwise import SizeLimitError

        try:
            self._result = self.result
        except SizeLimitError:
            self._result = None
        self._result_factory = None
        return super().__getstate__()


@dataclass(frozen=True, repr=False)
class LayerEquations(Summarised):
    r"""Backpropagation in layer (matrix) form, per example.

    ``output_delta`` is δ^{(L)} as an elementwise expression of the symbols
    ``z``, ``a`` (ŷ) and ``y`` (or, for a fused pair, ŷ − y);
    ``hidden_derivatives[l]`` is f′ of layer l in ``z`` and ``a``.
    """

    z: sympy.Symbol
    a: sympy.Symbol
    y: sympy.Symbol
    output_delta: sympy.Expr
    fused: bool
    hidden_derivatives: tuple  # per hidden layer, f'(z) in z and a
    lines_latex: tuple[str, ...]
    lines_text: tuple[str, ...]

    def _summary(self) -> Summary:
        return Summary("; ".join(self.lines_text[:2]) + f" … ({len(self.lines_text)} equations)",
                       tuple((f"({number})", line) for number, line in enumerate(self.lines_text, 1)))


class DefinitionTable(MutableMapping):
    """Named quantity → definition: the network's own (read through, built when first asked) and the δ's.

    Iterates like the one dict it replaces (the network's equations in
    order, then what was added), but never builds a definition nobody asked
    for, so a derivation of one weight of a wide network stays small.
    """

    def __init__(self, base):
        self._base = base
        self._own: dict = {}

    def __getitem__(self, symbol):
        try:
            return self._own[symbol]
        except KeyError:
            return self._base[symbol]

    def __setitem__(self, symbol, value):
        self._own[symbol] = value

    def __delitem__(self, symbol):
        del self._own[symbol]

    def __contains__(self, symbol) -> bool:
        return symbol in self._own or symbol in self._base

    def __iter__(self):
        own = self._own
        for symbol in self._base:
            if symbol not in own:
                yield symbol
        yield from own

    def __len__(self) -> int:
        return len(self._base) + sum(1 for symbol in self._own if symbol not in self._base)

    def __repr__(self) -> str:
        return f"<definitions: {len(self)} named quantities>"


class Backprop:
    """All derivations of one network, each built once and cached."""

    def __init__(self, network):
        self.net = network
        self._deltas: dict = {}
        self._parameters: dict = {}
        # the network's named form (built per unit when first read), with the δ's on top
        self.definitions = DefinitionTable(network.definitions)
        self.definitions.update(network.constraints)
        self.large = network.is_large
        if self.large:
            # a large network cites whole layers as vectors and checks its steps layer by layer
            from .layerwise import LayerDefinitions

            self.definitions = LayerDefinitions(self.definitions, network)
            self.vectors = self.definitions.vectors
        self._vector_deltas: dict = {}
        loss = network.loss_function
        act = network.output_activation
        self.fused = loss.fused_delta is not None and act.name in (loss.outputs or ())
        conventions = []
        for activation in {layer.activation.name: layer.activation for layer in network.layers}.values():
            if activation.convention:
                conventions.append(activation.convention)
        if loss.assumption:
            conventions.append(f"{loss.name}: {loss.assumption}")
        self.conventions = conventions

    # -- δ ---------------------------------------------------------------------------------

    def delta_symbol(self, layer: int, unit: int) -> sympy.Symbol:
        if len(self.net.layers) == 1 and self.net.layers[0].pre_activations[0].name == "z":
            return naming.sym("delta")
        return naming.delta(layer, unit + 1)

    def delta(self, layer_index: int, unit: int) -> NetworkDerivation:
        """δ^{(l)}_i (layer 1-based, unit 0-based), derived once."""
        key = (layer_index, unit)
        if key not in self._deltas:
            if layer_index == len(self.net.layers):
                self._deltas[key] = self._output_delta(unit)
            elif self.large:
                self._deltas[key] = self._hidden_delta_from_vector(layer_index, unit)
            else:
                self._deltas[key] = self._hidden_delta(layer_index, unit)
        return self._deltas[key]

    # -- δ of a whole layer (large networks) ------------------------------------------------

    def vector_delta(self, layer_index: int) -> NetworkDerivation:
        """δ⁽ˡ⁾ = ∂L/∂z⁽ˡ⁾ as one vector (BP1 for the output layer, BP2 below it), derived once."""
        # from the output layer down, each built on the one above (a loop, however deep the network)
        for index in range(len(self.net.layers), layer_index - 1, -1):
            if index not in self._vector_deltas:
                if index == len(self.net.layers):
                    self._vector_deltas[index] = self._output_vector_delta()
                else:
                    self._vector_deltas[index] = self._hidden_vector_delta(index)
        return self._vector_deltas[layer_index]

    def _output_vector_delta(self) -> NetworkDerivation:
        net = self.net
        depth = len(net.layers)
        vectors = self.vectors
        L = net.loss_symbol
        z, yhat, y, delta = vectors[depth]["z"], vectors[depth]["a"], vectors["y"], vectors[depth]["delta"]
        loss, act = net.loss_function, net.output_layer.activation
        steps: list[Step] = []
        if self.fused:
            value = loss.fused_delta(yhat, y)
            steps.append(Step(
                _d(L, z), value, f"{act.text} with the {loss.text} loss",
                Words.of("the factors cancel, leaving {v} for every output unit", v=value)
                + (Words(f" ({loss.assumption})") if loss.assumption else Words()),
                kind="fused", formula=loss.formula_latex, formula_text=loss.formula_text,
                note=Words("the prediction minus the target"),
            ))
            factors = [Factor(_d(L, z), value, "delta")]
        else:
            from .layerwise import Hadamard

            dl, da = loss.derivative(yhat, y), act.derivative(z)
            steps.append(_chain_step(_d(L, z), Hadamard(_d(L, yhat), _d(yhat, z)),
                                     Words.of("each {z}ₖ reaches {L} only through {yhat}ₖ, unit by unit (⊙)",
                                              z=z, L=L, yhat=yhat)))
            steps.append(Step(_d(L, yhat), dl, f"derivative of the {loss.text} loss", kind="factor:loss",
                              formula=loss.formula_latex, formula_text=loss.formula_text))
            steps.append(Step(_d(yhat, z), da, "derivative of the activation, unit by unit", kind="factor:activation",
                              formula=act.formula_latex, formula_text=act.formula_text))
            value = Hadamard(dl, da)
            steps.append(Step(_d(L, z), value, "multiply the factors (BP1)", kind="product"))
            factors = [Factor(_d(L, yhat), dl, "loss"), Factor(_d(yhat, z), da, "activation")]
        return self._vector_derivation(delta, z, steps, value, factors, [])

    def _hidden_vector_delta(self, layer_index: int) -> NetworkDerivation:
        from .layerwise import Hadamard, TransposeTimes, WeightMatrix

        net = self.net
        vectors = self.vectors
        L = net.loss_symbol
        layer = net.layers[layer_index - 1]
        z, a, delta = vectors[layer_index]["z"], vectors[layer_index]["a"], vectors[layer_index]["delta"]
        z_above = vectors[layer_index + 1]["z"]
        W = WeightMatrix(layer_index + 1)
        cited = self.vector_delta(layer_index + 1)
        da = layer.activation.derivative(z)
        steps = [
            _chain_step(_d(L, z), Hadamard(TransposeTimes(W, _d(L, z_above)), _d(a, z)),
                        Words.of("{z} reaches {L} only through {a}, which feeds every unit of layer "
                                 f"{layer_index + 1} through the weights {{W}}", z=z, L=L, a=a, W=W)),
            Step(_d(a, z), da, "derivative of the activation, unit by unit", kind="factor:activation",
                 formula=layer.activation.formula_latex, formula_text=layer.activation.formula_text),
            Step(_d(L, z_above), cited.lhs, "δ from the layer above", Words(f"found once, for layer {layer_index + 1}"),
                 kind="cite"),
        ]
        value = Hadamard(TransposeTimes(W, cited.lhs), da)
        steps.append(Step(_d(L, z), value, "multiply the factors (BP2)", kind="product"))
        factors = [Factor(_d(L, z_above), cited.lhs, "delta"), Factor(_d(a, z), da, "activation")]
        return self._vector_derivation(delta, z, steps, value, factors, [cited])

    def _vector_derivation(self, delta, z, steps, value, factors, cites) -> NetworkDerivation:
        self.definitions[delta] = value
        derivation = NetworkDerivation(
            lhs=delta, steps=steps, result=None, result_factory=self._refuse_expansion(delta),
            variable=z, definitions=self.definitions, factors=factors,
            title=f"{_t(delta)} = ∂L/∂{_t(z)}, for every unit of layer {_t(z)[1:]}",
            conventions=list(self.conventions), network=self.net,
        )
        derivation.cites = cites
        return derivation

    def _hidden_delta_from_vector(self, layer_index: int, unit: int) -> NetworkDerivation:
        """δ⁽ˡ⁾ᵢ of one unit, from the vector δ⁽ˡ⁺¹⁾ of the layer above (BP2 at entry i)."""
        from .layerwise import Entry, TransposeTimes, WeightMatrix

        net = self.net
        layer = net.layers[layer_index - 1]
        L = net.loss_symbol
        z, a = layer.pre_activations[unit], layer.outputs[unit]
        delta = self.delta_symbol(layer_index, unit)
        z_above = self.vectors[layer_index + 1]["z"]
        W = WeightMatrix(layer_index + 1)
        cited = self.vector_delta(layer_index + 1)
        da = layer.activation.derivative(z)
        size = net.layers[layer_index].size
        column = Entry(TransposeTimes(W, _d(L, z_above)), unit + 1)
        steps = [
            _chain_step(_d(L, z), _product(column, _d(a, z)),
                        Words.of("{z} reaches {L} only through {a}, which feeds all " + f"{size} units of layer "
                                 f"{layer_index + 1}: the sum over those paths is entry {unit + 1} of {{v}}",
                                 z=z, L=L, a=a, v=TransposeTimes(W, _d(L, z_above)))),
            self._factor_step(a, z, da, "activation"),
            Step(_d(L, z_above), cited.lhs, "δ from the layer above", Words(f"found once, for layer {layer_index + 1}"),
                 kind="cite"),
        ]
        value = _product(Entry(TransposeTimes(W, cited.lhs), unit + 1), da)
        steps.append(Step(_d(L, z), value, "multiply the factors (BP2)", kind="product"))
        factors = [Factor(_d(L, z_above), cited.lhs, "delta"), Factor(_d(a, z), da, "activation")]
        self.definitions[delta] = value
        derivation = NetworkDerivation(
            lhs=delta, steps=steps, result=None, result_factory=self._refuse_expansion(delta),
            variable=z, definitions=self.definitions, factors=factors,
            title=f"{_t(delta)} = ∂L/∂{_t(z)}", conventions=list(self.conventions), network=net,
        )
        derivation.cites = [cited]
        return derivation

    def _refuse_expansion(self, what):
        """A result factory for a large network: writing ∂L/∂θ out in every parameter is refused."""
        net = self.net

        def refuse():
            from .layerwise import EXPAND_LIMIT, SizeLimitError

            raise SizeLimitError(
                f"{_t(what)} written out in the inputs and parameters of {net.description} would use its "
                f"{net.n_parameters:,} parameters (the limit is {EXPAND_LIMIT:,}); read it in named form "
                "(the steps, or .named_result), evaluate it with .at(...) on a smaller network, or compile the "
                "network for numbers")

        return refuse

    def _output_delta(self, unit: int) -> NetworkDerivation:
        net = self.net
        layer = net.output_layer
        L = net.loss_symbol
        z = layer.pre_activations[unit]
        yhat = layer.outputs[unit]
        y = net.targets[unit]
        loss = net.loss_function
        act = layer.activation
        delta = self.delta_symbol(layer.index, unit)
        steps: list[Step] = []
        factors: list[Factor]
        if self.fused:
            value = loss.fused_delta(yhat, y)
            if act.elementwise:
                dl = loss.derivative(yhat, y)
                steps.append(_chain_step(_d(L, z), _product(_d(L, yhat), _d(yhat, z)),
                                         Words.of("{L} depends on {z} only through {yhat}", L=L, z=z, yhat=yhat)))
                steps.append(self._factor_step(L, yhat, dl, "loss"))
                steps.append(self._factor_step(yhat, z, act.derivative(z), "activation"))
            else:
                # softmax: z_k moves every output, so the chain rule sums over them
                outputs = layer.outputs
                steps.append(_chain_step(_d(L, z), sympy.Add(*[_product(_d(L, o), _d(o, z)) for o in outputs]),
                                         Words.of("{z} reaches {L} through every output of " + act.text, z=z, L=L)))
                for j, o in enumerate(outputs):
                    steps.append(self._factor_step(L, o, loss.derivative(o, net.targets[j]), "loss"))
                for j, o in enumerate(outputs):
                    local = o * (1 - o) if j == unit else -o * yhat
                    steps.append(Step(_d(o, z), local, f"{act.text} rule", kind="factor:activation",
                                      formula=act.formula_latex, formula_text=act.formula_text))
            steps.append(Step(
                _d(L, z), value, f"{act.text} with the {loss.text} loss",
                Words.of("the factors cancel, leaving {v}, finite for any z", v=value)
                + (Words(f" ({loss.assumption})") if loss.assumption else Words()),
                kind="fused", formula=loss.formula_latex, formula_text=loss.formula_text,
                note=Words("the prediction minus the target"),
            ))
            factors = [Factor(_d(L, z), value, "delta")]
        else:
            dl = loss.derivative(yhat, y)
            da = act.derivative(z)
            steps.append(_chain_step(_d(L, z), _product(_d(L, yhat), _d(yhat, z)),
                                     Words.of("{L} depends on {z} only through {yhat}", L=L, z=z, yhat=yhat)))
            steps.append(self._factor_step(L, yhat, dl, "loss"))
            steps.append(self._factor_step(yhat, z, da, "activation"))
            value = _product(dl, da)
            steps.append(Step(_d(L, z), value, "multiply the factors", kind="product"))
            factors = [Factor(_d(L, yhat), dl, "loss"), Factor(_d(yhat, z), da, "activation")]
        return self._delta_derivation(delta, z, steps, value, factors)

    def _hidden_delta(self, layer_index: int, unit: int) -> NetworkDerivation:
        net = self.net
        layer = net.layers[layer_index - 1]
        above = net.layers[layer_index]
        L = net.loss_symbol
        z = layer.pre_activations[unit]
        a = layer.outputs[unit]
        delta = self.delta_symbol(layer_index, unit)
        act = layer.activation
        da = act.derivative(z)
        cited = [self.delta(layer_index + 1, k) for k in range(above.size)]
        paths = sympy.Add(*[_product(_d(L, zk), _d(zk, a)) for zk in above.pre_activations]) \
            if above.size > 1 else _product(_d(L, above.pre_activations[0]), _d(above.pre_activations[0], a))
        n_paths = above.size
        reason = (Words.of("{z} reaches {L} only through {a}, which feeds " + (
            f"{n_paths} units of layer {above.index}: one product per path, added" if n_paths > 1 else "{next}"),
            z=z, L=L, a=a, next=above.pre_activations[0]))
        steps = [_chain_step(_d(L, z), _product(paths, _d(a, z)), reason)]
        for k, zk in enumerate(above.pre_activations):
            steps.append(self._factor_step(zk, a, above.weights[k][unit], "linear"))
        steps.append(self._factor_step(a, z, da, "activation"))
        for k, zk in enumerate(above.pre_activations):
            steps.append(Step(_d(L, zk), cited[k].lhs, "δ from the layer above",
                              Words(f"found once, for layer {above.index}"), kind="cite"))
        weighted = sympy.Add(*[_product(cited[k].lhs, above.weights[k][unit]) for k in range(above.size)]) \
            if above.size > 1 else _product(cited[0].lhs, above.weights[0][unit])
        value = _product(weighted, da)
        steps.append(Step(_d(L, z), value, "multiply the factors", kind="product"))
        factors = [Factor(_d(L, zk), cited[k].lhs, "delta") for k, zk in enumerate(above.pre_activations)]
        factors += [Factor(_d(zk, a), above.weights[k][unit], "linear") for k, zk in enumerate(above.pre_activations)]
        factors.append(Factor(_d(a, z), da, "activation"))
        derivation = self._delta_derivation(delta, z, steps, value, factors)
        derivation.cites = cited
        return derivation

    def _delta_derivation(self, delta, z, steps, value, factors) -> NetworkDerivation:
        # one shared table: the network's equations and every δ derived so far
        self.definitions[delta] = value
        definitions = self.definitions
        return NetworkDerivation(
            lhs=delta,
            steps=steps,
            result=None,
            result_factory=self._result_factory(delta, value),
            variable=z,
            definitions=definitions,
            factors=factors,
            title=f"{_t(delta)} = ∂L/∂{_t(z)}",
            conventions=list(self.conventions),
            network=self.net,
        )

    def _result_factory(self, what, named):
        """Substitutes the definitions into the last line when asked; refused beyond the size limit."""
        from .layerwise import EXPAND_LIMIT

        if self.net.n_parameters > EXPAND_LIMIT:
            return self._refuse_expansion(what)
        return lambda: expand_definitions(named, self.definitions)

    def _factor_step(self, of, wrt, value, kind) -> Step:
        """∂of/∂wrt = value, a local factor: named by its rule, said in plain words, detailed on demand."""
        if self.large and kind == "linear":
            # of a sum of hundreds of terms, only the one with the variable matters: its detail is that term's
            expression = wrt * value
        else:
            expression = self.definitions.get(of, of)
        rule, formula_text, formula_latex, reason, note = self._factor_words(of, wrt, value, kind, expression)
        return LazyStep(
            _d(of, wrt), value, rule=rule, reason=reason, kind=f"factor:{kind}", formula=formula_latex,
            formula_text=formula_text, note=note, detail=lambda: local_steps(expression, wrt),
        )

    def _factor_words(self, of, wrt, value, kind, expression):
        net = self.net
        if kind == "loss":
            from .printing import to_latex

            loss = net.loss_function
            y = next((t for t, o in zip(net.targets, net.predictions) if o == wrt), None)
            # the loss as it reaches this prediction: L = (ŷ − y)², or its term of the sum
            term = loss.term(wrt, y) if y is not None else expression
            head = "L = " if len(net.predictions) == 1 else "the term "
            return (f"derivative of the {loss.text} loss", head + to_text(term),
                    (r"L = " if len(net.predictions) == 1 else r"\text{the term } ") + to_latex(term), "",
                    _note(_LOSS_NOTES.get(loss.name), yhat=wrt, y=y))
        if kind == "activation":
            layer = next(layer for layer in net.layers if of in layer.outputs)
            act = layer.activation
            from .calculus import choose_rule

            rule = choose_rule(act.function(wrt), wrt).name if act.elementwise else f"{act.text} rule"
            return rule, act.formula_text, act.formula_latex, "", _note(_ACTIVATION_NOTES.get(act.name), z=wrt)
        from .calculus.rules import CONSTANT_MULTIPLE_LATEX, CONSTANT_MULTIPLE_TEXT, SUM_LATEX, SUM_TEXT

        if value == 1:
            return ("sum rule", SUM_TEXT, SUM_LATEX,
                    Words.of("{p} enters {z} on its own", p=wrt, z=of),
                    Words.of("the bias moves {z} one for one", z=of))
        term = wrt * value
        reason = Words.of("only the term {t} of {z} contains {p}", t=term, z=of, p=wrt)
        if wrt in net.parameters:
            note = Words.of("the weight matters more when its input {x} is large", x=value)
        else:
            note = Words.of("{a} reaches {z} scaled by the weight {w}", a=wrt, z=of, w=value)
        return "constant multiple rule", CONSTANT_MULTIPLE_TEXT, CONSTANT_MULTIPLE_LATEX, reason, note

    # -- parameters ------------------------------------------------------------------------

    def parameter(self, p) -> NetworkDerivation:
        if p not in self._parameters:
            self._parameters[p] = self._parameter(p)
        return self._parameters[p]

    def _single_path(self, layer_index: int) -> bool:
        return all(layer.size == 1 for layer in self.net.layers[layer_index:])

    def _parameter(self, p) -> NetworkDerivation:
        net = self.net
        layer, unit, source = net.layer_of(p)
        L = net.loss_symbol
        z = layer.pre_activations[unit]
        delta = self.delta(layer.index, unit)
        local = layer.inputs[source] if source is not None else sympy.S.One
        dz = self._factor_step(z, p, local, "linear")
        chain = self._chain(layer.index, unit, p)
        steps: list[Step] = []
        through = Words.of("{d} = ∂L/∂{z} gathers every factor above {z}", d=delta.lhs, z=z)
        if chain is not None:
            factor_steps, factors = chain
            path = [f.lhs.variables[0] for f in reversed(factors[:-1])]
            steps.append(_chain_step(_d(L, p), _product(*[f.lhs for f in factors]),
                                     Words(L, " depends on ", p, " only through ", Words.join(path, ", then "))))
            steps.extend(factor_steps)
            steps.append(Step(_d(L, p), _product(delta.lhs, local), "chain rule through δ", through,
                              kind="delta"))
            named = _product(*[f.value for f in factors])
            steps.append(Step(_d(L, p), named, "multiply the factors", kind="product"))
        else:
            factors = [Factor(_d(L, z), delta.lhs, "delta"), Factor(_d(z, p), local, "linear")]
            steps.append(_chain_step(_d(L, p), _product(_d(L, z), _d(z, p)),
                                     Words.of("{L} depends on {p} only through {z}", L=L, p=p, z=z)))
            steps.append(Step(_d(L, z), delta.lhs, "δ, found once", Words("backpropagated from the layers above"),
                              kind="cite"))
            steps.append(dz)
            named = _product(delta.lhs, local)
            steps.append(Step(_d(L, p), named, "multiply the factors", kind="product"))
        return NetworkDerivation(
            lhs=_d(L, p),
            steps=steps,
            result=None,
            result_factory=self._result_factory(_d(L, p), named),
            variable=p,
            definitions=self.definitions,
            factors=factors,
            cites=[delta],
            title=f"∂L/∂{_t(p)}, for the {naming.describe(p.name)}",
            conventions=list(self.conventions),
            network=net,
        )

    def _chain(self, layer_index: int, unit: int, p):
        """For a parameter with one path to L: every factor of the chain, named."""
        # a large network goes through δ even on a single path: one δ per layer, however deep
        if not self._single_path(layer_index) or self.fused or self.large:
            return None
        net = self.net
        L = net.loss_symbol
        factors: list[Factor] = []
        factor_steps: list[Step] = []
        layers = net.layers
        depth = len(layers)
        # the unit on the path in each layer: the parameter's own, then unit 0
        units = {index: (unit if index == layer_index else 0) for index in range(layer_index, depth + 1)}
        output = layers[-1]
        yhat, y = output.outputs[units[depth]], net.targets[units[depth]]
        dl = net.loss_function.derivative(yhat, y)
        factors.append(Factor(_d(L, yhat), dl, "loss"))
        factor_steps.append(self._factor_step(L, yhat, dl, "loss"))
        for index in range(depth, layer_index - 1, -1):
            layer = layers[index - 1]
            z, a = layer.pre_activations[units[index]], layer.outputs[units[index]]
            da = layer.activation.derivative(z)
            factors.append(Factor(_d(a, z), da, "activation"))
            factor_steps.append(self._factor_step(a, z, da, "activation"))
            if index > layer_index:
                a_below = layers[index - 2].outputs[units[index - 1]]
                w = layer.weights[units[index]][units[index - 1]]
                factors.append(Factor(_d(z, a_below), w, "linear"))
                factor_steps.append(self._factor_step(z, a_below, w, "linear"))
        layer = layers[layer_index - 1]
        z = layer.pre_activations[unit]
        _, _, source = net.layer_of(p)
        local = layer.inputs[source] if source is not None else sympy.S.One
        factors.append(Factor(_d(z, p), local, "linear"))
        factor_steps.append(self._factor_step(z, p, local, "linear"))
        return factor_steps, factors

    # -- layer form ----------------------------------------------------------------------------

    def layer_equations(self) -> LayerEquations:
        net = self.net
        z, a, y = naming.sym("z"), naming.sym("a"), naming.sym("y")
        output = net.output_layer
        loss = net.loss_function
        if self.fused:
            output_delta = loss.fused_delta(a, y)
        else:
            output_delta = loss.derivative(a, y) * output.activation.derivative_in_terms_of_output(z, a)
        hidden = tuple(layer.activation.derivative_in_terms_of_output(z, a) for layer in net.layers[:-1])
        L = len(net.layers)
        latex = [
            rf"\delta^{{({L})}} = " + (r"\hat{y} - y" if self.fused
                                       else r"\nabla_{\hat{y}} L \odot f'\!\left(z^{(" + str(L) + r")}\right)"),
            r"\delta^{(l)} = \left(W^{(l+1)}\right)^{\!\top} \delta^{(l+1)} \odot f'\!\left(z^{(l)}\right)",
            r"\frac{\partial L}{\partial b^{(l)}} = \delta^{(l)}",
            r"\frac{\partial L}{\partial W^{(l)}} = \delta^{(l)} \left(a^{(l-1)}\right)^{\!\top}",
            r"\text{batch of } N:\ \frac{\partial \bar L}{\partial W^{(l)}} = \tfrac{1}{N}\, \Delta^{(l)\top} A^{(l-1)}",
        ]
        top = str(L).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
        text = [
            f"δ⁽{top}⁾ = " + ("ŷ − y" if self.fused else f"∇ŷL ⊙ f′(z⁽{top}⁾)"),
            "δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾ ⊙ f′(z⁽ˡ⁾)",
            "∂L/∂b⁽ˡ⁾ = δ⁽ˡ⁾",
            "∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ",
            "batch of N: ∂L̄/∂W⁽ˡ⁾ = (1/N) Δ⁽ˡ⁾ᵀ A⁽ˡ⁻¹⁾",
        ]
        return LayerEquations(z, a, y, output_delta, self.fused, hidden, tuple(latex), tuple(text))


def example_values(network, seed: int = 0) -> dict:
    """Values for every input, parameter and target of *network*, drawn from *seed*, easy to work by hand.

    Inputs are halves from −2 to 2, weights and biases tenths from −0.9 to
    0.9 (none 0), targets 0 or 1 (fractions summing to 1 for a softmax).
    """
    import random

    rng = random.Random(seed)
    values: dict = {}
    for x in network.inputs:
        values[x] = sympy.Rational(rng.choice([v for v in range(-4, 5) if v]), 2)
    for p in network.parameters:
        values[p] = sympy.Rational(rng.choice([v for v in range(-9, 10) if v]), 10)
    targets = network.targets
    if network.output_activation.name == "softmax" or network.loss_function.name == "cross_entropy":
        hot = rng.randrange(len(targets))
        for k, y in enumerate(targets):
            values[y] = sympy.S.One if k == hot else sympy.S.Zero
    else:
        for y in targets:
            values[y] = sympy.Integer(rng.choice([0, 1]))
    return values
