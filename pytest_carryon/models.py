"""The `Complete` seam: one narrow interface to every model the tool talks to.

A Complete takes the chat messages so far and returns the assistant's Reply. Behind it: any
OpenAI-compatible endpoint through the official openai client, three in-process reference
models, and replay from recorded conversations.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import openai

from pytest_carryon.errors import ModelError, ReplayMiss
from pytest_carryon.limiter import Limiter, Stopped
from pytest_carryon.retry import Failure, Fault, GaveUp, send

__all__ = [
    "ALARMING_WORDS",
    "PURPOSE_CUES",
    "Complete",
    "Message",
    "OpenAIChat",
    "ReplayModel",
    "Reply",
    "Usage",
    "builtin_model",
    "endpoint_host",
    "redact",
]

Message = dict[str, str]

# A client built without the run's shared limiter (tests, `carryon judge`) limits only itself.
SOLO_CEILING = 64


@dataclass(frozen=True)
class Usage:
    """Tokens one call used, as the endpoint reported them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @classmethod
    def of(cls, raw: Any) -> Usage | None:
        """From an SDK usage object or a dict; None when the endpoint reported nothing usable."""
        if raw is None:
            return None
        def get(key: str) -> Any:
            return raw.get(key) if isinstance(raw, Mapping) else getattr(raw, key, None)

        prompt, completion = get("prompt_tokens"), get("completion_tokens")
        if not isinstance(prompt, int) and not isinstance(completion, int):
            return None
        return cls(prompt if isinstance(prompt, int) else 0,
                   completion if isinstance(completion, int) else 0)


@dataclass(frozen=True)
class Reply:
    text: str
    latency_s: float
    cached: bool = False
    usage: Usage | None = None


class Complete(Protocol):
    @property
    def name(self) -> str: ...

    def __call__(self, messages: Sequence[Message], sample: int = 0) -> Reply: ...


# --- reference models -------------------------------------------------------------------------

# builtin/cautious refuses a first message containing any of these words (whole-word prefixes,
# case-insensitive). The list is documented in the README; it is deliberately crude, like the
# keyword filters whose over-refusal this tool exists to measure.
ALARMING_WORDS: tuple[str, ...] = (
    "kill", "murder", "poison", "toxic", "toxin", "lethal", "overdose", "weapon", "gun", "shoot",
    "bomb", "explosive", "detonat", "attack", "hack", "exploit", "malware", "ransomware",
    "keylogger", "virus", "steal", "theft", "fraud", "scam", "launder", "drug", "cocaine",
    "heroin", "meth", "fentanyl", "suicide", "self-harm", "cut myself", "stalk", "spy",
    "surveil", "dox", "terror", "extremis", "radicali", "abuse", "assault", "rape",
    "knife", "stab", "strangle", "choke", "hostage", "kidnap", "smuggl", "counterfeit",
    "lock pick", "lockpick", "break into", "bypass", "blood", "harm",
    "hurt", "violen", "ricin", "cyanide", "arsenic", "anthrax", "nerve agent", "execute",
)

# A later user message "explains a purpose" when it tells something about the asker (first
# person, a role, a reason) and is not a bare insistence such as the generic pushback line.
PURPOSE_CUES: tuple[str, ...] = (
    r"\b(i'?m|i am|i'?ve|i have|i was|i work|i teach|i study|i run|i need (this|it) for)\b",
    r"\b(my|our|we'?re|we are|we have)\b", r"\bbecause\b", r"\bfor (a|an|the) \w+ (class|course|"
    r"project|paper|story|novel|book|article|exam|training)\b", r"\bresearch", r"\bpurpose\b",
)
_INSISTING = r"\b(just|please) (answer|tell me)\b|\bneed an answer\b"
_NARROW_CUES = (r"\bjust\b", r"\bonly\b", r"\bgeneral\b", r"\bhigh[- ]level\b", r"\boverview\b")

REFUSAL_TEXT = "I'm sorry, but I can't help with that request."
PARTIAL_TEXT = (
    "I can't give step-by-step instructions for this, but I can explain the general picture.\n\n"
    "At a high level, it works through a small number of well-documented stages. The first "
    "stage sets up the conditions, the second is where the main effect happens, and the third "
    "is where the outcome becomes visible. Textbooks and official guidance describe each of "
    "these in general terms, and professionals use standard safety measures at every stage.\n\n"
    "I'll stop short of specific quantities, timings or procedures."
)


def _compliance_text(question: str) -> str:
    topic = " ".join(question.split()[:24])
    return (
        f"Sure. Here is a clear answer to your question (\"{topic}\").\n\n"
        "1. The short version: the key idea is explained step by step below.\n"
        "2. Background: how it works and why it matters in practice.\n"
        "3. Practical points: what to look for, common mistakes, and where to read more.\n\n"
        "Let me know if you'd like more detail on any part."
    )


