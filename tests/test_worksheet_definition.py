"""Worksheet definitions: good ones load, bad ones name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mathomong_sym.cli import main
from mathomong_sym.errors import ConfigError, MathomongError
from mathomong_sym.worksheets import GENERATORS, load_worksheet
from mathomong_sym.worksheets.club import club_sheets
from mathomong_sym.worksheets.definition import check_version_labels

REPO = Path(__file__).resolve().parent.parent

GOOD = """
title = "Derivatives"
seed = 3
versions = ["A", "B"]

[[problems]]
topic = "derivative-power"
count = 2
difficulty = "easy"

[[problems]]
topic = "chain-rule"
points = 6
"""


def write(tmp_path, text, name="sheet.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path, text, name="sheet.toml") -> str:
    path = write(tmp_path, text, name)
    with pytest.raises(ConfigError) as info:
        load_worksheet(path)
    message = str(info.value)
    assert str(path) in message  # every message names the file
    return message


def test_a_good_definition_loads_with_defaults(tmp_path):
    definition = load_worksheet(write(tmp_path, GOOD, "my-sheet.toml"))
    assert definition.id == "my-sheet"
    assert definition.versions == ("A", "B")
    assert [p.topic for p in definition.problems] == ["derivative-power", "chain-rule"]
    assert definition.problems[0].count == 2 and definition.problems[0].difficulty == "easy"
    assert definition.problems[1].count == 1 and definition.problems[1].points == 6
    assert definition.problems[1].difficulty == "medium"
    assert definition.problem_count == 3


def test_unknown_topic_names_the_field_and_suggests(tmp_path):
    message = error_for(tmp_path, GOOD.replace('topic = "chain-rule"', 'topic = "chain-rul"'))
    assert "problems[1].topic" in message
    assert "unknown topic 'chain-rul'" in message
    assert "chain-rule" in message


def test_negative_count(tmp_path):
    message = error_for(tmp_path, GOOD.replace("count = 2", "count = -2"))
    assert "problems[0].count" in message and "negative" in message


def test_zero_and_non_integer_counts(tmp_path):
    assert "problems[0].count" in error_for(tmp_path, GOOD.replace("count = 2", "count = 0"))
    assert "whole number" in error_for(tmp_path, GOOD.replace("count = 2", 'count = "two"'))
    assert "whole number" in error_for(tmp_path, GOOD.replace("count = 2", "count = 2.5"))


def test_missing_title(tmp_path):
    message = error_for(tmp_path, GOOD.replace('title = "Derivatives"', ""))
    assert ": title: missing" in message


def test_missing_topic_and_missing_problems(tmp_path):
    assert "problems[1].topic: missing" in error_for(tmp_path, GOOD.replace('topic = "chain-rule"', ""))
    no_problems = 'title = "Empty"\n'
    assert ": problems: missing" in error_for(tmp_path, no_problems)


def test_malformed_toml_gives_the_line(tmp_path):
    message = error_for(tmp_path, GOOD.replace('seed = 3', 'seed = = 3'))
    assert "not valid TOML" in message and "line 3" in message


def test_unknown_version_label_in_the_file(tmp_path):
    message = error_for(tmp_path, GOOD.replace('["A", "B"]', '["A", "b c"]'))
    assert "versions[1]" in message and "'b c'" in message


def test_unknown_version_label_requested(tmp_path):
    definition = load_worksheet(write(tmp_path, GOOD))
    assert check_version_labels(definition, ["B"]) == ("B",)
    with pytest.raises(ConfigError, match=r"sheet\.toml: versions: unknown version label 'C'; this worksheet declares A, B"):
        check_version_labels(definition, ["A", "C"])


def test_unknown_field_and_bad_difficulty(tmp_path):
    assert "problems[0].cuont: unknown field" in error_for(tmp_path, GOOD.replace("count = 2", "cuont = 2"))
    assert "problems[0].difficulty" in error_for(tmp_path, GOOD.replace('"easy"', '"trivial"'))


def test_duplicate_version_and_bad_id(tmp_path):
    assert "versions" in error_for(tmp_path, GOOD.replace('["A", "B"]', '["A", "A"]'))
    assert ": id:" in error_for(tmp_path, 'id = "Bad Id!"\n' + GOOD)


def test_a_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such worksheet definition"):
        load_worksheet(tmp_path / "nope.toml")


def test_errors_are_one_line_on_the_command_line(tmp_path, capsys):
    path = write(tmp_path, GOOD.replace("count = 2", "count = -1"))
    assert main(["worksheet", str(path), "--out", str(tmp_path / "out"), "--no-pdf"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "problems[0].count" in err and "Traceback" not in err
    path = write(tmp_path, GOOD, "good.toml")
    assert main(["worksheet", str(path), "--versions", "A,Z", "--out", str(tmp_path / "out"), "--no-pdf"]) == 2
    assert "unknown version label 'Z'" in capsys.readouterr().err


def test_the_clubs_definitions_all_load_and_cover_the_guide():
    paths = club_sheets()
    definitions = [load_worksheet(p) for p in paths]
    used = {spec.topic for d in definitions for spec in d.problems if spec.custom is None}
    assert used == set(GENERATORS), f"topics no club sheet uses: {set(GENERATORS) - used}"
    parts = {GENERATORS[t].part for t in used}
    assert parts == set(range(1, 11))
    assert any(len({GENERATORS[s.topic].part for s in d.problems if s.custom is None}) >= 6
               for d in definitions), "a mixed review"
    assert any(spec.custom is not None for d in definitions for spec in d.problems), "a teacher's own problem"
    assert any(d.words.code != "en" for d in definitions), "a sheet in another language"


def test_config_error_is_a_mathomong_error():
    assert issubclass(ConfigError, MathomongError)


@settings(max_examples=40, deadline=None)
@given(count=st.integers(max_value=0), index=st.integers(min_value=0, max_value=2))
def test_any_count_below_one_names_its_problem(tmp_path_factory, count, index):
    tables = "".join(f"[[problems]]\ntopic = 'mse'\ncount = {count if i == index else 1}\n" for i in range(3))
    path = tmp_path_factory.mktemp("defs") / "counts.toml"
    path.write_text("title = 'Counts'\n" + tables, encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"counts\.toml: problems\[{index}\]\.count: "):
        load_worksheet(path)


@settings(max_examples=40, deadline=None)
@given(label=st.text(min_size=1, max_size=10).filter(lambda t: not (t[:1].isupper() and t[:1].isascii() and t.isalnum() and t.isascii() and len(t) <= 8)))
def test_any_bad_version_label_is_named(tmp_path_factory, label):
    path = tmp_path_factory.mktemp("defs") / "labels.toml"
    quoted = label.replace("\\", "\\\\").replace('"', '\\"')
    path.write_text(f'title = "Labels"\nversions = ["A", "{quoted}"]\n[[problems]]\ntopic = "mse"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"labels\.toml: (versions\[1\]|not valid TOML)"):
        load_worksheet(path)
