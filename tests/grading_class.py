"""A simulated class for grading tests and benchmarks: two versions, every kind of answer.

:func:`build_class` writes two answer keys (versions A and B), an answers
CSV and a roster into a folder and returns what each answer row is, so a
test can say what its report row must show.  The keys are built the way the
package builds them: a chain-rule question from a derivation (factors for
partial credit, named mistakes), the activation's derivative with no
mistakes listed, and numeric questions whose listed mistakes carry LaTeX
messages and generated ids, as a worksheet's keys do (one of them has an
input of −1, where leaving out ∂z/∂w = x₂ and flipping the sign give the
same number).
"""

from __future__ import annotations

import csv
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import sympy

from mathomong_sym import AnswerEntry, AnswerKey, Neuron
from mathomong_sym.activations import sigmoid
from mathomong_sym.check.key import Mistake
from mathomong_sym.naming import sym

WORKSHEET = "one-neuron-quiz"
TITLE = "One neuron quiz"
#: people whose names test Unicode file names: given in decomposed form (NFD), as some systems write them
NAMED = ["Ben Müller", "Zoë Ångström", "José Núñez", "Łukasz Żółć", "Anna", "anna"]


@dataclass
class Row:
    student: str
    version: str
    question: str
    answer: str
    kind: str                    # what the answer is: "right", "sign", "rounded", "invalid", …
    mistake: str | None = None   # the stable mistake name the report must give (None: none expected)
    factors: dict | None = None

    @property
    def wrong(self) -> bool:
        return self.kind not in ("right", "invalid", "empty", "prose", "duplicate-right")


def _value(expr, point):
    return float(sympy.N(expr.xreplace(point), 30))


def _expanded(expr, definitions):
    for _ in range(10):
        expr = expr.xreplace(definitions)
    return expr


def _numeric_entry(qid, net, parameter, point, points=1):
    """The derivative's value at *point*, with the chain's mistakes as numbers and LaTeX messages."""
    derivation = net.derive(parameter)
    definitions = dict(derivation.definitions)
    value = sympy.Float(_value(_expanded(derivation.result, definitions), point), 15)
    symbolic = AnswerEntry.from_derivation(qid, derivation)
    mistakes = []
    for i, m in enumerate(symbolic.mistakes, start=1):
        wrong = _value(_expanded(m.expression(), definitions), point)
        if abs(wrong - float(value)) < 1e-9 or any(abs(wrong - float(x.expression())) < 1e-9 for x in mistakes):
            continue
        mistakes.append(Mistake.from_expr(sympy.Float(wrong, 15), _latex_message(m.name), name=f"{qid}-mistake-{i}"))
    return AnswerEntry.from_expr(qid, value, points=points, tolerance={"absolute": 1e-4}, mistakes=mistakes), value


def _latex_message(name: str) -> str:
    """Messages the way a worksheet generator writes them: LaTeX between dollars."""
    return {
        "sign_flipped": r"The sign is flipped: $\frac{\partial L}{\partial \hat{y}} = 2(\hat{y} - y)$, prediction minus target",
        "factor_2_dropped": r"The factor 2 of $\frac{\partial L}{\partial \hat{y}} = 2(\hat{y} - y)$ is missing",
        "activation_derivative_missing": r"The factor $\frac{\partial \hat{y}}{\partial z} = \sigma'(z)$ of the chain rule is missing",
        "w_b_confused": r"The factor $\frac{\partial z}{\partial w} = x$ of the chain rule is missing",
    }.get(name, r"Check each factor of $\frac{\partial L}{\partial w}$ again")


