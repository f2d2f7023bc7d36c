r"""Activation functions, each defined once.

For every activation this module holds, in one ``Activation`` record:

* its sympy form f(z), built from the sympy functions below (``sigmoid``,
  ``relu`` …) so that expressions print as a textbook prints them
  (``\sigma(z)``, not ``1/(1 + e^{-z})``);
* its derivative in the form it is taught (σ(z)(1 − σ(z)), 1 − tanh²(z),
  the step H(z) with H(0) = 0);
* its LaTeX and Unicode names.

The sympy functions print themselves in sympy's code printers (numpy, JAX,
scipy, math, mpmath, C …) in a numerically stable form, so
``sympy.lambdify``, ``ccode`` and ``codegen`` work on any expression built
from them.  Nothing else in the package is written per activation: the
compiled numpy code, the verification, the derivations and the explanations
are generated from these records and those printer hooks.
A new activation needs only a call to :func:`register_activation`; when it is
built from sympy functions that numpy knows, the numpy code is generated
from its sympy form.

Conventions
-----------
* σ is the logistic sigmoid 1/(1 + e^{−z}).
* ReLU′(0) = 0, as PyTorch, JAX and TensorFlow compute it.  The derivative of
  ReLU is the step function ``step`` (H), with H(0) = 0.
* leaky ReLU has slope α = 0.01 below zero; its derivative at 0 is α.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import sympy
from sympy import Function, S

from .display import Summarised, Summary
from .errors import IncompatibleError
from .parsing.values import as_arguments, as_expression
from .registry import Registry

__all__ = [
    "sigmoid",
    "step",
    "relu",
    "leaky_relu",
    "softplus",
    "softmax",
    "logsumexp",
    "LEAKY_SLOPE",
    "Activation",
    "ACTIVATIONS",
    "register_activation",
    "get_activation",
    "NUMPY_FUNCTIONS",
]

LEAKY_SLOPE = sympy.Rational(1, 100)


# ---------------------------------------------------------------------------
# sympy functions
# ---------------------------------------------------------------------------

def _array_module(printer) -> str:
    """The array module a NumPy-like printer writes (``numpy``, ``jax.numpy``, ``cupy``)."""
    return printer._module_format(printer._module)


class _TextSafeFunction(Function):
    """sympy's Function sympifies text arguments as code; these read them with the package's reader.

    Code printing
    -------------
    Every package function prints itself in sympy's code printers, so
    ``lambdify`` (numpy, jax, scipy, cupy, math, cmath, mpmath), ``pycode``,
    ``ccode``, ``codegen`` and ``ufuncify`` work on any expression that uses
    it, and the package's own compiled code and verification are printed by
    the same hooks:

    * array printers (``_numpycode``, ``_jaxcode``, ``_cupycode``) call
      :meth:`_array_code`, a stable elementwise form on arrays that also
      accepts complex arrays (complex-step differentiation needs the smooth
      functions analytic);
    * scalar printers (``_pythoncode``, ``_ccode``,
      ``_fcode``, ``_octave``, ``_julia``, ``_rust_code``) print
      :meth:`_stable_form`, the function in elementary functions written so
      that it never overflows;
    * ``_mpmathcode`` prints :meth:`_exact_form`, the textbook closed form
      (mpmath has no overflow to avoid).
    """

    def __new__(cls, *args, **options):
        return super().__new__(cls, *as_arguments(args), **options)

    # -- forms the printers use ------------------------------------------------------

    def _stable_form(self):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _exact_form(self):
        return self._stable_form()

    def _array_code(self, printer, xp: str) -> str:
        return _grouped(printer, self._stable_form())

    # -- sympy's printer hooks --------------------------------------------------------

    def _numpycode(self, printer, **kwargs):
        return self._array_code(printer, _array_module(printer))

    _jaxcode = _cupycode = _numpycode

    def _pythoncode(self, printer, **kwargs):
        if hasattr(printer, "_module") and printer._module:  # a NumPy-like printer that reached here
            return self._numpycode(printer)
        return _grouped(printer, self._stable_form())

    def _mpmathcode(self, printer, **kwargs):
        return _grouped(printer, self._exact_form())

    def _scalar_code(self, printer, **kwargs):
        return _grouped(printer, self._stable_form())

    _ccode = _fcode = _octave = _julia = _rust_code = _glsl = _jscode = _scalar_code


def _grouped(printer, form) -> str:
    """*form* printed as one operand: a hook's text is placed like an atom, so a sum needs brackets."""
    text = printer._print(form)
    return text if form.is_Atom or form.is_Function else f"({text})"


