r"""Compile a network's derivation to numpy (or JAX) code.

Two generated forms, which must agree:

``form="layer"`` (the default)
    Python source written from the layer equations of the derivation
    (δ^{(L)}, δ^{(l)} = (W^{(l+1)})ᵀδ^{(l+1)} ⊙ f′(z^{(l)}), ∂L/∂W = δaᵀ),
    vectorised over the batch with matrix products.  The elementwise pieces
    (f(z), f′(z), ℓ(ŷ, y), ∂ℓ/∂ŷ) are printed from the sympy forms in
    :mod:`activations` and :mod:`losses`, so an activation registered there
    compiles with no other change.  It runs as fast as a hand-written numpy
    backprop or faster, and a gradient costs under twice a loss evaluation
    (``benchmarks/bench_core.py``).

``form="per_parameter"``
    Every parameter's derived ∂L/∂θ, lambdified together with common
    subexpression elimination.  It is the derivation itself turned into
    code: slow for big networks, ideal for small ones and for teaching.

Both take theta (the flat float64 vector in ``net.parameters`` order),
X of shape (batch, n_in) and Y of shape (batch, n_out); the loss is the mean
of the per-example losses and the gradient is the gradient of that mean.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import sympy
from sympy.printing.numpy import NumPyPrinter, SciPyPrinter

from .activations import logsumexp
from .display import Summarised, Summary
from .errors import ShapeError, UnknownNameError
from .parsing.values import as_expression

__all__ = ["CompiledNetwork", "compile_network", "FORMS", "BACKENDS"]

FORMS = ("layer", "per_parameter")
BACKENDS = ("numpy", "jax")
#: float64 (the default: what the derivation's checks compare with) or float32 (half the memory traffic;
#: JAX's matrix products on the CPU run about twice as fast)
DTYPES = ("float64", "float32")


class _Printer(SciPyPrinter):
    """numpy (and scipy.special) code, symbols printed as the array names they were renamed to.

    The package's own functions print themselves through their ``_numpycode``
    hooks (see :mod:`mathomong_sym.activations`), exactly as they do for
    ``sympy.lambdify``; nothing here is written per function.
    """

    # constants from numpy (scipy only for the special functions numpy lacks), so code that needs no
    # special function runs without scipy, and under JAX
    _kc = {**SciPyPrinter._kc, **NumPyPrinter._kc}

    def __init__(self):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": True})

    def _print_Symbol(self, expr):
        return expr.name


def _code(expr, names: dict) -> str:
    """numpy source of *expr* with symbols renamed to array names."""
    renamed = expr.xreplace({s: sympy.Symbol(names[s]) for s in expr.free_symbols if s in names})
    try:
        return _Printer().doprint(renamed)
    except NotImplementedError as error:  # sympy's PrintMethodNotImplementedError among them
        from .errors import IncompatibleError
        from .printing import to_text

        raise IncompatibleError(
            f"cannot write {to_text(expr)} as array code ({str(error).splitlines()[0]}): build the activation "
            "or loss from functions numpy or scipy can evaluate, or give the activation an array "
            "implementation (Activation(..., numpy=...))") from None


@dataclass(repr=False)
class CompiledNetwork(Summarised):
    """Numpy functions for a network's batch loss and gradient.

    ``loss(theta, X, Y)``, ``gradient(theta, X, Y)``,
    ``loss_and_gradient(theta, X, Y)`` and ``forward(theta, X)`` (the
    predictions) check their arguments' shapes; ``raw_loss_and_gradient``
    does not, for tight training loops.  When ``writes_gradient`` is true,
    ``raw_loss_and_gradient(theta, X, Y, G)`` writes the gradient into the
    float64 vector G and returns it, so a loop reuses one array.  ``source``
    is the generated code.
    """

    network: object
    form: str
    backend: str
    source: str
    _namespace: dict = field(repr=False)
    n_parameters: int = 0
    n_inputs: int = 0
    n_outputs: int = 0
    targets_are_distributions: bool = False
    dtype: str = "float64"

    def _summary(self) -> Summary:
        described = getattr(self.network, "description", None) or f"{self.n_inputs} input(s), {self.n_outputs} output(s)"
        facts = (("network", described), ("form", self.form), ("backend", self.backend),
                 ("parameters", str(self.n_parameters)),
                 ("functions", "loss, gradient, loss_and_gradient (θ, X, Y); forward (θ, X)"),
                 ("generated code", f"{len(self.source.splitlines())} lines (.source)"))
        return Summary(f"{described}, {self.form} form, {self.backend}, {self.n_parameters} parameters", facts)

    def __post_init__(self):
        self._loss = self._namespace["loss"]
        self._loss_and_gradient = self._namespace["loss_and_gradient"]
        self._forward = self._namespace["forward"]
        self.raw_loss_and_gradient = self._loss_and_gradient
        self.raw_loss = self._loss
        # the numpy float64 layer code writes the gradient into a vector the caller passes as a fourth argument
        # (train() keeps one for the whole run); the float32 code casts its arguments, so it cannot
        self.writes_gradient = (self.backend == "numpy" and self.dtype == "float64"
                                and "G" in inspect.signature(self._loss_and_gradient).parameters)

    # -- checked entry points ------------------------------------------------------------

    def _check(self, theta, X, Y=None):
        theta = np.asarray(theta)
        if theta.dtype.kind not in "fc":
            theta = theta.astype(np.float64)
        if self.dtype == "float32" and theta.dtype.kind == "f":
            theta = theta.astype(np.float32)
        if theta.shape != (self.n_parameters,):
            raise ShapeError(
                f"theta must be a flat vector of {self.n_parameters} parameters "
                f"(net.parameters order), got shape {theta.shape}"
            )
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1 and self.n_inputs == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ShapeError(f"X must have shape (batch, {self.n_inputs}), got {X.shape}")
        if X.shape[0] == 0:
            raise ShapeError("X is empty: the batch needs at least one example")
        if Y is None:
            return theta, (X.astype(np.float32) if self.dtype == "float32" else X), None
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim == 1 and self.n_outputs == 1:
            Y = Y[:, None]
        if Y.ndim != 2 or Y.shape[1] != self.n_outputs:
            raise ShapeError(f"Y must have shape (batch, {self.n_outputs}), got {Y.shape}")
        if Y.shape[0] != X.shape[0]:
            raise ShapeError(f"X and Y must have the same number of rows, got {X.shape[0]} and {Y.shape[0]}")
        if self.dtype == "float32":
            X, Y = X.astype(np.float32), Y.astype(np.float32)
        if self.targets_are_distributions:
            sums = Y.sum(axis=1)
            bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-6)
            if bad.size:
                raise ShapeError(
                    f"cross-entropy targets must be probability distributions (each row of Y sums to 1); "
                    f"row {int(bad[0])} sums to {sums[bad[0]]:.6g}"
                )
        return theta, X, Y

    def loss(self, theta, X, Y) -> float:
        theta, X, Y = self._check(theta, X, Y)
        return self._loss(theta, X, Y)

    def gradient(self, theta, X, Y) -> np.ndarray:
        theta, X, Y = self._check(theta, X, Y)
        return self._loss_and_gradient(theta, X, Y)[1]

    def loss_and_gradient(self, theta, X, Y):
        theta, X, Y = self._check(theta, X, Y)
        return self._loss_and_gradient(theta, X, Y)

    def forward(self, theta, X) -> np.ndarray:
        theta, X, _ = self._check(theta, X)
        return self._forward(theta, X)

    __call__ = loss_and_gradient


# ---------------------------------------------------------------------------
# layer form
# ---------------------------------------------------------------------------

def _layer_source(net) -> str:
    """Source of ``forward``, ``loss`` and ``loss_and_gradient`` in the layer form.

    The arrays are stored one column per example (Z⁽ˡ⁾ and A⁽ˡ⁾ have shape
    (units, batch)), as the equations are written: z = Wa + b.  Then every
    elementwise operation runs along the long batch axis, and adding a bias
    broadcasts along it (with one row per example and 4 units, numpy spends
    most of its time stepping between rows: 1.6× slower at batch 1024).
    Products are written ``A.dot(B)``: for 2-d arrays it is ``A @ B``, with
    less call overhead (twice as fast on small matrices with numpy 2).
    """
    equations = net.layer_equations()
    z, a = equations.z, equations.a
    offset = 0
    unpack: list[str] = []
    # ∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾(a⁽ˡ⁻¹⁾)ᵀ and ∂L/∂b⁽ˡ⁾ = Σ δ⁽ˡ⁾, in θ's order: as parts to concatenate, and written
    # straight into the blocks of a gradient vector G the caller keeps (train() does), through views: no
    # concatenation, and no fresh pages each step
    gradient_parts: list[str] = []
    writes: list[str] = []
    for layer in net.layers:
        l = layer.index
        n_out, n_in = layer.size, layer.fan_in
        previous = "X" if l == 1 else f"A{l - 1}.T"
        unpack.append(f"    W{l} = theta[{offset}:{offset + n_out * n_in}].reshape({n_out}, {n_in})")
        gradient_parts.append(f"D{l}.dot({previous}).ravel()")
        writes.append(f"    D{l}.dot({previous}, out=G[{offset}:{offset + n_out * n_in}].reshape({n_out}, {n_in}))")
        offset += n_out * n_in
        unpack.append(f"    b{l} = theta[{offset}:{offset + n_out}].reshape({n_out}, 1)")
        gradient_parts.append(f"D{l}.dot(ones)")
        writes.append(f"    D{l}.dot(ones, out=G[{offset}:{offset + n_out}])")
        offset += n_out
    depth = len(net.layers)
    term = _output_term(net, equations)
    delta_out = equations.output_delta
    # keep Z only where the backward pass reads it: big arrays left alive cost
    # cache misses and fresh pages (measured: 1.2× slower at batch 1024)
    needs_z = {l: z in equations.hidden_derivatives[l - 1].free_symbols for l in range(1, depth)}
    needs_z[depth] = z in (delta_out.free_symbols | term.free_symbols)
    lines_predict: list[str] = []
    lines_forward: list[str] = []
    output = net.output_layer
    # softmax with the fused cross-entropy: ŷ = E / S from the exponentials the loss lines already took
    softmax_from_loss = not output.activation.elementwise and term.has(_LSE) and a not in term.free_symbols
    output_activation = ""
    for layer in net.layers:
        l = layer.index
        previous = "X.T" if l == 1 else f"A{l - 1}"
        activation = _activation_code(layer.activation, z)
        lines_predict.append(f"    A{l} = {activation.replace('__Z__', f'(W{l}.dot({previous}) + b{l})')}")
        # the bias added in place, into the product's fresh array: one (units, batch) array fewer
        kept = f"Z{l}" if needs_z[l] else f"A{l}"
        lines_forward += [f"    {kept} = W{l}.dot({previous})", f"    {kept} += b{l}"]
        output_activation = f"    A{l} = {activation.replace('__Z__', kept)}"
        if l < depth:
            lines_forward.append(output_activation)
    if softmax_from_loss:
        output_activation = f"    A{depth} = E{depth} / S{depth}"
    # the loss alone does not need ŷ when it is computed from the logits
    lines_loss_forward = lines_forward + ([output_activation] if a in term.free_symbols else [])
    if not softmax_from_loss:
        lines_forward = lines_forward + [output_activation]
    loss_lines, first_backward = _output_lines(term, equations, depth)
    backward = ([output_activation] if softmax_from_loss else []) + [first_backward]
    if not output.activation.elementwise and not equations.fused:  # pragma: no cover - refused at build time
        raise ShapeError("a non-elementwise output activation needs its fused loss")
    for layer in reversed(net.layers):
        l = layer.index
        if l > 1:
            derivative = equations.hidden_derivatives[l - 2]
            local = _code(derivative, {z: f"Z{l - 1}", a: f"A{l - 1}"})
            backward.append(f"    D{l - 1} = W{l}.T.dot(D{l})")
            if derivative != 1:
                backward.append(f"    D{l - 1} *= {local}")  # in place: the product's array is fresh
    header = [
        f"# generated from the layer equations of {net.description}",
        "# " + "; ".join(equations.lines_text[:4]),
    ]
    return _layer_functions(header, unpack, lines_predict, lines_loss_forward, lines_forward, loss_lines, backward,
                            gradient_parts, depth, writes)


def _layer_functions(header, unpack, predict, loss_forward, forward, loss_lines, backward, gradient_parts,
                     depth: int, writes=()) -> str:
    """The source of ``forward``, ``loss`` and ``loss_and_gradient`` from their lines (layer form).

    With *writes* (lines that write each gradient part into its block of a
    vector ``G``), ``loss_and_gradient`` takes ``G`` as an optional fourth
    argument (numpy only: a JAX array cannot be written into) and returns it.
    """
    if writes:
        signature = "def loss_and_gradient(theta, X, Y, G=None):"
        end = ["    if G is None:",
               f"        return loss, numpy.concatenate(({', '.join(gradient_parts)},))",
               *writes,
               "    return loss, G"]
    else:
        signature = "def loss_and_gradient(theta, X, Y):"
        end = [f"    return loss, numpy.concatenate(({', '.join(gradient_parts)},))"]
    body = header + [
        "# arrays hold one column per example: Z⁽ˡ⁾, A⁽ˡ⁾ and D⁽ˡ⁾ = δ⁽ˡ⁾ are (units, batch)",
        "def forward(theta, X):",
        *unpack,
        *predict,
        f"    return A{depth}.T",
        "",
        "def loss(theta, X, Y):",
        "    N = X.shape[0]",
        *unpack,
        *loss_forward,
        *loss_lines,
        "    return loss",
        "",
        signature,
        "    N = X.shape[0]",
        *unpack,
        *forward,
        *loss_lines,
        *backward,
        "    ones = batch_ones(N)  # D.dot(ones) sums δ over the batch, faster than D.sum(axis=1)",
        *end,
        "",
    ]
    return "\n".join(body)


def _activation_code(activation, z) -> str:
    """Array code of an activation applied to ``__Z__`` (units, batch), one column per example."""
    if activation.elementwise and activation.numpy is not None:
        # the activation's own array implementation, as its record asks
        return f"{_numpy_name(activation)}(__Z__)"
    if activation.elementwise:
        return _code(activation.function(z), {z: "__Z__"})
    # softmax down each column (one column per example), shifted so no exponential overflows
    return ("(lambda _z: (lambda _e: _e / numpy.sum(_e, axis=0, keepdims=True))"
            "(numpy.exp(_z - numpy.amax(numpy.real(_z), axis=0, keepdims=True))))(__Z__)")


_LSE = sympy.Symbol("LSE")


def _output_term(net, equations) -> sympy.Expr:
    """ℓ of one output in ``z``, ``a`` (ŷ) and ``y``: from the logits for a fused pair (stable for any z)."""
    loss = net.loss_function
    z, a, y = equations.z, equations.a, equations.y
    if loss.from_logits is not None and equations.fused:
        return loss.from_logits([z], [y]).replace(logsumexp, lambda *args: _LSE)
    return loss.term(a, y)


def _output_lines(term, equations, depth: int) -> tuple[list[str], str]:
    """The lines that compute the mean loss of the batch, and ``D{depth} = δ⁽ᴸ⁾ / N``."""
    z, a, y = equations.z, equations.a, equations.y
    names = {z: f"Z{depth}", a: f"A{depth}", y: "Y.T", _LSE: "LSE"}
    (shared, (term_reduced, delta_reduced)) = sympy.cse([term, equations.output_delta],
                                                        symbols=sympy.numbered_symbols("t"))
    loss_lines = []
    if term.has(_LSE):
        # log Σ e^z shifted by the largest z, its pieces kept: softmax is E / S
        loss_lines += [f"    M{depth} = numpy.amax(numpy.real(Z{depth}), axis=0, keepdims=True)",
                       f"    E{depth} = numpy.exp(Z{depth} - M{depth})",
                       f"    S{depth} = numpy.sum(E{depth}, axis=0, keepdims=True)",
                       f"    LSE = M{depth} + numpy.log(S{depth})"]
    for symbol, value in shared:
        names[symbol] = symbol.name
        loss_lines.append(f"    {symbol.name} = {_code(value, names)}")
    loss_lines.append(f"    loss = ({_code(term_reduced, names)}).sum() / N")
    # fold the constant factor into 1/N: one array operation fewer
    coefficient, rest = delta_reduced.as_coeff_Mul()
    return loss_lines, f"    D{depth} = ({_code(rest, names)}) * ({float(coefficient)!r} / N)"


# ---------------------------------------------------------------------------
# per-parameter form
# ---------------------------------------------------------------------------

def _per_parameter_source(net) -> str:
    derivations = net.gradients()
    results = [derivations[p].result for p in net.parameters]
    variables = list(net.inputs) + list(net.targets) + list(net.parameters)
    data = set(net.inputs) | set(net.targets)
    names = {s: f"v_{i}" for i, s in enumerate(variables)}
    shared, reduced = sympy.cse([net.loss] + results, symbols=sympy.numbered_symbols("t"), optimizations="basic")
    for symbol, value in shared:
        names[symbol] = symbol.name
        if value.free_symbols & data:
            data.add(symbol)  # a temporary computed from the data is an array too
    lines = [f"# generated from the per-parameter derivations of {net.description}"]
    unpack_inputs = [f"    {names[s]} = X[:, {j}]" for j, s in enumerate(net.inputs)]
    unpack_targets = [f"    {names[s]} = Y[:, {k}]" for k, s in enumerate(net.targets)]
    unpack_params = [f"    {names[s]} = theta[{i}]" for i, s in enumerate(net.parameters)]
    body = [f"    {symbol.name} = {_code(value, names)}" for symbol, value in shared]
    lines += [
        "def loss_and_gradient(theta, X, Y):",
        "    N = X.shape[0]",
        *unpack_inputs, *unpack_targets, *unpack_params, *body,
        f"    loss = {_per_example(reduced[0], data, names)}.sum() * (1.0 / N)",
        "    gradient = numpy.stack((" + "".join(f"{_per_example(e, data, names)}, " for e in reduced[1:]) + "))",
        "    gradient = gradient.sum(axis=1) * (1.0 / N)",
    ]
    lines += [
        "    return loss, gradient",
        "",
        "def loss(theta, X, Y):",
        "    return loss_and_gradient(theta, X, Y)[0]",
        "",
    ]
    # predictions from the same per-example expressions
    predictions = [as_expression(net.definitions[p]) for p in net.predictions]
    from .derivation import expand_definitions

    expanded = [expand_definitions(p, net.definitions) for p in predictions]
    lines += [
        "def forward(theta, X):",
        "    N = X.shape[0]",
        *unpack_inputs, *unpack_params,
        f"    return numpy.stack([{', '.join(f'numpy.broadcast_to({_code(e, names)}, (N,))' for e in expanded)}], axis=1)",
        "",
    ]
    return "\n".join(lines)


def _per_example(expr, data: set, names: dict) -> str:
    """Code for *expr* as one value per example (shape (N,))."""
    code = _code(expr, names)
    if expr.free_symbols & data:
        return f"({code})"
    return f"numpy.full(N, {code})"


# ---------------------------------------------------------------------------

def _numpy_name(activation) -> str:
    """The name the generated code calls an activation's own ``numpy`` implementation by."""
    return "activation_" + "".join(c if c.isalnum() else "_" for c in activation.name)


