r"""Networks as sympy expression trees.

A network is a list of layers of named symbols and the equations that tie
them together, exactly as a textbook writes them::

    z^{(l)}_i = Σ_j w^{(l)}_{ij} a^{(l−1)}_j + b^{(l)}_i      a^{(0)} = x
    a^{(l)}_i = f(z^{(l)}_i)                                  a^{(L)} = ŷ
    L = Σ_k ℓ(ŷ_k, y_k)

``Neuron`` uses the guide's own names instead (z = W·x + b, ŷ = σ(z)).
The equations (``net.equations``) are the *named form*; ``net.loss`` is the
single-example loss with every intermediate expanded, a sympy expression in
the inputs, targets and parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from collections.abc import Mapping
from typing import Sequence

import sympy

from . import naming
from .activations import Activation, get_activation
from .derivation import expand_definitions
from .errors import ShapeError, UnknownNameError
from .losses import Loss, check_compatible, get_loss
from .parsing.values import as_number

__all__ = ["Layer", "Equation", "Network", "Neuron", "MLP"]


@dataclass(frozen=True)
class Layer:
    """Layer *index* (1-based): weights[i][j] connect input j to unit i."""

    index: int
    weights: tuple[tuple[sympy.Symbol, ...], ...]
    biases: tuple[sympy.Symbol, ...]
    inputs: tuple[sympy.Symbol, ...]
    pre_activations: tuple[sympy.Symbol, ...]
    outputs: tuple[sympy.Symbol, ...]
    activation: Activation

    @property
    def size(self) -> int:
        return len(self.biases)

    @property
    def fan_in(self) -> int:
        return len(self.inputs)

    @property
    def parameters(self) -> list[sympy.Symbol]:
        return [w for row in self.weights for w in row] + list(self.biases)

    def pre_activation_expression(self, unit: int) -> sympy.Expr:
        """z_i = Σ_j w_ij a_j + b_i, in named form."""
        row = self.weights[unit]
        return sympy.Add(*[w * a for w, a in zip(row, self.inputs)], self.biases[unit])

    def activation_expression(self, unit: int) -> sympy.Expr:
        if self.activation.elementwise:
            return self.activation.function(self.pre_activations[unit])
        return self.activation.function(unit, *self.pre_activations)


@dataclass(frozen=True)
class Equation:
    """``lhs = rhs``: one line of the named form."""

    lhs: sympy.Symbol
    rhs: sympy.Expr
    kind: str  # "pre-activation", "activation" or "loss"
    layer: int = 0

    def to_latex(self) -> str:
        from .printing import to_latex

        return f"{to_latex(self.lhs)} = {to_latex(self.rhs)}"

    def to_text(self) -> str:
        from .printing import to_text

        return f"{to_text(self.lhs)} = {to_text(self.rhs)}"


class Network:
    """Layers of named symbols, their equations and the loss.

    Build one with :class:`Neuron` or :class:`MLP`, or with
    :class:`~mathomong_sym.graph.GraphNetwork` for layers of your choice,
    shared weights, skip connections and an L2 penalty.  Given ``Layer``
    records directly, the layers must form a chain, each weight in one place:
    anything else is refused rather than derived wrongly.
    """

    def __init__(self, layers: Sequence[Layer], inputs, targets, loss: Loss | str = "mse", *,
                 description: str | None = None):
        self.layers = tuple(layers)
        self.inputs = list(inputs)
        self.targets = list(targets)
        loss = get_loss(loss)
        self.loss_function = loss
        self.loss_symbol = naming.sym("L")
        self.parameters = [p for layer in self.layers for p in layer.parameters]
        # a Network built from layers alone derives too: its output activation is its last layer's
        if getattr(self, "output_activation", None) is None:
            _check_chain(self.layers, self.inputs, self.targets, self.parameters, loss)
            self.output_activation = self.layers[-1].activation
        if description is None:
            names = "/".join(dict.fromkeys(layer.activation.name for layer in self.layers))
            description = f"Network {'-'.join(map(str, self.layer_sizes))} ({names}, {loss.name})"
        self.description = description
        self._by_name = {p.name: p for p in self.parameters}
        self._index = {p: i for i, p in enumerate(self.parameters)}
        self._location = {}
        for layer in self.layers:
            for i, row in enumerate(layer.weights):
                for j, w in enumerate(row):
                    self._location[w] = (layer, i, j)
            for i, b in enumerate(layer.biases):
                self._location[b] = (layer, i, None)
        equations = forward_equations(self.layers)
        equations.append(Equation(self.loss_symbol, loss.expression(self.predictions, self.targets), "loss"))
        self.equations = tuple(equations)
        self.definitions = {e.lhs: e.rhs for e in self.equations}
        self.constraints = target_constraints(loss, self.targets)

    # -- shape -------------------------------------------------------------------

    @property
    def layer_sizes(self) -> list[int]:
        return [len(self.inputs)] + [layer.size for layer in self.layers]

    @property
    def output_layer(self) -> Layer:
        return self.layers[-1]

    @property
    def predictions(self) -> list[sympy.Symbol]:
        return list(self.layers[-1].outputs)

    @property
    def n_parameters(self) -> int:
        return len(self.parameters)

    def parameter(self, name) -> sympy.Symbol:
        """The parameter called *name* (a Symbol of this network passes through)."""
        if isinstance(name, sympy.Symbol):
            if name in self._index:
                return name
            name = name.name
        key = str(name).strip()
        if key in self._by_name:
            return self._by_name[key]
        raise UnknownNameError("parameter", name, self._by_name)

    @property
    def symbols(self) -> dict:
        """Plain name → symbol, for every input, target, parameter, intermediate and the loss.

        These are the symbols the trees are made of (real-valued): use them
        with sympy's own ``subs`` and ``diff``, which take a plain
        ``Symbol("x")`` or the text ``"x"`` for a different symbol.
        """
        found = {}
        for s in [*self.inputs, *self.targets, *self.parameters]:
            found.setdefault(s.name, s)
        for layer in self.layers:
            for s in [*layer.pre_activations, *layer.outputs]:
                found.setdefault(s.name, s)
        found.setdefault(self.loss_symbol.name, self.loss_symbol)
        return found

    def symbol(self, name) -> sympy.Symbol:
        """The network's symbol called *name* (a name, or a Symbol of that name with any assumptions)."""
        from .naming import resolve_symbol

        return resolve_symbol(name, self.symbols.values(), strict=True, what="symbol of this network",
                              where="this network")

    def parameter_index(self, name) -> int:
        return self._index[self.parameter(name)]

    def layer_of(self, parameter) -> tuple[Layer, int, int | None]:
        """(layer, unit, input index or None for a bias) of a parameter."""
        return self._location[self.parameter(parameter)]

    # -- the loss ---------------------------------------------------------------------

    @cached_property
    def loss(self) -> sympy.Expr:
        """The single-example loss in inputs, targets and parameters."""
        return expand_definitions(self.loss_symbol, self.definitions)

    @property
    def named_form(self) -> tuple[Equation, ...]:
        return self.equations

    # -- derivations ------------------------------------------------------------------

    @cached_property
    def _backprop(self):
        from .derive import Backprop

        return Backprop(self)

    def derive(self, parameter):
        """The derivation of ∂L/∂p for one parameter (a Symbol or its plain name)."""
        return self._backprop.parameter(self.parameter(parameter))

    def delta(self, layer: int, unit: int):
        """The derivation of δ^{(layer)}_{unit} = ∂L/∂z (1-based indices)."""
        depth = len(self.layers)
        if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= depth:
            raise ShapeError(f"layer must be a whole number from 1 to {depth}, got {layer!r}")
        size = self.layers[layer - 1].size
        if isinstance(unit, bool) or not isinstance(unit, int) or not 1 <= unit <= size:
            raise ShapeError(f"layer {layer} has units 1 to {size}, got {unit!r}")
        return self._backprop.delta(layer, unit - 1)

    def gradients(self) -> "Gradients":
        """Every parameter's derivation, in ``parameters`` order, each built when first read."""
        return Gradients(self)

    def layer_equations(self):
        """The backpropagation equations in layer (matrix) form."""
        return self._backprop.layer_equations()

    def compile(self, form: str = "layer", backend: str = "numpy"):
        """Numpy (or JAX) functions for the batch loss and its gradient."""
        from .compile import compile_network

        return compile_network(self, form=form, backend=backend)

    # -- numbers ------------------------------------------------------------------------

    def values_at(self, point) -> dict:
        """Forward-pass values of every named quantity at *point* (names or symbols → numbers)."""
        from .naming import resolve_symbol

        known = self.inputs + self.targets + self.parameters
        values = {}
        for key, value in dict(point).items():
            symbol = resolve_symbol(key, known, strict=True, what="input, target or parameter", where="this network")
            values[symbol] = as_number(value)
        for equation in self.equations:
            values[equation.lhs] = equation.rhs.xreplace(values).evalf(30)
        return values

    def __repr__(self) -> str:
        return f"<{self.description}: {self.n_parameters} parameters>"

    def __getstate__(self):
        # derivations are rebuilt on demand; a pickled derivation carries its own
        state = self.__dict__.copy()
        state.pop("_backprop", None)
        return state