def _bound(xp: str, argument: str, body: str) -> str:
    """``body`` (written in ``_z``) applied to *argument*, which is printed once however often body uses it."""
    return f"(lambda _z: {body})({argument})"


def _stacked(printer, xp: str, zs) -> str:
    return f"{xp}.stack({xp}.broadcast_arrays({', '.join(printer._print(z) for z in zs)}))"


class _NamedFunction(_TextSafeFunction):
    """A one-argument function that prints with a textbook name."""

    latex_name = ""
    text_name = ""
    nargs = 1

    def _latex(self, printer, exp=None):
        arg = printer._print(self.args[0])
        head = self.latex_name
        if exp is not None:
            head = f"{head}^{{{exp}}}"
        return rf"{head}\left({arg}\right)"

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_evalf(self, prec):
        arg = self.args[0]._eval_evalf(prec)
        if arg is None or not arg.is_number:
            return None
        return self._closed_form(arg)._eval_evalf(prec)

    def _closed_form(self, z):  # pragma: no cover - every subclass defines it
        raise NotImplementedError


class sigmoid(_NamedFunction):
    r"""Logistic sigmoid σ(z) = 1 / (1 + e^{−z}); σ′(z) = σ(z)(1 − σ(z))."""

    latex_name = r"\sigma"
    text_name = "σ"

    @classmethod
    def eval(cls, z):
        if z is S.Zero:
            return S.Half
        if z.is_Float:
            return 1 / (1 + sympy.exp(-z))
        return None

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0]) * (1 - sigmoid(self.args[0]))

    def _closed_form(self, z):
        return 1 / (1 + sympy.exp(-z))

    def _stable_form(self):
        # (1 + tanh(z/2))/2 never overflows and is analytic
        return (1 + sympy.tanh(self.args[0] / 2)) / 2

    def _exact_form(self):
        return self._closed_form(self.args[0])

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sympy.exp(-z))

    def _eval_rewrite_as_tanh(self, z, **kwargs):
        return (1 + sympy.tanh(z / 2)) / 2

    def _eval_is_positive(self):
        return True if self.args[0].is_real else None

    def _eval_conjugate(self):
        return sigmoid(self.args[0].conjugate())


class step(_NamedFunction):
    r"""Heaviside step H(z): 1 for z > 0, 0 for z ≤ 0 (so H(0) = 0).

    It is the derivative of ReLU.  Its own derivative is 0 wherever it is
    defined (everywhere but z = 0), which is what gradient descent uses.
    """

    latex_name = r"H"
    text_name = "H"

    @classmethod
    def eval(cls, z):
        if z.is_extended_positive:
            return S.One
        if z.is_extended_nonpositive:
            return S.Zero
        return None

    def fdiff(self, argindex=1):
        return S.Zero

    def _closed_form(self, z):
        return S.One if z > 0 else S.Zero

    def _stable_form(self):
        return sympy.Piecewise((S.One, self.args[0] > 0), (S.Zero, True))

    def _array_code(self, printer, xp):
        # the comparison times 1.0: under half the time numpy.where(…, 1.0, 0.0) takes on a large array
        return f"(({xp}.real({printer._print(self.args[0])}) > 0) * 1.0)"

    def _eval_rewrite_as_Heaviside(self, z, **kwargs):
        return sympy.Heaviside(z, 0)

    def _eval_rewrite_as_Piecewise(self, z, **kwargs):
        return sympy.Piecewise((1, z > 0), (0, True))

    def _eval_is_nonnegative(self):
        return True


