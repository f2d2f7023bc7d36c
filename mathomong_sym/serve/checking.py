"""Answer checks for many students at once, through the package's checker pool.

The pool (:class:`~mathomong_sym.check.pool.CheckerPool`) runs one batch at a
time, each check in a worker process with the checker's time limit.  Request
threads hand their tasks to one dispatcher thread, which sends every task
waiting at that moment as one batch, so the workers stay busy while thirty
students press "check" together, and each request waits only for its own
result.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future

from ..check.checker import CheckResult, make_task
from ..check.pool import DEFAULT_TIMEOUT, CheckerPool

__all__ = ["CheckService"]

#: the most tasks one batch takes; the rest wait for the next
_BATCH = 64


class CheckService:
    """``check(answer, entry)`` from any thread; ``close()`` stops the workers."""

    def __init__(self, workers: int = 2, timeout: float = DEFAULT_TIMEOUT):
        self.workers = workers
        self.timeout = timeout
        self._pool = CheckerPool(workers=workers, timeout=timeout)
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._dispatch, name="mathomong-serve-checks", daemon=True)
        self._thread.start()

    def check(self, answer: str, entry) -> CheckResult:
        """The verdict on *answer* against the key *entry* (an ``AnswerEntry``)."""
        future: Future = Future()
        self._queue.put((make_task(answer, entry), future))
        result = future.result()
        return CheckResult.from_result(result)

    def warm(self, answer: str, entry) -> None:
        """Run one check in every worker, so that the first student does not wait for the imports."""
        self._pool.run([make_task(answer, entry)] * self.workers)

    def _dispatch(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < _BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(item)
            try:
                results = self._pool.run([task for task, _ in batch])
            except BaseException as exc:  # the pool itself failed: every waiting request hears it
                for _, future in batch:
                    future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results):
                future.set_result(result)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)
        self._pool.close()
