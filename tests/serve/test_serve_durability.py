"""A killed server loses no acknowledged attempt: SIGKILL in the middle of a class's checks."""

from __future__ import annotations

import re
import threading

import pytest

from conftest import CSRF, SEED, Server
from mathomong_sym.serve.content import practice_problem
from mathomong_sym.serve.storage import Storage, database_url

httpx = pytest.importorskip("httpx")


def _student(url: str, name: str):
    client = httpx.Client(base_url=url, timeout=30, follow_redirects=True)
    csrf = CSRF.search(client.get("/").text).group(1)
    client.post("/join", data={"name": name, "class": "", "csrf": csrf})
    page = client.get("/practice/derivative-power?difficulty=easy")
    seed = SEED.search(page.text).group(1)
    return client, csrf, practice_problem("derivative-power", "easy", seed)


def test_sigkill_loses_no_acknowledged_attempt(tmp_path):
    data = tmp_path / "data"
    server = Server(data, "--workers", "1", "--check-rate", "1000", "--rate", "1000", "--no-warm")
    acknowledged: dict = {}   # attempt id -> answer, for every check the server answered
    lock = threading.Lock()
    started = threading.Event()
    try:
        students = [_student(server.url, f"Student {i}") for i in range(6)]

        def answer(index):
            client, csrf, problem = students[index]
            for k in range(400):
                text = f"{k}*x^2 + {index}"
                try:
                    response = client.post("/api/check", headers={"X-CSRF-Token": csrf}, json={
                        "topic": problem.topic, "difficulty": problem.difficulty, "seed": problem.seed,
                        "part": "a", "answer": text})
                except httpx.HTTPError:
                    return  # the server is gone: this answer was never acknowledged
                if response.status_code == 200:
                    with lock:
                        acknowledged[response.json()["attempt"]] = text
                        if len(acknowledged) >= 30:
                            started.set()

        threads = [threading.Thread(target=answer, args=(i,)) for i in range(len(students))]
        for t in threads:
            t.start()
        assert started.wait(120), "the server acknowledged too few checks"
        server.kill()  # mid-traffic: requests are in flight
        for t in threads:
            t.join(60)
    finally:
        server.stop()
    storage = Storage(database_url(None, data))
    try:
        with storage.engine.begin() as db:
            assert db.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            stored = dict(db.exec_driver_sql("SELECT id, answer FROM attempts").all())
    finally:
        storage.close()
    missing = {i: a for i, a in acknowledged.items() if stored.get(i) != a}
    assert not missing, f"{len(missing)} acknowledged attempts lost"
    assert len(acknowledged) >= 30

    # and the server starts again on the same data, with every attempt in the teacher's export
    again = Server(data, "--no-warm")
    try:
        export = httpx.get(again.url + "/teacher/class/open/attempts.csv", timeout=30).text
        assert len(re.findall(r"^\d+,", export, re.M)) == len(stored)
    finally:
        again.stop()