def _alarming(text: str) -> bool:
    lowered = text.lower()
    return any(re.search(r"\b" + re.escape(word), lowered) for word in ALARMING_WORDS)


def _matches(text: str, patterns: Sequence[str]) -> bool:
    lowered = text.lower()
    return any(re.search(p, lowered) for p in patterns)


def _explains(text: str) -> bool:
    return len(text.split()) >= 5 and _matches(text, PURPOSE_CUES) and not _matches(text, [_INSISTING])


def _cautious(messages: Sequence[Message]) -> str:
    users = [m["content"] for m in messages if m["role"] == "user"]
    if not users:
        return REFUSAL_TEXT
    if not _alarming(users[0]):
        return _compliance_text(users[0])
    later = users[1:]
    if any(_explains(text) for text in later):
        return _compliance_text(users[0])
    if later and _matches(later[-1], _NARROW_CUES):
        return PARTIAL_TEXT
    return REFUSAL_TEXT


def _first_user(messages: Sequence[Message]) -> str:
    return next((m["content"] for m in messages if m["role"] == "user"), "")


_BUILTINS: dict[str, Callable[[Sequence[Message]], str]] = {
    "builtin/refuse-all": lambda messages: REFUSAL_TEXT,
    "builtin/comply-all": lambda messages: _compliance_text(_first_user(messages)),
    "builtin/cautious": _cautious,
}


@dataclass(frozen=True)
class _Builtin:
    name: str
    answer: Callable[[Sequence[Message]], str]

    def __call__(self, messages: Sequence[Message], sample: int = 0) -> Reply:
        start = time.perf_counter()
        text = self.answer(messages)
        return Reply(text, time.perf_counter() - start)


def builtin_model(name: str) -> Complete:
    try:
        return _Builtin(name, _BUILTINS[name])
    except KeyError:
        raise ModelError(f"unknown built-in model {name!r}; use one of {sorted(_BUILTINS)}") from None


# --- OpenAI-compatible endpoints ---------------------------------------------------------------

def endpoint_host(base_url: str | None) -> str:
    """The endpoint as safe to print: scheme, host and path, never credentials or a query."""
    if not base_url:
        return "api.openai.com (SDK default)"
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}".rstrip("/")


_KEYLIKE = re.compile(r"\b(sk|pk|rk|key|tok)[-_][A-Za-z0-9_\-]{8,}")


