"""Conversations played ahead of their pytest items, several at once, on a pool of threads.

Conversations stay pure (`converse`); the pytest shell (prefetch.py) submits the next ones it
will run and each item takes its own result, so an item reports exactly what it would have
reported played inline. Threads rather than asyncio: the work is waiting on HTTP, the openai
client and the cache are thread-safe, and `converse` stays one plain function.

How many in flight, by default: 8 per process when anything in the conversation talks to an
endpoint (about Inspect AI's `max_connections` 10 and promptfoo's `-j 4`, and the Limiter
narrows it on a 429 anyway); 1 for in-process models (builtin/, replay:, python:), which are
CPU-bound under the GIL and gain nothing from threads, and for local: models, whose one
machine's cores are the limit (raise it and the llama.cpp server gets more slots).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Collection, Hashable
from concurrent.futures import Future
from typing import Generic, TypeVar

from pytest_carryon.settings import Settings
from pytest_carryon.targets import needs_endpoint

__all__ = ["ENDPOINT_CONCURRENCY", "Pool", "concurrency_of"]

T = TypeVar("T")

ENDPOINT_CONCURRENCY = 8
_OFFLINE_ROLES = ("heuristic", "scripted")


def concurrency_of(settings: Settings, registered: Collection[str] = ()) -> int:
    """Conversations in flight per process: what was asked, else the default for the targets.

    `registered` names the targets of `pytest_carryon_targets`: app functions, in-process like
    `python:` ones, whose thread safety nobody has promised, so they get one slot unless asked."""
    if settings.concurrency is not None:
        return settings.concurrency
    specs = [*settings.models, *(n for n in (settings.judge, settings.user) if n not in _OFFLINE_ROLES)]
    if any(needs_endpoint(spec, registered) for spec in specs):
        return ENDPOINT_CONCURRENCY
    return 1


class Pool(Generic[T]):
    """Up to `size` jobs at once, on daemon threads (a job blocked on the network never holds
    up the interpreter's exit); each job's result is taken by its key."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._jobs: queue.SimpleQueue[tuple[Future[T], Callable[[], T]] | None] = queue.SimpleQueue()
        self._futures: dict[Hashable, Future[T]] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def __contains__(self, key: Hashable) -> bool:
        return key in self._futures

    def submit(self, key: Hashable, job: Callable[[], T]) -> None:
        with self._lock:
            if self._closed or key in self._futures:
                return
            future: Future[T] = Future()
            self._futures[key] = future
            self._jobs.put((future, job))
            if len(self._threads) < self.size:
                thread = threading.Thread(target=self._work, name=f"carryon-{len(self._threads)}",
                                          daemon=True)
                self._threads.append(thread)
                thread.start()

    def take(self, key: Hashable) -> Future[T] | None:
        """The job's future, no longer tracked here; None if `key` was never submitted."""
        with self._lock:
            return self._futures.pop(key, None)

    def drop(self, key: Hashable) -> None:
        """Forget a job: cancelled if not started; if running, its result is never used."""
        with self._lock:
            future = self._futures.pop(key, None)
        if future is not None:
            future.cancel()

    def cancel(self) -> None:
        """Cancel every job not started yet; running ones finish."""
        with self._lock:
            for future in self._futures.values():
                future.cancel()

    def finished(self) -> list[tuple[Hashable, T]]:
        """Results of the jobs done and not taken, in submission order."""
        with self._lock:
            done = list(self._futures.items())
        return [(key, f.result()) for key, f in done
                if f.done() and not f.cancelled() and f.exception() is None]

    def close(self) -> None:
        """Cancel what has not started and let the threads end once their job is done."""
        self.cancel()
        with self._lock:
            self._closed = True
            for _ in self._threads:
                self._jobs.put(None)

    def _work(self) -> None:
        while True:
            entry = self._jobs.get()
            if entry is None:
                return
            future, job = entry
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job())
            except BaseException as exc:  # the item re-raises it, as if it had run inline
                future.set_exception(exc)
