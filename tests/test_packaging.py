"""The package as it is shipped: a complete source distribution, a wheel that works outside
the repository (the club's sheets are package data), a license, type information."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import mathomong_sym
from mathomong_sym.worksheets.club import club_folder, club_sheet, club_sheets

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_license_is_an_spdx_expression_with_its_files():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"
    for name in project["license-files"]:
        assert (REPO / name).is_file(), name
    assert (REPO / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_the_package_is_marked_as_typed_and_supports_python_3_10_to_3_13():
    assert (REPO / "mathomong_sym" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["mathomong_sym"]
    assert PYPROJECT["project"]["requires-python"] == ">=3.10"


def test_the_clubs_sheets_are_the_top_level_worksheets_folder_seen_from_the_package():
    # one copy: the project's worksheets/, which the package reaches (and a wheel carries) through a link
    if Path(mathomong_sym.__file__).resolve().parent != (REPO / "mathomong_sym").resolve():
        pytest.skip("the package is installed from a wheel, not the checkout")
    assert club_folder().parent.name == "club" and club_folder().parent.parent.name == "worksheets"
    assert club_folder().resolve() == (REPO / "worksheets").resolve()
    names = [path.stem for path in club_sheets()]
    assert names[:10] == ["01-why-calculus", "02-derivatives", "03-loss-functions", "04-gradient-descent",
                          "05-partial-derivatives", "06-chain-rule", "07-backpropagation",
                          "08-activation-functions", "09-one-neuron", "10-learning-landscape"]
    assert club_sheet("06-chain-rule") == club_sheet("06-chain-rule.toml") == club_folder() / "06-chain-rule.toml"
    assert club_sheet("../pyproject") is None and club_sheet("nothing") is None
    assert (REPO / "mathomong_sym" / "worksheets" / "club" / "sheets").is_symlink()


def _build(out: Path) -> tuple[Path, Path]:
    """sdist, then the wheel built from that sdist (as `python -m build` does)."""
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)], capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return next(out.glob("*.tar.gz")), next(out.glob("*.whl"))


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    pytest.importorskip("build")
    return _build(tmp_path_factory.mktemp("dist"))


def _tracked(pattern: str) -> list[str]:
    done = subprocess.run(["git", "ls-files", pattern], cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip("not a git checkout")
    return done.stdout.split()


@pytest.mark.slow
def test_the_sdist_holds_everything_a_contributor_needs(dists):
    sdist, _ = dists
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    expected = ["LICENSE", "README.md", "pyproject.toml", "MANIFEST.in"]
    for pattern in ("tests/*", "docs/*", "notebooks/*", "benchmarks/*", "mathomong_sym/*"):
        expected += [p for p in _tracked(pattern) if "__pycache__" not in p]
    missing = sorted(set(expected) - names)
    assert not missing, missing[:20]
    assert any(name.startswith("tests/corpus/") and name.endswith(".toml") for name in names)


@pytest.mark.slow
def test_the_wheel_works_outside_the_repository(dists, tmp_path):
    _, wheel = dists
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "mathomong_sym/py.typed" in names
    for sheet in club_sheets():
        assert f"mathomong_sym/worksheets/club/sheets/{sheet.name}" in names
    # and what a sheet reads beside it (the teacher's quiz has a logo)
    for extra in club_folder().glob("*.png"):
        assert f"mathomong_sym/worksheets/club/sheets/{extra.name}" in names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: MIT" in metadata and "Requires-Python: >=3.10" in metadata

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def run(*argv):
        return subprocess.run([str(venv / "bin" / "mathomong"), *argv], cwd=elsewhere, capture_output=True,
                              text=True, timeout=900)

    located = subprocess.run([str(python), "-c", "import mathomong_sym; print(mathomong_sym.__file__)"],
                             cwd=elsewhere, capture_output=True, text=True, check=True).stdout
    assert str(venv) in located  # the installed wheel, not the checkout
    done = run("worksheet", "--all", "--no-pdf", "--out", "sheets")
    assert done.returncode == 0, done.stderr
    built = {path.name for path in (elsewhere / "sheets").iterdir()}
    assert len(built) == len(club_sheets()) and "chain-rule" in built
    done = run("worksheet", "06-chain-rule", "--versions", "A", "--no-pdf", "--out", "one")
    assert done.returncode == 0, done.stderr
    assert list((elsewhere / "one").glob("chain-rule-A-*-key.json"))
