"""Grading as a transaction: nothing lost, nothing mixed, nothing left running.

Every data row of the answers file yields one report row, whatever is wrong
with it; the output folder is swapped in whole, locked against a second run
and resumable; its path problems are one line and exit 2; and no worker
process outlives a ``grade`` or ``check`` that is terminated or killed.
"""

from __future__ import annotations

import csv
import io
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mathomong_sym import AnswerEntry, AnswerKey, Neuron
from mathomong_sym.activations import sigmoid
from mathomong_sym.check.answers import read_answers
from mathomong_sym.outputs import MARKER
from mathomong_sym.naming import sym

RIGHT = r"2(\hat{y}-y)\sigma'(z)x"
ANSWERS_Q1 = [RIGHT, r"2(y-\hat{y})\sigma'(z)x", r"(\hat{y}-y)\sigma'(z)x", r"2(\hat{y}-y)x", "2*(yhat-y)*x"]
ANSWERS_Q2 = [r"\sigma(z)(1-\sigma(z))", r"\frac{e^{-z}}{(1+e^{-z})^2}", r"\sigma(z)", "sigmoid(z)*(1-sigmoid(z))"]
LINUX_PROC = Path("/proc/self/stat").exists()


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    net = Neuron(1)
    z = sym("z")
    paths = []
    for version, parameter in (("A", "W"), ("B", "b")):
        entries = [
            AnswerEntry.from_derivation("q1", net.derive(parameter), points=2, variables=["W", "b", "x", "y"]),
            AnswerEntry.from_expr("q2", sigmoid(z) * (1 - sigmoid(z)), points=1),
        ]
        paths.append(AnswerKey(worksheet="one-neuron", version=version, seed=1, entries=entries)
                     .save(folder / f"{version}.json"))
    return [str(p) for p in paths]


def _command(*args) -> list[str]:
    return [sys.executable, "-m", "mathomong_sym", *map(str, args)]


def _grade(keys, answers, out, *extra, **run):
    # a generous time limit per answer: a loaded machine must not turn a verdict into a timeout
    return subprocess.run(_command("grade", "--key", keys[0], "--key", keys[1], "--answers", answers, "--out", out,
                                   "--timeout", "60", *extra), capture_output=True, text=True, timeout=600, **run)


def _report(out: Path) -> list[dict]:
    with open(out / "report.csv", newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def _one_line_error(result) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


# ---------------------------------------------------------------------------
# every row in, one row out
# ---------------------------------------------------------------------------

def _csv_line(fields) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)
    return out.getvalue().encode("utf-8")


#: kind -> lines: (raw bytes, what its report row must show); {i} makes the student unique
BAD_ROWS = {
    "unclosed quote": [(b'bad{i},A,q1,"2(\\hat{y}-y)x\n', ("invalid", "quotes do not match"))],
    "text after a closing quote": [(b'bad{i},A,q2,"\\sigma(z)"x\n', ("invalid", "quotes do not match"))],
    "missing columns": [(b"bad{i},A,q1\n", ("invalid", "fields"))],
    "an unquoted comma": [(b"bad{i},A,q2,\\max(0, z)\n", ("invalid", "double quotes"))],
    "unknown question": [(b"bad{i},A,q9,x\n", ("invalid", "no question 'q9'"))],
    "unknown version": [(b"bad{i},Z,q1,x\n", ("invalid", "no answer key for version 'Z'"))],
    "empty student": [(b",A,q1,x\n", ("invalid", "student column is empty"))],
    "empty answer": [(b"bad{i},A,q2,\n", ("invalid", "empty"))],
    "a BOM inside the file": [("\ufeffbad{i},A,q2,\\sigma(z)\n".encode("utf-8"), ("incorrect", ""))],
    "a CRLF line end": [(b"bad{i},A,q2,\\sigma(z)\r\n", ("incorrect", ""))],
    "Latin-1 bytes": [("M\u00fcller{i},A,q2,\\sigma(z)\n".encode("latin-1"), ("incorrect", ""))],
    "a 1 MB answer": [(b"bad{i},A,q2," + b"x" * 1_000_000 + b"\n", ("invalid", "too long"))],
    "a 1 MB student": [(b"x" * 1_000_000 + b"{i},A,q2,x\n", ("invalid", "longer than 200"))],
    "formula injection": [(b'=HYPERLINK("http://evil/{i}"),A,q2,-2x\n', ("incorrect", ""))],
    "control characters": [("bad{i},A,q2,\\sigma(z\x07\x1b)\n".encode("utf-8"), ("invalid", "control"))],
    "NUL bytes": [(b"bad{i},A,q2,x\x00y\n", ("invalid", ""))],
    "a CR line end": [(b"bad{i},A,q2,\\sigma(z)\r", ("incorrect", ""))],
    "a duplicate": [(b"dup{i},A,q2,x\n", ("incorrect", "another answer")), (b"dup{i},A,q2,x\n", ("incorrect", ""))],
}


