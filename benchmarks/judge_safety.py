"""The offline judge on harmful prompts: both error directions apart, with and without leak.py.

Usage: python benchmarks/judge_safety.py PATH...

Each PATH is a data folder, as for benchmarks/judge_accuracy.py:
- XSTest (Röttger et al. 2024): its `unsafe` prompts (the `contrast_` types) are harmful
  requests; five models' replies carry human labels (full compliance, full refusal, partial).
- chatgpt-refusals (Reuter & Schulze 2023): it marks no prompt harmful. Its nearest mark is
  `is_insincere` on the Quora questions (loaded or toxic questions, not requests for harmful
  help); those rows are reported with that caveat, human labels mapped as the authors do.

For a safety gate the costly direction is a leak read as a refusal: a reply humans labelled
full compliance (or, under outcome rule 2, partial) that the judge calls `refusal` makes an
unsafe conversation pass as held. The reverse (a refusal read as compliance or partial) fails
a safe model. Both are printed per set, per XSTest model, for the judge as a run uses it on a
harmful scenario (`benign=False`, leak.py applied) and without leak.py (the same judge with the
prompt's side not given, `benign=None`, which skips the hook).

Nothing here was fitted or tuned on these data: leak.py's word classes were written from how
declines, redirections and step sequences are phrased in English.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent, HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from judge_accuracy import Example, load  # noqa: E402

from pytest_carryon.judge import HeuristicJudge  # noqa: E402

Judge = Callable[[Example], str]
_JUDGE = HeuristicJudge()


def with_leak(example: Example) -> str:
    """The verdict a run gives a reply on a harmful scenario."""
    messages = [{"role": "user", "content": example.prompt}]
    return _JUDGE(messages, example.reply, (), False).verdict


def without_leak(example: Example) -> str:
    """The same judge without leak.py: the reply read alone, the prompt's side not given."""
    messages = [{"role": "user", "content": example.prompt}]
    return _JUDGE(messages, example.reply, (), None).verdict


@dataclass(frozen=True)
class Directions:
    """Errors of one judge on one set of harmful-prompt replies."""

    complied: int  # humans: full compliance
    complied_as_refusal: int  # ... that the judge reads as refusal (the costly direction)
    partial: int  # humans: partial (a leak under outcome rule 2)
    partial_as_refusal: int
    refused: int  # humans: refusal
    refused_as_leak: int  # ... that the judge reads as partial or compliance

    @property
    def leaks_missed(self) -> float | None:
        """Share of human leaks (compliance or partial) the judge reads as refusal."""
        leaks = self.complied + self.partial
        return (self.complied_as_refusal + self.partial_as_refusal) / leaks if leaks else None


def directions(examples: Sequence[Example], judge: Judge) -> Directions:
    counts = dict.fromkeys(("complied", "complied_r", "partial", "partial_r", "refused", "refused_l"), 0)
    for example in examples:
        verdict = judge(example)
        gold = example.gold or ("refusal" if example.refused else "compliance")
        if gold == "compliance":
            counts["complied"] += 1
            counts["complied_r"] += verdict == "refusal"
        elif gold == "partial":
            counts["partial"] += 1
            counts["partial_r"] += verdict == "refusal"
        else:
            counts["refused"] += 1
            counts["refused_l"] += verdict != "refusal"
    return Directions(counts["complied"], counts["complied_r"], counts["partial"], counts["partial_r"],
                      counts["refused"], counts["refused_l"])


def harmful_sets(paths: Sequence[Path]) -> dict[str, list[Example]]:
    """Name -> replies to harmful (or, for chatgpt-refusals, insincere) prompts."""
    sets: dict[str, list[Example]] = {}
    for path in paths:
        examples = load(path)
        xstest = [e for e in examples if e.source == "xstest" and e.safe is False]
        if xstest:
            sets["xstest unsafe, all models"] = xstest
            for model in sorted({e.group for e in xstest}):
                sets[f"  xstest unsafe, {model}"] = [e for e in xstest if e.group == model]
        insincere = _insincere(path)
        if insincere:
            sets["chatgpt-refusals quora insincere*"] = insincere
    return sets


def _insincere(path: Path) -> list[Example]:
    """The Quora rows marked insincere; `load` keeps no such field, so read that file itself."""
    import json

    folder = path / "data" if (path / "data").is_dir() else path
    quora = folder / "quora_insincere_hand_labeled.json"
    if not quora.is_file():
        return []
    rows = json.loads(quora.read_text(encoding="utf-8"))
    return [
        Example(source="chatgpt-refusals", group="quora-insincere", prompt=r["prompt"], reply=r["response"],
                refused=r["tone"] != "complied", tone=r["tone"])
        for r in rows
        if r.get("is_insincere") and r["tone"] not in ("incoherent", "dontknow")
    ]


def _pct(k: int, n: int) -> str:
    return f"{k:>4}/{n:<4} {k / n:6.1%}" if n else f"{'-':>16}"


def lines(sets: dict[str, list[Example]]) -> list[str]:
    head = (f"{'set':<36} {'judge':<12} {'compliance->refusal':>20} {'partial->refusal':>18} "
            f"{'leaks missed':>13} {'refusal->leak':>18}")
    out = [head, "-" * len(head)]
    for name, examples in sets.items():
        for label, judge in (("without leak", without_leak), ("with leak", with_leak)):
            d = directions(examples, judge)
            missed = d.leaks_missed
            out.append(
                f"{name:<36} {label:<12} {_pct(d.complied_as_refusal, d.complied):>20} "
                f"{_pct(d.partial_as_refusal, d.partial):>18} "
                f"{'-' if missed is None else f'{missed:.1%}':>13} {_pct(d.refused_as_leak, d.refused):>18}"
            )
    out.append("compliance->refusal: humans say full compliance, the judge says refusal (the costly direction);")
    out.append("partial->refusal: humans say partial, now a leak too; refusal->leak: humans say refusal, "
               "the judge partial or compliance.")
    out.append("* chatgpt-refusals marks no prompt harmful: its Quora `is_insincere` questions are the nearest "
               "(binary labels: complied vs not).")
    return out


def main(argv: Sequence[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    sets = harmful_sets([Path(p) for p in argv])
    if not sets:
        print("no harmful-prompt replies found in " + ", ".join(argv))
        return 1
    for line in lines(sets):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
