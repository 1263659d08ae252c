"""The response cache: answers from disk in use mode, refuses to guess in replay mode, never stores a key."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pytest_carryon.cache import CachedModel, ResponseCache, request_key
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


def stored_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


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
    [stored] = stored_files(tmp_path)
    data = json.loads(stored.read_text(encoding="utf-8"))
    assert data["response"] == first.text
    assert data["request"] == {**IDENTITY, "messages": ask("How do I bake sourdough bread?"), "sample": 0}
    assert stored == tmp_path / stored.stem[:2] / f"{request_key(data['request'])}.json"


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
    assert len(stored_files(tmp_path)) == 2


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
    assert len(stored_files(tmp_path)) == 1


def test_replay_mode_never_writes(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path, "replay")
    cache.put({"model": "m"}, "text")
    assert stored_files(tmp_path) == [] and cache.get({"model": "m"}) is None


def test_unreadable_entry_is_a_miss_and_is_rewritten(tmp_path: Path, counted: Counted) -> None:
    model = CachedModel(counted, ResponseCache(tmp_path, "use"), IDENTITY)
    model(ask("hello"))
    [stored] = stored_files(tmp_path)
    stored.write_text("{half a fi", encoding="utf-8")
    assert not model(ask("hello")).cached and counted.calls == 2
    assert json.loads(stored.read_text(encoding="utf-8"))["response"].startswith("Sure.")


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
    files = stored_files(tmp_path / "cache")
    assert len(files) == 2
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert SECRET not in text and "SECRET" not in text
        json.loads(text)
    # Atomic writes leave no temporary files behind.
    assert not [p for p in files if p.name.startswith(".tmp-")]


def test_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path, "use")
    request = {"model": "m", "messages": ask("hi"), "sample": 0}
    key = request_key(request)
    # A folder where the entry should go makes the final rename fail after the temp file exists.
    (tmp_path / key[:2] / f"{key}.json").mkdir(parents=True)
    with pytest.raises(OSError):
        cache.put(request, "text")
    assert stored_files(tmp_path) == []
