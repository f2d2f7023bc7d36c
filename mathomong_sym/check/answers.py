"""Reading a class's answers CSV so that one bad row never costs another.

The file is read line by line (``\\n``, ``\\r\\n`` or ``\\r``): each line is
decoded on its own (UTF-8, else Windows-1252/Latin-1, with a note), and a
record may run over several lines only when its quotes close cleanly and it
has the header's number of fields.  So an unclosed ``"`` makes its own line
invalid instead of swallowing every row after it, and every data line of
the file yields exactly one :class:`AnswerRow`: a row that cannot be read
carries its line number and the reason.  The format is documented in
``docs/grading-csv.md``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError

__all__ = ["AnswerRow", "AnswersFile", "Roster", "read_answers", "read_roster", "FACTOR_PREFIX", "REQUIRED"]

FACTOR_PREFIX = "factor:"
REQUIRED = ("student", "question", "answer")
OPTIONAL = ("version", "name", "email", "section")
#: a record may span this many lines (an answer with line breaks, quoted)
MAX_RECORD_LINES = 50
#: longest field kept (a longer one is cut and its row is invalid)
MAX_FIELD = 10 * 1024 * 1024
MAX_NAME = 200
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$")
_DELIMITERS = ",;\t"


@dataclass
class AnswerRow:
    line: int                      # 1-based line of the row in the file (the header is line 1)
    student: str = ""
    version: str = ""
    question: str = ""
    answer: str = ""
    factors: dict = field(default_factory=dict)
    name: str = ""                 # the student's name, when the file has a name column
    problem: str = ""              # why the row cannot be checked, if it cannot
    note: str = ""                 # something worth knowing that does not stop the check


@dataclass
class AnswersFile:
    header: list
    rows: list
    lines: int                     # physical lines in the file
    delimiter: str = ","

    def __iter__(self):  # header, rows = read_answers(path)
        return iter((self.header, self.rows))


def _decode_line(raw: bytes) -> tuple[str, str]:
    try:
        text, note = raw.decode("utf-8"), ""
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        note = "this line is not UTF-8; it was read as Windows-1252 (Latin-1)"
    # a BOM at a line's start (files joined together) is not part of the first field;
    # NUL stops some CSV readers: make it an ordinary unreadable character
    return text.lstrip("\ufeff").replace("\x00", "\ufffd"), note


def _lines(data: bytes) -> list[tuple[str, str]]:
    """(text with its line ending, decoding note) per physical line."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace").replace("\x00", "\ufffd")
        return [(line, "") for line in re.findall(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$", text)]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return [_decode_line(raw) for raw in _LINE.findall(data)]


def _split(text: str, delimiter: str, strict: bool):
    """The fields of *text* (one record), or a csv.Error."""
    if csv.field_size_limit() < MAX_FIELD:
        csv.field_size_limit(MAX_FIELD)
    reader = csv.reader([text], delimiter=delimiter, strict=strict)
    try:
        return next(reader, [])
    except csv.Error as exc:
        return exc


def _record_at(lines, start: int, delimiter: str, expected: int):
    """(fields, lines used, problem) for the record that starts on line *start*."""
    text = lines[start][0]
    fields = _split(text, delimiter, strict=True)
    if isinstance(fields, list):
        return fields, 1, ""
    if '"' not in text:
        salvaged = _split(text, delimiter, strict=False)
        return (salvaged if isinstance(salvaged, list) else []), 1, f"the row cannot be read as CSV ({fields})"
    # a quoted field may go on over the next lines; accept that only if it closes cleanly
    joined = text
    for used in range(2, min(MAX_RECORD_LINES, len(lines) - start) + 1):
        joined += lines[start + used - 1][0]
        candidate = _split(joined, delimiter, strict=True)
        if isinstance(candidate, list):
            if len(candidate) == expected:
                return candidate, used, ""
            break
        if "unexpected end of data" not in str(candidate) and "new-line" not in str(candidate):
            break
    salvaged = _split(text.rstrip("\r\n") + '"', delimiter, strict=False)
    return (salvaged if isinstance(salvaged, list) else []), 1, (
        "the row's quotes do not match (an unclosed or stray \"); only this line is affected")


def _blank(text: str) -> bool:
    return not text.strip()


def _normalise_header(header: list) -> list:
    names = []
    for name in header:
        name = name.strip()
        lowered = name.lower()
        names.append(FACTOR_PREFIX + name[len(FACTOR_PREFIX):].strip() if lowered.startswith(FACTOR_PREFIX) else lowered)
    return names


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] and counts[","] == 0 else ","


def read_answers(path) -> AnswersFile:
    """Every row of an answers CSV; raises ``ConfigError`` only for an unusable file or header."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"answers file {path} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"answers file {path} is a folder") from None
    except OSError as exc:
        raise ConfigError(f"cannot read answers file {path}: {exc.strerror or exc}") from None
    lines = _lines(data)
    start = next((i for i, (text, _) in enumerate(lines) if not _blank(text)), None)
    if start is None:
        raise ConfigError(f"answers file {path} is empty")
    delimiter = _delimiter(lines[start][0])
    header = _split(lines[start][0], delimiter, strict=False)
    if not isinstance(header, list):
        raise ConfigError(f"answers file {path}: the header cannot be read")
    header = _normalise_header(header)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ConfigError(f"answers file {path}: the header lacks the column(s) {', '.join(missing)} "
                          f"(it has {', '.join(h for h in header if h) or 'none'})")
    doubled = sorted({h for h in header if h and header.count(h) > 1})
    if doubled:
        raise ConfigError(f"answers file {path}: the header names the column(s) {', '.join(doubled)} twice")
    rows = []
    index = start + 1
    while index < len(lines):
        if _blank(lines[index][0]):
            index += 1
            continue
        fields, used, problem = _record_at(lines, index, delimiter, len(header))
        note = next((lines[i][1] for i in range(index, index + used) if lines[i][1]), "")
        rows.append(_row(index + 1, header, fields, problem, note))
        index += used
    return AnswersFile(header, rows, len(lines), delimiter)


def _row(line: int, header: list, fields: list, problem: str, note: str) -> AnswerRow:
    row = AnswerRow(line=line, note=note)
    values = dict(zip(header, fields))
    row.student = values.get("student", "").strip()
    row.version = values.get("version", "").strip()
    row.question = values.get("question", "").strip()
    row.answer = values.get("answer", "")
    row.name = values.get("name", "").strip()[:MAX_NAME]
    row.factors = {name[len(FACTOR_PREFIX):]: value for name, value in values.items()
                   if name.startswith(FACTOR_PREFIX) and value.strip()}
    present = set(header[:len(fields)])
    if problem:
        row.problem = problem
    elif len(fields) > len(header):
        row.problem = (f"the row has {len(fields)} fields, the header has {len(header)} "
                       "(an answer with a comma must be in double quotes)")
    elif not all(c in present for c in REQUIRED):
        absent = [c for c in REQUIRED if c not in present]
        row.problem = f"the row has {len(fields)} fields, the header has {len(header)} (no {', '.join(absent)})"
    elif not any(f.strip() for f in fields):
        row.problem = "the row is empty"
    elif not row.student:
        row.problem = "the student column is empty"
    elif not row.question:
        row.problem = "the question column is empty"
    elif len(row.student) > MAX_NAME or len(row.question) > MAX_NAME or len(row.version) > MAX_NAME:
        row.problem = f"a student, version or question longer than {MAX_NAME} characters"
    if row.problem:
        row.student, row.version, row.question = row.student[:MAX_NAME], row.version[:MAX_NAME], row.question[:MAX_NAME]
    return row


class Roster(dict):
    """student -> version, with the people's names, e-mail addresses and sections where the roster has them."""

    def __init__(self, versions=(), names=None, emails=None, sections=None):
        super().__init__(versions)
        self.names = dict(names or {})
        self.emails = dict(emails or {})
        self.sections = dict(sections or {})


def read_roster(path) -> Roster:
    """A roster CSV: the columns student and version, and optionally name, email and section."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read roster {path}: {exc.strerror or exc}") from None
    lines = [text for text, _ in _lines(data) if not _blank(text)]
    if not lines:
        raise ConfigError(f"roster {path} is empty")
    delimiter = _delimiter(lines[0])
    reader = csv.reader(lines, delimiter=delimiter, strict=False)
    header = _normalise_header(next(reader))
    if "student" not in header or "version" not in header:
        raise ConfigError(f"roster {path} needs the columns student and version")
    roster = Roster()
    columns = {name: header.index(name) for name in ("student", "version", "name", "email", "section") if name in header}
    for record in reader:
        values = {name: record[i].strip()[:MAX_NAME] for name, i in columns.items() if i < len(record)}
        student = values.get("student", "")
        if not student:
            continue
        roster[student] = values.get("version", "")
        for name, table in (("name", roster.names), ("email", roster.emails), ("section", roster.sections)):
            if values.get(name):
                table[student] = values[name]
    return roster