def _enable_x64(jax) -> None:
    """Compiled JAX code works in float64, as the numpy code does; JAX's switch for it is process-wide."""
    if jax.config.read("jax_enable_x64"):
        return
    jax.config.update("jax_enable_x64", True)
    import warnings

    warnings.warn(
        "compile(backend='jax') turned on jax_enable_x64 for this process (the compiled loss and "
        "gradient are float64, like the numpy code); set jax.config.update('jax_enable_x64', True) "
        "yourself before compiling to silence this",
        UserWarning, stacklevel=5,
    )


def _array_modules(backend: str) -> dict[str, Any]:
    """The array library the generated code calls as ``numpy`` and, when there is one, its ``scipy``."""
    if backend == "numpy":
        try:
            import scipy.special  # erf, erfc … print as scipy.special.*
        except ImportError:
            return {"numpy": np}
        return {"numpy": np, "scipy": scipy}
    try:
        import jax
        import jax.numpy as jnp
        import jax.scipy.special  # noqa: F401
    except ImportError:
        from .errors import MathomongError

        raise MathomongError("the JAX backend needs jax: pip install 'mathomong_sym[jax]'") from None
    return {"numpy": jnp, "scipy": jax.scipy}


def _namespace(backend: str, net=None, x64: bool = True) -> dict:
    namespace = _array_modules(backend)
    xp = namespace["numpy"]
    if backend != "numpy" and x64:
        import jax

        _enable_x64(jax)
    for layer in getattr(net, "layers", ()):
        activation = layer.activation
        if activation.numpy is not None:
            if backend == "numpy":
                namespace[_numpy_name(activation)] = activation.numpy
            else:  # a numpy function cannot be traced by jax.jit: JAX runs the activation's sympy form
                z = sympy.Symbol("z", real=True)
                namespace[_numpy_name(activation)] = sympy.lambdify(z, activation.function(z), "jax")

    namespace["batch_ones"] = (_kept_ones(np.float64 if x64 else np.float32) if backend == "numpy"
                               else _traced_ones(xp, x64))
    return namespace


