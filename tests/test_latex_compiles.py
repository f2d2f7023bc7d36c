"""Every ``explain --format latex --standalone`` output compiles, whatever name the reader accepted.

Names are drawn from every form the reader knows (letters with subscripts,
Greek letters by name and as Unicode, accents by command and precomposed,
layer-indexed weights, upright words) and from arbitrary Unicode letters;
those the reader refuses are skipped, those it accepts must come out as
LaTeX that pdflatex compiles.
"""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathomong_sym.cli import main
from mathomong_sym.errors import ParseError
from mathomong_sym.parsing import parse_expression

pytestmark = pytest.mark.pdflatex

_GREEK = ["alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "sigma", "tau", "phi",
          "omega", "Delta", "Omega", "Sigma"]
_ACCENTS = ["hat", "bar", "tilde", "vec", "dot"]

_letter = st.sampled_from("abcdwuvyzWABXY")
_index = st.integers(min_value=0, max_value=23).map(str)
_name = st.one_of(
    _letter,
    st.builds(lambda l, i: f"{l}_{{{i}}}", _letter, _index),
    st.builds(lambda g: f"\\{g}", st.sampled_from(_GREEK)),
    st.builds(lambda g, i: f"\\{g}_{i}", st.sampled_from(_GREEK), st.integers(0, 9)),
    st.builds(lambda a, l: f"\\{a}{{{l}}}", st.sampled_from(_ACCENTS), _letter),
    st.builds(lambda l, i, j: f"w^{{({l})}}_{{{i}{j}}}", st.integers(1, 3), st.integers(1, 9), st.integers(1, 9)),
    st.builds(lambda w: f"\\mathrm{{{w}}}", st.sampled_from(["loss", "out", "h", "net"])),
    st.sampled_from(list("αβγδεηθλμστφωŷȳỹŵâ")),
    st.characters(categories=["Ll", "Lu", "Lo"], max_codepoint=0x2FFF),
)


def _expression(first, second) -> str:
    return f"{first} x + ({second})^{{2}} \\sin({first}) - \\frac{{x^{{2}}}}{{{second} + 2}}"


def _standalone(text: str, capsys) -> str | None:
    try:
        parse_expression(text)
    except ParseError:
        return None  # a name the reader refuses is not this test's business
    code = main(["explain", text, "--wrt", "x", "--format", "latex", "--standalone", "--no-verify"])
    out, err = capsys.readouterr()
    if code != 0:
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        return None
    return out


def _compiles(tex: str, folder) -> str:
    """'' when pdflatex compiles *tex*, else its first error."""
    source = folder / "explain.tex"
    source.write_text(tex, encoding="utf-8")
    result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                             source.name], cwd=folder, capture_output=True, text=True, timeout=120)
    if result.returncode == 0:
        return ""
    errors = [line for line in result.stdout.splitlines() if line.startswith("!")]
    return errors[0] if errors else result.stdout[-300:]


def _run(first, second, tmp_path_factory, capsys):
    text = _expression(first, second)
    tex = _standalone(text, capsys)
    if tex is None:
        return
    error = _compiles(tex, tmp_path_factory.mktemp("tex"))
    assert not error, f"{text!r}: {error}"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_name, _name)
def test_standalone_latex_compiles_for_the_names_the_reader_accepts(require_pdflatex, tmp_path_factory, capsys,
                                                                     first, second):
    _run(first, second, tmp_path_factory, capsys)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_name, _name)
def test_standalone_latex_compiles_for_many_names(require_pdflatex, tmp_path_factory, capsys, first, second):
    _run(first, second, tmp_path_factory, capsys)


@pytest.mark.parametrize("text", ["ŷ*x", "yhat*x + xbar", "ŷ*x + ŷ^2 - ȳ", r"ŷ x", r"\hat{y} x + \bar{x}", "α x + β", r"w^{(2)}_{13} x", r"\mathrm{out}\,x"])
def test_the_names_of_the_guide_compile(require_pdflatex, tmp_path, capsys, text):
    tex = _standalone(text, capsys)
    assert tex is not None, text
    assert not _compiles(tex, tmp_path)
