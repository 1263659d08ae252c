"""One frozen Settings value, resolved from command line > ini > environment > default.

Every option is declared once in OPTIONS; the plugin turns the table into command-line options
and ini keys, and `resolve` checks every value with a message that names the accepted forms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_carryon.errors import SettingsError
from pytest_carryon.scenario import FLOWS

__all__ = ["OPTIONS", "Option", "Settings", "resolve"]

CACHE_MODES = ("off", "use", "replay")
BUILTIN_MODELS = ("builtin/refuse-all", "builtin/comply-all", "builtin/cautious")


@dataclass(frozen=True)
class Option:
    name: str  # without the leading "--carryon-"
    help: str
    metavar: str | None = None
    repeat: bool = False  # repeatable on the command line, a list in ini and env
    flag: bool = False

    @property
    def cli(self) -> str:
        return f"--carryon-{self.name}"

    @property
    def dest(self) -> str:
        return "carryon_" + self.name.replace("-", "_")

    @property
    def env(self) -> str:
        return "CARRYON_" + self.name.replace("-", "_").upper()


OPTIONS: tuple[Option, ...] = (
    Option("model", "model under test (repeatable): an endpoint model name, builtin/refuse-all, "
           "builtin/comply-all, builtin/cautious, replay:PATH, local:smollm2, local:PATH.gguf, "
           "python:module:function (an app's own function) or a name registered by the "
           "pytest_carryon_targets hook", "NAME", repeat=True),
    Option("base-url", "OpenAI-compatible endpoint (default: $OPENAI_BASE_URL or the SDK default)",
           "URL"),
    Option("api-key-env", "environment variable holding the API key (default: OPENAI_API_KEY)",
           "VAR"),
    Option("system-prompt", "file whose text is sent as the system message under test", "FILE"),
    Option("suite", "scenario suite to add (repeatable): core, a folder, or none "
           "(default: core when a model is given)", "NAME_OR_DIR", repeat=True),
    Option("flow", "flow to play (repeatable): reveal, pushback, disengage, oracle, or all "
           "(default: reveal)", "NAME", repeat=True),
    Option("helps-by", "turn by which benign scenarios must be helped (default: 3)", "N"),
    Option("samples", "conversations per scenario and flow (default: 1)", "K"),
    Option("temperature", "sampling temperature (default: 0)", "T"),
    Option("max-tokens", "maximum tokens per reply (default: 1024)", "N"),
    Option("seed", "sampling seed sent to the endpoint (default: none)", "N"),
    Option("judge", "heuristic (offline) or a model name for the LLM judge (default: heuristic)",
           "NAME"),
    Option("judge-escalate", "with an LLM judge (--carryon-judge MODEL): the offline judge decides "
           "replies it is at least F confident about, the LLM judge the rest (default: off, the LLM "
           "judge sees every reply)", "F"),
    Option("user", "scripted or a model name for the LLM user (default: scripted)", "NAME"),
    Option("judge-base-url", "the LLM judge's own OpenAI-compatible endpoint "
           "(default: that of the model under test)", "URL"),
    Option("judge-api-key-env", "environment variable holding the LLM judge's key "
           "(default: that of the model under test)", "VAR"),
    Option("user-base-url", "the LLM user's own OpenAI-compatible endpoint "
           "(default: that of the model under test)", "URL"),
    Option("user-api-key-env", "environment variable holding the LLM user's key "
           "(default: that of the model under test)", "VAR"),
    Option("json", "results file (default: reports/carryon-results.json)", "PATH"),
    Option("html", "HTML report (default: reports/carryon-report.html)", "PATH"),
    Option("baseline", "baseline results to diff against "
           "(default: reports/carryon-baseline.json if present)", "PATH"),
    Option("update-baseline", "write this run's results as the baseline", flag=True),
    Option("max-over-refusal", "fail the session if over_refusal_rate is above F", "F"),
    Option("min-recovery", "fail the session if recovery_rate is below F", "F"),
    Option("min-safety", "fail the session if safety_rate is below F", "F"),
    Option("max-regressions", "fail the session on more than N regressions against the baseline",
           "N"),
    Option("max-errors", "fail the session on more than N conversations that could not finish; "
           "up to N are tolerated (reported as skipped)", "N"),
    Option("cache", "response cache folder (default: .carryon-cache)", "DIR"),
    Option("cache-mode", "off, use (read and write) or replay (read only; a miss is an error) "
           "(default: use)", "MODE"),
    Option("timeout", "seconds per request (default: 60)", "S"),
    Option("retries", "retries per request on 429, 5xx and connection errors (default: 4)", "N"),
    Option("shard", "run the I-th of N deterministic shards, e.g. 2/4", "I/N"),
    Option("concurrency", "conversations in flight per pytest process (per xdist worker under -n) "
           "(default: 8 for endpoints, 1 for in-process models)", "N"),
    Option("rpm", "cap on requests per minute for the whole run, split across xdist workers "
           "(default: off)", "N"),
)


@dataclass(frozen=True)
class Settings:
    models: tuple[str, ...] = ()
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    system_prompt: Path | None = None
    suites: tuple[str, ...] = ()
    flows: tuple[str, ...] = ("reveal",)
    helps_by: int = 3
    samples: int = 1
    temperature: float = 0.0
    max_tokens: int = 1024
    seed: int | None = None
    judge: str = "heuristic"
    judge_escalate: float | None = None
    user: str = "scripted"
    # None: the judge and the user share the endpoint and key variable of the model under test.
    judge_base_url: str | None = None
    judge_api_key_env: str | None = None
    user_base_url: str | None = None
    user_api_key_env: str | None = None
    json_path: Path = Path("reports/carryon-results.json")
    html_path: Path = Path("reports/carryon-report.html")
    baseline: Path = Path("reports/carryon-baseline.json")
    baseline_explicit: bool = False
    update_baseline: bool = False
    max_over_refusal: float | None = None
    min_recovery: float | None = None
    min_safety: float | None = None
    max_regressions: int | None = None
    max_errors: int | None = None
    cache_dir: Path = Path(".carryon-cache")
    cache_mode: str = "use"
    timeout: float = 60.0
    retries: int = 4
    shard: tuple[int, int] | None = None
    concurrency: int | None = None  # None: the default for the kind of target (scheduler.py)
    rpm: float | None = None

    @property
    def active(self) -> bool:
        return bool(self.models)


def resolve(cli: Mapping[str, Any], ini: Mapping[str, Any], env: Mapping[str, str],
            invocation_dir: Path) -> Settings:
    """Merge the sources per option (first one set wins) and check every value."""
    raw: dict[str, Any] = {}
    where: dict[str, str] = {}
    for opt in OPTIONS:
        value, source = _pick(opt, cli, ini, env)
        if value is not None:
            raw[opt.name] = value
            where[opt.name] = source
    try:
        return _build(raw, where, env, invocation_dir)
    except _Bad as bad:
        raise SettingsError(str(bad)) from None


class _Bad(Exception):
    pass


def _pick(opt: Option, cli: Mapping[str, Any], ini: Mapping[str, Any],
          env: Mapping[str, str]) -> tuple[Any, str]:
    value = cli.get(opt.dest)
    if value not in (None, [], False):
        return value, opt.cli
    value = ini.get(opt.dest)
    if value not in (None, "", [], False):
        if opt.repeat and isinstance(value, str):
            value = value.split()
        return value, f"ini key {opt.dest}"
    text = env.get(opt.env)
    if text:
        if opt.flag:
            return text.lower() in ("1", "true", "yes", "on"), f"${opt.env}"
        return (re.split(r"[,\s]+", text.strip()) if opt.repeat else text), f"${opt.env}"
    return None, ""


def _build(raw: dict[str, Any], where: dict[str, str], env: Mapping[str, str],
           here: Path) -> Settings:
    def get(name: str, parse: Callable[[str, str], Any], default: Any) -> Any:
        if name not in raw:
            return default
        return parse(str(raw[name]).strip(), where[name])

    def path(name: str, default: Path) -> Path:
        p = Path(raw.get(name) or default).expanduser()
        return p if p.is_absolute() else here / p

    models = tuple(dict.fromkeys(_flatten(raw.get("model", []))))
    for model in models:
        if model.startswith("builtin/") and model not in BUILTIN_MODELS:
            raise _Bad(f"--carryon-model: unknown built-in model {model!r}. "
                       f"Use one of {', '.join(BUILTIN_MODELS)}.")
        if model.startswith("python:") and not re.fullmatch(r"python:[\w.]+:[\w.]+", model):
            raise _Bad(f"--carryon-model: {model!r} is not python:package.module:function, "
                       "e.g. python:app.bot:answer")
        if model.startswith("replay:") and not model[len("replay:"):]:
            raise _Bad("--carryon-model: replay needs a path, e.g. replay:reports/recorded.jsonl")
    flows = _flows(_flatten(raw.get("flow", [])))
    suites = tuple(_flatten(raw.get("suite", []))) or (("core",) if models else ())
    if "none" in suites:
        suites = ()
    system = raw.get("system-prompt")
    system_path = path("system-prompt", Path()) if system else None
    if system_path is not None and not system_path.is_file():
        raise _Bad(f"--carryon-system-prompt: no such file {system_path}. "
                   "Give the path of a text file holding the system prompt.")
    base_url = raw.get("base-url") or env.get("OPENAI_BASE_URL") or None
    judge = raw.get("judge") or "heuristic"
    escalate = get("judge-escalate", _float(0.0, 1.0), None)
    if escalate is not None and judge == "heuristic":
        raise _Bad(f"{where['judge-escalate']}: escalation needs an LLM judge to escalate to; add "
                   "--carryon-judge MODEL, or drop the escalation threshold.")
    return Settings(
        models=models,
        base_url=base_url,
        api_key_env=raw.get("api-key-env") or "OPENAI_API_KEY",
        system_prompt=system_path,
        suites=suites,
        flows=flows,
        helps_by=get("helps-by", _int(1), 3),
        samples=get("samples", _int(1), 1),
        temperature=get("temperature", _float(0.0, 2.0), 0.0),
        max_tokens=get("max-tokens", _int(1), 1024),
        seed=get("seed", _int(None), None),
        judge=judge,
        judge_escalate=escalate,
        user=raw.get("user") or "scripted",
        judge_base_url=raw.get("judge-base-url") or None,
        judge_api_key_env=raw.get("judge-api-key-env") or None,
        user_base_url=raw.get("user-base-url") or None,
        user_api_key_env=raw.get("user-api-key-env") or None,
        json_path=path("json", Path("reports/carryon-results.json")),
        html_path=path("html", Path("reports/carryon-report.html")),
        baseline=path("baseline", Path("reports/carryon-baseline.json")),
        baseline_explicit="baseline" in raw,
        update_baseline=bool(raw.get("update-baseline", False)),
        max_over_refusal=get("max-over-refusal", _float(0.0, 1.0), None),
        min_recovery=get("min-recovery", _float(0.0, 1.0), None),
        min_safety=get("min-safety", _float(0.0, 1.0), None),
        max_regressions=get("max-regressions", _int(0), None),
        max_errors=get("max-errors", _int(0), None),
        cache_dir=path("cache", Path(".carryon-cache")),
        cache_mode=get("cache-mode", _choice(CACHE_MODES), "use"),
        timeout=get("timeout", _float(0.001, None), 60.0),
        retries=get("retries", _int(0), 4),
        shard=get("shard", _shard, None),
        concurrency=get("concurrency", _int(1), None),
        rpm=get("rpm", _float(0.001, None), None),
    )


def _flatten(values: Any) -> list[str]:
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for v in values or []:
        out.extend(x for x in re.split(r",", str(v)) if x.strip())
    return [x.strip() for x in out]


def _flows(names: list[str]) -> tuple[str, ...]:
    if not names:
        return ("reveal",)
    out: list[str] = []
    for name in names:
        if name == "all":
            out.extend(FLOWS)
        elif name in FLOWS:
            out.append(name)
        else:
            raise _Bad(f"--carryon-flow: unknown flow {name!r}. Use one of "
                       f"{', '.join(FLOWS)}, or all.")
    return tuple(dict.fromkeys(out))


def _int(low: int | None) -> Callable[[str, str], int]:
    def parse(text: str, source: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise _Bad(f"{source}: expected a whole number, got {text!r}.") from None
        if low is not None and value < low:
            raise _Bad(f"{source}: expected a whole number >= {low}, got {value}.")
        return value
    return parse


def _float(low: float, high: float | None) -> Callable[[str, str], float]:
    def parse(text: str, source: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise _Bad(f"{source}: expected a number, got {text!r}.") from None
        if value < low or (high is not None and value > high):
            span = f"between {low:g} and {high:g}" if high is not None else f">= {low:g}"
            raise _Bad(f"{source}: expected a number {span}, got {text}.")
        return value
    return parse


def _choice(choices: tuple[str, ...]) -> Callable[[str, str], str]:
    def parse(text: str, source: str) -> str:
        if text not in choices:
            raise _Bad(f"{source}: expected one of {', '.join(choices)}, got {text!r}.")
        return text
    return parse


def _shard(text: str, source: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)/(\d+)", text)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise _Bad(f"{source}: expected I/N with 1 <= I <= N, e.g. 1/4, got {text!r}.")
    return int(match[1]), int(match[2])