def _kept_ones(dtype) -> Callable[[int], np.ndarray]:
    @functools.lru_cache(maxsize=32)
    def batch_ones(n: int) -> np.ndarray:
        """A read-only vector of n ones in the compiled precision (float64 ones would turn a float32 gradient
        into float64), made once per batch size (numpy.ones costs more than the sum it serves)."""
        ones = np.ones(n, dtype=dtype)
        ones.flags.writeable = False
        return ones

    return batch_ones


def _traced_ones(xp, x64: bool) -> Callable[[int], Any]:
    def batch_ones(n: int):
        """n ones in the compiled precision, made afresh in each trace: XLA folds the constant into the
        sum, and an array kept from one trace would leak its tracer into the next, while float64 ones
        would turn a float32 gradient into float64."""
        return xp.ones(n, dtype=xp.float64 if x64 else xp.float32)

    return batch_ones


def _validate(source: str, namespace: dict, net, backend: str) -> None:
    """Refuse generated code that names something its namespace lacks, now rather than at the first call.

    sympy prints a function numpy has no array version of as ``math.erf`` or
    by its bare name; such code compiles and then fails on every call.
    """
    import ast
    import builtins

    tree = ast.parse(source)
    bound = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.Lambda)):
            bound.update(a.arg for a in node.args.args)
        if isinstance(node, ast.FunctionDef):
            bound.add(node.name)

    def dotted(node):
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            return [node.id] + parts[::-1]
        return None

    problems = []
    absent: dict[str, list[str]] = {}  # a module the code names that is not installed → a name it was wanted for
    seen = set()
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Attribute, ast.Name)) or not isinstance(node.ctx, ast.Load):
            continue
        path = dotted(node)
        if path is None or path[0] in bound or tuple(path) in seen:
            continue
        seen.add(tuple(path))
        head = path[0]
        if head in namespace:
            value = namespace[head]
        elif hasattr(builtins, head):
            value = getattr(builtins, head)
        else:
            if len(path) > 1 and importlib.util.find_spec(head) is None:
                absent.setdefault(head, []).append(".".join(path))
            else:
                problems.append(".".join(path))
            continue
        for attribute in path[1:]:
            if not hasattr(value, attribute):
                problems.append(".".join(path))
                break
            value = getattr(value, attribute)
    if problems or absent:
        from .errors import IncompatibleError

        used = sorted({layer.activation.name for layer in net.layers} | {net.loss_function.name})
        source_of = f"it comes from the sympy form of one of {', '.join(used)}"
        remedy = "give the activation an array implementation (Activation(..., numpy=...))"
        if absent:
            module = sorted(absent)[0]
            wanted = ", ".join(sorted(path for path in absent[module] if path.count(".") > 1) or absent[module])
            raise IncompatibleError(
                f"the {backend} code generated for {net.description} needs {module} (for {wanted}), which is "
                f"not installed: pip install {module}, or {remedy}; {source_of}")
        names = ", ".join(sorted(set(problems)))
        raise IncompatibleError(
            f"the {backend} code generated for {net.description} calls {names}, which {backend} arrays "
            f"have no version of; {source_of}: write that function with numpy-printable sympy functions, or "
            f"{remedy}")


