"""The ``mathomong`` command line.

Each subcommand lives in its own module of this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a
callable taking the parsed arguments and returning the exit code.  Errors a
user can act on (``MathomongError``) become one line on stderr and a
non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading

from ..errors import MathomongError

# the order in which subcommands are listed in --help
COMMAND_MODULES = ("demo", "explain", "train", "worksheet", "check", "serve")

#: exit code for a usage error or a bad input the user must fix
EXIT_USAGE = 2
#: exit code after SIGTERM (128 + 15, as a shell reports it)
EXIT_TERMINATED = 143


class Terminated(BaseException):
    """SIGTERM: unwinds the command like Ctrl-C, so that its clean-ups run."""


def _terminate(signum, frame):
    raise Terminated


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, like every other bad input
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mathomong",
        description="The calculus of neural networks, derived, explained, trained and checked.",
    )
    parser.add_argument("--version", action="version", version=_version())
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # that command is not part of this build
            raise
        module.register(subparsers)
    return parser


def _version() -> str:
    from .. import __version__

    return f"mathomong {__version__}"


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
    try:
        if getattr(args, "bounded", False):
            from .limits import run_bounded

            return run_bounded(args, _run)
        return _run(args)
    except KeyboardInterrupt:
        print(f"mathomong {args.command}: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print(f"mathomong {args.command}: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _run(args) -> int:
    """The command, its errors as one line each (see the module docstring)."""
    try:
        return int(args.func(args) or 0)
    except MathomongError as exc:
        print(f"mathomong {args.command}: error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 1)
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a file that cannot be read or written, whatever command wrote it
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"mathomong {args.command}: error: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
