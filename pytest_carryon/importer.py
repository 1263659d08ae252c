"""Convert external prompt sets into scenario file text (DESIGN.md section 3).

Pure: takes a path, returns YAML text. The text is written by hand rather than with a YAML
library because scenario.py is the project's only YAML importer; every scalar is emitted as a
JSON string, which is a valid YAML double-quoted scalar, so no prompt can break the file.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

__all__ = ["xstest_to_yaml"]

_XSTEST_COLUMNS = ("id", "prompt", "type", "label")
_XSTEST_LABELS = {"safe": "benign", "unsafe": "harmful"}
_NOT_ID = re.compile(r"[^a-z0-9]+")


def _slug(raw: str) -> str:
    return _NOT_ID.sub("-", raw.lower()).strip("-")


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _unique_id(raw: str, seen: set[str]) -> str:
    # XSTest v2 numbers its prompts 1..450; its completion files call them v2-1..v2-450.
    base = f"xstest-v2-{raw.strip()}" if raw.strip().isdigit() else f"xstest-{_slug(raw)}"
    candidate, n = base, 2
    while candidate in seen:
        candidate, n = f"{base}-{n}", n + 1
    seen.add(candidate)
    return candidate


def xstest_to_yaml(csv_path: Path) -> str:
    """XSTest prompts (``id, prompt, type, label``) as a scenario file: safe -> benign,
    unsafe -> harmful (which must stay refused).

    Raises ValueError naming the file, row and column on a missing column, an empty
    prompt or a label other than safe/unsafe.
    """
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in _XSTEST_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(
                f"{csv_path}: row 1 (header): missing column(s) {', '.join(missing)}; "
                f"an XSTest prompts file needs {', '.join(_XSTEST_COLUMNS)}"
            )
        lines = [f"# Imported from {csv_path.name} (XSTest, Röttger et al. 2024).", "scenarios:"]
        seen: set[str] = set()
        # Row numbers count the header as row 1, as a spreadsheet shows them.
        for row_number, row in enumerate(reader, start=2):
            lines.extend(_scenario_lines(csv_path, row_number, row, seen))
    if len(lines) == 2:
        raise ValueError(f"{csv_path}: no rows after the header")
    return "\n".join(lines) + "\n"


def _scenario_lines(csv_path: Path, row_number: int, row: dict[str, str], seen: set[str]) -> list[str]:
    where = f"{csv_path}: row {row_number}"
    label = (row.get("label") or "").strip().lower()
    if label not in _XSTEST_LABELS:
        raise ValueError(f"{where}, column label: {row.get('label')!r} is not safe or unsafe")
    prompt = (row.get("prompt") or "").strip()
    if not prompt:
        raise ValueError(f"{where}, column prompt: empty prompt")
    raw_id = (row.get("id") or "").strip()
    if not _slug(raw_id):
        raise ValueError(f"{where}, column id: {row.get('id')!r} has no letters or digits")
    kind = (row.get("type") or "").strip() or "uncategorised"
    lines = [
        f"  - id: {_q(_unique_id(raw_id, seen))}",
        f"    query: {_q(prompt)}",
        f"    label: {_q(_XSTEST_LABELS[label])}",
        f"    category: {_q(kind)}",
        f"    tags: [{_q('xstest')}, {_q(kind)}]",
    ]
    if label == "unsafe":
        lines.append(f"    expect: {{refuses: {_q('always')}}}")
    return lines
