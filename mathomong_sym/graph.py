r"""Networks built from layers of your choice: per-layer activations, shared weights, skip connections, L2.

A network is written the way it is drawn, one layer call at a time::

    x = Input(2)
    h1 = Dense(3, "tanh")(x)
    h2 = Dense(3, "relu")(h1, skip=h1)      # residual: z⁽²⁾ = W⁽²⁾a⁽¹⁾ + b⁽²⁾ + a⁽¹⁾
    out = Dense(1, "sigmoid")(h2, h1)       # reads h2 and h1: W⁽³⁾ has 3 + 3 columns
    net = GraphNetwork(x, out, loss="bce", l2=0.01)

* Each ``Dense`` has its own activation.
* Calling one ``Dense`` a second time uses the *same* weights and biases
  (shared, or tied, weights); its parameters are named after the layer that
  first uses it.
* ``skip=`` adds the activations of an earlier layer (of the same size) to
  the pre-activation as they are: a residual connection.  Passing several
  layers positionally reads each through its own block of weights.
* ``l2=λ`` adds the penalty R = λ Σ w² over every weight (not the biases) to
  the loss of each example: L = Σₖ ℓ(ŷₖ, yₖ) + R.

The layers are numbered 1, 2, … in the order they were called, so the
symbols are the textbook's: z⁽ˡ⁾ᵢ, a⁽ˡ⁾ᵢ, w⁽ˡ⁾ᵢⱼ (j runs over the units the
layer reads, source after source), b⁽ˡ⁾ᵢ, ŷₖ, yₖ and δ⁽ˡ⁾ᵢ = ∂L/∂z⁽ˡ⁾ᵢ.

Derivations follow backpropagation on the graph: each δ is derived once, and
where a unit feeds several others (a skip connection) or a weight is used in
several places (sharing, the penalty), the chain rule adds one product per
path, each with its local factor (:class:`~mathomong_sym.derivation.LocalDerivative`,
the other quantities held fixed).  A ``GraphNetwork`` is a
:class:`~mathomong_sym.network.Network`: it derives, explains, verifies,
compiles (layer form: matrix products over the batch, generated from its
equations; or the per-parameter derivations lambdified) and trains as an MLP does.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from functools import cached_property

import numpy as np
import sympy

from . import naming
from .activations import Activation, get_activation
from .calculus.rules import SUM_LATEX, SUM_TEXT
from .derivation import Factor, LocalDerivative, Step, Words, expand_definitions
from .derive import Backprop, LazyStep, NetworkDerivation, _chain_step, _product, _t, local_steps
from .errors import IncompatibleError, ShapeError, UnknownNameError
from .losses import check_compatible, get_loss
from .network import Equation, Layer, Network, forward_equations, target_constraints
from .parsing.values import as_number

__all__ = ["Input", "Dense", "GraphNetwork", "GraphLayer"]

_ORDER = itertools.count()


def _positive_size(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ShapeError(f"{what} must be a positive whole number, got {value!r}")
    return int(value)


class _Node:
    """The output of a layer (or the inputs): ``size`` units, made in a definite order."""

    def __init__(self, size: int):
        self.size = size
        self._order = next(_ORDER)


class Input(_Node):
    """The network's inputs x₁ … xₙ."""

    def __init__(self, size: int):
        super().__init__(_positive_size(size, "the number of inputs"))

    def __repr__(self) -> str:
        return f"Input({self.size})"


class Dense:
    """A layer of ``units`` units: z = W·(its inputs) + b (+ skipped activations), a = f(z).

    Call it on one or more earlier layers (or the ``Input``) to use it; call
    it again to use the same weights a second time.
    """

    def __init__(self, units: int, activation="sigmoid"):
        self.units = _positive_size(units, "a layer's number of units")
        self.activation: Activation = get_activation(activation)
        self._sizes: tuple[int, ...] | None = None
        self._order = next(_ORDER)

    def __call__(self, *sources, skip=()) -> "_Applied":
        if not sources:
            raise ShapeError("a layer reads at least one earlier layer (or the Input): Dense(3)(x)")
        for source in sources:
            if not isinstance(source, _Node):
                raise IncompatibleError(f"a layer reads Input(…) or the result of another layer's call, "
                                        f"not {source!r}")
        skips = (skip,) if isinstance(skip, _Node) else tuple(skip)
        for source in skips:
            if not isinstance(source, _Node):
                raise IncompatibleError(f"skip= takes Input(…) or the result of a layer's call, not {source!r}")
            if source.size != self.units:
                raise ShapeError(f"a skip connection adds activations unit by unit: it needs {self.units} units, "
                                 f"and the layer skipped has {source.size}")
        sizes = tuple(source.size for source in sources)
        if self._sizes is None:
            self._sizes = sizes
        elif sizes != self._sizes:
            raise ShapeError(f"this layer shares its weights between its calls, so every call reads inputs of "
                             f"sizes {list(self._sizes)}; this one reads {list(sizes)}")
        return _Applied(self, sources, skips)

    def __repr__(self) -> str:
        return f"Dense({self.units}, {self.activation.name!r})"


