"""Helpers for the render tests (no tests here): compile LaTeX with pdflatex; skipped without it unless CI=true."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from mathomong_sym.render.latex import STANDALONE_PREAMBLE as PREAMBLE


def require_pdflatex() -> str:
    path = shutil.which("pdflatex")
    if path is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("pdflatex is required on CI (apt-get install texlive-latex-extra)")
        pytest.skip("pdflatex is not installed")
    return path


def compile_latex(source: str, *, wrap: bool = False) -> Path:
    r"""Compile *source* (a whole document, or a body when ``wrap``) and return the PDF; fail with the log."""
    pdflatex = require_pdflatex()
    if wrap:
        source = f"{PREAMBLE}\\begin{{document}}\n{source}\n\\end{{document}}\n"
    folder = Path(tempfile.mkdtemp(prefix="mathomong-tex-"))
    (folder / "doc.tex").write_text(source, encoding="utf-8")
    result = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )
    pdf = folder / "doc.pdf"
    if result.returncode != 0 or not pdf.exists():
        log = (folder / "doc.log").read_text(errors="replace") if (folder / "doc.log").exists() else result.stdout
        errors = [line for line in log.splitlines() if line.startswith("!")]
        pytest.fail(f"pdflatex failed: {errors[:3]}\n--- source ---\n{source[:3000]}")
    return pdf
