"""The practice room's database: classes, students, attempts and revealed steps.

Everything goes through SQLAlchemy Core, so the same code runs on the
embedded SQLite file (the default) and on PostgreSQL.  Every write commits
before the server answers: an attempt the student saw acknowledged is on
disk, and a server killed at any moment leaves a database that opens again
with every acknowledged attempt in it.  SQLite runs in WAL mode with
``synchronous=FULL`` for that reason.

A commit waits for the disk (an fsync, several milliseconds), and a
database takes one writer at a time, so when a class checks at the same
moment the attempts are written by one thread, all those waiting in one
transaction (a group commit): thirty attempts cost one or two fsyncs, not
thirty in a queue.  Each is acknowledged once that transaction has
committed.
"""

from __future__ import annotations

import secrets
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import (Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint,
                        create_engine, event, func, insert, select, update)
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ArgumentError

from ..errors import ConfigError
from .batches import Batcher

__all__ = ["Storage", "Student", "ClassInfo", "database_url"]

metadata = MetaData()

settings = Table(
    "settings", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

classes = Table(
    "classes", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("created", Float, nullable=False),
)

students = Table(
    "students", metadata,
    Column("id", Integer, primary_key=True),
    Column("class_id", Integer, ForeignKey("classes.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created", Float, nullable=False),
    UniqueConstraint("class_id", "name", name="one_name_per_class"),
)

attempts = Table(
    "attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("student_id", Integer, ForeignKey("students.id"), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("part_number", Integer, nullable=False),  # the guide's part, 1–10
    Column("difficulty", String(16), nullable=False),
    Column("seed", String(24), nullable=False),
    Column("question", String(16), nullable=False),  # the problem's part label: a, b, …
    Column("answer", Text, nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("mistake", String(80), nullable=False, default=""),
    Column("read_latex", Text, nullable=False, default=""),
    Column("feedback", Text, nullable=False, default=""),
    Column("score", Float, nullable=False, default=0.0),
    Column("revealed", Integer, nullable=False, default=0),  # steps and hints seen before this attempt
    Column("created", Float, nullable=False),
)
Index("attempts_by_student", attempts.c.student_id, attempts.c.part_number)

reveals = Table(
    "reveals", metadata,
    Column("id", Integer, primary_key=True),
    Column("student_id", Integer, ForeignKey("students.id"), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("difficulty", String(16), nullable=False),
    Column("seed", String(24), nullable=False),
    Column("question", String(16), nullable=False),
    Column("kind", String(8), nullable=False),  # "hint" or "step"
    Column("step", Integer, nullable=False),
    Column("created", Float, nullable=False),
    UniqueConstraint("student_id", "topic", "difficulty", "seed", "question", "kind", "step", name="one_reveal"),
)

#: the class every student joins who gives no class code
OPEN_CLASS = "open"


@dataclass(frozen=True)
class Student:
    id: int
    name: str
    class_id: int
    class_code: str


@dataclass(frozen=True)
class ClassInfo:
    id: int
    code: str
    name: str


def database_url(value: str | None, data_dir: Path) -> str:
    """The SQLAlchemy URL: the given one, or the SQLite file in *data_dir*."""
    if value:
        if value.startswith("postgres://"):  # the spelling many hosts hand out
            value = "postgresql://" + value[len("postgres://"):]
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://"):]
        return value
    return f"sqlite:///{Path(data_dir) / 'mathomong.sqlite3'}"


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _commit_together(engine: Engine):
    """A Batcher handler: the writes in one transaction; should it fail, each in its own (one bad write fails alone)."""

    def handle(writes):
        try:
            with engine.begin() as db:
                return [write(db) for write in writes]
        except Exception:  # noqa: BLE001 - done again one by one below
            results = []
            for write in writes:
                try:
                    with engine.begin() as db:
                        results.append(write(db))
                except Exception as exc:  # noqa: BLE001 - the request that asked hears it
                    results.append(exc)
            return results

    return handle


class Storage:
    """The database behind the server; every method is one transaction (attempts share theirs: a group commit)."""

    def __init__(self, url: str):
        try:
            if url.startswith("sqlite"):
                self.engine: Engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
                event.listen(self.engine, "connect", _sqlite_pragmas)
            else:
                self.engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
            metadata.create_all(self.engine)
        except ArgumentError as exc:
            raise ConfigError(f"--database {url!r} is not a database URL ({exc})") from None
        except (OperationalError, ModuleNotFoundError) as exc:
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            raise ConfigError(f"cannot open the database {_redact(url)}: {reason}") from None
        self.url = url
        self._students: dict = {}  # id -> Student: a student never changes once joined
        self._writer_lock = threading.Lock()
        self._batcher: Batcher | None = None
        self.open_class()

    @property
    def _writer(self) -> Batcher:
        """The thread that writes attempts, all those waiting in one transaction (started when first needed)."""
        with self._writer_lock:
            if self._batcher is None:
                self._batcher = Batcher(_commit_together(self.engine), name="mathomong-serve-writer", limit=200)
            return self._batcher

    def close(self) -> None:
        """Write what waits, then let go of the database (it opens again when next used)."""
        with self._writer_lock:
            writer, self._batcher = self._batcher, None
        if writer is not None:
            writer.close()
        self.engine.dispose()

    # -- settings (tokens, the session secret) -----------------------------
    def setting(self, name: str, make: Callable[[], str]) -> str:
        """The stored value of *name*, made by *make* and stored the first time it is asked for."""
        value = self._stored_setting(name)
        if value is None:
            try:
                with self.engine.begin() as db:
                    db.execute(insert(settings).values(name=name, value=make()))
            except IntegrityError:
                pass  # another server process stored it first: use theirs
            value = self._stored_setting(name)
        if value is None:
            raise RuntimeError(f"the setting {name} was stored but cannot be read back")  # pragma: no cover
        return value

    def _stored_setting(self, name: str) -> str | None:
        with self.engine.begin() as db:
            return db.execute(select(settings.c.value).where(settings.c.name == name)).scalar()

    def set_setting(self, name: str, value: str) -> None:
        with self.engine.begin() as db:
            if db.execute(update(settings).where(settings.c.name == name).values(value=value)).rowcount == 0:
                db.execute(insert(settings).values(name=name, value=value))

    # -- classes -----------------------------------------------------------
    def open_class(self) -> ClassInfo:
        found = self.class_by_code(OPEN_CLASS)
        if found is not None:
            return found
        try:
            return self.create_class("Open practice", code=OPEN_CLASS)
        except IntegrityError:  # another request made it meanwhile
            made = self.class_by_code(OPEN_CLASS)
            if made is None:
                raise
            return made

    def create_class(self, name: str, code: str | None = None) -> ClassInfo:
        name = name.strip()[:200] or "Class"
        for _ in range(20):
            candidate = code or _class_code()
            try:
                with self.engine.begin() as db:
                    new_id = _new_id(db.execute(insert(classes).values(code=candidate, name=name,
                                                                       created=time.time())))
                return ClassInfo(new_id, candidate, name)
            except IntegrityError:
                if code:
                    raise
        raise RuntimeError("could not find a free class code")  # pragma: no cover

    def class_by_code(self, code: str) -> ClassInfo | None:
        with self.engine.begin() as db:
            row = db.execute(select(classes).where(classes.c.code == normal_code(code))).first()
        return ClassInfo(row.id, row.code, row.name) if row else None

    def list_classes(self) -> list[ClassInfo]:
        with self.engine.begin() as db:
            rows = db.execute(select(classes).order_by(classes.c.created)).all()
        return [ClassInfo(r.id, r.code, r.name) for r in rows]

    # -- students ----------------------------------------------------------
    def join(self, class_info: ClassInfo, name: str) -> Student:
        """The student *name* of the class, created on first join."""
        for _ in range(3):
            with self.engine.begin() as db:
                row = db.execute(select(students).where(students.c.class_id == class_info.id,
                                                        students.c.name == name)).first()
                if row is not None:
                    return Student(row.id, row.name, class_info.id, class_info.code)
            try:
                with self.engine.begin() as db:
                    new_id = _new_id(db.execute(insert(students).values(class_id=class_info.id, name=name,
                                                                        created=time.time())))
                return Student(new_id, name, class_info.id, class_info.code)
            except IntegrityError:
                continue  # joined at the same moment from another tab: read it back
        raise RuntimeError("could not join the class")  # pragma: no cover

    def student(self, student_id: int) -> Student | None:
        found = self._students.get(student_id)
        if found is not None:
            return found
        with self.engine.begin() as db:
            row = db.execute(select(students.c.id, students.c.name, students.c.class_id, classes.c.code)
                             .join(classes, classes.c.id == students.c.class_id)
                             .where(students.c.id == student_id)).first()
        if row is None:
            return None
        found = self._students[student_id] = Student(row.id, row.name, row.class_id, row.code)
        return found

    # -- attempts and reveals ----------------------------------------------
    def record_attempt(self, student: Student, problem, **attempt) -> int:
        """Store one checked answer to *question* of *problem* (a PracticeProblem); its id once committed."""
        return self.submit_attempt(student, problem, **attempt).result()

    def submit_attempt(self, student: Student, problem, *, question: str, answer: str, verdict: str, mistake: str,
                       read_latex: str, feedback: str, score: float) -> Future:
        """A Future of the attempt's id, set once the transaction that wrote it has committed."""
        now = time.time()

        def write(db):
            revealed = db.execute(select(func.count()).select_from(reveals).where(
                *self._same_problem(reveals, student, problem), reveals.c.question == question)).scalar()
            return _new_id(db.execute(insert(attempts).values(
                student_id=student.id, topic=problem.topic, part_number=problem.guide_part,
                difficulty=problem.difficulty, seed=problem.seed, question=question,
                answer=answer, verdict=verdict, mistake=mistake or "", read_latex=read_latex or "",
                feedback=feedback, score=score, revealed=revealed, created=now)))

        return self._writer.submit(write)

    @staticmethod
    def _same_problem(table, student: Student, problem) -> tuple:
        return (table.c.student_id == student.id, table.c.topic == problem.topic,
                table.c.difficulty == problem.difficulty, table.c.seed == problem.seed)

    def record_reveal(self, student: Student, problem, *, question: str, kind: str, step: int) -> None:
        try:
            with self.engine.begin() as db:
                db.execute(insert(reveals).values(student_id=student.id, topic=problem.topic,
                                                  difficulty=problem.difficulty, seed=problem.seed,
                                                  question=question, kind=kind, step=step, created=time.time()))
        except IntegrityError:
            pass  # shown before (a second tab): nothing new to record

    def revealed(self, student: Student, problem) -> dict:
        """{question: {"hint": n, "step": n}}: how much of each part's worked solution is shown."""
        shown: dict = {}
        with self.engine.begin() as db:
            rows = db.execute(select(reveals.c.question, reveals.c.kind, func.max(reveals.c.step))
                              .where(*self._same_problem(reveals, student, problem))
                              .group_by(reveals.c.question, reveals.c.kind)).all()
        for question, kind, step in rows:
            shown.setdefault(question, {})[kind] = step + 1
        return shown

    def attempts_of(self, student: Student, problem=None) -> list:
        """The student's attempts, oldest first; only those at *problem* when it is given."""
        query = select(attempts).where(attempts.c.student_id == student.id)
        if problem is not None:
            query = query.where(*self._same_problem(attempts, student, problem))
        with self.engine.begin() as db:
            return list(db.execute(query.order_by(attempts.c.id)).all())

    def class_attempts(self, class_info: ClassInfo) -> list:
        """Every attempt of the class's students, with the student's name, oldest first."""
        with self.engine.begin() as db:
            return list(db.execute(select(attempts, students.c.name.label("student"))
                                   .join(students, students.c.id == attempts.c.student_id)
                                   .where(students.c.class_id == class_info.id)
                                   .order_by(attempts.c.id)).all())

    def class_students(self, class_info: ClassInfo) -> list[Student]:
        with self.engine.begin() as db:
            rows = db.execute(select(students).where(students.c.class_id == class_info.id)
                              .order_by(students.c.name)).all()
        return [Student(r.id, r.name, class_info.id, class_info.code) for r in rows]


_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L to misread on a board


def _new_id(inserted: CursorResult) -> int:
    """The primary key of the row an INSERT made."""
    key = inserted.inserted_primary_key
    if key is None:  # pragma: no cover - every table here has an integer primary key
        raise RuntimeError("the database gave no key for the new row")
    return key[0]


def normal_code(code: str) -> str:
    """Class codes are read as typed on a board: case and spaces do not matter."""
    code = "".join(code.split())
    return OPEN_CLASS if code.lower() == OPEN_CLASS else code.upper()


def _class_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


def _redact(url: str) -> str:
    """*url* with its password hidden, for an error message."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, sep, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{tail}"
