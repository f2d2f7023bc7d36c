"""``-`` for standard input, wherever a command takes an expression or a file.

``mathomong explain -``, ``check --answer -``, ``grade --answers -``,
``worksheet -``, ``train --data -`` …: the argument is read from standard
input instead.  Standard input can be read only once, so only one argument
of a command may be ``-``; a second one is a usage error that names both.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

from ..errors import ConfigError

__all__ = ["STDIN", "text_argument", "file_argument"]

STDIN = "-"


def _claim(args, what: str) -> None:
    taken = getattr(args, "_stdin_taken_by", None)
    if taken is not None and taken != what:
        raise ConfigError(f"{what} and {taken} both ask for standard input (-); it can be read only once")
    args._stdin_taken_by = what


def text_argument(args, value, what: str):
    """*value*, or the text of standard input (without its final line break) when *value* is ``-``."""
    if value != STDIN:
        return value
    _claim(args, what)
    stream = sys.stdin
    if stream is None:
        raise ConfigError(f"{what} -: there is no standard input to read")
    try:
        text = stream.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what} -: cannot read standard input ({exc})") from None
    return text.rstrip("\r\n")


def file_argument(args, value, what: str, *, suffix: str = ""):
    """*value*, or a path that reads standard input when *value* is ``-``.

    Where the system names standard input as a file (``/dev/stdin``) that
    path is used; elsewhere (or when ``sys.stdin`` was replaced by another
    stream) standard input is copied once into a private temporary file,
    removed when the command ends.
    """
    if value != STDIN:
        return value
    _claim(args, what)
    if sys.stdin is None:
        raise ConfigError(f"{what} -: there is no standard input to read")
    if _is_process_stdin(sys.stdin) and os.path.exists("/dev/stdin"):
        return "/dev/stdin"
    folder = tempfile.mkdtemp(prefix="mathomong-stdin-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = Path(folder) / f"stdin{suffix}"
    buffer = getattr(sys.stdin, "buffer", None)
    data = buffer.read() if buffer is not None else sys.stdin.read().encode("utf-8")
    path.write_bytes(data)
    return str(path)


def _is_process_stdin(stream) -> bool:
    """Is *stream* the process's file descriptor 0 (and not a stream put in its place)?"""
    try:
        return stream.fileno() == 0
    except (AttributeError, OSError, ValueError):
        return False
