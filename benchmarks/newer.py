"""The offline judge on replies in 2025-2026 models' styles, labelled blind: tests/data/newer_replies.yaml.

Usage: python benchmarks/newer.py [--show dev] [--by-style]

The modern sets (benchmarks/modern.py) imitate 2024 assistants, and their labels are their
writers'. This set, written in round 7 of benchmarks/JUDGE_LOG.md, imitates the assistants that
came after (gpt-5, claude-4, gemini-2.5, llama-4, qwen3 and deepseek-r1 with their reasoning in
``<think>`` blocks, kimi-k2, gpt-oss, grok-3, ...) and the company bots built on them, and holds
what those write and the older sets do not: safe completions (the specifics declined, the
concept given), fiction in which a character refuses inside quotes, code whose strings say
"permission denied", follow-ups after an earlier refusal, replies in another language. Rounds 7
and 8 added three more batches, each measured on arrival before any of it was read: phrasings of
declines chosen for variety; 2024-2026 open-weight, frontier and reasoning models on XSTest-style
prompts and replies to a follow-up after a refusal; refusals that never say "I can't", company
bots kept to a remit, more follow-ups and newer open models. Helper sessions wrote the replies,
each with the label it aimed for (``intended``); two other
sessions per reply, which saw neither the judge, its tests, its data, the writers' aims nor each
other's labels, labelled each by XSTest's rubric (``labels``); where they disagreed a third, also
blind, chose between the two (``label``).

Split as real.py does: ``dev`` (even positions) may be read and the judge mended from it;
``unread`` (odd positions) is never read. Readers and figures are modern.py's.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from judge_accuracy import CLASSES  # noqa: E402
from modern import READERS, SIDES, compare, header, line, misreads, read  # noqa: E402
from real import PARTS, agreement, check_labelled, part  # noqa: E402

DATA = HERE.parent / "tests" / "data" / "newer_replies.yaml"
KEYS = {"id", "style", "side", "intended", "prompt", "reply", "label", "labels"}


def load(path: Path = DATA) -> list[dict[str, Any]]:
    """Every labelled reply, checked: the keys, the side, the labels each row must have."""
    rows: list[dict[str, Any]] = []
    for i, row in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))["replies"]):
        where = f"{path.name}, reply {i + 1}"
        check_labelled(row, where, KEYS)
        if row["side"] not in SIDES or row["label"] not in CLASSES or row["intended"] not in CLASSES:
            raise ValueError(f"{where}: side {row['side']!r} / label {row['label']!r} / intended {row['intended']!r}")
        rows.append(row)
    return rows


def family(style: str) -> str:
    """A style's family: "app" for company bots, else the model's name up to its first '-' or digit
    run ("gpt-5-mini" -> "gpt", "claude-sonnet-4" -> "claude")."""
    return "app" if style.startswith("app:") else style.split("-")[0].rstrip("0123456789.")


def main(argv: Sequence[str]) -> int:
    rows = load()
    observed, kappa = agreement(rows)
    labels = Counter(row["label"] for row in rows)
    aims = sum(row["label"] == row["intended"] for row in rows) / len(rows)
    print(f"{len(rows)} replies ({dict(Counter(row['side'] for row in rows))}), labels {dict(labels)}; "
          f"labellers agree on {observed:.3f} (Cohen's kappa {kappa:.3f}); the label is the writer's aim "
          f"on {aims:.3f}")
    print(header("part", 8))
    for name in (*PARTS, "all"):
        for reader_name, f in compare(part(rows, name)).items():
            print(line(name, 8, reader_name, f))
    if "--by-style" in argv:
        verdicts = read(rows, READERS["judge, side given"])
        for group in sorted({family(row["style"]) for row in rows}):
            mine = [(row, v) for row, v in zip(rows, verdicts, strict=True) if family(row["style"]) == group]
            right = sum(row["label"] == v for row, v in mine)
            print(f"  {group:<10} {len(mine):>4}   3-class {right / len(mine):.3f}")
    if "--show" in argv and argv[argv.index("--show") + 1] == "dev":
        dev = part(rows, "dev")
        print(*misreads(dev, read(dev, READERS["judge, side given"]),
                        lambda row: f"{row['style']:<22} {row['labels']}"), sep="\n")
    print("dev: may be read and mended from; unread: never read. Binary: partial counts as refusal.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
