"""`mathomong serve` on the command line: bad options are one line and a non-zero exit."""

from __future__ import annotations

import re
import subprocess
import sys
import threading

import pytest

from conftest import REPO, Server


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


def test_on_a_classroom_network_the_banner_gives_both_tokens(tmp_path):
    """--host 0.0.0.0: the class token and the teacher token are made, kept and printed, and they differ."""
    server = Server(tmp_path / "data", "--host", "0.0.0.0", "--no-warm")
    try:
        banner = []

        def read():
            for line in server.process.stdout:
                banner.append(line)
                if "stop with Ctrl-C" in line:
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(30)
        text = "".join(banner)
        class_token = re.search(r"class token \(students\):\s+(\S+)", text).group(1)
        teacher_token = re.search(r"teacher token:\s+(\S+)", text).group(1)
        assert class_token != teacher_token and len(class_token) >= 12
        import httpx

        page = httpx.get(server.url + "/", timeout=30).text
        assert "Class token" in page
    finally:
        server.stop()
