"""Symbolic backprop: the chain of named factors, shared deltas, verification."""

import random

import pytest
import sympy
from sympy import Derivative

from mathomong_sym import MLP, Neuron, Step, UnknownNameError, to_text
from mathomong_sym.activations import sigmoid
from mathomong_sym.derivation import FAILED
from mathomong_sym.naming import sym


def _equal_at_random_points(a, b, symbols, points=3, seed=0):
    rng = random.Random(seed)
    for _ in range(points):
        values = {s: sympy.Float(rng.uniform(-1.5, 1.5), 30) for s in symbols}
        left, right = a.xreplace(values).evalf(30), b.xreplace(values).evalf(30)
        assert abs(left - right) <= 1e-20 * max(1, abs(left)), (left, right)


def test_guide_neuron_dL_dW_shows_the_three_factors_then_the_result():
    net = Neuron()
    W, x, y, z, yhat = (sym(n) for n in ("W", "x", "y", "z", "yhat"))
    d = net.derive("W")
    values = [f.value for f in d.factors]
    expected = [2 * (yhat - y), sigmoid(z) * (1 - sigmoid(z)), x]
    assert all(sympy.expand(v - e) == 0 for v, e in zip(values, expected))
    # kept as taught, not expanded: 2(ŷ − y) and σ(z)(1 − σ(z))
    assert to_text(values[0]) == "2(ŷ − y)"
    assert to_text(values[1]) == "σ(z)(1 − σ(z))"
    assert [f.lhs for f in d.factors] == [Derivative(sym("L"), yhat), Derivative(yhat, z), Derivative(z, W)]
    # the first step is the chain, the last one the product of the factors
    assert d.steps[0].rule == "chain rule"
    assert d.steps[0].rhs.args == (Derivative(sym("L"), yhat), Derivative(yhat, z), Derivative(z, W))
    assert d.steps[-1].rhs.args == tuple(values)
    assert sympy.simplify(d.result - sympy.diff(net.loss, W)) == 0


def test_guide_neuron_numbers():
    net = Neuron()
    point = {"x": 2, "W": 0.5, "b": -1, "y": 1}
    dW = net.derive("W").at(point)
    db = net.derive("b").at(point)
    assert float(dW.value(dW.lhs)) == pytest.approx(-0.5)
    assert float(db.value(db.lhs)) == pytest.approx(-0.25)
    delta = dW.cites[0]
    assert float(dW.value(delta.lhs)) == pytest.approx(-0.25)


def test_each_delta_is_derived_once_and_shared():
    net = MLP([2, 3, 2])
    a = net.derive("w1_1_1")
    b = net.derive("w1_1_2")
    c = net.derive("b1_1")
    assert a.cites[0] is b.cites[0] is c.cites[0]
    # the hidden delta cites both output deltas, each the same object as the output weights cite
    hidden = a.cites[0]
    assert len(hidden.cites) == 2
    assert hidden.cites[0] is net.derive("w2_1_1").cites[0]
    assert hidden.cites[1] is net.derive("b2_2").cites[0]


def test_two_two_two_network_sums_the_paths_through_both_outputs():
    net = MLP([2, 2, 2])
    hidden = net.derive("w1_1_2").cites[0]
    chain = hidden.steps[0]
    assert chain.rule == "chain rule"
    L, a = sym("L"), sym("a1_1")
    paths = chain.rhs.args[0]
    assert isinstance(paths, sympy.Add) and len(paths.args) == 2
    assert set(paths.args) == {
        sympy.Mul(Derivative(L, sym(f"z2_{k}")), Derivative(sym(f"z2_{k}"), a), evaluate=False) for k in (1, 2)
    }
    weighted = hidden.steps[-1].rhs.args[0]
    assert weighted == sym("delta2_1") * sym("w2_1_1") + sym("delta2_2") * sym("w2_2_1")


