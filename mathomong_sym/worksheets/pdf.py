"""PDFs from LaTeX with pdflatex: reproducible, rerun only while asked.

pdflatex stamps the time and a file-derived ID into every PDF.  With
``SOURCE_DATE_EPOCH`` and ``FORCE_SOURCE_DATE=1`` the dates are fixed, and
``\\pdftrailerid{}`` (in the templates) drops the ID, so the same source gives
the same bytes in any folder, process or hash seed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..errors import MathomongError

__all__ = ["LatexError", "pdflatex_path", "compile_pdf", "compile_many", "overfull_boxes", "DEFAULT_SOURCE_DATE_EPOCH", "MAX_RUNS"]

#: 2026-01-01T00:00:00Z: the date every PDF carries unless SOURCE_DATE_EPOCH says otherwise
DEFAULT_SOURCE_DATE_EPOCH = 1767225600
#: the exam class needs two runs (page count, grade table), longtable sometimes three
MAX_RUNS = 4
_RERUN = re.compile(r"Rerun to get|Label\(s\) may have changed|Rerun LaTeX|Please rerun|rerun LaTeX", re.IGNORECASE)
_ERROR_LINE = re.compile(r"^! (.*)$(?:\n(?!l\.\d).*$){0,4}?\n(l\.\d+ .*)$|^! (.*)$", re.MULTILINE)


class LatexError(MathomongError, RuntimeError):
    """pdflatex stopped on an error (a bug in a template or a problem's LaTeX)."""


def pdflatex_path() -> str | None:
    """The pdflatex executable, or None when TeX is not installed."""
    return shutil.which("pdflatex")


def _environment() -> dict:
    env = dict(os.environ)
    env.setdefault("SOURCE_DATE_EPOCH", str(DEFAULT_SOURCE_DATE_EPOCH))
    env["FORCE_SOURCE_DATE"] = "1"
    # paranoid file access: a definition's LaTeX can read and write only inside its private build folder
    # (no absolute paths, no "..", no dot files), on top of -no-shell-escape
    env["openin_any"] = "p"
    env["openout_any"] = "p"
    return env


def compile_pdf(tex_source: str, pdf_path, *, pdflatex: str | None = None, max_runs: int = MAX_RUNS,
                logs: dict | None = None, resources=()) -> int:
    """Typeset *tex_source* into *pdf_path*; returns the number of pdflatex runs.

    Runs happen in a private temporary folder, so auxiliary files never mix
    with the output and the folder's name cannot reach the PDF; the files in
    *resources* (a logo) are copied into it under their own names.  With a
    dict *logs*, the last run's log is stored in it under *pdf_path*.
    """
    pdflatex = pdflatex or pdflatex_path()
    if pdflatex is None:
        raise LatexError("pdflatex is not installed")
    pdf_path = Path(pdf_path)
    job = pdf_path.stem
    with tempfile.TemporaryDirectory(prefix="mathomong-tex-") as tmp:
        work = Path(tmp)
        (work / f"{job}.tex").write_text(tex_source, encoding="utf-8")
        for resource in resources:
            shutil.copyfile(resource, work / Path(resource).name)
        env = _environment()
        runs = 0
        while True:
            runs += 1
            try:
                completed = subprocess.run(
                    [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                     f"{job}.tex"],
                    cwd=work, env=env, stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=180,
                )
            except subprocess.TimeoutExpired:
                raise LatexError(f"{pdf_path.name}: pdflatex took more than 180 s") from None
            log_file = work / f"{job}.log"
            log = (log_file.read_bytes() if log_file.exists() else completed.stdout).decode("utf-8", "replace")
            error = _ERROR_LINE.search(log)
            if completed.returncode != 0 or error:
                if error:
                    where = (f"{error.group(1)} ({error.group(2).strip()})" if error.group(1)
                             else error.group(3))
                else:
                    where = f"exit status {completed.returncode}"
                raise LatexError(f"{pdf_path.name}: pdflatex failed: {where}")
            if runs >= max_runs or not _RERUN.search(log):
                break
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work / f"{job}.pdf", pdf_path)
    if logs is not None:
        logs[pdf_path] = log
    return runs


_OVERFULL = re.compile(r"^Overfull \\hbox \(([0-9.]+)pt too wide\) (.*)$", re.MULTILINE)


def overfull_boxes(log: str, wider_than: float = 0.0) -> list[tuple[float, str]]:
    """The overfull lines a pdflatex log reports: (points past the margin, where)."""
    return [(float(m.group(1)), m.group(2).strip()) for m in _OVERFULL.finditer(log)
            if float(m.group(1)) > wider_than]


def compile_many(jobs, *, pdflatex: str | None = None, workers: int = 2, logs: dict | None = None,
                 on_done=None) -> dict:
    """Compile several (tex_source, pdf_path) or (tex_source, pdf_path, resources) jobs side by side;
    path -> runs.

    ``on_done()``, if given, is called (from a worker thread) as each PDF is finished.
    """
    jobs = [job if len(job) == 3 else (*job, ()) for job in jobs]
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
        futures = {Path(path): pool.submit(compile_pdf, tex, path, pdflatex=pdflatex, logs=logs, resources=files)
                   for tex, path, files in jobs}
        if on_done is not None:
            for future in futures.values():
                future.add_done_callback(lambda _: on_done())
        return {path: future.result() for path, future in futures.items()}
