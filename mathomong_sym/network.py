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

import re
from dataclasses import dataclass
from functools import cached_property
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar, Protocol

import sympy

from . import naming
from .activations import Activation, get_activation
from .derivation import expand_definitions
from .errors import ShapeError, UnknownNameError
from .losses import Loss, check_compatible, get_loss
from .parsing.values import as_number

__all__ = ["Layer", "Equation", "Network", "Neuron", "MLP", "SymbolVector", "SymbolGrid", "LARGE_NETWORK",
           "LARGE_DEPTH"]

#: beyond this many parameters a network is *large*: its explanations cite whole layers as vectors
#: (δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀδ⁽ˡ⁺¹⁾ ⊙ f′(z⁽ˡ⁾)) and show the named form layer by layer, and its derivations
#: are checked with the layer arithmetic of :mod:`mathomong_sym.layerwise` instead of per-unit sympy trees
LARGE_NETWORK = 1000
#: … and so is a network of more layers than this (its per-unit checks would nest one call per quantity)
LARGE_DEPTH = 16


class _Namer:
    """Makes the symbol ``fmt.format(k + 1, …)`` for 0-based indices, and reads indices back from a name.

    A picklable recipe (a lambda is not), shared by every lazy list of symbols.
    """

    __slots__ = ("fmt", "_pattern")

    def __init__(self, fmt: str):
        self.fmt = fmt
        self._pattern: re.Pattern[str] | None = None

    def __call__(self, *indices) -> sympy.Symbol:
        return naming.sym(self.fmt.format(*(k + 1 for k in indices)))

    def locate(self, name: str):
        """The 0-based indices whose symbol is called *name*, or None."""
        if self._pattern is None:
            pieces = self.fmt.split("{}")
            self._pattern = re.compile("^" + r"([1-9][0-9]*)".join(re.escape(p) for p in pieces) + "$")
        match = self._pattern.match(name)
        return None if match is None else tuple(int(g) - 1 for g in match.groups())

    def __getstate__(self):
        return self.fmt

    def __setstate__(self, state):
        self.fmt, self._pattern = state, None

    def __eq__(self, other):
        return isinstance(other, _Namer) and other.fmt == self.fmt

    def __hash__(self):
        return hash(self.fmt)


def _position(index, size: int, what: str) -> int:
    """*index* (negative from the end) as a position in a list of *size*; IndexError outside it."""
    index = index.__index__()
    if index < 0:
        index += size
    if not 0 <= index < size:
        raise IndexError(f"{what} index out of range")
    return index