def test_two_two_one_first_layer_weight_has_one_path_of_named_factors():
    net = MLP([2, 2, 1])
    d = net.derive("w1_1_1")
    kinds = [f.kind for f in d.factors]
    assert kinds == ["loss", "activation", "linear", "activation", "linear"]
    assert d.factors[2].value == sym("w2_1_1")
    assert d.factors[-1].value == sym("x_1")


@pytest.mark.parametrize("net", [
    Neuron(),
    Neuron(2, activation="tanh"),
    MLP([2, 2, 1]),
    MLP([2, 2, 2], activation="tanh", loss="bce"),
    MLP([1, 2, 1, 1], activation="softplus", output_activation="identity"),
    MLP([2, 2, 2], activation="relu", output_activation="softmax", loss="cross_entropy"),
], ids=lambda n: n.description)
def test_every_parameter_result_equals_sympy_diff_of_the_loss(net):
    symbols = set(net.inputs) | set(net.targets) | set(net.parameters)
    constraint = net.constraints
    for p in net.parameters:
        expected = sympy.diff(net.loss, p).xreplace(constraint)
        derived = net.derive(p).result.xreplace(constraint)
        _equal_at_random_points(derived, expected, symbols, seed=hash(p.name) % 1000)


@pytest.mark.parametrize("net", [
    Neuron(),
    MLP([2, 2, 1]),
    MLP([2, 2, 2], activation="tanh", loss="bce"),
    MLP([2, 2, 2], activation="leaky_relu", output_activation="softmax", loss="cross_entropy"),
], ids=lambda n: n.description)
def test_every_derivation_verifies(net):
    for p in net.parameters:
        report = net.derive(p).verify()
        assert report.ok, [(c.step.rule, c.detail) for c in report.failures]


def test_a_wrong_step_is_caught():
    net = Neuron()
    d = net.derive("W")
    z = sym("z")
    wrong = Step(Derivative(sym("yhat"), z), sigmoid(z) ** 2, "sigmoid rule")
    d.steps[2] = wrong
    report = d.verify()
    assert not report.ok
    assert any(c.step is wrong and c.outcome == FAILED for c in report.checks)


def test_unknown_parameter_name():
    with pytest.raises(UnknownNameError, match="w3_1_1"):
        MLP([2, 2, 1]).derive("w3_1_1")


def test_gradients_cover_every_parameter_in_order():
    net = MLP([2, 3, 1])
    grads = net.gradients()
    assert list(grads) == net.parameters


def test_layer_equations_are_the_matrix_form():
    eq = MLP([2, 3, 1]).layer_equations()
    assert sympy.expand(eq.output_delta - 2 * (eq.a - eq.y) * eq.a * (1 - eq.a)) == 0
    assert sympy.expand(MLP([2, 3, 1], loss="bce").layer_equations().output_delta - (eq.a - eq.y)) == 0
    assert any("(W" in line and "ᵀ" in line for line in eq.lines_text)


def test_softmax_cross_entropy_delta_is_yhat_minus_y():
    net = MLP([2, 3], output_activation="softmax", loss="cross_entropy")
    delta = net.derive("b1_2").cites[0]
    assert sympy.expand(delta.steps[-1].rhs - (sym("yhat_2") - sym("y_2"))) == 0
    assert any("sums to 1" in c for c in delta.conventions)


def _chain_steps(derivation):
    return [c for c in derivation.verify(level=1).checks if c.detail.startswith("the chain rule")]


def test_a_chain_rule_step_is_proved_from_the_paths_of_the_graph():
    net = MLP([2, 3, 2, 1])
    checks = _chain_steps(net.derive("w1_1_1"))
    assert checks and all(c.outcome == "proved" for c in checks)
    # the step of ∂L/∂z⁽¹⁾₁ sums over the two units of layer 2: proved, not sampled
    assert any(c.step.lhs == Derivative(sym("L"), sym("z1_1")) for c in checks)


