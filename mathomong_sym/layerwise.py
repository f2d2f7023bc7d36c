r"""Layers as vectors: the named form, backpropagation and its checks for large networks.

A network of hundreds of units per layer is explained the way a textbook
explains it, one equation per layer::

    z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾        a⁽ˡ⁾ = f(z⁽ˡ⁾)
    δ⁽ᴸ⁾ = ∇ŷL ⊙ f′(z⁽ᴸ⁾)           (BP1)
    δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀδ⁽ˡ⁺¹⁾ ⊙ f′(z⁽ˡ⁾)   (BP2)

Here the quantities of a layer are :class:`LayerVector` symbols (z⁽²⁾, δ⁽²⁾,
ŷ); products of vectors are entry by entry, so sympy's scalar algebra is
their algebra, and the one matrix operation, ``(W⁽ˡ⁾)ᵀv``, is
:class:`TransposeTimes`.  :func:`entry` turns any such expression into the
scalar expression of one unit (z⁽²⁾ → z⁽²⁾ₖ, (W⁽³⁾)ᵀδ⁽³⁾ → Σⱼ w⁽³⁾ⱼₖ δ⁽³⁾ⱼ).

Checking such a derivation (:class:`LayerDefinitions`) never builds the
per-unit expression of the whole network: at a random point whose every
value has six decimals, the affine maps are computed exactly in integer
arithmetic (fixed point, 2⁻²²⁰, for activations), the activations with
mpmath at 60 digits.  A derivative ∂A/∂v of a quantity is found by carrying
a tangent forward from v through the layers, and ∂L/∂v by going backwards
from the loss through the network's own weights; either way every slope of
an activation or of the loss is taken numerically, never from the
derivation being checked.  A vector equation is checked at a few of its
entries, drawn with the point.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

import numpy as np
import sympy
from sympy import Derivative

from . import naming
from .errors import MathomongError

__all__ = ["LayerVector", "WeightMatrix", "TransposeTimes", "Entry", "Hadamard", "entry", "is_vector",
           "layer_form", "LayerDefinitions", "SizeLimitError", "EXPAND_LIMIT"]

#: the most terms an expanded result (∂L/∂θ in inputs and parameters) may have before it is refused
EXPAND_LIMIT = 20_000

_DPS = 60
_FIXED_BITS = 220
_VECTOR_NAME = re.compile(r"^(z|a|delta|b)(\d+)$")


class SizeLimitError(MathomongError, ValueError):
    """A result too large to write out (the expanded ∂L/∂θ of a wide network)."""


def _vector_names(name: str) -> tuple[str, str]:
    match = _VECTOR_NAME.match(name)
    if match:
        kind, layer = match.groups()
        latex_base, text_base = naming._base(kind)
        return f"{latex_base}^{{({layer})}}", text_base + f"({layer})".translate(naming._SUP)
    return naming.latex_name(name), naming.unicode_name(name)


class LayerVector(sympy.Symbol):
    """The vector of one quantity over a layer's units: z⁽²⁾ (``z2``), δ⁽²⁾ (``delta2``), ŷ, y, x.

    Its entry k is the unit symbol ``{name}_{k}`` (z2_5, delta2_5, yhat_5).
    """

    def __new__(cls, name: str):
        return super().__new__(cls, name, real=True)

    def unit(self, k: int) -> sympy.Symbol:
        """The symbol of entry *k* (1-based)."""
        return naming.sym(f"{self.name}_{k}")

    def _latex(self, printer=None):
        return _vector_names(self.name)[0]

    def _sympystr(self, printer=None):
        return _vector_names(self.name)[1]


class WeightMatrix(sympy.Symbol):
    """W⁽ˡ⁾ (``W2``): the weights of layer l, entry (i, j) the symbol w{l}_{i}_{j}."""

    def __new__(cls, layer: int):
        obj = super().__new__(cls, f"W{layer}", real=True)
        return obj

    @property
    def layer(self) -> int:
        return int(self.name[1:])

    def weight(self, i: int, j: int) -> sympy.Symbol:
        return naming.weight(self.layer, i, j)

    def _latex(self, printer=None):
        return f"W^{{({self.layer})}}"

    def _sympystr(self, printer=None):
        return "W" + f"({self.layer})".translate(naming._SUP)


class _LayerFunction(sympy.Function):
    """A structural function of layer vectors; like the package's functions, it reads no text as code."""

    def __new__(cls, *args, **options):
        from .parsing.values import as_arguments

        return super().__new__(cls, *as_arguments(args), **options)


class TransposeTimes(_LayerFunction):
    """(W⁽ˡ⁾)ᵀv: the vector whose entry k is Σⱼ w⁽ˡ⁾ⱼₖ vⱼ."""

    nargs = 2
    is_real = True

    def _latex(self, printer):
        matrix, vector = self.args
        return rf"\left({printer._print(matrix)}\right)^{{\!\top}} {_grouped(printer, vector)}"

    def _sympystr(self, printer):
        matrix, vector = self.args
        return f"({printer._print(matrix)})ᵀ{_grouped(printer, vector)}"


