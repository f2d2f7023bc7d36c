"""Time and memory limits for the commands that work on an expression someone typed.

The reader's limits (:mod:`mathomong_sym.parsing.limits`) refuse what is too
long, too deep or too large before sympy sees it; what is left can still
cost minutes (``(x+y+z)^{999}`` explained step by step, a wide network
derived for every weight).  ``explain``, ``derive`` and ``descend`` therefore
run in a child process, the way the checker's workers do: it has
``--timeout`` seconds and the checker's memory limit, dies with the command,
and its output is passed on only when it finished, so a stopped run prints
one line and exits 2 instead of half a document or a traceback.  Where a
child cannot be forked (Windows), the command runs in-process, with the
reader's limits only.  Exit codes are those of :mod:`.exits`: 4 (LIMIT) for
work that ran out of time or memory.
"""

from __future__ import annotations

import io
import os
import pickle
import select
import signal
import sys
import time

from .exits import Exit

__all__ = ["DEFAULT_TIMEOUT", "add_timeout_option", "run_bounded"]

DEFAULT_TIMEOUT = 60.0
EXIT_LIMIT = int(Exit.LIMIT)


def add_timeout_option(parser, default: float = DEFAULT_TIMEOUT) -> None:
    """``--timeout SECONDS`` on a command that runs under these limits."""
    parser.add_argument("--timeout", type=float, default=default, metavar="SECONDS",
                        help=f"stop after this many seconds (default: {default:g})")
    parser.set_defaults(bounded=True)


def run_bounded(args, run) -> int:
    """``run(args)`` (which prints, and returns the exit code) in a child with the limits."""
    from . import report

    timeout = args.timeout
    if not timeout or timeout <= 0:
        return report(args, Exit.USAGE, "--timeout must be positive")
    if not hasattr(os, "fork"):
        return run(args)
    sys.stdout.flush()
    sys.stderr.flush()
    reading, writing = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: run, then hand over what it printed
        os.close(reading)
        _child(args, run, writing, parent)
    os.close(writing)
    try:
        payload = _collect(reading, pid, timeout)
    except BaseException:  # Ctrl-C, SIGTERM: the child goes with the command
        os.kill(pid, signal.SIGKILL)
        _reap(pid)
        raise
    finally:
        os.close(reading)
    if payload is None:
        return _stopped(args, pid, timeout)
    _reap(pid)
    code, out, err = pickle.loads(payload)
    sys.stdout.write(out)
    sys.stdout.flush()
    sys.stderr.write(err)
    return code


def _child(args, run, writing: int, parent: int) -> None:
    code, out, err = EXIT_LIMIT, io.StringIO(), io.StringIO()
    try:
        from . import report
        from ..check.pool import _die_with_parent, _limit_memory

        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _die_with_parent(parent, by_signal=True)
        _limit_memory()
        sys.stdout, sys.stderr = out, err
        try:
            code = run(args)  # run() reports the errors it knows, with their codes
        except MemoryError:
            code = report(args, Exit.LIMIT, "the expression needs too much memory")
        except RecursionError:
            code = report(args, Exit.LIMIT, "the expression is nested too deeply")
        except Exception as exc:  # what the limits did not foresee is still one line
            code = report(args, Exit.INTERNAL, f"cannot finish ({type(exc).__name__}: {str(exc)[:200]})")
        data = pickle.dumps((code, out.getvalue(), err.getvalue()))
        view = memoryview(data)
        while view:
            view = view[os.write(writing, view):]
    finally:
        os._exit(0)


def _collect(reading: int, pid: int, timeout: float) -> bytes | None:
    """The child's whole payload, or None when it ran out of time or died without one."""
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([reading], [], [], min(left, 0.5))
        if not ready:
            continue
        chunk = os.read(reading, 1 << 20)
        if not chunk:
            return b"".join(chunks) or None
        chunks.append(chunk)


def _reap(pid: int) -> int:
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return 0


def _stopped(args, pid: int, timeout: float) -> int:
    """The child took too long (killed now) or died on its own (the memory limit)."""
    from . import report

    finished, status = os.waitpid(pid, os.WNOHANG)
    if finished == 0:
        os.kill(pid, signal.SIGKILL)
        _reap(pid)
        return report(args, Exit.LIMIT, f"stopped after {timeout:g} s: this is more work than the time "
                                        f"limit allows (--timeout raises it)")
    return report(args, Exit.LIMIT, f"the work needed more memory than allowed "
                                    f"(the process ended with status {status})")
