"""Soak: thousands of conversations against an endpoint that misbehaves, and runs cut short.

Usage: python benchmarks/soak.py [--conversations 2000] [--concurrency 32] [--fault-rate 0.1]
                                 [--latency 0.02] [--seed 0]

1. Faults. N two-turn conversations at --carryon-concurrency C against the project's test server
   (tests/openai_server.py) turning a share of requests into every fault it knows (429 with and
   without Retry-After / retry-after-ms, 500, 502, 503, connection reset, timeout, malformed and
   truncated JSON, empty content, finish_reason content_filter). Prints conversations lost
   (target 0), errors by reason, and checks every injected fault: either the same request was
   sent again (retried) or its conversation is an `error` outcome whose reason names the fault;
   never a pass, never a reply judged as a refusal.
2. SIGTERM mid-run, with the cache on and --carryon-update-baseline: the results file holds
   every conversation pytest reported (and those finished ahead), marked partial; the cache
   passes SQLite's integrity check; the baseline is left as it was.
3. A killed xdist worker (-n 2, SIGKILL mid-conversation): the results hold every other
   conversation, marked partial; the cache passes its integrity check.

Exit status 0 when every check holds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.throughput import parser_for, two_turns, write_suite  # noqa: E402
from pytest_carryon.cache import DATABASE  # noqa: E402
from tests.openai_server import FAULTS, OpenAIServer  # noqa: E402

# What an error outcome says for a fault that was not retried (or whose retries ran out).
REASONS = {
    "429": "HTTP 429", "429-retry-after": "HTTP 429", "429-retry-after-ms": "HTTP 429",
    "500": "HTTP 500", "502": "HTTP 502", "503": "HTTP 503",
    "reset": "dropped the connection", "truncated": "dropped the connection",
    "timeout": "timed out", "malformed": "malformed response", "empty": "empty reply",
    "content_filter": "content filter",
}
KILL_WORKER = """
import os, signal

def pytest_runtest_call(item):
    if item.name == "bench-0040[reveal]":
        os.kill(os.getpid(), signal.SIGKILL)
