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


# ---------------------------------------------------------------------------
# the reader's corpus: every spelling labelled by a sympy expression built by hand
# ---------------------------------------------------------------------------

from corpus.reading import cases as reading_cases  # noqa: E402

READING = reading_cases()


def _decide(case):
    """[(what was asked, expected, got, feedback)] for one case of the reader's corpus."""
    variables = list(case.variables) if case.variables else None
    if case.means is None:
        result = check_answer(case.text, case.key, variables=variables, timeout=None)
        return [("refused", "invalid", result.verdict, result.feedback, result.details.get("reason", ""))]
    decisions = []
    result = check_answer(case.text, case.means, variables=variables, timeout=None)
    decisions.append(("read as meant", "correct", result.verdict, result.feedback, ""))
    for wrong in case.wrong:
        result = check_answer(case.text, wrong, variables=variables, timeout=None)
        decisions.append((f"against {wrong}", "not correct", result.verdict, result.feedback, ""))
    return decisions


def corpus_figures():
    """(cases, decisions, decided right, false accepts, misjudged lines) of the reader's corpus."""
    right = total = false_accepts = 0
    lines = []
    for case in READING:
        for asked, expected, got, feedback, reason in _decide(case):
            total += 1
            ok = got != "correct" if expected == "not correct" else got == expected
            if ok and case.means is None and case.reason and case.reason.lower() not in (reason + feedback).lower():
                ok = False
                feedback = f"refused for another reason: {feedback}"
            if ok:
                right += 1
                continue
            if got == "correct":
                false_accepts += 1
            lines.append(f"[{case.rule}] {case.text!r} {asked}: expected {expected}, got {got} — {feedback}")
    return len(READING), total, right, false_accepts, lines


#: every rule of docs/reading-answers.md, by the name the corpus gives it
DOC_RULES = (
    # products and powers
    "a script takes one token unless braced", "a number is one token, all its digits", "a sign may lead a script",
    "powers stack to the right", "a script may take a function with its argument",
    "juxtaposition is a product across spaces, brackets and names", "two numbers side by side",
    "a division then a product", "*, **, \\cdot, \\times, ·, × are spellings of one thing",
    # names and functions
    "a bracket after a name is a product", "a bracket after a function holds its argument",
    "without brackets a function takes the product that follows", "a power on a function name belongs to the function",
    "a prime on a function belongs to the function", "an inverse function is ambiguous",
    "H and theta are the step function before a bracket", "H and theta are the step function only before a bracket",
    "known words are functions", "known words are names", "log is the natural logarithm", "two letters are two names",
    "a declared name is one name", "an unknown run splits into declared names", "an unknown word is not split",
    "a function next to one letter", "an undefined function never appears in a reading",
    "a name is the project's symbol", "a^{[l]} is a^{(l)}", "x1 is x_1", "single-digit indices with or without a comma",
    "a subscript is one letter unless braced", "case matters", "e is Euler's number", "pi is π",
    # numbers
    "a decimal is exact", "scientific notation is a number", "scientific notation needs no spaces: 2e - 1 is 2e − 1",
    "scientific notation within floating point", "no digit separators", "a decimal comma where it cannot be a list",
    "an ambiguous comma", "a comma is a list when the key is one", "vulgar fractions are numbers",
    "superscripts are numbers", "a root of one name takes its subscript",
    "a root takes a group, a bracket or one name; a power stays outside",
    # what surrounds an answer, whole answers, not a formula
    "what surrounds an answer is stripped", "the left side of an update is stripped",
    "the left side of an equation is stripped", "a list or vector", "a piecewise answer",
    "a comparison is not an answer", "derivative notation on its own is not an answer",
    "integrals, sums, infinity and ± are not answers", "a non-answer", "prose is not a formula",
    "\\text holds words, not names",
    # equality
    "a point where the key is defined and the answer is not counts against it",
    "a piecewise answer must cover the key's domain", "two exact numbers are compared exactly",
    "a decimal is the key rounded to its places",
    # the teacher's plain syntax, and what is never a formula
    "the teacher's spaced plain syntax", "code is not a formula", "unbalanced or unfinished", "division by zero",
)


def test_the_readers_corpus_is_large_and_covers_the_doc():
    assert len(READING) >= 1000
    rules = {case.rule for case in READING}
    missing = [rule for rule in DOC_RULES if rule not in rules]
    assert not missing, missing
    assert sum(1 for case in READING if case.means is None) >= 100
    assert sum(len(case.wrong) for case in READING) >= 1000


def test_the_readers_corpus_is_decided_right_with_no_false_accept():
    cases, decisions, right, false_accepts, lines = corpus_figures()
    assert false_accepts == 0, "false accepts:\n" + "\n".join(line for line in lines if "got correct" in line)
    assert not lines, f"{len(lines)} of {decisions} decisions misjudged:\n" + "\n".join(lines)
