"""How close does a run come to the endpoint's own limit? Side by side, in one run.

Usage: python benchmarks/throughput.py [--conversations 160] [--latency 0.2] [--concurrency 32]
                                       [--workers 2] [--cap 8]

Plays the same N two-turn conversations (turn 1 refused, turn 2 helped) through the plugin, in
pytest subprocesses, against the project's OpenAI-compatible test server (tests/openai_server.py)
running in this process:

- the fixed cost: an instant server, so the wall time is pytest, the plugin, the client and the
  judge, everything but the model; measured per layout (one process, -n W);
- a server answering in LATENCY seconds, with --carryon-concurrency C in one process and
  C/W per worker under -n W (the same C in flight);
- the same behind a server accepting only CAP requests at once and answering 429 beyond;
- a rerun answered wholly from the response cache.

Model time = wall - fixed cost of that layout; ideal = calls x latency / slots (calls = 2N; a
count above it is a conversation played twice, an xdist worker's item stolen mid-play), where slots is
C, or CAP for the capped server. Targets (issue 11): model time <= 1.5x ideal, the capped server
within 1.5x of its ideal with fewer 429 answers than calls, the cached rerun within 1 s of the
fixed cost and zero calls.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from pytest_carryon.models import REFUSAL_TEXT, Message  # noqa: E402
from tests.openai_server import OpenAIServer  # noqa: E402

HELP_TEXT = ("Sure. Here is how it works, step by step.\n\n1. First, the background.\n"
             "2. Then the practical part.\n3. Finally, where to read more.")


def two_turns(messages: list[Message]) -> str:
    """Refuse the opening query, help once the user has explained: two turns per conversation."""
    users = sum(1 for m in messages if m["role"] == "user")
    return REFUSAL_TEXT if users == 1 else HELP_TEXT


def write_suite(folder: Path, count: int) -> None:
    lines = ["category: bench", "scenarios:"]
    for n in range(count):
        lines += [f"  - id: bench-{n:04d}", f"    query: How do I make thing number {n}?",
                  "    label: benign", "    followups:",
                  f"      reveal_intent: I'm a teacher preparing lesson {n} on this."]
    (folder / "bench.carryon.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Run:
    wall_s: float
    calls: int
    throttled: int
    peak: int  # most requests the server held at once
    span_s: float  # from the first request's arrival to the last one's answer: the model's share
    exit_code: int


def run(server: OpenAIServer, folder: Path, args: Sequence[str], *, latency: float = 0.0,
        cap: int | None = None, cache: str = "off") -> Run:
    server.reset()
    server.delay_s, server.max_in_flight = latency, cap
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder),
               "--rootdir", str(folder), "--carryon-model=bench", f"--carryon-base-url={server.url}",
               "--carryon-suite=none", f"--carryon-cache-mode={cache}",
               f"--carryon-cache={folder / 'cache'}", "--carryon-retries=50",
               f"--carryon-json={folder / 'results.json'}", f"--carryon-html={folder / 'report.html'}",
               *args]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        print(done.stdout[-3000:], file=sys.stderr)
    arrivals = [r.at for r in server.requests]
    span = max(arrivals) + server.delay_s - min(arrivals) if arrivals else 0.0
    return Run(wall, server.statuses[200], server.statuses[429], server.peak_in_flight, span, done.returncode)


def paired(repeats: int, server: OpenAIServer, folder: Path, layout: Sequence[str],
           **kwargs: Any) -> tuple[Run, Run]:
    """The case and its fixed cost, run back to back `repeats` times; the pair whose difference
    is the median. On a shared machine load comes in bursts: a pair sees the same load."""
    pairs = [(run(server, folder, layout), run(server, folder, layout, **kwargs)) for _ in range(repeats)]
    pairs.sort(key=lambda pair: pair[1].wall_s - pair[0].wall_s)
    return pairs[len(pairs) // 2]


def parser_for(doc: str | None, conversations: int, latency: float, concurrency: int) -> argparse.ArgumentParser:
    """The options this benchmark and soak.py share."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=conversations)
    parser.add_argument("--latency", type=float, default=latency, help="server latency in seconds")
    parser.add_argument("--concurrency", type=int, default=concurrency, help="in flight, all processes together")
    return parser


