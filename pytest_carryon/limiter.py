"""How many requests one process has in flight, and when the next may start.

One Limiter per process is shared by every client of the run (model under test, LLM judge,
LLM user), so together they stay within what the provider accepts:

- a window of requests in flight, at most `ceiling` (the `--carryon-concurrency` asked for),
  adapted by additive increase and multiplicative decrease (as TCP's congestion control and
  the SRE book's client-side throttling): each success widens it by 1/window, about one slot
  per window of successes; a throttled request (429, 503) narrows it by BACKOFF, once per
  window, since the requests already in flight were sent before the provider pushed back and
  their 429s tell nothing new. A provider accepting K at once is then served at about K.
- a hold: a `Retry-After` tells when the provider will take requests again; every request of
  the process waits for it, not only the one that was told.
- an optional cap on requests per minute: starts are spaced 60/rpm seconds apart, so no
  minute ever holds more than rpm starts.

`stop()` wakes every waiter with `Stopped`, so a run that is ending does not start requests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["BACKOFF", "Limiter", "Stopped", "Ticket"]

# 0.75 rather than TCP's 0.5: the sawtooth then averages about 0.87 of the provider's limit
# instead of 0.75, and a 429 here costs one fast retry, not a lost packet.
BACKOFF = 0.75


class Stopped(Exception):
    """The run is ending: no new request starts."""


@dataclass(frozen=True)
class Ticket:
    """One request's permission to run; `epoch` says which window it was sent in."""

    epoch: int


class Limiter:
    def __init__(self, ceiling: int, rpm: float | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if ceiling < 1:
            raise ValueError(f"ceiling must be at least 1, got {ceiling}")
        self.ceiling = ceiling
        self.interval = 60.0 / rpm if rpm else 0.0
        self._clock = clock
        self._cond = threading.Condition()
        self._window = float(ceiling)
        self._epoch = 0
        self._in_flight = 0
        self._hold_until = 0.0
        self._next_start = 0.0
        self._stopped = False
        self.started = 0
        self.throttles = 0

    @property
    def window(self) -> float:
        return self._window

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @contextmanager
    def slot(self) -> Iterator[Ticket]:
        """Wait for room in the window, the end of any hold and the rpm spacing; hold a slot."""
        ticket = self._acquire()
        try:
            yield ticket
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    def _acquire(self) -> Ticket:
        with self._cond:
            while True:
                if self._stopped:
                    raise Stopped("the run is stopping")
                now = self._clock()
                if now < self._hold_until:
                    self._cond.wait(self._hold_until - now)
                elif self._in_flight >= int(self._window):
                    self._cond.wait()
                elif now < self._next_start:
                    self._cond.wait(self._next_start - now)
                else:
                    self._in_flight += 1
                    self.started += 1
                    if self.interval:
                        self._next_start = max(now, self._next_start) + self.interval
                    return Ticket(self._epoch)

    def succeeded(self, ticket: Ticket) -> None:
        with self._cond:
            self._window = min(float(self.ceiling), self._window + 1.0 / self._window)
            self._cond.notify_all()

    def throttled(self, ticket: Ticket, retry_after: float | None = None) -> None:
        """The provider pushed back on a request sent with `ticket`; `retry_after` in seconds."""
        with self._cond:
            self.throttles += 1
            if ticket.epoch == self._epoch:
                self._window = max(1.0, self._window * BACKOFF)
                self._epoch += 1
            if retry_after is not None and retry_after > 0:
                self._hold_until = max(self._hold_until, self._clock() + retry_after)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    @property
    def stopped(self) -> bool:
        return self._stopped

    def pause(self, seconds: float) -> None:
        """Sleep for a retry's backoff, cut short (with Stopped) when the run stops."""
        deadline = self._clock() + seconds
        with self._cond:
            while not self._stopped:
                left = deadline - self._clock()
                if left <= 0:
                    return
                self._cond.wait(left)
            raise Stopped("the run is stopping")
