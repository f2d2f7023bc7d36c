"""In a notebook and at a prompt: short reprs, tables in Jupyter, figures without a magic, progress bars.

Every result object the public API returns prints one short line (never the
field-by-field dataclass repr of its arrays and trees) and shows a small
table in Jupyter; the figures the plotting functions return display as
pictures through IPython's own display machinery with no ``%matplotlib``;
training, grading and worksheet builds show ``tqdm.auto`` bars.
"""

from __future__ import annotations

import html
import io
import sys

import numpy as np
import pytest

from mathomong_sym import (
    MLP, AnswerKey, Neuron, build_worksheet, check_answer, descend, diff_steps, get_activation, get_loss,
    gradient_check, load_dataset,
    load_worksheet, parse_expression, plot_decision_boundary, plot_descent, plot_landscape, plot_loss, train,
)
from mathomong_sym.display import MAX_REPR
from mathomong_sym.worksheets.club import club_folder

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """One of every result object, made through the public API as a user makes it."""
    net = MLP([2, 2, 2], activation="tanh", output_activation="sigmoid", loss="bce")
    d = net.derive("w1_1_2")
    theta = np.random.default_rng(0).normal(size=net.n_parameters)
    X, Y = np.random.default_rng(1).random((8, 2)), np.random.default_rng(2).random((8, 2))
    data = load_dataset("xor")
    folder = tmp_path_factory.mktemp("sheet")
    built = build_worksheet(load_worksheet(club_folder() / "06-chain-rule.toml"), ["A"], folder, pdf=False,
                            progress=False)
    key = AnswerKey.load(built.versions[0].key_json)
    from mathomong_sym.check.grading import grade
    from mathomong_sym.check.answers import AnswerRow

    rows = [AnswerRow(line=2, student="ada", version=key.version, question=key.entries[0].id,
                      answer=key.entries[0].latex)]
    return {
        "Derivation": d,
        "cited Derivation": d.cites[0],
        "diff_steps Derivation": diff_steps(parse_expression("x^2 + 3x"), "x"),
        "Step": d.steps[0],
        "Factor": Neuron().derive("W").factors[0],
        "VerificationReport": d.verify(),
        "CompiledNetwork": net.compile(),
        "GradientCheckReport": gradient_check(net, theta, X, Y),
        "LayerEquations": net.layer_equations(),
        "Dataset": data,
        "TrainingResult": train(MLP([2, 4, 1], activation="tanh"), data.X, data.Y, lr=0.5, steps=30,
                                progress=False),
        "DescentPath": descend(parse_expression("x^2 + 3y^2"), [2, 1], lr=0.1, steps=20),
        "CheckResult": check_answer(r"2(y-\hat{y})", r"2(\hat{y}-y)"),
        "WorksheetDefinition": built.definition,
        "BuildResult": built,
        "AnswerKey": key,
        "AnswerEntry": key.entries[0],
        "GradeReport": grade([key], rows, timeout=None, progress=False),
        "Loss": get_loss("bce"),
        "Activation": get_activation("relu"),
    }


RESULTS = ["Derivation", "cited Derivation", "diff_steps Derivation", "Step", "Factor", "VerificationReport",
           "CompiledNetwork", "GradientCheckReport", "LayerEquations", "Dataset", "TrainingResult",
           "DescentPath", "CheckResult", "WorksheetDefinition", "BuildResult", "AnswerKey", "AnswerEntry",
           "GradeReport", "Loss", "Activation"]


@pytest.mark.parametrize("name", RESULTS)
def test_every_result_prints_one_short_line(results, name):
    obj = results[name]
    text = repr(obj)
    assert len(text) <= MAX_REPR, (name, len(text), text[:300])
    assert "\n" not in text and text.startswith(f"<{type(obj).__name__}") and text.endswith(">")
    assert "array(" not in text and "Step(" not in text  # no dataclass field dump


@pytest.mark.parametrize("name", RESULTS)
def test_every_result_shows_itself_in_jupyter(results, name):
    from IPython.core.interactiveshell import InteractiveShell

    obj = results[name]
    data, _ = InteractiveShell.instance().display_formatter.format(obj)
    assert data["text/plain"] == repr(obj)
    rich = data.get("text/html") or data.get("text/markdown")
    assert rich, f"{name} has no rich display: {sorted(data)}"
    assert len(rich) < 100_000


def test_the_readmes_d_and_its_cite_are_short_and_say_what_they_are(results):
    d, cite = results["Derivation"], results["cited Derivation"]
    assert repr(d) == "<NetworkDerivation ∂L/∂w⁽¹⁾₁₂ = δ⁽¹⁾₁·x₂: 4 steps; cites δ⁽¹⁾₁>"
    assert repr(cite).startswith("<NetworkDerivation δ⁽¹⁾₁ = ") and "cites δ⁽²⁾₁, δ⁽²⁾₂" in repr(cite)
    # the explanation is still one call away, and is what Jupyter shows for a derivation
    assert "chain rule" in str(d) and "<details>" in d._repr_markdown_()