def build_keys(folder: Path) -> list[Path]:
    z = sym("z")
    paths = []
    for version in ("A", "B"):
        one, two = Neuron(1), Neuron(2)
        W, b = one.parameters
        x, y = sym("x"), sym("y")
        W1, W2, b2 = two.parameters
        x1, x2 = two.inputs
        parameter = W if version == "A" else b
        q3, _ = _numeric_entry("q3", one, W, {W: sympy.Rational(1, 2), b: -1, x: sympy.Rational(3, 2) if version == "A" else 3,
                                              y: 1})
        # version A: x₂ = −1, so dropping ∂z/∂W₂ = x₂ is the same number as flipping the sign
        q4, _ = _numeric_entry("q4", two, W2, {W1: sympy.Rational(3, 10), W2: -1, b2: sympy.Rational(1, 5), x1: 2,
                                                x2: -1 if version == "A" else 3, sym("y"): 1})
        entries = [
            AnswerEntry.from_derivation("q1", one.derive(parameter), points=2, variables=["W", "b", "x", "y"]),
            AnswerEntry.from_expr("q2", sigmoid(z) * (1 - sigmoid(z)), points=1),
            q3,
            q4,
        ]
        paths.append(AnswerKey(worksheet=WORKSHEET, version=version, seed=7, title=TITLE, entries=entries)
                     .save(folder / f"{version}.json"))
    return paths


def _answers_q1(version):
    last = "x" if version == "A" else ""
    right = rf"2(\hat{{y}}-y)\sigma(z)(1-\sigma(z)){'x' if version == 'A' else ''}"
    plain = f"2*(yhat-y)*sigmoid(z)*(1-sigmoid(z)){'*x' if version == 'A' else ''}"
    base = (r"2(\sigma(Wx+b)-y)\sigma(Wx+b)(1-\sigma(Wx+b))" + ("x" if version == "A" else ""))
    kinds = [
        ("right", right, None), ("right", plain, None), ("right", base, None),
        ("sign", rf"2(y-\hat{{y}})\sigma(z)(1-\sigma(z)){'x' if version == 'A' else ''}", "sign_flipped"),
        ("half", rf"(\hat{{y}}-y)\sigma(z)(1-\sigma(z)){'x' if version == 'A' else ''}", "factor_2_dropped"),
        ("no activation", rf"2(\hat{{y}}-y){last}", "activation_derivative_missing"),
        ("invalid", "=1+", None), ("prose", "I do not know", None), ("empty", "", None),
        ("loss", rf"(\hat{{y}}-y)^2\sigma(z)(1-\sigma(z)){last}", "loss_instead_of_derivative"),
    ]
    if version == "A":
        kinds.append(("w and b", r"2(\hat{y}-y)\sigma(z)(1-\sigma(z))", "w_b_confused"))
    else:
        kinds.append(("w and b", r"2(\hat{y}-y)\sigma(z)(1-\sigma(z))x", "w_b_confused"))
    return kinds


_Q2 = [
    ("right", r"\sigma(z)(1-\sigma(z))", None), ("right", r"\frac{e^{-z}}{(1+e^{-z})^2}", None),
    ("right", "sigmoid(z)*(1-sigmoid(z))", None),
    ("factor left out", r"\sigma(z)", "chain_factor_forgotten"),
    ("sign", r"-\sigma(z)(1-\sigma(z))", "sign_flipped"),
    ("double", r"2\sigma(z)(1-\sigma(z))", "factor_2_extra"),
    ("half", r"\frac{1}{2}\sigma(z)(1-\sigma(z))", "factor_2_dropped"),
    ("reciprocal", r"\frac{1}{\sigma(z)(1-\sigma(z))}", "reciprocal"),
    ("offset", r"\sigma(z)(1-\sigma(z))+1", "constant_offset"),
    ("factor repeated", r"\sigma(z)^2", "factor_repeated"),  # σ(z) written where 1 − σ(z) belongs
]


def _rounded(key: float) -> str:
    """The key rounded to fewer places than the 4 asked for, far enough from it to be wrong."""
    for places in (2, 1, 0):
        if abs(round(key, places) - key) > 2e-4:
            return f"{key:.{places}f}"
    raise ValueError(f"{key} rounds to itself")


