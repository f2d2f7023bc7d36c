"""Outputs that never destroy inputs and never leave a mix: staged, locked, swapped in.

Two shapes of output share the same rules (one line and exit 2 for a path
that cannot be written, checked before the work; never through a symbolic
link at an output name; a lock against a second run; nothing left behind
when a run fails):

* :class:`OutputFolder`, a folder replaced as a whole (``mathomong grade``);
* :class:`StagedFiles`, a set of files put into a shared folder together or
  not at all (a worksheet's .tex, .pdf and JSON key).

**OutputFolder.**  ``mathomong grade`` writes a set of files (report, summary, gradebook,
feedback per student) that belong together.  They are written into a
staging folder beside the output folder and swapped in at once, so a
reader sees the previous set or the new one, never a mix, and nothing an
earlier run left (a student's feedback from another class) stays behind::

    out = OutputFolder("grades", inputs=[answers, *keys])
    out.check()                       # before the work: one clear error per problem
    with out:                         # the lock, a fresh staging folder
        journal = out.journal(resume) # results of an interrupted run, to reuse
        ...write files into out.staging...
        out.commit()                  # the swap

Beside ``grades/`` live, while a run lasts, ``.grades.lock`` (another run
into the same folder is refused), ``.grades.staging/`` and
``.grades.journal`` (every finished check, so ``--resume`` continues an
interrupted run without checking again what was done).  An output name is
never followed as a symbolic link, and a folder that holds files this
command did not write is never replaced.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Literal, TextIO

from .errors import ConfigError

__all__ = ["OutputFolder", "StagedFiles", "FolderLock", "OutputError", "Journal", "MARKER", "check_folder"]

#: the file that marks a folder as written by this command (and so replaceable)
MARKER = ".mathomong-output"
_JOURNAL_FORMAT = 1
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class OutputError(ConfigError):
    """An output path that cannot be written (exit 2, one line)."""

    exit_code = 2


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    if exc.errno == errno.EFBIG:
        return "a file would exceed the size this process may write"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    return exc.strerror or str(exc)


def _remove(path: Path) -> None:
    """Remove *path* (a folder tree, a file or a link, never what a link points to)."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


class Journal:
    """Results of finished checks, one JSON line each, appended as they arrive."""

    def __init__(self, path: Path, entries: dict | None = None):
        self.path = path
        self.entries = dict(entries or {})
        self._stream: TextIO | None = None

    @classmethod
    def load(cls, path: Path) -> "Journal":
        entries = {}
        try:
            with open(path, encoding="utf-8") as stream:
                for line in stream:
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError:
                        continue  # a line cut short by a kill
                    if isinstance(record, dict) and "key" in record and "result" in record:
                        entries[record["key"]] = record["result"]
        except FileNotFoundError:
            pass
        return cls(path, entries)

    def get(self, key: str):
        return self.entries.get(key)

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, key: str, result: dict) -> None:
        self.entries[key] = result
        if self._stream is None:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0), 0o644)
            self._stream = os.fdopen(fd, "a", encoding="utf-8")
            if self._stream.tell() == 0:
                self._stream.write(json.dumps({"format": _JOURNAL_FORMAT}) + "\n")
        self._stream.write(json.dumps({"key": key, "result": result}, ensure_ascii=False) + "\n")
        self._stream.flush()

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None