def _in_dtype(function, xp, dtype):
    """*function* with its array arguments cast to *dtype* first (float32 code)."""
    def cast(*arrays):
        return function(*[xp.asarray(a).astype(dtype) for a in arrays])

    cast.__name__ = getattr(function, "__name__", "cast")
    return cast


def compile_network(net, *, form: str = "layer", backend: str = "numpy", dtype: str = "float64") -> CompiledNetwork:
    """Compile *net* (see the module docstring for the two forms).

    The generated source is checked against the names its namespace holds
    before it runs, so a function numpy cannot evaluate is refused here with
    ``IncompatibleError``, not at the first call.  ``backend="jax"`` needs
    float64 and turns on ``jax_enable_x64`` (process-wide), with a warning
    when it was off.
    """
    if form not in FORMS:
        raise UnknownNameError("compiled form", form, FORMS)
    if backend not in BACKENDS:
        raise UnknownNameError("backend", backend, BACKENDS)
    if dtype not in DTYPES:
        raise UnknownNameError("dtype", dtype, DTYPES)
    if form == "per_parameter":
        from .layerwise import EXPAND_LIMIT, SizeLimitError

        if net.n_parameters > EXPAND_LIMIT:
            raise SizeLimitError(
                f"the per-parameter form writes out ∂L/∂θ for each of the {net.n_parameters:,} parameters of "
                f"{net.description} (it works up to {EXPAND_LIMIT:,}): compile the layer form (the default)")
    source = _layer_source(net) if form == "layer" else _per_parameter_source(net)
    return _compile_source(net, source, form=form, backend=backend, dtype=dtype)