class Gradients(Mapping):
    """Parameter → its derivation; a derivation is built the first time it is read."""

    def __init__(self, network: Network):
        self._network = network

    def __getitem__(self, parameter):
        return self._network.derive(parameter)

    def __iter__(self):
        return iter(self._network.parameters)

    def __len__(self) -> int:
        return self._network.n_parameters

    def __repr__(self) -> str:
        return f"<gradients of {self._network.description}: {len(self)} derivations>"


def forward_equations(layers) -> list[Equation]:
    """z⁽ˡ⁾ᵢ = … and a⁽ˡ⁾ᵢ = f(z⁽ˡ⁾ᵢ) for every unit, layer by layer: the named form before the loss."""
    equations: list[Equation] = []
    for layer in layers:
        for unit in range(layer.size):
            equations.append(Equation(layer.pre_activations[unit], layer.pre_activation_expression(unit),
                                      "pre-activation", layer.index))
        for unit in range(layer.size):
            equations.append(Equation(layer.outputs[unit], layer.activation_expression(unit),
                                      "activation", layer.index))
    return equations


def target_constraints(loss, targets) -> dict:
    """What the loss assumes of the targets, as definitions for verification.

    Softmax cross-entropy assumes Σ y = 1: the last target is expressed
    through the others.
    """
    if not loss.assumption:
        return {}
    if len(targets) > 1:
        return {targets[-1]: 1 - sympy.Add(*targets[:-1])}
    return {targets[0]: sympy.S.One}