class Entry(_LayerFunction):
    """Entry k (1-based) of a vector expression: ((W⁽²⁾)ᵀδ⁽²⁾)₁."""

    nargs = 2
    is_real = True

    def _latex(self, printer):
        vector, k = self.args
        return rf"\left({printer._print(vector)}\right)_{{{int(k)}}}"

    def _sympystr(self, printer):
        vector, k = self.args
        return f"({printer._print(vector)}){str(int(k)).translate(naming._SUB)}"


class Hadamard(_LayerFunction):
    """The entry-by-entry product a ⊙ b of vectors (commutative, like the product of numbers it is made of)."""

    is_real = True

    def _latex(self, printer):
        return r" \odot ".join(_grouped(printer, a, product=True) for a in self.args)

    def _sympystr(self, printer):
        return " ⊙ ".join(_grouped(printer, a, product=True) for a in self.args)


def _grouped(printer, expr, product: bool = False) -> str:
    text = printer._print(expr)
    if expr.is_Add or (not product and expr.is_Mul) or isinstance(expr, Hadamard):
        return rf"\left({text}\right)" if getattr(printer, "_latex", False) is True else f"({text})"
    return text


def is_vector(expr) -> bool:
    """Does *expr* stand for a vector (a layer quantity not taken at one entry)?"""
    if not expr.args:
        return isinstance(expr, LayerVector)
    return _is_vector(expr)


@lru_cache(maxsize=65536)
def _is_vector(expr) -> bool:
    if isinstance(expr, (LayerVector, TransposeTimes, Hadamard)):
        return True
    if isinstance(expr, Entry):
        return False
    if isinstance(expr, Derivative):
        return any(isinstance(v, LayerVector) for v, _ in expr.variable_count) or is_vector(expr.expr)
    return any(is_vector(a) for a in expr.args)


@lru_cache(maxsize=65536)
def entry(expr, k: int):
    """The scalar expression of entry *k* (1-based) of the vector expression *expr*."""
    if isinstance(expr, LayerVector):
        return expr.unit(k)
    if isinstance(expr, TransposeTimes):
        matrix, vector = expr.args
        size = _size(vector)
        return sympy.Add(*[matrix.weight(j, k) * entry(vector, j) for j in range(1, size + 1)])
    if isinstance(expr, Hadamard):
        return sympy.Mul(*[entry(a, k) for a in expr.args])
    if isinstance(expr, Entry):
        vector, i = expr.args
        return entry(vector, int(i))
    if isinstance(expr, Derivative):
        variables = [(entry(v, k) if isinstance(v, LayerVector) else v, n) for v, n in expr.variable_count]
        return Derivative(entry(expr.expr, k), *variables)
    if not expr.args or not is_vector(expr):
        return expr
    return expr.func(*[entry(a, k) for a in expr.args])


# the sizes of the layers a vector expression lives on: set by the table that owns the vectors
_SIZES: dict = {}


def _size(vector) -> int:
    """How many entries the vector expression has (a (W⁽ˡ⁾)ᵀv has one per column of W⁽ˡ⁾)."""
    if isinstance(vector, LayerVector):
        if vector in _SIZES:
            return _SIZES[vector]
    elif isinstance(vector, TransposeTimes):
        return _SIZES[vector.args[0]]
    elif isinstance(vector, Derivative):
        for variable, _ in vector.variable_count:
            if isinstance(variable, LayerVector):
                return _size(variable)
        return _size(vector.expr)
    elif not isinstance(vector, Entry):
        for argument in vector.args:
            if is_vector(argument):
                return _size(argument)
    raise ValueError(f"no size known for {vector}")


def vectors_of(network):
    """The LayerVector symbols of *network*, by layer: {l: {"z": z⁽ˡ⁾, "a": a⁽ˡ⁾, "delta": δ⁽ˡ⁾, "b": b⁽ˡ⁾}}."""
    depth = len(network.layers)
    found = {0: {"a": LayerVector("x")}}
    _SIZES[found[0]["a"]] = len(network.inputs)
    for layer in network.layers:
        l = layer.index
        out = LayerVector("yhat") if l == depth else LayerVector(f"a{l}")
        found[l] = {"z": LayerVector(f"z{l}"), "a": out, "delta": LayerVector(f"delta{l}"),
                    "b": LayerVector(f"b{l}")}
        for v in found[l].values():
            _SIZES[v] = layer.size
        _SIZES[WeightMatrix(l)] = layer.fan_in  # (W⁽ˡ⁾)ᵀv has one entry per input of the layer
    found["y"] = LayerVector("y")
    _SIZES[found["y"]] = len(network.targets)
    return found


