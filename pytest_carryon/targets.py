"""Callable targets: the app itself under test, not only an endpoint.

`--carryon-model=python:package.module:function` imports `function` (from the rootdir or an
installed package) and calls it with the chat messages so far. It may be a plain or an async
function and may return text or an object with a `.text` or `.content` string (an SDK response,
a framework message). Names registered by the `pytest_carryon_targets` hook map to a callable or
to such a spec.

Anything the target raises becomes a ModelError carrying the exception's one-line summary, so the
conversation is an `error` outcome, never a pass and never a traceback in the report.

A target is called from whatever thread runs the conversation, so the wrapper holds no mutable
state, and an async target gets its own event loop per call.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import re
import sys
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_carryon.errors import ModelError
from pytest_carryon.models import Message, Reply, Usage

__all__ = ["PREFIX", "CallableTarget", "import_target", "is_target_spec", "needs_endpoint", "target_of"]

PREFIX = "python:"
_SPEC = re.compile(r"^python:([A-Za-z_][\w.]*):([A-Za-z_][\w.]*)$")


def is_target_spec(spec: str) -> bool:
    return spec.startswith(PREFIX)


# Answered in this process (reference models, recordings, app functions) or by a llama.cpp
# server on this machine: no remote endpoint, no key.
_NO_ENDPOINT = ("builtin/", "replay:", "local:", PREFIX)


def needs_endpoint(spec: str, registered: Collection[str] = ()) -> bool:
    """Whether `spec` is served by an OpenAI-compatible endpoint; `registered` names the app
    targets of `pytest_carryon_targets`, which are not."""
    return not (spec.startswith(_NO_ENDPOINT) or spec in registered)


@dataclass(frozen=True)
class CallableTarget:
    """A Complete around an app's function; `path` and `version` go into the cache key."""

    name: str
    function: Callable[..., Any]
    path: str  # "package.module:function", what was called
    version: str | None

    def __call__(self, messages: Sequence[Message], sample: int = 0) -> Reply:
        # A copy per call: the app may append to or edit what it is given.
        asked = [dict(m) for m in messages]
        start = time.perf_counter()
        try:
            result = self.function(asked)
            if inspect.isawaitable(result):
                result = _await(result)
        except Exception as exc:  # the app's own failure, whatever its kind
            raise ModelError(f"target {self.name} raised {_summary(exc)}") from None
        text, usage = _text_of(result, self.name)
        return Reply(text, time.perf_counter() - start, usage=usage)

    @property
    def identity(self) -> dict[str, Any]:
        return {"model": self.name, "target": self.path, "version": self.version}


def _summary(exc: BaseException) -> str:
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _await(awaitable: Any) -> Any:
    """Run a coroutine to completion from synchronous code, in any thread.

    asyncio.run needs a thread without a running loop; a hand-written async test that plays a
    conversation has one, so the coroutine then runs on a short-lived thread of its own.
    """
    async def wrap() -> Any:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(wrap())
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = asyncio.run(wrap())
        except BaseException as exc:  # handed back to the caller's thread below
            box["error"] = exc

    worker = threading.Thread(target=run, name="carryon-async-target")
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _text_of(result: Any, name: str) -> tuple[str, Usage | None]:
    if isinstance(result, str):
        return result, None
    for attribute in ("text", "content"):
        value = getattr(result, attribute, None)
        if isinstance(value, str):
            return value, Usage.of(getattr(result, "usage", None))
    raise ModelError(f"target {name} returned {type(result).__name__}; return a str, or an "
                     "object with a .text or .content string")


def _version(function: Callable[..., Any]) -> str | None:
    """What the app says it is: `carryon_version` or `__version__` on the function, else its module's."""
    module = sys.modules.get(getattr(function, "__module__", "") or "")
    for owner in (function, module):
        for attribute in ("carryon_version", "__version__"):
            value = getattr(owner, attribute, None)
            if value is not None:
                return str(value)
    return None


def _path_of(function: Callable[..., Any]) -> str:
    module = getattr(function, "__module__", None) or "?"
    qualname = getattr(function, "__qualname__", None) or type(function).__name__
    return f"{module}:{qualname}"


def import_target(spec: str, rootdir: Path) -> CallableTarget:
    """`python:package.module:function` as a target; the rootdir is importable, like conftests."""
    match = _SPEC.match(spec)
    if not match:
        raise ModelError(f"--carryon-model={spec}: expected python:package.module:function, "
                         "e.g. python:app.bot:answer")
    module_name, attribute = match[1], match[2]
    root = str(rootdir)
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise ModelError(f"--carryon-model={spec}: cannot import {module_name} "
                         f"({_summary(exc)}); it must be importable from {root} or installed") from None
    function: Any = module
    for part in attribute.split("."):
        function = getattr(function, part, None)
        if function is None:
            raise ModelError(f"--carryon-model={spec}: {module_name} has no {attribute}")
    if not callable(function):
        raise ModelError(f"--carryon-model={spec}: {module_name}:{attribute} is not callable")
    return CallableTarget(spec, function, f"{module_name}:{attribute}", _version(function))


def target_of(name: str, registered: Mapping[str, Any], rootdir: Path) -> CallableTarget | None:
    """The target for a model name: a python: spec or a hook-registered name; None otherwise."""
    if name in registered:
        entry = registered[name]
        if isinstance(entry, str):
            if not is_target_spec(entry):
                raise ModelError(f"target {name!r}: registered as {entry!r}; register a callable "
                                 "or a python:package.module:function spec")
            found = import_target(entry, rootdir)
            return CallableTarget(name, found.function, found.path, found.version)
        if not callable(entry):
            raise ModelError(f"target {name!r}: registered as {type(entry).__name__}; register "
                             "a callable or a python:package.module:function spec")
        return CallableTarget(name, entry, _path_of(entry), _version(entry))
    if is_target_spec(name):
        return import_target(name, rootdir)
    return None
