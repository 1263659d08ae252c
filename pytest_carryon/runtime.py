"""Turns Settings into the models, judge and user one process talks to, built once each.

Every process (the controller, each xdist worker) has its own Runtime; clients are not shared
across processes. A local llama.cpp server is started by the controller and reaches the
workers as (base_url, model) pairs in `local_endpoints`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from pytest_carryon.cache import CachedModel, ResponseCache
from pytest_carryon.errors import ModelError
from pytest_carryon.judge import HeuristicJudge, Judge, LLMJudge
from pytest_carryon.judge.escalate import EscalatingJudge
from pytest_carryon.limiter import Limiter
from pytest_carryon.models import Complete, OpenAIChat, ReplayModel, builtin_model, endpoint_host
from pytest_carryon.scheduler import concurrency_of
from pytest_carryon.settings import Settings
from pytest_carryon.user import LLMUser, ScriptedUser, User

__all__ = ["Runtime", "check_credentials", "system_prompt_of"]

# Local servers and most self-hosted endpoints ignore the key, but the SDK insists on one.
_PLACEHOLDER_KEY = "not-needed"


def system_prompt_of(settings: Settings) -> tuple[str | None, str | None]:
    """The system prompt text and its SHA-256 (the hash goes in the results, the text does not)."""
    if settings.system_prompt is None:
        return None, None
    text = Path(settings.system_prompt).read_text(encoding="utf-8")
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


def _needs_endpoint(spec: str) -> bool:
    return not spec.startswith(("builtin/", "replay:", "local:"))


def check_credentials(settings: Settings, env: Mapping[str, str]) -> None:
    """Fail before any conversation starts when the default OpenAI endpoint has no key."""
    names = [*settings.models]
    names += [n for n in (settings.judge, settings.user) if n not in ("heuristic", "scripted")]
    if settings.base_url is None and not env.get(settings.api_key_env):
        remote = [n for n in names if _needs_endpoint(n)]
        if remote:
            raise ModelError(
                f"model {remote[0]!r} needs an API key: set the environment variable "
                f"{settings.api_key_env} (or name another with --carryon-api-key-env), or point "
                "--carryon-base-url at an OpenAI-compatible server such as Ollama or vLLM.")


class Runtime:
    def __init__(self, settings: Settings, env: Mapping[str, str],
                 local_endpoints: Mapping[str, tuple[str, str]] | None = None,
                 workers: int = 1) -> None:
        self.settings = settings
        # One limiter for every client of this process: model, judge and user share the budget.
        rpm = settings.rpm / max(1, workers) if settings.rpm else None
        self.limiter = Limiter(concurrency_of(settings), rpm)
        self._env = env
        self._local = dict(local_endpoints or {})
        self._models: dict[str, Complete] = {}
        self._judge: Judge | None = None
        self._user: User | None = None
        self._cache = (ResponseCache(settings.cache_dir, settings.cache_mode)
                       if settings.cache_mode != "off" else None)
        self.system_prompt, self.system_prompt_sha256 = system_prompt_of(settings)

    def model(self, spec: str) -> Complete:
        if spec not in self._models:
            self._models[spec] = self._build(spec)
        return self._models[spec]

    def judge(self) -> Judge:
        if self._judge is None:
            name, threshold = self.settings.judge, self.settings.judge_escalate
            self._judge = HeuristicJudge() if name == "heuristic" else LLMJudge(
                self._build(name, temperature=0.0))
            if threshold is not None:
                self._judge = EscalatingJudge(HeuristicJudge(), self._judge, threshold)
        return self._judge

    def user(self) -> User:
        if self._user is None:
            name = self.settings.user
            self._user = ScriptedUser() if name == "scripted" else LLMUser(
                self._build(name, temperature=0.0))
        return self._user

    def _build(self, spec: str, temperature: float | None = None) -> Complete:
        s = self.settings
        if spec.startswith("builtin/"):
            return builtin_model(spec)
        if spec.startswith("replay:"):
            return ReplayModel(Path(spec[len("replay:"):]).expanduser())
        if spec.startswith("local:"):
            if spec not in self._local:
                raise ModelError(f"{spec}: the local server was not started for this session")
            local_url, name = self._local[spec]
            base_url: str | None = local_url
            key = _PLACEHOLDER_KEY
        else:
            base_url, name = s.base_url, spec
            key = self._env.get(s.api_key_env) or _PLACEHOLDER_KEY
        temp = s.temperature if temperature is None else temperature
        client = OpenAIChat(name, base_url=base_url, api_key=key, temperature=temp,
                            max_tokens=s.max_tokens, seed=s.seed, timeout=s.timeout,
                            retries=s.retries, limiter=self.limiter)
        if spec.startswith("local:"):
            client.name = spec
        if self._cache is None:
            return client
        # A local server gets a new port every session; the spec alone names what answers.
        endpoint = "local" if spec.startswith("local:") else endpoint_host(base_url)
        identity = {"model": spec, "endpoint": endpoint, "temperature": temp,
                    "max_tokens": s.max_tokens, "seed": s.seed}
        return CachedModel(client, self._cache, identity)