def layer_form(network) -> tuple:
    """The named form of *network*, one equation per layer (what an explanation of a large network shows)."""
    from .network import Equation

    vectors = vectors_of(network)
    equations = []
    neuron = len(network.layers) == 1 and network.layers[0].pre_activations[0].name == "z"
    for layer in network.layers:
        l = layer.index
        z, a, b = vectors[l]["z"], vectors[l]["a"], vectors[l]["b"]
        previous = vectors[l - 1]["a"]
        weights = WeightMatrix(l)
        if neuron:  # the guide's names: z = W·x + b, ŷ = σ(z)
            z, b, weights = LayerVector("z"), naming.sym("b"), LayerVector("W")
        equations.append(Equation(z, sympy.Add(_MatrixTimes(weights, previous), b, evaluate=False),
                                  "pre-activation", l))
        act = layer.activation
        value = act.function(z) if act.elementwise else sympy.Function(act.text)(z)
        equations.append(Equation(a, value, "activation", l))
    loss = network.loss_function
    ell = loss.term(vectors[len(network.layers)]["a"], vectors["y"])
    equations.append(Equation(network.loss_symbol, _EntrySum(ell) if len(network.targets) > 1 else ell, "loss"))
    return tuple(equations)


class _EntrySum(_LayerFunction):
    """Σ of the entries of a vector: the loss summed over the output units."""

    nargs = 1

    def _latex(self, printer):
        return rf"\sum_k \left({printer._print(self.args[0])}\right)_k"

    def _sympystr(self, printer):
        return f"Σₖ ({printer._print(self.args[0])})ₖ"


class _MatrixTimes(_LayerFunction):
    """W⁽ˡ⁾a⁽ˡ⁻¹⁾, printed as a product (it appears only in the shown named form)."""

    nargs = 2

    def _latex(self, printer):
        return " ".join(printer._print(a) for a in self.args)

    def _sympystr(self, printer):
        joint = "·" if not isinstance(self.args[0], WeightMatrix) else ""
        return joint.join(printer._print(a) for a in self.args)


# ---------------------------------------------------------------------------
# numbers at a random point, exactly where they can be
# ---------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _scalar_function(function_class):
    """An mpmath function for a package or sympy function of one argument (cached)."""
    t = sympy.Dummy("t", real=True)
    from .derivation import _mpmath_namespace

    return sympy.lambdify(t, function_class(t), modules=[_mpmath_namespace(), "mpmath"])


_ACTIVATION_FUNCTIONS: dict = {}


def _activation_function(activation):
    """f as an mpmath function of one number (an elementwise activation), made once per activation."""
    cached = _ACTIVATION_FUNCTIONS.get(id(activation))
    if cached is None or cached[0] is not activation:
        t = sympy.Dummy("t", real=True)
        from .derivation import _mpmath_namespace

        function = sympy.lambdify(t, activation.function(t), modules=[_mpmath_namespace(), "mpmath"])
        cached = _ACTIVATION_FUNCTIONS[id(activation)] = (activation, function)
    return cached[1]


