"""`mathomong grade`: a class's CSV in, verdicts for every row out, bad rows included."""

from __future__ import annotations

import csv
import random
import re

import pytest

from mathomong_sym import AnswerEntry, AnswerKey, Neuron
from mathomong_sym.check.grading import grade, read_answers
from mathomong_sym.cli import main

RIGHT = r"2(\hat{y}-y)\sigma'(z)x"
WRONG = {
    r"2(y-\hat{y})\sigma'(z)x": "sign_flipped",
    r"(\hat{y}-y)\sigma'(z)x": "factor_2_dropped",
    r"2(\hat{y}-y)x": "activation_derivative_missing",
}


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    net = Neuron(1)
    paths = []
    for version, parameter in (("A", "W"), ("B", "b")):
        entries = [
            AnswerEntry.from_derivation("q1", net.derive(parameter), points=2, variables=["W", "b", "x", "y"]),
            AnswerEntry.from_expr("q2", _sigma_prime(), points=1),
        ]
        paths.append(AnswerKey(worksheet="one-neuron", version=version, seed=1, entries=entries).save(folder / f"{version}.json"))
    return paths


def _sigma_prime():
    from mathomong_sym.activations import sigmoid
    from mathomong_sym.naming import sym

    z = sym("z")
    return sigmoid(z) * (1 - sigmoid(z))


def _bad_rows(rng):
    """50 rows of the kinds a real export contains, each with the reason it must get."""
    rows = []
    for i in range(50):
        kind = i % 5
        student = f"bad{i}"
        if kind == 0:
            rows.append(([student, "A", "q1", ""], "empty"))
        elif kind == 1:
            junk = "".join(chr(rng.choice([0, 1, 7, 27, 0xFFFD, 0xD7FF, 200])) for _ in range(40))
            rows.append(([student, "A", "q1", junk], "character|control"))
        elif kind == 2:
            rows.append(([student, "A", "q2", "x" * 100_000], "too long"))
        elif kind == 3:
            rows.append(([student, "A", "q2", r"10^{10^{10^{10}}}"], "tower|exponent"))
        else:
            rows.append(([student, "A", "q1", RIGHT, "extra", "fields"], "fields"))
    return rows


def test_grade_1000_rows_with_50_bad_rows(tmp_path, keys):
    rng = random.Random(3)
    good_answers = [RIGHT, *WRONG, r"\sigma(z)(1-\sigma(z))", r"\frac{e^{-z}}{(1+e^{-z})^2}", r"\sigma(z)"]
    rows = []
    for i in range(950):
        question = "q1" if i % 2 == 0 else "q2"
        answer = rng.choice(good_answers[:4] if question == "q1" else good_answers[4:])
        rows.append(([f"s{i % 300}", "A", question, answer], None))
    bad = _bad_rows(rng)
    for row in bad:
        rows.insert(rng.randrange(len(rows) + 1), row)
    path = tmp_path / "answers.csv"
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", "version", "question", "answer"])
        for fields, _ in rows:
            writer.writerow(fields)
    out = tmp_path / "grades"
    assert main(["grade", "--key", str(keys[0]), "--key", str(keys[1]), "--answers", str(path), "--out", str(out), "--quiet",
                 "--timeout", "60"]) == 0

    with open(out / "report.csv", newline="", encoding="utf-8") as stream:
        report = list(csv.DictReader(stream))
    assert len(report) == 1000
    assert all(r["verdict"] in ("correct", "incorrect", "invalid") for r in report)

    for (fields, reason), line in zip(rows, report):
        if reason is None:
            assert line["verdict"] != "invalid", line
            continue
        assert line["verdict"] == "invalid", (fields[:3], line)
        assert re.search(reason, line["reason"]), (reason, line["reason"])
    named = [r for r in report if r["mistake"]]
    # σ(z) for σ(z)(1 − σ(z)) is a factor of the product left out, though the key lists no mistake for q2
    assert {r["mistake"] for r in named} == set(WRONG.values()) | {"chain_factor_forgotten"}
    assert {r["answer"] for r in named if r["mistake"] == "chain_factor_forgotten"} == {r"\sigma(z)"}
    summary = (out / "summary.md").read_text()
    assert "| mistake | answers | what it means |" in summary and "1000 answers" in summary
    gradebook = list(csv.DictReader(open(out / "gradebook.csv", newline="", encoding="utf-8")))
    assert len(gradebook) == 350 and {"student", "total", "out_of", "q1", "q2"} <= set(gradebook[0])
    feedback = out / "feedback"
    assert len(list(feedback.glob("*.md"))) == 350
    assert "Total:" in (feedback / "s0.md").read_text()