class relu(_NamedFunction):
    r"""ReLU(z) = max(0, z); ReLU′(z) = H(z), with ReLU′(0) = 0."""

    latex_name = r"\operatorname{ReLU}"
    text_name = "ReLU"

    @classmethod
    def eval(cls, z):
        if z.is_extended_nonnegative:
            return z
        if z.is_extended_nonpositive:
            return S.Zero
        return None

    def fdiff(self, argindex=1):
        return step(self.args[0])

    def _closed_form(self, z):
        return sympy.Max(0, z)

    def _stable_form(self):
        return sympy.Max(0, self.args[0])

    def _array_code(self, printer, xp):
        # z · H(z): two array passes where numpy.where(…, _z, 0.0 * _z) takes three; the same values (0·z for
        # z ≤ 0, NaN for NaN), the same dtype, and a complex z keeps its imaginary part
        return _bound(xp, printer._print(self.args[0]), f"_z * ({xp}.real(_z) > 0)")

    def _eval_rewrite_as_Max(self, z, **kwargs):
        return sympy.Max(0, z)

    def _eval_rewrite_as_Piecewise(self, z, **kwargs):
        return sympy.Piecewise((z, z > 0), (0, True))

    def _eval_rewrite_as_Heaviside(self, z, **kwargs):
        return z * sympy.Heaviside(z, 0)

    def _eval_is_nonnegative(self):
        return True if self.args[0].is_real else None


class leaky_relu(_NamedFunction):
    r"""Leaky ReLU: z for z > 0, αz otherwise, α = 0.01; its derivative at 0 is α."""

    latex_name = r"\operatorname{LReLU}"
    text_name = "LReLU"

    @classmethod
    def eval(cls, z):
        if z.is_extended_nonnegative:
            return z
        if z.is_extended_negative:
            return LEAKY_SLOPE * z
        return None

    def fdiff(self, argindex=1):
        z = self.args[0]
        return LEAKY_SLOPE + (1 - LEAKY_SLOPE) * step(z)

    def _closed_form(self, z):
        return z if z > 0 else LEAKY_SLOPE * z

    def _stable_form(self):
        z = self.args[0]
        return sympy.Piecewise((z, z > 0), (LEAKY_SLOPE * z, True))

    def _array_code(self, printer, xp):
        slope = repr(float(LEAKY_SLOPE))
        return _bound(xp, printer._print(self.args[0]), f"{xp}.where({xp}.real(_z) > 0, _z, {slope} * _z)")

    def _eval_rewrite_as_Piecewise(self, z, **kwargs):
        return sympy.Piecewise((z, z > 0), (LEAKY_SLOPE * z, True))

    def _eval_rewrite_as_Max(self, z, **kwargs):
        return sympy.Max(z, LEAKY_SLOPE * z)


class softplus(_NamedFunction):
    r"""softplus(z) = ln(1 + e^z); softplus′(z) = σ(z)."""

    latex_name = r"\operatorname{softplus}"
    text_name = "softplus"

    @classmethod
    def eval(cls, z):
        if z is S.Zero:
            return sympy.log(2)
        return None

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _closed_form(self, z):
        return sympy.log(1 + sympy.exp(z))

    def _stable_form(self):
        from sympy.codegen.cfunctions import log1p

        z = self.args[0]
        return sympy.Max(0, z) + log1p(sympy.exp(-sympy.Abs(z)))

    def _exact_form(self):
        return self._closed_form(self.args[0])

    def _array_code(self, printer, xp):
        # max(z, 0) + log1p(e^{−|z|}), with |z| written z·sign(re z) so each branch stays analytic
        body = (f"{xp}.where({xp}.real(_z) > 0, _z, 0.0 * _z) + "
                f"{xp}.log1p({xp}.exp(-{xp}.where({xp}.real(_z) > 0, _z, -_z)))")
        return _bound(xp, printer._print(self.args[0]), body)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return sympy.log(1 + sympy.exp(z))

    _eval_rewrite_as_log = _eval_rewrite_as_exp

    def _eval_is_positive(self):
        return True if self.args[0].is_real else None


