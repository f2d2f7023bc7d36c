"""The package's functions print themselves in sympy's code printers.

lambdify (numpy, jax, scipy, math, mpmath), pycode, ccode and codegen work on
any tree or derivation result, give the value the exact closed form has, and
stay finite where the naive formula overflows.
"""

import math
import shutil
import subprocess

import numpy as np
import pytest
import sympy
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import MpmathPrinter
from sympy.utilities.codegen import codegen

from mathomong_sym import MLP, leaky_relu, relu, sigmoid, softmax, softplus, step
from mathomong_sym.activations import logsumexp

z = sympy.Symbol("z", real=True)
u, v, w = sympy.symbols("u v w", real=True)

MODULES = ["numpy", "math", "mpmath", "scipy", "jax"]

#: each function by the textbook formula, in plain Python
REFERENCE = {
    sigmoid: lambda x: 1 / (1 + math.exp(-x)),
    relu: lambda x: max(0.0, x),
    leaky_relu: lambda x: x if x > 0 else 0.01 * x,
    softplus: lambda x: math.log1p(math.exp(x)),
    step: lambda x: 1.0 if x > 0 else 0.0,
}
POINTS = [-3.5, -0.25, 0.0, 0.7, 4.0]


def _module(name):
    if name == "jax":
        pytest.importorskip("jax")
    if name == "scipy":
        pytest.importorskip("scipy")
    return name


def _rel(module):
    return 1e-6 if module == "jax" else 1e-12  # JAX computes in float32 unless told otherwise


def _exact(expr, values):
    """The value by sympy's own evaluation of the exact form (no code printing involved)."""
    return float(expr.xreplace({k: sympy.Float(val, 30) for k, val in values.items()}).rewrite(sympy.exp).evalf(30))


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize("function", list(REFERENCE), ids=lambda f: f.__name__)
def test_every_elementwise_function_lambdifies_to_its_value(function, module):
    f = sympy.lambdify(z, function(z), _module(module))
    for point in POINTS:
        assert float(f(point)) == pytest.approx(REFERENCE[function](point), rel=_rel(module), abs=1e-15), point


@pytest.mark.parametrize("module", MODULES)
def test_softmax_and_logsumexp_lambdify(module):
    args = (u, v, w)
    values = {u: 0.5, v: -1.25, w: 2.0}
    for index in range(3):
        f = sympy.lambdify(args, softmax(index, *args), _module(module))
        assert float(f(*values.values())) == pytest.approx(_exact(softmax(index, *args), values), rel=_rel(module))
    g = sympy.lambdify(args, logsumexp(*args), _module(module))
    assert float(g(*values.values())) == pytest.approx(_exact(logsumexp(*args), values), rel=_rel(module))


def test_numpy_code_is_stable_where_the_closed_form_overflows():
    big = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, no NaN, no 1/0
        s = sympy.lambdify(z, sigmoid(z), "numpy")(big)
        p = sympy.lambdify(z, softplus(z), "numpy")(big)
        m = sympy.lambdify((u, v), softmax(0, u, v), "numpy")(big, -big)
        lse = sympy.lambdify((u, v), logsumexp(u, v), "numpy")(big, big)
    assert s[0] == pytest.approx(0.0, abs=1e-300) and s[-1] == 1.0 and s[2] == 0.5
    assert p[-1] == 800.0 and p[0] == pytest.approx(0.0, abs=1e-300) and p[2] == pytest.approx(math.log(2))
    assert m[-1] == 1.0 and m[2] == 0.5
    assert lse[-1] == pytest.approx(800.0 + math.log(2))
    assert sympy.lambdify(z, softplus(z), "math")(800.0) == 800.0
    assert sympy.lambdify(z, sigmoid(z), "math")(-800.0) == pytest.approx(0.0, abs=1e-300)


def test_the_smooth_functions_stay_analytic_on_complex_arrays():
    """Complex-step differentiation: Im f(x + ih)/h is f′(x)."""
    h = 1e-30
    x = np.array([-2.0, 0.3, 5.0])
    for function in (sigmoid, softplus):
        f = sympy.lambdify(z, function(z), "numpy")
        derivative = sympy.lambdify(z, sympy.diff(function(z), z), "numpy")
        assert np.allclose(np.imag(f(x + 1j * h)) / h, derivative(x), rtol=1e-12)


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize("spec", [
    ([2, 2, 1], "sigmoid", "sigmoid", "bce"),
    ([2, 3, 2], "softplus", "softmax", "cross_entropy"),
    ([1, 2, 1], "leaky_relu", "relu", "mse"),
    ([2, 2, 1], "relu", "softplus", "mse"),
])
def test_a_network_loss_and_a_derivation_result_lambdify(spec, module):
    sizes, hidden, output, loss = spec
    net = MLP(sizes, hidden, output, loss)
    args = net.inputs + net.targets + net.parameters
    rng = np.random.default_rng(1)
    values = dict(zip(args, rng.uniform(-1, 1, len(args))))
    if loss == "cross_entropy":
        values[net.targets[0]], values[net.targets[1]] = 0.25, 0.75
    point = [values[a] for a in args]
    f = sympy.lambdify(args, net.loss, _module(module))
    assert float(f(*point)) == pytest.approx(_exact(net.loss, values), rel=1e-6)
    p = net.parameters[0]
    gradient = sympy.lambdify(args, net.derive(p).result, _module(module))
    compiled = net.compile()
    theta = np.array([values[q] for q in net.parameters])
    X = np.array([[values[x] for x in net.inputs]])
    Y = np.array([[values[y] for y in net.targets]])
    assert float(gradient(*point)) == pytest.approx(compiled.gradient(theta, X, Y)[0], rel=1e-6, abs=1e-9)