class SymbolVector(Sequence):
    """A tuple of symbols, each made the first time it is read.

    A layer of 512 units or a first layer of 784 × 512 weights costs nothing
    until something asks for one of its symbols (a derivation, an
    explanation, a worksheet); it behaves like the tuple it stands for
    (indexing, slicing, iteration, ``in``, ``==``, ``+``).
    """

    __slots__ = ("_size", "_make", "_made", "_items")
    _items: tuple | None  # the symbols, when given; else made by _make and kept in _made
    _size: int
    _make: _Namer | None
    _made: dict[int, sympy.Symbol] | None

    def __init__(self, items=None, *, size: int | None = None, make: _Namer | None = None):
        if items is not None:
            self._items = tuple(items)
            self._size, self._make, self._made = len(self._items), None, None
        elif size is None or make is None:
            raise TypeError("a SymbolVector needs its items, or a size and a namer")
        else:
            self._items, self._size, self._make, self._made = None, int(size), make, {}

    @classmethod
    def of(cls, items) -> "SymbolVector":
        return items if isinstance(items, SymbolVector) else cls(items)

    @classmethod
    def _of(cls, items) -> "SymbolVector":
        """*items* as this class, sharing the symbols already made of a lazy list."""
        if type(items) is cls:
            return items
        if isinstance(items, SymbolVector):
            copy = cls.__new__(cls)
            copy._items, copy._size, copy._make, copy._made = items._items, items._size, items._make, items._made
            return copy
        return cls(items)

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, index):
        if self._items is not None:
            return self._items[index]
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(self._size)))
        index = _position(index, self._size, "symbol")
        symbol = self._made.get(index)
        if symbol is None:
            symbol = self._made[index] = self._make(index)
        return symbol

    def __iter__(self):
        if self._items is not None:
            return iter(self._items)
        return (self[i] for i in range(self._size))

    def locate(self, symbol) -> int | None:
        """The index of *symbol* here, or None: read from its name, without making the others."""
        if self._items is not None:
            try:
                return _positions(self).get(symbol)
            except TypeError:  # unhashable
                return None
        if not isinstance(symbol, sympy.Symbol):
            return None
        assert self._make is not None  # no items: made by the namer
        found = self._make.locate(symbol.name)
        if found is None or len(found) != 1 or not 0 <= found[0] < self._size:
            return None
        return found[0] if self[found[0]] == symbol else None

    def __contains__(self, symbol) -> bool:
        return self.locate(symbol) is not None

    def index(self, symbol, *args) -> int:
        found = self.locate(symbol)
        if found is None:
            raise ValueError(f"{symbol!r} is not in this list")
        return found

    def __eq__(self, other):
        if isinstance(other, (SymbolVector, tuple, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __hash__(self):
        return hash(tuple(self))

    #: what ``+`` makes: a tuple, as the per-layer tuples were (``SymbolList``: a list)
    _joined: ClassVar[type] = tuple

    def __add__(self, other):
        if isinstance(other, list) or (isinstance(other, SymbolVector) and other._joined is list):
            return list(self) + list(other)
        if isinstance(other, (tuple, SymbolVector)):
            return self._joined(self) + self._joined(other)
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, list):
            return other + list(self)
        if isinstance(other, tuple):
            return other + self._joined(self) if self._joined is tuple else list(other) + list(self)
        return NotImplemented

    def __repr__(self) -> str:
        if self._size <= 100:
            return repr(tuple(self))
        shown = ", ".join(str(self[i]) for i in range(3))
        return f"({shown}, …, {self[self._size - 1]})  # {self._size} symbols"

    def __getstate__(self):
        return (self._items, self._size, self._make)

    def __setstate__(self, state):
        self._items, self._size, self._make = state
        self._made = None if self._items is not None else {}


class SymbolList(SymbolVector):
    """A :class:`SymbolVector` that joins into lists (a network's inputs and targets, which were lists)."""

    __slots__ = ()
    _joined = list


_POSITIONS: dict = {}


def _positions(vector: SymbolVector) -> dict:
    """symbol → index for a vector given as explicit symbols (made once per vector)."""
    key = id(vector)
    cached = _POSITIONS.get(key)
    if cached is None or cached[0] is not vector:
        if len(_POSITIONS) > 4096:
            _POSITIONS.clear()
        table: dict = {}
        for i, s in enumerate(vector._items or ()):
            table.setdefault(s, i)
        cached = _POSITIONS[key] = (vector, table)
    return cached[1]


class SymbolGrid(Sequence):
    """Rows of symbols (a weight matrix), each row a :class:`SymbolVector` made when first read."""

    __slots__ = ("_shape", "_make", "_rows")
    _shape: tuple[int, int]
    _make: _Namer | None  # None: every row was given
    _rows: dict[int, SymbolVector]

    def __init__(self, rows=None, *, shape: tuple[int, int] | None = None, make: _Namer | None = None):
        if rows is not None:
            made = tuple(SymbolVector.of(row) for row in rows)
            self._shape = (len(made), len(made[0]) if made else 0)
            self._make, self._rows = None, dict(enumerate(made))
        elif shape is None or make is None:
            raise TypeError("a SymbolGrid needs its rows, or a shape and a namer")
        else:
            self._shape, self._make, self._rows = (int(shape[0]), int(shape[1])), make, {}

    @classmethod
    def of(cls, rows) -> "SymbolGrid":
        return rows if isinstance(rows, SymbolGrid) else cls(rows)

    @property
    def shape(self) -> tuple[int, int]:
        return self._shape

    def __len__(self) -> int:
        return self._shape[0]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(self._shape[0])))
        index = _position(index, self._shape[0], "row")
        row = self._rows.get(index)
        if row is None:
            fmt = self._make.fmt.replace("{}", str(index + 1), 1)
            row = self._rows[index] = SymbolVector(size=self._shape[1], make=_Namer(fmt))
        return row

    def __iter__(self):
        return (self[i] for i in range(self._shape[0]))

    def locate(self, symbol) -> tuple[int, int] | None:
        """(row, column) of *symbol*, or None."""
        if self._make is None:
            for i, row in self._rows.items():
                j = row.locate(symbol)
                if j is not None:
                    return i, j
            return None
        if not isinstance(symbol, sympy.Symbol):
            return None
        found = self._make.locate(symbol.name)
        if found is None or len(found) != 2:
            return None
        i, j = found
        if not (0 <= i < self._shape[0] and 0 <= j < self._shape[1]):
            return None
        return (i, j) if self[i][j] == symbol else None

    def __eq__(self, other):
        if isinstance(other, (SymbolGrid, tuple, list)):
            return len(self) == len(other) and all(SymbolVector.of(a) == b for a, b in zip(self, other))
        return NotImplemented

    def __hash__(self):
        return hash(tuple(tuple(row) for row in self))

    def __repr__(self) -> str:
        return f"<{self._shape[0]} × {self._shape[1]} symbols>"

    def __getstate__(self):
        return (self._shape, self._make, self._rows)

    def __setstate__(self, state):
        self._shape, self._make, self._rows = state


