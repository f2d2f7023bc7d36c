"""Self-test of every problem generator: many seeds, every answer checked.

For each generator and seed a sheet of two problems of the topic is drawn in
versions A and B, and for every problem: the answer equals sympy.diff
(symbolic parts) or the value of sympy.diff at the problem's numbers
(numeric parts), every solution step verifies, the problem's LaTeX is
well-formed, the key differentiates the function as the sheet prints it
(a chain-rule problem is solved by the chain rule), its key uses only the
rules its part of the guide and the parts before teach or the statement
gives, and no typical mistake, no other part's answer and no swap of W
and b, with either sign, lands on the key.  Across the sheet the two
problems ask for no derivative in common, and versions A and B are dealt
the same kinds in the same slots.  8 seeds per generator run by default;
200 under ``-m slow`` (``MATHOMONG_GENERATOR_SEEDS`` sets another number).
"""

from __future__ import annotations

import itertools
import os
import re

import pytest
import sympy
from pylatexenc.latexwalker import LatexWalker

from mathomong_sym.activations import NUMPY_FUNCTIONS
from mathomong_sym.derivation import expand_definitions, meaning
from mathomong_sym.naming import sym
from mathomong_sym.worksheets import GENERATORS, draw_problem, problem_seed
from mathomong_sym.worksheets.assemble import MAX_ATTEMPTS, assemble
from mathomong_sym.worksheets.definition import parse_worksheet
from mathomong_sym.worksheets.generators.common import is_evaluation
from mathomong_sym.worksheets.latex import solution_blocks
from mathomong_sym.worksheets.problem import display_latex
from mathomong_sym.worksheets.registry import untaught_rules
from mathomong_sym.worksheets.randomness import Degenerate, NiceRandom

DIFFICULTIES = ("easy", "medium", "hard")


def draw(generator_id: str, index: int):
    """The problem a sheet would hold at *index*: retries past degenerate draws."""
    difficulty = DIFFICULTIES[index % 3]
    for attempt in range(MAX_ATTEMPTS):
        try:
            # verified below, step by step, with a message naming the step
            return draw_problem(generator_id, problem_seed("self-test", 0, "A", index, attempt), difficulty,
                                verify=False)
        except Degenerate:
            continue
    raise AssertionError(f"{generator_id}: no good draw in {MAX_ATTEMPTS} attempts at index {index}")


def truth(part):
    """The answer computed independently: sympy.diff of the expanded function, or a value worked out."""
    derivation = part.derivation
    definitions = derivation.all_definitions()
    if is_evaluation(derivation):  # a value, not a slope: the expression at the numbers
        return derivation.expression.xreplace(derivation.point), {}
    lhs = derivation.lhs
    if not isinstance(lhs, sympy.Derivative):  # a δ: ∂L/∂z by definition
        lhs = sympy.Derivative(sym("L"), derivation.variable)
    return meaning(lhs, definitions), definitions


def check_problem(problem):
    assert problem.parts and problem.statement
    verified = set()
    for part in problem.parts:
        expected, definitions = truth(part)
        if part.numeric:
            value = expected.xreplace(part.point)
            if part.update is not None:
                p, rate = part.update
                value = part.point[p] - part.point[rate] * value
            got, want = sympy.N(part.answer, 30), sympy.N(value, 30)
            assert abs(got - want) < 1e-20 * max(1, abs(want)), (problem.generator, part.label, got, want)
            assert part.tolerance >= 0
        else:
            answer = expand_definitions(part.answer, definitions)
            assert answer == expected or _equal_numerically(answer, expected), \
                (problem.generator, part.label, answer, expected)
        if id(part.derivation) not in verified:  # parts may share one derivation
            report = part.derivation.verify()
            assert report.ok, (problem.generator, part.label, str(report))
            verified.add(id(part.derivation))
        for block in [part.prompt, problem.statement, *solution_blocks(part)]:
            well_formed(block)
        check_form_kept(problem, part)
        check_no_mistake_lands_on_the_key(problem, part)
    check_figure(problem)
    if problem.generator in GENERATORS:
        part_of_guide = GENERATORS[problem.generator].part
        assert not untaught_rules(problem, part_of_guide), \
            (problem.generator, untaught_rules(problem, part_of_guide), problem.given)


