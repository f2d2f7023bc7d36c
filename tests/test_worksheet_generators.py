"""Self-test of every problem generator: many seeds, every answer checked.

For each generator and seed: the answer equals sympy.diff (symbolic parts)
or the value of sympy.diff at the problem's numbers (numeric parts), every
solution step verifies, the problem's LaTeX is well-formed, typical mistakes
never land on the key, and repeated draws within a version are distinct.
20 seeds per generator run by default; 200 under ``-m slow``.
"""

from __future__ import annotations

import itertools

import pytest
import sympy
from pylatexenc.latexwalker import LatexWalker

from mathomong_sym.activations import NUMPY_FUNCTIONS
from mathomong_sym.derivation import expand_definitions, meaning
from mathomong_sym.naming import sym
from mathomong_sym.worksheets import GENERATORS, draw_problem, problem_seed
from mathomong_sym.worksheets.assemble import MAX_ATTEMPTS, assemble
from mathomong_sym.worksheets.definition import parse_worksheet
from mathomong_sym.worksheets.latex import solution_blocks
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
    """The answer computed independently: sympy.diff of the expanded function."""
    derivation = part.derivation
    definitions = derivation.all_definitions()
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
            if part.scale is not None:
                value = part.scale * value
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
def test_twenty_seeds_per_generator(generator_id):
    for index in range(20):
        check_problem(draw(generator_id, index))


@pytest.mark.slow
@pytest.mark.parametrize("generator_id", list(GENERATORS))
def test_two_hundred_seeds_per_generator(generator_id):
    for index in range(200):
        check_problem(draw(generator_id, index))


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
    text = "title = 'Many'\n" + "".join(
        f"[[problems]]\ntopic = '{g}'\ncount = 3\ndifficulty = 'medium'\n" for g in GENERATORS)
    version = assemble(parse_worksheet(text, source="many.toml"), "A", verify=False)
    statements = [p.signature for p in version.problems]
    assert len(statements) == len(set(statements)) == 3 * len(GENERATORS)


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