def test_tables_say_the_facts_and_escape_what_they_quote(results):
    report = results["TrainingResult"]
    shown = report._repr_html_()
    assert "<table>" in shown and "loss at the end" in shown and f"{report.final_loss:.6g}" in shown
    markdown = report._repr_markdown_()
    assert markdown.startswith("**TrainingResult**:") and "| steps |" in markdown
    check = check_answer(r"x < 1", "x")  # an answer with markup characters in it
    assert "<script" not in check._repr_html_()
    assert html.escape(check.feedback) in check._repr_html_()


def test_a_failed_report_names_its_failure(results):
    report = results["GradientCheckReport"]
    assert repr(report).startswith("<GradientCheckReport: passed, relative error ")
    worse = type(report)(report.parameters, report.exact, report.exact + 1.0, report.method, report.tolerance)
    assert repr(worse).startswith("<GradientCheckReport: FAILED") and "largest difference" in worse._repr_html_()


def _plots(results):
    net = MLP([2, 3, 1], activation="tanh")
    data = load_dataset("xor")
    trained = train(net, data.X, data.Y, lr=0.5, steps=20, progress=False, record_path=True)
    one = Neuron(1, activation="identity")
    line = load_dataset("line")
    walked = train(one, line.X, line.Y, lr=0.1, steps=10, progress=False, record_path=True)
    return [plot_loss(trained), plot_descent(results["DescentPath"]),
            plot_decision_boundary(net, trained.theta, data.X, data.Y, resolution=30),
            plot_landscape(one, line.X, line.Y, walked, resolution=20)]


def test_figures_display_in_jupyter_without_a_magic(results):
    from IPython.core.interactiveshell import InteractiveShell

    assert "matplotlib.pyplot" not in sys.modules or True  # whatever pyplot did, the figure shows itself
    shell = InteractiveShell.instance()
    for figure in _plots(results):
        data, _ = shell.display_formatter.format(figure)
        assert data.get("image/png", b"")[:8] == PNG, sorted(data)


def test_figures_display_in_a_fresh_kernel_that_never_imported_pyplot(tmp_path):
    # the case the subclass exists for: no pyplot, so no inline backend and no formatter registered for Figure
    import subprocess

    code = ("import sys\n"
            "from IPython.core.interactiveshell import InteractiveShell\n"
            "from mathomong_sym import plot_loss\n"
            "figure = plot_loss([1.0, 0.5, 0.25])\n"
            "assert 'matplotlib.pyplot' not in sys.modules\n"
            "data, _ = InteractiveShell.instance().display_formatter.format(figure)\n"
            "print(sorted(data), data['image/png'][:4])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "'image/png'" in done.stdout and "PNG" in done.stdout


# ---------------------------------------------------------------------------
# progress
# ---------------------------------------------------------------------------

class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _xor():
    data = load_dataset("xor")
    return MLP([2, 4, 1], activation="tanh"), data.X, data.Y


def test_training_shows_a_tqdm_auto_bar_when_asked(capsys):
    net, X, Y = _xor()
    train(net, X, Y, lr=0.5, steps=200, progress=True)
    err = capsys.readouterr().err
    assert "training:" in err and "/200 [" in err  # a tqdm bar over the 200 steps


def test_by_default_nothing_is_shown_where_nobody_watches(capsys):
    net, X, Y = _xor()
    train(net, X, Y, lr=0.5, steps=200)  # stderr is not a terminal and this is no notebook
    assert capsys.readouterr().err == ""


def test_by_default_a_terminal_sees_a_bar_once_the_work_takes_long(monkeypatch):
    from mathomong_sym import progress

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    net, X, Y = _xor()
    train(net, X, Y, lr=0.5, steps=200)  # quick: below the delay, no bar
    assert terminal.getvalue() == ""
    assert progress.AUTO_DELAY == 2.0
    monkeypatch.setattr(progress, "AUTO_DELAY", 0.0)  # as if the work had already taken its 2 s
    train(net, X, Y, lr=0.5, steps=200)
    assert "training" in terminal.getvalue()


def test_in_a_notebook_the_bar_is_tqdm_auto(monkeypatch):
    from mathomong_sym import progress

    class Kernel:
        config = {"IPKernelApp": {}}

    fake = type(sys)("IPython")
    fake.get_ipython = lambda: Kernel()
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert progress.in_notebook()
    bar = progress.progress_bar(None, total=3, desc="training", unit="step")
    try:
        assert bar is not None and bar.delay == progress.AUTO_DELAY
    finally:
        bar.close()
    assert progress.progress_bar(False, total=3, desc="x", unit="step") is None


def test_grading_and_worksheet_builds_show_bars(tmp_path, capsys):
    built = build_worksheet(load_worksheet(club_folder() / "02-derivatives.toml"), ["A"], tmp_path, pdf=False,
                            progress=True)
    assert "worksheets" in capsys.readouterr().err
    key = AnswerKey.load(built.versions[0].key_json)
    from mathomong_sym.check.answers import AnswerRow
    from mathomong_sym.check.grading import grade

    rows = [AnswerRow(line=i + 2, student=f"s{i}", version=key.version, question=entry.id, answer=entry.latex)
            for i, entry in enumerate(key.entries)]
    report = grade([key], rows, timeout=None, progress=True)
    assert report.counts["correct"] == len(rows)
    err = capsys.readouterr().err
    assert "grading:" in err and f"/{len(rows)} [" in err  # a bar over every answer
