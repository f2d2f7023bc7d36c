"""Checks run in pre-started worker processes that can be killed.

A SIGALRM in the main thread cannot interrupt sympy stuck in C code, and
does not exist on Windows; an answer that makes sympy think for a minute
must not hang a class's grading.  So each check runs in a worker process
with a time limit: when the limit passes, the worker is killed (and
reaped, so no child process is left) and a spare worker, already started
and warm, takes its place; a new spare starts in the background.  The
pool works with the ``spawn`` start method (macOS, Windows) as well as
``fork``: workers receive plain dicts and import what they need.

A worker never outlives the process that started it, whatever signal ends
that process (SIGKILL included): on Linux the kernel sends it SIGKILL when
its parent dies (``PR_SET_PDEATHSIG``), and everywhere a watchdog thread
ends it once its parent is gone (the parent id changes when a process is
orphaned), so no worker keeps computing or keeps a caller's pipe open.

    with CheckerPool(workers=2, timeout=2.0) as pool:
        results = pool.run([task, task, ...])   # in order, one per task

A pool runs the checker's ``run_task`` on each task by default; other work
that must be limited the same way (a derivation someone typed, say) passes
its own module-level function as ``handler``: it takes one picklable task
and returns a picklable result.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Callable, Protocol, cast

__all__ = ["CheckerPool", "shared_pool", "DEFAULT_TIMEOUT", "timeout_result"]

DEFAULT_TIMEOUT = 2.0
# a worker that is not ready this long after starting is replaced
_STARTUP_LIMIT = 120.0
# address-space limit of a worker (bytes); a memory bomb fails inside it
_MEMORY_LIMIT = 2 * 1024 ** 3


def _limit_memory():
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = _MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(_MEMORY_LIMIT, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform: the time limit still holds


# how often a worker looks whether its parent is still there (seconds)
_WATCHDOG_INTERVAL = 0.2
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int, by_signal: bool) -> None:
    """End this worker when process *parent* ends, however it ends."""
    if by_signal and sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog still holds

    def watch():
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(_WATCHDOG_INTERVAL)

    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=watch, name="mathomong-parent-watchdog", daemon=True).start()


def _worker_main(connection, warm: bool, parent: int | None = None, by_signal: bool = False,
                 handler=None) -> None:
    """A worker's loop: receive a task, send back ``handler(task)`` (the checker's ``run_task``); None stops it."""
    if parent is not None:
        _die_with_parent(parent, by_signal)
    _limit_memory()
    if handler is None:
        from .engine import run_task as handler

    if warm:
        # import the reader and sympy's printers before the first timed task
        from ..parsing import parse_expression

        try:
            parse_expression(r"\frac{1}{2}x^{2} + \sigma(z)", syntax="latex")
        except Exception:
            pass
    connection.send(("ready", os.getpid()))
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        task_id, task = message
        try:
            result = handler(task)
        except BaseException as exc:  # a worker never dies on a task
            result = {"verdict": "invalid", "feedback": f"We could not check this answer ({type(exc).__name__}).",
                      "details": {"reason": type(exc).__name__}, "score": 0.0}
        try:
            connection.send((task_id, result))
        except (EOFError, OSError, BrokenPipeError):
            return


def timeout_result(seconds: float) -> dict:
    reason = f"checking took longer than {seconds:g} s"
    return {"verdict": "invalid", "feedback": f"We could not check this answer: {reason}.",
            "details": {"reason": reason, "timeout": True}, "score": 0.0}


def _crash_result() -> dict:
    reason = "the checker stopped while checking this answer (it may need too much memory)"
    return {"verdict": "invalid", "feedback": f"We could not check this answer: {reason}.",
            "details": {"reason": reason, "crashed": True}, "score": 0.0}


class _ProcessContext(Protocol):
    """What the pool uses of a multiprocessing start method's context."""

    def Pipe(self, duplex: bool = ...) -> tuple[Connection, Connection]: ...

    @property
    def Process(self) -> Callable[..., BaseProcess]: ...


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: Connection
    started: float
    ready: bool = False
    task_id: int | None = None
    deadline: float = 0.0

    def kill(self) -> None:
        try:
            self.connection.close()
        except OSError:
            pass
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)