class softmax(_TextSafeFunction):
    r"""Component *i* (0-based) of softmax(z₁, …, zₙ) = e^{z_i} / Σⱼ e^{z_j}.

    ∂softmax_i/∂z_j = softmax_i (δ_ij − softmax_j).
    """

    @classmethod
    def eval(cls, index, *zs):
        if not index.is_Integer or not 0 <= int(index) < len(zs):
            raise ValueError("softmax(i, z_1, ..., z_n) needs 0 <= i < n")
        return None

    def fdiff(self, argindex=1):
        if argindex == 1:
            return S.Zero
        index = int(self.args[0])
        zs = self.args[1:]
        j = argindex - 2
        own = softmax(index, *zs)
        if j == index:
            return own * (1 - own)
        return -own * softmax(j, *zs)

    def _closed_form(self):
        index = int(self.args[0])
        zs = self.args[1:]
        return sympy.exp(zs[index]) / sympy.Add(*[sympy.exp(z) for z in zs])

    def _eval_rewrite_as_exp(self, index, *zs, **kwargs):
        return self._closed_form()

    def _stable_form(self):
        index = int(self.args[0])
        zs = self.args[1:]
        shift = sympy.Max(*zs)
        return sympy.exp(zs[index] - shift) / sympy.Add(*[sympy.exp(z - shift) for z in zs])

    def _exact_form(self):
        return self._closed_form()

    def _array_code(self, printer, xp):
        index = int(self.args[0])
        body = f"(lambda _e: _e[{index}] / {xp}.sum(_e, axis=0))({xp}.exp(_z - {xp}.amax({xp}.real(_z), axis=0)))"
        return _bound(xp, _stacked(printer, xp, self.args[1:]), body)

    def _eval_evalf(self, prec):
        return self._closed_form()._eval_evalf(prec)

    def _eval_is_positive(self):
        return True if all(z.is_real for z in self.args[1:]) else None

    def _latex(self, printer, exp=None):
        index = int(self.args[0]) + 1
        args = ", ".join(printer._print(z) for z in self.args[1:])
        head = rf"\operatorname{{softmax}}_{{{index}}}"
        if exp is not None:
            head = f"{head}^{{{exp}}}"
        return rf"{head}\left({args}\right)"


class logsumexp(_TextSafeFunction):
    r"""ln Σⱼ e^{z_j}, evaluated without overflow."""

    def fdiff(self, argindex=1):
        return softmax(argindex - 1, *self.args)

    def _closed_form(self):
        return sympy.log(sympy.Add(*[sympy.exp(z) for z in self.args]))

    def _eval_rewrite_as_exp(self, *zs, **kwargs):
        return self._closed_form()

    def _stable_form(self):
        shift = sympy.Max(*self.args)
        return shift + sympy.log(sympy.Add(*[sympy.exp(z - shift) for z in self.args]))

    def _exact_form(self):
        return self._closed_form()

    def _array_code(self, printer, xp):
        body = f"(lambda _m: _m + {xp}.log({xp}.sum({xp}.exp(_z - _m), axis=0)))({xp}.amax({xp}.real(_z), axis=0))"
        return _bound(xp, _stacked(printer, xp, self.args), body)

    def _eval_evalf(self, prec):
        return self._closed_form()._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        args = ", ".join(printer._print(z) for z in self.args)
        return rf"\operatorname{{logsumexp}}\left({args}\right)"


class _ArrayFunctions(dict):
    """name → numpy function, each lambdified from the function's own printer hook (one source of truth).

    ``softmax(index, *columns)`` and ``logsumexp(*columns)`` take any number
    of columns; they are lambdified once per count.
    """

    _ELEMENTWISE = ("sigmoid", "softplus", "step", "relu", "leaky_relu")

    def __init__(self):
        super().__init__()
        z = sympy.Dummy("z")
        functions = {"sigmoid": sigmoid, "softplus": softplus, "step": step, "relu": relu, "leaky_relu": leaky_relu}
        for name, function in functions.items():
            self[name] = sympy.lambdify(z, function(z), "numpy")
        self["softmax"] = self._softmax
        self["logsumexp"] = self._logsumexp

    @staticmethod
    @functools.lru_cache(maxsize=64)
    def _lambdified(kind: str, index: int, n: int):
        zs = sympy.symbols(f"_z0:{n}")
        expr = softmax(index, *zs) if kind == "softmax" else logsumexp(*zs)
        return sympy.lambdify(zs, expr, "numpy")

    def _softmax(self, index, *columns):
        return self._lambdified("softmax", int(index), len(columns))(*columns)

    def _logsumexp(self, *columns):
        return self._lambdified("logsumexp", 0, len(columns))(*columns)


