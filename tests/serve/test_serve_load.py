"""A bounded loopback load test: 30 simulated students answering at once, no failed request.

Runs ``benchmarks/bench_serve.py`` (the server in a process of its own, the
students as threads): all thirty press "check" at the same instant each
round, then thirty answer at their own pace.  The times per check are
printed, not asserted: they depend on the machine and on what else it runs
(``benchmarks/`` is where they are measured); what must hold everywhere is
that every check is answered, with a verdict.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow

BENCH = REPO / "benchmarks" / "bench_serve.py"


def _run(*args):
    result = subprocess.run([sys.executable, str(BENCH), "--students", "30", *args], capture_output=True, text=True,
                            timeout=900, cwd=REPO, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    print(result.stdout)
    return result


@pytest.mark.parametrize("mode", [["--burst", "--rounds", "5"], ["--rounds", "10"]], ids=["at-once", "own-pace"])
def test_thirty_students_answering_at_once(mode):
    result = _run(*mode, "--read", "5")
    assert result.returncode == 0, result.stdout + result.stderr
    answered = int(re.search(r"checks answered: (\d+)", result.stdout).group(1))
    assert answered == 30 * int(mode[mode.index("--rounds") + 1])
    assert "failed requests: 0" in result.stdout
    assert re.search(r"time per check: median \d+ ms, p95 \d+ ms", result.stdout)


def test_thirty_students_on_postgresql():
    url = os.environ.get("MATHOMONG_TEST_POSTGRES", "")
    if not url:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI must start PostgreSQL and set MATHOMONG_TEST_POSTGRES")
        pytest.skip("MATHOMONG_TEST_POSTGRES is not set")
    result = _run("--burst", "--rounds", "5", "--read", "5", "--database", url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PostgreSQL" in result.stdout and "failed requests: 0" in result.stdout
