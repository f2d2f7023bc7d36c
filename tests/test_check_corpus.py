"""The labelled corpus (tests/corpus/check_corpus.toml): every answer gets its verdict.

No false accepts comes first: an incorrect answer judged correct fails the
test like any other misjudgement, and the test reports every misjudged case
at once.
"""

from __future__ import annotations

import functools
try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, as a package
    import tomli as tomllib
from pathlib import Path

import pytest

from mathomong_sym import AnswerEntry, MLP, Neuron
from mathomong_sym.check.checker import check_answer, entry_for

CORPUS = Path(__file__).parent / "corpus" / "check_corpus.toml"


@functools.lru_cache(maxsize=None)
def _derivation_entry(spec: str) -> AnswerEntry:
    kind, shape, parameter = spec.split(":")
    net = Neuron(int(shape)) if kind == "neuron" else MLP([int(n) for n in shape.split("-")])
    return AnswerEntry.from_derivation("q", net.derive(parameter))


def load_cases():
    data = tomllib.loads(CORPUS.read_text(encoding="utf-8"))
    cases = []
    for group in data["group"]:
        for verdict in ("correct", "incorrect", "invalid"):
            for answer in group.get(verdict, []):
                cases.append((group, answer, verdict, dict(group.get("mistakes", [])).get(answer)))
    return cases


CASES = load_cases()


def _entry(group):
    if "derivation" in group:
        key = _derivation_entry(group["derivation"])
    else:
        key = group["key"]
    return entry_for(key, definitions=group.get("definitions"), tolerance=group.get("tolerance"),
                     conventions=group.get("conventions"), variables=group.get("variables"))


def test_the_corpus_is_large_and_covers_every_verdict():
    assert len(CASES) >= 200
    verdicts = {verdict for _, _, verdict, _ in CASES}
    assert verdicts == {"correct", "incorrect", "invalid"}
    assert sum(1 for _, _, v, _ in CASES if v == "incorrect") >= 80


def test_every_corpus_case_is_decided_right():
    wrong = []
    false_accepts = []
    for group, answer, expected, mistake in CASES:
        result = check_answer(answer, _entry(group), timeout=None)
        if result.verdict != expected:
            line = f"[{group['name']}] {answer!r}: expected {expected}, got {result.verdict} — {result.feedback}"
            wrong.append(line)
            if result.verdict == "correct":
                false_accepts.append(line)
        elif mistake is not None and result.mistake != mistake:
            wrong.append(f"[{group['name']}] {answer!r}: expected mistake {mistake}, got {result.mistake} — {result.feedback}")
        if expected != "invalid" and "We read your answer as" not in result.feedback:
            wrong.append(f"[{group['name']}] {answer!r}: the feedback does not say how the answer was read")
        if expected == "invalid" and not result.details.get("reason"):
            wrong.append(f"[{group['name']}] {answer!r}: an invalid answer without a reason")
    assert not false_accepts, "false accepts:\n" + "\n".join(false_accepts)
    assert not wrong, f"{len(wrong)} of {len(CASES)} misjudged:\n" + "\n".join(wrong)


def test_the_pool_decides_like_the_in_process_checker():
    from mathomong_sym.check.checker import check_many, make_task

    sample = CASES[::9]
    tasks = [make_task(answer, _entry(group)) for group, answer, _, _ in sample]
    results = check_many(tasks, timeout=20.0)
    assert [r["verdict"] for r in results] == [expected for _, _, expected, _ in sample]


@pytest.mark.parametrize("spec", ["neuron:1:W", "neuron:1:b", "neuron:2:W_1", "mlp:2-2-1:w1_1_1", "mlp:2-2-1:w2_1_1"])
def test_the_expanded_result_as_printed_is_correct(spec):
    import sympy

    from mathomong_sym.printing import to_latex

    kind, shape, parameter = spec.split(":")
    net = Neuron(int(shape)) if kind == "neuron" else MLP([int(n) for n in shape.split("-")])
    derivation = net.derive(parameter)
    entry = _derivation_entry(spec)
    printed = [to_latex(derivation.result)]
    if kind == "neuron":  # plain one-letter names print the same through sympy itself
        printed.append(sympy.latex(derivation.result))
    for latex in printed:
        result = check_answer(latex, entry, timeout=None)
        assert result.verdict == "correct", (latex, result.feedback)
        wrong = check_answer(latex.replace("- 2 y", "- 3 y", 1) if "- 2 y" in latex else f"2 \\left({latex}\\right)", entry, timeout=None)
        assert wrong.verdict == "incorrect"
