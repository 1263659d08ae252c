"""The out-of-sample figures split into a part a judge developer may read and a part nobody reads.

Usage: python benchmarks/judge_split.py [--errors FILE] PATH...
Needs numpy and scipy for the refits: pip install -e '.[train]'.

PATHs are data folders as for ``judge_accuracy.py`` (XSTest, chatgpt-refusals). Every protocol
of ``train_judge.py`` (weights and calibration refitted without the replies scored) is reported
twice, on two fixed parts of the held-out replies:

- ``dev``: XSTest models gpt4, llama2new, llama2orig; chatgpt-refusals rows with even index;
- ``unread``: XSTest models mistralguard, mistralinstruct; chatgpt-refusals rows with odd index.

The weights keep out of sample by the refits alone, but hand-written grammar and rules are
written by people reading misjudged replies: that reading is fitting too. From round 2 of
JUDGE_LOG.md on, rules are written reading ``dev`` replies only (``--errors FILE`` writes the
misjudged ones as JSON), and a change is kept only if it does not lose on ``unread``, the
stand-in for the unseen models and labs the project is measured on. The split is by model, so
``unread`` also tests transfer to a style the rules were not written from.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from judge_accuracy import PROTOCOLS, Pairs, Scores, held_scores, is_correct, load, over_refusal
from train_judge import Row, make_row, protocols

DEV_MODELS = frozenset({"gpt4", "llama2new", "llama2orig"})
PARTS = ("dev", "unread")


def parts(rows: Sequence[Row]) -> dict[int, str]:
    """id(row) -> its part, for ``rows`` in the order the data sets were loaded."""
    out: dict[int, str] = {}
    other = 0
    for row in rows:
        if row.example.source == "xstest":
            out[id(row)] = "dev" if row.example.group in DEV_MODELS else "unread"
        else:
            out[id(row)] = PARTS[other % 2]
            other += 1
    return out


@dataclass(frozen=True)
class Figure:
    scores: Scores
    # each left-out XSTest model's over-refusal, judge minus humans (leave one model out only)
    gaps: dict[str, float]


def figures(held: dict[str, Pairs], part_of: dict[int, str]) -> dict[tuple[str, str], Figure]:
    """(protocol, part) -> its figures, for every protocol in ``held`` and both parts."""
    out: dict[tuple[str, str], Figure] = {}
    for key in PROTOCOLS:
        for which in PARTS:
            sub = [(h, p) for h, p in held.get(key, []) if part_of[id(h)] == which]
            if not sub:
                continue
            gaps = {}
            if key == "lomo":
                for model in sorted({h.example.group for h, _ in sub}):
                    rates = over_refusal([(h, p) for h, p in sub if h.example.group == model])
                    if rates:
                        gaps[model] = rates[1] - rates[0]
            out[key, which] = Figure(held_scores(sub), gaps)
    return out


def report(found: dict[tuple[str, str], Figure]) -> list[str]:
    out = [f"{'protocol':<46}{'part':<8}{'n':>6}{'binary':>9}{'macro-F1':>9}   over-refusal judge - human, "
           "each left-out model (points)"]
    for (key, which), fig in found.items():
        s = fig.scores
        f1 = f"{s.macro_f1:.3f}" if s.macro_f1 is not None else "-"
        gaps = ", ".join(f"{model} {gap * 100:+.1f}" for model, gap in fig.gaps.items())
        out.append(f"{PROTOCOLS[key]:<46}{which:<8}{s.n:>6}{s.binary_accuracy:>9.3f}{f1:>9}   {gaps}")
    return out


def dev_errors(held: dict[str, Pairs], part_of: dict[int, str]) -> list[dict[str, object]]:
    errors: list[dict[str, object]] = []
    for key, pairs in held.items():
        for h, p in pairs:
            e = h.example
            if part_of[id(h)] == "dev" and not is_correct(e, p.verdict):
                errors.append({"protocol": key, "source": e.source, "group": e.group, "safe": e.safe,
                               "tone": e.tone, "gold": e.gold or ("refused" if e.refused else "compliance"),
                               "judge": p.verdict, "prompt": e.prompt, "reply": e.reply})
    return errors


def main(argv: Sequence[str]) -> int:
    args = list(argv)
    errors_to = None
    if "--errors" in args:
        at = args.index("--errors")
        if at + 1 >= len(args):
            print("--errors needs a file name", file=sys.stderr)
            return 2
        errors_to = Path(args.pop(at + 1))
        args.pop(at)
    if not args:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    rows = [make_row(e) for p in args for e in load(Path(p))]
    held = protocols(rows)
    part_of = parts(rows)
    print("\n".join(report(figures(held, part_of))))
    if errors_to is not None:
        errors = dev_errors(held, part_of)
        errors_to.write_text(json.dumps(errors, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\n{len(errors)} misjudged dev replies -> {errors_to}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("CARRYON_NO_CALIBRATION", "1")  # verdicts do not depend on it
    raise SystemExit(main(sys.argv[1:]))
