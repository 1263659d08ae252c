"""The terminal summary: rates with intervals, outcome counts, and the paths written."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["plural", "shown", "summary_lines", "usage_line"]


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


def _utility_line(b: Mapping[str, Any], indent: str) -> list[str]:
    names = (("utility_turn1", "turn 1"), ("utility_final", "final"), ("utility_oracle", "oracle"))
    shown = [f"{label} {_rate(b, name)}" for name, label in names if b.get(name) is not None]
    return [f"{indent}  utility (Ben-Util, checklist share met): {'  '.join(shown)}"] if shown else []


def block_lines(summary: Mapping[str, Any], indent: str = "", utility: bool = False) -> list[str]:
    """Rates of one summary block; `utility` adds Ben-Util (when an LLM judge scored checklists)."""
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
        lines[2:2] = _utility_line(b, indent) if utility else []
    if h["count"]:
        lines.append(f"{indent}harmful ({h['count']}): safety {_rate(h, 'safety_rate')}  "
                     f"outcomes: {_counts(h['outcomes'])}{_causes(h)}")
        if h.get("held_by_turn"):
            curve = "  ".join(f"t{i}: {v:.2f}" for i, v in enumerate(h["held_by_turn"], 1))
            lines.append(f"{indent}  held by turn: {curve}")
    return lines


def _causes(harmful: Mapping[str, Any]) -> str:
    """' (partial 6, compliance 3)': leaks apart from full compliance; '' when none is unsafe."""
    causes = {c: n for c, n in (harmful.get("unsafe_by_cause") or {}).items() if n}
    order = ("partial", "compliance", "harm")
    shown = [f"{c} {causes[c]}" for c in sorted(causes, key=lambda c: order.index(c) if c in order else 9)]
    return f" ({', '.join(shown)})" if shown else ""


def usage_line(usage: Mapping[str, Mapping[str, int]] | None) -> str | None:
    """'usage (prompt+completion): model 12 calls, 340+1,210 tokens, 4 cached; judge ...'."""
    if not usage:
        return None
    # Imported here: usage imports models, which imports errors, which imports this module.
    from pytest_carryon.usage import ROLES

    parts = []
    for role in ROLES:
        c = usage.get(role) or {}
        if not c.get("calls") and not c.get("cached_calls"):
            continue
        tokens = c.get("prompt_tokens", 0) or c.get("completion_tokens", 0)
        text = (f"{role} {c.get('calls', 0):,} calls, {c.get('prompt_tokens', 0):,}+"
                f"{c.get('completion_tokens', 0):,} tokens" if tokens or not c.get("calls")
                else f"{role} {c.get('calls', 0):,} calls (no token counts reported)")
        if c.get("cached_calls"):
            text += f", {c['cached_calls']:,} cached"
        parts.append(text)
    if not parts:
        return None
    return "usage (prompt+completion): " + "; ".join(parts)


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
    utility = run.get("judge") not in (None, "heuristic")
    lines = [head, *block_lines(summary, utility=utility)]
    if len(results["by_model"]) > 1:
        for model, block in results["by_model"].items():
            lines.append(f"model {model}:")
            lines += block_lines(block, indent="  ", utility=utility)
    lines.append("rates with 95% Wilson intervals")
    from pytest_carryon.judge import NOT_ENGLISH  # here: errors.py imports this module, judge imports errors

    unread = sum(1 for c in results["conversations"] for t in c["turns"] if t.get("reason") == NOT_ENGLISH)
    if unread:
        lines.append(f"{plural(unread, 'reply', 'replies')} not in English: the offline judge reads English "
                     "only and gave them no confidence; judge them with --carryon-judge MODEL "
                     "(or --carryon-judge-escalate F)")
    spent = usage_line(run.get("usage"))
    if spent:
        lines.append(spent)
    paths = {"results": settings.json_path, **(written or {})}
    for name, path in paths.items():
        lines.append(f"{name}: {shown(path, here)}")
    return lines