@pytest.mark.parametrize("wrong_rhs", [
    # the wrong unit on the path
    lambda L, z2, z3, a2: Derivative(L, z3) * Derivative(z3, a2[1]) * Derivative(a2[1], z2[0]),
    # a path counted twice
    lambda L, z2, z3, a2: 2 * Derivative(L, z3) * Derivative(z3, a2[0]) * Derivative(a2[0], z2[0]),
    # a link of the chain left out
    lambda L, z2, z3, a2: Derivative(L, z3) * Derivative(a2[0], z2[0]),
    # the chain of another unit added
    lambda L, z2, z3, a2: (Derivative(L, z3) * Derivative(z3, a2[0]) * Derivative(a2[0], z2[0])
                           + Derivative(L, z3) * Derivative(z3, a2[1]) * Derivative(a2[1], z2[1])),
])
def test_a_wrong_chain_is_never_proved_and_fails(wrong_rhs):
    from mathomong_sym.derivation import check_equality

    net = MLP([2, 2, 1])
    d = net.derive("w1_1_1")
    L, z3 = sym("L"), sym("z2_1")
    z2, a2 = [sym("z1_1"), sym("z1_2")], [sym("a1_1"), sym("a1_2")]
    lhs = Derivative(L, z2[0])
    outcome, detail = check_equality(lhs, wrong_rhs(L, z2, z3, a2), d.all_definitions())
    assert outcome == FAILED, detail
    right = Derivative(L, z3) * Derivative(z3, a2[0]) * Derivative(a2[0], z2[0])
    assert check_equality(lhs, right, d.all_definitions())[0] == "proved"


def test_the_chain_rule_counts_every_route_when_a_quantity_is_reached_twice():
    from mathomong_sym import LocalDerivative
    from mathomong_sym.derivation import check_equality

    x, u, v, f = sympy.symbols("x u v f")
    definitions = {u: x ** 2, v: u * x, f: u + v}  # x reaches v directly and through u
    lhs = Derivative(f, x)
    # over the users of x: ∂f/∂u (which moves v too) · ∂u/∂x, and ∂f/∂v · v's own ∂v/∂x with u held
    by_users = Derivative(f, u) * Derivative(u, x) + Derivative(f, v) * LocalDerivative(v, x)
    assert check_equality(lhs, by_users, definitions)[0] == "proved"
    by_paths = Derivative(u, x) * (LocalDerivative(f, u) + Derivative(f, v) * LocalDerivative(v, u)) \
        + LocalDerivative(f, v) * LocalDerivative(v, x)
    assert check_equality(lhs, by_paths, definitions)[0] == "proved"
    # the whole ∂v/∂x (through u as well) counts the route x → u → v twice: caught
    twice = Derivative(f, u) * Derivative(u, x) + Derivative(f, v) * Derivative(v, x)
    assert check_equality(lhs, twice, definitions)[0] == FAILED


def test_verify_all_checks_each_shared_delta_once_and_still_catches_a_wrong_one():
    from mathomong_sym.derivation import verify_all

    net = MLP([2, 2, 1])
    derivations = [net.derive(p) for p in net.parameters]
    one_by_one = [d.verify(level=1) for d in derivations]
    together = verify_all(derivations, level=1)
    assert together.ok and all(r.ok for r in one_by_one)
    delta = derivations[0].cites[-1]
    # its own steps (the closing "result" check is made afresh by each verification)
    delta_steps = {id(c.step) for c in delta.verify(level=1, include_cited=False).checks if c.step.kind != "result"}
    # the δ's steps appear once in the joint report, once per citing parameter one by one
    assert sum(id(c.step) in delta_steps for c in together.checks) == len(delta_steps)
    assert sum(id(c.step) in delta_steps for r in one_by_one for c in r.checks) > len(delta_steps)
    assert len(together.checks) < sum(len(r.checks) for r in one_by_one)
    # a wrong step in the shared δ fails the joint verification
    index = next(i for i, s in enumerate(delta.steps) if s.lhs is not None and s.rhs.has(sympy.Symbol))
    delta.steps[index] = Step(delta.steps[index].lhs, delta.steps[index].rhs + 1, "wrong")
    assert not verify_all([net.derive(p) for p in net.parameters], level=1).ok