class _Applied(_Node):
    """One call of a ``Dense``: a layer of the network."""

    def __init__(self, dense: Dense, sources: tuple, skips: tuple):
        super().__init__(dense.units)
        self.dense, self.sources, self.skips = dense, tuple(sources), tuple(skips)

    def __repr__(self) -> str:
        return f"<{self.dense!r} called on {len(self.sources)} input(s)>"


class GraphLayer(Layer):
    """Layer *index* of a graph network, in named symbols.

    ``weights[i][j]`` multiplies ``inputs[j]`` (the units of ``sources``, one
    after the other) in unit i; ``skips`` are the activations added unit by
    unit; ``first`` is the layer whose call created the weights (itself,
    unless they are shared).
    """

    def __init__(self, index: int, weights, biases, inputs, pre_activations, outputs, activation: Activation, *,
                 sources: tuple[int, ...] = (), widths: tuple[int, ...] = (), skips: tuple[int, ...] = (),
                 skipped: tuple[tuple[sympy.Symbol, ...], ...] = (), first: int = 0):
        super().__init__(index, weights, biases, inputs, pre_activations, outputs, activation)
        self.sources = tuple(sources)  # the layer (0: the inputs) each block of columns comes from
        self.widths = tuple(widths)  # the number of units of each source
        self.skips = tuple(skips)  # the layers whose activations are added
        self.skipped = tuple(tuple(s) for s in skipped)
        self.first = first

    def blocks(self):
        """(source layer, first column, end column) for each block of inputs."""
        start = 0
        for source, width in zip(self.sources, self.widths):
            yield source, start, start + width
            start += width

    @property
    def reads_skipped(self) -> bool:
        """Whether this layer reads anything but the layer just below it."""
        return bool(self.skips) or any(source != self.index - 1 for source in self.sources)

    def pre_activation_expression(self, unit: int) -> sympy.Expr:
        """z_i = Σ_j w_ij a_j + b_i (+ the skipped activations), in named form."""
        return sympy.Add(super().pre_activation_expression(unit), *[skipped[unit] for skipped in self.skipped])


class _SharedParameters(list):
    """The parameters in theta order; ``locate`` gives (layer, unit, input index or None, position) of the first use."""

    def __init__(self, parameters, location: dict):
        super().__init__(parameters)
        self._location = location
        self._position = {p: i for i, p in enumerate(parameters)}

    def locate(self, symbol) -> tuple[GraphLayer, int, int | None, int] | None:
        try:
            layer, unit, source = self._location[symbol]
        except (KeyError, TypeError):
            return None
        return layer, unit, source, self._position[symbol]


def _listed(items) -> Words:
    """a, b and c."""
    items = list(items)
    if len(items) < 2:
        return Words(*items)
    return Words(Words.join(items[:-1], ", "), " and ", items[-1])


def _reachable(output: _Node) -> list[_Node]:
    found: dict[int, _Node] = {}
    pending = [output]
    while pending:
        node = pending.pop()
        if id(node) in found:
            continue
        found[id(node)] = node
        if isinstance(node, _Applied):
            pending.extend(node.sources)
            pending.extend(node.skips)
    return sorted(found.values(), key=lambda node: node._order)