class CheckerPool:
    """*workers* worker processes plus one warm spare; each task has *timeout* seconds."""

    def __init__(self, workers: int | None = None, timeout: float = DEFAULT_TIMEOUT, start_method: str | None = None,
                 warm: bool = True, handler=None):
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.size = max(1, workers if workers is not None else min(2, os.cpu_count() or 1))
        self.timeout = float(timeout)
        # every start method's context makes processes; typeshed gives a method named by a str a BaseContext
        self.context = cast(_ProcessContext, multiprocessing.get_context(start_method) if start_method
                            else multiprocessing.get_context())
        self.warm = warm
        self.handler = handler  # None: the checker's run_task
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._spare: _Worker | None = None
        self._next_id = 0
        self.killed = 0  # workers killed for a timeout, for reports and tests
        self._closed = False
        for _ in range(self.size):
            self._workers.append(self._start())
        self._spare = self._start()

    # -- processes ---------------------------------------------------------
    def _start(self) -> _Worker:
        parent, child = self.context.Pipe(duplex=True)
        # the kernel's parent-death signal follows the thread that forks, so only a main thread arms it
        by_signal = threading.current_thread() is threading.main_thread()
        process = self.context.Process(target=_worker_main, args=(child, self.warm, os.getpid(), by_signal, self.handler),
                                       daemon=True, name="mathomong-check-worker")
        process.start()
        child.close()
        return _Worker(process, parent, time.monotonic())

    def _replace(self, worker: _Worker) -> _Worker:
        """Kill *worker*; its place goes to the spare, and a new spare starts."""
        worker.kill()
        index = self._workers.index(worker)
        replacement = self._spare if self._spare is not None else self._start()
        self._workers[index] = replacement
        self._spare = self._start()
        return replacement

    def pids(self) -> list[int]:
        everyone = self._workers + ([self._spare] if self._spare else [])
        return [w.process.pid for w in everyone if w.process.pid is not None]

    def _promote_ready_spare(self):
        spare = self._spare
        if spare is not None and not spare.ready and spare.connection.poll():
            try:
                message = spare.connection.recv()
                spare.ready = message[0] == "ready"
            except (EOFError, OSError):
                self._spare.kill()
                self._spare = self._start()

    # -- running tasks -----------------------------------------------------
    def run(self, tasks, progress=None, on_result=None) -> list[dict]:
        """Results of *tasks*, in order; a task that runs out of time is "invalid".

        ``progress(done)`` is called with the count of finished tasks,
        ``on_result(index, result)`` with each result as it arrives.
        """
        if self._closed:
            raise RuntimeError("the checker pool is closed")
        with self._lock:
            return self._run(list(tasks), progress, on_result)

    def _run(self, tasks, progress, on_result) -> list[dict]:
        results: list = [None] * len(tasks)
        pending = list(range(len(tasks)))
        pending.reverse()
        running: dict[int, int] = {}  # task id -> index
        done = 0

        def finished(index: int, result: dict) -> None:
            nonlocal done
            results[index] = result
            done += 1
            if on_result:
                on_result(index, result)
            if progress:
                progress(done)
        while pending or running:
            now = time.monotonic()
            for worker in list(self._workers):
                if worker.ready and worker.task_id is None and pending:
                    index = pending.pop()
                    task_id = self._next_id
                    self._next_id += 1
                    try:
                        worker.connection.send((task_id, tasks[index]))
                    except (OSError, BrokenPipeError):
                        pending.append(index)
                        self._replace(worker)
                        continue
                    worker.task_id = task_id
                    worker.deadline = time.monotonic() + self.timeout
                    running[task_id] = index
                elif not worker.ready and now - worker.started > _STARTUP_LIMIT:
                    self._replace(worker)
            waiting = [w for w in self._workers if w.task_id is not None or not w.ready]
            if not waiting:
                continue
            deadlines = [w.deadline for w in waiting if w.task_id is not None]
            wait_for = max(0.0, min(deadlines) - time.monotonic()) if deadlines else 0.5
            ready_connections = wait([w.connection for w in waiting], timeout=min(wait_for, 0.5))
            for worker in list(waiting):
                if worker.connection in ready_connections:
                    try:
                        message = worker.connection.recv()
                    except (EOFError, OSError):
                        if worker.task_id is not None:
                            finished(running.pop(worker.task_id), _crash_result())
                        self._replace(worker)
                        continue
                    if message[0] == "ready":
                        worker.ready = True
                        continue
                    task_id, result = message
                    if task_id == worker.task_id:
                        worker.task_id = None
                        finished(running.pop(task_id), result)
                elif worker.task_id is not None and time.monotonic() > worker.deadline:
                    self.killed += 1
                    finished(running.pop(worker.task_id), timeout_result(self.timeout))
                    self._replace(worker)
            self._promote_ready_spare()
        return results

    def run_one(self, task: dict) -> dict:
        return self.run([task])[0]

    # -- lifetime ----------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        everyone = self._workers + ([self._spare] if self._spare else [])
        for worker in everyone:
            try:
                worker.connection.send(None)
            except (OSError, BrokenPipeError):
                pass
        for worker in everyone:
            worker.process.join(timeout=2)
            worker.kill()
        self._workers = []
        self._spare = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


_SHARED: dict = {}


def shared_pool(timeout: float = DEFAULT_TIMEOUT, workers: int | None = None) -> CheckerPool:
    """One pool per (timeout, workers) for the process, started on first use."""
    key = (float(timeout), workers)
    pool = _SHARED.get(key)
    if pool is None or pool._closed:
        pool = CheckerPool(workers=workers, timeout=timeout)
        _SHARED[key] = pool
    return pool


@atexit.register
def _close_shared():
    for pool in list(_SHARED.values()):
        pool.close()
    _SHARED.clear()
