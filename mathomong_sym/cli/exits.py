"""One table of exit codes for every ``mathomong`` command, and how a failure is reported.

=====  ===========  ==========================================================
code   name         meaning
=====  ===========  ==========================================================
0      OK           done; ``check``: the answer is correct
1      NO           done, and the outcome is no: ``check``: the answer is
                    incorrect; ``train``, ``descend``: the run diverged or
                    could not go on
2      USAGE        what was asked cannot be done as given: a bad option or
                    value, a file that cannot be read or written, a bad key or
                    definition, an expression that cannot be read, an unknown
                    name
3      INVALID      ``check``: the answer cannot be read, or uses a name it
                    may not (the key and the command were fine)
4      LIMIT        the work needed more time or memory than allowed
                    (``--timeout``)
5      INTERNAL     a result failed its own check (a derivation step, a
                    derived gradient), or a bug
130    INTERRUPTED  stopped by Ctrl-C
143    TERMINATED   stopped by SIGTERM
=====  ===========  ==========================================================

A failure prints one line on standard error, ``mathomong COMMAND: error:
…``.  A command asked for JSON (``--json``, or ``--format json``) also
prints a JSON error object on standard output, so a program reading it
always gets JSON::

    {"format_version": 1, "command": "check",
     "error": {"exit_code": 2, "kind": "usage", "message": "…"}}
"""

from __future__ import annotations

import json
import os
import sys
from enum import IntEnum

from ..errors import MathomongError, TrainingError, VerificationError

__all__ = ["Exit", "TABLE", "JSON_FORMAT_VERSION", "exit_code_for", "wants_json", "fail", "argv_wants_json"]

#: the version of the JSON that ``--json`` prints (check, train, descend) and of the error object
JSON_FORMAT_VERSION = 1


class Exit(IntEnum):
    """The exit codes, one meaning each, the same for every command."""

    OK = 0
    NO = 1
    USAGE = 2
    INVALID = 3
    LIMIT = 4
    INTERNAL = 5
    INTERRUPTED = 130
    TERMINATED = 143


#: (code, meaning) of every exit code, as ``mathomong --help`` and the README list them
TABLE = (
    (Exit.OK, "done; check: the answer is correct"),
    (Exit.NO, "done, and the outcome is no: check: the answer is incorrect; train, descend: the run "
              "diverged or could not go on"),
    (Exit.USAGE, "what was asked cannot be done as given: a bad option or value, a file that cannot be read "
                 "or written, a bad key or definition, an expression that cannot be read, an unknown name"),
    (Exit.INVALID, "check: the answer cannot be read, or uses a name it may not"),
    (Exit.LIMIT, "the work needed more time or memory than allowed (--timeout)"),
    (Exit.INTERNAL, "a result failed its own check (a derivation step, a derived gradient), or a bug"),
    (Exit.INTERRUPTED, "stopped by Ctrl-C"),
    (Exit.TERMINATED, "stopped by SIGTERM"),
)


def exit_code_for(exc: BaseException) -> Exit:
    """The exit code a failure with *exc* ends the command with."""
    if isinstance(exc, TrainingError):
        return Exit.NO
    if isinstance(exc, VerificationError):
        return Exit.INTERNAL
    if isinstance(exc, (MathomongError, OSError)):
        return Exit.USAGE
    if isinstance(exc, (MemoryError, RecursionError)):
        return Exit.LIMIT
    return Exit.INTERNAL


def wants_json(args) -> bool:
    """Did the command line ask for JSON on standard output?"""
    return bool(getattr(args, "json", False)) or getattr(args, "format", None) == "json"


def argv_wants_json(argv) -> bool:
    """The same question for a command line argparse could not read."""
    argv = list(argv)
    if "--json" in argv or "--format=json" in argv:
        return True
    return any(a == "--format" and b == "json" for a, b in zip(argv, argv[1:]))


def fail(command: str | None, code: int, message: str, *, json_output: bool = False,
         format_version: int = JSON_FORMAT_VERSION) -> int:
    """Report a failure: one line on stderr and, when JSON was asked for, the error object on stdout."""
    name = f"mathomong {command}" if command else "mathomong"
    line = " ".join(str(message).split())
    print(f"{name}: error: {line}", file=sys.stderr)
    if json_output:
        payload = {"format_version": format_version, "command": command,
                   "error": {"exit_code": int(code), "kind": Exit(code).name.lower(), "message": line}}
        try:
            sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        except (BrokenPipeError, ValueError):  # nobody is reading, or stdout is closed
            pass
    return int(code)


def debugging() -> bool:
    """MATHOMONG_DEBUG=1 lets a bug end in its traceback instead of one line."""
    return os.environ.get("MATHOMONG_DEBUG", "") not in ("", "0")