def _numbers(key: float):
    four = f"{key:.4f}"
    return [
        ("right", four, None), ("right", four.replace(".", ","), None), ("right", f"{key:.6e}", None),
        ("rounded", _rounded(key), "rounded_too_far"), ("sign", f"{-key:.4f}", "sign_flipped"),
        ("half", f"{key / 2:.5f}", "factor_2_dropped"), ("double", f"{2 * key:.4f}", "factor_2_extra"),
        ("reciprocal", f"{1 / key:.6f}", "reciprocal"), ("triple", f"{3 * key:.5f}", "constant_factor"),
        ("unexplained", f"{key + 0.3:.4f}", None),  # off by an amount no detector explains
    ]


def build_class(folder: Path, students: int = 32, seed: int = 1) -> dict:
    """Keys, an answers CSV (with BOM-less UTF-8) and a roster for *students* students; the rows, in file order."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    keys = build_keys(folder)
    loaded = {v: AnswerKey.load(p) for v, p in zip("AB", keys)}
    rng = random.Random(seed)
    names = [unicodedata.normalize("NFD", n) for n in NAMED] + [f"Student {i:03d}" for i in range(students - len(NAMED))]
    rows: list[Row] = []
    roster = []
    for index, student in enumerate(names[:students]):
        version = "A" if index % 2 == 0 else "B"
        roster.append((student, version, f"{_ascii(student)}{index}@school.example", f"group {index % 3 + 1}"))
        kinds_q1 = _answers_q1(version)
        numbers = {q: _numbers(float(loaded[version].entry(q).expression())) for q in ("q3", "q4")}
        choices = {"q1": kinds_q1, "q2": _Q2, **numbers}
        for question, options in choices.items():
            if index >= 8 and rng.random() < 0.08:
                continue  # unanswered
            # the first students go through every kind once; the others answer at random
            kind, answer, mistake = options[index % len(options)] if index < 12 else rng.choice(options)
            row = Row(student, version, question, answer, kind, mistake)
            if question == "q4" and version == "A" and kind == "sign":
                row.mistake = "sign_flipped"  # not "the factor x₂ is missing": x₂ = −1 makes them the same number
            rows.append(row)
        if index % 5 == 0:
            # a wrong final answer with right factors: partial credit in thirds of a point
            rows.append(Row(student, version, "q1", r"2(\hat{y}-y)", "factors", None,
                            factors={"f1": r"2(\hat{y}-y)", "f2": r"\sigma(z)(1-\sigma(z))"}))
        if index % 7 == 3:
            rows.append(Row(student, version, "q2", r"\sigma(z)(1-\sigma(z))", "duplicate-right"))
    path = folder / "answers.csv"
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", "version", "question", "answer", "factor:f1", "factor:f2"])
        for r in rows:
            f = r.factors or {}
            writer.writerow([r.student, r.version, r.question, r.answer, f.get("f1", ""), f.get("f2", "")])
    roster_path = folder / "roster.csv"
    with open(roster_path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", "version", "name", "email", "section"])
        for student, version, email, section in roster:
            writer.writerow([student, version, unicodedata.normalize("NFC", student), email, section])
    return {"keys": keys, "answers": path, "roster": roster_path, "rows": rows, "students": names[:students]}


def _ascii(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name).lower() if c.isalnum()) or "student"


def big_class(folder: Path, answers: int, seed: int = 2, unique: float = 0.3) -> Path:
    """An answers CSV of *answers* rows drawn from the same kinds (for timing).

    A share *unique* of the rows is a slip of the student's own (a number off
    by a random amount, a random factor in front of an expression), so that,
    as in a real class, many answers repeat and many do not.
    """
    folder = Path(folder)
    small = build_class(folder, students=32, seed=seed)
    rows = [r for r in small["rows"]]
    rng = random.Random(seed)
    path = folder / f"answers-{answers}.csv"
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", "version", "question", "answer"])
        for i in range(answers):
            r = rng.choice(rows)
            answer = r.answer
            if rng.random() < unique and r.kind not in ("invalid", "prose", "empty"):
                if r.question in ("q3", "q4"):
                    answer = f"{rng.uniform(-2, 2):.4f}"
                else:
                    answer = f"{rng.randint(3, 999)}\\cdot({answer})"
            writer.writerow([f"s{i // 4:05d}", r.version, r.question, answer])
    return path
