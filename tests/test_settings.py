"""Settings: command line > ini > environment > default, and one-line errors naming the option."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_carryon.errors import SettingsError
from pytest_carryon.settings import Settings, resolve

HERE = Path("/work/invoked-here")


def settle(cli: dict[str, Any] | None = None, ini: dict[str, Any] | None = None,
           env: dict[str, str] | None = None, here: Path = HERE) -> Settings:
    return resolve(cli or {}, ini or {}, env or {}, here)


def error_of(cli: dict[str, Any] | None = None, ini: dict[str, Any] | None = None,
             env: dict[str, str] | None = None) -> str:
    with pytest.raises(SettingsError) as info:
        settle(cli, ini, env)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_defaults_without_a_model() -> None:
    s = settle()
    assert not s.active
    assert s.models == () and s.suites == () and s.flows == ("reveal",)
    assert (s.helps_by, s.samples, s.temperature, s.max_tokens, s.seed) == (3, 1, 0.0, 1024, None)
    assert (s.judge, s.user, s.api_key_env, s.base_url) == ("heuristic", "scripted", "OPENAI_API_KEY", None)
    assert s.json_path == HERE / "reports/carryon-results.json"
    assert s.html_path == HERE / "reports/carryon-report.html"
    assert s.baseline == HERE / "reports/carryon-baseline.json" and not s.baseline_explicit
    assert s.cache_dir == HERE / ".carryon-cache" and s.cache_mode == "use"
    assert (s.timeout, s.retries, s.shard, s.update_baseline) == (60.0, 4, None, False)
    assert (s.max_over_refusal, s.min_recovery, s.min_safety, s.max_regressions, s.max_errors) == (
        None, None, None, None, None)
    assert s.system_prompt is None


def test_suite_core_only_when_a_model_is_given() -> None:
    s = settle({"carryon_model": ["builtin/cautious"]})
    assert s.active and s.models == ("builtin/cautious",) and s.suites == ("core",)


@pytest.mark.parametrize("suites", [["none"], ["core", "none"]])
def test_suite_none_disables_the_suite(suites: list[str]) -> None:
    assert settle({"carryon_model": ["builtin/cautious"], "carryon_suite": suites}).suites == ()


def test_suite_folders_are_kept_in_order() -> None:
    s = settle({"carryon_suite": ["core", "mine"]})
    assert s.suites == ("core", "mine")


# --- precedence -------------------------------------------------------------------------------

@pytest.mark.parametrize(("cli", "ini", "env", "expected"), [
    ("5", "4", "2", 5),
    (None, "4", "2", 4),
    (None, None, "2", 2),
    (None, None, None, 3),
    (None, "", "2", 2),  # an empty ini value is "not set"
])
def test_scalar_precedence(cli: str | None, ini: str | None, env: str | None, expected: int) -> None:
    s = settle({"carryon_helps_by": cli}, {"carryon_helps_by": ini},
               {"CARRYON_HELPS_BY": env} if env is not None else {})
    assert s.helps_by == expected


def test_repeatable_precedence() -> None:
    cli = {"carryon_model": ["builtin/cautious", "builtin/refuse-all"]}
    ini = {"carryon_model": "builtin/comply-all builtin/refuse-all"}  # ini lines split on whitespace
    env = {"CARRYON_MODEL": "replay:a.jsonl, builtin/comply-all"}  # env splits on commas and spaces
    assert settle(cli, ini, env).models == ("builtin/cautious", "builtin/refuse-all")
    assert settle({}, ini, env).models == ("builtin/comply-all", "builtin/refuse-all")
    assert settle({}, {}, env).models == ("replay:a.jsonl", "builtin/comply-all")
    assert settle({"carryon_model": []}, ini).models == ("builtin/comply-all", "builtin/refuse-all")


def test_repeatable_values_split_on_commas_and_deduplicate() -> None:
    s = settle({"carryon_model": ["builtin/cautious,builtin/comply-all", "builtin/cautious"],
                "carryon_flow": ["reveal,oracle", "reveal"]})
    assert s.models == ("builtin/cautious", "builtin/comply-all")
    assert s.flows == ("reveal", "oracle")


@pytest.mark.parametrize(("cli", "ini", "env", "expected"), [
    (True, None, None, True),
    (False, True, None, True),  # store_true's False means "not given", so ini still applies
    (False, False, "yes", True),
    (False, None, "1", True),
    (False, None, "0", False),
    (False, None, "off", False),
    (False, None, None, False),
])
def test_flag_precedence(cli: bool, ini: bool | None, env: str | None, expected: bool) -> None:
    s = settle({"carryon_update_baseline": cli}, {"carryon_update_baseline": ini},
               {"CARRYON_UPDATE_BASELINE": env} if env is not None else {})
    assert s.update_baseline is expected


def test_strings_from_each_source() -> None:
    s = settle({"carryon_judge": "gpt-judge"}, {"carryon_judge": "ini-judge", "carryon_user": "ini-user"},
               {"CARRYON_USER": "env-user", "CARRYON_API_KEY_ENV": "MY_KEY"})
    assert (s.judge, s.user, s.api_key_env) == ("gpt-judge", "ini-user", "MY_KEY")


# --- values -----------------------------------------------------------------------------------

def test_numbers_are_parsed() -> None:
    s = settle({"carryon_samples": "3", "carryon_temperature": "0.7", "carryon_max_tokens": "64",
                "carryon_seed": "-2", "carryon_timeout": "2.5", "carryon_retries": "0",
                "carryon_max_over_refusal": "0.2", "carryon_min_recovery": "0.5", "carryon_min_safety": "1",
                "carryon_max_regressions": "0", "carryon_max_errors": "2", "carryon_shard": "2/4",
                "carryon_cache_mode": "replay"})
    assert (s.samples, s.temperature, s.max_tokens, s.seed, s.timeout, s.retries) == (3, 0.7, 64, -2, 2.5, 0)
    assert (s.max_over_refusal, s.min_recovery, s.min_safety) == (0.2, 0.5, 1.0)
    assert (s.max_regressions, s.max_errors, s.shard, s.cache_mode) == (0, 2, (2, 4), "replay")


def test_relative_paths_resolve_against_the_invocation_dir(tmp_path: Path) -> None:
    prompt = tmp_path / "prompts" / "system.txt"
    prompt.parent.mkdir()
    prompt.write_text("Be helpful.", encoding="utf-8")
    s = settle({"carryon_json": "out/r.json", "carryon_html": "out/r.html", "carryon_baseline": "b.json",
                "carryon_cache": "cache", "carryon_system_prompt": "prompts/system.txt"}, here=tmp_path)
    assert s.json_path == tmp_path / "out/r.json" and s.html_path == tmp_path / "out/r.html"
    assert s.baseline == tmp_path / "b.json" and s.baseline_explicit
    assert s.cache_dir == tmp_path / "cache" and s.system_prompt == prompt


def test_absolute_paths_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "abs.json"
    assert settle({"carryon_json": str(target)}).json_path == target


def test_flows_all_expands_to_every_builtin_flow() -> None:
    assert settle({"carryon_flow": ["all"]}).flows == ("reveal", "pushback", "disengage", "oracle")
    assert settle({"carryon_flow": ["oracle", "all"]}).flows == ("oracle", "reveal", "pushback", "disengage")


def test_openai_base_url_environment_default() -> None:
    env = {"OPENAI_BASE_URL": "http://env.example/v1"}
    assert settle(env=env).base_url == "http://env.example/v1"
    assert settle({"carryon_base_url": "http://cli.example/v1"}, env=env).base_url == "http://cli.example/v1"
    assert settle({}, {"carryon_base_url": "http://ini.example/v1"}, env).base_url == "http://ini.example/v1"
    assert settle().base_url is None


# --- errors: one line naming the option (or its source) and the accepted forms ---------------

@pytest.mark.parametrize(("cli", "message"), [
    ({"carryon_helps_by": "soon"}, "--carryon-helps-by: expected a whole number, got 'soon'."),
    ({"carryon_helps_by": "0"}, "--carryon-helps-by: expected a whole number >= 1, got 0."),
    ({"carryon_samples": "0"}, "--carryon-samples: expected a whole number >= 1, got 0."),
    ({"carryon_max_tokens": "1.5"}, "--carryon-max-tokens: expected a whole number, got '1.5'."),
    ({"carryon_seed": "abc"}, "--carryon-seed: expected a whole number, got 'abc'."),
    ({"carryon_retries": "-1"}, "--carryon-retries: expected a whole number >= 0, got -1."),
    ({"carryon_max_regressions": "-3"}, "--carryon-max-regressions: expected a whole number >= 0, got -3."),
    ({"carryon_max_errors": "x"}, "--carryon-max-errors: expected a whole number, got 'x'."),
    ({"carryon_temperature": "hot"}, "--carryon-temperature: expected a number, got 'hot'."),
    ({"carryon_temperature": "2.5"}, "--carryon-temperature: expected a number between 0 and 2, got 2.5."),
    ({"carryon_max_over_refusal": "20"}, "--carryon-max-over-refusal: expected a number between 0 and 1, got 20."),
    ({"carryon_min_recovery": "-0.1"}, "--carryon-min-recovery: expected a number between 0 and 1, got -0.1."),
    ({"carryon_min_safety": "1.01"}, "--carryon-min-safety: expected a number between 0 and 1, got 1.01."),
    ({"carryon_timeout": "0"}, "--carryon-timeout: expected a number >= 0.001, got 0."),
    ({"carryon_cache_mode": "record"}, "--carryon-cache-mode: expected one of off, use, replay, got 'record'."),
    ({"carryon_shard": "3/2"}, "--carryon-shard: expected I/N with 1 <= I <= N, e.g. 1/4, got '3/2'."),
    ({"carryon_shard": "0/2"}, "--carryon-shard: expected I/N with 1 <= I <= N, e.g. 1/4, got '0/2'."),
    ({"carryon_shard": "half"}, "--carryon-shard: expected I/N with 1 <= I <= N, e.g. 1/4, got 'half'."),
    ({"carryon_flow": ["reveal", "sideways"]},
     "--carryon-flow: unknown flow 'sideways'. Use one of reveal, pushback, disengage, oracle, or all."),
    ({"carryon_model": ["builtin/polite"]},
     "--carryon-model: unknown built-in model 'builtin/polite'. "
     "Use one of builtin/refuse-all, builtin/comply-all, builtin/cautious."),
    ({"carryon_model": ["replay:"]},
     "--carryon-model: replay needs a path, e.g. replay:reports/recorded.jsonl"),
])
def test_cli_errors(cli: dict[str, Any], message: str) -> None:
    assert error_of(cli) == message


def test_error_names_the_ini_key_or_environment_variable() -> None:
    assert error_of(ini={"carryon_samples": "many"}) == (
        "ini key carryon_samples: expected a whole number, got 'many'.")
    assert error_of(env={"CARRYON_CACHE_MODE": "sometimes"}) == (
        "$CARRYON_CACHE_MODE: expected one of off, use, replay, got 'sometimes'.")


def test_missing_system_prompt_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as info:
        settle({"carryon_system_prompt": "nope.txt"}, here=tmp_path)
    assert str(info.value) == (
        f"--carryon-system-prompt: no such file {tmp_path / 'nope.txt'}. "
        "Give the path of a text file holding the system prompt.")


def test_settings_is_frozen() -> None:
    s = settle()
    with pytest.raises(AttributeError):
        s.samples = 2  # type: ignore[misc]
