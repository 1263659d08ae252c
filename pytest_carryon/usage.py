"""What a run cost: calls and tokens per role (model, judge, user), cached calls apart.

Each conversation keeps its own tally, which goes into its record; the run's usage is the sum
over records. Summing records rather than counting in the process is what makes the figure right
under xdist (records reach the controller on test reports) and with a cache (a cached call is
marked on its Reply).

The judge and the user call their models themselves, deep inside `converse`, so the tally of the
conversation being played is found through a context variable: each thread (and each task) that
plays a conversation has its own, so conversations played side by side never mix their counts.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pytest_carryon.models import Complete, Message, Reply

__all__ = ["ROLES", "Metered", "Tally", "add_usage", "run_usage", "tally"]

ROLES = ("model", "judge", "user")
# Tokens are those the endpoint reported for live calls; a cached call cost nothing this run.
_FIELDS = ("calls", "cached_calls", "prompt_tokens", "completion_tokens")


def _empty() -> dict[str, dict[str, int]]:
    return {role: dict.fromkeys(_FIELDS, 0) for role in ROLES}


@dataclass
class Tally:
    """One conversation's usage; mutated only by the thread playing that conversation."""

    roles: dict[str, dict[str, int]] = field(default_factory=_empty)

    def add(self, role: str, reply: Reply) -> None:
        counts = self.roles[role]
        if reply.cached:
            counts["cached_calls"] += 1
            return
        counts["calls"] += 1
        if reply.usage is not None:
            counts["prompt_tokens"] += reply.usage.prompt_tokens
            counts["completion_tokens"] += reply.usage.completion_tokens

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {role: dict(counts) for role, counts in self.roles.items()}


_CURRENT: contextvars.ContextVar[Tally | None] = contextvars.ContextVar("carryon_tally", default=None)


@contextmanager
def tally() -> Iterator[Tally]:
    """Count every metered call made inside the block (in this thread or task) into a new Tally."""
    current = Tally()
    token = _CURRENT.set(current)
    try:
        yield current
    finally:
        _CURRENT.reset(token)


@dataclass(frozen=True)
class Metered:
    """A Complete that adds each reply to the current conversation's tally under its role."""

    inner: Complete
    role: str

    @property
    def name(self) -> str:
        return self.inner.name

    def __call__(self, messages: Sequence[Message], sample: int = 0) -> Reply:
        reply = self.inner(messages, sample)
        current = _CURRENT.get()
        if current is not None:
            current.add(self.role, reply)
        return reply


def add_usage(parts: Iterable[Mapping[str, Any] | None]) -> dict[str, dict[str, int]]:
    """Sum usage blocks ({role: {field: n}}); missing roles and fields count as zero."""
    total = _empty()
    for part in parts:
        for role, counts in (part or {}).items():
            into = total.setdefault(role, dict.fromkeys(_FIELDS, 0))
            for name, value in (counts or {}).items():
                if isinstance(value, int):
                    into[name] = into.get(name, 0) + value
    return total


def run_usage(records: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    return add_usage(r.get("usage") for r in records)