"""


def reason_of(error: str) -> str:
    return next((r for r in dict.fromkeys(REASONS.values()) if r in error), "other: " + error[:60])


def pytest_command(server: OpenAIServer, folder: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(folder), "--rootdir", str(folder),
            "--carryon-model=soak", f"--carryon-base-url={server.url}", "--carryon-suite=none",
            f"--carryon-json={folder / 'results.json'}", f"--carryon-html={folder / 'report.html'}",
            f"--carryon-cache={folder / 'cache'}", *args]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT)}


def read(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def cache_ok(folder: Path) -> bool:
    path = folder / "cache" / DATABASE
    if not path.exists():
        return True
    with contextlib.closing(sqlite3.connect(path)) as db:
        return bool(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


def check_faults(server: OpenAIServer, records: list[dict[str, Any]]) -> tuple[int, list[str]]:
    """Every injected fault was retried, or its conversation is an error naming it: (retried, problems)."""
    bodies = [json.dumps(r.body, sort_keys=True) for r in server.requests]
    last_seen = {body: i for i, body in enumerate(bodies)}
    by_query = {c["turns"][0]["user"] if c["turns"] else None: c for c in records}
    by_scenario = {c["scenario"]: c for c in records}
    problems = []
    retried = 0
    for kind, index in server.faulted:
        if last_seen[bodies[index]] > index:
            retried += 1  # the same request went again
            continue
        first_user = next(m["content"] for m in server.requests[index].body["messages"] if m["role"] == "user")
        record = by_query.get(first_user) or by_scenario.get(_scenario_of(first_user))
        if record is None:
            problems.append(f"{kind} fault on request {index}: no conversation recorded for it")
        elif record["outcome"] != "error" or REASONS[kind] not in (record["error"] or ""):
            problems.append(f"{kind} fault on request {index}: conversation {record['key']} is "
                            f"{record['outcome']} ({record['error']})")
    return retried, problems


def _scenario_of(query: str) -> str:
    return f"bench-{int(query.rstrip('?').split()[-1]):04d}"


def soak(server: OpenAIServer, folder: Path, args: argparse.Namespace) -> list[str]:
    server.reset()
    server.delay_s, server.hang_s = args.latency, 2.0
    server.inject(args.fault_rate, FAULTS, seed=args.seed)
    started = time.perf_counter()
    subprocess.run(pytest_command(server, folder, "-q", f"--carryon-concurrency={args.concurrency}",
                                  "--carryon-cache-mode=off", "--carryon-timeout=1"),
                   cwd=folder, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, check=False)
    wall = time.perf_counter() - started
    records = read(folder)["conversations"]
    errors = [c for c in records if c["outcome"] == "error"]
    retried, problems = check_faults(server, records)
    lost = args.conversations - len(records)
    false_pass = [c["key"] for c in errors if c["passed"]]
    empty_judged = [c["key"] for c in records if any(not t["assistant"] for t in c["turns"])]
    calls = len(server.requests)
    print(f"1. faults: {args.conversations} conversations at concurrency {args.concurrency}, "
          f"{args.fault_rate:.0%} of requests faulted, {wall:.1f} s")
    print(f"   requests {calls}, faults injected {sum(server.injected.values())}: "
          + ", ".join(f"{k} {server.injected[k]}" for k in FAULTS))
    print(f"   conversations lost: {lost}; finished: {len(records)}; errors: {len(errors)}")
    for reason, count in sorted(Counter(reason_of(c["error"]) for c in errors).items()):
        print(f"     error {reason}: {count}")
    print(f"   faults accounted for: {len(server.faulted) - len(problems)}/{len(server.faulted)} "
          f"({retried} retried, {len(server.faulted) - retried - len(problems)} ended as an error naming them)")
    print(f"   error outcomes counted as passes: {len(false_pass)}; replies judged though empty: "
          f"{len(empty_judged)}")
    return ([f"{lost} conversations lost"] if lost else []) + problems + \
        [f"error {k} passed" for k in false_pass] + [f"empty reply judged in {k}" for k in empty_judged]


def sigterm(server: OpenAIServer, folder: Path, args: argparse.Namespace) -> list[str]:
    server.reset()
    server.delay_s = 0.05
    baseline = folder / "baseline.json"
    baseline.write_bytes((folder / "results.json").read_bytes())  # a valid baseline: the soak's results
    before = baseline.read_bytes()
    process = subprocess.Popen(
        pytest_command(server, folder, "-v", f"--carryon-concurrency={args.concurrency}",
                       "--carryon-cache-mode=use", f"--carryon-baseline={baseline}", "--carryon-update-baseline"),
        cwd=folder, env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    reported = 0
    while reported < 200:
        line = process.stdout.readline()
        if not line:
            break
        reported += " PASSED" in line or " FAILED" in line
    process.send_signal(signal.SIGTERM)
    rest, _ = process.communicate(timeout=120)
    reported += sum(1 for line in rest.splitlines() if " PASSED" in line or " FAILED" in line)
    data = read(folder)
    records = data["conversations"]
    print(f"2. SIGTERM after {reported} items reported: exit {process.returncode}, results partial "
          f"{data['run']['partial']}, {len(records)} conversations "
          f"({len(records) - reported} finished ahead of their items), none cut short: "
          f"{all(c['outcome'] != 'error' for c in records)}; cache intact {cache_ok(folder)}; "
          f"baseline unchanged {baseline.read_bytes() == before}")
    problems = []
    if not data["run"]["partial"] or len(records) < reported:
        problems.append(f"SIGTERM: partial {data['run']['partial']}, {len(records)} < {reported} reported")
    if any(c["outcome"] == "error" for c in records):
        problems.append("SIGTERM: a conversation cut short reached the results")
    if not cache_ok(folder) or baseline.read_bytes() != before:
        problems.append("SIGTERM: cache or baseline damaged")
    return problems


def killed_worker(server: OpenAIServer, folder: Path, args: argparse.Namespace, total: int) -> list[str]:
    server.reset()
    server.delay_s = 0.02
    conftest = folder / "conftest.py"
    conftest.write_text(KILL_WORKER, encoding="utf-8")
    try:
        done = subprocess.run(pytest_command(server, folder, "-q", "-n", "2", "--carryon-cache-mode=use",
                                             f"--carryon-concurrency={args.concurrency // 2}"),
                              cwd=folder, env=env(), capture_output=True, text=True, check=False)
    finally:
        conftest.unlink()
    data = read(folder)
    keys = [c["key"] for c in data["conversations"]]
    crashed = "crashed while running" in done.stdout
    print(f"3. killed xdist worker: crash reported {crashed}; results partial {data['run']['partial']}, "
          f"{len(keys)} of {total} conversations (the killed one missing: {'bench-0040[reveal]' not in keys}), "
          f"each once: {len(set(keys)) == len(keys)}; cache intact {cache_ok(folder)}")
    problems = []
    if not (crashed and data["run"]["partial"] and len(keys) == total - 1 and len(set(keys)) == len(keys)):
        problems.append(f"killed worker: crashed {crashed}, partial {data['run']['partial']}, {len(keys)} records")
    if not cache_ok(folder):
        problems.append("killed worker: cache damaged")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = parser_for(__doc__, conversations=2000, latency=0.02, concurrency=32)
    parser.add_argument("--fault-rate", type=float, default=0.10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    server = OpenAIServer(answer=two_turns).start()
    try:
        with tempfile.TemporaryDirectory(prefix="carryon-soak-") as tmp:
            folder = Path(tmp)
            write_suite(folder, args.conversations)
            problems = soak(server, folder, args)
            problems += sigterm(server, folder, args)
            small = folder / "small"
            small.mkdir()
            write_suite(small, 120)
            problems += killed_worker(server, small, args, 120)
    finally:
        server.stop()
    for line in problems[:40]:
        print(f"PROBLEM: {line}")
    print("all checks hold" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