#: Names of the package's functions, mapped to numpy implementations printed by their hooks.
NUMPY_FUNCTIONS: dict[str, Callable] = _ArrayFunctions()


# ---------------------------------------------------------------------------
# the registry
# ---------------------------------------------------------------------------

#: the functions with a kink: an activation built from one is not smooth (no complex step, narrow differences)
_KINKED = (sympy.Max, sympy.Min, sympy.Abs, sympy.sign, sympy.Heaviside, sympy.Piecewise, sympy.floor,
           sympy.ceiling, relu, leaky_relu, step)


def _z() -> sympy.Symbol:
    # the pre-activation as the networks name it: a real symbol
    return sympy.Symbol("z", real=True)


def _sympy_of(build, what: str, *args) -> sympy.Expr:
    """``build(*args)`` as a sympy expression, or an error saying what to write instead."""
    try:
        value = build(*args)
    except Exception as error:  # a numpy function given a symbol, a typo in a lambda …
        raise IncompatibleError(
            f"{what} must build a sympy expression from sympy symbols (sympy.tanh(z), z*sigmoid(z)), not "
            f"with numpy or math functions; calling it with a symbol raised {type(error).__name__}: {error}") from None
    try:
        value = as_expression(value)
        if not isinstance(value, sympy.Expr):
            raise TypeError(type(value).__name__)
        return value
    except Exception:
        raise IncompatibleError(
            f"{what} must return a sympy expression, not {type(value).__name__}: build it from sympy "
            "functions (sympy.exp, sympy.erf, sigmoid …) rather than numpy or math ones") from None


class _Differentiated:
    """f′ by ``sympy.diff`` of f: the default derivative of an activation or a loss (picklable, unlike a lambda)."""

    def __init__(self, function, arguments: int = 1):
        self.function, self.arguments = function, arguments

    def __call__(self, first, *rest):
        variable = sympy.Dummy("u", real=True)
        return sympy.diff(self.function(variable, *rest), variable).xreplace({variable: as_expression(first)})

    def __repr__(self) -> str:
        return f"<sympy.diff of {getattr(self.function, '__name__', self.function)!r}>"


def _latex_operator(name: str) -> str:
    return r"\operatorname{" + name.replace("_", r"\_") + "}"


def _default_names(record, formula_text, formula_latex) -> None:
    """A record's missing ``text``/``latex`` (its name) and formulas (``formula_text(to_text)`` …), filled in."""
    if not record.text:
        object.__setattr__(record, "text", record.name)
    if not record.latex:
        object.__setattr__(record, "latex", _latex_operator(record.name))
    if not record.formula_text or not record.formula_latex:
        from .printing import to_latex, to_text

        if not record.formula_text:
            object.__setattr__(record, "formula_text", formula_text(to_text))
        if not record.formula_latex:
            object.__setattr__(record, "formula_latex", formula_latex(to_latex))


