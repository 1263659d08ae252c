"""Measure the offline refusal judge against human labels, out of sample.

Usage: python benchmarks/judge_accuracy.py PATH...
Needs numpy and scipy for the refits: pip install -e '.[train]' (the judge itself needs neither).

Each PATH is a data folder or file:
- XSTest (Röttger et al. 2024): the folder holding ``model_completions/`` or one
  ``xstest_v2_completions_*.csv``. Human labels: ``final_label``.
- chatgpt-refusals (Reuter & Schulze 2023): the folder holding ``data/`` or one JSON file.
  Human labels: ``tone``, mapped to binary as the authors do (``incoherent`` and ``dontknow``
  dropped, everything but ``complied`` is a refusal).

Binary accuracy counts partial refusal as refusal (XSTest's convention for over-refusal rates).

The headline is out of sample: the weight table and the confidence calibration are refitted
(``train_judge.py``) without the replies they are scored on: leave one XSTest model out,
chatgpt-refusals 5-fold, and each data set alone against the other. Then, on the pooled
held-out predictions (leave-one-model-out XSTest plus 5-fold chatgpt-refusals): a reliability
table of the confidence, and the escalation curve (accuracy when the least confident share of
replies goes to a second judge, here the human label as a stand-in for a perfect one). The
shipped judge's in-sample figures are printed after, labelled, and its speed on one core.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

REPO_ROOT = Path(__file__).resolve().parents[1]
# One BLAS thread for the refits (train_judge.py and the trials): a multi-threaded BLAS sums in
# another order and moves weights in the third decimal. Set here, before numpy loads, because
# every benchmark that refits imports this module first.
for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from pytest_carryon.judge import classify  # noqa: E402

CLASSES = ("compliance", "refusal", "partial")
XSTEST_LABELS = {
    "1_full_compliance": "compliance",
    "2_full_refusal": "refusal",
    "3_partial_refusal": "partial",
}
CHATGPT_DROPPED = frozenset({"incoherent", "dontknow"})
CHATGPT_UNION = "all_hand_labeled.json"
PASSES = 20
CHUNK = 100


@dataclass(frozen=True)
class Example:
    """One human-labelled reply; ``gold`` is None where only a binary label exists."""

    source: str
    group: str
    prompt: str
    reply: str
    refused: bool
    gold: str | None = None
    safe: bool | None = None
    tone: str | None = None
    baselines: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Scores:
    """The numbers a test asserts on, per source."""

    n: int
    binary_accuracy: float
    macro_f1: float | None


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _baseline_labels(completions: Path) -> dict[str, dict[str, str | None]]:
    """Map row id -> {baseline: label}, from the sibling automated_evaluation_labels folder."""
    folder = completions.parent.parent / "automated_evaluation_labels"
    out: dict[str, dict[str, str | None]] = defaultdict(dict)
    for suffix, column in (("streval", "strmatch_label"), ("gpteval", "gpt4_label")):
        path = folder / f"{completions.stem}_{suffix}.csv"
        if not path.is_file():
            continue
        for row in _read_csv(path):
            # gpt4_label sometimes holds raw model text: a parse failure, not a label.
            out[row["id"]][column] = XSTEST_LABELS.get(row[column].strip())
    return out


def load_xstest_file(path: Path) -> list[Example]:
    model = path.stem.rsplit("_", 1)[-1]
    prompts_csv = path.parent.parent / "xstest_prompts.csv"
    safety: dict[str, bool] = {}
    if prompts_csv.is_file():
        safety = {f"v2-{r['id']}": r["label"] == "safe" for r in _read_csv(prompts_csv)}
    baselines = _baseline_labels(path)
    examples = []
    for row in _read_csv(path):
        gold = XSTEST_LABELS[row["final_label"].strip()]
        safe = safety.get(row["id"], not row["type"].startswith("contrast_"))
        examples.append(
            Example(
                source="xstest",
                group=model,
                prompt=row["prompt"],
                reply=row["completion"],
                refused=gold != "compliance",
                gold=gold,
                safe=safe,
                baselines=baselines.get(row["id"], {}),
            )
        )
    return examples


def load_chatgpt_file(path: Path) -> list[Example]:
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [
        Example(
            source="chatgpt-refusals",
            group=path.stem,
            prompt=row["prompt"],
            reply=row["response"],
            refused=row["tone"] != "complied",
            tone=row["tone"],
        )
        for row in rows
        if row["tone"] not in CHATGPT_DROPPED
    ]


def load(path: Path) -> list[Example]:
    """Load a data folder or file, recognised by its layout."""
    if path.is_dir():
        if (path / "model_completions").is_dir():
            files = sorted((path / "model_completions").glob("*.csv"))
            return [ex for f in files for ex in load_xstest_file(f)]
        data = path / "data" if (path / "data").is_dir() else path
        if (data / CHATGPT_UNION).is_file():
            # The union file already holds every row of the other three.
            return load_chatgpt_file(data / CHATGPT_UNION)
        raise ValueError(f"{path}: neither an XSTest nor a chatgpt-refusals folder")
    if path.suffix == ".csv":
        return load_xstest_file(path)
    if path.suffix == ".json":
        return load_chatgpt_file(path)
    raise ValueError(f"{path}: expected a folder, an XSTest .csv or a chatgpt-refusals .json")


def predict(examples: Sequence[Example]) -> list[str]:
    # The prompt's side where the data set gives it (XSTest's safe / unsafe), as a run knows it.
    return [classify(ex.reply, ex.prompt, ex.safe) for ex in examples]


def binary_accuracy(gold: Sequence[bool], pred: Sequence[bool]) -> float:
    return sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold) if gold else 0.0


def macro_f1(gold: Sequence[str], pred: Sequence[str]) -> float:
    scores = []
    for cls in CLASSES:
        tp = sum(g == cls and p == cls for g, p in zip(gold, pred, strict=True))
        predicted = sum(p == cls for p in pred)
        actual = sum(g == cls for g in gold)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        scores.append(2 * precision * recall / (precision + recall) if tp else 0.0)
    return sum(scores) / len(scores)


def _refused(label: str | None) -> bool | None:
    return None if label is None else label != "compliance"


def score(examples: Sequence[Example], preds: Sequence[str]) -> Scores:
    acc = binary_accuracy([e.refused for e in examples], [_refused(p) is True for p in preds])
    three = [(e.gold, p) for e, p in zip(examples, preds, strict=True) if e.gold is not None]
    f1 = macro_f1([g for g, _ in three], [p for _, p in three]) if three else None
    return Scores(n=len(examples), binary_accuracy=acc, macro_f1=f1)


def confusion_table(gold: Sequence[str], pred: Sequence[str], rows: Iterable[str]) -> str:
    counts = Counter(zip(gold, pred, strict=True))
    corner = "human \\ judge"
    header = f"{corner:<16}" + "".join(f"{c:>12}" for c in CLASSES) + f"{'recall':>9}"
    lines = [header]
    for row in rows:
        total = sum(counts[(row, c)] for c in CLASSES)
        if not total:
            continue
        cells = "".join(f"{counts[(row, c)]:>12}" for c in CLASSES)
        recall = counts[(row, row)] / total if row in CLASSES else float("nan")
        lines.append(f"{row:<16}{cells}{recall:>9.3f}")
    return "\n".join(lines)


def _baseline_line(name: str, examples: Sequence[Example], column: str) -> str:
    pairs = [(e, e.baselines.get(column)) for e in examples if column in e.baselines]
    if not pairs:
        return f"{name:<22} (not in the files)"
    failures = sum(label is None for _, label in pairs)
    # A parse failure counts as wrong: the baseline gave no answer.
    acc = sum(_refused(label) == e.refused for e, label in pairs) / len(pairs)
    three = [(e.gold or "", label or "none") for e, label in pairs]
    f1 = macro_f1([g for g, _ in three], [p for _, p in three])
    note = f"  ({failures} parse failures counted wrong)" if failures else ""
    return f"{name:<22} binary acc {acc:.3f}  macro-F1 {f1:.3f}{note}"


def report_xstest(examples: Sequence[Example], preds: Sequence[str]) -> list[str]:
    gold = [e.gold or "" for e in examples]
    s = score(examples, preds)
    out = [
        f"== XSTest: {len(examples)} replies, human final_label ==",
        confusion_table(gold, preds, CLASSES),
        "",
        f"{'heuristic (this judge)':<22} binary acc {s.binary_accuracy:.3f}  macro-F1 {s.macro_f1:.3f}",
        _baseline_line("strmatch_label", examples, "strmatch_label"),
        _baseline_line("gpt4_label", examples, "gpt4_label"),
        "",
        "Per model (safe prompts: over-refusal = refusal or partial):",
        f"{'model':<17}{'acc':>7}{'F1':>7}{'human':>8}{'judge':>8}{'diff':>8}{'strmatch':>10}{'gpt4':>7}",
    ]
    for model in sorted({e.group for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.group == model]
        sub = [examples[i] for i in idx]
        sub_preds = [preds[i] for i in idx]
        ms = score(sub, sub_preds)
        safe = [i for i in idx if examples[i].safe]
        human = sum(examples[i].refused for i in safe) / len(safe)
        judge = sum(preds[i] != "compliance" for i in safe) / len(safe)
        base = [
            sum(_refused(examples[i].baselines.get(col)) is True for i in safe) / len(safe)
            for col in ("strmatch_label", "gpt4_label")
        ]
        out.append(
            f"{model:<17}{ms.binary_accuracy:>7.3f}{ms.macro_f1 or 0:>7.3f}{human:>8.3f}"
            f"{judge:>8.3f}{judge - human:>+8.3f}{base[0]:>10.3f}{base[1]:>7.3f}"
        )
    return out


def report_chatgpt(examples: Sequence[Example], preds: Sequence[str]) -> list[str]:
    s = score(examples, preds)
    strict = [(e, p) for e, p in zip(examples, preds, strict=True) if e.tone in {"complied", "rejected"}]
    strict_acc = binary_accuracy([e.refused for e, _ in strict], [p != "compliance" for _, p in strict])
    tones = [e.tone or "" for e in examples]
    order = [t for t, _ in Counter(tones).most_common()]
    return [
        f"== chatgpt-refusals: {len(examples)} replies, human tone (incoherent, dontknow dropped) ==",
        confusion_table(tones, preds, order),
        "",
        f"binary acc, authors' mapping (not complied = refused): {s.binary_accuracy:.3f} (n={len(examples)})",
        f"binary acc, strict subset {{complied, rejected}}:        {strict_acc:.3f} (n={len(strict)})",
        "reference (paper): fine-tuned BERT 0.965, bag-of-words logistic regression 0.906",
    ]


class Held(Protocol):
    """A held-out prediction, as train_judge.py makes them."""

    @property
    def example(self) -> Example: ...


class Predicted(Protocol):
    @property
    def verdict(self) -> str: ...

    @property
    def confidence(self) -> float: ...


Pairs = Sequence[tuple[Held, Predicted]]
PROTOCOLS = {
    "lomo": "XSTest, leave one model out",
    "chatgpt-5fold": "chatgpt-refusals, 5-fold",
    "xstest->chatgpt": "trained on XSTest alone -> chatgpt-refusals",
    "chatgpt->xstest": "trained on chatgpt-refusals alone -> XSTest",
}
BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0001)
ESCALATED = (0.0, 0.02, 0.05, 0.10, 0.15, 0.20, 0.30, 0.50)


def held_scores(pairs: Pairs) -> Scores:
    return score([h.example for h, _ in pairs], [p.verdict for _, p in pairs])


def over_refusal(pairs: Pairs) -> tuple[float, float] | None:
    """(human, judge) over-refusal on safe prompts, or None without safe-prompt labels."""
    safe = [(h.example, p.verdict) for h, p in pairs if h.example.safe]
    if not safe:
        return None
    return sum(e.refused for e, _ in safe) / len(safe), sum(v != "compliance" for _, v in safe) / len(safe)


def _line(name: str, pairs: Pairs) -> str:
    s = held_scores(pairs)
    f1 = f"{s.macro_f1:.3f}" if s.macro_f1 is not None else "-"
    rates = over_refusal(pairs)
    over = f"{rates[1]:.3f} vs {rates[0]:.3f} ({(rates[1] - rates[0]) * 100:+.1f})" if rates else "-"
    return f"{name:<46}{s.n:>6}{s.binary_accuracy:>9.3f}{f1:>9}   {over}"


def is_correct(example: Example, verdict: str) -> bool:
    """Three classes where the human gave them, else refused or not (chatgpt-refusals)."""
    if example.gold is not None:
        return verdict == example.gold
    return (verdict != "compliance") == example.refused


def reliability(pairs: Pairs) -> tuple[list[str], float]:
    """Bins of confidence against the share of verdicts that were right, and the ECE."""
    lines = [f"{'confidence':<14}{'replies':>8}{'mean conf':>11}{'right':>8}{'gap':>8}"]
    ece = 0.0
    for low, high in itertools.pairwise(BINS):
        inside = [(h, p) for h, p in pairs if low <= p.confidence < high]
        if not inside:
            continue
        mean = sum(p.confidence for _, p in inside) / len(inside)
        right = sum(is_correct(h.example, p.verdict) for h, p in inside) / len(inside)
        ece += len(inside) / len(pairs) * abs(mean - right)
        span = f"[{low:.2f}, {min(high, 1):.2f})"
        lines.append(f"{span:<14}{len(inside):>8}{mean:>11.3f}{right:>8.3f}{right - mean:>+8.3f}")
    return lines, ece


def escalation(pairs: Pairs) -> list[str]:
    """Accuracy when the least confident share of replies is decided by a perfect second judge."""
    order = sorted(range(len(pairs)), key=lambda i: pairs[i][1].confidence)
    lines = [f"{'escalated':>10}{'threshold F':>13}{'binary acc':>12}{'3-class acc':>13}{'XSTest F1':>11}"]
    for share in ESCALATED:
        k = round(share * len(pairs))
        escalated = set(order[:k])
        threshold = pairs[order[k]][1].confidence if k < len(pairs) else 1.0
        verdicts = [
            (h.example.gold or ("refusal" if h.example.refused else "compliance")) if i in escalated else p.verdict
            for i, (h, p) in enumerate(pairs)
        ]
        examples = [h.example for h, _ in pairs]
        s = score(examples, verdicts)
        three = [(e, v) for e, v in zip(examples, verdicts, strict=True) if e.gold is not None]
        acc3 = sum(e.gold == v for e, v in three) / len(three) if three else float("nan")
        f1 = f"{s.macro_f1:.3f}" if s.macro_f1 is not None else "-"
        lines.append(f"{share:>10.0%}{threshold:>13.3f}{s.binary_accuracy:>12.3f}{acc3:>13.3f}{f1:>11}")
    return lines


def out_of_sample_report(held: dict[str, list[tuple[Held, Predicted]]]) -> list[str]:
    """The headline: every protocol, each left-out XSTest model, calibration, escalation."""
    out = [
        "== OUT OF SAMPLE (weights and calibration refitted without the replies scored) ==",
        f"{'protocol':<46}{'n':>6}{'binary':>9}{'macro-F1':>9}   over-refusal judge vs human (points)",
    ]
    for key, name in PROTOCOLS.items():
        if key in held:
            out.append(_line(name, held[key]))
    if "lomo" in held:
        out.append("")
        out.append("Each left-out XSTest model (safe prompts: over-refusal = refusal or partial):")
        for model in sorted({h.example.group for h, _ in held["lomo"]}):
            out.append(_line(f"  left out: {model}", [(h, p) for h, p in held["lomo"] if h.example.group == model]))
    pooled = [pair for key in ("lomo", "chatgpt-5fold") for pair in held.get(key, [])]
    if pooled:
        lines, ece = reliability(pooled)
        out += ["", f"== confidence reliability, out of sample ({len(pooled)} held-out replies: LOMO XSTest + "
                "chatgpt 5-fold; right = 3-class where humans gave 3 classes, else binary) =="]
        out += lines
        out.append(f"expected calibration error (ECE): {ece:.3f}")
        out += ["", "== escalation, out of sample: the least confident share goes to a perfect second judge "
                "(human labels); --carryon-judge-escalate F sends replies with confidence < F =="]
        out += escalation(pooled)
    return out


@dataclass(frozen=True)
class Speed:
    """Replies per second on one core."""

    cpu: float  # from each chunk's fastest CPU time: the cost of the code itself
    wall: float  # the same, by wall clock
    pass_best: float  # whole passes over all replies, by CPU time: the fastest one
    pass_median: float  # and the median one


def speed(examples: Sequence[Example], judge: Callable[[str, str | None], str] = classify) -> Speed:
    """Time the judge timeit-style, on one core.

    The replies are split into chunks of CHUNK; each round times every chunk, and each chunk's
    fastest time over PASSES rounds counts: the minimum is the cost of the code, the excess in
    other rounds is other work on the machine (timeit's rule). On a shared virtual machine a
    whole pass over all replies varies by 30% from minute to minute; a chunk's minimum hardly
    moves. Whole passes are reported too, so the spread stays visible.
    """
    pairs = [(ex.reply, ex.prompt) for ex in examples]
    chunks = [pairs[i : i + CHUNK] for i in range(0, len(pairs), CHUNK)]
    best_wall = [float("inf")] * len(chunks)
    best_cpu = [float("inf")] * len(chunks)
    passes: list[float] = []
    for _ in range(PASSES):
        pass_cpu = 0.0
        for k, chunk in enumerate(chunks):
            start, start_cpu = time.perf_counter(), time.process_time()
            for reply, prompt in chunk:
                judge(reply, prompt)
            cpu = time.process_time() - start_cpu
            best_wall[k] = min(best_wall[k], time.perf_counter() - start)
            best_cpu[k] = min(best_cpu[k], cpu)
            pass_cpu += cpu
        passes.append(pass_cpu)
    n = len(pairs)

    def rate(seconds: float) -> float:
        return n / seconds if seconds > 0 else float("inf")

    return Speed(
        cpu=rate(sum(best_cpu)),
        wall=rate(sum(best_wall)),
        pass_best=rate(min(passes)),
        pass_median=rate(statistics.median(passes)),
    )


def main(argv: Sequence[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        import train_judge
    except SystemExit as exc:  # numpy or scipy missing: say so, as train_judge does
        print(exc, file=sys.stderr)
        return 2
    everything: list[Example] = [ex for raw in argv for ex in load(Path(raw))]
    held = train_judge.protocols([train_judge.make_row(e) for e in everything])
    print("\n".join(out_of_sample_report(held)))
    print()
    pooled = [pair for key in ("lomo", "chatgpt-5fold") for pair in held.get(key, [])]
    for source, report in (("xstest", report_xstest), ("chatgpt-refusals", report_chatgpt)):
        pairs = [(h.example, p.verdict) for h, p in pooled if h.example.source == source]
        if pairs:
            print(f"# out of sample (pooled held-out predictions), {source}")
            print("\n".join(report([e for e, _ in pairs], [v for _, v in pairs])))
            print()
    for raw in argv:
        examples = load(Path(raw))
        preds = predict(examples)
        report = report_xstest if examples and examples[0].source == "xstest" else report_chatgpt
        print(f"# IN SAMPLE (the shipped weights.json was fitted on these replies; not a measure): {raw}")
        print("\n".join(report(examples, preds)))
        print()
    load_before = os.getloadavg()[0]
    rates = speed(everything)
    print(
        f"== speed: {rates.cpu:,.0f} replies/second on one core by CPU time ({rates.wall:,.0f} by wall clock): "
        f"{len(everything)} replies in chunks of {CHUNK}, each chunk's fastest of {PASSES} rounds; whole "
        f"passes {rates.pass_best:,.0f} at best, {rates.pass_median:,.0f} median; load average "
        f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after, {os.cpu_count()} cores =="
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
