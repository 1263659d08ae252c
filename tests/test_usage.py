"""What a run cost: calls and tokens per role, summed over records, with and without the cache."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from pytest_carryon.conversation import Transcript, converse
from pytest_carryon.judge import LLMJudge
from pytest_carryon.models import OpenAIChat, builtin_model
from pytest_carryon.results import merge_results
from pytest_carryon.scenario import load_scenarios
from pytest_carryon.summary import usage_line
from pytest_carryon.usage import Metered, add_usage
from pytest_carryon.user import ScriptedUser
from tests.conftest import SCENARIOS, read_json
from tests.openai_server import OpenAIServer, role_answer


def served_tokens(server: OpenAIServer) -> tuple[int, int]:
    """What the server reported: 10 prompt tokens a call, one completion token a word."""
    answers = [role_answer(r.body["messages"]) for r in server.chat_requests()]
    return 10 * len(answers), sum(len(a.split()) for a in answers)


def run(pytester: pytest.Pytester, server: OpenAIServer, *extra: str) -> dict[str, Any]:
    pytester.runpytest("--carryon-model=test-model", f"--carryon-base-url={server.url}",
                       "--carryon-judge=judge-model", "--carryon-suite=none", *extra)
    return read_json(pytester.path / "reports" / "carryon-results.json")


def test_tokens_summed_across_workers_then_cached_calls_counted_apart(
        pytester: pytest.Pytester, suite: Path, server: OpenAIServer, plugin_args: list[str]) -> None:
    server.answer = role_answer
    first = run(pytester, server, *plugin_args)["run"]["usage"]
    turns = 1 + 2 + 4 + 2  # sourdough, ricin, poison, kill-python-process
    prompt, completion = served_tokens(server)
    assert first["model"]["calls"] == first["judge"]["calls"] == turns
    assert first["model"]["cached_calls"] == first["judge"]["cached_calls"] == 0
    assert first["user"] == {"calls": 0, "cached_calls": 0, "prompt_tokens": 0, "completion_tokens": 0}
    assert first["model"]["prompt_tokens"] + first["judge"]["prompt_tokens"] == prompt
    assert first["model"]["completion_tokens"] + first["judge"]["completion_tokens"] == completion
    assert 0 < first["model"]["completion_tokens"] < completion

    server.requests.clear()
    second = run(pytester, server, *plugin_args)
    assert server.chat_requests() == []
    for role in ("model", "judge"):
        assert second["run"]["usage"][role] == {"calls": 0, "cached_calls": turns, "prompt_tokens": 0,
                                                "completion_tokens": 0}
    per_record = add_usage(c["usage"] for c in second["conversations"])
    assert per_record == second["run"]["usage"]


def test_without_a_cache_every_run_pays_again(pytester: pytest.Pytester, suite: Path,
                                              server: OpenAIServer) -> None:
    server.answer = role_answer
    one = run(pytester, server, "--carryon-cache-mode=off")["run"]["usage"]
    two = run(pytester, server, "--carryon-cache-mode=off")["run"]["usage"]
    assert one == two and one["model"]["calls"] == 9 and one["model"]["cached_calls"] == 0
    prompt, completion = served_tokens(server)
    assert 2 * (one["model"]["prompt_tokens"] + one["judge"]["prompt_tokens"]) == prompt
    assert 2 * (one["model"]["completion_tokens"] + one["judge"]["completion_tokens"]) == completion


def test_the_terminal_summary_says_what_the_run_cost(pytester: pytest.Pytester, suite: Path,
                                                    server: OpenAIServer) -> None:
    server.answer = role_answer
    result = pytester.runpytest("--carryon-model=test-model", f"--carryon-base-url={server.url}",
                                "--carryon-judge=judge-model", "--carryon-suite=none")
    usage = read_json(pytester.path / "reports" / "carryon-results.json")["run"]["usage"]
    m, j = usage["model"], usage["judge"]
    result.stdout.fnmatch_lines([
        f"usage (prompt+completion): model 9 calls, {m['prompt_tokens']}+{m['completion_tokens']} tokens; "
        f"judge 9 calls, {j['prompt_tokens']}+{j['completion_tokens']} tokens"])
    result.stdout.fnmatch_lines(["*utility (Ben-Util, checklist share met): turn 1 *final *"])


def test_shard_usage_adds_up_when_merged() -> None:
    def part(key: str, calls: int) -> dict[str, Any]:
        usage = {"model": {"calls": calls, "cached_calls": 1, "prompt_tokens": 10 * calls,
                           "completion_tokens": 5 * calls}}
        return {"run": {"models": ["m"], "flows": ["reveal"], "started_at": "2026-01-01T00:00:00Z",
                        "duration_s": 1.0, "usage": usage},
                "conversations": []}

    merged = merge_results([part("a", 2), part("b", 3)])
    assert merged["run"]["usage"]["model"] == {"calls": 5, "cached_calls": 2, "prompt_tokens": 50,
                                               "completion_tokens": 25}
    assert usage_line(merged["run"]["usage"]) == (
        "usage (prompt+completion): model 5 calls, 50+25 tokens, 2 cached")
    assert usage_line(add_usage([])) is None


def test_conversations_played_side_by_side_keep_their_own_counts(server: OpenAIServer,
                                                                 tmp_path: Path) -> None:
    """Threads (as under --carryon-concurrency) each count into their own conversation's tally."""
    server.answer = role_answer
    path = tmp_path / "demo.carryon.yaml"
    path.write_text(SCENARIOS, encoding="utf-8")
    scenarios = {s.id: s for s in load_scenarios(path)}
    judge = LLMJudge(Metered(OpenAIChat("judge-model", base_url=server.url, api_key="x", temperature=0,
                                        max_tokens=64, seed=None, timeout=5, retries=0), "judge"))
    played: dict[str, Transcript] = {}

    def play(sid: str, model: str) -> None:
        played[sid] = converse(scenarios[sid], "reveal", builtin_model(model), ScriptedUser(), judge)

    threads = [threading.Thread(target=play, args=("poison-coworker", "builtin/refuse-all")),
               threading.Thread(target=play, args=("bake-sourdough", "builtin/comply-all")),
               threading.Thread(target=play, args=("ricin-mechanism", "builtin/cautious"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for sid, transcript in played.items():
        assert transcript.error is None
        n = len(transcript.turns)
        assert (transcript.usage["model"]["calls"], transcript.usage["judge"]["calls"]) == (n, n), sid
        assert transcript.usage["judge"]["prompt_tokens"] == 10 * n
    assert [len(played[s].turns) for s in ("poison-coworker", "bake-sourdough", "ricin-mechanism")] == [4, 1, 2]
