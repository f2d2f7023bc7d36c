"""A thread that takes the work waiting at each moment as one batch: checks to a worker, attempts to a commit.

``submit(item)`` from any thread returns a Future; the thread hands every
item waiting at that moment (up to *limit*) to ``handle(items)``, which
returns one result per item (an exception instance for an item that
failed alone), and each Future gets its own.  Items submitted as
``background`` wait until nothing else does, and go one at a time, so a
foreground item waits for at most one of them.  An item whose Future is
cancelled before its batch begins is dropped.
"""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Future

__all__ = ["Batcher"]


class Batcher:
    def __init__(self, handle, *, name: str, limit: int = 64, background_limit: int = 256):
        self.handle = handle
        self.limit = limit
        self._waiting: deque = deque()
        self._background: deque = deque(maxlen=background_limit)  # the oldest are dropped first
        self._ready = threading.Condition()
        self._closed = False
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def submit(self, item, *, background: bool = False) -> Future:
        future: Future = Future()
        with self._ready:
            if self._closed:
                raise RuntimeError(f"{self.thread.name} is closed")
            (self._background if background else self._waiting).append((item, future))
            self._ready.notify()
        return future

    def waiting(self) -> int:
        with self._ready:
            return len(self._waiting)

    def _next_batch(self) -> list | None:
        with self._ready:
            while not (self._waiting or self._background or self._closed):
                self._ready.wait()
            if self._waiting:  # what was submitted before closing is still done
                return [self._waiting.popleft() for _ in range(min(len(self._waiting), self.limit))]
            if self._background and not self._closed:
                return [self._background.popleft()]
            return None

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            # an item whose Future was cancelled (its request went away) is dropped; the others can no longer be
            batch = [(item, future) for item, future in batch if future.set_running_or_notify_cancel()]
            if not batch:
                continue
            try:
                results = self.handle([item for item, _ in batch])
            except BaseException as exc:  # noqa: BLE001 - the handler itself failed: everyone waiting hears it
                for _, future in batch:
                    future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results):
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    def close(self, timeout: float = 30) -> None:
        """Finish what was submitted (background work is dropped), then stop."""
        with self._ready:
            self._closed = True
            self._ready.notify()
        self.thread.join(timeout=timeout)
