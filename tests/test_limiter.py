"""The limiter (window, hold, rpm spacing) and the retry policy, with real threads and the real client."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from pytest_carryon.errors import ModelError, SettingsError
from pytest_carryon.limiter import BACKOFF, Limiter, Stopped
from pytest_carryon.local import slots_for
from pytest_carryon.models import OpenAIChat
from pytest_carryon.retry import MAX_RETRY_AFTER_S, backoff, retry_after
from pytest_carryon.runtime import Runtime
from pytest_carryon.scheduler import ENDPOINT_CONCURRENCY, concurrency_of
from pytest_carryon.settings import resolve
from tests.openai_server import FAULTS, OpenAIServer


@pytest.mark.parametrize(("headers", "expected"), [
    ({"retry-after-ms": "250"}, 0.25),
    ({"Retry-After": "2"}, 2.0),
    ({"retry-after-ms": "100", "Retry-After": "7"}, 0.1),  # the finer one wins, as in the SDK
    ({"Retry-After": "1.5"}, 1.5),
    ({"Retry-After": "soon"}, None),
    ({"Retry-After": "100000"}, MAX_RETRY_AFTER_S),
    ({"Retry-After": "-3"}, 0.0),
    ({}, None),
])
def test_retry_after_headers(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after(headers) == expected


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after({"Retry-After": later}, now=now.timestamp()) == pytest.approx(30.0)


def test_backoff_grows_and_is_capped() -> None:
    assert 0.375 <= backoff(0) <= 0.5
    assert 1.5 <= backoff(2) <= 2.0
    assert 6.0 <= backoff(10) <= 8.0


def test_one_decrease_per_window_and_additive_increase() -> None:
    limiter = Limiter(8)
    tickets = []
    for _ in range(4):
        with limiter.slot() as ticket:
            tickets.append(ticket)
    for ticket in tickets:  # four 429s from requests sent in the same window
        limiter.throttled(ticket)
    assert limiter.window == 8 * BACKOFF and limiter.throttles == 4
    with limiter.slot() as later:
        pass
    limiter.throttled(later)  # sent after the decrease: news, so another decrease
    assert limiter.window == 8 * BACKOFF * BACKOFF
    before = limiter.window
    limiter.succeeded(later)
    assert limiter.window == pytest.approx(before + 1 / before)
    for _ in range(200):
        limiter.succeeded(later)
    assert limiter.window == 8  # never above what was asked for


def test_window_never_below_one() -> None:
    limiter = Limiter(2)
    for _ in range(10):
        with limiter.slot() as ticket:
            pass
        limiter.throttled(ticket)
    assert limiter.window == 1.0


def test_threads_never_exceed_the_window() -> None:
    limiter = Limiter(3)
    held, peak, lock = [0], [0], threading.Lock()

    def work() -> None:
        for _ in range(20):
            with limiter.slot():
                with lock:
                    held[0] += 1
                    peak[0] = max(peak[0], held[0])
                time.sleep(0.001)
                with lock:
                    held[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 3 and limiter.started == 200 and limiter.in_flight == 0


def test_retry_after_holds_every_request_of_the_process() -> None:
    limiter = Limiter(4)
    with limiter.slot() as ticket:
        pass
    limiter.throttled(ticket, retry_after=0.3)
    start = time.monotonic()
    with limiter.slot():  # another request, not the throttled one, waits too
        pass
    assert time.monotonic() - start >= 0.29


def test_rpm_spaces_request_starts() -> None:
    limiter = Limiter(8, rpm=600)  # one start every 0.1 s
    starts = []
    for _ in range(4):
        with limiter.slot():
            starts.append(time.monotonic())
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(gap >= 0.099 for gap in gaps)


def test_stop_wakes_waiters() -> None:
    limiter = Limiter(1)
    outcome: list[str] = []

    def wait_for_slot() -> None:
        try:
            with limiter.slot():
                outcome.append("ran")
        except Stopped:
            outcome.append("stopped")

    with limiter.slot():
        waiter = threading.Thread(target=wait_for_slot)
        waiter.start()
        limiter.stop()
        waiter.join(10)
    assert outcome == ["stopped"]
    with pytest.raises(Stopped):
        limiter.pause(30)  # a backoff is cut short too


# --- through the real openai client ---------------------------------------------------------------

def chat(server: OpenAIServer, limiter: Limiter | None = None, retries: int = 4) -> OpenAIChat:
    return OpenAIChat("test-model", base_url=server.url, api_key="x", temperature=0.0, max_tokens=64,
                      seed=None, timeout=1.0, retries=retries, limiter=limiter)


@pytest.mark.parametrize("kind", [k for k in FAULTS if k != "content_filter"])
def test_every_transient_fault_is_retried(server: OpenAIServer, kind: str) -> None:
    server.hang_s = 1.5  # beyond the client's 1 s timeout
    server.inject(1.0, [kind], limit=2)
    limiter = Limiter(4)
    reply = chat(server, limiter)([{"role": "user", "content": "How do I bake sourdough bread?"}])
    assert reply.text.startswith("Sure.")
    assert server.injected[kind] == 2
    assert len(server.chat_requests()) == 3  # two faults, then the answer
    assert limiter.throttles == (2 if kind.startswith(("429", "503")) else 0)


def test_content_filter_is_an_error_not_a_reply(server: OpenAIServer) -> None:
    server.inject(1.0, ["content_filter"])
    with pytest.raises(ModelError, match="content filter stopped the reply"):
        chat(server)([{"role": "user", "content": "hi"}])
    assert len(server.chat_requests()) == 1  # the provider's decision: not retried


def test_a_429_storm_is_served_at_the_servers_limit(server: OpenAIServer) -> None:
    """A server taking 2 at once, 12 threads sharing one limiter: all answered, 429s bounded."""
    server.max_in_flight = 2
    server.delay_s = 0.02
    limiter = Limiter(12)
    client = chat(server, limiter, retries=10)
    texts: list[str] = []

    def ask(n: int) -> None:
        for k in range(5):
            texts.append(client([{"role": "user", "content": f"How do I bake loaf {n}-{k}?"}]).text)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(texts) == 60 and all(t.startswith("Sure.") for t in texts)
    assert server.peak_in_flight == 2
    assert server.statuses[429] < 60  # fewer refusals than answers: the window found the limit
    assert limiter.window < 12


# --- how many in flight ---------------------------------------------------------------------------

@pytest.mark.parametrize(("options", "expected"), [
    ({"carryon_model": ["builtin/cautious"]}, 1),
    ({"carryon_model": ["replay:recorded.jsonl"]}, 1),
    ({"carryon_model": ["local:smollm2"]}, 1),
    ({"carryon_model": ["gpt-4o-mini"]}, ENDPOINT_CONCURRENCY),
    ({"carryon_model": ["builtin/cautious"], "carryon_judge": "gpt-4o-mini"}, ENDPOINT_CONCURRENCY),
    ({"carryon_model": ["builtin/cautious"], "carryon_user": "gpt-4o-mini"}, ENDPOINT_CONCURRENCY),
    ({"carryon_model": ["gpt-4o-mini"], "carryon_concurrency": "32"}, 32),
    ({"carryon_model": ["builtin/cautious"], "carryon_concurrency": "3"}, 3),
])
def test_default_concurrency_by_kind_of_target(tmp_path: Path, options: dict[str, Any], expected: int) -> None:
    assert concurrency_of(resolve(options, {}, {}, tmp_path)) == expected


def test_registered_app_targets_count_as_in_process(tmp_path: Path) -> None:
    settings = resolve({"carryon_model": ["support-bot"]}, {}, {}, tmp_path)
    assert concurrency_of(settings, {"support-bot"}) == 1
    assert concurrency_of(settings) == ENDPOINT_CONCURRENCY  # an unregistered name is an endpoint


def test_concurrency_and_rpm_from_ini_and_environment(tmp_path: Path) -> None:
    s = resolve({}, {"carryon_concurrency": "16"}, {"CARRYON_RPM": "500"}, tmp_path)
    assert (s.concurrency, s.rpm) == (16, 500.0)
    with pytest.raises(SettingsError, match=r"^--carryon-concurrency: expected a whole number >= 1, got 0\.$"):
        resolve({"carryon_concurrency": "0"}, {}, {}, tmp_path)
    with pytest.raises(SettingsError, match=r"^\$CARRYON_RPM: expected a number >= 0.001, got -5\.$"):
        resolve({}, {}, {"CARRYON_RPM": "-5"}, tmp_path)


def test_rpm_is_split_across_workers(tmp_path: Path) -> None:
    settings = resolve({"carryon_model": ["m"], "carryon_rpm": "600"}, {}, {}, tmp_path)
    assert Runtime(settings, {}, workers=4).limiter.interval == pytest.approx(0.4)  # 150 a minute each
    assert Runtime(settings, {}).limiter.interval == pytest.approx(0.1)


@pytest.mark.parametrize(("in_flight", "cores", "slots"), [(1, 2, 1), (3, 2, 3), (32, 2, 4), (64, 64, 16)])
def test_local_server_slots_follow_what_is_in_flight(in_flight: int, cores: int, slots: int) -> None:
    assert slots_for(in_flight, cores) == slots