@dataclass(frozen=True, repr=False)
class Activation(Summarised):
    """One activation function, everything the package needs to know about it.

    ``function`` and ``derivative`` take a sympy expression z and return
    f(z) and f′(z); the derivative is written the way it is taught, and when
    omitted it is ``sympy.diff`` of ``function``.  ``latex``, ``text`` and
    the two ``formula`` strings default to the name and to f′(z) printed.
    ``numpy`` maps an array of pre-activations to activations; when given,
    the compiled layer code calls it (it is checked against ``function`` here,
    at a few points), and when omitted the code is generated from
    ``function``.  ``smooth`` (no kink, so complex-step differentiation
    works) is worked out from ``function`` unless given.  Softmax is the one
    activation that is not elementwise: ``function`` then takes the index and
    the whole vector.
    """

    name: str
    function: Callable
    derivative: Callable | None = None
    latex: str = ""
    text: str = ""
    formula_text: str = ""
    formula_latex: str = ""
    convention: str = ""
    numpy: Callable | None = None
    elementwise: bool = True
    smooth: bool | None = None
    aliases: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        if not isinstance(self.name, str) or not self.name.strip():
            raise IncompatibleError(f"an activation needs a name, got {self.name!r}")
        if not callable(self.function):
            raise IncompatibleError(f"the function of activation {self.name!r} must be callable, "
                                    f"got {self.function!r}")
        put("aliases", tuple(self.aliases))
        if not self.elementwise:
            if self.function is not softmax:
                raise IncompatibleError(
                    f"activation {self.name!r}: softmax is the one activation that is not elementwise; "
                    "the derivations know its Jacobian and no other")
            if self.smooth is None:
                put("smooth", True)
            return
        z = _z()
        value = _sympy_of(self.function, f"the function of activation {self.name!r}", z)
        if self.derivative is None:
            put("derivative", _Differentiated(self.function))
        elif not callable(self.derivative):
            raise IncompatibleError(f"the derivative of activation {self.name!r} must be callable, "
                                    f"got {self.derivative!r}")
        slope = _sympy_of(self.derivative, f"the derivative of activation {self.name!r}", z)
        if self.numpy is not None and not callable(self.numpy):
            raise IncompatibleError(f"the numpy implementation of activation {self.name!r} must be callable, "
                                    f"got {self.numpy!r}")
        _default_names(self, lambda show: f"{self.text}′(z) = {show(slope)}",
                       lambda show: f"{self.latex}'(z) = {show(slope)}")
        if self.smooth is None:
            put("smooth", not (value.has(*_KINKED) or slope.has(*_KINKED)))
        if self.numpy is not None:
            self._check_numpy(self.numpy, value, z)

    def _check_numpy(self, numpy_function: Callable, value, z) -> None:
        """The array implementation must compute the same function the derivation differentiates."""
        points = np.array([-2.5, -0.7, 0.3, 1.9])
        try:
            expected = np.asarray(sympy.lambdify(z, value, "numpy")(points), dtype=np.float64) * np.ones(4)
        except Exception:  # a sympy form numpy cannot evaluate: the array implementation is the only one
            return
        try:
            got = np.asarray(numpy_function(points.copy()), dtype=np.float64)
        except Exception as error:
            raise IncompatibleError(f"the numpy implementation of activation {self.name!r} fails on an array: "
                                    f"{type(error).__name__}: {error}") from None
        if got.shape != points.shape or not np.allclose(got, expected, rtol=1e-6, atol=1e-9, equal_nan=True):
            raise IncompatibleError(
                f"the numpy implementation of activation {self.name!r} disagrees with its function at "
                f"z = {points.tolist()}: {np.round(got, 6).tolist()} against {np.round(expected, 6).tolist()}; "
                "the gradient is derived from the function, so training would follow a wrong slope")

    def __call__(self, z):
        return self.function(as_expression(z))

    def __reduce_ex__(self, protocol):
        # a registered activation pickles as its name (its functions are often lambdas)
        if ACTIVATIONS.get(self.name) is self:
            return get_activation, (self.name,)
        return super().__reduce_ex__(protocol)

    def _summary(self) -> Summary:
        facts = [("name", self.name), ("derivative", self.formula_text)]
        if self.aliases:
            facts.append(("also called", ", ".join(self.aliases)))
        if self.convention:
            facts.append(("convention", self.convention))
        return Summary(f"{self.name}: {self.formula_text}", tuple(facts))

    def derivative_in_terms_of_output(self, z: sympy.Symbol, a: sympy.Symbol) -> sympy.Expr:
        """f′(z) with every f(z) replaced by the activation a (σ′ = a(1 − a))."""
        if not self.elementwise or self.derivative is None:
            raise IncompatibleError(f"activation {self.name!r} is not elementwise: its derivative is a Jacobian, "
                                    "not one function of z")
        z, a = as_expression(z), as_expression(a)
        return self.derivative(z).xreplace({self.function(z): a})


