"""A teacher's own sheet: problems of their own, their words, their layout, keyed by the engine.

Every field of worksheets/README.md's "A problem of your own" and "Writing a
definition" is used here through the public API (``parse_worksheet``,
``assemble``, the renderers, ``answer_key``) or the command line, and every
key is checked against itself with ``check_answer``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy

from mathomong_sym.check.checker import check_answer
from mathomong_sym.errors import ConfigError
from mathomong_sym.naming import sym
from mathomong_sym.worksheets import assemble, parse_worksheet, render_answers, render_key, render_sheet
from mathomong_sym.worksheets.key import answer_key

HEAD = 'title = "My quiz"\nseed = 3\nversions = ["A", "B", "C"]\n'

OWN = HEAD + r'''
[[problems]]
text = "A drone's height is $h(t)$ metres after $t$ seconds; 50% of the class & I like it_#1, where"
expression = "(3t+1)^2"
name = "h"
ask = ["derivative", "value at t=2", "function at t=1"]
points = [2, 1.5, 0.5]
hints = ['The inside, $3t + 1$, changes too.', '', 'Square $3 \cdot 1 + 1$.']
space = ["4cm", "25mm"]

[[problems]]
text = "The guide's neuron."
network = "neuron"
values = { x = 2, W = [-1.0, 1.0], b = 0.5, y = 1 }
ask = ["derivative W", "value W", "step W with eta=0.1", "prediction"]
points = 6

[[problems]]
network = "2-2-1"
activation = "tanh"
values = { x_1 = 1, x_2 = -2, w1_1_1 = 0.5, w1_1_2 = -0.3, w1_2_1 = 0.8, w1_2_2 = 0.2, b1_1 = 0.1, b1_2 = -0.1, w2_1_1 = 0.7, w2_1_2 = -0.6, b2_1 = 0.2, y_1 = 1 }
ask = ["derivative delta2_1", "value delta1_2", "value w1_1_2"]

[[problems]]
expression = "x^2 y + 3y"
ask = ["derivative x", "value y at x=1, y=2"]
'''


@pytest.fixture(scope="module")
def own():
    definition = parse_worksheet(OWN, source="own.toml")
    return definition, {label: assemble(definition, label) for label in definition.versions}


def test_every_field_of_a_problem_of_ones_own_reaches_the_sheet(own):
    definition, versions = own
    sheet = render_sheet(versions["A"])
    # the text: plain words escaped, math typeset; the function appended as the problem names it
    assert r"50\% of the class \& I like it\_\#1" in sheet
    assert r"$h(t)$ metres" in sheet and r"$h(t) = \left(3 t + 1\right)^{2}$" in sheet
    # points per part, halves allowed; hints as math; answer space as set (the others sized by the engine)
    assert re.search(r"\\part\[2\] Find \$h'\(t\)\$", sheet)
    assert r"\part[1.5] Evaluate $h'(t)$ at $t = 2$." in sheet and r"\part[0.5]" in sheet
    assert r"\hint{The inside, $3t + 1$, changes too.}" in sheet and r"\hint{Square $3 \cdot 1 + 1$.}" in sheet
    assert r"\begin{solution}[4cm]" in sheet and r"\begin{solution}[25mm]" in sheet
    # a network of one's own is drawn, with the values given
    assert sheet.count(r"\begin{tikzpicture}") == 2 and r"$b = 0.5$" in sheet
    # the grade table adds up what was set: 4 + 6 + 3 (one a part) + 2
    assert "& 15\\\\" in sheet.replace(" ", "").replace("&15", "& 15")


def test_a_range_draws_a_number_per_version_inside_it(own):
    _, versions = own
    W = sym("W")
    weights = {label: v.problems[1].parts[1].point[W] for label, v in versions.items()}
    assert all(-1 <= w <= 1 and (w * 10).is_Integer for w in weights.values())
    assert len(set(weights.values())) > 1, weights


def test_the_key_of_ones_own_problems_checks_against_itself(own):
    _, versions = own
    for label, version in versions.items():
        key = answer_key(version)
        assert [e.id for e in key.entries][:3] == ["1a", "1b", "1c"]
        assert [e.points for e in key.entries][:3] == [2, 1.5, 0.5]
        for entry in key.entries:
            assert check_answer(entry.latex, entry, timeout=None).correct, (label, entry.id, entry.latex)
            for mistake in entry.mistakes:
                assert not check_answer(mistake.latex, entry, timeout=None).correct, (label, entry.id, mistake.message)


def test_the_values_of_ones_own_expression_are_the_engines():
    definition = parse_worksheet(HEAD + '[[problems]]\nexpression = "(3t+1)^2"\nask = ["derivative", "value at t=2"]\n')
    problem = assemble(definition, "A").problems[0]
    t = sym("t")
    assert sympy.simplify(problem.parts[0].answer - 6 * (3 * t + 1)) == 0
    assert problem.parts[1].answer == 42


def test_ones_own_expression_keeps_its_form():
    # (−3x)³ is asked as a cube of −3x: the key works it by the chain rule, the sheet prints it as typed
    definition = parse_worksheet(HEAD + '[[problems]]\nexpression = "(-3x)^3"\nask = ["derivative"]\n')
    problem = assemble(definition, "A").problems[0]
    assert r"\left(-3 x\right)^{3}" in problem.statement and "27" not in problem.statement
    assert problem.parts[0].derivation.steps[0].rule == "chain rule"


@pytest.mark.parametrize("field, text, says", [
    ("problems[0].ask[0]", 'expression = "x^2"\nask = ["integral"]', "starts with one of"),
    ("problems[0].ask[0]", 'expression = "x^2"\nask = ["value"]', "needs a number for x"),
    ("problems[0].network", 'expression = "x^2"\nnetwork = "neuron"\nask = ["derivative"]', "not both"),
    ("problems[0].values.q", 'expression = "x^2"\nvalues = { q = 1 }\nask = ["derivative"]', "not a name"),
    ("problems[0].values.x", 'expression = "x^2"\nvalues = { x = [3, 1] }\nask = ["value"]', "is empty"),
    ("problems[0].points[1]", 'expression = "x^2"\nask = ["derivative", "value at x=1"]\npoints = [1, 0.3]',
     "whole or half"),
    ("problems[0].space[0]", 'expression = "x^2"\nask = ["derivative"]\nspace = ["big"]', "is not a length"),
    ("problems[0].text", 'expression = "x^2"\nask = ["derivative"]\ntext = "see $\\\\input{/etc/passwd}$"',
     "is not mathematics"),
    ("problems[0].text", 'expression = "x^2"\nask = ["derivative"]\ntext = "costs $5"', "no $ closes"),
    ("problems[0].expression", 'expression = "x^"\nask = ["derivative"]', "cannot read"),
    ("problems[0].ask[0]", 'network = "neuron"\nask = ["derivative"]', "say which parameter"),
])
def test_a_mistake_in_ones_own_problem_names_its_field(field, text, says):
    with pytest.raises(ConfigError) as caught:
        parse_worksheet(HEAD + "[[problems]]\n" + text + "\n", source="own.toml")
    message = str(caught.value)
    assert message.startswith(f"own.toml: {field}:") and says in message, message
    assert "\n" not in message


def test_a_bad_definition_is_one_line_on_the_command_line(tmp_path, capsys):
    from mathomong_sym.cli import main

    path = tmp_path / "bad.toml"
    path.write_text(HEAD + '[[problems]]\nexpression = "x^2"\nask = ["value"]\n', encoding="utf-8")
    assert main(["worksheet", str(path), "--no-pdf", "--out", str(tmp_path / "out")]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "problems[0].ask[0]" in err and "Traceback" not in err


# ---------------------------------------------------------------------------
# the key's detail, the sheet's words, header, footer and logo
# ---------------------------------------------------------------------------

PROBLEMS = '[[problems]]\ntopic = "chain-rule"\n[[problems]]\ntopic = "one-neuron"\n'
DERIVATIVES = HEAD + PROBLEMS


def _solutions(tex: str) -> list[str]:
    return re.findall(r"\\begin\{solution\}\n(.*?)\\finalanswer", tex, flags=re.S)


def test_key_detail_chooses_how_much_working_the_key_shows():
    keys = {}
    for detail in (0, 1, 2):
        definition = parse_worksheet(f"key_detail = {detail}\n" + DERIVATIVES)
        keys[detail] = render_key(assemble(definition, "A"))
    # 0: the final answers only; 1: each factor by its rule; 2: every elementary step (σ′ from its definition)
    assert all(not s.strip() for s in _solutions(keys[0])) and r"\finalanswer{" in keys[0]
    assert all(s.strip() for s in _solutions(keys[1]))
    assert len(keys[2]) > len(keys[1]) > len(keys[0])
    assert "1 + e^{-z}" in keys[2] and "1 + e^{-z}" not in keys[1]
    with pytest.raises(ConfigError, match="key_detail"):
        parse_worksheet("key_detail = 3\n" + DERIVATIVES, source="own.toml")


def test_a_key_prints_its_notes_as_mathematics():
    # a rule's formula and the numbers beside it are typeset: e^u, never e ˆu; no ^ escaped into text
    key = render_key(assemble(parse_worksheet(DERIVATIVES), "A"))
    assert r"\textasciicircum" not in key


def test_the_sheets_words_header_footer_and_logo_are_the_definitions(tmp_path):
    logo = tmp_path / "club.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n")  # only read by pdflatex; the definition checks that it exists
    text = ('language = "fr"\nheader = "Club de maths & co"\nfooter = "Fiche $n^o$ 3"\nlogo = "club.png"\n'
            + HEAD + '[words]\nname = "Élève"\n' + PROBLEMS)
    (tmp_path / "fr.toml").write_text(text, encoding="utf-8")
    from mathomong_sym.worksheets import load_worksheet

    version = assemble(load_worksheet(tmp_path / "fr.toml"), "A")
    sheet, key, answers = render_sheet(version), render_key(version), render_answers(version)
    assert r"Club de maths \& co" in sheet and r"Fiche $n^o$ 3" in sheet
    assert r"\includegraphics[height=1.2cm]{club.png}" in sheet
    assert "Élève:" in sheet and "Name:" not in sheet and "Date:" in sheet  # one word set, the rest French
    assert r"Page \thepage{} sur \numpages{}" in sheet and "Note" in sheet and "Version A" in sheet
    assert "Soit $f(x)" in sheet and "Trouver $f'(x)$." in sheet  # the generators' sentences, in French
    assert "corrigé" in key and "réponses" in answers


def test_english_is_the_default_and_an_unknown_language_or_word_is_refused():
    sheet = render_sheet(assemble(parse_worksheet(DERIVATIVES), "A"))
    for word in ("Name:", "Date:", "Question", "Points", "Score", r"Page \thepage{} of \numpages{}", "Version A"):
        assert word in sheet, word
    with pytest.raises(ConfigError, match="language"):
        parse_worksheet('language = "xx"\n' + DERIVATIVES, source="own.toml")
    with pytest.raises(ConfigError, match="words.nmae"):
        parse_worksheet(HEAD + '[words]\nnmae = "Student"\n' + PROBLEMS, source="own.toml")
    with pytest.raises(ConfigError, match=r"words.page: 'Seite \{n\}' must hold \{n\}, \{total\}"):
        parse_worksheet(HEAD + '[words]\npage = "Seite {n}"\n' + PROBLEMS, source="own.toml")


def test_the_verbs_of_the_parts_are_words_of_the_definition():
    version = assemble(parse_worksheet(HEAD + '[words]\nfind = "Work out {d}."\nevaluate = "Compute {d}."\n'
                                       + PROBLEMS), "A")
    sheet = render_sheet(version)
    assert "Work out $f'(x)$." in sheet and "Compute $f'(" in sheet
    assert "Find $f'(x)$." not in sheet and "Evaluate $f'" not in sheet


# ---------------------------------------------------------------------------
# layout: any number of questions, any title
# ---------------------------------------------------------------------------

@pytest.mark.pdflatex
def test_a_long_sheet_with_a_long_title_fits_its_pages(tmp_path, require_pdflatex):
    from mathomong_sym.worksheets import build_worksheet

    title = "Revision before the club's project: " + "derivatives, chain rules and activations " * 5
    definition = parse_worksheet(
        f'title = "{title.strip()}"\nheader = "{title.strip()}"\n'
        '[[problems]]\ntopic = "derivative-power"\ncount = 12\ndifficulty = "medium"\n'
        '[[problems]]\ntopic = "chain-rule"\ncount = 8\n'
        '[[problems]]\ntopic = "activation-relu"\ncount = 5\n', source="long.toml")
    result = build_worksheet(definition, None, tmp_path)
    sheet = result.versions[0].tex[0].read_text(encoding="utf-8")
    assert sheet.count(r"\begin{tabular}") == 3  # the grade table wraps: 10, 10 and 5 questions, then the total
    assert len(result.logs) == 3 and all("Output written on" in log for log in result.logs.values())
    assert result.overfull == {}, result.overfull  # no line of the sheet, key or answers page past the margin


# ---------------------------------------------------------------------------
# the README says what the code does
# ---------------------------------------------------------------------------

README = Path(__file__).resolve().parent.parent / "worksheets" / "README.md"


def test_the_readmes_worked_example_is_the_definition_ci_builds():
    text = README.read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", text, flags=re.S).group(1)
    example = (README.parent / "teacher-quiz.toml").read_text(encoding="utf-8")
    assert block.strip() == "\n".join(line for line in example.splitlines() if not line.startswith("#")).strip()


def test_the_readmes_table_of_difficulties_is_the_generators():
    from mathomong_sym.worksheets import GENERATORS

    text = README.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| \d+ \| (.*) \|$", text, flags=re.M))
    assert set(rows) == set(GENERATORS)
    for topic, generator in GENERATORS.items():
        assert rows[topic].split(" | ") == [generator.levels[d] for d in ("easy", "medium", "hard")], topic


def test_every_field_the_readme_lists_is_one_a_definition_reads():
    from mathomong_sym.worksheets.definition import _PROBLEM_KEYS, _TOP_LEVEL
    from mathomong_sym.worksheets.teacher import CUSTOM_KEYS
    from mathomong_sym.worksheets.words import CHROME

    text = README.read_text(encoding="utf-8")
    first_cells = re.findall(r"^\| (`[a-z_]+`(?:, `[a-z_]+`)*) \|", text, flags=re.M)
    names = {name for cell in first_cells for name in re.findall(r"`([a-z_]+)`", cell)}
    assert (_TOP_LEVEL - {"problems", "words"}) | _PROBLEM_KEYS | CUSTOM_KEYS <= names
    assert all(f"`{word}`" in text for word in CHROME)