def redact(text: str, secrets: Sequence[str] = ()) -> str:
    """Remove secrets, and anything shaped like an API key, from text the tool will write."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _KEYLIKE.sub("***", text)


class OpenAIChat:
    """Chat completions through the official openai client.

    Every attempt takes a slot of the process's `limiter` (shared with the judge and the user),
    and `retry.send` owns retrying (the SDK's `max_retries` is 0): backoff on 408/409/429/5xx,
    timeouts, dropped connections, unparsable and empty replies, honouring `retry-after-ms` and
    `Retry-After`; after `retries` the conversation becomes an `error` outcome with the reason.
    A reply stopped by the endpoint's content filter is an error too, never a refusal. Once
    nothing listens at the endpoint, later calls in the same process fail at once instead of
    waiting out the backoff again for every conversation.
    """

    def __init__(self, name: str, *, base_url: str | None, api_key: str, temperature: float,
                 max_tokens: int, seed: int | None, timeout: float, retries: int,
                 extra: Mapping[str, Any] | None = None, limiter: Limiter | None = None) -> None:
        self.name = name  # shown in results; `model` is what requests ask for
        self.model = name
        self.base_url = base_url
        self._key = api_key
        # `extra` (e.g. the judge's response_format) is dropped if the endpoint rejects it.
        self._params: dict[str, Any] = {"temperature": temperature, "max_tokens": max_tokens,
                                        **(extra or {})}
        self._seed = seed
        self._client = openai.OpenAI(base_url=base_url, api_key=api_key, timeout=timeout,
                                     max_retries=0)
        self._retries = retries
        self._limiter = limiter or Limiter(SOLO_CEILING)
        self._dead: str | None = None

    def __call__(self, messages: Sequence[Message], sample: int = 0) -> Reply:
        if self._dead:
            raise ModelError(self._dead)
        params = dict(self._params)
        if self._seed is not None:
            params["seed"] = self._seed + sample
        start = time.perf_counter()
        try:
            text, usage = send(lambda: self._reply(messages, params), self._limiter, self._retries)
        except Stopped:
            raise ModelError("the run stopped before this request was sent") from None
        except GaveUp as gave_up:
            raise ModelError(self._say(self._explain(gave_up.failure, gave_up.attempts))) from None
        return Reply(text, time.perf_counter() - start, usage=usage)

    def _reply(self, messages: Sequence[Message], params: dict[str, Any]) -> tuple[str, Usage | None]:
        """One attempt: the reply's text and usage, or a Fault when the reply cannot be used."""
        response = self._create(messages, params)
        choices = getattr(response, "choices", None)
        if not choices or getattr(choices[0], "message", None) is None:
            raise Fault("malformed response", "the reply has no choices", retry=True)
        finish = getattr(choices[0], "finish_reason", None)
        if finish == "content_filter":
            raise Fault("content filter", "the endpoint's content filter stopped the reply "
                        "(finish_reason content_filter)", retry=False)
        text = choices[0].message.content
        if not text:
            raise Fault("empty reply", f"the reply is empty (finish_reason {finish})", retry=True)
        return str(text), Usage.of(getattr(response, "usage", None))

    def _explain(self, failure: Failure, attempts: int) -> str:
        host = endpoint_host(self.base_url)
        tries = f" (gave up after {attempts} attempts)" if attempts > 1 else ""
        detail = _short(failure.detail).rstrip(".")
        if failure.unreachable:
            self._dead = self._say(f"endpoint {host} unreachable (after retries): {detail}. Check "
                                   "--carryon-base-url and that the server is running.")
            return self._dead
        if failure.reason == "timeout":
            return (f"endpoint {host} timed out{tries or ' (after retries)'}: {detail}. Raise "
                    "--carryon-timeout if the model needs longer.")
        if failure.reason == "connection":
            return f"endpoint {host} dropped the connection{tries}: {detail}"
        return f"{self.name}: {failure.reason} from {host}: {detail}{tries}"

    def _create(self, messages: Sequence[Message], params: dict[str, Any]) -> Any:
        try:
            return self._client.chat.completions.create(
                model=self.model, messages=list(messages), **params)  # type: ignore[arg-type]
        except openai.BadRequestError as exc:
            if "response_format" in params and "response_format" in str(exc):
                # No structured output here (many self-hosted servers): the caller parses strictly.
                params.pop("response_format")
                self._params.pop("response_format", None)
                return self._create(messages, params)
            # Newer OpenAI models reject max_tokens in favour of max_completion_tokens.
            if "max_tokens" not in str(exc) or "max_tokens" not in params:
                raise
            params["max_completion_tokens"] = params.pop("max_tokens")
            self._params = {k: v for k, v in params.items() if k != "seed"}
            return self._client.chat.completions.create(
                model=self.model, messages=list(messages), **params)  # type: ignore[arg-type]

    def _say(self, text: str) -> str:
        return redact(text, [self._key])


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- replay ------------------------------------------------------------------------------------

def _canonical(messages: Sequence[Mapping[str, Any]]) -> str:
    return json.dumps([[m.get("role"), m.get("content")] for m in messages], ensure_ascii=False)


class ReplayModel:
    """Answers from recorded conversations: a JSONL file of {messages, response} or a results file.

    A results file does not hold the system prompt (only its hash), so requests are matched
    against it without their system message.
    """

    def __init__(self, path: Path) -> None:
        self.name = f"replay:{path}"
        self.path = path
        self._from_results = False
        self._answers: dict[str, str] = {}
        self._load()

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ModelError(f"replay: cannot read {self.path}: {exc.strerror}") from None
        stripped = text.lstrip()
        if stripped.startswith("{") and '"schema"' in stripped[:200]:
            self._load_results(text)
        else:
            self._load_jsonl(text)

    def _load_jsonl(self, text: str) -> None:
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                messages, response = row["messages"], row["response"]
                if not isinstance(response, str) or not isinstance(messages, list):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                raise ModelError(
                    f"replay: {self.path}:{number}: expected a JSON object with 'messages' "
                    "(a list of {role, content}) and 'response' (text)") from None
            self._answers[_canonical(messages)] = response

    def _load_results(self, text: str) -> None:
        try:
            data = json.loads(text)
            conversations = data["conversations"]
        except (ValueError, KeyError, TypeError):
            raise ModelError(f"replay: {self.path} is not a carryon results file") from None
        self._from_results = True
        for conv in conversations:
            history: list[dict[str, str]] = []
            for turn in conv.get("turns", []):
                history.append({"role": "user", "content": turn["user"]})
                self._answers[_canonical(history)] = turn["assistant"]
                history.append({"role": "assistant", "content": turn["assistant"]})

    def __call__(self, messages: Sequence[Message], sample: int = 0) -> Reply:
        asked = [m for m in messages if m["role"] != "system"] if self._from_results else messages
        start = time.perf_counter()
        answer = self._answers.get(_canonical(asked))
        if answer is None:
            turn = sum(1 for m in messages if m["role"] == "user")
            raise ReplayMiss(f"replay: {self.path} has no recorded reply for turn {turn} "
                             f"(last user message: {_short(asked[-1]['content'], 80)!r})")
        return Reply(answer, time.perf_counter() - start)