def check_figure(problem):
    """A network is drawn with every number the problem gives; a landscape with its start, and in the key the step."""
    if problem.generator in ("backprop-delta", "backprop-weight", "one-neuron"):
        point = next(part.point for part in problem.parts if part.point)
        assert problem.figure.startswith(r"\begin{tikzpicture}")
        for symbol, value in point.items():
            assert f"${display_latex(value)}$" in problem.figure or f"= {display_latex(value)}$" in problem.figure, \
                (problem.generator, symbol, value)
    if problem.generator == "landscape":
        start = problem.parts[0].point
        x, y = sorted((s for s in start if s.name in ("x", "y")), key=lambda s: s.name)
        assert r"\begin{axis}" in problem.figure and "start" in problem.figure
        assert f"({float(start[x]):.4f},{float(start[y]):.4f})" in problem.figure
        new = (float(problem.parts[2].answer), float(problem.parts[3].answer))
        assert "very thick, -stealth" in problem.key_figure and f"({new[0]:.4f},{new[1]:.4f})" in problem.key_figure
        assert "very thick" not in problem.figure  # the student's sheet does not show the step


def check_form_kept(problem, part):
    """The key differentiates the function as the sheet prints it, by the rule its statement asks for."""
    derivation = part.derivation
    if is_evaluation(derivation) or getattr(derivation, "network", None) is not None:
        return
    expression = getattr(derivation, "expression", None)
    if expression is None:
        return
    printed = display_latex(expression)
    shown = problem.statement + "".join(p.prompt + "".join(p.lead) for p in problem.parts)
    assert printed in shown, (problem.generator, part.label, printed, shown)
    if problem.generator == "chain-rule":
        # an outer function of an inside the statement names: never evaluated into a polynomial
        assert derivation.steps[0].rule == "chain rule", (problem.statement, derivation.steps[0].rule)


def check_no_mistake_lands_on_the_key(problem, part):
    """No typical mistake and no other part's answer, with either sign (bar the sign mistake), is the key."""
    if not part.numeric:
        return
    key = sympy.N(part.answer, 30)
    if key == 0:
        return
    gap = 2 * max(part.tolerance, 1e-9)
    wrong = [(m.answer, m.kind == "sign", m.message) for m in part.mistakes]
    wrong += [(other.answer, False, f"part {other.label}") for other in problem.parts
              if other is not part and other.numeric]
    for answer, is_sign_mistake, what in wrong:
        value = sympy.N(answer, 30)
        assert abs(value - key) > gap, (problem.generator, part.label, what)
        if not is_sign_mistake:
            assert abs(value + key) > gap, (problem.generator, part.label, what, "with its sign flipped")


def sheet_of_two(generator_id: str, index: int) -> dict:
    """Versions A and B of a sheet holding two problems of *generator_id* (seed *index*)."""
    definition = parse_worksheet(
        f'title = "Self-test"\nseed = {index}\nversions = ["A", "B"]\n'
        f'[[problems]]\ntopic = "{generator_id}"\ncount = 2\ndifficulty = "{DIFFICULTIES[index % 3]}"\n',
        source="self-test.toml")
    return {label: assemble(definition, label, verify=False).problems for label in ("A", "B")}


def check_sheet(generator_id: str, index: int):
    """A sheet of two: each problem checked; no derivative asked twice; versions parallel."""
    versions = sheet_of_two(generator_id, index)
    for problem in versions["A"]:
        check_problem(problem)
    for label, problems in versions.items():
        first, second = problems
        assert not first.asked() & second.asked(), (generator_id, label, first.statement, second.statement)
    assert [p.families for p in versions["A"]] == [p.families for p in versions["B"]], generator_id