def test_printers_never_name_a_package_function():
    net = MLP([2, 2, 2], "softplus", "softmax", "cross_entropy")
    for code in (sympy.pycode(net.loss), sympy.ccode(net.loss),
                 NumPyPrinter().doprint(net.loss),
                 MpmathPrinter().doprint(net.loss)):
        for name in ("sigmoid(", "softplus(", "softmax(", "relu(", "logsumexp("):
            assert name not in code


def test_the_compiled_code_uses_the_same_hooks():
    net = MLP([2, 2, 1], "softplus", "sigmoid", "mse")
    compiled = net.compile()
    assert "softplus(" not in compiled.source and "sigmoid(" not in compiled.source
    assert "numpy.log1p" in compiled.source  # the hook's stable softplus
    assert set(compiled._namespace) <= {"numpy", "scipy", "batch_ones", "loss", "forward", "loss_and_gradient",
                                        "__builtins__"}


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_codegen_c_compiles_and_gives_the_value(tmp_path):
    net = MLP([2, 2, 1], "softplus", "sigmoid", "bce")
    args = net.inputs + net.targets + net.parameters
    [(c_name, c_code), (h_name, h_code)] = codegen(("loss", net.loss), "C99", "loss", argument_sequence=args)
    (tmp_path / c_name).write_text(c_code)
    (tmp_path / h_name).write_text(h_code)
    rng = np.random.default_rng(3)
    values = dict(zip(args, rng.uniform(-1, 1, len(args))))
    values[net.targets[0]] = 1.0
    call = ", ".join(repr(float(values[a])) for a in args)
    (tmp_path / "main.c").write_text(f'#include <stdio.h>\n#include "{h_name}"\n'
                                     f'int main(void) {{ printf("%.17g\\n", loss({call})); return 0; }}\n')
    subprocess.run(["cc", "-std=c99", "-O0", "-o", str(tmp_path / "run"), str(tmp_path / "main.c"),
                    str(tmp_path / c_name), "-lm"], check=True, capture_output=True)
    out = subprocess.run([str(tmp_path / "run")], check=True, capture_output=True, text=True).stdout
    assert float(out) == pytest.approx(_exact(net.loss, values), rel=1e-12)


def test_ufuncify_compiles_the_package_functions(tmp_path):
    if shutil.which("cc") is None:
        pytest.skip("needs a C compiler")
    from sympy.utilities.autowrap import ufuncify

    try:
        f = ufuncify([z], sigmoid(z) * softplus(z) + relu(z) - leaky_relu(-z) + step(z), tempdir=str(tmp_path))
    except (ImportError, ModuleNotFoundError) as error:  # numpy's build tools (setuptools) missing
        pytest.skip(f"ufuncify cannot build here: {error}")
    x = np.array([-3.0, -0.5, 0.0, 0.5, 2.0])
    expected = [REFERENCE[sigmoid](v) * REFERENCE[softplus](v) + REFERENCE[relu](v) - REFERENCE[leaky_relu](-v)
                + REFERENCE[step](v) for v in x]
    assert np.allclose(f(x), expected, rtol=1e-14)


@pytest.mark.parametrize("module", MODULES)
def test_a_graph_networks_loss_and_derivation_lambdify(module):
    from mathomong_sym import Dense, GraphNetwork, Input

    x = Input(2)
    encode = Dense(2, "softplus")
    h2 = encode(encode(x))  # one layer used twice: shared weights
    net = GraphNetwork(x, Dense(1, "sigmoid")(h2, x), "bce", l2=0.01)
    args = net.inputs + net.targets + net.parameters
    rng = np.random.default_rng(4)
    values = dict(zip(args, rng.uniform(-1, 1, len(args))))
    values[net.targets[0]] = 1.0
    point = [values[a] for a in args]
    assert float(sympy.lambdify(args, net.loss, _module(module))(*point)) == pytest.approx(
        _exact(net.loss, values), rel=1e-6)
    p = net.symbol("w1_1_1")  # a shared weight, penalised
    gradient = sympy.lambdify(args, net.derive(p).result, _module(module))(*point)
    theta = np.array([values[q] for q in net.parameters])
    X = np.array([[values[s] for s in net.inputs]])
    Y = np.array([[values[s] for s in net.targets]])
    assert float(gradient) == pytest.approx(net.compile().gradient(theta, X, Y)[0], rel=1e-6)


@pytest.mark.parametrize("answer, key", [
    ("1/(1 + e^{-x})", r"\sigma(x)"),
    (r"\max(0, x)", r"\operatorname{ReLU}(x)"),
    (r"\ln(1 + e^{x})", r"\operatorname{softplus}(x)"),
    (r"\max(x, 0.01x)", r"\operatorname{LReLU}(x)"),
    (r"e^{x}/(e^{x} + e^{y})", r"\operatorname{softmax}_1(x, y)"),
])
def test_the_checker_evaluates_the_package_functions_by_their_closed_forms(answer, key):
    from mathomong_sym import check_answer

    assert check_answer(answer, key).verdict == "correct"
    assert check_answer(answer + " + 10^{-6}", key).verdict == "incorrect"