class _Point:
    """Values of every input, parameter and target (six decimals each), and what follows from them.

    Base values are integers scaled by 10⁶, so each affine map is an exact
    integer product; activations carry 220 fractional bits (about 66 digits).
    """

    def __init__(self, network, seed: int):
        import mpmath

        self.net = network
        self.mp = mpmath
        rng = np.random.default_rng(seed)

        def draw(*shape):
            magnitude = rng.integers(250_000, 2_000_000, size=shape) + rng.integers(1, 998, size=shape)
            sign = rng.choice(np.array([-1, 1]), size=shape)
            return (sign * magnitude).astype(np.int64)

        self.x = draw(len(network.inputs))
        self.W = {}
        self.b = {}
        for layer in network.layers:
            self.W[layer.index] = draw(layer.size, layer.fan_in)
            self.b[layer.index] = draw(layer.size)
        self.y = draw(len(network.targets))
        with mpmath.workdps(_DPS):
            self.y_values = [mpmath.mpf(int(v)) / 10**6 for v in self.y]
            # Σ y = 1 for a loss that assumes it (softmax cross-entropy)
            if network.loss_function.assumption:
                self.y_values[-1] = 1 - sum(self.y_values[:-1])
        self._z: dict = {}
        self._a: dict = {}
        self._slopes: dict = {}
        self._tangents: dict = {}
        self._objects: dict = {}
        self.forward()

    # -- forward ------------------------------------------------------------------------

    def _dot_fixed(self, W, values, transpose=False):
        """W·v (or Wᵀ·v) for integer W (scale 10⁶) and mpf v, exact up to the fixed point of v."""
        mp = self.mp
        scale = 1 << _FIXED_BITS
        fixed = np.array([int(mp.nint(v * scale)) for v in values], dtype=object)
        cached = self._objects.get(id(W))
        if cached is None or cached[0] is not W:
            cached = self._objects[id(W)] = (W, W.astype(object))
        matrix = cached[1].T if transpose else cached[1]
        products = matrix.dot(fixed)
        return [mp.mpf(int(p)) / (scale * 10**6) for p in products]

    def forward(self):
        mp = self.mp
        net = self.net
        with mp.workdps(_DPS):
            previous = None
            for layer in net.layers:
                l = layer.index
                if l == 1:
                    W = self.W[1]
                    exact = W.astype(object).dot(self.x.astype(object)) if W.shape[1] * 4e12 > 9e18 \
                        else W.dot(self.x)
                    z = [mp.mpf(int(v)) / 10**12 + mp.mpf(int(b)) / 10**6 for v, b in zip(exact, self.b[1])]
                else:
                    z = [v + mp.mpf(int(b)) / 10**6 for v, b in zip(self._dot_fixed(self.W[l], previous), self.b[l])]
                self._z[l] = z
                self._a[l] = self._activate(layer, z)
                previous = self._a[l]

    def _activate(self, layer, z):
        act = layer.activation
        if act.elementwise:
            f = _activation_function(act)
            return [f(v) for v in z]
        ks = [naming.sym(f"_z{k}") for k in range(len(z))]
        from .derivation import _mpmath_namespace

        functions = [sympy.lambdify(ks, act.function(k, *ks), modules=[_mpmath_namespace(), "mpmath"])
                     for k in range(len(z))]
        return [f(*z) for f in functions]

    def loss(self, predictions=None):
        net = self.net
        loss = net.loss_function
        if not hasattr(self, "_loss_function"):
            from .derivation import _mpmath_namespace

            symbols = list(net.predictions) + list(net.targets)
            self._loss_function = sympy.lambdify(symbols, loss.expression(net.predictions, net.targets),
                                                 modules=[_mpmath_namespace(), "mpmath"])
        predictions = self._a[len(net.layers)] if predictions is None else predictions
        return self._loss_function(*predictions, *self.y_values)

    # -- values of unit symbols -------------------------------------------------------------

    def base_value(self, symbol):
        """The value of an input, parameter or target, or None."""
        mp = self.mp
        net = self.net
        j = net.inputs.locate(symbol)
        if j is not None:
            return mp.mpf(int(self.x[j])) / 10**6
        k = net.targets.locate(symbol)
        if k is not None:
            return self.y_values[k]
        found = net.parameters.locate(symbol)
        if found is not None:
            layer, unit, source, _ = found
            raw = self.W[layer.index][unit, source] if source is not None else self.b[layer.index][unit]
            return mp.mpf(int(raw)) / 10**6
        return None

    def unit_value(self, symbol):
        """The value of a pre-activation or activation of one unit, or None."""
        found = self.net._unit_of(symbol)
        if found is None:
            return None
        kind, layer, unit = found
        return (self._z if kind == "pre-activation" else self._a)[layer.index][unit]

    # -- slopes, independently of any derivation -----------------------------------------------

    def _slope(self, layer, unit):
        """f′(z) of an elementwise activation at one unit, by numerical differentiation (60 digits)."""
        key = (layer.index, unit)
        if key not in self._slopes:
            f = _activation_function(layer.activation)
            z = self._z[layer.index][unit]
            self._slopes[key] = _directional(self.mp, lambda t: f(z + t), self.mp.mpf(1))
        return self._slopes[key]

    def tangent(self, symbol, upto: int | None = None):
        """d(everything downstream, up to layer *upto*)/d(symbol): {("z"|"a", layer): {unit: value}, "L": value}."""
        key = (symbol, upto)
        if key in self._tangents:
            return self._tangents[key]
        mp = self.mp
        net = self.net
        depth = len(net.layers) if upto is None else upto
        result: dict = {}
        with mp.workdps(_DPS):
            start_layer, seed_kind, seeds = self._seed(symbol)
            if seed_kind == "z":
                dz = seeds
                current = start_layer
            else:  # "a" of layer start_layer - 1 (an input, or a unit's output) moves z of start_layer
                result[("a", start_layer - 1)] = seeds
                current = start_layer
                dz = self._through_weights(current, seeds) if current <= depth else None
            while current <= depth:
                result[("z", current)] = dz
                layer = net.layers[current - 1]
                da = self._through_activation(layer, dz)
                result[("a", current)] = da
                current += 1
                if current <= depth:
                    dz = self._through_weights(current, da)
            if upto is None:
                result["L"] = self._through_loss(result.get(("a", depth), {}))
        self._tangents[key] = result
        return result

    def _seed(self, symbol):
        """(layer whose z the seed reaches first, "z" or "a", {unit: tangent})."""
        mp = self.mp
        net = self.net
        one = mp.mpf(1)
        found = net.parameters.locate(symbol)
        if found is not None:
            layer, unit, source, _ = found
            if source is None:
                return layer.index, "z", {unit: one}
            return layer.index, "z", {unit: self.input_value(layer.index, source)}
        j = net.inputs.locate(symbol)
        if j is not None:
            return 1, "a", {j: one}
        found = net._unit_of(symbol)
        if found is not None:
            kind, layer, unit = found
            if kind == "pre-activation":
                return layer.index, "z", {unit: one}
            return layer.index + 1, "a", {unit: one}
        raise KeyError(symbol)

    def input_values(self, l: int):
        if l == 1:
            if "inputs" not in self._slopes:
                self._slopes["inputs"] = [self.mp.mpf(int(v)) / 10**6 for v in self.x]
            return self._slopes["inputs"]
        return self._a[l - 1]

    def input_value(self, l: int, j: int):
        return self.mp.mpf(int(self.x[j])) / 10**6 if l == 1 else self._a[l - 1][j]

    def _through_weights(self, l: int, da: dict) -> dict:
        """dz⁽ˡ⁾ = W⁽ˡ⁾ da⁽ˡ⁻¹⁾ for a sparse tangent da."""
        mp = self.mp
        W = self.W[l]
        if not da:
            return {}
        units = sorted(da)
        columns = W[:, units].astype(object)
        scale = 1 << _FIXED_BITS
        fixed = np.array([int(mp.nint(da[u] * scale)) for u in units], dtype=object)
        products = columns.dot(fixed)
        return {i: mp.mpf(int(p)) / (scale * 10**6) for i, p in enumerate(products)}

    def _through_activation(self, layer, dz: dict) -> dict:
        mp = self.mp
        if layer.activation.elementwise:
            return {u: self._slope(layer, u) * v for u, v in dz.items()}
        # softmax: every output moves with every input; its Jacobian, numerically, once per point
        jacobian = self._jacobian(layer)
        return {k: mp.fsum(row[j] * v for j, v in dz.items()) for k, row in enumerate(jacobian)}

    def _jacobian(self, layer):
        """∂aₖ/∂zⱼ of a layer whose activation mixes its units, by numerical differentiation (60 digits)."""
        key = ("jacobian", layer.index)
        if key not in self._slopes:
            mp = self.mp
            z = self._z[layer.index]
            ks = [naming.sym(f"_z{k}") for k in range(len(z))]
            from .derivation import _mpmath_namespace

            rows = []
            for k in range(len(z)):
                f = sympy.lambdify(ks, layer.activation.function(k, *ks), modules=[_mpmath_namespace(), "mpmath"])
                rows.append([_directional(mp, lambda t, j=j, f=f: f(*[v + (t if i == j else 0) for i, v in enumerate(z)]),
                                          mp.mpf(1)) for j in range(len(z))])
            self._slopes[key] = rows
        return self._slopes[key]

    def _loss_gradient(self):
        """∂L/∂ŷₖ for every prediction, by numerical differentiation, once per point."""
        if "loss gradient" not in self._slopes:
            mp = self.mp
            predictions = self._a[len(self.net.layers)]
            gradient = []
            for k, value in enumerate(predictions):
                # a step far smaller than the prediction (a log of a prediction of 1e-60 stays defined)
                scale = min(abs(value), mp.mpf(1)) if value != 0 else mp.mpf(1)
                gradient.append(_directional(
                    mp, lambda t, k=k: self.loss([v + (t if i == k else 0) for i, v in enumerate(predictions)]),
                    scale))
            self._slopes["loss gradient"] = gradient
        return self._slopes["loss gradient"]

    def _through_loss(self, dyhat: dict):
        mp = self.mp
        if not dyhat:
            return mp.mpf(0)
        gradient = self._loss_gradient()
        return mp.fsum(gradient[i] * v for i, v in dyhat.items())

    def derivative(self, of, variable):
        """∂of/∂variable for a unit quantity, prediction or L, by a tangent carried from variable."""
        mp = self.mp
        target = self.target_value(of)
        if isinstance(variable, sympy.Symbol) and self.net.targets.locate(variable) is not None:
            if of == self.net.loss_symbol:
                with mp.workdps(_DPS):
                    k = self.net.targets.locate(variable)
                    values = list(self.y_values)

                    def g(t):
                        saved = self.y_values
                        self.y_values = [v + (t if i == k else 0) for i, v in enumerate(values)]
                        try:
                            return self.loss()
                        finally:
                            self.y_values = saved

                    return mp.diff(g, 0)
            return mp.mpf(0)
        if of == variable:
            return mp.mpf(1)
        if target is None:
            raise KeyError(of)
        if target == "L":
            return self._loss_derivative(variable)
        kind, l, unit = target
        tangent = self.tangent(variable, upto=l)
        return tangent.get((kind, l), {}).get(unit, mp.mpf(0))

    # -- ∂L/∂(anything), backwards: numeric local slopes joined by the network's own weights ------------

    def _loss_derivative(self, variable):
        net = self.net
        found = net.parameters.locate(variable)
        if found is not None:
            layer, unit, source, _ = found
            delta = self._grad_z_unit(layer.index, unit)
            return delta if source is None else delta * self.input_value(layer.index, source)
        j = net.inputs.locate(variable)
        if j is not None:
            return self._grad_a(0)[j]
        found = net._unit_of(variable)
        if found is None:
            raise KeyError(variable)
        kind, layer, unit = found
        if kind == "pre-activation":
            return self._grad_z_unit(layer.index, unit)
        return self._grad_a(layer.index)[unit]

    def _grad_a(self, l: int):
        """∂L/∂a⁽ˡ⁾ (∂L/∂ŷ for the last layer, ∂L/∂x for l = 0), the whole vector."""
        key = ("grad a", l)
        if key not in self._slopes:
            depth = len(self.net.layers)
            if l == depth:
                value = self._loss_gradient()
            else:
                above = self._grad_z(l + 1)
                value = self._dot_fixed(self.W[l + 1], above, transpose=True)
            self._slopes[key] = value
        return self._slopes[key]

    def _grad_z(self, l: int):
        key = ("grad z", l)
        if key not in self._slopes:
            layer = self.net.layers[l - 1]
            if layer.activation.elementwise:
                value = [self._grad_z_unit(l, k) for k in range(layer.size)]
            else:
                jacobian = self._jacobian(layer)
                g = self._grad_a(l)
                value = [self.mp.fsum(jacobian[k][j] * g[k] for k in range(layer.size)) for j in range(layer.size)]
            self._slopes[key] = value
        return self._slopes[key]

    def _grad_z_unit(self, l: int, unit: int):
        layer = self.net.layers[l - 1]
        if not layer.activation.elementwise:
            return self._grad_z(l)[unit]
        return self._slope(layer, unit) * self._grad_a(l)[unit]

    def target_value(self, of):
        if of == self.net.loss_symbol:
            return "L"
        found = self.net._unit_of(of)
        if found is None:
            return None
        kind, layer, unit = found
        return ("z" if kind == "pre-activation" else "a", layer.index, unit)