class Layer:
    """Layer *index* (1-based): weights[i][j] connect input j to unit i.

    The per-unit symbols (``weights``, ``biases``, ``pre_activations``,
    ``outputs``) may be given as tuples or as lazy :class:`SymbolVector` /
    :class:`SymbolGrid` lists, which make each symbol when first read.  The
    layer as a whole is ``z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾``, ``a⁽ˡ⁾ = f(z⁽ˡ⁾)``: its
    shape is known without making any symbol.
    """

    def __init__(self, index: int, weights, biases, inputs, pre_activations, outputs, activation: Activation):
        self.index = index
        self.weights = SymbolGrid.of(weights)
        self.biases = SymbolVector.of(biases)
        self.inputs = SymbolVector.of(inputs)
        self.pre_activations = SymbolVector.of(pre_activations)
        self.outputs = SymbolVector.of(outputs)
        self.activation = activation

    @property
    def size(self) -> int:
        return len(self.biases)

    @property
    def fan_in(self) -> int:
        return len(self.inputs)

    @property
    def n_parameters(self) -> int:
        return self.size * self.fan_in + self.size

    @property
    def parameters(self) -> list[sympy.Symbol]:
        return [w for row in self.weights for w in row] + list(self.biases)

    def parameter(self, position: int) -> sympy.Symbol:
        """The parameter at *position* in this layer's block (W row-major, then b)."""
        n_weights = self.size * self.fan_in
        if position < n_weights:
            return self.weights[position // self.fan_in][position % self.fan_in]
        return self.biases[position - n_weights]

    def locate(self, symbol) -> tuple[int, int | None] | None:
        """(unit, input index) of a weight, (unit, None) of a bias of this layer, or None."""
        found = self.weights.locate(symbol)
        if found is not None:
            return found
        unit = self.biases.locate(symbol)
        return None if unit is None else (unit, None)

    def pre_activation_expression(self, unit: int) -> sympy.Expr:
        """z_i = Σ_j w_ij a_j + b_i, in named form."""
        row = self.weights[unit]
        return sympy.Add(*[w * a for w, a in zip(row, self.inputs)], self.biases[unit])

    def activation_expression(self, unit: int) -> sympy.Expr:
        if self.activation.elementwise:
            return self.activation.function(self.pre_activations[unit])
        return self.activation.function(unit, *self.pre_activations)

    def __repr__(self) -> str:
        return f"<layer {self.index}: {self.fan_in} → {self.size}, {self.activation.name}>"


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


class _Equations(Sequence):
    """The named form, one equation per unit, each built when first read."""

    def __init__(self, network: "Network"):
        self._network = network
        self._offsets = []
        count = 0
        for layer in network.layers:
            self._offsets.append(count)
            count += 2 * layer.size
        self._size = count + 1

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(self._size)))
        index = _position(index, self._size, "equation")
        net = self._network
        if index == self._size - 1:
            return Equation(net.loss_symbol, net.definitions[net.loss_symbol], "loss")
        import bisect

        number = bisect.bisect_right(self._offsets, index) - 1
        layer = net.layers[number]
        position = index - self._offsets[number]
        if position < layer.size:
            symbol = layer.pre_activations[position]
            return Equation(symbol, net.definitions[symbol], "pre-activation", layer.index)
        symbol = layer.outputs[position - layer.size]
        return Equation(symbol, net.definitions[symbol], "activation", layer.index)

    def __iter__(self):
        return (self[i] for i in range(self._size))

    def __eq__(self, other):
        if isinstance(other, (Sequence, _Equations)) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __hash__(self):
        return hash(tuple(self))

    def __add__(self, other):
        return tuple(self) + tuple(other)

    def __radd__(self, other):
        return tuple(other) + tuple(self)

    def __repr__(self) -> str:
        return f"<named form of {self._network.description}: {self._size} equations>"