ACTIVATIONS: Registry = Registry("activation")


def register_activation(activation: Activation, *, replace: bool = False) -> Activation:
    """Add an activation; networks, derivations and compiled code pick it up by its name.

    A name (or alias) already registered is refused unless *replace* is
    true, so a built-in such as ``"sigmoid"`` is never replaced by accident.
    """
    if not isinstance(activation, Activation):
        raise IncompatibleError(f"register_activation takes an Activation, not {type(activation).__name__}")
    return ACTIVATIONS.add(activation, replace=replace)


def get_activation(name) -> Activation:
    """The activation called *name* (a ``Activation`` passes through)."""
    return name if isinstance(name, Activation) else ACTIVATIONS.lookup(name)


register_activation(Activation(
    name="identity",
    function=lambda z: z,
    derivative=lambda z: S.One,
    latex=r"\operatorname{id}",
    text="id",
    formula_text="id′(z) = 1",
    formula_latex=r"\frac{d}{dz} z = 1",
    aliases=("linear", "none"),
))
register_activation(Activation(
    name="sigmoid",
    function=sigmoid,
    derivative=lambda z: sympy.Mul(sigmoid(z), 1 - sigmoid(z), evaluate=False),
    latex=r"\sigma",
    text="σ",
    formula_text="σ′(z) = σ(z)(1 − σ(z))",
    formula_latex=r"\sigma'(z) = \sigma(z)\left(1 - \sigma(z)\right)",
    aliases=("logistic", "sigma", "σ"),
))
register_activation(Activation(
    name="tanh",
    function=sympy.tanh,
    derivative=lambda z: 1 - sympy.tanh(z) ** 2,
    latex=r"\tanh",
    text="tanh",
    formula_text="tanh′(z) = 1 − tanh²(z)",
    formula_latex=r"\tanh'(z) = 1 - \tanh^{2}(z)",
))
register_activation(Activation(
    name="relu",
    function=relu,
    derivative=step,
    latex=r"\operatorname{ReLU}",
    text="ReLU",
    formula_text="ReLU′(z) = H(z) = 1 for z > 0, 0 for z ≤ 0",
    formula_latex=r"\operatorname{ReLU}'(z) = H(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}",
    convention="ReLU′(0) = 0, as PyTorch, JAX and TensorFlow compute it",
    smooth=False,
))
register_activation(Activation(
    name="leaky_relu",
    function=leaky_relu,
    derivative=lambda z: LEAKY_SLOPE + (1 - LEAKY_SLOPE) * step(z),
    latex=r"\operatorname{LReLU}",
    text="LReLU",
    formula_text="LReLU′(z) = 1 for z > 0, α = 0.01 for z ≤ 0",
    formula_latex=r"\operatorname{LReLU}'(z) = \begin{cases} 1 & z > 0 \\ \alpha & z \le 0 \end{cases},\ \alpha = 0.01",
    convention="slope α = 0.01 below 0; the derivative at 0 is α",
    smooth=False,
    aliases=("lrelu", "leakyrelu"),
))
register_activation(Activation(
    name="softplus",
    function=softplus,
    derivative=sigmoid,
    latex=r"\operatorname{softplus}",
    text="softplus",
    formula_text="softplus′(z) = σ(z)",
    formula_latex=r"\operatorname{softplus}'(z) = \sigma(z)",
))
register_activation(Activation(
    name="softmax",
    function=softmax,
    derivative=lambda i, j, zs: (
        softmax(i, *zs) * (1 - softmax(i, *zs)) if i == j else -softmax(i, *zs) * softmax(j, *zs)
    ),
    latex=r"\operatorname{softmax}",
    text="softmax",
    formula_text="∂ŷᵢ/∂zⱼ = ŷᵢ(δᵢⱼ − ŷⱼ)",
    formula_latex=r"\frac{\partial \hat{y}_i}{\partial z_j} = \hat{y}_i\left(\delta_{ij} - \hat{y}_j\right)",
    elementwise=False,
))