def _check_chain(layers, inputs, targets, parameters, loss) -> None:
    """A network given as layers must be the chain its derivation assumes; anything else is refused, by name.

    The derivation of a chain reads each layer's inputs as the outputs of the
    layer below and each parameter at one place: a layer that reads other
    symbols, or a symbol used twice, would be derived wrongly without a word.
    """
    from .errors import IncompatibleError

    if not layers:
        raise ShapeError("a network needs at least one layer")
    graph = "build it with GraphNetwork (mathomong_sym.graph), which derives shared weights and skip connections"
    below = tuple(inputs)
    for position, layer in enumerate(layers, start=1):
        if layer.index != position:
            raise ShapeError(f"layer {position} is numbered {layer.index}: number the layers 1, 2, … in order")
        if tuple(layer.inputs) != below:
            what = "the network's inputs" if position == 1 else f"the outputs of layer {position - 1}"
            raise IncompatibleError(f"layer {position} reads {list(layer.inputs)}, not {what} {list(below)}; "
                                    f"a layer that reads other layers too is a skip connection: {graph}")
        if len(layer.weights) != layer.size or any(len(row) != layer.fan_in for row in layer.weights) \
                or len(layer.pre_activations) != layer.size or len(layer.outputs) != layer.size:
            raise ShapeError(f"layer {position} has {layer.size} biases, so it needs {layer.size} rows of "
                             f"{layer.fan_in} weights, {layer.size} pre-activations and {layer.size} outputs")
        if not layer.activation.elementwise and position != len(layers):
            raise ShapeError(f"{layer.activation.name!r} can only be the output activation")
        below = tuple(layer.outputs)
    if len(targets) != layers[-1].size:
        raise ShapeError(f"the output layer has {layers[-1].size} units but there are {len(targets)} targets")
    seen: dict = {}
    roles = [("input", s) for s in inputs] + [("target", s) for s in targets] + [("parameter", s) for s in parameters]
    for layer in layers:
        roles += [("pre-activation", s) for s in layer.pre_activations] + [("output", s) for s in layer.outputs]
    for role, symbol in roles:
        if symbol in seen:
            earlier = seen[symbol]
            if role == earlier == "parameter":
                raise IncompatibleError(f"the parameter {symbol} is used twice; a layer-by-layer network gives "
                                        f"each weight one place, so a shared weight would be derived wrongly: {graph}")
            raise IncompatibleError(f"the symbol {symbol} is both {'an' if earlier[0] in 'aeiou' else 'a'} "
                                    f"{earlier} and {'an' if role[0] in 'aeiou' else 'a'} {role}")
        seen[symbol] = role
    check_compatible(loss, layers[-1].activation)


