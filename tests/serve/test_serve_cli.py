"""`mathomong serve` on the command line: bad options are one line and a non-zero exit."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO


def _serve(*args, tmp_path):
    return subprocess.run([sys.executable, "-m", "mathomong_sym", "serve", "--data", str(tmp_path / "d"), *args],
                          capture_output=True, text=True, timeout=120, cwd=REPO)


@pytest.mark.parametrize("args, message", [
    (["--port", "0"], "--port must be 1–65535"),
    (["--workers", "0"], "--workers must be at least 1"),
    (["--check-timeout", "-1"], "--check-timeout must be positive"),
    (["--max-body", "0"], "--max-body must be at least 1 kB"),
    (["--worksheets", "/no/such/folder"], "no such folder"),
    (["--database", "nonsense://x"], "database"),
    (["--database", "postgresql://nobody:secret@127.0.0.1:1/none"], "cannot open the database"),
    (["--port", "eighty"], "invalid int value"),
])
def test_bad_options(args, message, tmp_path):
    result = _serve(*args, tmp_path=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert message in lines[0]
    assert "secret" not in result.stderr  # a password in the URL is never printed


def test_serve_is_listed_in_help():
    result = subprocess.run([sys.executable, "-m", "mathomong_sym", "--help"], capture_output=True, text=True)
    assert "serve" in result.stdout
