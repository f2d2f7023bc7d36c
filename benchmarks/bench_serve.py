"""Load test of the practice room: simulated students checking answers at once, on loopback.

Starts ``mathomong serve`` on a free loopback port with a fresh SQLite
database, lets STUDENTS students join and open a problem each (a mix of the
guide's parts) and read it (``--read`` seconds: the server prepares each
problem's keys meanwhile, as it does while a real student reads), then every
student answers ROUNDS times — right, wrong, named mistakes and unreadable
answers — with a short random pause between answers.  Prints the median and
95th percentile of the time per check (from the request leaving the client
to the verdict arriving, the database write included), the checks per
second, the failed requests (any answer that is not HTTP 200 with a
verdict), and the CPU time the server and its checker workers spent per
check (Linux): on a machine shared with other work the times per check
grow with the load, the CPU per check does not.  Every loop is bounded in
count and time, and the server is stopped at the end.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_serve.py
    .venv/bin/python benchmarks/bench_serve.py --students 30 --rounds 20 --workers 2 --burst

``--burst`` has every student press "check" at the same instant each round
(a barrier), the worst case for the checker pool.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from mathomong_sym.serve.content import practice_problem

TOPICS = ["one-neuron", "derivative-power", "chain-rule", "partial-neuron", "activation-sigmoid", "mse",
          "gradient-step", "backprop-delta", "landscape", "sensitivity"]
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
SEED = re.compile(r'data-seed="([0-9a-f]+)"')
TIME_LIMIT = 600.0  # seconds the whole run may take


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(problem, rng):
    """What a class types for a problem: the key, its typical mistakes, slips and nonsense."""
    pool = []
    for part in problem.parts:
        pool.append((part.label, part.answer_latex))
        pool.extend((part.label, m.latex) for m in part.entry.mistakes[:3])
        pool.append((part.label, rng.choice(["idk", "x^^2", "0.5", r"\frac{1}{2}", "2*(yhat - y)"])))
    return pool


class Student(threading.Thread):
    def __init__(self, index, url, rounds, barrier, pause, deadline, ready, started):
        super().__init__(daemon=True)
        self.ready = ready
        self.started = started
        self.index, self.url, self.rounds, self.barrier, self.pause = index, url, rounds, barrier, pause
        self.deadline = deadline
        self.times: list[float] = []
        self.rounds_of: list[int] = []
        self.failures: list[str] = []
        self.rng = random.Random(index)

    def run(self):
        with httpx.Client(base_url=self.url, timeout=30, follow_redirects=True) as client:
            try:
                csrf = CSRF.search(client.get("/").text).group(1)
                client.post("/join", data={"name": f"Student {self.index:02d}", "class": "", "csrf": csrf})
                topic = TOPICS[self.index % len(TOPICS)]
                page = client.get(f"/practice/{topic}?difficulty=medium")
                problem = practice_problem(topic, "medium", SEED.search(page.text).group(1))
            except Exception as exc:  # noqa: BLE001 - a failed join is a failed request, reported
                self.failures.append(f"join: {type(exc).__name__}: {exc}")
                self._leave_barrier()
                return
            answers = _answers(problem, self.rng)
            self.ready.release()
            self.started.wait(timeout=300)  # the class has opened and read its problems: the checks begin
            for round_number in range(self.rounds):
                if time.monotonic() > self.deadline:
                    self.failures.append("out of time")
                    break
                if self.barrier is not None:
                    try:
                        self.barrier.wait(timeout=60)
                    except threading.BrokenBarrierError:
                        pass
                else:
                    time.sleep(self.rng.uniform(0, self.pause))
                label, answer = self.rng.choice(answers)
                started = time.perf_counter()
                try:
                    response = client.post("/api/check", headers={"X-CSRF-Token": csrf}, json={
                        "topic": problem.topic, "difficulty": problem.difficulty, "seed": problem.seed,
                        "part": label, "answer": answer})
                    elapsed = time.perf_counter() - started
                    if response.status_code != 200 or "verdict" not in response.json():
                        self.failures.append(f"HTTP {response.status_code}: {response.text[:100]}")
                        continue
                except (httpx.HTTPError, ValueError) as exc:
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                self.times.append(elapsed)
                self.rounds_of.append(round_number)
        self._leave_barrier()

    def _leave_barrier(self):
        self.ready.release()
        if self.barrier is not None:
            self.barrier.abort()  # nobody waits for a student who has left


def _cpu_seconds(root: int) -> float | None:
    """CPU time (user + system) of process *root* and every process under it, from /proc; None elsewhere."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        stats = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    except (OSError, ValueError, AttributeError):
        return None
    family, changed = {root}, True
    while changed:
        changed = False
        for pid, (parent, _) in stats.items():
            if parent in family and pid not in family:
                family.add(pid)
                changed = True
    return sum(stats[pid][1] for pid in family if pid in stats)


