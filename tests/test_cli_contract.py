"""What every ``mathomong`` command promises a script: one table of exit codes, JSON that
always parses (with a format version, and an error object on failure), and ``-`` for
standard input wherever an expression or a file is read.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mathomong_sym import AnswerEntry, AnswerKey, Neuron
from mathomong_sym.cli import main
from mathomong_sym.cli.exits import JSON_FORMAT_VERSION, TABLE, Exit
from mathomong_sym.render.json_format import FORMAT_VERSION as DERIVATION_FORMAT_VERSION

README = Path(__file__).resolve().parent.parent / "README.md"
SHEET = """
id = "tiny"
title = "Derivatives"
seed = 7
versions = ["A"]

[[problems]]
topic = "derivative-power"
"""


def cli(*argv, stdin: str | None = None, timeout: float = 180):
    """The installed command in its own process, as a script calls it."""
    done = subprocess.run([sys.executable, "-m", "mathomong_sym", *argv], input=stdin, capture_output=True,
                          text=True, timeout=timeout)
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture(scope="module")
def key_file(tmp_path_factory):
    net = Neuron(1)
    entry = AnswerEntry.from_derivation("q1", net.derive("W"), points=2, variables=["W", "b", "x", "y"])
    return AnswerKey(worksheet="one-neuron", version="A", seed=1, entries=[entry]).save(
        tmp_path_factory.mktemp("key") / "A.json")


# ---------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------

def test_the_table_gives_each_code_one_meaning():
    codes = [int(code) for code, _ in TABLE]
    assert codes == sorted(set(codes)) == [0, 1, 2, 3, 4, 5, 130, 143]
    assert {int(e) for e in Exit} == set(codes)


def test_the_readme_and_help_print_the_table(capsys):
    readme = README.read_text(encoding="utf-8")
    section = readme.split("### Exit codes", 1)[1].split("\n#", 1)[0]
    for code, _meaning in TABLE:
        row = re.search(rf"^\| {int(code)} \| `{code.name.lower()}` \| (.+) \|$", section, re.MULTILINE)
        assert row, f"README's exit-code table lacks {int(code)}"
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    for code, meaning in TABLE:
        assert f"{int(code):>3}  {meaning}" in shown


@pytest.mark.parametrize("argv, code", [
    # 0: done
    (["check", "--key", "2x", "--answer", "x*2"], Exit.OK),
    (["descend", "x^2", "--start", "1", "--steps", "5"], Exit.OK),
    (["explain", "x^2", "--wrt", "x"], Exit.OK),
    (["derive", "--net", "neuron", "--wrt", "W", "--level", "0"], Exit.OK),
    (["train", "--data", "and", "--net", "2-1", "--steps", "20"], Exit.OK),
    # 1: done, and the answer is no
    (["check", "--key", "2x", "--answer", "3x"], Exit.NO),
    (["descend", "x^2", "--start", "1", "--lr", "2", "--steps", "100"], Exit.NO),
    (["train", "--data", "line", "--net", "1-1", "--lr", "50", "--steps", "200"], Exit.NO),
    # 2: what was asked cannot be done as given
    (["check", "--key", r"\frac{", "--answer", "x"], Exit.USAGE),
    (["check", "--key", "x"], Exit.USAGE),                     # argparse: --answer is required
    (["descend", "x^"], Exit.USAGE),
    (["explain", "x^2", "--wrt", "q"], Exit.USAGE),
    (["derive", "--net", "2-2-1", "--wrt", "w7_1_1"], Exit.USAGE),
    (["train", "--data", "xnor"], Exit.USAGE),
    (["worksheet", "no-such-sheet.toml", "--no-pdf"], Exit.USAGE),
    (["grade", "--key", "missing.json", "--answers", "missing.csv", "--out", "x"], Exit.USAGE),
    (["frobnicate"], Exit.USAGE),
    # 3: the answer itself cannot be read
    (["check", "--key", "2x", "--answer", r"2x \frac{"], Exit.INVALID),
])
def test_every_command_ends_with_a_code_from_the_table(argv, code, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        got = main(argv)
    except SystemExit as exc:  # argparse ends the process itself
        got = exc.code
    err = capsys.readouterr().err
    assert got == code, (argv, got, err)
    if code >= Exit.USAGE and code != Exit.INVALID:
        assert len(err.strip().splitlines()) == 1 and "error:" in err


def test_a_bug_is_5_and_one_line_unless_debugging(monkeypatch, capsys):
    from mathomong_sym.cli import check as check_command

    def broken(args):
        raise TypeError("an unexpected None")

    monkeypatch.setattr(check_command, "run_check", broken)
    assert main(["check", "--key", "x", "--answer", "x"]) == Exit.INTERNAL
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error (TypeError: an unexpected None)" in err and "bug" in err
    monkeypatch.setenv("MATHOMONG_DEBUG", "1")
    with pytest.raises(TypeError):
        main(["check", "--key", "x", "--answer", "x"])


def test_a_step_that_fails_its_check_is_5(monkeypatch, capsys):
    from mathomong_sym.cli import explain as explain_command
    from mathomong_sym.errors import VerificationError

    def unverified(args):
        raise VerificationError("step 2x = 3x (power rule) does not hold")

    monkeypatch.setattr(explain_command, "run_explain", unverified)
    assert main(["explain", "x^2", "--wrt", "x", "--timeout", "30"]) == Exit.INTERNAL
    assert "does not hold" in capsys.readouterr().err


def test_ctrl_c_is_130(monkeypatch, capsys):
    from mathomong_sym.cli import check as check_command

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(check_command, "run_check", interrupted)
    assert main(["check", "--key", "x", "--answer", "x", "--json"]) == Exit.INTERRUPTED
    captured = capsys.readouterr()
    assert "interrupted" in captured.err
    assert json.loads(captured.out)["error"] == {"exit_code": 130, "kind": "interrupted", "message": "interrupted"}


# ---------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------

def _json(capsys, argv, code):
    got = main(argv)
    captured = capsys.readouterr()
    assert got == code, captured.err
    return json.loads(captured.out)


def test_json_output_carries_its_format_version(capsys):
    data = _json(capsys, ["check", "--key", "2x", "--answer", "3x", "--json"], Exit.NO)
    assert data["format_version"] == JSON_FORMAT_VERSION and data["verdict"] == "incorrect"
    data = _json(capsys, ["descend", "x^2", "--start", "1", "--steps", "3", "--json"], Exit.OK)
    assert data["format_version"] == JSON_FORMAT_VERSION and len(data["points"]) == 4
    data = _json(capsys, ["train", "--data", "and", "--net", "2-1", "--steps", "10", "--json"], Exit.OK)
    assert data["format_version"] == JSON_FORMAT_VERSION and data["steps"] == 10
    data = _json(capsys, ["explain", "x^2", "--wrt", "x", "--format", "json"], Exit.OK)
    assert data["format_version"] == DERIVATION_FORMAT_VERSION


@pytest.mark.parametrize("argv, code, version, says", [
    (["check", "--key", r"\frac{", "--answer", "x", "--json"], Exit.USAGE, JSON_FORMAT_VERSION, "key"),
    (["check", "--key", "x", "--json"], Exit.USAGE, JSON_FORMAT_VERSION, "--answer"),
    (["descend", "x^", "--json"], Exit.USAGE, JSON_FORMAT_VERSION, ""),
    (["descend", "x^2", "--start", "1", "--lr", "2", "--steps", "100", "--json"], Exit.OK, None, None),
    (["train", "--data", "xnor", "--json"], Exit.USAGE, JSON_FORMAT_VERSION, "unknown data set"),
    (["train", "--data", "line", "--net", "1-1", "--lr", "50", "--steps", "200", "--json"], Exit.NO,
     JSON_FORMAT_VERSION, "diverged"),
    (["derive", "--net", "2-2-1", "--wrt", "w7_1_1", "--format", "json"], Exit.USAGE, DERIVATION_FORMAT_VERSION,
     "unknown parameter"),
    (["derive", "--net", "2-2-1", "--format=json"], Exit.USAGE, DERIVATION_FORMAT_VERSION, "--wrt"),
    (["explain", "x^", "--format", "json"], Exit.USAGE, DERIVATION_FORMAT_VERSION, ""),
])
def test_a_failure_asked_for_as_json_is_a_json_error_object(argv, code, version, says, capsys):
    try:
        got = main(argv)
    except SystemExit as exc:
        got = exc.code
    captured = capsys.readouterr()
    data = json.loads(captured.out)  # stdout is JSON, whatever happened
    if version is None:  # a diverged descent is a result, reported as such (exit 1 NO)
        assert data["diverged"] is True
        return
    assert got == code
    assert data["format_version"] == version and data["command"] == argv[0]
    error = data["error"]
    assert error["exit_code"] == code and error["kind"] == Exit(code).name.lower()
    assert says in error["message"] and error["message"] in captured.err


def test_a_time_limit_asked_for_as_json_is_a_json_error_object():
    # (without JSON, stdout stays empty: tests/test_commands_bounded.py)
    done = cli("explain", "(x+y+z)^{999}", "--wrt", "x", "--timeout", "2", "--format", "json")
    assert done.returncode == Exit.LIMIT and "stopped after 2 s" in done.stderr
    error = json.loads(done.stdout)["error"]
    assert error["kind"] == "limit" and "stopped after 2 s" in error["message"]


def test_without_json_nothing_but_the_error_line(capsys):
    assert main(["check", "--key", r"\frac{", "--answer", "x"]) == Exit.USAGE
    assert capsys.readouterr().out == ""


# ---------------------------------------------------------------------------
# standard input
# ---------------------------------------------------------------------------

def test_an_expression_and_a_file_from_the_real_standard_input(key_file, tmp_path):
    # a process whose standard input is a pipe: text is read from it, a file is read as /dev/stdin
    done = cli("explain", "-", "--wrt", "x", "--at", "x=3", stdin="x^2\n")
    assert done.returncode == 0 and "2x" in done.stdout and "6" in done.stdout
    answers = "student,version,question,answer\nada,A,q1,2(\\hat{y}-y)\\sigma'(z)x\nbob,A,q1,2x\n"
    done = cli("grade", "--key", str(key_file), "--answers", "-", "--out", str(tmp_path / "grades"), stdin=answers)
    assert done.returncode == 0, done.stderr
    assert "1 correct, 1 incorrect" in done.stdout


def _stdin(monkeypatch, text):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_an_answer_or_a_key_from_standard_input(key_file, monkeypatch, capsys):
    _stdin(monkeypatch, "2(y-\\hat{y})\n")
    assert main(["check", "--key", r"2(\hat{y}-y)", "--answer", "-"]) == Exit.NO
    assert "sign" in capsys.readouterr().out
    _stdin(monkeypatch, "2(\\hat{y}-y)")
    assert main(["check", "--key", "-", "--answer", r"2(\hat{y}-y)"]) == Exit.OK
    _stdin(monkeypatch, Path(key_file).read_text(encoding="utf-8"))
    assert main(["check", "--key-file", "-", "--question", "q1", "--answer", r"2(\hat{y}-y)\sigma'(z)x"]) == Exit.OK


def test_an_expression_a_definition_or_data_from_standard_input(monkeypatch, capsys, tmp_path):
    _stdin(monkeypatch, "x^2 + 1\n")
    assert main(["descend", "-", "--start", "2", "--steps", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["expression"]
    _stdin(monkeypatch, SHEET)
    assert main(["worksheet", "-", "--no-pdf", "--out", str(tmp_path / "sheet")]) == 0
    assert (tmp_path / "sheet" / "tiny-A-7-key.json").is_file()
    capsys.readouterr()
    _stdin(monkeypatch, "x,label\n0,0\n1,1\n2,1\n-1,0\n")
    assert main(["train", "--data", "-", "--features", "x", "--target", "label", "--steps", "50", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["data"]["examples"] == 4


def test_standard_input_is_read_once(monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("2x\n"))
    assert main(["check", "--key", "-", "--answer", "-"]) == Exit.USAGE
    err = capsys.readouterr().err
    assert "--key and --answer both ask for standard input" in err


def test_help_says_where_dash_is_read(capsys):
    for command in ("explain", "descend", "check", "grade", "worksheet", "train"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "standard input" in " ".join(capsys.readouterr().out.split()), command


def test_only_the_program_freezes_its_imports_out_of_the_garbage_collector(capsys):
    import gc

    before = gc.get_freeze_count()
    assert main(["explain", "x^2"]) == 0  # called from Python: the caller's collector is left alone
    assert gc.get_freeze_count() == before
    code = ("import gc, sys; from mathomong_sym.cli import main; sys.argv = ['mathomong', 'explain', 'x^2'];"
            "code = main(); print(gc.get_freeze_count() > 10000, code, file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stderr.strip().splitlines()[-1] == "True 0", out.stderr
