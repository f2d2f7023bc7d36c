r"""``mathomong check`` and ``mathomong grade``.

``check`` judges one answer against one key and exits 0 (correct),
1 (incorrect), 3 (invalid answer) or 2 (usage error or bad key), as the
table of :mod:`.exits` says for every command.
``grade`` checks a CSV of a class's answers against the JSON keys of the
worksheet's versions and writes a report, a summary, per-student feedback
and a gradebook.
"""

from __future__ import annotations

import argparse
import json

from ..errors import ConfigError
from .exits import JSON_FORMAT_VERSION, Exit
from .inputs import file_argument, text_argument

EXIT_BAD_KEY = int(Exit.USAGE)


def register(subparsers) -> None:
    _register_check(subparsers)
    _register_grade(subparsers)


# ---------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------

def _register_check(subparsers):
    p = subparsers.add_parser(
        "check",
        help="check one answer against a key",
        description="Check a student's answer (LaTeX or plain syntax) against a key. "
                    "Exit code: 0 correct, 1 incorrect, 3 invalid answer, 2 usage error or bad key. "
                    "'-' for --key, --key-file or --answer reads it from standard input.",
        epilog="examples:\n"
               "  mathomong check --key '2(\\hat{y}-y)' --answer '2(y-\\hat{y})'\n"
               "  mathomong check --key '2(\\hat{y}-y)\\sigma(z)(1-\\sigma(z))x' \\\n"
               "      --answer \"2(\\sigma(Wx+b)-y)\\sigma'(Wx+b) x\" \\\n"
               "      --define 'z=Wx+b' --define '\\hat{y}=\\sigma(z)' --variables W,b,x,y\n"
               "  mathomong check --key-file key.json --question q1 --answer '2(\\hat{y}-y)\\sigma(z)(1-\\sigma(z))x' --json\n"
               "  echo '2(y-\\hat{y})' | mathomong check --key '2(\\hat{y}-y)' --answer -",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--key", help="the key, as LaTeX or plain syntax ('-': standard input)")
    source.add_argument("--key-file", help="a JSON answer key (see docs/answer-key-format.md); needs --question "
                                           "('-': standard input)")
    p.add_argument("--question", help="the question id in --key-file")
    p.add_argument("--answer", required=True,
                   help="the student's answer, as LaTeX or plain syntax ('-': standard input)")
    p.add_argument("--define", action="append", default=[], metavar="NAME=LATEX",
                   help="a named intermediate the answer may use, e.g. 'z=Wx+b' (repeatable)")
    p.add_argument("--definitions", metavar="JSON", help='definitions as a JSON object, e.g. \'{"z": "Wx+b"}\'')
    p.add_argument("--variables", metavar="NAMES",
                   help="comma-separated names the answer may use (others make it invalid)")
    p.add_argument("--tolerance", type=float, metavar="REL", help="relative tolerance for numeric answers")
    p.add_argument("--log-base", choices=("e", "10"), help="what \\log means (default: e)")
    p.add_argument("--factor", action="append", default=[], metavar="ID=ANSWER",
                   help="the student's answer for a factor of a --key-file question (repeatable)")
    p.add_argument("--timeout", type=float, default=2.0, help="time limit of the check in seconds (default: 2)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run_check)


def _pairs(items, what: str) -> dict:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise _usage(f"{what} must look like NAME=VALUE, not {item!r}")
        out[name.strip()] = value.strip()
    return out


def _usage(message: str) -> ConfigError:
    return ConfigError(message)  # exit 2 (mathomong_sym.cli.exits)


def _definitions(args) -> dict | None:
    definitions = {}
    if args.definitions:
        try:
            loaded = json.loads(args.definitions)
        except json.JSONDecodeError as exc:
            raise _usage(f"--definitions is not JSON: {exc.msg}") from None
        if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
            raise _usage("--definitions must be a JSON object of name: LaTeX strings")
        definitions.update(loaded)
    definitions.update(_pairs(args.define, "--define"))
    return definitions or None


def run_check(args) -> int:
    from ..check import AnswerKey
    from ..check.checker import check_answer

    if args.timeout <= 0:
        raise _usage("--timeout must be positive")
    answer = text_argument(args, args.answer, "--answer")
    if args.key_file:
        if not args.question:
            raise _usage("--key-file needs --question")
        try:
            key = AnswerKey.load(file_argument(args, args.key_file, "--key-file", suffix=".json")).entry(args.question)
        except KeyError as exc:
            raise _usage(str(exc)) from None
        except ConfigError as exc:
            raise _usage(str(exc)) from None
    else:
        key = text_argument(args, args.key, "--key")
    conventions = {"log_base": args.log_base} if args.log_base else None
    variables = [v.strip() for v in args.variables.split(",") if v.strip()] if args.variables else None
    try:
        result = check_answer(
            answer, key, definitions=_definitions(args), tolerance=args.tolerance,
            conventions=conventions, variables=variables, factor_answers=_pairs(args.factor, "--factor"),
            timeout=args.timeout,
        )
    except ConfigError as exc:
        raise _usage(str(exc)) from None
    if args.json:
        print(json.dumps({"format_version": JSON_FORMAT_VERSION, **result.to_dict()}, indent=2, ensure_ascii=False))
    else:
        print(f"{result.verdict}: {result.feedback}")
    return result.exit_code


# ---------------------------------------------------------------------------
# grade
# ---------------------------------------------------------------------------

def _register_grade(subparsers):
    p = subparsers.add_parser(
        "grade",
        help="grade a class's answers (CSV) against answer keys",
        description="Check every answer of a CSV (see docs/grading-csv.md) against the answer key of its "
                    "worksheet version, and write a folder with a report, a summary per question, a feedback "
                    "file per student and a gradebook. Every row of the answers file gets one row in the "
                    "report; a row that cannot be checked is reported as invalid and never stops the others. "
                    "The folder is written as a whole: a reader sees the previous results or the new ones.",
        epilog="example:\n"
               "  mathomong grade --key keys/A.json --key keys/B.json --answers answers.csv \\\n"
               "      --roster roster.csv --out grades\n"
               "  writes grades/report.csv, grades/summary.md, grades/gradebook.csv, grades/scores.png,\n"
               "  grades/feedback/<student>.md and <student>.html\n"
               "  mathomong grade --key keys/A.json --answers answers.csv --out grades --gradebook moodle\n"
               "  an interrupted run continues with the same command and --resume",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--key", action="append", required=True, metavar="KEY.json",
                   help="an answer key (one per worksheet version; repeatable; '-': standard input)")
    p.add_argument("--answers", required=True, metavar="ANSWERS.csv",
                   help="the answers CSV ('-': read it from standard input)")
    p.add_argument("--roster", metavar="ROSTER.csv", help="student,version CSV for rows without a version ('-': standard input)")
    p.add_argument("--out", required=True, metavar="FOLDER",
                   help="the folder the results go to (replaced as a whole; created if missing)")
    p.add_argument("--resume", action="store_true",
                   help="reuse the checks an interrupted run into the same --out finished")
    p.add_argument("--gradebook", choices=("plain", "moodle", "canvas"), default="plain",
                   help="the layout of gradebook.csv: plain (a score per question), or the CSV that Moodle's or "
                        "Canvas's gradebook import reads (default: plain; see docs/grading-csv.md)")
    p.add_argument("--timeout", type=float, default=2.0, help="time limit per answer in seconds (default: 2)")
    p.add_argument("--workers", type=int, help="worker processes (default: up to 2)")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=run_grade)


def run_grade(args) -> int:
    from ..check import AnswerKey
    from ..check.grading import grade, read_answers, read_roster
    from ..outputs import OutputFolder
    from ..check.reports import write_reports

    if args.timeout <= 0:
        raise _usage("--timeout must be positive")
    if args.workers is not None and args.workers < 1:
        raise _usage("--workers must be at least 1")
    answers_path = file_argument(args, args.answers, "--answers", suffix=".csv")
    roster_path = file_argument(args, args.roster, "--roster", suffix=".csv")
    key_paths = [file_argument(args, path, "--key", suffix=".json") for path in args.key]
    out = OutputFolder(args.out, inputs=[answers_path, roster_path, *key_paths])
    try:
        out.check()
        keys = [AnswerKey.load(path) for path in key_paths]
        answers = read_answers(answers_path)
        roster = read_roster(roster_path) if roster_path else None
        with out:
            leftover = 0 if args.resume else out.leftover_journal()
            journal = out.journal(resume=args.resume)
            # a bar on a terminal once grading has taken 2 s (mathomong_sym.progress)
            report = grade(keys, answers.rows, roster=roster, timeout=args.timeout, workers=args.workers,
                           progress=False if args.quiet else None, journal=journal)
            paths = write_reports(report, out.staging, gradebook=args.gradebook)
            out.commit()
    except ConfigError as exc:
        raise _usage(str(exc)) from None
    if not args.quiet:
        counts = report.counts
        if leftover:
            print(f"note: an interrupted run had checked {leftover} answers; --resume would have reused them")
        print(f"read {len(answers.rows)} answer rows; graded {len(report.rows)}: {counts['correct']} correct, "
              f"{counts['incorrect']} incorrect, {counts['invalid']} invalid"
              + (f" ({report.reused} checks reused from the interrupted run)" if report.reused else ""))
        for name, path in paths.items():
            shown = out.folder / path.relative_to(out.staging)
            print(f"{name}: {shown}{'/' if name == 'feedback' else ''}")
    return 0
