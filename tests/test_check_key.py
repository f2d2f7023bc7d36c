"""The JSON answer-key format: round trips, expression trees, bad keys."""

from __future__ import annotations

import json

import pytest
import sympy

from mathomong_sym import AnswerEntry, AnswerKey, MLP, Neuron
from mathomong_sym.activations import relu, sigmoid, step
from mathomong_sym.check.key import FORMAT_VERSION, Mistake
from mathomong_sym.check.tree import expr_to_tree, tree_to_expr
from mathomong_sym.errors import ConfigError
from mathomong_sym.naming import sym

x, y, z, W, b = (sym(n) for n in ("x", "y", "z", "W", "b"))


@pytest.mark.parametrize(
    "expr",
    [
        2 * x + 1,
        sigmoid(W * x + b) * (1 - sigmoid(W * x + b)),
        sympy.Rational(3, 7) * sympy.exp(-x) / (1 + sympy.exp(-x)) ** 2,
        step(z) + relu(z) + sympy.Heaviside(z),
        sympy.log(x) + sympy.pi + sympy.E ** 2,
        sympy.Piecewise((1, z > 0), (0, True)),
        sympy.Tuple(x, 2 * y),
        sympy.Derivative(sym("L"), sym("yhat")),
        sympy.Float("0.25") * x,
        sym("w2_1_13") * sym("x_13"),
    ],
)
def test_trees_round_trip(expr):
    tree = expr_to_tree(expr)
    json.dumps(tree)  # plain JSON
    assert tree_to_expr(tree) == expr


@pytest.mark.parametrize(
    "tree",
    [
        {"fn": "__import__", "args": [{"sym": "os"}]},
        {"op": "call", "args": []},
        {"sym": "os.system"},
        {"int": "9" * 100},
        {"eval": "1+1"},
        [],
        {"op": "add"},
    ],
)
def test_bad_trees_are_config_errors(tree):
    with pytest.raises(ConfigError):
        tree_to_expr(tree)


def test_a_key_round_trips_through_a_file(tmp_path):
    net = Neuron(1)
    entry = AnswerEntry.from_derivation("q1", net.derive(net.parameters[0]), points=2, variables=["W", "b", "x", "y"])
    key = AnswerKey(worksheet="one-neuron", version="B", seed=11, entries=[entry], title="t")
    path = key.save(tmp_path / "k.json")
    data = json.loads(path.read_text())
    assert data["format_version"] == FORMAT_VERSION and data["seed"] == 11 and data["version"] == "B"
    again = AnswerKey.load(path)
    assert again.to_dict() == key.to_dict()
    assert again.entry("q1").points == 2.0
    assert sympy.simplify(again.entry("q1").expression() - entry.expression()) == 0
    assert [f.id for f in again.entry("q1").factors] == ["f1", "f2", "f3"]
    assert sum(f.points for f in again.entry("q1").factors) == pytest.approx(1.0)


def test_a_derivation_gives_the_typical_mistakes():
    net = Neuron(1)
    entry = AnswerEntry.from_derivation("q1", net.derive(net.parameters[0]))
    names = {m.name for m in entry.mistakes}
    assert {"sign_flipped", "factor_2_dropped", "activation_derivative_missing",
            "activation_instead_of_derivative", "w_b_confused", "chain_factor_forgotten"} <= names
    missing = next(m for m in entry.mistakes if m.name == "activation_derivative_missing")
    assert "you left out σ′(z) = σ(z)" in missing.message and "(1 − σ(z))" in missing.message


def test_a_two_layer_derivation_names_wrong_inputs_and_weights():
    net = MLP([2, 2, 1])
    entry = AnswerEntry.from_derivation("q", net.derive("w1_1_1"))
    names = {m.name for m in entry.mistakes}
    assert {"wrong_input", "wrong_weight", "w_b_confused"} <= names


def test_a_key_entry_without_a_tree_is_read_from_latex():
    entry = AnswerEntry(id="q", latex=r"2\left(\hat{y} - y\right)")
    assert entry.expression() == 2 * (sym("yhat") - y)
    bad = AnswerEntry(id="q", latex=r"\frac{")
    with pytest.raises(ConfigError, match="'q'"):
        bad.expression()


@pytest.mark.parametrize(
    "data, message",
    [
        ([], "object"),
        ({"worksheet": "w"}, "questions"),
        ({"worksheet": "w", "questions": [{"latex": "x"}]}, "id"),
        ({"worksheet": "w", "questions": [{"id": "q", "latex": "x", "points": "two"}]}, "points"),
        ({"worksheet": "w", "questions": [{"id": "q", "latex": "x", "points": -1}]}, "non-negative"),
        ({"worksheet": "w", "questions": [{"id": "q", "latex": "x"}, {"id": "q", "latex": "y"}]}, "twice"),
        ({"worksheet": "w", "format_version": 99, "questions": []}, "format_version"),
        ({"kind": "other", "worksheet": "w", "questions": []}, "not an answer key"),
        ({"worksheet": "w", "questions": [{"id": "q", "latex": "x", "tolerance": {"rel": 1}}]}, "tolerance"),
        ({"worksheet": "w", "questions": [{"id": "q", "latex": "x", "definitions": {"z": 3}}]}, "definitions"),
        ({"worksheet": "w", "questions": [{"id": "q", "latex": "x", "mistakes": [{"latex": "y"}]}]}, "message"),
    ],
)
def test_bad_keys_are_config_errors(data, message):
    with pytest.raises(ConfigError, match=message):
        AnswerKey.from_dict(data)


def test_load_reports_missing_and_broken_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        AnswerKey.load(tmp_path / "nope.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        AnswerKey.load(broken)


def test_mistakes_round_trip():
    mistake = Mistake.from_expr(-2 * x, "sign", name="sign_flipped", credit=0.5)
    assert Mistake.from_dict(mistake.to_dict()) == mistake


def test_definitions_travel_as_trees_too():
    net = MLP([2, 3, 2], activation="relu", output_activation="softmax", loss="cross_entropy")
    entry = AnswerEntry.from_derivation("q", net.derive("w1_1_1"))
    assert set(entry.definition_trees) <= set(entry.definitions) and entry.definition_trees
    again = AnswerEntry.from_dict(json.loads(json.dumps(entry.to_dict())))
    assert again.definition_trees == entry.definition_trees
    with pytest.raises(ConfigError, match="without a definition"):
        AnswerEntry.from_dict({"id": "q", "latex": "x", "definition_trees": {"z": {"sym": "x"}}})


@pytest.mark.parametrize(
    "net",
    [Neuron(1, activation="tanh"), Neuron(1, loss="bce"),
     MLP([2, 3, 2], activation="relu", output_activation="softmax", loss="cross_entropy")],
    ids=["tanh", "bce", "softmax"],
)
def test_keys_of_other_networks_accept_themselves_and_name_their_mistakes(net):
    from mathomong_sym.check.checker import check_answer

    entry = AnswerEntry.from_derivation("q", net.derive(net.parameters[0]))
    assert check_answer(entry.latex, entry, timeout=None).verdict == "correct"
    for mistake in entry.mistakes:
        result = check_answer(mistake.latex, entry, timeout=None)
        assert result.verdict == "incorrect" and result.mistake, (mistake.name, result.feedback)