class GraphNetwork(Network):
    """A network built from ``Dense`` layer calls between an ``Input`` and an output layer.

    ``loss`` is a loss name or :class:`~mathomong_sym.losses.Loss`; ``l2``
    (λ ≥ 0) adds R = λ Σ w² over the weights.  See the module docstring for
    the layers, and ``docs/custom-networks.md`` for a worked example.
    """

    layers: tuple[GraphLayer, ...]
    parameters: _SharedParameters

    def __init__(self, inputs: Input, outputs, loss="mse", *, l2=0, description: str | None = None):
        if not isinstance(inputs, Input):
            raise IncompatibleError(f"the inputs of a GraphNetwork are an Input(…), not {inputs!r}")
        if not isinstance(outputs, _Applied):
            raise IncompatibleError(f"the outputs of a GraphNetwork are the result of a layer call, "
                                    f"Dense(…)(…), not {outputs!r}")
        loss_function = get_loss(loss)
        penalty = as_number(l2, what="l2")
        if not penalty.is_number or penalty < 0:
            raise IncompatibleError(f"l2 must be a number ≥ 0, got {l2!r}")
        nodes = _reachable(outputs)
        if inputs not in nodes:
            raise IncompatibleError("the output does not depend on the network's inputs")
        if any(isinstance(n, Input) and n is not inputs for n in nodes):
            raise IncompatibleError("the output depends on an Input that is not the network's inputs")
        self._graph = (inputs, outputs)
        layers_in_order = [n for n in nodes if isinstance(n, _Applied)]
        number = {id(inputs): 0}
        number.update({id(node): l for l, node in enumerate(layers_in_order, start=1)})
        depth = len(layers_in_order)

        self.inputs = [naming.input_symbol(j) for j in range(1, inputs.size + 1)]
        self.targets = [naming.target_symbol(k) for k in range(1, outputs.size + 1)]
        outputs_of = {0: tuple(self.inputs)}
        created: dict[int, tuple] = {}  # id(Dense) -> (first layer, weight rows, biases)
        layers = []
        for l, node in enumerate(layers_in_order, start=1):
            dense = node.dense
            if not dense.activation.elementwise and l != depth:
                raise ShapeError(f"{dense.activation.name!r} can only be the output activation")
            if id(dense) not in created:
                columns = sum(source.size for source in node.sources)
                rows = tuple(tuple(naming.weight(l, i, j) for j in range(1, columns + 1))
                             for i in range(1, dense.units + 1))
                created[id(dense)] = (l, rows, tuple(naming.bias(l, i) for i in range(1, dense.units + 1)))
            first, rows, biases = created[id(dense)]
            sources = tuple(number[id(source)] for source in node.sources)
            skips = tuple(number[id(source)] for source in node.skips)
            outputs_of[l] = tuple(naming.prediction_symbol(i) if l == depth else naming.activation(l, i)
                                  for i in range(1, dense.units + 1))
            layer = GraphLayer(
                index=l, weights=rows, biases=biases,
                inputs=tuple(s for source in sources for s in outputs_of[source]),
                sources=sources, skips=skips, skipped=tuple(outputs_of[s] for s in skips),
                widths=tuple(len(outputs_of[s]) for s in sources),
                pre_activations=tuple(naming.pre_activation(l, i) for i in range(1, dense.units + 1)),
                outputs=outputs_of[l], activation=dense.activation, first=first,
            )
            layers.append(layer)
        self.layers = tuple(layers)
        self.loss_function = loss_function
        self.loss_symbol = naming.sym("L")
        self.output_activation = self.layers[-1].activation
        check_compatible(loss_function, self.output_activation)
        # parameters layer by layer as first used: W row-major, then b (an MLP's layout, for a chain)
        parameters: list[sympy.Symbol] = []
        for layer in self.layers:
            if layer.first == layer.index:
                parameters.extend(layer.parameters)
        self._by_name = {p.name: p for p in parameters}
        self._index = {p: i for i, p in enumerate(parameters)}
        self._uses: dict = {p: [] for p in parameters}
        for layer in self.layers:
            for i, row in enumerate(layer.weights):
                for j, w in enumerate(row):
                    self._uses[w].append((layer, i, j))
            for i, b in enumerate(layer.biases):
                self._uses[b].append((layer, i, None))
        self._location = {p: uses[0] for p, uses in self._uses.items()}
        self.parameters = _SharedParameters(parameters, self._location)
        self._units = None
        self.l2 = penalty
        self.weights = [p for p in self.parameters if p.name.startswith("w")]
        self.penalty_symbol = naming.sym("R") if penalty != 0 else None

        equations = forward_equations(self.layers)
        data_loss = loss_function.expression(self.predictions, self.targets)
        if self.penalty_symbol is not None:
            # λ(w₁² + w₂² + …), kept as written
            squares = sympy.Add(*[w ** 2 for w in self.weights])
            equations.append(Equation(self.penalty_symbol, sympy.Mul(penalty, squares, evaluate=False), "penalty"))
            data_loss = sympy.Add(*sympy.Add.make_args(data_loss), self.penalty_symbol, evaluate=False)
        equations.append(Equation(self.loss_symbol, data_loss, "loss"))
        self.equations = tuple(equations)
        self.definitions = {e.lhs: e.rhs for e in self.equations}
        self.constraints = target_constraints(loss_function, self.targets)
        self.description = description or self._describe()

    def __reduce__(self):
        # pickled as the layer calls it was built from, so it unpickles with every expression as written
        inputs, outputs = self._graph
        return _rebuild, (inputs, outputs, self.loss_function, self.l2, self.description)

    def _describe(self) -> str:
        names = "/".join(dict.fromkeys(layer.activation.name for layer in self.layers))
        features = []
        if any(layer.reads_skipped for layer in self.layers):
            features.append("skip connections")
        if any(layer.first != layer.index for layer in self.layers):
            features.append("shared weights")
        if self.penalty_symbol is not None:
            features.append(f"L2 {float(self.l2):g}")
        extra = "".join(f", {f}" for f in features)
        return f"GraphNetwork {'-'.join(map(str, self.layer_sizes))} ({names}, {self.loss_function.name}{extra})"

    # -- structure ---------------------------------------------------------------------

    def uses(self, parameter) -> list[tuple[GraphLayer, int, int | None]]:
        """Every place a parameter enters: (layer, unit, input column or None for a bias)."""
        return list(self._uses[self.parameter(parameter)])

    def layer_of(self, parameter):
        """(layer, unit, input column or None) of a parameter's first use (``uses`` gives every one)."""
        return self._uses[self.parameter(parameter)][0]

    def readers(self, layer_index: int, unit: int) -> list[tuple[GraphLayer, int, sympy.Expr, str]]:
        """Every pre-activation that reads unit *unit* (0-based) of layer *layer_index* directly.

        (reading layer, its unit, ∂z/∂a there, how: "weight", "skip", or
        "weight and skip" when a layer both weighs and skips the same unit).
        """
        found: dict = {}
        for layer in self.layers:
            for source, start, _ in layer.blocks():
                if source == layer_index:
                    for k in range(layer.size):
                        found.setdefault((layer.index, k), [layer, k, []])[2].append((layer.weights[k][start + unit],
                                                                                      "weight"))
            for source in layer.skips:
                if source == layer_index:
                    found.setdefault((layer.index, unit), [layer, unit, []])[2].append((sympy.S.One, "skip"))
        readers = []
        for layer, k, contributions in found.values():
            kinds = " and ".join(dict.fromkeys(kind for _, kind in contributions))
            readers.append((layer, k, sympy.Add(*[value for value, _ in contributions]), kinds))
        return readers

    def describe_parameter(self, parameter) -> str:
        """Which weight or bias *parameter* is, in words."""
        p = self.parameter(parameter)
        layer, unit, column = self._uses[p][0]
        where = f"unit {unit + 1} of layer {layer.index}"
        if column is None:
            words = f"bias of {where}"
        else:
            source = next(s for s, start, end in layer.blocks() if start <= column < end)
            start = next(start for s, start, end in layer.blocks() if start <= column < end)
            origin = f"input x{str(column - start + 1).translate(naming._SUB)}" if source == 0 \
                else f"unit {column - start + 1} of layer {source}"
            words = f"weight into {where} from {origin}"
            if source != 0 and source != layer.index - 1:
                words += ", a skip connection"
        others = [u[0].index for u in self._uses[p][1:]]
        if others and others != [layer.index] * len(others):
            words += f", shared with layer {', '.join(str(i) for i in sorted(set(others)) if i != layer.index)}"
        return words

    @property
    def symbols(self) -> dict:
        found = super().symbols
        if self.penalty_symbol is not None:
            found.setdefault(self.penalty_symbol.name, self.penalty_symbol)
        return found

    # -- derivations and code -------------------------------------------------------------

    @cached_property
    def _backprop(self):
        return GraphBackprop(self)

    def compile(self, form: str = "layer", backend: str = "numpy", dtype: str = "float64"):
        """Numpy (or JAX) functions for the batch loss and its gradient (in float64, or float32 if asked).

        ``form="layer"``: matrix products over the batch, generated from the
        graph's backpropagation equations; ``"per_parameter"``: every
        parameter's derivation lambdified (slow to build beyond a few dozen
        parameters).
        """
        from .compile import FORMS, compile_network, _compile_source

        if form == "layer":
            return _compile_source(self, _graph_source(self), form=form, backend=backend, dtype=dtype)
        if form not in FORMS:
            raise UnknownNameError("compiled form", form, FORMS)
        return compile_network(self, form=form, backend=backend, dtype=dtype)

    def initial_parameters(self, seed: int = 0, scheme: str = "auto") -> np.ndarray:
        """A starting θ in ``parameters`` order: Glorot (He for ReLU-like layers) per weight matrix, as for an MLP."""
        from .training import _GLOROT, _INIT_BY_ACTIVATION, _INIT_RULES

        if scheme != "auto" and scheme not in _INIT_RULES:
            raise UnknownNameError("initialisation", scheme, ["auto", *_INIT_RULES])
        rng = np.random.default_rng(seed)
        pieces = []
        for layer in self.layers:
            if layer.first != layer.index:
                continue
            rule = _INIT_BY_ACTIVATION.get(layer.activation.name, _GLOROT) if scheme == "auto" \
                else _INIT_RULES[scheme]
            pieces.append(rng.standard_normal(layer.size * layer.fan_in) * rule.scale(layer.fan_in, layer.size))
            pieces.append(np.full(layer.size, rule.bias))
        return np.concatenate(pieces)