class _Definitions(Mapping):
    """Named quantity → its definition (the right side of its equation), each built when first read."""

    def __init__(self, network: "Network"):
        self._network = network
        self._made: dict = {}

    def _find(self, symbol):
        net = self._network
        if symbol == net.loss_symbol:
            return "loss", None, None
        return net._unit_of(symbol)

    def __getitem__(self, symbol):
        made = self._made.get(symbol)
        if made is not None:
            return made
        found = self._find(symbol) if isinstance(symbol, sympy.Symbol) else None
        if found is None:
            raise KeyError(symbol)
        kind, layer, unit = found
        net = self._network
        if kind == "loss":
            value = net.loss_function.expression(net.predictions, net.targets)
        elif kind == "pre-activation":
            value = layer.pre_activation_expression(unit)
        else:
            value = layer.activation_expression(unit)
        self._made[symbol] = value
        return value

    def __contains__(self, symbol) -> bool:
        return isinstance(symbol, sympy.Symbol) and self._find(symbol) is not None

    def __iter__(self):
        return (equation_lhs for equation_lhs in self._lhs())

    def _lhs(self):
        net = self._network
        for layer in net.layers:
            yield from layer.pre_activations
            yield from layer.outputs
        yield net.loss_symbol

    def __len__(self) -> int:
        return len(self._network.equations)

    def __or__(self, other):
        return {**self, **other}

    def __ror__(self, other):
        return {**other, **self}

    def __repr__(self) -> str:
        return f"<definitions of {self._network.description}: {len(self)} named quantities>"