def _close_numbers(mp, a, b) -> bool:
    """Equal to 30 digits relative to max(1, |a|, |b|): the agreement every numeric check demands."""
    if not (mp.isfinite(a) and mp.isfinite(b)):
        return False
    scale = max(mp.mpf(1), abs(a), abs(b))
    return abs(a - b) <= _tolerance(mp) * scale


@lru_cache(maxsize=None)
def _tolerance(mp):
    from .derivation import _TOLERANCE

    return mp.mpf(str(_TOLERANCE))


def _directional(mp, g, scale):
    """g′(0) by central differences of step scale·2⁻⁹⁰ (error about (scale·2⁻⁹⁰)⁴).

    The differences cancel about as many digits as the step is small, so
    they are computed with that many digits more.
    """
    extra = 70 + max(0, int(-mp.log10(mp.mpf(scale)))) if scale else 70
    with mp.workdps(_DPS + extra):
        h = mp.mpf(scale) * mp.mpf(2) ** -120
        value = (g(h) - g(-h)) / (2 * h)  # error of order h², far below 10⁻⁶⁰
    return +value


class LayerDefinitions:
    """The definitions table of a large network's derivations, and the check of their steps.

    Reads through to the backpropagation table (the network's named form per
    unit, built only when asked, and the δ's); ``check_equality`` is what
    :func:`mathomong_sym.derivation.check_equality` defers to for these
    derivations.
    """

    def __init__(self, table, network):
        self.table = table
        self.network = network
        self.vectors = vectors_of(network)
        self._points: dict = {}
        self._memo: dict = {}
        self._cuts: dict = {}

    # Mapping protocol, read through
    def __getitem__(self, key):
        return self.table[key]

    def __setitem__(self, key, value):
        self.table[key] = value

    def __contains__(self, key):
        return key in self.table

    def get(self, key, default=None):
        return self.table[key] if key in self.table else default

    def __iter__(self):
        return iter(self.table)

    def __len__(self):
        return len(self.table)

    def keys(self):
        return self.table.keys()

    def items(self):
        return self.table.items()

    def values(self):
        return self.table.values()

    def update(self, other=(), **more):
        self.table.update(other, **more)

    def with_local(self, own: dict):
        """The table for the detail under a local factor: its own letters only (the rest are letters too)."""
        return dict(own)

    def __repr__(self):
        return f"<layer-wise definitions of {self.network.description}>"

    # -- checking ----------------------------------------------------------------------------

    def point(self, seed: int) -> _Point:
        if seed not in self._points:
            if len(self._points) > 4:
                self._points.clear()
                self._memo.clear()
            self._points[seed] = _Point(self.network, seed)
        return self._points[seed]

    def check_equality(self, lhs, rhs, *, points: int = 3, seed: int = 0, shared=None):
        from .derivation import FAILED, NUMERIC, PROVED

        if lhs == rhs:
            return PROVED, "identical"
        vector = is_vector(lhs) or is_vector(rhs)
        size = _size(lhs if is_vector(lhs) else rhs) if vector else 1
        checked = 0
        for n in range(points):
            mp = self.point(0).mp
            point = self.point(n)
            rng = random.Random(seed * 7919 + n)
            entries = sorted(rng.sample(range(1, size + 1), min(size, 3))) if vector else [None]
            for k in entries:
                try:
                    a = self.value(lhs, point, k)
                    b = self.value(rhs, point, k)
                except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                    continue
                if not _close_numbers(point.mp, a, b):
                    where = f" (entry {k})" if k is not None else ""
                    return FAILED, f"sides differ at a random point{where}: {mp.nstr(a, 12)} vs {mp.nstr(b, 12)}"
                checked += 1
        if checked == 0:
            return FAILED, "no point in the domain to compare the sides at"
        what = f", {checked} entries in all" if vector else ""
        return NUMERIC, f"equal at {points} random points to 50 digits{what} (layer arithmetic)"

    def value(self, expr, point: _Point, k: int | None = None):
        """The value of *expr* at *point* (mpmath, 60 digits); of its entry *k* (1-based) if it is a vector."""
        mp = point.mp
        with mp.workdps(_DPS):
            return self._value(expr, point, k)

    def _vector(self, expr, point) -> list:
        """Every entry of the vector expression *expr* at *point*."""
        key = (id(point), expr, "vector")
        if key in self._memo:
            return self._memo[key]
        net = self.network
        if isinstance(expr, LayerVector):
            if expr in self.table:  # a δ of a whole layer: its definition, the layers above it first
                match = _VECTOR_NAME.match(expr.name)
                lowest = self._memo.get((id(point), "lowest δ"), len(net.layers) + 1)
                if match and match.group(1) == "delta" and int(match.group(2)) + 1 < lowest:
                    for above in range(min(lowest, len(net.layers)) - 1 if lowest <= len(net.layers)
                                       else len(net.layers), int(match.group(2)), -1):
                        vector = LayerVector(f"delta{above}")
                        if vector in self.table:
                            self._vector(vector, point)
                        self._memo[(id(point), "lowest δ")] = above
                value = self._vector(self.table[expr], point)
            else:
                value = [self._symbol_value(expr.unit(k), point) for k in range(1, _SIZES[expr] + 1)]
        elif isinstance(expr, TransposeTimes):
            matrix, vector = expr.args
            value = point._dot_fixed(point.W[matrix.layer], self._vector(vector, point), transpose=True)
        elif isinstance(expr, Derivative):
            value = [self._value(entry(expr, k), point) for k in range(1, _size(expr) + 1)]
        elif _size(expr) <= 8:
            # a narrow layer: each entry on its own, with the vector parts taken at that entry
            value = [self._entry(expr, point, k) for k in range(1, _size(expr) + 1)]
        else:
            # entry by entry: the vector parts as whole vectors, the rest a function of one entry
            body, leaves = self._cut(expr)
            columns = {dummy: self._vector(leaf, point) for leaf, dummy in leaves.items()}
            size = len(next(iter(columns.values())))
            value = [self._bound(body, {d: column[i] for d, column in columns.items()}, point)
                     for i in range(size)]
        self._memo[key] = value
        return value

    def _entry(self, expr, point, k: int):
        """Entry *k* of a vector expression, its vector parts taken at entry *k*."""
        mp = point.mp
        if isinstance(expr, (LayerVector, TransposeTimes, Derivative)) or not is_vector(expr):
            return self._value(expr, point, k) if is_vector(expr) else self._value(expr, point)
        if expr.is_Add:
            return mp.fsum(self._entry(a, point, k) for a in expr.args)
        if expr.is_Mul or isinstance(expr, Hadamard):
            return mp.fprod(self._entry(a, point, k) for a in expr.args)
        if expr.is_Pow:
            return self._entry(expr.base, point, k) ** self._entry(expr.exp, point, k)
        if isinstance(expr, sympy.Function) and len(expr.args) == 1:
            return _scalar_function(expr.func)(self._entry(expr.args[0], point, k))
        return self._value(entry(expr, k), point)

    def _cut(self, expr):
        """*expr* with its vector parts replaced by placeholders: (body, {vector part: placeholder})."""
        cached = self._cuts.get(expr)
        if cached is not None:
            return cached
        leaves: dict = {}

        def cut(e):
            if isinstance(e, (LayerVector, TransposeTimes, Derivative)) and is_vector(e):
                if e not in leaves:
                    leaves[e] = sympy.Dummy("v", real=True)
                return leaves[e]
            if isinstance(e, Hadamard):
                return sympy.Mul(*[cut(a) for a in e.args])
            if not e.args or not is_vector(e):
                return e
            return e.func(*[cut(a) for a in e.args])

        self._cuts[expr] = cached = (cut(expr), leaves)
        return cached

    def _bound(self, expr, bindings: dict, point):
        """The value of a scalar expression whose placeholders are *bindings* (one entry of a vector)."""
        mp = point.mp
        if expr in bindings:
            return bindings[expr]
        if not (expr.free_symbols & bindings.keys()):
            return self._value(expr, point)
        if expr.is_Add:
            return mp.fsum(self._bound(a, bindings, point) for a in expr.args)
        if expr.is_Mul:
            return mp.fprod(self._bound(a, bindings, point) for a in expr.args)
        if expr.is_Pow:
            return self._bound(expr.base, bindings, point) ** self._bound(expr.exp, bindings, point)
        if isinstance(expr, sympy.Function) and len(expr.args) == 1:
            return _scalar_function(expr.func)(self._bound(expr.args[0], bindings, point))
        arguments = [sympy.Float(self._bound(a, bindings, point), _DPS) if not a.is_Integer else a for a in expr.args]
        return mp.mpf(str(expr.func(*arguments).evalf(_DPS)))

    def _value(self, expr, point, k=None):
        mp = point.mp
        if k is not None and not is_vector(expr):
            k = None
        if k is not None and not isinstance(expr, Derivative):
            return self._vector(expr, point)[k - 1]
        key = (id(point), expr, k)
        if key in self._memo:
            return self._memo[key]
        if expr.is_Number:
            value = mp.mpf(expr.p) / expr.q if expr.is_Rational else mp.mpf(str(expr))
        elif isinstance(expr, LayerVector):
            value = self._symbol_value(expr.unit(k), point)
        elif isinstance(expr, sympy.Symbol):
            value = self._symbol_value(expr, point)
        elif isinstance(expr, TransposeTimes):
            # entry k of (W⁽ˡ⁾)ᵀv: column k of the weights (integers, scale 10⁶) against v
            matrix, vector = expr.args
            column = point.W[matrix.layer][:, k - 1]
            value = mp.fsum(int(c) * self._value(vector, point, j + 1) for j, c in enumerate(column)) / 10**6
        elif isinstance(expr, Entry):
            value = self._value(expr.args[0], point, int(expr.args[1]))
        elif isinstance(expr, Derivative):
            (variable, order), = expr.variable_count
            if order != 1:
                raise TypeError("higher derivatives are not checked layer by layer")
            if k is not None:
                expr = entry(expr, k)
                (variable, _), = expr.variable_count
            value = point.derivative(expr.expr, variable) if isinstance(expr.expr, sympy.Symbol) \
                else self._derivative_of_expression(expr, point)
        elif expr.is_Add:
            value = mp.fsum(self._value(a, point, k) for a in expr.args)
        elif expr.is_Mul or isinstance(expr, Hadamard):
            value = mp.fprod(self._value(a, point, k) for a in expr.args)
        elif expr.is_Pow:
            value = self._value(expr.base, point, k) ** self._value(expr.exp, point, k)
        elif isinstance(expr, sympy.Function) and len(expr.args) == 1:
            value = _scalar_function(expr.func)(self._value(expr.args[0], point, k))
        else:
            # several arguments (softmax(k, z…)): the function with numbers put in
            if k is not None:
                return self._value(entry(expr, k), point)
            arguments = [sympy.Float(self._value(a, point), _DPS) if not a.is_Integer else a for a in expr.args]
            value = mp.mpf(str(expr.func(*arguments).evalf(_DPS)))
        if len(self._memo) > 200_000:
            self._memo.clear()
        self._memo[key] = value
        return value

    def _symbol_value(self, symbol, point):
        key = (id(point), symbol, "symbol")
        if key not in self._memo:
            self._memo[key] = self._find_symbol_value(symbol, point)
        return self._memo[key]

    def _find_symbol_value(self, symbol, point):
        value = point.base_value(symbol)
        if value is not None:
            return value
        value = point.unit_value(symbol)
        if value is not None:
            return value
        if symbol == self.network.loss_symbol:
            return point.loss()
        # a named quantity of the derivation (a δ of one unit): its definition
        if symbol in self.table:
            return self._value(self.table[symbol], point)
        # entry k of a named vector (delta2_5): entry k of the vector's definition
        match = re.match(r"^(delta\d+)_(\d+)$", symbol.name)
        if match:
            vector = LayerVector(match.group(1))
            if vector in self.table:
                return self._value(self.table[vector], point, int(match.group(2)))
        raise KeyError(f"no value for {symbol} at the check's point")

    def _derivative_of_expression(self, expr, point):
        """∂(f(u))/∂u for a local formula f of one variable u (a factor's own formula)."""
        (variable, _), = expr.variable_count
        from .derivation import _mpmath_namespace

        at = self._value(variable, point)
        inner = expr.expr
        values = {s: self._value(s, point) for s in inner.free_symbols if s != variable}
        g = sympy.lambdify([variable, *values], inner, modules=[_mpmath_namespace(), "mpmath"])
        return point.mp.diff(lambda t: g(t, *values.values()), at)