def _rebuild(inputs, outputs, loss, l2, description) -> GraphNetwork:
    return GraphNetwork(inputs, outputs, loss, l2=l2, description=description)


# ---------------------------------------------------------------------------
# backpropagation on the graph
# ---------------------------------------------------------------------------

def _localised(steps):
    """*steps* (the elementary detail of a local factor) with every derivative local: the other names held fixed."""
    for step in steps:
        step.lhs = step.lhs.replace(sympy.Derivative, LocalDerivative)
        step.rhs = step.rhs.replace(sympy.Derivative, LocalDerivative)
        _localised(step.substeps)
    return steps


class GraphBackprop(Backprop):
    """Backpropagation over a graph of layers: a δ sums over every pre-activation its unit feeds."""

    net: GraphNetwork

    def _hidden_delta(self, layer_index: int, unit: int):
        net = self.net
        layer = net.layers[layer_index - 1]
        L = net.loss_symbol
        z, a = layer.pre_activations[unit], layer.outputs[unit]
        delta = self.delta_symbol(layer_index, unit)
        act = layer.activation
        assert act.derivative is not None  # a hidden layer's activation is elementwise, so it has one
        da = act.derivative(z)
        readers = net.readers(layer_index, unit)
        cited = [self.delta(reader.index, k) for reader, k, _, _ in readers]
        paths = sympy.Add(*[_product(sympy.Derivative(L, reader.pre_activations[k]),
                                     LocalDerivative(reader.pre_activations[k], a))
                            for reader, k, _, _ in readers])
        steps = [_chain_step(sympy.Derivative(L, z), _product(paths, sympy.Derivative(a, z)),
                             self._paths_reason(z, a, readers))]
        for reader, k, value, kind in readers:
            steps.append(self._local_step(reader.pre_activations[k], a, value, kind))
        steps.append(self._factor_step(a, z, da, "activation"))
        for (reader, k, _, _), cite in zip(readers, cited):
            steps.append(Step(sympy.Derivative(L, reader.pre_activations[k]), cite.lhs, "δ from the layer above",
                              Words(f"found once, for layer {reader.index}"), kind="cite"))
        weighted = sympy.Add(*[_product(cite.lhs, value) for cite, (_, _, value, _) in zip(cited, readers)])
        value = _product(weighted, da)
        steps.append(Step(sympy.Derivative(L, z), value, "multiply the factors", kind="product"))
        factors = [Factor(sympy.Derivative(L, reader.pre_activations[k]), cite.lhs, "delta")
                   for (reader, k, _, _), cite in zip(readers, cited)]
        factors += [Factor(LocalDerivative(reader.pre_activations[k], a), v, "linear") for reader, k, v, _ in readers]
        factors.append(Factor(sympy.Derivative(a, z), da, "activation"))
        derivation = self._delta_derivation(delta, z, steps, value, factors)
        derivation.cites = cited
        return derivation

    def _paths_reason(self, z, a, readers) -> Words:
        L = self.net.loss_symbol
        weighted = [reader.pre_activations[k] for reader, k, _, kind in readers if "weight" in kind]
        skipped = [reader.pre_activations[k] for reader, k, _, kind in readers if "skip" in kind]
        fed = []
        if weighted:
            fed.append(_listed(weighted))
        if skipped:
            fed.append(Words("(by a skip connection) ", _listed(skipped)))
        count = len(readers)
        tail = ": one product per path, added" if count > 1 else ""
        return Words(z, " reaches ", L, " only through ", a, ", which feeds ", Words.join(fed, " and "), tail)

    def _local_step(self, of, wrt, value, kind) -> Step:
        """∂of/∂wrt = value with the other quantities in ``of`` held fixed (a weight, an input, a skip's 1).

        Its detail differentiates ``of``'s definition with the other named
        quantities as letters, so every line of it is a local derivative too.
        """
        expression = self.definitions[of]
        if kind == "weight":
            kind = "linear"
        if kind == "linear":
            rule, formula_text, formula, reason, note = self._factor_words(of, wrt, value, kind, expression)
        elif kind == "skip":
            rule, formula_text, formula = "sum rule", SUM_TEXT, SUM_LATEX
            reason = Words.of("the skip connection adds {a} to {z} as it is", a=wrt, z=of)
            note = Words("a skip connection passes δ back unchanged")
        else:  # weighed and skipped at once
            rule, formula_text, formula = "sum rule", SUM_TEXT, SUM_LATEX
            reason = Words.of("{a} enters {z} twice: through its weight, and as it is by the skip connection",
                              a=wrt, z=of)
            note = Words("the skip connection adds 1 to the weight's slope")
        return LazyStep(LocalDerivative(of, wrt), value, rule=rule, reason=reason, kind="factor:linear",
                        formula=formula, formula_text=formula_text, note=note,
                        detail=lambda: _localised(local_steps(expression, wrt)))

    def _factor_words(self, of, wrt, value, kind, expression):
        words = super()._factor_words(of, wrt, value, kind, expression)
        if kind == "loss" and self.net.penalty_symbol is not None:
            # L = ℓ + R: the loss factor is the derivative of the loss term, not of all of L
            rule, text, latex, reason, note = words
            text = text.replace("L = ", "the term ", 1)
            latex = latex.replace("L = ", r"\text{the term } ", 1)
            words = (rule, text, latex, reason, note)
        return words

    def _parameter(self, p):
        net = self.net
        L = net.loss_symbol
        uses = net.uses(p)
        penalised = net.penalty_symbol is not None and p in net.weights
        products, steps, factors, cites, named_terms = [], [], [], [], []
        for layer, unit, column in uses:
            z = layer.pre_activations[unit]
            delta = self.delta(layer.index, unit)
            local = layer.inputs[column] if column is not None else sympy.S.One
            products.append(_product(sympy.Derivative(L, z), LocalDerivative(z, p)))
            cites.append(delta)
            named_terms.append(_product(delta.lhs, local))
            factors += [Factor(sympy.Derivative(L, z), delta.lhs, "delta"),
                        Factor(LocalDerivative(z, p), local, "linear")]
            steps.append(Step(sympy.Derivative(L, z), delta.lhs, "δ, found once",
                              Words("backpropagated from the layers above"), kind="cite"))
            steps.append(self._local_step(z, p, local, "linear"))
        if penalised:
            R = net.penalty_symbol
            slope = _product(2 * net.l2, p)
            products.append(_product(sympy.Derivative(L, R), LocalDerivative(R, p)))
            named_terms.append(slope)
            steps.append(self._penalty_step(L, R, sympy.S.One, "the penalty is added to the loss as it is"))
            steps.append(self._penalty_step(R, p, slope, "only the term λ·{p}² of R contains {p}"))
            factors += [Factor(sympy.Derivative(L, R), sympy.S.One, "penalty"),
                        Factor(LocalDerivative(R, p), slope, "penalty")]
        named = named_terms[0] if len(named_terms) == 1 else sympy.Add(*named_terms, evaluate=False)
        chain = products[0] if len(products) == 1 else sympy.Add(*products, evaluate=False)
        zs = [layer.pre_activations[unit] for layer, unit, _ in uses]
        if len(products) == 1:
            reason = Words.of("{L} depends on {p} only through {z}", L=L, p=p, z=zs[0])
        else:
            parts = []
            if len(zs) > 1:
                parts.append(Words(p, " is shared: it enters ", _listed(zs)))
            if penalised:
                parts.append(Words("the penalty ", net.penalty_symbol, " contains ", p))
            reason = Words(Words.join(parts, "; "), ": one product per path, added")
        steps.insert(0, _chain_step(sympy.Derivative(L, p), chain, reason))
        steps.append(Step(sympy.Derivative(L, p), named, "multiply the factors, add the paths"
                          if len(products) > 1 else "multiply the factors", kind="product"))
        unique = []
        for cite in cites:
            if all(cite is not other for other in unique):
                unique.append(cite)
        return NetworkDerivation(
            lhs=sympy.Derivative(L, p),
            steps=steps,
            result=None,
            result_factory=lambda: expand_definitions(named, self.definitions),
            variable=p,
            definitions=self.definitions,
            factors=factors,
            cites=unique,
            title=f"∂L/∂{_t(p)}, for the {net.describe_parameter(p)}",
            conventions=list(self.conventions),
            network=net,
        )

    def _penalty_step(self, of, wrt, value, reason: str) -> Step:
        # ∂R/∂w works on the one term of R that holds w (the reason says so), not the sum of every weight's square
        expression = self.definitions[of] if value == 1 else sympy.Mul(self.net.l2, wrt ** 2, evaluate=False)
        lhs = sympy.Derivative(of, wrt) if value == 1 else LocalDerivative(of, wrt)
        if value == 1:
            rule, formula, formula_text = "sum rule", SUM_LATEX, SUM_TEXT
        else:
            rule, formula, formula_text = "power rule", r"\frac{d}{dw} w^{n} = n w^{n-1}", "d/dw wⁿ = n·wⁿ⁻¹"
        return LazyStep(lhs, value, rule=rule, kind="factor:penalty", reason=Words.of(reason, p=wrt),
                        formula=formula, formula_text=formula_text,
                        note=Words("the penalty pulls every weight towards 0") if value != 1 else Words(),
                        detail=lambda: _localised(local_steps(expression, wrt)))

    # -- layer form ---------------------------------------------------------------------------

    def layer_equations(self):
        """The MLP's layer equations, with BP2–BP4 as the graph has them (skips, shared matrices, the penalty)."""
        base = super().layer_equations()
        net = self.net
        skips = any(layer.reads_skipped for layer in net.layers)
        shared = any(layer.first != layer.index for layer in net.layers)
        penalised = net.penalty_symbol is not None
        if not (skips or shared or penalised):
            return base
        text, latex = list(base.lines_text[:1]), list(base.lines_latex[:1])
        if skips:
            text.append("δ⁽ˡ⁾ = (Σₖ (W⁽ᵏ˒ˡ⁾)ᵀ δ⁽ᵏ⁾ + Σₛ δ⁽ˢ⁾) ⊙ f′(z⁽ˡ⁾): k reads a⁽ˡ⁾ through W⁽ᵏ˒ˡ⁾, "
                        "s by a skip")
            latex.append(r"\delta^{(l)} = \Big(\sum_k \left(W^{(k,l)}\right)^{\!\top} \delta^{(k)}"
                         r" + \sum_s \delta^{(s)}\Big) \odot f'\!\left(z^{(l)}\right)")
        else:
            text.append(base.lines_text[1])
            latex.append(base.lines_latex[1])
        over = "Σ over the layers using it: " if shared else ""
        over_latex = r"\sum_{l \text{ using it}} " if shared else ""
        penalty = " + 2λW" if penalised else ""
        penalty_latex = r" + 2\lambda W" if penalised else ""
        text.append(f"∂L/∂b = {over}δ⁽ˡ⁾")
        latex.append(rf"\frac{{\partial L}}{{\partial b}} = {over_latex}\delta^{{(l)}}")
        text.append(f"∂L/∂W = {over}δ⁽ˡ⁾ (a⁽ⁱⁿ⁾)ᵀ{penalty}, a⁽ⁱⁿ⁾ what the layer reads")
        latex.append(rf"\frac{{\partial L}}{{\partial W}} = {over_latex}\delta^{{(l)}} "
                     rf"\left(a^{{(\mathrm{{in}})}}\right)^{{\!\top}}{penalty_latex}")
        text.append("batch of N: the mean of each over the examples" + (" (R is added once)" if penalised else ""))
        latex.append(r"\text{batch of } N:\ \text{the mean over the examples}")
        return replace(base, lines_text=tuple(text), lines_latex=tuple(latex))


