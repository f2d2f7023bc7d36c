"""The ``mathomong`` command line.

Each subcommand lives in its own module of this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a
callable taking the parsed arguments and returning the exit code.  Every
command ends with a code from one table (:mod:`.exits`); a failure is one
line on stderr (and a JSON error object on stdout when JSON was asked for),
never a traceback.  ``-`` in place of an expression or a file reads
standard input (:mod:`.inputs`).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import signal
import sys
import threading

from .exits import TABLE, Exit, argv_wants_json, debugging, exit_code_for, fail, wants_json

# the order in which subcommands are listed in --help
COMMAND_MODULES = ("demo", "explain", "train", "worksheet", "check", "serve")

#: exit code for a usage error or a bad input the user must fix
EXIT_USAGE = int(Exit.USAGE)
#: exit code after SIGTERM (128 + 15, as a shell reports it)
EXIT_TERMINATED = int(Exit.TERMINATED)


class Terminated(BaseException):
    """SIGTERM: unwinds the command like Ctrl-C, so that its clean-ups run."""


def _terminate(signum, frame):
    raise Terminated


class _Parser(argparse.ArgumentParser):
    #: the command line being read, so that a usage error can answer in JSON when JSON was asked for
    argv: list = []

    def error(self, message):  # one line, exit 2, like every other bad input
        from .exits import JSON_FORMAT_VERSION

        command = self.prog.split(" ", 1)[1] if " " in self.prog else None
        version = self._defaults.get("json_format_version", JSON_FORMAT_VERSION)
        fail(command, Exit.USAGE, message, json_output=argv_wants_json(_Parser.argv),
             format_version=version() if callable(version) else version)
        self.exit(Exit.USAGE)


def _exit_codes_epilog() -> str:
    lines = ["exit codes (the same for every command):"]
    lines += [f"  {int(code):>3}  {meaning}" for code, meaning in TABLE]
    lines.append("'-' in place of an expression or a file reads it from standard input.")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mathomong",
        description="The calculus of neural networks, derived, explained, trained and checked.",
        epilog=_exit_codes_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    argv_from_command_line = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    _Parser.argv = argv
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    if argv_from_command_line:
        _freeze_imports()
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
    try:
        if getattr(args, "bounded", False):
            from .limits import run_bounded

            return run_bounded(args, _run)
        return _run(args)
    except KeyboardInterrupt:
        return report(args, Exit.INTERRUPTED, "interrupted")
    except Terminated:
        return report(args, Exit.TERMINATED, "terminated")
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _freeze_imports() -> None:
    """Import sympy and the engine, then leave every object made so far out of the garbage collector.

    Every command uses them, and what importing them makes lives as long as
    the process.  Frozen, it is not walked by each full collection: one
    falls in most explanations, and it cost 50 ms of a 150 ms one.  Only the
    ``mathomong`` program does this; a Python program that imports the
    package keeps its own collector settings.
    """
    import sympy  # noqa: F401

    from .. import calculus, derivation, render  # noqa: F401

    gc.freeze()


def report(args, code: int, message: str) -> int:
    """End *args*' command with *code*: one line on stderr, and the JSON error object if JSON was asked for."""
    from .exits import JSON_FORMAT_VERSION

    version = getattr(args, "json_format_version", JSON_FORMAT_VERSION)
    return fail(args.command, code, message, json_output=wants_json(args),
                format_version=version() if callable(version) else version)


def _run(args) -> int:
    """The command, its failures as one line each (see the module docstring)."""
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a file that cannot be read or written, whatever command wrote it
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        return report(args, Exit.USAGE, f"cannot use{where}: {exc.strerror or exc}")
    except (KeyboardInterrupt, SystemExit):
        raise
    except MemoryError:
        return report(args, Exit.LIMIT, "the work needs more memory than allowed")
    except RecursionError:
        return report(args, Exit.LIMIT, "the input is nested too deeply")
    except Exception as exc:
        code = exit_code_for(exc)
        if code == Exit.INTERNAL and debugging():
            raise
        message = str(exc)
        if code == Exit.INTERNAL and not isinstance(exc, _verification_errors()):
            message = (f"internal error ({type(exc).__name__}: {message[:300]}); this is a bug: "
                       "MATHOMONG_DEBUG=1 shows where it happened")
        return report(args, code, message)


def _verification_errors():
    from ..errors import VerificationError

    return VerificationError


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
