"""``mathomong train`` and the demo's training part, run in-process."""

import io
import json

import numpy as np
import pytest

from mathomong_sym.cli import main
from mathomong_sym.cli.train import DEFAULT_LR, demo_training


def run_json(capsys, *argv):
    code = main(["train", *argv, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def test_xor_defaults_reach_the_target(capsys):
    # the acceptance command: no flag but these
    data = run_json(capsys, "--net", "2-4-1", "--data", "xor", "--steps", "5000")
    assert data["final_loss"] < 0.01
    assert data["accuracy"] == 1.0
    assert data["steps"] == 5000 and len(data["losses"]) == 5001
    assert data["network"]["description"] == "MLP 2-4-1 (tanh/sigmoid, mse)"
    assert data["optimizer"] == {"name": "gd", "lr": DEFAULT_LR["gd"]}
    assert data["gradient_check"]["passed"] is True
    assert data["diverged"] is False


def test_bare_command_trains_xor(capsys):
    assert main(["train", "--steps", "300"]) == 0
    out = capsys.readouterr().out
    assert "MLP 2-4-1 (tanh/sigmoid, mse)" in out
    assert "gradient check (central) passed" in out
    assert "predictions:" in out and "accuracy:" in out


def test_text_report_and_plots(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    loss_png, boundary_png = tmp_path / "loss.png", tmp_path / "boundary.png"
    code = main(["train", "--data", "moons", "--net", "2-6-1", "--optimizer", "adam",
                 "--epochs", "20", "--batch-size", "50", "--plot-loss", str(loss_png),
                 "--plot-boundary", str(boundary_png)])
    assert code == 0
    out = capsys.readouterr().out
    assert "adam (lr = 0.05)" in out and "mini-batches of 50" in out
    assert "predictions (first 8 of 200)" in out
    assert loss_png.stat().st_size > 1000 and boundary_png.stat().st_size > 1000
    assert f"wrote the loss plot to {loss_png}" in out


def test_one_neuron_landscape(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "landscape.png"
    data = run_json(capsys, "--data", "line", "--net", "1-1", "--lr", "0.1", "--steps", "200",
                    "--plot-landscape", str(path))
    # a neuron with an identity output fits y = 2x + 1: W → 2, b → 1
    assert data["network"]["parameters"] == ["W", "b"]
    assert data["parameters"]["W"] == pytest.approx(2.0, abs=0.15)
    assert data["parameters"]["b"] == pytest.approx(1.0, abs=0.1)
    assert data["accuracy"] is None
    assert path.stat().st_size > 1000


def test_csv_data(capsys, tmp_path):
    csv = tmp_path / "gate.csv"
    csv.write_text("a,b,out\n0,0,0\n0,1,1\n1,0,1\n1,1,1\n")
    data = run_json(capsys, "--data", str(csv), "--features", "a,b", "--target", "out",
                    "--net", "2-2-1", "--steps", "2000")
    assert data["data"]["features"] == ["a", "b"] and data["data"]["examples"] == 4
    assert data["accuracy"] == 1.0


def test_spiral_with_three_arms_uses_softmax(capsys):
    data = run_json(capsys, "--data", "spiral", "--arms", "3", "--n", "60", "--net", "2-8-3",
                    "--optimizer", "adam", "--steps", "50")
    assert "softmax, cross_entropy" in data["network"]["description"]


def test_divergence_is_one_line_with_its_own_exit_code(capsys):
    code = main(["train", "--data", "line", "--net", "1-1", "--lr", "50", "--steps", "200"])
    captured = capsys.readouterr()
    assert code == 1  # NO in the table of exit codes: the run ended, and it diverged
    assert "diverged at step" in captured.err and "lr = 50" in captured.err
    assert captured.err.count("\n") == 1


@pytest.mark.parametrize("argv, message", [
    (["--net", "3-4-1"], "takes 3 input(s), but the data has 2"),
    (["--net", "2-4-2"], "has 2 output(s), but the data has 1"),
    (["--net", "2-x-1"], "cannot read layer sizes"),
    (["--net", "2-0-1"], "positive"),
    (["--data", "xnor"], "unknown data set 'xnor'"),
    (["--data", "missing.csv", "--features", "a", "--target", "b"], "no such file"),
    (["--data", "missing.csv"], "needs --features and --target"),
    (["--data", "xor", "--features", "a"], "apply to a CSV file"),
    (["--activation", "swish"], "unknown activation"),
    (["--loss", "bce", "--output-activation", "identity"], "sigmoid"),
    (["--lr", "0"], "learning rate"),
    (["--steps", "0"], "steps"),
    (["--data", "moons", "--n", "1"], "n >= 2"),
])
def test_bad_input_is_one_line(capsys, argv, message):
    code = main(["train", *argv])
    err = capsys.readouterr().err
    assert code == 2, err  # USAGE in the table of exit codes
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_steps_and_epochs_are_exclusive(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--steps", "5", "--epochs", "5"])
    assert info.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


def test_demo_training(tmp_path):
    pytest.importorskip("matplotlib")
    stream = io.StringIO()
    written = demo_training(tmp_path / "out", stream)
    text = stream.getvalue()
    assert "XOR" in text and "gradient check (central) passed" in text
    assert "accuracy:  100.0% (4 of 4 classified right)" in text
    for kind in ("loss", "boundary"):
        png = written[kind]
        assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert "below 0.01 from step" in text
    assert np.isfinite(float(text.split("→ ")[1].split()[0]))
