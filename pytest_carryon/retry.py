"""Retrying a request to an OpenAI-compatible endpoint: which failures retry and how long to wait.

The one owner of retrying. The SDK's own retries are off (`max_retries=0`): they would sleep
inside a slot of the Limiter and hide every 429 from it. Here each attempt takes a slot, a 429
or 503 narrows the process's window (and a `Retry-After` holds every request of the process),
and the backoff between attempts is spent outside any slot.

Retried: 408, 409, 429, 5xx, timeouts, dropped connections, replies that cannot be parsed and
empty replies, up to `retries` times, waiting `retry-after-ms` or `Retry-After` when the
endpoint sends one (capped at MAX_RETRY_AFTER_S) and exponential backoff with jitter otherwise,
as the openai SDK does. Not retried: other 4xx and a reply the endpoint's content filter
stopped. What is given up on becomes a `GaveUp` carrying its `Failure`, which the caller turns
into the conversation's error, never into a reply (an empty reply judged as a refusal would
be a false over-refusal).
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import openai

from pytest_carryon.limiter import Limiter

__all__ = ["MAX_RETRY_AFTER_S", "Failure", "Fault", "GaveUp", "backoff", "classify", "retry_after",
           "send"]

T = TypeVar("T")

INITIAL_BACKOFF_S = 0.5
MAX_BACKOFF_S = 8.0
MAX_RETRY_AFTER_S = 120.0  # the SDK's own cap: beyond it a wait is not worth keeping a run alive
_RETRY_STATUSES = frozenset({408, 409, 429})
_THROTTLE_STATUSES = frozenset({429, 503, 529})  # 529: "overloaded" on some providers


@dataclass(frozen=True)
class Failure:
    """One failed attempt, in terms of what to do about it."""

    reason: str  # short and stable, for counting: "HTTP 429", "timeout", "empty reply", ...
    detail: str
    retry: bool
    throttle: bool = False  # the provider is over its limit: narrow the window
    retry_after: float | None = None
    unreachable: bool = False  # nothing listens there: later calls need not try


class Fault(Exception):
    """A reply arrived but cannot be used; raised by the attempt, classified like an HTTP error."""

    def __init__(self, reason: str, detail: str, *, retry: bool) -> None:
        super().__init__(detail)
        self.failure = Failure(reason, detail, retry=retry)


class GaveUp(Exception):
    def __init__(self, failure: Failure, attempts: int) -> None:
        super().__init__(failure.detail)
        self.failure = failure
        self.attempts = attempts


def retry_after(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds the endpoint asks us to wait: `retry-after-ms`, else `Retry-After` (seconds or an
    HTTP date); None when absent or unreadable."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        text = lowered.get(name)
        if text is None:
            continue
        try:
            return min(max(0.0, float(text) * scale), MAX_RETRY_AFTER_S)
        except ValueError:
            pass
    text = lowered.get("retry-after")
    if text:
        try:
            when = email.utils.parsedate_to_datetime(text).timestamp()
        except (TypeError, ValueError):
            return None
        return min(max(0.0, when - (time.time() if now is None else now)), MAX_RETRY_AFTER_S)
    return None


def backoff(attempt: int) -> float:
    """Exponential backoff with jitter, so retries of many conversations do not line up."""
    return min(INITIAL_BACKOFF_S * 2.0 ** attempt, MAX_BACKOFF_S) * random.uniform(0.75, 1.0)


def classify(exc: BaseException) -> Failure | None:
    """What a failed attempt means; None for an exception that is not the endpoint's doing."""
    if isinstance(exc, Fault):
        return exc.failure
    if isinstance(exc, openai.APITimeoutError):
        return Failure("timeout", str(exc) or "request timed out", retry=True)
    if isinstance(exc, openai.APIConnectionError):
        cause = type(exc.__cause__).__name__ if exc.__cause__ else ""
        refused = cause == "ConnectError" or isinstance(exc.__cause__, ConnectionRefusedError)
        return Failure("connection", f"{exc} ({cause})" if cause else str(exc), retry=True,
                       unreachable=refused)
    if isinstance(exc, openai.APIStatusError):
        return _status_failure(exc)
    if isinstance(exc, (openai.APIResponseValidationError, json.JSONDecodeError)):
        return Failure("malformed response", f"the reply is not valid JSON ({exc})", retry=True)
    return None


def _status_failure(exc: openai.APIStatusError) -> Failure:
    status = exc.status_code
    headers = dict(exc.response.headers) if exc.response is not None else {}
    should = {k.lower(): v for k, v in headers.items()}.get("x-should-retry")
    retry = status in _RETRY_STATUSES or status >= 500
    if should in ("true", "false"):
        retry = should == "true"
    return Failure(f"HTTP {status}", exc.message, retry=retry,
                   throttle=status in _THROTTLE_STATUSES, retry_after=retry_after(headers))


def send(attempt: Callable[[], T], limiter: Limiter, retries: int) -> T:
    """Run `attempt` in a slot of `limiter`, retrying what is worth retrying up to `retries` times.

    Raises GaveUp with the last failure; Stopped when the run stops meanwhile.
    """
    tries = 0
    while True:
        with limiter.slot() as ticket:
            try:
                result = attempt()
            except Exception as exc:
                failure = classify(exc)
                if failure is None:
                    raise
            else:
                limiter.succeeded(ticket)
                return result
        tries += 1
        if failure.throttle:
            limiter.throttled(ticket, failure.retry_after)
        if not failure.retry or tries > retries:
            raise GaveUp(failure, tries)
        limiter.pause(failure.retry_after if failure.retry_after is not None else backoff(tries - 1))