def _equal_numerically(a, b) -> bool:
    """Equal at three points away from 0 and ±1 (float64, relative 1e-9)."""
    symbols = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    difference = sympy.lambdify(symbols, a - b, modules=[NUMPY_FUNCTIONS, "math"])
    scale = sympy.lambdify(symbols, a, modules=[NUMPY_FUNCTIONS, "math"])
    for k in range(3):
        values = [(-1) ** (i + k) * (3 + 2 * k + i) / (7 + i) for i in range(len(symbols))]
        if abs(difference(*values)) > 1e-9 * max(1.0, abs(scale(*values))):
            return False
    return True


def well_formed(latex: str):
    """Balanced braces and environments, checked in pure Python."""
    walker = LatexWalker(latex, tolerant_parsing=False)
    walker.get_latex_nodes()


@pytest.mark.parametrize("generator_id", list(GENERATORS))
def test_eight_seeds_per_generator(generator_id):
    for index in range(8):
        check_sheet(generator_id, index)


#: seeds per generator of the slow self-test
SLOW_SEEDS = int(os.environ.get("MATHOMONG_GENERATOR_SEEDS", "200"))


@pytest.mark.slow
@pytest.mark.parametrize("generator_id", list(GENERATORS))
def test_two_hundred_seeds_per_generator(generator_id):
    for index in range(SLOW_SEEDS):
        check_sheet(generator_id, index)


def test_the_guides_example_x_squared_at_3_is_6():
    # the easy power problem draws the guide's own f(x) = x² at x = 3 among its seeds
    x = sym("x")
    for index in range(300):
        try:
            problem = draw_problem("derivative-power", problem_seed("guide", 0, "A", index), "easy", verify=False)
        except Degenerate:
            continue
        if "f(x) = x^{2}$" in problem.statement and problem.parts[1].point.get(x) == 3:
            assert problem.parts[0].answer == 2 * x
            assert problem.parts[1].answer == 6
            return
    pytest.fail("the easy power rule never drew x² at 3")


def test_every_part_of_the_guide_has_a_generator():
    assert {g.part for g in GENERATORS.values()} == set(range(1, 11))
    for generator in GENERATORS.values():
        assert generator.skills and generator.points > 0 and generator.difficulty in DIFFICULTIES


def test_no_degenerate_numbers():
    """No zero weight, no z at 0 (σ = 1 − σ there), no mistake landing on the key."""
    for generator_id in ("one-neuron", "backprop-delta", "backprop-weight", "activation-sigmoid",
                         "activation-tanh", "activation-relu", "gradient-step"):
        for index in range(6):
            problem = draw(generator_id, index)
            for part in problem.parts:
                for symbol, value in part.point.items():
                    if symbol.name.startswith(("w", "W")):
                        assert value != 0, (generator_id, symbol)
                definitions = part.derivation.all_definitions()
                for symbol, definition in definitions.items():
                    if symbol.name.startswith("z") and part.point:
                        z = sympy.N(expand_definitions(definition, definitions).xreplace(part.point), 30)
                        if z.is_number:
                            assert abs(z) > 1e-12, (generator_id, symbol)
                if part.numeric:
                    for mistake in part.mistakes:
                        assert abs(sympy.N(mistake.answer - part.answer, 30)) > part.tolerance, \
                            (generator_id, mistake.message)


def test_problems_within_a_version_are_distinct():
    # every topic twice on one sheet: no problem repeats, and no derivative is asked twice across the sheet
    text = "title = 'Many'\n" + "".join(
        f"[[problems]]\ntopic = '{g}'\ncount = 2\ndifficulty = 'medium'\n" for g in GENERATORS)
    version = assemble(parse_worksheet(text, source="many.toml"), "A", verify=False)
    statements = [p.signature for p in version.problems]
    assert len(statements) == len(set(statements)) == 2 * len(GENERATORS)
    for first, second in itertools.combinations(version.problems, 2):
        assert not first.asked() & second.asked(), (first.statement, second.statement)


