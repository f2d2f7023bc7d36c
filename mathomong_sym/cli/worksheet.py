"""``mathomong worksheet``: build worksheets (sheet, key, answers, JSON key, PDFs).

    mathomong worksheet my-sheet.toml --versions A,B --out build/
    mathomong worksheet 06-chain-rule --out build/  # a club sheet, by name
    mathomong worksheet --all --out build/          # every club sheet (installed with the package)
    mathomong worksheet --all my-sheets/ --out build/
    mathomong worksheet - < my-sheet.toml           # a definition from standard input
    mathomong worksheet --topics                    # what a definition may ask for
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import ConfigError
from .inputs import STDIN, file_argument
from .limits import add_timeout_option

#: --all with no folder builds the club's sheets, installed with the package
CLUB = object()


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "worksheet",
        help="build worksheets: student sheets, keys, answers pages, JSON keys and PDFs",
        description="Build worksheets from TOML definitions. Every version gets a student sheet, "
                    "a key with full solutions, an answers-only page (.tex and .pdf) and a JSON "
                    "answer key for `mathomong check` and `mathomong grade`.",
    )
    parser.add_argument("definitions", nargs="*", metavar="DEFINITION.toml",
                        help="worksheet definition(s): a TOML file, the name of a club sheet (06-chain-rule), "
                             "or '-' for a definition on standard input")
    parser.add_argument("--versions", metavar="A,B", help="versions to build (default: all the definition declares)")
    parser.add_argument("--out", metavar="DIR", default="worksheets/build", help="output folder (default: %(default)s)")
    parser.add_argument("--all", nargs="?", const=CLUB, metavar="FOLDER",
                        help="build every *.toml in FOLDER (default: the club's sheets, one per part of the "
                             "guide, installed with the package), each into DIR/<id>/")
    parser.add_argument("--no-pdf", action="store_true", help="write .tex and JSON only, skip pdflatex")
    parser.add_argument("--topics", action="store_true", help="list the topics a definition may use, and exit")
    # a teacher's own expression can ask for more work than a build should take
    add_timeout_option(parser, default=1200)
    parser.set_defaults(func=run)


def _versions(text):
    if text is None:
        return None
    labels = [label.strip() for label in text.split(",") if label.strip()]
    if not labels:
        raise ConfigError("--versions: give labels such as A,B")
    return labels


def _definition_path(args, name: str):
    """A definition argument: a file, '-' (standard input) or the name of a club sheet."""
    from ..worksheets.club import club_sheet

    if name == STDIN:
        return file_argument(args, name, "the definition", suffix=".toml")
    if not Path(name).exists():
        packaged = club_sheet(name)
        if packaged is not None:
            return packaged
    return name


def run(args) -> int:
    from ..worksheets import GENERATORS, build_all, build_worksheet, load_worksheet
    from ..worksheets.build import NO_PDFLATEX_NOTE
    from ..worksheets.club import club_folder

    if args.topics:
        for generator in GENERATORS.values():
            print(f"{generator.id:18} {generator.topic:32} {generator.title} ({generator.points} points)")
            for level, drawn in generator.levels.items():
                print(f"{'':18} {level:>6}: {drawn}")
        return 0
    versions = _versions(args.versions)
    out = Path(args.out)
    pdf = not args.no_pdf
    if args.all is not None:
        if args.definitions:
            raise ConfigError("--all builds every sheet of a folder: name no definition with it")
        if versions is not None:
            raise ConfigError("--versions: with --all, every sheet builds the versions it declares")
        folder = club_folder() if args.all is CLUB else Path(args.all)
        if not any(folder.glob("*.toml")):
            raise ConfigError(f"{folder}: no worksheet definitions (*.toml) found")
        results = build_all(folder, out, pdf=pdf)
        targets = [out / result.definition.id for result in results]
    else:
        if not args.definitions:
            raise ConfigError("name a worksheet definition (NAME.toml, or a club sheet such as 06-chain-rule) "
                              "or use --all")
        # every definition is read before anything is written
        definitions = [load_worksheet(_definition_path(args, path)) for path in args.definitions]
        results = [build_worksheet(definition, versions, out, pdf=pdf) for definition in definitions]
        targets = [out] * len(results)
    skipped = False
    for result, target in zip(results, targets):
        skipped = skipped or result.pdf_skipped
        made = "tex, pdf and json" if any(v.pdf for v in result.versions) else "tex and json"
        ids = ", ".join(v.sheet_id for v in result.versions)
        print(f"{result.definition.source}: {ids} -> {target}/ ({made})")
        for path, lines in result.overfull.items():
            worst = max(width for width, _ in lines)
            print(f"mathomong worksheet: warning: {path.name}: {len(lines)} line(s) run past the margin "
                  f"(the widest by {worst:.1f} pt, {lines[0][1]})", file=sys.stderr)
    if skipped:
        print(f"mathomong worksheet: {NO_PDFLATEX_NOTE}", file=sys.stderr)
    return 0