class OutputFolder:
    """The folder an output set goes to; see the module docstring."""

    def __init__(self, folder, *, inputs=(), what: str = "--out"):
        self.folder = Path(os.path.abspath(folder))
        self.what = what
        self.inputs = [Path(p) for p in inputs if p is not None]
        name = self.folder.name
        parent = self.folder.parent
        self.staging = parent / f".{name}.staging"
        self.journal_path = parent / f".{name}.journal"
        self._old = parent / f".{name}.old"
        self._lock = FolderLock(parent / f".{name}.lock", folder)
        self._journal: Journal | None = None
        self.committed = False

    # -- before the work -----------------------------------------------------
    def check(self) -> None:
        """Refuse, with one line each, what would fail or destroy something later."""
        folder = self.folder
        check_folder(folder.parent, self.what, create=True)
        if folder.is_symlink():
            raise OutputError(f"{self.what} {folder} is a symbolic link; name the folder itself")
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"{self.what} {folder} is a file; {self.what} names the folder the results go to")
        if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).is_file():
            raise OutputError(f"{self.what} {folder} holds files this command did not write; "
                              "name a new or empty folder (it is replaced as a whole)")
        for path in self.inputs:
            resolved, target = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
            if resolved == target or target in resolved.parents:
                raise OutputError(f"the input {path} is inside {self.what} {folder}, which is replaced as a whole")
        for leftover in (self.staging, self._old, self.journal_path):
            if leftover.is_symlink():
                raise OutputError(f"{leftover} is a symbolic link; remove it (outputs never follow links)")
        self._lock.check()

    # -- the run -------------------------------------------------------------
    def __enter__(self) -> "OutputFolder":
        self.check()
        self._lock.acquire()
        try:
            self._recover()
            _remove(self.staging)
            self.staging.mkdir()
        except OSError as exc:
            self._lock.release()
            raise OutputError(f"cannot write to {self.folder.parent}: {_reason(exc)}") from None
        return self

    def __exit__(self, kind, value, traceback) -> Literal[False]:
        if self._journal is not None:
            self._journal.close()
        try:
            if not self.committed:
                _remove(self.staging)
            if isinstance(value, Exception):
                # a failed run (not an interrupted one) leaves nothing to resume from
                _remove(self.journal_path)
        except OSError:
            pass
        self._lock.release()
        if isinstance(value, OSError) and not isinstance(value, (BrokenPipeError,)):
            raise OutputError(f"cannot write the results to {self.folder}: {_reason(value)}") from None
        return False

    def journal(self, resume: bool) -> Journal:
        """The results an interrupted run saved (with *resume*), else a new, empty journal."""
        if not resume:
            _remove(self.journal_path)
        self._journal = Journal.load(self.journal_path)
        return self._journal

    def leftover_journal(self) -> int:
        """How many checks an interrupted earlier run saved (0 when none)."""
        return len(Journal.load(self.journal_path)) if self.journal_path.is_file() else 0

    def commit(self) -> None:
        """Swap the staged set in; the previous set is removed."""
        (self.staging / MARKER).write_text("written by mathomong; this folder is replaced as a whole by the next run\n",
                                           encoding="utf-8")
        _sync(self.staging)
        if self.folder.exists():
            if _exchange(self.staging, self.folder):
                self.committed = True
                _remove(self.staging)  # now the previous set
            else:
                os.replace(self.folder, self._old)
                os.replace(self.staging, self.folder)
                self.committed = True
                _remove(self._old)
        else:
            os.replace(self.staging, self.folder)
            self.committed = True
        _sync(self.folder.parent)
        if self._journal is not None:
            self._journal.close()
        _remove(self.journal_path)

    def _recover(self) -> None:
        """Finish what a run killed in the middle of a swap (without renameat2) left."""
        if self._old.exists() or self._old.is_symlink():
            if self.folder.exists():
                _remove(self._old)
            else:
                os.replace(self._old, self.folder)


def check_folder(folder: Path, what: str, *, create: bool = False) -> None:
    """One clear error for a folder that cannot take output: under a file, a file itself, not writable."""
    folder = Path(os.path.abspath(folder))
    for ancestor in [folder, *folder.parents][::-1]:
        if ancestor.exists() and not ancestor.is_dir():
            where = "is a file, not a folder" if ancestor == folder else f"lies under {ancestor}, a file"
            raise OutputError(f"{what} {folder} {where}")
    if create:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create {folder}: {_reason(exc)}") from None
    probe = folder if folder.exists() else next((p for p in folder.parents if p.exists()), folder)
    if not os.access(probe, os.W_OK | os.X_OK):
        read_only = hasattr(os, "statvfs") and os.statvfs(probe).f_flag & getattr(os, "ST_RDONLY", 1)
        why = "the file system is read-only" if read_only else "permission denied"
        raise OutputError(f"cannot write to {probe}: {why}")


