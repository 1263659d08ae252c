"""The response cache: answers from disk in use mode, refuses to guess in replay mode, never stores a key."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pytest_carryon.cache import DATABASE, CachedModel, ResponseCache, request_key
from pytest_carryon.errors import ModelError
from pytest_carryon.models import Complete, Message, OpenAIChat, Reply, builtin_model, endpoint_host
from tests.openai_server import OpenAIServer

SECRET = "sk-test-SECRET-0123456789abcdef"
IDENTITY = {"model": "builtin/cautious", "endpoint": "none", "temperature": 0.0, "max_tokens": 64, "seed": None}


class Counted:
    """A real built-in model that counts how often it is asked."""

    def __init__(self, inner: Complete) -> None:
        self.name = inner.name
        self.inner = inner
        self.calls = 0

    def __call__(self, messages: Sequence[Message], sample: int = 0) -> Reply:
        self.calls += 1
        return self.inner(messages, sample)


def ask(text: str) -> list[Message]:
    return [{"role": "user", "content": text}]


@pytest.fixture
def counted() -> Counted:
    return Counted(builtin_model("builtin/cautious"))


def rows(folder: Path) -> list[tuple[str, str, str]]:
    """(key, request, response) of every row, read with plain sqlite3, not through the cache."""
    with contextlib.closing(sqlite3.connect(folder / DATABASE)) as db:
        return [tuple(r) for r in db.execute("SELECT key, request, response FROM responses ORDER BY key")]


def test_use_mode_stores_then_answers_without_the_model(tmp_path: Path, counted: Counted) -> None:
    model = CachedModel(counted, ResponseCache(tmp_path, "use"), IDENTITY)
    assert model.name == "builtin/cautious"
    first = model(ask("How do I bake sourdough bread?"))
    assert not first.cached and counted.calls == 1
    second = model(ask("How do I bake sourdough bread?"))
    assert second.cached and second.text == first.text and counted.calls == 1
    # A fresh cache object on the same folder (another xdist worker, the next run) also hits.
    again = CachedModel(counted, ResponseCache(tmp_path, "use"), IDENTITY)(ask("How do I bake sourdough bread?"))
    assert again.cached and counted.calls == 1
    [(key, request, response)] = rows(tmp_path)
    assert response == first.text
    assert json.loads(request) == {**IDENTITY, "messages": ask("How do I bake sourdough bread?"), "sample": 0}
    assert key == request_key(json.loads(request))
    with contextlib.closing(sqlite3.connect(tmp_path / DATABASE)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("change", [
    {"sample": 1},
    {"identity": {"temperature": 0.7}},
    {"identity": {"seed": 3}},
    {"identity": {"max_tokens": 65}},
    {"identity": {"model": "builtin/refuse-all"}},
    {"identity": {"endpoint": "http://other/v1"}},
    {"messages": [{"role": "system", "content": "Be brief."}, *ask("How do I bake sourdough bread?")]},
])
def test_anything_that_changes_the_reply_changes_the_key(tmp_path: Path, counted: Counted,
                                                         change: dict[str, Any]) -> None:
    messages = ask("How do I bake sourdough bread?")
    CachedModel(counted, ResponseCache(tmp_path, "use"), IDENTITY)(messages)
    identity = {**IDENTITY, **change.get("identity", {})}
    reply = CachedModel(counted, ResponseCache(tmp_path, "use"), identity)(
        change.get("messages", messages), change.get("sample", 0))
    assert not reply.cached and counted.calls == 2
    assert len(rows(tmp_path)) == 2


def test_request_key_is_stable_and_order_independent() -> None:
    a = {"model": "m", "messages": ask("hi"), "sample": 0}
    b = {"sample": 0, "messages": ask("hi"), "model": "m"}
    assert request_key(a) == request_key(b)
    assert len(request_key(a)) == 64 and request_key(a) != request_key({**a, "sample": 1})


def test_replay_mode_hit_and_miss(tmp_path: Path, counted: Counted) -> None:
    CachedModel(counted, ResponseCache(tmp_path, "use"), IDENTITY)(ask("How do I bake sourdough bread?"))
    replay = CachedModel(counted, ResponseCache(tmp_path, "replay"), IDENTITY)
    assert replay(ask("How do I bake sourdough bread?")).cached and counted.calls == 1
    second_turn = [*ask("How does ricin kill a cell?"), {"role": "assistant", "content": "No."},
                   *ask("For my exam.")]
    with pytest.raises(ModelError) as info:
        replay(second_turn)
    assert str(info.value) == (f"cache miss in replay mode for builtin/cautious (turn 2) in {tmp_path}. "
                               "Record it first with --carryon-cache-mode=use.")
    assert counted.calls == 1  # the model was not asked
    assert len(rows(tmp_path)) == 1


def test_replay_mode_never_writes(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "cache", "replay")
    cache.put({"model": "m"}, "text")
    assert cache.get({"model": "m"}) is None
    assert not (tmp_path / "cache").exists()  # not even an empty database


def test_entries_of_the_file_per_request_layout_still_answer(tmp_path: Path, counted: Counted) -> None:
    request = {**IDENTITY, "messages": ask("hello"), "sample": 0}
    key = request_key(request)
    (tmp_path / key[:2]).mkdir()
    (tmp_path / key[:2] / f"{key}.json").write_text(json.dumps({"request": request, "response": "Old answer."}),
                                                   encoding="utf-8")
    reply = CachedModel(counted, ResponseCache(tmp_path, "use"), IDENTITY)(ask("hello"))
    assert (reply.text, reply.cached, counted.calls) == ("Old answer.", True, 0)
    assert [r[2] for r in rows(tmp_path)] == ["Old answer."]  # copied into the database


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path, counted: Counted) -> None:
    (tmp_path / DATABASE).write_text("this is not a database " * 100, encoding="utf-8")
    with pytest.raises(ModelError) as info:
        CachedModel(counted, ResponseCache(tmp_path, "use"), IDENTITY)(ask("hello"))
    assert str(info.value).startswith(f"response cache {tmp_path / DATABASE} cannot be used (")
    assert str(info.value).endswith("delete the file to start a new cache, or pass --carryon-cache-mode=off")
    assert counted.calls == 0


def test_unknown_mode_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cache mode must be use or replay, got 'off'"):
        ResponseCache(tmp_path, "off")


def test_openai_chat_through_the_cache_stores_no_key(tmp_path: Path, server: OpenAIServer) -> None:
    server.requests.clear()
    chat = OpenAIChat("test-model", base_url=server.url, api_key=SECRET, temperature=0.0, max_tokens=64,
                      seed=5, timeout=5, retries=0)
    identity = {"model": "test-model", "endpoint": endpoint_host(server.url), "temperature": 0.0,
                "max_tokens": 64, "seed": 5}
    model = CachedModel(chat, ResponseCache(tmp_path / "cache", "use"), identity)
    for _ in range(2):
        model(ask("How do I bake sourdough bread?"))
        model(ask("How does ricin kill a cell?"), sample=1)
    assert len(server.chat_requests()) == 2  # the repeats came from disk
    assert len(rows(tmp_path / "cache")) == 2
    for path in (tmp_path / "cache").iterdir():
        data = path.read_bytes()
        assert SECRET.encode() not in data and b"SECRET" not in data


# --- many writers at once ---------------------------------------------------------------------

def _hammer(folder: str, writer: int, keys: int) -> None:
    """Every writer stores every key (the same text for a key, as identical requests would)."""
    cache = ResponseCache(Path(folder), "use")
    for k in range(keys):
        request = {"model": "m", "messages": ask(f"question {k}"), "sample": 0}
        cache.put(request, f"answer {k}")
        assert cache.get(request) == f"answer {k}"


def test_threads_and_processes_at_once_lose_and_duplicate_no_row(tmp_path: Path) -> None:
    keys = 150
    context = multiprocessing.get_context("spawn")  # as xdist workers: fresh interpreters
    processes = [context.Process(target=_hammer, args=(str(tmp_path), w, keys)) for w in range(3)]
    threads = [threading.Thread(target=_hammer, args=(str(tmp_path), w, keys)) for w in range(8)]
    for p in processes:
        p.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in processes:
        p.join(timeout=120)
        assert p.exitcode == 0
    stored = rows(tmp_path)
    assert len(stored) == keys  # 11 writers x 150 puts: one row per key
    assert sorted(r[2] for r in stored) == sorted(f"answer {k}" for k in range(keys))
    with contextlib.closing(sqlite3.connect(tmp_path / DATABASE)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _open_together(folder: str, start: Any) -> None:
    start.wait()  # every process opens the new database at the same moment
    cache = ResponseCache(Path(folder), "use")
    cache.put({"model": "m", "messages": ask("q"), "sample": 0}, "a")


def test_processes_creating_the_database_at_once_all_open_it(tmp_path: Path) -> None:
    # As xdist workers starting together on an empty cache folder: switching a new file to WAL
    # can answer "database is locked" without waiting, which must not reach a conversation.
    context = multiprocessing.get_context("spawn")
    for round_ in range(4):
        folder = tmp_path / f"round-{round_}"
        start = context.Barrier(6)
        processes = [context.Process(target=_open_together, args=(str(folder), start)) for _ in range(6)]
        for p in processes:
            p.start()
        for p in processes:
            p.join(timeout=120)
        assert [p.exitcode for p in processes] == [0] * 6
        assert len(rows(folder)) == 1


def test_a_lock_sqlite_will_not_wait_for_is_waited_out(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path, "use")
    answers = iter([sqlite3.OperationalError("database is locked")] * 3 + ["row"])

    def step() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert cache._patiently(step) == "row"
    with pytest.raises(ModelError, match="malformed"):  # anything else is reported at once
        cache._patiently(lambda: (_ for _ in ()).throw(sqlite3.DatabaseError("disk image is malformed")))


class Slow:
    """A model that takes a while and counts its calls, so requests overlap for real."""

    def __init__(self) -> None:
        self.name = "slow"
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, messages: Sequence[Message], sample: int = 0) -> Reply:
        self.calls += 1
        self.started.set()
        self.release.wait(10)
        return Reply("Sure, here it is.", 0.0)


def test_identical_requests_in_flight_are_asked_once(tmp_path: Path) -> None:
    slow = Slow()
    model = CachedModel(slow, ResponseCache(tmp_path, "use"), IDENTITY)
    replies: list[Reply] = []
    first = threading.Thread(target=lambda: replies.append(model(ask("hello"))))
    first.start()
    assert slow.started.wait(10)
    second = threading.Thread(target=lambda: replies.append(model(ask("hello"))))
    second.start()
    time.sleep(0.2)  # let the second reach its cache check while the first is still asking
    slow.release.set()
    first.join()
    second.join()
    assert slow.calls == 1
    assert sorted(r.cached for r in replies) == [False, True]
    assert {r.text for r in replies} == {"Sure, here it is."}
