"""Answer checks for many students at once, through the package's checker pool.

Each of the *workers* lanes is a :class:`~mathomong_sym.check.pool.CheckerPool`
of one worker process (with its warm spare), so every check still runs with
the checker's time and memory limits and a stuck one is killed.  A problem
is given to one lane the first time it is seen (the lane with the fewest
problems), and every later check of it goes to the same lane: the worker
reads and prepares a problem's keys once, and a student's second try finds
its worker warm.  When a page shows a problem, its keys are prepared in the
background (:meth:`CheckService.prepare`) before the student has typed.

Request threads hand their tasks to the lane's dispatcher thread, which sends
every check waiting at that moment as one batch.

:class:`ExploreService` runs the derivations typed on the explore page the
same way, in a lane of their own, with their own time limit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future

from ..check.checker import CheckResult, make_task
from ..check.pool import DEFAULT_TIMEOUT, CheckerPool
from ..errors import MathomongError
from .batches import Batcher

__all__ = ["CheckService", "ExploreService"]

#: the most tasks one batch takes; the rest wait for the next
_BATCH = 64
#: keys waiting to be prepared per lane (the oldest are dropped first)
_BACKGROUND = 256
#: problems whose lane is remembered (the oldest is forgotten first)
_REMEMBERED = 20000


class _Lane:
    """One worker process and the thread that feeds it.

    Students' checks go first: a key being prepared in the background runs
    only while no check waits, one at a time, so a check waits for at most
    one of them.
    """

    def __init__(self, timeout: float, name: str, handler=None):
        self.pool = CheckerPool(workers=1, timeout=timeout, handler=handler)
        self.problems = 0
        self.feeder = Batcher(self.pool.run, name=name, limit=_BATCH, background_limit=_BACKGROUND)

    def submit(self, task, *, background: bool = False) -> Future:
        return self.feeder.submit(task, background=background)

    def close(self) -> None:
        self.feeder.close(timeout=10)
        self.pool.close()


class CheckService:
    """``check(answer, entry, problem=key)`` from any thread; ``close()`` stops the workers."""

    def __init__(self, workers: int = 2, timeout: float = DEFAULT_TIMEOUT):
        self.workers = max(1, workers)
        self.timeout = timeout
        self._lanes = [_Lane(timeout, f"mathomong-serve-checks-{i}") for i in range(self.workers)]
        self._assigned: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def _lane(self, problem) -> _Lane:
        with self._lock:
            lane = self._assigned.get(problem)
            if lane is None:
                lane = min(self._lanes, key=lambda candidate: candidate.problems)
                lane.problems += 1
                self._assigned[problem] = lane
                if len(self._assigned) > _REMEMBERED:
                    _, forgotten = self._assigned.popitem(last=False)
                    forgotten.problems -= 1
            else:
                self._assigned.move_to_end(problem)
            return lane

    def submit(self, answer: str, entry, problem=None) -> Future:
        """A Future of the checker's result for *answer* against the key *entry*, checked in the lane of *problem*.

        (``CheckResult.from_result`` makes it a CheckResult.)  A server awaits it without holding a thread.
        """
        return self._lane(problem).submit(make_task(answer, entry))

    def check(self, answer: str, entry, problem=None) -> CheckResult:
        """The verdict on *answer* against the key *entry*, checked in the lane of *problem*."""
        return CheckResult.from_result(self.submit(answer, entry, problem).result())

    def prepare(self, entries, problem=None) -> None:
        """Have the lane of *problem* read these keys now (each against its own answer), without waiting."""
        lane = self._lane(problem)
        for entry in entries:
            lane.submit(make_task(entry.latex, entry), background=True)

    def close(self) -> None:
        for lane in self._lanes:
            lane.close()


#: explorations remembered by the server (the same request is answered without a worker)
_EXPLORED = 256


class ExploreService:
    """``explore(task)`` from any thread: an exploration, derived in a worker under a time limit."""

    def __init__(self, timeout: float):
        from .explore import run_task

        self.timeout = timeout
        self._lane = _Lane(timeout, "mathomong-serve-explore", handler=run_task)
        self._done: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def explore(self, task: dict):
        """The :class:`~mathomong_sym.serve.explore.Exploration` of *task*; MathomongError says why not."""
        key = tuple(sorted(task.items()))
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                return self._done[key]
        result = self._lane.submit(task).result()
        if "exploration" not in result:
            details = result.get("details", {})
            if "error" in result:
                raise MathomongError(result["error"])
            if details.get("timeout"):
                raise MathomongError(f"this derivation takes longer than {self.timeout:g} s; "
                                     "try a smaller expression, or `mathomong explain` on your own machine")
            if details.get("crashed"):
                raise MathomongError("this derivation needs more memory than the server gives one")
            raise MathomongError(f"this derivation could not be made ({details.get('reason', 'unknown error')})")
        with self._lock:
            self._done[key] = result["exploration"]
            if len(self._done) > _EXPLORED:
                self._done.popitem(last=False)
        return result["exploration"]

    def close(self) -> None:
        self._lane.close()