def _own_cpu(root: int) -> float | None:
    try:
        with open(f"/proc/{root}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, AttributeError):
        return None


def _percentile(ordered, q):
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=20, help="checks per student")
    parser.add_argument("--workers", type=int, default=2, help="checker worker processes of the server")
    parser.add_argument("--pause", type=float, default=1.0, help="longest pause between a student's checks (s)")
    parser.add_argument("--burst", action="store_true", help="every student checks at the same instant")
    parser.add_argument("--read", type=float, default=10.0,
                        help="seconds the class reads its problems before the first check (default: 10)")
    parser.add_argument("--database", help="a PostgreSQL URL instead of SQLite")
    args = parser.parse_args(argv)
    if not (1 <= args.students <= 200 and 1 <= args.rounds <= 200):
        parser.error("--students and --rounds are 1–200")

    port = _free_port()
    data = Path(tempfile.mkdtemp(prefix="mathomong-bench-"))
    # every simulated student comes from 127.0.0.1, where a class has an address each: the per-address
    # limit is lifted, the per-student check limit stays as it is by default
    command = [sys.executable, "-m", "mathomong_sym", "serve", "--port", str(port), "--data", str(data),
               "--workers", str(args.workers), "--rate", "10000"]
    if args.database:
        command += ["--database", args.database]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                print(server.stdout.read() if server.poll() is not None else "the server did not start")
                return 1
            time.sleep(0.2)
        barrier = threading.Barrier(args.students) if args.burst else None
        stop_at = time.monotonic() + TIME_LIMIT
        started = threading.Event()
        ready = threading.Semaphore(0)
        students = [Student(i, url, args.rounds, barrier, args.pause, stop_at, ready, started)
                    for i in range(args.students)]
        for student in students:
            student.start()
        for _ in students:  # every student has opened a problem (or failed to)
            ready.acquire(timeout=120)
        time.sleep(args.read)
        cpu_before, server_before = _cpu_seconds(server.pid), _own_cpu(server.pid)
        client_before = time.process_time()
        began = time.perf_counter()
        started.set()
        for student in students:
            student.join(timeout=max(1.0, stop_at - time.monotonic()))
        wall = time.perf_counter() - began
        cpu_after, server_after = _cpu_seconds(server.pid), _own_cpu(server.pid)
        client_cpu = time.process_time() - client_before
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(data, ignore_errors=True)
    times = sorted(t for s in students for t in s.times)
    failures = [f for s in students for f in s.failures]
    if not times:
        print("no check was answered;", failures[:5])
        return 1
    p95 = _percentile(times, 0.95)
    first = sorted(t for s in students for t, r in zip(s.times, s.rounds_of) if r == 0)
    mode = "all at once each round" if args.burst else f"pauses of 0–{args.pause:g} s"
    print(f"{args.students} students × {args.rounds} checks ({mode}), {args.workers} checker workers, "
          f"{os.cpu_count()} cores, {'PostgreSQL' if args.database else 'SQLite'}")
    print(f"checks answered: {len(times)} in {wall:.1f} s ({len(times) / wall:.1f} per second)")
    print(f"time per check: median {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"max {times[-1] * 1000:.0f} ms")
    if first:
        print(f"  a student's first check: median {statistics.median(first) * 1000:.0f} ms, "
              f"p95 {_percentile(first, 0.95) * 1000:.0f} ms")
    if None not in (cpu_before, cpu_after, server_before, server_after):
        total = (cpu_after - cpu_before) / len(times) * 1000
        own = (server_after - server_before) / len(times) * 1000
        print(f"CPU per check: {total:.1f} ms ({own:.1f} ms in the server process, {total - own:.1f} ms in the "
              f"checker workers), and {client_cpu / len(times) * 1000:.1f} ms in this load generator; "
              f"load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"failed requests: {len(failures)}" + (f" (first: {failures[0]})" if failures else ""))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
