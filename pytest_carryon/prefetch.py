"""The pytest side of playing conversations ahead (scheduler.Pool does the threads).

When an item's protocol starts, the conversations of the next items this process will run are
submitted to the pool, up to LOOKAHEAD x concurrency of them; each ScenarioItem then takes its
own transcript, so it passes or fails with the same message as played inline, and -k, shards,
xfail from the baseline and skip marks apply as before. Which items come next:

- without xdist, the rest of `session.items`, in order;
- in an xdist worker, only what the controller has already given this worker: the queue
  pytest-xdist's WorkerInteractor holds (`nextitem_index`, then `torun`). `--dist load` hands
  items out a few at a time, fewer as the run nears its end, so the pool thins out in the last
  seconds; `--dist worksteal` hands each worker its share up front and an idle worker steals
  the back half of another's queue, so there only the front half is played ahead (and a stolen
  item not started yet is dropped): each conversation is played once, or rarely twice.

When the session should stop (-x, --maxfail, Ctrl-C), conversations not started are cancelled
and the limiter lets no new request start; conversations that had finished ahead of their
item are kept (`unreported`): the controller adds them to the results, which are then marked
partial, so nothing already paid for is lost.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Generator, Hashable
from contextlib import suppress
from typing import Any

import pytest

from pytest_carryon.conversation import Transcript, opening
from pytest_carryon.items import ScenarioItem
from pytest_carryon.limiter import Limiter
from pytest_carryon.scheduler import Pool

__all__ = ["LOOKAHEAD", "UNREPORTED", "Ahead", "interrupt_on_sigterm"]

LOOKAHEAD = 2  # conversations submitted ahead, per slot: a slow one does not leave slots idle
TOP_UP_S = 0.05  # while an item waits for its conversation, how often to look for new items
UNREPORTED = "carryon_unreported"  # key in an xdist worker's workeroutput
_SESSION: pytest.StashKey[pytest.Session] = pytest.StashKey()


class Ahead:
    """Registered as a plugin in every process that runs scenario items, when concurrency > 1."""

    def __init__(self, config: pytest.Config, size: int, limiter: Callable[[], Limiter]) -> None:
        self.config = config
        self.pool: Pool[Transcript] = Pool(size)
        self.limiter = limiter  # the runtime's, built on first use
        self.window = LOOKAHEAD * size
        self._items: dict[Hashable, ScenarioItem] = {}
        self._position: dict[str, int] | None = None
        self._worker: Any = None if not hasattr(config, "workerinput") else _interactor(config)
        if _readable(self._worker) and hasattr(self._worker, "steal"):
            self._watch_steals(self._worker)
        self._next: pytest.Item | None = None
        self._stealing = getattr(config, "workerinput", {}).get("carryon_dist") == "worksteal"
        self._taken: set[str] = set()  # items whose turn came: never submitted again
        self.unreported: list[dict[str, Any]] = []

    def transcript(self, item: ScenarioItem) -> Transcript | None:
        future = self.pool.take(item.nodeid)
        self._items.pop(item.nodeid, None)
        self._taken.add(item.nodeid)
        if future is None or future.cancelled():
            return None
        while True:  # Ctrl-C interrupts the wait
            try:
                return future.result(timeout=TOP_UP_S)
            except TimeoutError:
                # Meanwhile xdist may have handed this worker more items: keep the pool full.
                self._top_up(item, self._next)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item,
                                nextitem: pytest.Item | None) -> Generator[None, Any, Any]:
        self._next = nextitem
        self._top_up(item, nextitem)
        try:
            return (yield)
        finally:
            session = item.session
            if session.shouldstop or session.shouldfail:
                self.pool.cancel()

    def _watch_steals(self, worker: Any) -> None:
        """Under --dist worksteal another worker may take items this one holds: drop what was
        not started, so only conversations already in flight are played twice."""
        steal = worker.steal

        def stealing(indices: Any) -> None:
            steal(indices)
            with worker.torun.lock() as queue:
                kept = set(queue)
            items = self.config.stash[_SESSION].items if _SESSION in self.config.stash else []
            for index in indices:
                if index not in kept and index < len(items):
                    self.pool.drop(items[index].nodeid)

        worker.steal = stealing

    @pytest.hookimpl
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.config.stash[_SESSION] = session

    def _top_up(self, item: pytest.Item, nextitem: pytest.Item | None) -> None:
        if not self.limiter().stopped:
            for other in [item, *self._upcoming(item, nextitem)][: self.window]:
                self._submit(other)

    def _submit(self, item: pytest.Item) -> None:
        if (not isinstance(item, ScenarioItem) or item.nodeid in self.pool
                or item.nodeid in self._taken or not _will_play(item)):
            return
        try:
            job = item.conversation()
        except Exception:  # the item meets the same error inline and reports it
            return
        self._items[item.nodeid] = item
        self.pool.submit(item.nodeid, job)

    def _upcoming(self, item: pytest.Item, nextitem: pytest.Item | None) -> list[pytest.Item]:
        items = item.session.items
        if self._worker is not None and _readable(self._worker):
            given = _given(self._worker)
            if self._stealing:
                # A thief takes the back half of this worker's queue: play only the front half.
                given = given[: len(given) // 2]
            return [items[i] for i in given]
        if self._position is None:
            self._position = {x.nodeid: i for i, x in enumerate(items)}
        start = self._position.get(item.nodeid)
        if start is None:
            return [nextitem] if nextitem is not None else []
        return list(items[start + 1: start + self.window])

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # Finished first, then stop: a conversation cut short by the stop is not "finished".
        for key, transcript in self.pool.finished():
            item = self._items.get(key)
            if item is not None:
                self.unreported.append(item.record_of(transcript))
        self.limiter().stop()
        self.pool.close()
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput[UNREPORTED] = self.unreported


def _will_play(item: ScenarioItem) -> bool:
    """What runtest would play: a model, an opening, and no skip or xfail(run=False) mark."""
    if item.model is None or opening(item.scenario, item.flow) is None:
        return False
    from _pytest.skipping import evaluate_skip_marks, evaluate_xfail_marks

    try:
        if evaluate_skip_marks(item) is not None:
            return False
        xfail = evaluate_xfail_marks(item)
    except Exception:  # a broken condition is reported by pytest at setup
        return False
    return xfail is None or xfail.run


def _interactor(config: pytest.Config) -> Any:
    return next((p for p in config.pluginmanager.get_plugins()
                 if type(p).__name__ == "WorkerInteractor"), None)


def _readable(worker: Any) -> bool:
    """pytest-xdist 3.6+ keeps the queue this way; another version falls back to `nextitem`."""
    return hasattr(worker, "torun") and hasattr(worker.torun, "lock") and hasattr(
        worker, "nextitem_index")


def _given(worker: Any) -> list[int]:
    """Indices the controller has given this worker and it has not run yet, in run order."""
    with worker.torun.lock() as queue:
        pending = [worker.nextitem_index, *queue]
    return [i for i in pending if isinstance(i, int)]


def interrupt_on_sigterm(config: pytest.Config) -> None:
    """SIGTERM (a cancelled CI job, `kill`) ends the run as Ctrl-C does, so the results are
    written, marked partial; only where nobody installed a handler of their own."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)

    def restore() -> None:
        with suppress(ValueError):
            signal.signal(signal.SIGTERM, signal.SIG_DFL)

    config.add_cleanup(restore)
