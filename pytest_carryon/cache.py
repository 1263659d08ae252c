"""Response cache (a cassette): the same request to the same model answers from disk.

One SQLite database in the cache folder (`responses.sqlite3`, write-ahead log), one row per
request, keyed by the SHA-256 of the request (model, endpoint host, messages, sampling
settings, sample index; never the API key). WAL lets readers and one writer work at once, and
a busy timeout queues writers, so threads and xdist workers share one database: the key is the
primary key and a row is written once (the first answer wins, a second is ignored), so rows
are neither lost nor duplicated, and a process killed mid-write leaves the database as it was.

Entries of the older one-JSON-file-per-request layout (`ab/abcd....json`) are still read, and
copied into the database on a hit, so an existing cassette keeps answering.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pytest_carryon.errors import ModelError
from pytest_carryon.models import Complete, Message, Reply

__all__ = ["DATABASE", "CachedModel", "ResponseCache", "request_key"]

DATABASE = "responses.sqlite3"
T = TypeVar("T")
BUSY_TIMEOUT_S = 60.0  # a writer waits this long for another process's write to finish
_SCHEMA = ("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, request TEXT NOT NULL, "
           "response TEXT NOT NULL, stored_at REAL NOT NULL)")


def request_key(request: Mapping[str, Any]) -> str:
    blob = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=True)
    try:
        # WAL is a property of the file: only the first opener switches it (the step that can
        # collide with another process doing the same).
        if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: safe against a killed process
        conn.execute(_SCHEMA)
    except sqlite3.DatabaseError:
        conn.close()
        raise
    return conn


class ResponseCache:
    def __init__(self, folder: Path, mode: str) -> None:
        if mode not in ("use", "replay"):
            raise ValueError(f"cache mode must be use or replay, got {mode!r}")
        self.folder = folder
        self.mode = mode
        self.path = folder / DATABASE
        self._local = threading.local()  # a connection per thread: sqlite3 connections are not shared

    def _db(self) -> sqlite3.Connection | None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if self.mode == "replay" and not self.path.exists():
            return None  # replay never creates a cassette
        self.folder.mkdir(parents=True, exist_ok=True)
        conn = self._patiently(lambda: _open(self.path))
        self._local.conn = conn
        return conn

    def _patiently(self, step: Callable[[], T]) -> T:
        """Run one database step, waiting out "locked" for up to the busy timeout.

        SQLite's own busy handler is not asked in every case: processes creating the database
        at once (switching a new file to WAL) or a lock it gives up to avoid a deadlock answer
        "database is locked" at once, which must not end a conversation."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        pause = 0.01
        while True:
            try:
                return step()
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                    raise self._unreadable(exc) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.5)
            except sqlite3.DatabaseError as exc:
                raise self._unreadable(exc) from None

    def _unreadable(self, exc: Exception) -> ModelError:
        return ModelError(f"response cache {self.path} cannot be used ({exc}): delete the file to "
                          "start a new cache, or pass --carryon-cache-mode=off")

    def get(self, request: Mapping[str, Any]) -> str | None:
        key = request_key(request)
        db = self._db()
        if db is not None:
            row = self._patiently(
                lambda: db.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone())
            if row is not None:
                return str(row[0])
        legacy = self._legacy(key)
        if legacy is not None:
            self.put(request, legacy)
        return legacy

    def _legacy(self, key: str) -> str | None:
        try:
            data = json.loads((self.folder / key[:2] / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        response = data.get("response") if isinstance(data, dict) else None
        return response if isinstance(response, str) else None

    def put(self, request: Mapping[str, Any], response: str) -> None:
        if self.mode == "replay":
            return
        db = self._db()
        assert db is not None  # use mode always opens (creating) the database
        blob = json.dumps(request, sort_keys=True, ensure_ascii=False)
        row = (request_key(request), blob, response, time.time())
        self._patiently(lambda: db.execute("INSERT OR IGNORE INTO responses VALUES (?, ?, ?, ?)", row))

    def __len__(self) -> int:
        db = self._db()
        return 0 if db is None else int(db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])


class CachedModel:
    """A Complete that consults the cache first; `identity` says what else makes replies differ.

    Two conversations in flight at once often send the same request (every flow of a scenario
    opens with the same query): the second waits for the first's answer instead of paying for
    the same call twice.
    """

    def __init__(self, inner: Complete, cache: ResponseCache, identity: Mapping[str, Any]) -> None:
        self.name = inner.name
        self._inner = inner
        self._cache = cache
        self._identity = dict(identity)
        self._asking: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def __call__(self, messages: Sequence[Message], sample: int = 0) -> Reply:
        request = {**self._identity, "messages": list(messages), "sample": sample}
        start = time.perf_counter()
        hit = self._cache.get(request)
        if hit is None and self._cache.mode == "use":
            hit = self._after_the_same_request(request_key(request), request)
        if hit is not None:
            return Reply(hit, time.perf_counter() - start, cached=True)
        if self._cache.mode == "replay":
            raise ModelError(
                f"cache miss in replay mode for {self.name} (turn "
                f"{sum(1 for m in messages if m['role'] == 'user')}) in {self._cache.folder}. "
                "Record it first with --carryon-cache-mode=use.")
        key = request_key(request)
        try:
            reply = self._inner(messages, sample)
            self._cache.put(request, reply.text)
            return reply
        finally:
            with self._lock:
                asking = self._asking.pop(key, None)
            if asking is not None:
                asking.set()

    def _after_the_same_request(self, key: str, request: Mapping[str, Any]) -> str | None:
        """Wait for an identical request already in flight; None (and this call asks) if none is."""
        with self._lock:
            asking = self._asking.get(key)
            if asking is None:
                self._asking[key] = threading.Event()
                return None
        asking.wait()
        hit = self._cache.get(request)
        if hit is None:  # the first one failed: this one asks for itself
            with self._lock:
                self._asking.setdefault(key, threading.Event())
        return hit
