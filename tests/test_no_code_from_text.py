"""No text handed to the Python API is ever run as code.

sympy's ``sympify`` (and everything that calls it: ``S()``, ``nsimplify``,
``Function(...)``, arithmetic with a tuple or a dict) evaluates a string as
Python.  Every public function and method of the package is called here with
a payload in each of its parameters (as text, inside a dict, a list or a
tuple, and as an object whose ``str`` is the payload); the payload would
create a file if it were evaluated, and no file may appear.  A lint test
keeps ``sympify`` and its relatives out of the package but for the one place
that converts values safely.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import signal
from pathlib import Path

import numpy as np
import pytest
import sympy

import mathomong_sym
from mathomong_sym import MLP, Neuron, get_activation, get_loss
from mathomong_sym.check.key import AnswerEntry, AnswerKey, Mistake
from mathomong_sym.errors import MathomongError, ParseError
from mathomong_sym.naming import sym

PACKAGE = Path(mathomong_sym.__file__).parent


class Payload:
    """Code that creates *path* when evaluated, in every shape sympy would evaluate it in."""

    def __init__(self, path: Path):
        self.path = path
        self.code = f"__import__('pathlib').Path({str(path)!r}).touch() or 2"

    def shapes(self):
        code = self.code

        class Printed:  # sympy < 1.13 evaluates str() of an object it does not know
            def __str__(self):
                return code

            __repr__ = __str__

        return [code, Printed(), {"x": code}, {"W": code}, {code: 1}, [code], (code, code)]

    def fired(self) -> bool:
        found = self.path.exists()
        if found:
            self.path.unlink()
        return found


@pytest.fixture
def payload(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # functions that write files write them here
    return Payload(tmp_path / "SENTINEL")


# ---------------------------------------------------------------------------
# the entry points the audit found, one by one, with text that must still work
# ---------------------------------------------------------------------------

def test_derivation_at_reads_text_and_never_runs_it(payload):
    d = Neuron().derive("W")
    for call in (lambda: d.at({"x": payload.code}), lambda: d.at(x=payload.code),
                 lambda: d.at({"x": [payload.code]}), lambda: d.at({"x": {"y": payload.code}})):
        with pytest.raises(MathomongError):
            call()
        assert not payload.fired()
    by_text = d.at({"x": "2", "W": "1/2", "b": "-1", "y": "1"})
    by_number = d.at({"x": 2, "W": 0.5, "b": -1, "y": 1})
    assert by_text.point == by_number.point


def test_network_values_at_reads_text(payload):
    net = Neuron()
    with pytest.raises(MathomongError):
        net.values_at({"x": payload.code, "W": 1, "b": 0, "y": 1})
    assert not payload.fired()
    assert net.values_at({"x": "3/2", "W": 1, "b": 0, "y": 1}) == net.values_at({"x": 1.5, "W": 1, "b": 0, "y": 1})


@pytest.mark.parametrize("name", ["to_latex", "to_text", "format_number"])
def test_printing_reads_text(payload, name):
    function = getattr(mathomong_sym, name)
    with pytest.raises(MathomongError):
        function(payload.code)
    assert not payload.fired()
    assert function("1/4") == function(sympy.Rational(1, 4))


def test_keys_and_trees_read_text(payload):
    from mathomong_sym.check.tree import expr_to_tree

    for call in (lambda: expr_to_tree(payload.code), lambda: AnswerEntry.from_expr("q", payload.code),
                 lambda: Mistake.from_expr(payload.code, "m"), lambda: AnswerEntry.from_expr("q", 1, label=[payload.code])):
        with pytest.raises(MathomongError):
            call()
        assert not payload.fired()
    assert expr_to_tree("2x") == expr_to_tree(2 * sym("x"))
    assert AnswerEntry.from_expr("q", "x^2").expression() == sym("x") ** 2


def test_functions_of_the_package_read_text(payload):
    from mathomong_sym import sigmoid, softmax

    for call in (lambda: sigmoid(payload.code), lambda: softmax(1, payload.code, "z"),
                 lambda: get_activation("tanh")(payload.code), lambda: get_loss("bce").expression([payload.code], ["y"])):
        with pytest.raises(MathomongError):
            call()
        assert not payload.fired()
    assert sigmoid("2z") == sigmoid(2 * sym("z"))


def test_as_expression_refuses_what_sympy_would_evaluate(payload):
    from mathomong_sym.parsing.values import as_expression, as_number

    for shape in payload.shapes():
        with pytest.raises(ParseError):
            as_number(shape)
        assert not payload.fired()
    assert as_number(0.1) == sympy.Rational(1, 10)
    assert as_number("0.1") == sympy.Rational(1, 10)
    assert as_expression(np.float64(2.5)) == sympy.Float(2.5)
    with pytest.raises(ParseError):
        as_expression(np.array([payload.code]))
    for bad in (float("nan"), float("inf"), True):
        with pytest.raises(ParseError):
            as_number(bad)
    with pytest.raises(ParseError, match="not finite"):
        as_number("1e400")


# ---------------------------------------------------------------------------
# every public function and method, every parameter, every shape
# ---------------------------------------------------------------------------

_NET = Neuron()
_DERIVATION = _NET.derive("W")
_X = sym("x")


def _instances() -> dict:
    from mathomong_sym.calculus.context import DerivationContext
    from mathomong_sym.check import CheckResult
    from mathomong_sym.check.pool import shared_pool
    from mathomong_sym.derive import Backprop

    entry = AnswerEntry.from_expr("q", _X)
    mlp = MLP([1, 1, 1])  # small: some methods (verify, to_json) redo their work for every payload
    return {
        "Derivation": _DERIVATION, "Neuron": _NET, "MLP": MLP([2, 2, 1]), "Network": _NET, "Step": _DERIVATION.steps[0],
        "AnswerEntry": entry, "Mistake": Mistake.from_expr(_X, "m"), "AnswerKey": AnswerKey("w", entries=[entry]),
        "Activation": get_activation("tanh"), "Loss": get_loss("bce"), "CompiledNetwork": _NET.compile(),
        "DescentPath": mathomong_sym.descend(_X ** 2, [1.0], lr=0.1, steps=3),
        "NetworkDerivation": mlp.derive("w1_1_1"), "Backprop": Backprop(mlp), "Layer": mlp.layers[0],
        "DerivationContext": DerivationContext(_X ** 2), "CheckResult": CheckResult("correct", "right"),
        "sigmoid": mathomong_sym.sigmoid(_X), "softplus": mathomong_sym.softplus(_X),
        # the shared pool (closed when the tests end): tasks given as text reach a worker, which must not run them
        "CheckerPool": shared_pool(2.0, workers=1),
    }


# classes whose instance would hold processes, files or servers: their methods are tested where they are used
_NOT_MADE_HERE = {"CheckerPool", "CheckService", "Storage", "OutputFolder", "StagedFiles", "FolderLock", "Journal"}


def _instance_of(name, cls, instances):
    """The instance whose methods are called: one made above, else one made without arguments (rules, optimizers)."""
    if name in instances or name in _NOT_MADE_HERE:
        return instances.get(name)
    try:
        return cls()
    except Exception:
        return None


# what a required parameter gets when the payload goes into another one
_ARGUMENTS = {
    "expr": _X, "expression": _X, "var": _X, "variable": _X, "z": _X, "a": _X, "lhs": _X, "rhs": _X, "result": _X,
    "net": _NET, "network": _NET, "derivation": _DERIVATION, "theta": np.zeros(_NET.n_parameters),
    "X": np.ones((3, 1)), "Y": np.ones((3, 1)), "path": "out", "name": "sigmoid", "start": [1.0], "lr": 0.1,
    "f": lambda t: float(np.sum(t)), "id": "q", "latex": "x", "message": "m", "value": 1, "values": {}, "point": {},
    "rule": "rule", "steps": [], "folder": ".", "out_dir": "out", "data": {}, "question_id": "q", "key": "x",
    "answer": "x", "u": _X, "outer": None, "context": None,
}
# these print the expressions they are given (exercised above) and start no new work here
_SKIP_MODULES = ("mathomong_sym.cli", "mathomong_sym.__main__")


def _defined_here(cls, attribute) -> bool:
    """Is *attribute* a method of the package (not one sympy's Expr gives every expression, such as subs)?"""
    owner = next((c for c in cls.__mro__ if attribute in vars(c)), None)
    return owner is not None and owner.__module__.startswith("mathomong_sym")


def _public_callables():
    seen = set()
    instances = _instances()
    for info in pkgutil.walk_packages(mathomong_sym.__path__, "mathomong_sym."):
        if info.name.startswith(_SKIP_MODULES):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            if obj is None or id(obj) in seen or not callable(obj):
                continue
            seen.add(id(obj))
            if inspect.isclass(obj):
                if issubclass(obj, BaseException):
                    continue
                yield f"{name}", obj
                instance = _instance_of(name, obj, instances)
                for attribute in dir(obj):
                    try:
                        member = getattr(obj, attribute)
                    except Exception:  # a property of the class, not of an instance
                        continue
                    if attribute.startswith("_") or not callable(member):
                        continue
                    if isinstance(inspect.getattr_static(obj, attribute), (classmethod, staticmethod)):
                        yield f"{name}.{attribute}", member
                    elif instance is not None and _defined_here(obj, attribute):
                        try:
                            yield f"{name}().{attribute}", getattr(instance, attribute)
                        except Exception:
                            continue
            else:
                yield f"{getattr(obj, '__module__', module.__name__)}.{name}", obj


class _TooSlow(Exception):
    pass


def _call(function, args, kwargs):
    def stop(*_):
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(20)
    try:
        function(*args, **kwargs)
    except _TooSlow:
        raise AssertionError(f"{function} did not return within 20 s") from None
    except Exception:
        pass  # an error is fine; running the payload is not
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_no_public_function_or_method_runs_text(payload, recwarn):
    fired = []
    called = set()
    for label, function in _public_callables():
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):
            continue
        parameters = [p for p in signature.parameters.values() if p.name not in ("self", "cls")]
        required = {p.name: _ARGUMENTS.get(p.name) for p in parameters
                    if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        if "context" in required:  # a rule's derivation writes its lines into a context of its own
            from mathomong_sym.calculus.context import DerivationContext

            required["context"] = DerivationContext(_X ** 2)
        for parameter in parameters:
            for shape in payload.shapes():
                if parameter.kind == parameter.VAR_POSITIONAL:
                    args, kwargs = [shape], {}
                elif parameter.kind == parameter.VAR_KEYWORD:
                    args, kwargs = [], {**required, "x": shape, "W": shape}
                else:
                    args, kwargs = [], {**required, parameter.name: shape}
                _call(function, args, kwargs)
                called.add(label)
                if payload.fired():
                    fired.append(f"{label}({parameter.name}={type(shape).__name__})")
    assert not fired, f"text was run as code by: {', '.join(sorted(set(fired)))}"
    # the entry points found evaluating text before must be among those called
    for label in ("Derivation().at", "Neuron().values_at", "Network().values_at", "mathomong_sym.printing.to_latex",
                  "mathomong_sym.printing.format_number", "mathomong_sym.check.tree.expr_to_tree",
                  "AnswerEntry.from_expr", "Mistake.from_expr", "Derivation().value", "sigmoid",
                  "mathomong_sym.check.checker.check_answer", "mathomong_sym.descent.descend",
                  "TanhRule().derivative", "SquareRootRule().rebuild", "BySympy().apply", "NetworkDerivation().at",
                  "Backprop().parameter", "DerivationContext().derive", "CheckerPool().run_one"):
        assert label in called, label
    assert len(called) > 150


def test_command_line_never_runs_text(payload, capsys):
    from mathomong_sym.cli import main

    code = payload.code
    for argv in (["explain", code], ["explain", "x^2", "--wrt", code], ["explain", "x^2", "--at", f"x={code}"],
                 ["check", "--key", code, "--answer", code], ["check", "--key", "x", "--answer", "x", "--define", f"z={code}"],
                 ["descend", code, "--start", "1"], ["derive", "--wrt", code]):
        try:
            main(argv)
        except SystemExit:
            pass
        assert not payload.fired(), argv
    capsys.readouterr()


# ---------------------------------------------------------------------------
# lint: sympify and its relatives only where values are converted safely
# ---------------------------------------------------------------------------

_THE_CONVERTER = PACKAGE / "parsing" / "values.py"
_NEVER = {"parse_expr", "eval", "exec", "sympy_parser", "parse_latex_lark"}
# exec of code the package prints itself from sympy trees (its own names only), as lambdify does
_GENERATED_CODE = {PACKAGE / "compile.py", PACKAGE / "derivation.py"}
_ONLY_IN_THE_CONVERTER = {"sympify", "nsimplify", "S"}


def _called_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and func.attr in _ONLY_IN_THE_CONVERTER | {"parse_expr", "sympy_parser"}:
        return func.attr
    return ""


def test_sympify_only_in_the_one_converter():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        where = path.relative_to(PACKAGE.parent)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
                if any("sympy_parser" in n or n == "parse_expr" for n in names):
                    problems.append(f"{where}:{node.lineno}: imports sympy's string parser")
            if not isinstance(node, ast.Call):
                continue
            name = _called_name(node)
            if name == "exec" and path in _GENERATED_CODE and isinstance(node.args[0], (ast.Name, ast.Call)):
                continue
            if name in _NEVER:
                problems.append(f"{where}:{node.lineno}: {name}() runs text as code")
            elif name in _ONLY_IN_THE_CONVERTER:
                if path != _THE_CONVERTER:
                    problems.append(f"{where}:{node.lineno}: {name}() may run text as code; "
                                    "use mathomong_sym.parsing.values.as_expression / as_number")
                elif name == "sympify" and not any(k.arg == "strict" and getattr(k.value, "value", None) is True
                                                   for k in node.keywords):
                    problems.append(f"{where}:{node.lineno}: sympify() without strict=True")
    assert not problems, "\n".join(problems)
