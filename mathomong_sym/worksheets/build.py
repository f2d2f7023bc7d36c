"""Building a worksheet: every version's sheet, key, answers page and JSON key.

A build writes its whole set (.tex, .pdf and JSON key of every version) or
none of it: the files are written and typeset in a staging folder and
renamed into place only once every PDF compiled
(:class:`~mathomong_sym.outputs.StagedFiles`), so a pdflatex error or a kill
never leaves a new key beside old PDFs, and a symbolic link planted at an
output name is replaced, not followed.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from ..display import Summarised, Summary
from ..outputs import StagedFiles

from .assemble import WorksheetVersion, assemble
from .definition import WorksheetDefinition, check_version_labels, load_worksheet
from .latex import render_answers, render_key, render_sheet
from .pdf import compile_many, overfull_boxes, pdflatex_path

__all__ = ["BuildResult", "VersionFiles", "build_worksheet", "build_all", "NO_PDFLATEX_NOTE", "OVERFULL_LIMIT_PT"]

#: a line may stick out this far past the margin before the build reports it (invisible on paper)
OVERFULL_LIMIT_PT = 2.0

NO_PDFLATEX_NOTE = ("pdflatex not found: wrote the .tex files only "
                    "(install texlive-latex-extra to get PDFs)")


@dataclass
class VersionFiles:
    """The files written for one version."""

    sheet_id: str
    tex: list[Path] = field(default_factory=list)
    pdf: list[Path] = field(default_factory=list)
    key_json: Path | None = None


@dataclass(repr=False)
class BuildResult(Summarised):
    definition: WorksheetDefinition
    versions: list[VersionFiles]
    pdf_skipped: bool = False
    pdflatex_runs: dict = field(default_factory=dict)
    #: PDF path -> [(points past the margin, where)] for lines wider than OVERFULL_LIMIT_PT
    overfull: dict = field(default_factory=dict)
    #: PDF path -> the log of its last pdflatex run
    logs: dict = field(default_factory=dict)

    @property
    def files(self) -> list[Path]:
        out: list[Path] = []
        for v in self.versions:
            out += v.tex + v.pdf + ([v.key_json] if v.key_json else [])
        return out

    def _summary(self) -> Summary:
        made = "tex, pdf and json" if any(v.pdf for v in self.versions) else "tex and json"
        folders = sorted({str(path.parent) for path in self.files})
        facts = [("worksheet", f"{self.definition.id}: {self.definition.title}"),
                 ("versions", ", ".join(v.sheet_id for v in self.versions)),
                 ("files", f"{len(self.files)} ({made})"), ("folder", ", ".join(folders))]
        if self.pdf_skipped:
            facts.append(("PDFs", NO_PDFLATEX_NOTE))
        if self.overfull:
            facts.append(("lines past the margin", ", ".join(path.name for path in self.overfull)))
        return Summary(f"{self.definition.id}, version(s) {', '.join(v.sheet_id for v in self.versions)}: "
                       f"{len(self.files)} files ({made})", tuple(facts))


def _write(staged: StagedFiles, name: str, text: str) -> Path:
    """Write *name* into the staging folder; returns the path it will have once committed."""
    staged.path(name).write_text(text, encoding="utf-8", newline="\n")
    return staged.folder / name


def write_version(version: WorksheetVersion, staged: StagedFiles) -> tuple[VersionFiles, list]:
    """Stage the .tex files and the JSON key; return them and the PDF jobs (source, staged files, PDF name)."""
    from .key import answer_key

    stem = version.sheet_id
    files = VersionFiles(stem)
    jobs = []
    for suffix, render in (("", render_sheet), ("-key", render_key), ("-answers", render_answers)):
        tex = render(version)
        files.tex.append(_write(staged, f"{stem}{suffix}.tex", tex))
        jobs.append((tex, staged, f"{stem}{suffix}.pdf"))
    key = answer_key(version)
    files.key_json = _write(staged, f"{stem}-key.json", key.to_json())
    return files, jobs


def _write_worksheet(definition, versions, staged: StagedFiles, bar=None) -> tuple[BuildResult, list]:
    """Assemble and stage every version's .tex and JSON; return the PDF jobs still to run."""
    result = BuildResult(definition, [])
    jobs = []
    for label in versions:
        files, version_jobs = write_version(assemble(definition, label), staged)
        result.versions.append(files)
        jobs.append((files, version_jobs))
        if bar is not None:
            bar.update(1)
    return result, jobs