class FolderLock:
    """A lock file beside an output: a second run is refused; a lock its killed owner left is taken over."""

    def __init__(self, path: Path, target: Path):
        self.path = Path(path)
        self.target = target
        self._fd: int | None = None

    def check(self) -> None:
        if self.path.is_symlink():
            raise OutputError(f"{self.path} is a symbolic link; remove it (outputs never follow links)")

    def acquire(self) -> None:
        self.check()
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        while True:
            try:
                fd = os.open(self.path, flags, 0o644)
            except OSError as exc:
                raise OutputError(f"cannot write to {self.path.parent}: {_reason(exc)}") from None
            if not _try_lock(fd):
                owner = _read_pid(fd)
                os.close(fd)
                who = f" (process {owner})" if owner else ""
                raise OutputError(f"another run is writing to {self.target}{who}; wait for it to finish")
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path, follow_symlinks=False))
            except FileNotFoundError:
                same = False
            if same:  # not a lock file its previous owner removed meanwhile
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.unlink(self.path)
        except OSError:
            pass
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> "FolderLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class StagedFiles:
    """Files that go into *folder* together or not at all.

        with StagedFiles(out_dir) as staged:
            staged.path("sheet.tex").write_text(...)   # written inside a hidden staging folder
            ...
            staged.commit()                            # each renamed over its final name

    Renaming replaces whatever is at the final name, a symbolic link
    included, without following it.  A failure before :meth:`commit` (a
    pdflatex error, a kill) leaves the folder as it was; a kill during the
    renames is finished by the next run into the folder, which reads the
    list of names the commit wrote first.
    """

    _MANIFEST = ".commit"

    def __init__(self, folder, what: str = "--out"):
        self.folder = Path(os.path.abspath(folder))
        self.what = what
        self.staging = self.folder / ".mathomong-staging"
        self._lock = FolderLock(self.folder / ".mathomong.lock", self.folder)
        self._names: list[str] = []
        self.committed = False

    def check(self) -> None:
        check_folder(self.folder, self.what, create=True)
        self._lock.check()
        if self.staging.is_symlink():
            raise OutputError(f"{self.staging} is a symbolic link; remove it (outputs never follow links)")

    def path(self, name: str) -> Path:
        """Where to write the file that will be *name* in the folder."""
        if name not in self._names:
            self._names.append(name)
        return self.staging / name

    def __enter__(self) -> "StagedFiles":
        self.check()
        self._lock.acquire()
        try:
            self._recover()
            self.staging.mkdir()
        except OSError as exc:
            self._lock.release()
            raise OutputError(f"cannot write to {self.folder}: {_reason(exc)}") from None
        return self

    def __exit__(self, kind, value, traceback) -> Literal[False]:
        try:
            if not self.committed:
                _remove(self.staging)
        except OSError:
            pass
        self._lock.release()
        if isinstance(value, OSError) and not isinstance(value, BrokenPipeError):
            raise OutputError(f"cannot write to {self.folder}: {_reason(value)}") from None
        return False

    def commit(self) -> list[Path]:
        """Move every staged file to its name in the folder; returns the final paths."""
        missing = [n for n in self._names if not (self.staging / n).is_file()]
        if missing:
            raise OutputError(f"nothing was written for {', '.join(missing)}")
        manifest = self.staging / self._MANIFEST
        manifest.write_text("\n".join(self._names) + "\n", encoding="utf-8")
        _sync(self.staging)
        self._finish()
        self.committed = True
        return [self.folder / n for n in self._names]

    def _finish(self) -> None:
        names = (self.staging / self._MANIFEST).read_text(encoding="utf-8").split()
        for name in names:
            staged = self.staging / name
            if staged.is_file():
                os.replace(staged, self.folder / name)
        _sync(self.folder)
        _remove(self.staging)

    def _recover(self) -> None:
        if self.staging.is_dir() and (self.staging / self._MANIFEST).is_file():
            self._finish()  # a commit a kill interrupted: the set it chose goes in whole
        else:
            _remove(self.staging)


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows: the lock file's pid is checked instead
        owner = _read_pid(fd)
        return not owner or not _alive(owner)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _read_pid(fd: int) -> int:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return int(os.read(fd, 32).decode().strip() or 0)
    except (OSError, ValueError):
        return 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def _sync(path: Path) -> None:
    """Flush a folder's entries to disk where the platform allows it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
