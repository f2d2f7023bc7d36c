"""The command line's front door: the demo, help, and one-line errors."""

import subprocess
import sys

import pytest

from mathomong_sym.cli import main


def test_demo_walks_through_the_guide(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--level", "0"]) == 0
    out = capsys.readouterr().out
    for expected in ("z = W·x + b", "∂L/∂ŷ = 2(ŷ − y)", "σ(z)(1 − σ(z))", "= −0.5", "gradient check (central) passed",
                     "= 0.5 − 0.1·(−0.5) = 0.55", "0.25\u00a0→\u00a00.2198", "δ⁽¹⁾₁", "accuracy:  100.0%",
                     "→ correct", "you left out σ′(z)"):
        assert expected in out, expected
    from mathomong_sym.render.text import WIDTH, width

    assert max(width(line) for line in out.splitlines()) <= WIDTH  # the reports beside the explanations too
    assert (tmp_path / "worksheet" / "demo-A-2026-key.json").stat().st_size > 100
    assert (tmp_path / "worksheet" / "demo-A-2026-key.tex").read_text().count(r"\question") >= 2
    for name in ("xor_loss.png", "xor_boundary.png"):
        image = tmp_path / name
        assert image.stat().st_size > 1000 and image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_an_unknown_command_is_one_line_and_exit_2():
    run = subprocess.run([sys.executable, "-m", "mathomong_sym", "frobnicate"], capture_output=True, text=True)
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) <= 2 and "Traceback" not in run.stderr


@pytest.mark.parametrize("argv, message", [
    (["derive", "--net", "2-0-1", "--wrt", "w1_1_1"], "layer sizes"),
    (["derive", "--net", "2-2-1", "--activation", "swishy", "--wrt", "w1_1_1"], "unknown activation"),
    (["derive", "--net", "2-2-1", "--loss", "hinge", "--wrt", "w1_1_1"], "unknown loss"),
    (["derive", "--net", "2-2-1", "--wrt", "w7_1_1"], "unknown parameter"),
])
def test_bad_network_input_is_one_line_and_non_zero(argv, message, capsys):
    code = main(argv)
    err = capsys.readouterr().err
    assert code != 0
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
