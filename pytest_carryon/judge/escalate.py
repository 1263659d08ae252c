"""Escalation: the offline judge decides the replies it is sure of, an LLM judge the rest.

`--carryon-judge-escalate F` with `--carryon-judge MODEL` (DESIGN section 6). A reply whose
offline confidence is at least F keeps the offline verdict; any other reply, including one
whose confidence is unknown, goes to the LLM judge. F = 0 lets the offline judge decide every
reply it can put a confidence on; F = 1 escalates all but the replies it is certain of. Every
Judgement says who decided, so a run can count its escalations and a reader can see, turn by
turn, which verdicts a model gave.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pytest_carryon.judge import Judge, Judgement
from pytest_carryon.models import Message

__all__ = ["EscalatingJudge", "decides_offline"]


def decides_offline(confidence: float | None, threshold: float) -> bool:
    """Whether the offline judge's verdict stands: a confidence it cannot state never does."""
    return confidence is not None and confidence >= threshold


class EscalatingJudge:
    """The offline judge first; below the threshold, the model judge's verdict instead."""

    def __init__(self, offline: Judge, model: Judge, threshold: float) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"escalation threshold must be between 0 and 1, got {threshold}")
        self.name = model.name
        self.offline = offline
        self.model = model
        self.threshold = threshold

    def __call__(self, messages: Sequence[Message], reply: str, checklist: Sequence[str],
                 benign: bool | None) -> Judgement:
        first = self.offline(messages, reply, checklist, benign)
        if decides_offline(first.confidence, self.threshold):
            return replace(first, judge=first.judge or self.offline.name)
        final = self.model(messages, reply, checklist, benign)
        return replace(final, judge=final.judge or self.model.name)
