"""The practice room's database: attempts written by one thread, many in one transaction, each acknowledged after it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event

from mathomong_sym.serve.content import practice_problem
from mathomong_sym.serve.storage import Storage, database_url


@pytest.fixture
def storage(tmp_path):
    store = Storage(database_url(None, tmp_path))
    yield store
    store.close()


def _busy_writer(store):
    """Keep the writer busy until the returned event is set: (event, the held write's Future).

    Returns once the writer has taken the held write, so that what is sent
    next waits behind it (sent earlier, it could join the held write's batch).
    """
    hold, busy = threading.Event(), threading.Event()

    def held_write(db):
        busy.set()
        return hold.wait(30)

    held = store._writer.submit(held_write)
    assert busy.wait(30)
    return hold, held


def _attempt(storage, student, problem, answer):
    return storage.record_attempt(student, problem, question="a", answer=answer, verdict="incorrect", mistake="",
                                  read_latex="", feedback="", score=0.0)


def test_attempts_waiting_together_share_one_commit(storage):
    student = storage.join(storage.open_class(), "Crowd")
    problem = practice_problem("derivative-power", "easy", "5")
    commits = []
    event.listen(storage.engine, "commit", lambda connection: commits.append(1))
    hold, held = _busy_writer(storage)  # the writer is busy: the class's attempts queue up
    ids, threads = [], []
    for k in range(30):
        thread = threading.Thread(target=lambda k=k: ids.append(_attempt(storage, student, problem, f"{k}*x")))
        thread.start()
        threads.append(thread)
    for _ in range(300):
        if storage._writer.waiting() == 30:
            break
        threading.Event().wait(0.05)
    assert storage._writer.waiting() == 30 and not ids  # nothing acknowledged before its commit
    hold.set()
    for thread in threads:
        thread.join(30)
    assert held.result() is True
    assert len(ids) == 30 and len(set(ids)) == 30
    assert len(commits) == 2  # the held write's, then one for all thirty
    assert sorted(r.answer for r in storage.attempts_of(student)) == sorted(f"{k}*x" for k in range(30))


def test_a_failing_write_fails_alone(storage):
    student = storage.join(storage.open_class(), "Mixed")
    problem = practice_problem("derivative-power", "easy", "6")
    hold, _ = _busy_writer(storage)

    def broken(db):
        raise ValueError("this write cannot be done")

    bad = storage._writer.submit(broken)
    good = []
    thread = threading.Thread(target=lambda: good.append(_attempt(storage, student, problem, "x")))
    thread.start()
    for _ in range(300):
        if storage._writer.waiting() == 2:
            break
        threading.Event().wait(0.05)
    hold.set()
    thread.join(30)
    with pytest.raises(ValueError):
        bad.result(30)
    assert len(good) == 1 and [r.answer for r in storage.attempts_of(student)] == ["x"]


def test_closing_writes_what_waits(tmp_path):
    store = Storage(database_url(None, tmp_path))
    student = store.join(store.open_class(), "Last")
    problem = practice_problem("derivative-power", "easy", "7")
    hold, _ = _busy_writer(store)
    pending = store._writer.submit(lambda db: 42)
    threading.Timer(0.2, hold.set).start()
    store.close()
    assert pending.result(0) == 42
    again = Storage(database_url(None, tmp_path))
    try:
        assert again.student(student.id) == student and problem.seed == "7"
    finally:
        again.close()


def test_a_cancelled_item_is_dropped_and_the_thread_goes_on(storage):
    """A request that went away cancels its Future: the batch thread skips it and serves the next ones."""
    hold, _ = _busy_writer(storage)
    cancelled = storage._writer.submit(lambda db: "never")
    assert cancelled.cancel()
    after = storage._writer.submit(lambda db: "written")
    hold.set()
    assert after.result(30) == "written" and cancelled.cancelled()