def test_versions_from_the_roster_and_partial_credit(tmp_path, keys):
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "student,question,answer,factor:f1,factor:f2,factor:f3\n"
        "ada,q1,\"2(\\hat{y}-y)\\sigma'(z)x\",,,\n"
        "bob,q1,\"2(\\hat{y}-y)\\sigma'(z)x\",,,\n"
        "cy,q1,\"2(y-\\hat{y})\\sigma'(z)x\",\"2(\\hat{y}-y)\",\"\\sigma(z)(1-\\sigma(z))\",x\n"
        "dee,q1,x,,,\n",
        encoding="utf-8",
    )
    roster = tmp_path / "roster.csv"
    roster.write_text("student,version\nada,A\nbob,B\ncy,A\n", encoding="utf-8")
    _, rows = read_answers(answers)
    from mathomong_sym.check.grading import read_roster

    report = grade([AnswerKey.load(k) for k in keys], rows, roster=read_roster(roster), timeout=20)
    by_student = {r.row.student: r for r in report.rows}
    assert by_student["ada"].verdict == "correct" and by_student["ada"].score == 2
    assert by_student["bob"].verdict == "incorrect"  # version B asks for dL/db
    assert by_student["cy"].verdict == "incorrect" and by_student["cy"].score == pytest.approx(1.0)
    assert by_student["dee"].verdict == "invalid" and "version" in by_student["dee"].reason


def test_grade_with_a_bad_key_or_header_exits_2(tmp_path, keys, capsys):
    answers = tmp_path / "a.csv"
    answers.write_text("name,answer\nx,y\n", encoding="utf-8")
    assert main(["grade", "--key", str(keys[0]), "--answers", str(answers), "--out", str(tmp_path / "r")]) == 2
    assert "lacks the column" in capsys.readouterr().err
    bad_key = tmp_path / "bad.json"
    bad_key.write_text('{"worksheet": "w", "questions": [{"id": "q1", "latex": "\\\\frac{"}]}', encoding="utf-8")
    answers.write_text("student,question,answer\nx,q1,y\n", encoding="utf-8")
    assert main(["grade", "--key", str(bad_key), "--answers", str(answers), "--out", str(tmp_path / "r")]) == 2
    assert "bad key" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "bad.json"]  # no folder, lock or staging left


def test_student_names_cannot_collide_or_become_formulas(tmp_path, keys):
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "student,version,question,answer\n"
        "Ada Lovelace,A,q2,\"\\sigma'(z)\"\n"
        "Ada_Lovelace,A,q2,x\n"
        "=HYPERLINK(\"http://x\"),A,q2,x\n",
        encoding="utf-8",
    )
    out = tmp_path / "r"
    assert main(["grade", "--key", str(keys[0]), "--answers", str(answers), "--out", str(out), "--quiet"]) == 0
    files = sorted(p.name for p in (out / "feedback").glob("*.md"))
    assert len(files) == 3 and "Ada_Lovelace.md" in files and "Ada Lovelace.md" in files
    rows = list(csv.DictReader(open(out / "report.csv", newline="", encoding="utf-8")))
    assert rows[2]["student"].startswith("'=")
