"""The same practice room on PostgreSQL: the server `.ci/run` starts on loopback.

Set ``MATHOMONG_TEST_POSTGRES`` to a database URL the tests may empty
(``.ci/run`` does); without it these tests are skipped, except under CI.
"""

from __future__ import annotations

import csv
import io
import os
import threading

import pytest
from starlette.testclient import TestClient

from conftest import CSRF, Server, Visitor, in_ci, make_app
from mathomong_sym.serve.storage import Storage, database_url, metadata

URL = os.environ.get("MATHOMONG_TEST_POSTGRES", "")


@pytest.fixture(scope="module")
def postgres_url():
    if not URL:
        if in_ci():
            pytest.fail("CI must start PostgreSQL and set MATHOMONG_TEST_POSTGRES")
        pytest.skip("MATHOMONG_TEST_POSTGRES is not set")
    storage = Storage(database_url(URL, None))
    metadata.drop_all(storage.engine)  # a fresh database for this module
    storage.close()
    return URL


def test_the_practice_room_runs_the_same_on_postgresql(postgres_url, tmp_path):
    app = make_app(tmp_path, database=postgres_url)
    assert app.state.room.storage.engine.dialect.name == "postgresql"
    try:
        with TestClient(app, base_url="http://127.0.0.1") as t, TestClient(app, base_url="http://127.0.0.1") as s:
            teacher, student = Visitor(t), Visitor(s)
            code = teacher.form("/teacher/classes", {"name": "Postgres club"}, follow_redirects=False
                                ).headers["location"].rsplit("/", 1)[1]
            assert student.join("Émilie du Châtelet", code).url.path == "/practice"
            problem = student.open_problem("one-neuron")
            assert student.check(problem, "a", problem.part("a").answer_latex).json()["verdict"] == "correct"
            mistake = problem.part("a").entry.mistakes[0]
            wrong = student.check(problem, "a", mistake.latex).json()
            assert wrong["verdict"] == "incorrect" and wrong["mistake"] == "chain_factor_forgotten"
            assert student.reveal(problem, "b", "step").json()["index"] == 0
            assert student.reveal(problem, "b", "step").json()["index"] == 1
            assert "1 of 1 answered right" in student.get("/practice").text
            page = teacher.get(f"/teacher/class/{code}").text
            assert "Émilie du Châtelet" in page and "chain_factor_forgotten" in page
            rows = list(csv.DictReader(io.StringIO(teacher.get(f"/teacher/class/{code}/attempts.csv").text)))
            assert [r["verdict"] for r in rows] == ["correct", "incorrect"]
    finally:
        app.state.room.close()


def test_joining_at_the_same_moment_makes_one_student(postgres_url, tmp_path):
    app = make_app(tmp_path, database=postgres_url)
    storage = app.state.room.storage
    try:
        class_info = storage.create_class("Race")
        results = []
        threads = [threading.Thread(target=lambda: results.append(storage.join(class_info, "Twin")))
                   for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({s.id for s in results}) == 1 and len(storage.class_students(class_info)) == 1
    finally:
        app.state.room.close()


def test_two_server_processes_share_one_database(postgres_url, tmp_path):
    """Behind a proxy, any process may answer any request: classes and sessions are in the database."""
    import httpx

    one = Server(tmp_path / "one", "--database", postgres_url, "--workers", "1", "--no-warm")
    two = Server(tmp_path / "two", "--database", postgres_url, "--workers", "1", "--no-warm")
    try:
        client = httpx.Client(timeout=30, follow_redirects=True)
        csrf = CSRF.search(client.get(one.url + "/").text).group(1)
        created = client.post(one.url + "/teacher/classes", data={"name": "Two processes", "csrf": csrf})
        code = str(created.url).rsplit("/", 1)[1]
        # the session cookie made by one process is good at the other
        joined = client.post(two.url + "/join", data={"name": "Roaming Ray", "class": code, "csrf": csrf})
        assert joined.url.path == "/practice"
        assert "Roaming Ray" in client.get(one.url + f"/teacher/class/{code}").text
    finally:
        one.stop()
        two.stop()
