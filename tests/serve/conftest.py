"""Fixtures of the practice room's tests: an app on a fresh database, clients that join and answer."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import pytest

# Starlette's test client asks for httpx2 in time; httpx works the same today
warnings.filterwarnings("ignore", message=".*httpx2.*")

pytest.importorskip("starlette")
pytest.importorskip("sqlalchemy")

from starlette.testclient import TestClient  # noqa: E402

from mathomong_sym.serve.app import ServeConfig, create_app  # noqa: E402
from mathomong_sym.serve.content import practice_problem  # noqa: E402
from mathomong_sym.worksheets.club import club_folder  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
SEED = re.compile(r'data-seed="([0-9a-f]+)"')


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


class Visitor:
    """A browser-like client: keeps its cookies and its page's CSRF token."""

    def __init__(self, client: TestClient):
        self.http = client
        self.csrf = ""

    def get(self, url, **kwargs):
        response = self.http.get(url, **kwargs)
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def form(self, url, data, **kwargs):
        if not self.csrf:
            self.get("/")
        return self.http.post(url, data={"csrf": self.csrf, **data}, **kwargs)

    def api(self, url, payload, **kwargs):
        if not self.csrf:
            self.get("/")
        return self.http.post(url, json=payload, headers={"X-CSRF-Token": self.csrf}, **kwargs)

    def join(self, name, code="", token=None):
        data = {"name": name, "class": code}
        if token is not None:
            data["token"] = token
        return self.form("/join", data)

    def open_problem(self, topic="one-neuron", difficulty="medium"):
        response = self.get(f"/practice/{topic}?difficulty={difficulty}")
        assert response.status_code == 200, response.text
        seed = SEED.search(response.text).group(1)
        return practice_problem(topic, difficulty, seed)

    def check(self, problem, part, answer):
        return self.api("/api/check", {"topic": problem.topic, "difficulty": problem.difficulty,
                                       "seed": problem.seed, "part": part, "answer": answer})

    def reveal(self, problem, part, kind):
        return self.api("/api/reveal", {"topic": problem.topic, "difficulty": problem.difficulty,
                                        "seed": problem.seed, "part": part, "kind": kind})


def make_app(tmp_path, **overrides):
    settings = dict(data_dir=tmp_path / "data", workers=1, check_timeout=5.0, worksheets=club_folder(),
                    warm=False)
    settings.update(overrides)
    config = ServeConfig(**settings)
    return create_app(config)


@contextmanager
def own_room(tmp_path, base_url="http://127.0.0.1", **overrides):
    """An app of its own (its own limits, tokens, database) and a client; the room is closed after."""
    application = make_app(tmp_path, **overrides)
    try:
        with TestClient(application, base_url=base_url) as client:
            yield application, client
    finally:
        application.state.room.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    # the rate limits have tests of their own, with apps of their own
    application = make_app(tmp_path_factory.mktemp("room"), check_rate=1000, check_burst=1000, rate=1000, burst=1000,
                           explore_rate=1000, explore_burst=1000, problem_rate=1000, problem_burst=1000)
    yield application
    application.state.room.close()


@pytest.fixture
def visitor(app):
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield Visitor(client)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``mathomong serve`` in a process of its own, on a free loopback port."""

    def __init__(self, data: Path, *extra: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "mathomong_sym", "serve", "--port", str(self.port), "--data", str(data),
                   "--worksheets", str(club_folder()), *extra]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        self.banner = self._wait()

    def _wait(self) -> str:
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped: {self.process.stdout.read()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return ""
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start in 60 s")

    def kill(self) -> None:
        """SIGKILL the server and its checker workers, as a power cut would stop the program."""
        import signal

        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