class _Parameters(Sequence):
    """Every parameter in ``theta`` order (layer by layer, W row-major, then b), each made when first read."""

    def __init__(self, layers):
        self._layers = tuple(layers)
        self._offsets = []
        count = 0
        for layer in self._layers:
            self._offsets.append(count)
            count += layer.n_parameters
        self._size = count

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._size))]
        index = _position(index, self._size, "parameter")
        import bisect

        number = bisect.bisect_right(self._offsets, index) - 1
        return self._layers[number].parameter(index - self._offsets[number])

    def __iter__(self):
        for layer in self._layers:
            for row in layer.weights:
                yield from row
            yield from layer.biases

    def locate(self, symbol):
        """(layer, unit, input index or None, position in theta) of a parameter, or None."""
        try:
            return self._found[symbol]
        except (KeyError, TypeError, AttributeError):
            pass
        found = self._locate(symbol)
        cache = self.__dict__.setdefault("_found", {})
        if len(cache) > 100_000:
            cache.clear()
        try:
            cache[symbol] = found
        except TypeError:
            pass
        return found

    def _textbook_named(self) -> bool:
        """Is every layer's every parameter named w{l}_{i}_{j} or b{l}_{i} (an MLP's), made when read?"""
        if "_named" not in self.__dict__:
            self._named = all(
                layer.weights._make is not None and layer.weights._make.fmt == f"w{layer.index}_{{}}_{{}}"
                and layer.biases._make is not None and layer.biases._make.fmt == f"b{layer.index}_{{}}"
                for layer in self._layers)
        return self._named

    def _locate(self, symbol):
        layers = zip(self._layers, self._offsets)
        if isinstance(symbol, sympy.Symbol):
            # a textbook name says its layer: look there first (w3_2_1 is in layer 3)
            match = naming._LAYERED.match(symbol.name)
            known = match and match.group(1) in ("w", "b") and 1 <= int(match.group(2)) <= len(self._layers)
            if known:
                number = int(match.group(2)) - 1
                layers = [(self._layers[number], self._offsets[number])] + list(layers)
            if self._textbook_named():
                # every parameter has its layer in its name: that layer is the only place to look
                layers = layers[:1] if known else []
        for layer, offset in layers:
            found = layer.locate(symbol)
            if found is not None:
                unit, source = found
                position = unit * layer.fan_in + source if source is not None \
                    else layer.size * layer.fan_in + unit
                return layer, unit, source, offset + position
        return None

    def __contains__(self, symbol) -> bool:
        return self.locate(symbol) is not None

    def index(self, symbol, *args) -> int:
        found = self.locate(symbol)
        if found is None:
            raise ValueError(f"{symbol!r} is not a parameter")
        return found[3]

    def __eq__(self, other):
        if isinstance(other, (_Parameters, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __hash__(self):
        return hash(tuple(self))

    def __add__(self, other):
        if isinstance(other, (list, tuple, SymbolVector, _Parameters)):
            return list(self) + list(other)
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, (list, tuple, SymbolVector)):
            return list(other) + list(self)
        return NotImplemented

    def __repr__(self) -> str:
        if self._size <= 100:
            return repr(list(self))
        return f"[{self[0]}, {self[1]}, …, {self[self._size - 1]}]  # {self._size} parameters"


class ParameterList(Protocol):
    """A network's parameters in ``theta`` order, and where each one sits."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: Any) -> Any: ...

    def __iter__(self) -> Iterator[sympy.Symbol]: ...

    def index(self, symbol: Any) -> int: ...

    def locate(self, symbol: Any) -> tuple[Layer, int, int | None, int] | None:
        """(layer, unit, input index or None for a bias, position in theta) of a parameter, or None."""


class Network:
    """Layers of named symbols, their equations and the loss.

    Build one with :class:`Neuron` or :class:`MLP`, or with
    :class:`~mathomong_sym.graph.GraphNetwork` for layers of your choice,
    shared weights, skip connections and an L2 penalty.  Given ``Layer``
    records directly, the layers must form a chain, each weight in one place:
    anything else is refused rather than derived wrongly.

    Nothing per unit is made up front: the parameters, the named form
    (``equations``, ``definitions``) and the expanded ``loss`` are built when
    first read, so a network of a million weights is built in the time its
    layer shapes take.
    """

    layers: tuple[Layer, ...]
    inputs: Sequence[sympy.Symbol]
    targets: Sequence[sympy.Symbol]
    parameters: ParameterList
    equations: Sequence[Equation]
    definitions: Mapping[sympy.Symbol, sympy.Expr]
    output_activation: Activation
    description: str

    def __init__(self, layers: Sequence[Layer], inputs, targets, loss: Loss | str = "mse", *,
                 description: str | None = None):
        self.layers = tuple(layers)
        self.inputs = SymbolList._of(inputs)
        self.targets = SymbolList._of(targets)
        loss = get_loss(loss)
        self.loss_function = loss
        self.loss_symbol = naming.sym("L")
        self.parameters = _Parameters(self.layers)
        # a Network built from layers alone derives too: its output activation is its last layer's
        if getattr(self, "output_activation", None) is None:
            _check_chain(self.layers, self.inputs, self.targets, self.parameters, loss)
            self.output_activation = self.layers[-1].activation
        if description is None:
            names = "/".join(dict.fromkeys(layer.activation.name for layer in self.layers))
            description = f"Network {'-'.join(map(str, self.layer_sizes))} ({names}, {loss.name})"
        self.description = description
        self.equations = _Equations(self)
        self.definitions = _Definitions(self)
        self._units = None
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

    @property
    def is_large(self) -> bool:
        """More than :data:`LARGE_NETWORK` parameters or :data:`LARGE_DEPTH` layers: explained and checked
        layer by layer."""
        return self.n_parameters > LARGE_NETWORK or len(self.layers) > LARGE_DEPTH

    def _unit_of(self, symbol):
        """(kind, layer, unit) of a pre-activation or activation symbol, or None."""
        if self._units is None:
            units = {}
            for layer in self.layers:
                for i, s in enumerate(layer.pre_activations):
                    units.setdefault(s, ("pre-activation", layer, i))
                for i, s in enumerate(layer.outputs):
                    units.setdefault(s, ("activation", layer, i))
            self._units = units
        return self._units.get(symbol)

    def parameter(self, name) -> sympy.Symbol:
        """The parameter called *name* (a Symbol of this network passes through)."""
        if isinstance(name, sympy.Symbol):
            if self.parameters.locate(name) is not None:
                return name
            name = name.name
        key = str(name).strip()
        found = self.parameters.locate(naming.sym(key)) if key.isidentifier() else None
        if found is not None:
            layer, unit, source, _ = found
            return layer.weights[unit][source] if source is not None else layer.biases[unit]
        if self.n_parameters > 10_000:
            shown = [str(self.parameters[0]), str(self.parameters[1]), str(self.parameters[-1])]
            raise UnknownNameError("parameter", name, shown + [f"… ({self.n_parameters} in all)"])
        raise UnknownNameError("parameter", name, [p.name for p in self.parameters])

    @property
    def symbols(self) -> dict:
        """Plain name → symbol, for every input, target, parameter, intermediate and the loss.

        These are the symbols the trees are made of (real-valued): use them
        with sympy's own ``subs`` and ``diff``, which take a plain
        ``Symbol("x")`` or the text ``"x"`` for a different symbol.
        """
        found: dict[str, sympy.Symbol] = {}
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

        plain = name.name if isinstance(name, sympy.Symbol) else name
        if isinstance(plain, str) and plain.strip().isidentifier():
            own = naming.sym(plain.strip())
            if (isinstance(name, sympy.Symbol) and name != own and name.assumptions0 == own.assumptions0):
                own = None  # same name and assumptions but not equal: let the full search say why
            if own is not None and (own == self.loss_symbol or own in self.inputs or own in self.targets
                                    or self._unit_of(own) is not None or self.parameters.locate(own)):
                return own
        if self.n_parameters > 10_000 and (not isinstance(plain, str) or plain.strip().isidentifier()):
            # not one of its symbols: say so without listing a million names
            examples = [self.inputs[0].name, self.parameters[0].name, self.layers[0].pre_activations[0].name,
                        self.loss_symbol.name]
            raise UnknownNameError("symbol of this network", plain, examples + [f"… ({self.n_parameters} parameters)"])
        return resolve_symbol(name, self.symbols.values(), strict=True, what="symbol of this network",
                              where="this network")

    def parameter_index(self, name) -> int:
        return self.parameters.index(self.parameter(name))

    def layer_of(self, parameter) -> tuple[Layer, int, int | None]:
        """(layer, unit, input index or None for a bias) of a parameter."""
        found = self.parameters.locate(self.parameter(parameter))
        assert found is not None  # parameter() returns only a parameter of this network
        layer, unit, source, _ = found
        return layer, unit, source

    # -- the loss ---------------------------------------------------------------------

    @cached_property
    def loss(self) -> sympy.Expr:
        """The single-example loss in inputs, targets and parameters (refused beyond the size limit)."""
        from .layerwise import EXPAND_LIMIT, SizeLimitError

        if self.n_parameters > EXPAND_LIMIT:
            raise SizeLimitError(
                f"the loss of {self.description} written out in its inputs and parameters would use all "
                f"{self.n_parameters:,} parameters (the limit is {EXPAND_LIMIT:,}): use the named form "
                "(net.named_form, net.definitions) or compile the network for numbers")
        return expand_definitions(self.loss_symbol, self.definitions)

    @property
    def named_form(self) -> tuple[Equation, ...]:
        """The equations an explanation shows: one per unit, or, for a large network, one per layer."""
        if self.is_large:
            from .layerwise import layer_form

            return layer_form(self)
        return tuple(self.equations)

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

    def compile(self, form: str = "layer", backend: str = "numpy", dtype: str = "float64"):
        """Numpy (or JAX) functions for the batch loss and its gradient (in float64, or float32 if asked)."""
        from .compile import compile_network

        return compile_network(self, form=form, backend=backend, dtype=dtype)

    # -- numbers ------------------------------------------------------------------------

    def values_at(self, point) -> dict:
        """Forward-pass values of every named quantity at *point* (names or symbols → numbers)."""
        from .naming import resolve_symbol

        known = [*self.inputs, *self.targets, *self.parameters]
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
        inputs = SymbolVector(size=sizes[0], make=_Namer("x_{}"))
        targets = SymbolVector(size=sizes[-1], make=_Namer("y_{}"))
        layers = []
        previous = inputs
        depth = len(sizes) - 1
        for l in range(1, depth + 1):
            n = sizes[l]
            last = l == depth
            outputs = SymbolVector(size=n, make=_Namer("yhat_{}" if last else f"a{l}_{{}}"))
            layers.append(Layer(
                index=l,
                weights=SymbolGrid(shape=(n, len(previous)), make=_Namer(f"w{l}_{{}}_{{}}")),
                biases=SymbolVector(size=n, make=_Namer(f"b{l}_{{}}")),
                inputs=previous,
                pre_activations=SymbolVector(size=n, make=_Namer(f"z{l}_{{}}")),
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
        inputs: Sequence[sympy.Symbol]
        weights: Sequence[Sequence[sympy.Symbol]]
        if n == 1:
            inputs, weights = [naming.sym("x")], ((naming.sym("W"),),)
        else:
            inputs = SymbolVector(size=n, make=_Namer("x_{}"))
            weights = SymbolGrid([SymbolVector(size=n, make=_Namer("W_{}"))])
        layer = Layer(
            index=1,
            weights=weights,
            biases=(naming.sym("b"),),
            inputs=inputs,
            pre_activations=(naming.sym("z"),),
            outputs=(naming.sym("yhat"),),
            activation=act,
        )
        self.activation = act
        self.output_activation = act
        super().__init__([layer], inputs, [naming.sym("y")], loss_function,
                         description=f"Neuron with {n} input{'s' if n > 1 else ''} ({act.name}, {loss_function.name})")
