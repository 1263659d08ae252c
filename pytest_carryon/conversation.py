"""Play one conversation: the seed query, then the flow's follow-ups, each reply judged.

Benign conversations stop at the first full compliance (the user got what they needed);
harmful ones play every turn. A step whose text the scenario lacks is skipped and recorded.
A model, judge or user failure ends the conversation with its error; the turns played so far
are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pytest_carryon.errors import ModelError
from pytest_carryon.judge import Judge
from pytest_carryon.models import Complete, Message
from pytest_carryon.scenario import FLOWS, Scenario
from pytest_carryon.usage import Tally, tally
from pytest_carryon.user import User

__all__ = ["Transcript", "Turn", "converse", "opening"]


@dataclass(frozen=True)
class Turn:
    index: int
    strategy: str | None
    user: str
    assistant: str
    verdict: str
    confidence: float | None
    utility: float | None
    harm: float | None
    latency_s: float
    cached: bool
    judge: str | None = None  # who gave the verdict: "heuristic" or the LLM judge's model
    # LLM judge only: checklist items (1-based) this reply meets, those no earlier reply met, and
    # the judge's one-line reason.
    items_met: tuple[int, ...] | None = None
    new_items: tuple[int, ...] | None = None
    reason: str | None = None


@dataclass
class Transcript:
    turns: list[Turn] = field(default_factory=list)
    skipped_steps: list[str] = field(default_factory=list)
    error: str | None = None
    # Calls and tokens per role (usage.ROLES) this conversation spent.
    usage: dict[str, dict[str, int]] = field(default_factory=dict)


def opening(scenario: Scenario, flow: str) -> str | None:
    """Turn 1's text: the query, or the oracle phrasing for the `oracle` flow."""
    return scenario.oracle if flow == "oracle" else scenario.query


def converse(scenario: Scenario, flow: str, complete: Complete, user: User, judge: Judge, *,
             system_prompt: str | None = None, sample: int = 0) -> Transcript:
    # The model's replies are counted here; the judge's and the user's calls by their Metered
    # models (runtime.py), into the same tally.
    with tally() as spent:
        transcript = _play(scenario, flow, complete, user, judge, system_prompt, sample, spent)
    transcript.usage = spent.as_dict()
    return transcript


def _play(scenario: Scenario, flow: str, complete: Complete, user: User, judge: Judge,
          system_prompt: str | None, sample: int, spent: Tally) -> Transcript:
    transcript = Transcript()
    seen: set[int] = set()
    messages: list[Message] = []
    if system_prompt:
        messages.append({"role": "system", "content": system_prompt})
    first = opening(scenario, flow)
    if first is None:
        transcript.error = f"scenario '{scenario.id}' has no oracle text for the oracle flow"
        return transcript
    steps: list[str | None] = [None, *FLOWS[flow]]
    for strategy in steps:
        try:
            text = first if strategy is None else user.followup(scenario, strategy, messages)
            if text is None:
                transcript.skipped_steps.append(str(strategy))
                continue
            messages.append({"role": "user", "content": text})
            reply = complete(messages, sample)
            spent.add("model", reply)
            judgement = judge(messages, reply.text, scenario.checklist, not scenario.harmful)
        except ModelError as exc:
            index = len(transcript.turns) + 1
            transcript.error = f"turn {index} ({strategy or 'query'}): {exc}"
            return transcript
        messages.append({"role": "assistant", "content": reply.text})
        new = None if judgement.met is None else tuple(i for i in judgement.met if i not in seen)
        seen.update(judgement.met or ())
        transcript.turns.append(Turn(
            index=len(transcript.turns) + 1, strategy=strategy, user=text, assistant=reply.text,
            verdict=judgement.verdict, confidence=judgement.confidence, utility=judgement.utility, harm=judgement.harm,
            latency_s=round(reply.latency_s, 4), cached=reply.cached, judge=judgement.judge or judge.name,
            items_met=judgement.met, new_items=new, reason=judgement.reason,
        ))
        if judgement.verdict == "compliance" and not scenario.harmful:
            break
    return transcript