def _compile_source(net, source: str, *, form: str, backend: str = "numpy",
                    dtype: str = "float64") -> CompiledNetwork:
    """Run generated *source* (``forward``, ``loss``, ``loss_and_gradient``) for *net*, validated first."""
    if backend not in BACKENDS:
        raise UnknownNameError("backend", backend, BACKENDS)
    if dtype not in DTYPES:
        raise UnknownNameError("dtype", dtype, DTYPES)
    namespace = _namespace(backend, net if form == "layer" else None, x64=dtype == "float64")
    _validate(source, namespace, net, backend)
    code = compile(source, f"<mathomong {form} code for {net.description}>", "exec")
    exec(code, namespace)  # the source is generated from sympy, never from user text
    if dtype == "float32":
        xp = namespace["numpy"]
        for name in ("loss", "loss_and_gradient", "forward"):
            namespace[name] = _in_dtype(namespace[name], xp, xp.float32)
    if backend == "jax":
        import jax

        for name in ("loss", "loss_and_gradient", "forward"):
            namespace[name] = jax.jit(namespace[name])
    return CompiledNetwork(
        network=net,
        form=form,
        backend=backend,
        source=source,
        _namespace=namespace,
        n_parameters=net.n_parameters,
        n_inputs=len(net.inputs),
        n_outputs=len(net.targets),
        targets_are_distributions=bool(net.loss_function.assumption),
        dtype=dtype,
    )
