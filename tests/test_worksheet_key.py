"""The JSON answer key: the checker's format, and every key checks against itself."""

from __future__ import annotations

import json

import pytest

from mathomong_sym.check.prose import unicode_math
import sympy

from mathomong_sym.check.checker import check_answer
from mathomong_sym.check.key import FORMAT_VERSION, AnswerKey
from mathomong_sym.check.tree import tree_to_expr
from mathomong_sym.cli import main
from mathomong_sym.parsing import parse_expression
from mathomong_sym.worksheets import GENERATORS, build_worksheet
from mathomong_sym.worksheets.assemble import assemble
from mathomong_sym.worksheets.definition import parse_worksheet
from mathomong_sym.worksheets.key import answer_key

EVERY_TOPIC = "id = 'every'\ntitle = 'Every topic'\nseed = 5\n" + "".join(
    f"[[problems]]\ntopic = '{g}'\n" for g in GENERATORS)


@pytest.fixture(scope="module")
def version():
    return assemble(parse_worksheet(EVERY_TOPIC, source="every.toml"), "A")


@pytest.fixture(scope="module")
def key(version):
    return answer_key(version)


def entries(key):
    def walk(entry):
        yield entry
        for factor in entry.factors:
            yield from walk(factor)
    for entry in key.entries:
        yield from walk(entry)


def same(a, b) -> bool:
    difference = sympy.N(a - b, 30) if not (a - b).free_symbols else None
    if difference is not None:
        return abs(difference) < 1e-20
    symbols = sorted((a - b).free_symbols, key=lambda s: s.name)
    for k in range(3):
        point = {s: sympy.Rational((-1) ** (i + k) * (3 + i + k), 5 + i) for i, s in enumerate(symbols)}
        if abs(sympy.N((a - b).xreplace(point), 30)) > 1e-20:
            return False
    return True


def test_the_key_has_the_documented_fields(key, version):
    data = key.to_dict()
    assert data["format_version"] == FORMAT_VERSION
    assert (data["worksheet"], data["version"], data["seed"]) == ("every", "A", 5)
    parts = [(n, p) for n, problem in enumerate(version.problems, 1) for p in problem.parts]
    assert [q["id"] for q in data["questions"]] == [f"{n}{p.label}" for n, p in parts]
    for question, (_, part) in zip(data["questions"], parts):
        assert {"id", "points", "latex", "tree", "variables", "conventions"} <= set(question)
        assert question["points"] > 0
        if part.numeric:
            assert question["tolerance"]["absolute"] == pytest.approx(part.tolerance or 1e-9)
        else:
            assert "tolerance" not in question
            assert set(question.get("definitions", {})) == {s.name for s in part.definitions}
            assert set(question.get("definitions", {})) <= set(question["variables"])
    assert sum(q["points"] for q in data["questions"]) == version.total_points
    assert any(q.get("factors") for q in data["questions"]), "chain factors as sub-keys"
    assert sum(1 for q in data["questions"] if q.get("mistakes")) >= len(data["questions"]) * 3 // 4
    assert "srepr" not in json.dumps(data) and "Symbol(" not in json.dumps(data)


def test_every_latex_parses_back_to_the_same_expression(key):
    for entry in entries(key):
        parsed = parse_expression(entry.latex, syntax="latex", conventions=entry.conventions or None)
        assert same(parsed, tree_to_expr(entry.tree)), (entry.id, entry.latex)
        for mistake in entry.mistakes:
            assert same(parse_expression(mistake.latex, syntax="latex"), tree_to_expr(mistake.tree))


def test_every_key_checks_correct_against_itself(key):
    for entry in entries(key):
        result = check_answer(entry.latex, entry, timeout=None)
        assert result.correct, (entry.id, entry.latex, str(result))


def test_typical_mistakes_are_caught_with_their_message(key):
    for entry in key.entries:
        for mistake in entry.mistakes:
            result = check_answer(mistake.latex, entry, timeout=None)
            assert not result.correct, (entry.id, mistake.message)
            # the message in Unicode math (not LaTeX source); two listed mistakes that tie get the generic one
            shown = unicode_math(mistake.message).rstrip(".")
            assert result.details.get("mistake"), (entry.id, result.feedback)
            assert shown[1:] in result.feedback or "key_mistake" not in result.details, \
                (entry.id, result.feedback, mistake.message)


def test_named_intermediates_are_accepted(key, version):
    # one-neuron (a): the student may write the chain in z and ŷ
    number = next(n for n, p in enumerate(version.problems, 1) if p.generator == "one-neuron")
    entry = key.entry(f"{number}a")
    assert {"z", "yhat"} <= set(entry.definitions)
    result = check_answer(r"2(\hat{y}-y)\,\hat{y}(1-\hat{y})\,x", entry, timeout=None)
    assert result.correct, str(result)


def test_the_key_file_round_trips_and_the_checker_cli_reads_it(tmp_path, capsys):
    definition = tmp_path / "tiny.toml"
    definition.write_text("title = 'Tiny'\nseed = 2\n[[problems]]\ntopic = 'derivative-power'\n"
                          "difficulty = 'easy'\n", encoding="utf-8")
    result = build_worksheet(definition, ["A"], tmp_path / "out", pdf=False)
    path = result.versions[0].key_json
    loaded = AnswerKey.load(path)
    assert loaded.worksheet == "tiny" and loaded.seed == 2 and loaded.ids == ["1a", "1b"]
    answer = loaded.entry("1b").latex
    code = main(["check", "--key-file", str(path), "--question", "1b", "--answer", answer])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "orrect" in out


@pytest.mark.parametrize("generator_id", list(GENERATORS))
def test_keys_of_many_draws_read_back_and_check_against_themselves(generator_id):
    from mathomong_sym.worksheets import draw_problem, problem_seed
    from mathomong_sym.worksheets.key import part_entry
    from mathomong_sym.worksheets.randomness import Degenerate

    checked = 0
    for index in range(12):
        try:
            problem = draw_problem(generator_id, problem_seed("keys", 0, "A", index),
                                   ("easy", "medium", "hard")[index % 3], verify=False)
        except Degenerate:
            continue
        for part in problem.parts:
            entry = AnswerKey.from_dict(AnswerKey("k", entries=[part_entry(part, "1" + part.label, 2)]).to_dict()).entries[0]
            for item in entries(AnswerKey("k", entries=[entry])):
                parsed = parse_expression(item.latex, syntax="latex", conventions=item.conventions or None)
                assert same(parsed, tree_to_expr(item.tree)), (generator_id, item.id, item.latex)
                assert check_answer(item.latex, item, timeout=None).correct, (generator_id, item.id, item.latex)
                checked += 1
    assert checked >= 8