def _check_sizes(layer_sizes) -> list[int]:
    try:
        sizes = [int(s) for s in layer_sizes]
    except (TypeError, ValueError):
        raise ShapeError(f"layer sizes must be positive integers, got {layer_sizes!r}") from None
    if any(float(s) != int(float(s)) for s in layer_sizes if isinstance(s, (int, float))):
        raise ShapeError(f"layer sizes must be whole numbers, got {list(layer_sizes)!r}")
    if len(sizes) < 2:
        raise ShapeError(f"an MLP needs at least an input and an output size, got {sizes!r}")
    bad = [s for s in sizes if s < 1]
    if bad:
        raise ShapeError(f"layer sizes must be positive integers, got {sizes!r}")
    return sizes


class MLP(Network):
    """A multilayer perceptron: ``MLP([2, 2, 1])`` has 2 inputs, 2 hidden units, 1 output.

    Hidden layers use ``activation``; the output layer ``output_activation``.
    Defaults follow the guide: sigmoid everywhere, mse loss.
    """

    def __init__(self, layer_sizes, activation="sigmoid", output_activation="sigmoid", loss="mse"):
        if isinstance(layer_sizes, str):
            from .errors import ShapeError as _ShapeError

            try:
                layer_sizes = [int(s) for s in layer_sizes.replace(",", "-").split("-")]
            except ValueError:
                raise _ShapeError(f"cannot read layer sizes from {layer_sizes!r}; write them like 2-2-1") from None
        sizes = _check_sizes(layer_sizes)
        hidden = get_activation(activation)
        output = get_activation(output_activation)
        loss_function = get_loss(loss)
        if not hidden.elementwise:
            raise ShapeError(f"{hidden.name!r} can only be the output activation")
        check_compatible(loss_function, output)
        inputs = [naming.input_symbol(j) for j in range(1, sizes[0] + 1)]
        targets = [naming.target_symbol(k) for k in range(1, sizes[-1] + 1)]
        layers = []
        previous = tuple(inputs)
        depth = len(sizes) - 1
        for l in range(1, depth + 1):
            n = sizes[l]
            last = l == depth
            outputs = tuple(naming.prediction_symbol(i) if last else naming.activation(l, i) for i in range(1, n + 1))
            layers.append(Layer(
                index=l,
                weights=tuple(tuple(naming.weight(l, i, j) for j in range(1, len(previous) + 1))
                              for i in range(1, n + 1)),
                biases=tuple(naming.bias(l, i) for i in range(1, n + 1)),
                inputs=previous,
                pre_activations=tuple(naming.pre_activation(l, i) for i in range(1, n + 1)),
                outputs=outputs,
                activation=output if last else hidden,
            ))
            previous = outputs
        self.activation = hidden
        self.output_activation = output
        description = f"MLP {'-'.join(map(str, sizes))} ({hidden.name}/{output.name}, {loss_function.name})"
        super().__init__(layers, inputs, targets, loss_function, description=description)


class Neuron(Network):
    """The guide's neuron: z = W·x + b (or W₁x₁ + … + Wₙxₙ + b), ŷ = f(z), L = ℓ(ŷ, y)."""

    def __init__(self, n_inputs: int = 1, activation="sigmoid", loss="mse"):
        try:
            n = int(n_inputs)
        except (TypeError, ValueError):
            raise ShapeError(f"a neuron needs a positive whole number of inputs, got {n_inputs!r}") from None
        if n < 1 or n != n_inputs:
            raise ShapeError(f"a neuron needs a positive whole number of inputs, got {n_inputs!r}")
        act = get_activation(activation)
        if not act.elementwise:
            raise ShapeError(f"a single neuron cannot use {act.name!r}; use an MLP with several outputs")
        loss_function = get_loss(loss)
        check_compatible(loss_function, act)
        if n == 1:
            inputs, weights = [naming.sym("x")], (naming.sym("W"),)
        else:
            inputs = [naming.sym(f"x_{j}") for j in range(1, n + 1)]
            weights = tuple(naming.sym(f"W_{j}") for j in range(1, n + 1))
        layer = Layer(
            index=1,
            weights=(weights,),
            biases=(naming.sym("b"),),
            inputs=tuple(inputs),
            pre_activations=(naming.sym("z"),),
            outputs=(naming.sym("yhat"),),
            activation=act,
        )
        self.activation = act
        self.output_activation = act
        super().__init__([layer], inputs, [naming.sym("y")], loss_function,
                         description=f"Neuron with {n} input{'s' if n > 1 else ''} ({act.name}, {loss_function.name})")
