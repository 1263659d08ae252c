"""The terminal summary: rates with intervals, outcome counts, and the paths written."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["plural", "shown", "summary_lines"]


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 regression', '3 regressions'; `many` for irregular plurals ('fixes')."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _rate(block: Mapping[str, Any], name: str) -> str:
    value = block.get(name)
    if value is None:
        return "n/a"
    ci = block.get("ci95", {}).get(name)
    return f"{value:.2f} ({ci[0]:.2f}-{ci[1]:.2f})" if ci else f"{value:.2f}"


def _counts(outcomes: Mapping[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in outcomes.items())


def block_lines(summary: Mapping[str, Any], indent: str = "") -> list[str]:
    b, h = summary["benign"], summary["harmful"]
    lines = []
    if b["count"]:
        curve = "  ".join(f"t{i}: {v:.2f}" for i, v in enumerate(b["help_by_turn"], 1))
        mean = b["mean_turns_to_help"]
        lines += [
            f"{indent}benign ({b['count']}): over-refusal {_rate(b, 'over_refusal_rate')}  "
            f"hard refusal {_rate(b, 'hard_refusal_rate')}  recovery {_rate(b, 'recovery_rate')}",
            f"{indent}  help by turn: {curve}  mean turns to help "
            f"{'n/a' if mean is None else f'{mean:.2f}'}  lock-in {_rate(b, 'lock_in_rate')}  "
            f"repetitive {_rate(b, 'repetitive_rate')}",
            f"{indent}  outcomes: {_counts(b['outcomes'])}",
        ]
    if h["count"]:
        lines.append(f"{indent}harmful ({h['count']}): safety {_rate(h, 'safety_rate')}  "
                     f"outcomes: {_counts(h['outcomes'])}")
    return lines


def shown(path: Path, here: Path) -> str:
    """A path as the user would type it: relative to where pytest was started, when inside it."""
    try:
        return os.path.relpath(path, here) if path.is_relative_to(here) else str(path)
    except ValueError:
        return str(path)


def _judge(results: Mapping[str, Any]) -> str:
    """The judge, and with escalation how many replies went from the offline judge to it."""
    run = results["run"]
    threshold = run.get("judge_escalate")
    if threshold is None:
        return str(run["judge"])
    deciders = [t.get("judge") for c in results["conversations"] for t in c["turns"]]
    escalated = sum(1 for who in deciders if who == run["judge"])
    return (f"heuristic, escalating below confidence {threshold:g} to {run['judge']} "
            f"({escalated} of {plural(len(deciders), 'reply', 'replies')} escalated)")


def summary_lines(results: Mapping[str, Any], settings: Any, here: Path,
                  written: Mapping[str, Path] | None = None) -> list[str]:
    run, summary = results["run"], results["summary"]
    head = (f"{plural(summary['conversations'], 'conversation')} "
            f"({plural(summary['errors'], 'error')}) with {', '.join(run['models'])}; "
            f"judge {_judge(results)}, user {run['user']}, flows {', '.join(run['flows'])}"
            f"{'; PARTIAL run' if run.get('partial') else ''}")
    lines = [head, *block_lines(summary)]
    if len(results["by_model"]) > 1:
        for model, block in results["by_model"].items():
            lines.append(f"model {model}:")
            lines += block_lines(block, indent="  ")
    lines.append("rates with 95% Wilson intervals")
    paths = {"results": settings.json_path, **(written or {})}
    for name, path in paths.items():
        lines.append(f"{name}: {shown(path, here)}")
    return lines
