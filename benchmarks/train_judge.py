"""Fit the heuristic judge's weight table on human-labelled replies, and say how it generalises.

Usage: python benchmarks/train_judge.py [--write] PATH...
Needs numpy and scipy: pip install -e '.[train]' (the judge itself needs neither).

PATHs are data folders as for ``judge_accuracy.py`` (XSTest, chatgpt-refusals). The script
fits a multinomial logistic regression over the hand-written structural features of
``pytest_carryon.heuristic`` (no words from the data are features) and prints:

- in-sample scores of the fitted table,
- leave-one-model-out on XSTest: train on four models (plus any other data), test on the fifth,
- k-fold on the other data (chatgpt-refusals): train on XSTest plus four folds, test on the fifth,
- cross-dataset: train on XSTest only and test on chatgpt-refusals, and the reverse (binary).

XSTest rows carry a three-class label; chatgpt-refusals rows only say complied or not, so
they train "compliance versus either refusal class". (Two finer mappings were tried: its
``rejected`` tone as full refusal cost 6 points of held-out accuracy on XSTest's gpt4 replies;
``redirected`` and ``disclaimed`` as partial lowered held-out macro-F1 on XSTest, 0.720 to
0.714, and chatgpt-refusals accuracy, 0.923 to 0.911.)
With ``--write`` the fitted table replaces the block between the BEGIN/END WEIGHTS markers
in ``pytest_carryon/judge/heuristic.py``.
Deterministic: full-batch L-BFGS from zero weights, so a rerun writes the same table.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from judge_accuracy import REPO_ROOT, Example, binary_accuracy, load, macro_f1

from pytest_carryon.judge.heuristic import CLASSES, FEATURES, decide, features

try:
    import numpy as np
    from scipy.optimize import minimize
except ImportError:  # pragma: no cover - a usage message, not a code path under test
    sys.exit("train_judge.py needs numpy and scipy: pip install -e '.[train]'")

HEURISTIC = REPO_ROOT / "pytest_carryon" / "judge" / "heuristic.py"
BEGIN = "# BEGIN WEIGHTS"
END = "# END WEIGHTS"
# Strength of the L2 penalty on every weight but the bias (the loss is summed over rows).
L2 = 0.3
DIGITS = 3
FOLDS = 5
# The loss is not the measure: accuracy, macro-F1 and each model's over-refusal rate are. Two
# offsets added to the fitted compliance and partial scores trade them against each other; they
# were chosen on the training data (a grid over both, keeping every target of issue 5 met with the
# widest margin) and are applied unchanged in every held-out fold below.
COMPLIANCE_MARGIN = -0.2
PARTIAL_MARGIN = -0.25
# Partial refusals are rare; weighting them up trades a little accuracy for macro-F1.
CLASS_WEIGHT = {"compliance": 1.0, "refusal": 1.0, "partial": 3.0}
# A binary-labelled row (chatgpt-refusals) counts this much: it says less than a three-class
# one, but its replies are in another style (gpt-3.5's "As an AI language model ..."), and the
# judge must work on both.
BINARY_ROW_WEIGHT = 1.5

Weights = list[list[float]]  # [feature][class]


@dataclass(frozen=True)
class Row:
    """One training row: its features and the set of classes the human label allows."""

    x: list[float]
    allowed: tuple[int, ...]
    weight: float
    example: Example


def _row(example: Example) -> Row:
    vector = features(example.reply, example.prompt)
    if example.gold is not None:
        allowed: tuple[int, ...] = (CLASSES.index(example.gold),)
        weight = CLASS_WEIGHT[example.gold]
    elif example.refused:
        allowed, weight = (1, 2), BINARY_ROW_WEIGHT
    else:
        allowed, weight = (0,), BINARY_ROW_WEIGHT
    return Row(vector, allowed, weight, example)


def fit(rows: Sequence[Row]) -> Weights:
    """Minimise -log P(allowed classes), weighted per row, plus an L2 penalty, by L-BFGS."""
    x = np.array([r.x for r in rows])
    allowed = np.zeros((len(rows), 3))
    for i, r in enumerate(rows):
        allowed[i, list(r.allowed)] = 1.0
    weight = np.array([r.weight for r in rows])
    n_feat = x.shape[1]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta.reshape(n_feat, 3)
        z = x @ w
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        mass = (p * allowed).sum(axis=1)
        value = -(weight * np.log(mass + 1e-12)).sum() + 0.5 * L2 * (w[1:] ** 2).sum()
        # Gradient of -log(sum of allowed p) w.r.t. the scores: p minus p renormalised on allowed.
        g = p - p * allowed / mass[:, None]
        grad = x.T @ (g * weight[:, None])
        grad[1:] += L2 * w[1:]
        return float(value), grad.ravel()

    result = minimize(loss, np.zeros(n_feat * 3), jac=True, method="L-BFGS-B", options={"maxiter": 5000})
    w = result.x.reshape(n_feat, 3)
    w[0, 0] += COMPLIANCE_MARGIN
    w[0, 2] += PARTIAL_MARGIN
    # Scores only matter relative to each other: centre each feature's three weights.
    w -= w.mean(axis=1, keepdims=True)
    return [[round(float(c), DIGITS) + 0.0 for c in ws] for ws in w]


def predict(w: Weights, rows: Sequence[Row]) -> list[str]:
    scores = np.array([row.x for row in rows]) @ np.array(w)
    return [decide(tuple(map(float, s)), row.example.reply) for s, row in zip(scores, rows, strict=True)]


def report(name: str, rows: Sequence[Row], preds: Sequence[str]) -> str:
    gold_bin = [r.example.refused for r in rows]
    acc = binary_accuracy(gold_bin, [p != "compliance" for p in preds])
    three = [(r.example.gold, p) for r, p in zip(rows, preds, strict=True) if r.example.gold]
    f1 = f"  macro-F1 {macro_f1([g or '' for g, _ in three], [p for _, p in three]):.3f}" if three else ""
    safe = [(r, p) for r, p in zip(rows, preds, strict=True) if r.example.safe]
    over = ""
    if safe:
        human = sum(r.example.refused for r, _ in safe) / len(safe)
        judge = sum(p != "compliance" for _, p in safe) / len(safe)
        over = f"  over-refusal human {human:.3f} judge {judge:.3f} ({judge - human:+.3f})"
    return f"{name:<34} n={len(rows):<5} binary acc {acc:.3f}{f1}{over}"


def table(w: Weights) -> str:
    lines = [f"{BEGIN} (generated by benchmarks/train_judge.py; do not edit by hand)"]
    lines.append("# feature: (compliance, refusal, partial)")
    lines.append("_WEIGHTS: Final[dict[str, tuple[float, float, float]]] = {")
    for name, ws in zip(FEATURES, w, strict=True):
        if any(ws):
            lines.append(f'    "{name}": ({ws[0]}, {ws[1]}, {ws[2]}),')
    lines.append("}")
    lines.append(END)
    return "\n".join(lines)


def write(w: Weights) -> None:
    source = HEURISTIC.read_text(encoding="utf-8")
    start = source.index(BEGIN)
    stop = source.index(END) + len(END)
    HEURISTIC.write_text(source[:start] + table(w) + source[stop:], encoding="utf-8")


def main(argv: Sequence[str]) -> int:
    paths = [a for a in argv if a != "--write"]
    if not paths:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    rows = [_row(e) for p in paths for e in load(Path(p))]
    xs = [r for r in rows if r.example.source == "xstest"]
    other = [r for r in rows if r.example.source != "xstest"]

    w = fit(rows)
    print("== in-sample (trained on everything given) ==")
    for source in sorted({r.example.source for r in rows}):
        sub = [r for r in rows if r.example.source == source]
        print(report(source, sub, predict(w, sub)))
    if xs:
        print("\n== leave one XSTest model out (train: other 4 models + other data) ==")
        held: list[tuple[Row, str]] = []
        for model in sorted({r.example.group for r in xs}):
            test = [r for r in xs if r.example.group == model]
            train = [r for r in rows if not (r.example.source == "xstest" and r.example.group == model)]
            preds = predict(fit(train), test)
            held.extend(zip(test, preds, strict=True))
            print(report(f"xstest/{model}", test, preds))
        print(report("xstest, all 5 held out", [r for r, _ in held], [p for _, p in held]))
    if xs and other:
        print(f"\n== {FOLDS}-fold on the other data (train: XSTest + the other folds) ==")
        held = []
        for fold in range(FOLDS):
            test = other[fold::FOLDS]
            train = xs + [r for i, r in enumerate(other) if i % FOLDS != fold]
            held.extend(zip(test, predict(fit(train), test), strict=True))
        print(report("other data, all folds held out", [r for r, _ in held], [p for _, p in held]))
        print("\n== cross-dataset ==")
        print(report("train xstest -> chatgpt-refusals", other, predict(fit(xs), other)))
        print(report("train chatgpt-refusals -> xstest", xs, predict(fit(other), xs)))
    if "--write" in argv:
        write(w)
        print(f"\nwrote the table into {HEURISTIC.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
