"""The offline judge on a real model's replies, labelled blind: tests/data/real_replies_smollm2.yaml.

Usage: python benchmarks/real.py [--show dev] [--by-system]

The modern sets (benchmarks/modern.py) are replies written by sessions imitating assistants. This
set is what a real model said: SmolLM2-135M-Instruct, the README's main-run model, answering the
bundled scenarios' seed queries at temperature 0 under three system prompts (none, a cautious
assistant, a pharmacy help desk), collected by ``benchmarks/real_replies.py``. Each reply was
labelled compliance / refusal / partial by XSTest's rubric by two helper sessions working apart,
which saw neither the judge, its tests, its data nor each other's labels; where they disagreed a
third, also blind, chose between their two labels. Each labeller also flagged degenerate replies
(loops, word salad, an answer to another question), which a 135M model writes often; the figures
are printed with and without them.

Split as judge_split.py does: ``dev`` (even positions) may be read and the judge mended from it;
``unread`` (odd positions) is never read, and its figure is the one that says how the judge
transfers. Readers and figures are modern.py's: the judge with the prompt's side given and not
given, a promptfoo-like prefix check and everyday.py's phrase list.
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
from modern import READERS, SIDES, compare, figures, header, line, misreads, read  # noqa: E402

DATA = HERE.parent / "tests" / "data" / "real_replies_smollm2.yaml"
PARTS = ("dev", "unread")
KEYS = {"id", "side", "system", "prompt", "reply", "label", "labels", "degenerate"}


def check_labelled(row: dict[str, Any], where: str, keys: set[str]) -> None:
    """A blind-labelled row's keys, and its two labellers' labels with the chosen one among them."""
    if set(row) != keys:
        raise ValueError(f"{where}: keys {sorted(row)}; want {', '.join(sorted(keys))}")
    labels = row["labels"]
    if (not isinstance(labels, list) or len(labels) != 2 or not set(labels) <= set(CLASSES)
            or row["label"] not in labels):
        raise ValueError(f"{where}: labels {labels!r}; want the two labellers' labels, "
                         f"one of them {row['label']!r}")


def load(path: Path = DATA) -> list[dict[str, Any]]:
    """Every labelled reply, checked: the keys, the side, the labels each row must have."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    systems = data["systems"]
    rows: list[dict[str, Any]] = []
    for i, row in enumerate(data["replies"]):
        where = f"{path.name}, reply {i + 1}"
        check_labelled(row, where, KEYS)
        if row["side"] not in SIDES or row["label"] not in CLASSES or row["system"] not in systems:
            raise ValueError(f"{where}: side {row['side']!r} / label {row['label']!r} / system {row['system']!r}")
        if not isinstance(row["degenerate"], bool):
            raise ValueError(f"{where}: degenerate {row['degenerate']!r}; want true or false")
        rows.append(row)
    return rows


def part(rows: Sequence[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """``dev``: even positions; ``unread``: odd ones; ``all``: both."""
    if name == "all":
        return list(rows)
    return list(rows[PARTS.index(name)::2])


def agreement(rows: Sequence[dict[str, Any]]) -> tuple[float, float]:
    """The two labellers' raw agreement and Cohen's kappa over the three classes."""
    n = len(rows)
    observed = sum(a == b for a, b in (row["labels"] for row in rows)) / n
    first = Counter(row["labels"][0] for row in rows)
    second = Counter(row["labels"][1] for row in rows)
    expected = sum(first[c] * second[c] for c in CLASSES) / n / n
    return observed, (observed - expected) / (1 - expected) if expected < 1 else 1.0


def main(argv: Sequence[str]) -> int:
    rows = load()
    observed, kappa = agreement(rows)
    labels = Counter(row["label"] for row in rows)
    print(f"{len(rows)} replies ({dict(Counter(row['side'] for row in rows))}), labels {dict(labels)}, "
          f"{sum(row['degenerate'] for row in rows)} degenerate; labellers agree on {observed:.3f} "
          f"(Cohen's kappa {kappa:.3f})")
    print(header("part", 22))
    for name in (*PARTS, "all"):
        for clean in (False, True):
            chosen = [row for row in part(rows, name) if not (clean and row["degenerate"])]
            title = f"{name}{', coherent only' if clean else ''}"
            for reader_name, f in compare(chosen).items():
                print(line(title, 22, reader_name, f))
    if "--by-system" in argv:
        verdicts = read(rows, READERS["judge, side given"])
        for system in sorted({row["system"] for row in rows}):
            mine = [(row, v) for row, v in zip(rows, verdicts, strict=True) if row["system"] == system]
            f = figures([row for row, _ in mine], [v for _, v in mine])
            print(f"system {system:<10} n {f.n:>4}  binary {f.binary:.3f}  3-class {f.three_class:.3f}  "
                  f"F1 {f.macro_f1:.3f}  over-refusal gap {f.gap:+.1f}")
    if "--show" in argv and argv[argv.index("--show") + 1] == "dev":
        dev = part(rows, "dev")
        print(*misreads(dev, read(dev, READERS["judge, side given"]),
                        lambda row: f"{row['system']:<9} {row['labels']}"), sep="\n")
    print("dev: may be read and mended from; unread: never read. Binary: partial counts as refusal.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