def test_more_problems_than_a_topic_has_kinds_is_one_clear_line(tmp_path, capsys):
    # a 2-2-1 network has two hidden δ's: a third δ problem would ask one of them again
    from mathomong_sym.cli import main

    definition = tmp_path / "deltas.toml"
    definition.write_text("title = 'Deltas'\n[[problems]]\ntopic = 'backprop-delta'\ncount = 3\n", encoding="utf-8")
    assert main(["worksheet", str(definition), "--no-pdf", "--out", str(tmp_path / "out")]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "problems[0].count" in err and "ask for fewer" in err, err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_each_problem_has_its_own_seeded_rng():
    # same identity, same numbers; another index or version, other numbers
    a = NiceRandom(problem_seed("w", 1, "A", 0))
    b = NiceRandom(problem_seed("w", 1, "A", 0))
    assert [a.integer(-9, 9) for _ in range(5)] == [b.integer(-9, 9) for _ in range(5)]
    seeds = {problem_seed("w", 1, v, i) for v, i in itertools.product("AB", range(50))}
    assert len(seeds) == 100


def test_the_global_rng_is_never_touched():
    import random

    random.seed(12345)
    before = random.getstate()
    draw("one-neuron", 0)
    assert random.getstate() == before


#: function names a statement may show
_FUNCTIONS = (r"\tanh", r"\sigma", r"\ln", "e^", "ReLU")


def level_profile(problems) -> dict:
    """What a set of problems of one difficulty draws, as features that do not depend on the luck of a draw
    once enough problems are drawn: parts, terms, functions, which numbers may be negative or decimal …"""
    numbers = set()
    for problem in problems:
        for part in problem.parts:
            point = dict(part.point) or dict(getattr(part.derivation, "point", None) or {})
            for symbol, value in point.items():
                role, value = re.sub(r"[\d_]", "", symbol.name), sympy.sympify(value)
                if value < 0:
                    numbers.add((role, "negative"))
                if not value.is_Integer:
                    numbers.add((role, "decimal"))
    return {
        "parts": max(len(p.parts) for p in problems),
        "terms": max((len(sympy.Add.make_args(sympy.expand(p.function))) for p in problems
                      if p.function is not None), default=0),
        "functions": frozenset(f for f in _FUNCTIONS if any(f in p.statement for p in problems)),
        "numbers": frozenset(numbers),
        "negative slope": any(part.answer.as_coeff_Mul()[0] < 0 for p in problems for part in p.parts
                              if not part.numeric),
        "negative value": any(part.answer < 0 for p in problems for part in p.parts if part.numeric),
        "numbers in statement": max(len(re.findall(r"\d+(?:\.\d+)?", p.statement)) for p in problems),
    }


def draws(generator_id, difficulty, tag, count=30):
    problems = []
    for index in range(count):
        for attempt in range(MAX_ATTEMPTS):
            try:
                problems.append(draw_problem(generator_id, problem_seed(tag, 0, "A", index, attempt), difficulty,
                                             verify=False, structure=f"{tag}\x1f{index}", slot=index))
                break
            except Degenerate:
                continue
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("generator_id", list(GENERATORS))
def test_easy_medium_and_hard_differ(generator_id):
    """Each difficulty draws something the others do not, and what it draws is the same over other seeds."""
    generator = GENERATORS[generator_id]
    assert set(generator.levels) == set(DIFFICULTIES), generator_id  # `mathomong worksheet --topics` says what
    profiles = {}
    for difficulty in DIFFICULTIES:
        profile = level_profile(draws(generator_id, difficulty, "levels"))
        # the profile is the level's, not the luck of thirty draws: thirty others give the same
        assert profile == level_profile(draws(generator_id, difficulty, "levels-again")), (generator_id, difficulty)
        profiles[difficulty] = profile
    for one, other in itertools.combinations(DIFFICULTIES, 2):
        assert profiles[one] != profiles[other], (generator_id, one, other, profiles[one])