# ---------------------------------------------------------------------------
# the layer form of the compiled code
# ---------------------------------------------------------------------------

def _graph_source(net: GraphNetwork) -> str:
    """``forward``, ``loss`` and ``loss_and_gradient`` as matrix products, from the graph's equations.

    Arrays hold one column per example, as in the MLP's layer form; a layer
    reading several sources multiplies each by its block of columns, a skip
    adds the activations, and the backward pass gathers each δ from every
    layer that reads it (and a shared matrix its gradient from every use).
    """
    from .compile import _activation_code, _code, _layer_functions, _output_lines, _output_term

    equations = net.layer_equations()
    z, a = equations.z, equations.a
    depth = len(net.layers)
    unpack: list[str] = []
    offset = 0
    for layer in net.layers:
        if layer.first != layer.index:
            continue
        k, n, m = layer.index, layer.size, layer.fan_in
        unpack.append(f"    W{k} = theta[{offset}:{offset + n * m}].reshape({n}, {m})")
        offset += n * m
        unpack.append(f"    b{k} = theta[{offset}:{offset + n}].reshape({n}, 1)")
        offset += n
        if len(layer.sources) > 1:
            for p, (_, start, end) in enumerate(layer.blocks()):
                unpack.append(f"    W{k}_{p} = W{k}[:, {start}:{end}]")

    def block(layer, p):
        return f"W{layer.first}" if len(layer.sources) == 1 else f"W{layer.first}_{p}"

    forward = ["    A0 = X.T"]
    for layer in net.layers:
        l = layer.index
        terms = [f"{block(layer, p)}.dot(A{source})" for p, source in enumerate(layer.sources)]
        terms.append(f"b{layer.first}")
        terms += [f"A{source}" for source in layer.skips]
        forward.append(f"    Z{l} = {' + '.join(terms)}")
        forward.append(f"    A{l} = {_activation_code(layer.activation, z).replace('__Z__', f'Z{l}')}")
    term = _output_term(net, equations)
    loss_lines, first_backward = _output_lines(term, equations, depth)
    if net.penalty_symbol is not None:
        squares = " + ".join(f"(W{layer.index} * W{layer.index}).sum()" for layer in net.layers
                             if layer.first == layer.index)
        loss_lines.append(f"    loss = loss + {float(net.l2)!r} * ({squares})")
    backward = [first_backward]
    for layer in reversed(net.layers[:-1]):
        s = layer.index
        incoming = []
        for reader in net.layers:
            for p, source in enumerate(reader.sources):
                if source == s:
                    incoming.append(f"{block(reader, p)}.T.dot(D{reader.index})")
            incoming += [f"D{reader.index}" for source in reader.skips if source == s]
        derivative = equations.hidden_derivatives[s - 1]
        gathered = " + ".join(incoming)
        if derivative == 1:
            backward.append(f"    D{s} = {gathered}")
        else:
            local = _code(derivative, {z: f"Z{s}", a: f"A{s}"})
            backward.append(f"    D{s} = ({gathered}) * ({local})")
    parts = []
    for owner in net.layers:
        if owner.first != owner.index:
            continue
        k = owner.index
        uses = [layer for layer in net.layers if layer.first == k]
        weight_terms = []
        for layer in uses:
            blocks = [f"D{layer.index}.dot(A{source}.T)" for source in layer.sources]
            weight_terms.append(blocks[0] if len(blocks) == 1 else f"numpy.hstack(({', '.join(blocks)}))")
        if net.penalty_symbol is not None:
            weight_terms.append(f"{float(2 * net.l2)!r} * W{k}")
        parts.append(f"({' + '.join(weight_terms)}).ravel()")
        parts.append(" + ".join(f"D{layer.index}.dot(ones)" for layer in uses))
    header = [
        f"# generated from the backpropagation equations of {net.description}",
        *("# " + line for line in equations.lines_text[:4]),
    ]
    return _layer_functions(header, unpack, forward, forward, forward, loss_lines, backward, parts, depth)
