"""Turns Settings into the models, judge and user one process talks to, built once each.

Every process (the controller, each xdist worker) has its own Runtime; clients are not shared
across processes. A local llama.cpp server is started by the controller and reaches the
workers as (base_url, model) pairs in `local_endpoints`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from pytest_carryon.cache import CachedModel, ResponseCache
from pytest_carryon.errors import ModelError
from pytest_carryon.judge import HeuristicJudge, Judge, LLMJudge
from pytest_carryon.judge.escalate import EscalatingJudge
from pytest_carryon.judge.llm import JUDGE_PROMPT_VERSION, RESPONSE_FORMAT
from pytest_carryon.limiter import Limiter
from pytest_carryon.models import Complete, OpenAIChat, ReplayModel, builtin_model, endpoint_host
from pytest_carryon.scheduler import concurrency_of
from pytest_carryon.settings import Settings
from pytest_carryon.targets import needs_endpoint, target_of
from pytest_carryon.usage import Metered
from pytest_carryon.user import USER_PROMPT_VERSION, LLMUser, ScriptedUser, User

__all__ = ["Runtime", "check_credentials", "endpoint_of", "prompt_versions", "system_prompt_of"]

# Local servers and most self-hosted endpoints ignore the key, but the SDK insists on one.
_PLACEHOLDER_KEY = "not-needed"


def system_prompt_of(settings: Settings) -> tuple[str | None, str | None]:
    """The system prompt text and its SHA-256 (the hash goes in the results, the text does not)."""
    if settings.system_prompt is None:
        return None, None
    text = Path(settings.system_prompt).read_text(encoding="utf-8")
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


def endpoint_of(settings: Settings, role: str) -> tuple[str | None, str]:
    """(base URL, key variable) a role talks to: the judge and the user may have their own."""
    if role == "judge":
        return (settings.judge_base_url or settings.base_url,
                settings.judge_api_key_env or settings.api_key_env)
    if role == "user":
        return (settings.user_base_url or settings.base_url,
                settings.user_api_key_env or settings.api_key_env)
    return settings.base_url, settings.api_key_env


def prompt_versions(settings: Settings) -> dict[str, str]:
    """The versions of the prompts this run sends to model-backed roles (for `run.prompts`)."""
    versions = {}
    if settings.judge != "heuristic":
        versions["judge"] = JUDGE_PROMPT_VERSION
    if settings.user != "scripted":
        versions["user"] = USER_PROMPT_VERSION
    return versions


def check_credentials(settings: Settings, env: Mapping[str, str],
                      targets: Collection[str] = ()) -> None:
    """Fail before any conversation starts when the default OpenAI endpoint has no key."""
    roles = [("model", n) for n in settings.models]
    roles += [(role, n) for role, n in (("judge", settings.judge), ("user", settings.user))
              if n not in ("heuristic", "scripted")]
    for role, name in roles:
        base_url, key_env = endpoint_of(settings, role)
        if base_url is None and not env.get(key_env) and needs_endpoint(name, targets):
            option = "--carryon-api-key-env" if role == "model" else f"--carryon-{role}-api-key-env"
            url = "--carryon-base-url" if role == "model" else f"--carryon-{role}-base-url"
            what = "model" if role == "model" else f"{role} model"
            hint = (" If it is your app, register it with pytest_carryon_targets in a conftest.py "
                    "pytest loads at start-up (the rootdir or a test path)." if role == "model" else "")
            raise ModelError(
                f"{what} {name!r} needs an API key: set the environment variable "
                f"{key_env} (or name another with {option}), or point "
                f"{url} at an OpenAI-compatible server such as Ollama or vLLM.{hint}")


class Runtime:
    def __init__(self, settings: Settings, env: Mapping[str, str],
                 local_endpoints: Mapping[str, tuple[str, str]] | None = None,
                 targets: Mapping[str, Any] | None = None, rootdir: Path | None = None,
                 workers: int = 1) -> None:
        self.settings = settings
        # One limiter for every client of this process: model, judge and user share the budget.
        rpm = settings.rpm / max(1, workers) if settings.rpm else None
        self._targets = dict(targets or {})
        self.limiter = Limiter(concurrency_of(settings, self._targets), rpm)
        self._env = env
        self._local = dict(local_endpoints or {})
        self._rootdir = rootdir or Path.cwd()
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
            self._judge = HeuristicJudge() if name == "heuristic" else LLMJudge(Metered(
                self._build(name, temperature=0.0, role="judge",
                            extra={"response_format": RESPONSE_FORMAT}), "judge"))
            if threshold is not None:
                self._judge = EscalatingJudge(HeuristicJudge(), self._judge, threshold)
        return self._judge

    def user(self) -> User:
        if self._user is None:
            name = self.settings.user
            self._user = ScriptedUser() if name == "scripted" else LLMUser(Metered(
                self._build(name, temperature=0.0, role="user"), "user"))
        return self._user

    def secrets(self) -> list[str]:
        """Every key this process may send, to scrub from anything it writes."""
        roles = ("model", "judge", "user")
        return [k for k in (self._env.get(endpoint_of(self.settings, r)[1]) for r in roles) if k]

    def _build(self, spec: str, temperature: float | None = None, role: str = "model",
               extra: Mapping[str, Any] | None = None) -> Complete:
        s = self.settings
        target = target_of(spec, self._targets, self._rootdir)
        if target is not None:
            if self._cache is None:
                return target
            return CachedModel(target, self._cache, target.identity)
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
            base_url, key_env = endpoint_of(s, role)
            name = spec
            key = self._env.get(key_env) or _PLACEHOLDER_KEY
        temp = s.temperature if temperature is None else temperature
        client = OpenAIChat(name, base_url=base_url, api_key=key, temperature=temp,
                            max_tokens=s.max_tokens, seed=s.seed, timeout=s.timeout,
                            retries=s.retries, extra=extra, limiter=self.limiter)
        if spec.startswith("local:"):
            client.name = spec
        if self._cache is None:
            return client
        # A local server gets a new port every session; the spec alone names what answers.
        endpoint = "local" if spec.startswith("local:") else endpoint_host(base_url)
        identity = {"model": spec, "endpoint": endpoint, "temperature": temp,
                    "max_tokens": s.max_tokens, "seed": s.seed}
        if extra:
            identity["extra"] = sorted(extra)
        return CachedModel(client, self._cache, identity)
