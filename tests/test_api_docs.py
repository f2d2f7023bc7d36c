"""The API reference (docs/api): built by Sphinx from the docstrings with warnings as errors,
covering every public name, and its interop page's examples run as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import mathomong_sym

DOCS = Path(__file__).resolve().parent.parent / "docs" / "api"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    pytest.importorskip("sphinx")
    out = tmp_path_factory.mktemp("api-html")
    done = subprocess.run([sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q", "-b", "html",
                           str(DOCS), str(out)], capture_output=True, text=True, timeout=600)
    return done, out


def test_the_reference_builds_with_warnings_as_errors(built):
    done, out = built
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert not done.stderr.strip(), done.stderr[-4000:]
    for page in ("index", "reference", "interop", "cli"):
        assert (out / f"{page}.html").is_file(), page


def test_every_public_name_is_documented_from_its_docstring(built):
    done, out = built
    assert done.returncode == 0
    page = (out / "reference.html").read_text(encoding="utf-8")
    documented = set(re.findall(r'id="mathomong_sym\.([A-Za-z_]+)"', page))
    public = {name for name in mathomong_sym.__all__ if not name.startswith("__")}
    assert public <= documented, sorted(public - documented)
    # the text comes from the docstrings: the one of train, for instance
    assert "Train <em>net</em> on (X, Y)" in page or "Train net on (X, Y)" in re.sub(r"<[^>]+>", "", page)


def test_the_command_line_page_carries_the_exit_code_table(built):
    _, out = built
    page = re.sub(r"<[^>]+>", " ", (out / "cli.html").read_text(encoding="utf-8"))
    for name in ("OK", "NO", "USAGE", "INVALID", "LIMIT", "INTERNAL", "INTERRUPTED", "TERMINATED"):
        assert name in page


def test_the_interop_page_runs_as_written():
    # lambdify, ccode and mpmath, scipy.optimize.minimize, JAX transforms, a custom activation;
    # in a fresh interpreter: the page registers an activation and turns on jax_enable_x64
    pytest.importorskip("scipy")
    pytest.importorskip("jax")
    code = ("import doctest, sys\n"
            f"r = doctest.testfile({str(DOCS / 'interop.rst')!r}, module_relative=False, "
            "optionflags=doctest.ELLIPSIS)\n"
            "print('attempted', r.attempted, 'failed', r.failed)\n"
            "sys.exit(1 if r.failed else 0)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    attempted = int(re.search(r"attempted (\d+)", done.stdout).group(1))
    assert attempted >= 40
    page = (DOCS / "interop.rst").read_text(encoding="utf-8")
    for shown in ("sympy.lambdify(", "minimize(f.loss_and_gradient, theta0, args=(X, Y), jac=True",
                  "jax.grad(", "jax.vmap(", "jax.hessian(", "register_activation(Activation("):
        assert shown in page, shown