def _compile(results_and_jobs, pdf: bool, bar=None) -> None:
    """Typeset every pending PDF in one pool, or mark the results as skipped."""
    pdflatex = pdflatex_path() if pdf else None
    if pdflatex is None:
        for result, _ in results_and_jobs:
            result.pdf_skipped = pdf
        return
    all_jobs = [(tex, staged.path(name), _resources(result.definition)) for result, jobs in results_and_jobs
                for _, version_jobs in jobs for tex, staged, name in version_jobs]
    logs: dict = {}
    if bar is not None:
        bar.total += len(all_jobs)
        bar.refresh()
    runs = compile_many(all_jobs, pdflatex=pdflatex, logs=logs,
                        on_done=None if bar is None else (lambda: bar.update(1)))
    for result, jobs in results_and_jobs:
        for files, version_jobs in jobs:
            for _, staged, name in version_jobs:
                final = staged.folder / name
                files.pdf.append(final)
                result.pdflatex_runs[final] = runs[staged.path(name)]
                result.logs[final] = logs.get(staged.path(name), "")
                wide = overfull_boxes(result.logs[final], wider_than=OVERFULL_LIMIT_PT)
                if wide:
                    result.overfull[final] = wide


def _resources(definition: WorksheetDefinition) -> tuple:
    """The files a definition's LaTeX reads beside it: its logo."""
    return (definition.logo,) if definition.logo else ()


def build_worksheet(definition, versions=None, out_dir=".", *, pdf: bool = True, progress=None) -> BuildResult:
    """Build *versions* (default: all the definition declares) into *out_dir*.

    *definition* is a :class:`WorksheetDefinition` or a path to its TOML.
    PDFs are made when *pdf* is true and pdflatex is installed; otherwise
    ``pdf_skipped`` is set (when pdflatex is missing) and only the .tex and
    JSON files are written.  *progress* shows a ``tqdm.auto`` bar: None (the
    default) in a notebook or on a terminal once the build has taken 2 s,
    True always, False never (:mod:`mathomong_sym.progress`).
    """
    if not isinstance(definition, WorksheetDefinition):
        definition = load_worksheet(definition)
    plan = (definition, check_version_labels(definition, versions or definition.versions), out_dir)
    return _build([plan], pdf, progress)[0]


def build_all(folder, out_dir, *, pdf: bool = True, progress=None) -> list[BuildResult]:
    """Every ``*.toml`` in *folder*, every declared version, into *out_dir*/<id>/.

    All definitions are read first, so a bad one stops the build before
    anything is written; all PDFs are then typeset in one pool.  *progress*
    as for :func:`build_worksheet`.
    """
    definitions = [load_worksheet(path) for path in sorted(Path(folder).glob("*.toml"))]
    plans = [(d, check_version_labels(d, d.versions), Path(out_dir) / d.id) for d in definitions]
    return _build(plans, pdf, progress)


def _build(plans, pdf: bool, progress=None) -> list[BuildResult]:
    """Stage every (definition, versions, folder), typeset all PDFs in one pool, then commit every folder."""
    from ..progress import progress_bar

    # one step per version assembled; _compile adds one per PDF once it knows them
    bar = progress_bar(progress, total=sum(len(labels) for _, labels, _ in plans), desc="worksheets", unit="step")
    try:
        with ExitStack() as stack:
            staged = [stack.enter_context(StagedFiles(folder)) for _, _, folder in plans]
            pending = [_write_worksheet(definition, labels, into, bar)
                       for (definition, labels, _), into in zip(plans, staged)]
            _compile(pending, pdf, bar)
            for into in staged:
                into.commit()
            return [result for result, _ in pending]
    finally:
        if bar is not None:
            bar.close()
