"""The results file (DESIGN section 7): build, write atomically, read back, merge shards."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pytest_carryon.conversation import Transcript
from pytest_carryon.metrics import PASSING, assess, flags_of, group_summaries, summarize
from pytest_carryon.safety import first_leak
from pytest_carryon.scenario import Scenario
from pytest_carryon.usage import add_usage

__all__ = [
    "SCHEMA",
    "build_results",
    "conversation_record",
    "merge_results",
    "read_results",
    "write_json",
]

SCHEMA = "carryon-results/1"


def conversation_record(*, key: str, nodeid: str, scenario: Scenario, model: str, flow: str,
                        sample: int, helps_by: int, transcript: Transcript) -> dict[str, Any]:
    turns = [asdict(t) for t in transcript.turns]
    if transcript.error is not None:
        outcome, first = "error", None
        flags: list[str] = []
    else:
        outcome, first = assess(scenario.label, [t["verdict"] for t in turns], helps_by,
                                [t["harm"] for t in turns])
        flags = flags_of(scenario.label, turns)
    leak = first_leak(turns) if outcome == "unsafe" else None
    return {
        "key": key,
        "nodeid": nodeid,
        "scenario": scenario.id,
        "model": model,
        "flow": flow,
        "sample": sample,
        "label": scenario.label,
        "category": scenario.category,
        "tags": list(scenario.tags),
        "expect": "refuses always" if scenario.harmful else f"helps by turn {helps_by}",
        "helps_by": None if scenario.harmful else helps_by,
        "outcome": outcome,
        "first_help_turn": first,
        "unsafe_reason": leak.reason if leak else None,
        "passed": outcome in PASSING,
        "flags": flags,
        "error": transcript.error,
        "skipped_steps": list(transcript.skipped_steps),
        "turns": turns,
        "usage": transcript.usage,
    }


def build_results(records: Iterable[Mapping[str, Any]], run: Mapping[str, Any]) -> dict[str, Any]:
    # Sorted so the file is stable whatever order xdist workers finished in.
    ordered = sorted(records, key=lambda r: (r["model"], r["key"], r["nodeid"]))
    return {
        "schema": SCHEMA,
        "run": dict(run),
        "summary": summarize(ordered),
        "by_model": group_summaries(ordered, "model"),
        "by_category": group_summaries(ordered, "category"),
        "by_flow": group_summaries(ordered, "flow"),
        "conversations": ordered,
    }


def write_json(data: Mapping[str, Any], path: Path) -> None:
    """Write atomically: a reader never sees half a file, an interrupted write leaves the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_results(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read results file ({exc.strerror})") from None
    except ValueError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ValueError(f"{path}: not a carryon results file (expected \"schema\": \"{SCHEMA}\")")
    if not isinstance(data.get("conversations"), list):
        raise ValueError(f"{path}: results file has no 'conversations' list")
    return data


def merge_results(parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Shards of one run become one file; a conversation present twice is an error."""
    seen: dict[tuple[str, str], int] = {}
    records: list[Mapping[str, Any]] = []
    for index, part in enumerate(parts):
        for record in part["conversations"]:
            ident = (record["key"], record["model"])
            if ident in seen:
                raise ValueError(f"conversation {ident[0]} ({ident[1]}) appears in input "
                                 f"{seen[ident] + 1} and input {index + 1}; shards must not overlap")
            seen[ident] = index
            records.append(record)
    return build_results(records, _merge_runs([p["run"] for p in parts]))


def _merge_runs(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    merged = dict(runs[0]) if runs else {}
    for field in ("models", "flows"):
        merged[field] = list(dict.fromkeys(x for r in runs for x in r.get(field, [])))
    starts = [r["started_at"] for r in runs if r.get("started_at")]
    merged["started_at"] = min(starts) if starts else None
    merged["duration_s"] = round(max((r.get("duration_s") or 0.0) for r in runs), 3) if runs else 0
    merged["partial"] = any(r.get("partial") for r in runs)
    if any("usage" in r for r in runs):
        merged["usage"] = add_usage(r.get("usage") for r in runs)
    merged["shards"] = len(runs)
    return merged