def check(case: str, timed: Run, model: float, ideal: float | None, calls: int) -> list[str]:
    if ideal is None:  # the cached rerun
        return ([f"{case}: {timed.calls} calls"] if timed.calls else []) + (
            [f"{case}: {model:.2f} s over the fixed cost"] if model > 1.0 else [])
    failures = [f"{case}: model time {model / ideal:.2f}x ideal > 1.5x"] if model / ideal > 1.5 else []
    if timed.throttled >= timed.calls:
        failures.append(f"{case}: {timed.throttled} 429s >= {timed.calls} calls")
    if timed.calls < calls or timed.exit_code != 0:
        failures.append(f"{case}: {timed.calls} calls answered (expected {calls}), exit {timed.exit_code}")
    return failures


def main(argv: Sequence[str] | None = None) -> int:
    parser = parser_for(__doc__, conversations=160, latency=0.2, concurrency=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cap", type=int, default=8)
    parser.add_argument("--dist", default="worksteal", help="xdist --dist mode (default: worksteal)")
    parser.add_argument("--only", choices=["one", "xdist"], help="run one layout only")
    parser.add_argument("--repeats", type=int, default=3, help="pairs per case; the median pair counts")
    args = parser.parse_args(argv)
    c, w = args.concurrency, args.workers
    one = [f"--carryon-concurrency={c}"]
    xdist = ["-n", str(w), "--dist", args.dist, f"--carryon-concurrency={c // w}"]
    layouts = {f"1 process x {c}": one, f"-n {w} x {c // w}": xdist}
    if args.only:
        layouts = {k: v for k, v in layouts.items() if k.startswith("1") == (args.only == "one")}

    server = OpenAIServer(answer=two_turns).start()
    rows: list[tuple[str, Run, float | None, float | None]] = []
    failures: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="carryon-throughput-") as tmp:
            folder = Path(tmp)
            write_suite(folder, args.conversations)
            for name, layout in layouts.items():
                calls = 2 * args.conversations
                ms = f"{args.latency * 1000:.0f} ms"
                cases = [(f"{ms}, {name}", "", {"latency": args.latency}, args.concurrency),
                         (f"{ms}, cap {args.cap}, {name}", " (cap pair)",
                          {"latency": args.latency, "cap": args.cap}, args.cap)]
                if name.startswith("1 process"):
                    run(server, folder, layout, cache="use")  # fill the cache for the cached rerun
                    cases.append((f"cached rerun, {name}", " (cache pair)",
                                  {"latency": args.latency, "cache": "use"}, 0))
                for label, pair, options, slots in cases:
                    fixed, timed = paired(args.repeats, server, folder, layout, **options)
                    model = timed.wall_s - fixed.wall_s
                    ideal = calls * args.latency / slots if slots else None
                    rows.append((f"fixed cost{pair}, {name}", fixed, None, None))
                    rows.append((label, timed, model, ideal))
                    failures += check(label, timed, model, ideal, calls)
    finally:
        server.stop()

    print(f"{args.conversations} conversations x 2 turns; latency {args.latency * 1000:.0f} ms; "
          f"{c} in flight; capped server: {args.cap} at once, 429 beyond; {os.cpu_count()} cores")
    print(f"{'case':<40} {'calls':>6} {'429s':>6} {'peak':>5} {'wall s':>8} {'model s':>8} {'ideal s':>8} "
          f"{'ratio':>6} {'span s':>7}")
    for name, r, model, ideal in rows:
        model_text = f"{model:8.2f}" if model is not None else f"{'':8}"
        ideal_text = f"{ideal:8.2f}" if ideal is not None else f"{'':8}"
        ratio = f"{model / ideal:6.2f}" if model is not None and ideal else f"{'':6}"
        print(f"{name:<40} {r.calls:6d} {r.throttled:6d} {r.peak:5d} {r.wall_s:8.2f} {model_text} {ideal_text} "
              f"{ratio} {r.span_s:7.2f}")
    print(f"median of {args.repeats} back-to-back pairs (fixed cost, case) each; peak = most requests the "
          "server held at once; span s = first request to last answer, as the server saw it "
          "(no process start-up in it); "
          "model s = wall - fixed cost of the same layout; ideal s = calls x latency / slots "
          f"({c}, or {args.cap} behind the cap); targets: ratio <= 1.5, 429s < calls, cached "
          "rerun <= fixed cost + 1 s with 0 calls")
    for line in failures:
        print(f"MISSED: {line}")
    print("all targets met" if not failures else f"{len(failures)} targets missed")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