def _class_file(path: Path, rng: random.Random, good: int = 950, bad: int = 50):
    """A class CSV (with a BOM): *good* ordinary rows and *bad* rows of every kind of BAD_ROWS, in random places.

    Returns what each data line must show in the report, in file order.
    """
    rows = []
    for i in range(good):
        question = "q1" if i % 2 == 0 else "q2"
        answer = rng.choice(ANSWERS_Q1 if question == "q1" else ANSWERS_Q2)
        rows.append([(_csv_line([f"s{i}", "A" if i % 3 else "B", question, answer]), ("checked", ""))])
    kinds = list(BAD_ROWS)
    made = 0
    while made < bad:
        group = [(raw.replace(b"{i}", str(made).encode()), expected) for raw, expected in BAD_ROWS[kinds[made % len(kinds)]]]
        group = group[:bad - made]
        rows.insert(rng.randrange(1, len(rows) + 1), group)
        made += len(group)
    lines = [line for group in rows for line in group]
    path.write_bytes(b"\xef\xbb\xbf" + _csv_line(["student", "version", "question", "answer"])
                     + b"".join(raw for raw, _ in lines))
    return [expected for _, expected in lines]


def test_1000_rows_with_50_bad_rows_give_1000_report_rows(tmp_path, keys):
    expected = _class_file(tmp_path / "answers.csv", random.Random(5))
    assert len(expected) == 1000
    result = _grade(keys, tmp_path / "answers.csv", tmp_path / "grades", "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert "read 1000 answer rows; graded 1000" in result.stdout
    report = _report(tmp_path / "grades")
    assert len(report) == 1000
    assert [int(r["line"]) for r in report] == list(range(2, 1002))
    for row, (verdict, reason) in zip(report, expected):
        if verdict == "checked":
            assert row["verdict"] in ("correct", "incorrect"), row
            continue
        assert row["verdict"] == verdict, (verdict, reason, row["student"][:40], row["reason"])
        assert reason in row["reason"] or reason in row["feedback"], (reason, row["reason"], row["feedback"][:80])
    by_student = {r["student"]: r for r in report}
    assert "Müller0" not in by_student and any(s.startswith("Müller") for s in by_student)  # Latin-1 read as such
    assert all(not s.startswith(("=", "+", "@")) for s in by_student)  # formulas stay text
    assert any(s.startswith("'=HYPERLINK") for s in by_student)
    assert not any(s.startswith("\ufeff") for s in by_student)


def test_an_unclosed_quote_loses_only_its_own_line(tmp_path, keys):
    answers = tmp_path / "answers.csv"
    answers.write_text(textwrap.dedent('''\
        student,version,question,answer
        ada,A,q1,"2(\\hat{y}-y)\\sigma'(z)x
        bob,A,q2,"\\sigma(z)(1-\\sigma(z))"
        cy,A,q2,x
        dee,A,q1,"2(\\hat{y}-y)\\sigma'(z)x"
        '''), encoding="utf-8")
    assert _grade(keys, answers, tmp_path / "out").returncode == 0
    report = _report(tmp_path / "out")
    assert [(r["line"], r["student"], r["verdict"]) for r in report] == [
        ("2", "ada", "invalid"), ("3", "bob", "correct"), ("4", "cy", "incorrect"), ("5", "dee", "correct")]
    assert "quotes" in report[0]["reason"]


def test_a_quoted_answer_may_span_lines(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text('student,question,answer\nada,q1,"\\sigma(z)\n(1-\\sigma(z))"\nbob,q1,x\n', encoding="utf-8")
    rows = read_answers(answers).rows
    assert [(r.line, r.student, r.answer, r.problem) for r in rows] == [
        (2, "ada", "\\sigma(z)\n(1-\\sigma(z))", ""), (4, "bob", "x", "")]


# ---------------------------------------------------------------------------
# the output folder: one set, swapped whole, locked, resumable
# ---------------------------------------------------------------------------

def _small_class(path: Path, students, answer=r"\sigma(z)"):
    path.write_text("student,version,question,answer\n" + "".join(f"{s},A,q2,{answer}\n" for s in students),
                    encoding="utf-8")


def _consistent(out: Path) -> set:
    """The students of one run: report, gradebook and feedback files must agree."""
    assert (out / MARKER).is_file()
    in_report = {r["student"] for r in _report(out)}
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as stream:
        in_gradebook = {r["student"] for r in csv.DictReader(stream)}
    in_feedback = {p.stem for p in (out / "feedback").glob("*.md")}
    assert in_report == in_gradebook == in_feedback, (in_report ^ in_gradebook, in_report ^ in_feedback)
    return in_report


def test_a_new_run_replaces_the_whole_set(tmp_path, keys):
    out = tmp_path / "grades"
    _small_class(tmp_path / "first.csv", ["ada", "bob"])
    _small_class(tmp_path / "second.csv", ["cy", "dee", "eve"])
    assert _grade(keys, tmp_path / "first.csv", out).returncode == 0
    assert _consistent(out) == {"ada", "bob"}
    assert _grade(keys, tmp_path / "second.csv", out).returncode == 0
    assert _consistent(out) == {"cy", "dee", "eve"}  # no feedback of the first class is left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.csv", "grades", "second.csv"]


@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_the_old_set_or_the_new_one(tmp_path, keys):
    out = tmp_path / "grades"
    old = [f"old{i}" for i in range(5)]
    new = [f"new{i}" for i in range(400)]
    _small_class(tmp_path / "old.csv", old)
    _small_class(tmp_path / "new.csv", new)
    assert _grade(keys, tmp_path / "old.csv", out).returncode == 0
    started = time.monotonic()
    assert _grade(keys, tmp_path / "new.csv", tmp_path / "timing").returncode == 0
    duration = time.monotonic() - started
    rng = random.Random(1)
    outcomes = set()
    for _attempt in range(8):
        process = subprocess.Popen(_command("grade", "--key", keys[0], "--answers", tmp_path / "new.csv",
                                            "--out", out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * rng.uniform(0.5, 1.1))
        process.kill()
        process.wait()
        students = _consistent(out)
        assert students in (set(old), set(new))
        outcomes.add(len(students))
        if students == set(new):  # start again from the old set
            assert _grade(keys, tmp_path / "old.csv", out).returncode == 0
    assert _grade(keys, tmp_path / "new.csv", out).returncode == 0  # a killed run never blocks the next
    assert _consistent(out) == set(new)


@pytest.mark.skipif(not LINUX_PROC, reason="reads /proc")
def test_a_second_run_into_the_same_folder_is_refused(tmp_path, keys):
    _small_class(tmp_path / "big.csv", [f"s{i}" for i in range(300)], answer=r"\sigma(z)(1-\sigma(z))+{}")
    lines = (tmp_path / "big.csv").read_text().splitlines()
    (tmp_path / "big.csv").write_text("\n".join([lines[0]] + [l.replace("{}", str(i)) for i, l in enumerate(lines[1:])]) + "\n")
    _small_class(tmp_path / "small.csv", ["ada"])
    out = tmp_path / "grades"
    first = subprocess.Popen(_command("grade", "--key", keys[0], "--answers", tmp_path / "big.csv", "--out", out,
                                      "--workers", "1", "--timeout", "600"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = tmp_path / ".grades.lock"
    workers = _frozen_workers(first, 2)  # the first run holds its lock until they are thawed
    try:
        assert lock.exists()
        second = _grade(keys, tmp_path / "small.csv", out)
    finally:
        _signal_all(workers, signal.SIGCONT)
    assert first.wait(timeout=300) == 0, first.stderr.read()
    assert "another run is writing to" in _one_line_error(second)
    assert _consistent(out) == {f"s{i}" for i in range(300)}  # the first run's set, unmixed
    lock.write_text("12345\n")  # a lock file nobody holds (its run was killed) does not block
    assert _grade(keys, tmp_path / "small.csv", out).returncode == 0
    assert not lock.exists()


def test_resume_reuses_the_checks_of_an_interrupted_run(tmp_path, keys):
    students = [f"s{i}" for i in range(400)]
    answers = tmp_path / "answers.csv"
    answers.write_text("student,version,question,answer\n" + "".join(
        f"{s},A,q2,\\sigma(z)(1-\\sigma(z))+{i % 150}x\n" for i, s in enumerate(students)), encoding="utf-8")
    out = tmp_path / "grades"
    process = subprocess.Popen(_command("grade", "--key", keys[0], "--answers", answers, "--out", out),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = tmp_path / ".grades.journal"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not journal.exists() or journal.read_text().count("\n") < 20):
        time.sleep(0.05)
    process.kill()
    process.wait()
    assert not out.exists() and journal.exists()
    saved = journal.read_text().count("\n") - 1
    resumed = _grade(keys, answers, out, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    reused = int(re.search(r"\((\d+) checks reused", resumed.stdout).group(1))
    assert reused >= min(saved, 20)
    fresh = _grade(keys, answers, tmp_path / "fresh")
    assert fresh.returncode == 0
    assert _report(out) == _report(tmp_path / "fresh")
    assert not journal.exists()


# ---------------------------------------------------------------------------
# output paths: one line, exit 2, nothing destroyed, nothing left behind
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["out is a file", "out under a file", "out is a link", "out holds other files",
                                  "answers inside out", "out is the answers file", "a link at the lock",
                                  "answers is a folder"])
def test_output_path_problems_are_one_line(tmp_path, keys, case):
    answers = tmp_path / "answers.csv"
    _small_class(answers, ["ada"])
    out = tmp_path / "grades"
    if case == "out is a file":
        out.write_text("precious")
    elif case == "out under a file":
        (tmp_path / "file").write_text("precious")
        out = tmp_path / "file" / "grades"
    elif case == "out is a link":
        (tmp_path / "elsewhere").mkdir()
        out.symlink_to(tmp_path / "elsewhere")
    elif case == "out holds other files":
        out.mkdir()
        (out / "thesis.tex").write_text("precious")
    elif case == "answers inside out":
        assert _grade(keys, answers, out).returncode == 0
        answers = out / "answers.csv"
        _small_class(answers, ["bob"])
    elif case == "out is the answers file":
        out = answers
    elif case == "a link at the lock":
        (tmp_path / ".grades.lock").symlink_to(tmp_path / "target")
    elif case == "answers is a folder":
        answers = tmp_path / "folder.csv"
        answers.mkdir()
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()}
    error = _one_line_error(_grade(keys, answers, out))
    assert "grade: error:" in error
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()}
    assert after == before  # nothing destroyed, no temporary file left
    assert not (tmp_path / "target").exists()


def _private_mounts() -> bool:
    """Can this process mount a small file system that only its children see (root on Linux)?"""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


def _in_small_file_system(folder: Path, script: str, options: str) -> subprocess.CompletedProcess:
    """Run *script* (sh) with a tmpfs mounted on *folder*, seen by nothing else."""
    return subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o {options} tmpfs '{folder}' && {script}"],
                          capture_output=True, text=True, timeout=600)


def _grade_line(keys, answers, out) -> str:
    return " ".join(f"'{a}'" for a in _command("grade", "--key", keys[0], "--answers", answers, "--out", out))


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_a_read_only_folder_is_one_line(tmp_path, keys):
    answers = tmp_path / "answers.csv"
    _small_class(answers, ["ada"])
    locked = tmp_path / "locked"
    locked.mkdir()
    if os.geteuid() != 0:
        locked.chmod(0o555)
        try:
            error = _one_line_error(_grade(keys, answers, locked / "grades"))
        finally:
            locked.chmod(0o755)
        assert "permission denied" in error
    elif _private_mounts():  # root writes anywhere, except on a read-only file system
        result = _in_small_file_system(locked, _grade_line(keys, answers, locked / "grades"), "ro,size=64k")
        assert "read-only" in _one_line_error(result)
    else:
        pytest.skip("root ignores permissions and cannot mount a read-only file system here")
    assert list(locked.iterdir()) == []


@pytest.mark.skipif(not _private_mounts(), reason="needs a small file system of its own (root, unshare)")
def test_no_space_left_keeps_the_old_set_and_leaves_nothing(tmp_path, keys):
    _small_class(tmp_path / "first.csv", ["ada", "bob"])
    _small_class(tmp_path / "second.csv", [f"student-with-a-long-name-{i}" for i in range(2000)])
    disk = tmp_path / "disk"
    disk.mkdir()
    out = disk / "grades"
    # room for the first set (KaTeX for the HTML pages included), not for 4 000 feedback pages
    script = (f"{_grade_line(keys, tmp_path / 'first.csv', out)} >/dev/null && "
              f"find '{disk}' -mindepth 1 | sort && echo ---- && "
              f"{{ {_grade_line(keys, tmp_path / 'second.csv', out)}; echo \"exit $?\"; }} && "
              f"find '{disk}' -mindepth 1 | sort && cat '{out}/report.csv'")
    result = _in_small_file_system(disk, script, "size=2m")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "no space left" in result.stderr, result.stderr
    before, after = result.stdout.split("----\n", 1)
    assert "exit 2" in after
    listed = [line for line in after.splitlines() if line.startswith(str(disk))]
    assert listed == before.split()  # the first set, file for file, and nothing else
    names = sorted(Path(p).name for p in listed if Path(p).parent.name in ("grades", "feedback"))
    assert {"report.csv", "summary.md", "gradebook.csv", "ada.md", "bob.md", "ada.html", "bob.html"} <= set(names)
    assert "ada" in after and "student-with-a-long-name" not in after


@pytest.mark.skipif(not hasattr(os, "fork"), reason="resource limits")
def test_a_file_size_limit_keeps_the_old_set_and_leaves_nothing(tmp_path, keys):
    out = tmp_path / "grades"
    _small_class(tmp_path / "first.csv", ["ada", "bob"])
    assert _grade(keys, tmp_path / "first.csv", out).returncode == 0
    _small_class(tmp_path / "second.csv", [f"s{i}" for i in range(50)])

    def small_files():
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))

    error = _one_line_error(_grade(keys, tmp_path / "second.csv", out, preexec_fn=small_files))
    assert "cannot write" in error
    assert _consistent(out) == {"ada", "bob"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.csv", "grades", "second.csv"]


# ---------------------------------------------------------------------------
# no orphans: workers die with their parent
# ---------------------------------------------------------------------------

def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _busy_class(path: Path, n: int = 3000):
    path.write_text("student,version,question,answer\n" + "".join(
        f"s{i},A,q2,\\sigma(z)(1-\\sigma(z))^{{{i % 7 + 1}}}+{i}\n" for i in range(n)), encoding="utf-8")


def _signal_all(pids, sent) -> None:
    for pid in pids:
        try:
            os.kill(pid, sent)
        except ProcessLookupError:
            pass


def _stopped(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("T", "t")
    except OSError:
        return False


def _frozen_workers(process, count: int) -> set[int]:
    """The first *count* worker processes of *process*, each stopped (SIGSTOP) the moment it is seen.

    Until they are thawed (SIGCONT), *process* waits for their answers: it is
    alive and mid-work however fast the checker would have been.
    """
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    try:
        while len(workers) < count:
            assert time.monotonic() < deadline, "the workers did not start"
            assert process.poll() is None, process.stderr.read()
            new = _children(process.pid) - workers
            _signal_all(new, signal.SIGSTOP)
            workers |= new
            time.sleep(0.01)
        while not all(_stopped(w) or not _alive(w) for w in workers):  # a signal is delivered a moment later
            assert time.monotonic() < deadline, "the workers did not stop"
            time.sleep(0.01)
    except BaseException:
        _signal_all(workers, signal.SIGCONT)
        raise
    return workers


@pytest.mark.skipif(not LINUX_PROC, reason="reads /proc")
@pytest.mark.parametrize("command", ["grade", "check"])
@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_no_worker_outlives_its_parent(tmp_path, keys, command, sent):
    """However fast the checker is, the command is still working when the signal comes.

    The workers are frozen (SIGSTOP) as soon as they exist: the command then
    waits for an answer that cannot come before its time limit (600 s), so it
    is deterministically alive and mid-check when it is signalled.  The
    workers are thawed right after the signal and go on with the task they
    hold; every one of them must be gone 3 s later.
    """
    if command == "grade":
        _busy_class(tmp_path / "answers.csv")
        argv = _command("grade", "--key", keys[0], "--answers", tmp_path / "answers.csv", "--out", tmp_path / "out",
                        "--workers", "2", "--timeout", "600")
        workers_expected = 3  # two workers and a warm spare
    else:
        argv = _command("check", "--key", r"(x+y)^{50}-(x-y)^{50}", "--answer",
                        r"\frac{(x+y)^{100}-(x-y)^{100}}{(x+y)^{50}+(x-y)^{50}}", "--timeout", "600")
        workers_expected = 2  # one worker and a warm spare
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    workers = _frozen_workers(process, workers_expected)
    try:
        time.sleep(0.5)  # the command, not frozen, is now waiting for its workers
        assert process.poll() is None, "the command ended before it could be killed"
        process.send_signal(sent)
        time.sleep(0.2)
    finally:
        _signal_all(workers, signal.SIGCONT)  # a worker that is mid-check goes on computing
    process.wait(timeout=30)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    left = [w for w in workers if _alive(w)]
    for pid in left:  # do not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert not left, f"workers alive 3 s after {signal.Signals(sent).name}: {left}"
    # a caller reading through pipes sees the end of the output
    assert process.stdout.read() is not None and process.stderr.read() is not None


@pytest.mark.skipif(not LINUX_PROC, reason="reads /proc")
def test_workers_started_from_a_thread_die_with_the_process(tmp_path):
    """A pool started outside the main thread (a web server) relies on the watchdog alone."""
    script = textwrap.dedent('''
        import threading, time
        from mathomong_sym.check.pool import CheckerPool
        pools = []
        thread = threading.Thread(target=lambda: pools.append(CheckerPool(workers=1, warm=False)))
        thread.start(); thread.join()
        print(" ".join(map(str, pools[0].pids())), flush=True)
        time.sleep(600)
    ''')
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    workers = {int(p) for p in process.stdout.readline().split()}
    assert len(workers) == 2 and all(_alive(w) for w in workers)
    process.kill()
    process.wait()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    left = [w for w in workers if _alive(w)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left
