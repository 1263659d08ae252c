"""Response cache (a cassette): the same request to the same model answers from disk.

One JSON file per request, named by the SHA-256 of the request (model, endpoint host, messages,
sampling settings, sample index; never the API key). Writes are atomic, so xdist workers can
share one folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pytest_carryon.errors import ModelError
from pytest_carryon.models import Complete, Message, Reply

__all__ = ["CachedModel", "ResponseCache", "request_key"]


def request_key(request: Mapping[str, Any]) -> str:
    blob = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    def __init__(self, folder: Path, mode: str) -> None:
        if mode not in ("use", "replay"):
            raise ValueError(f"cache mode must be use or replay, got {mode!r}")
        self.folder = folder
        self.mode = mode

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, request: Mapping[str, Any]) -> str | None:
        try:
            data = json.loads(self._path(request_key(request)).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        response = data.get("response") if isinstance(data, dict) else None
        return response if isinstance(response, str) else None

    def put(self, request: Mapping[str, Any], response: str) -> None:
        if self.mode == "replay":
            return
        path = self._path(request_key(request))
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"request": request, "response": response, "stored_at": time.time()}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(payload, fh, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class CachedModel:
    """A Complete that consults the cache first; `identity` says what else makes replies differ."""

    def __init__(self, inner: Complete, cache: ResponseCache, identity: Mapping[str, Any]) -> None:
        self.name = inner.name
        self._inner = inner
        self._cache = cache
        self._identity = dict(identity)

    def __call__(self, messages: Sequence[Message], sample: int = 0) -> Reply:
        request = {**self._identity, "messages": list(messages), "sample": sample}
        start = time.perf_counter()
        hit = self._cache.get(request)
        if hit is not None:
            return Reply(hit, time.perf_counter() - start, cached=True)
        if self._cache.mode == "replay":
            raise ModelError(
                f"cache miss in replay mode for {self.name} (turn "
                f"{sum(1 for m in messages if m['role'] == 'user')}) in {self._cache.folder}. "
                "Record it first with --carryon-cache-mode=use.")
        reply = self._inner(messages, sample)
        self._cache.put(request, reply.text)
        return reply
