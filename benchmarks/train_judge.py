"""Fit the offline judge's weight table and its confidence calibration; measure them out of sample.

Usage: python benchmarks/train_judge.py [--write] PATH...
Needs numpy and scipy: pip install -e '.[train]' (the judge itself needs neither).

PATHs are data folders as for ``judge_accuracy.py`` (XSTest, chatgpt-refusals). The table is a
multinomial logistic regression, L2-regularised, over the hand-written structural features of
``pytest_carryon/judge/features.py`` (no word of the data is a feature). The confidence is a
Platt scaling of the table's probability, fitted on predictions for rows the table was fitted
without (3-fold cross-validation inside the training data). Out-of-sample protocols (each refits
both on the training part only, never looking at the test part):

- ``lomo``: leave one XSTest model out (train on the other four plus all other data);
- ``chatgpt-5fold``: train on XSTest plus four folds of chatgpt-refusals, test on the fifth;
- ``xstest->chatgpt`` and ``chatgpt->xstest``: train on one data set alone, test on the other.

XSTest rows carry a three-class label; chatgpt-refusals rows only say complied or not, so they
train "compliance versus either refusal class".
With ``--write`` the table fitted on everything given replaces ``pytest_carryon/judge/weights.json``.
Deterministic: full-batch L-BFGS from zero weights on one BLAS thread (a multi-threaded BLAS sums
in another order and moves weights in the third decimal), so a rerun writes the same table.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from judge_accuracy import REPO_ROOT, Example, load, out_of_sample_report

from pytest_carryon.judge.confidence import confidence, probability
from pytest_carryon.judge.features import FEATURES, features
from pytest_carryon.judge.score import CLASSES, RULE_ONLY, Table, Verdict, decide, scores

try:
    import numpy as np
    from scipy.optimize import minimize
except ImportError:  # pragma: no cover - a usage message, not a code path under test
    sys.exit("train_judge.py needs numpy and scipy: pip install -e '.[train]'")

WEIGHTS = REPO_ROOT / "pytest_carryon" / "judge" / "weights.json"
COMMAND = "python benchmarks/train_judge.py --write ../shared/external/xstest ../shared/external/chatgpt-refusals"
# Strength of the L2 penalty on every weight but the bias (the loss is summed over rows).
L2 = float(os.environ.get("CARRYON_L2", "1.0"))
DIGITS = 3
FOLDS = 5
CALIBRATION_FOLDS = 3
# Partial refusals are rare; weighting them up trades a little accuracy for macro-F1.
CLASS_WEIGHT = {"compliance": 1.0, "refusal": 1.0, "partial": float(os.environ.get("CARRYON_PARTIAL", "2.0"))}
# A binary-labelled row (chatgpt-refusals) says less than a three-class one.
BINARY_ROW_WEIGHT = 1.0


@dataclass(frozen=True)
class Row:
    """One labelled reply: its features and the set of classes the human label allows."""

    x: list[float]
    allowed: tuple[int, ...]
    weight: float
    example: Example


@dataclass(frozen=True)
class Prediction:
    verdict: Verdict
    confidence: float
    probability: float  # the table's own, before calibration


def make_row(example: Example) -> Row:
    vector = features(example.reply, example.prompt)
    if example.gold is not None:
        allowed: tuple[int, ...] = (CLASSES.index(example.gold),)  # type: ignore[arg-type]
        weight = CLASS_WEIGHT[example.gold]
    elif example.refused:
        allowed, weight = (1, 2), BINARY_ROW_WEIGHT
    else:
        allowed, weight = (0,), BINARY_ROW_WEIGHT
    return Row(vector, allowed, weight, example)


def fit_weights(rows: Sequence[Row]) -> np.ndarray:
    """Minimise -log P(allowed classes), weighted per row, plus an L2 penalty, by L-BFGS."""
    x = np.array([r.x for r in rows])
    x[:, [FEATURES.index(name) for name in RULE_ONLY]] = 0.0
    allowed = np.zeros((len(rows), 3))
    for i, r in enumerate(rows):
        allowed[i, list(r.allowed)] = 1.0
    weight = np.array([r.weight for r in rows])
    n_feat = x.shape[1]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = allowed_loss(theta.reshape(n_feat, 3), x, allowed, weight, L2)
        return value, grad.ravel()

    result = minimize(loss, np.zeros(n_feat * 3), jac=True, method="L-BFGS-B", options={"maxiter": 5000})
    return centred(result.x.reshape(n_feat, 3))


def probabilities(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Each row's class probabilities under the weight matrix ``w`` (features x classes)."""
    z = x @ w
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return p


def allowed_loss(w: np.ndarray, x: np.ndarray, allowed: np.ndarray, weight: np.ndarray,
                 l2: float) -> tuple[float, np.ndarray]:
    """-log P(allowed classes), weighted per row, plus L2 on every weight but the bias; and its
    gradient with respect to ``w``."""
    p = probabilities(x, w)
    mass = (p * allowed).sum(axis=1)
    value = -(weight * np.log(mass + 1e-12)).sum() + 0.5 * l2 * (w[1:] ** 2).sum()
    # Gradient of -log(sum of allowed p) w.r.t. the scores: p minus p renormalised on allowed.
    g = p - p * allowed / mass[:, None]
    grad = x.T @ (g * weight[:, None])
    grad[1:] += l2 * w[1:]
    return float(value), grad


def centred(w: np.ndarray) -> np.ndarray:
    """Scores only matter relative to each other: each feature's three weights centred, rounded."""
    return np.round(w - w.mean(axis=1, keepdims=True), DIGITS) + 0.0


def _table(w: np.ndarray, slope: float = 1.0, intercept: float = 0.0) -> Table:
    rows = tuple(tuple(float(v) for v in w[:, k]) for k in range(3))
    return Table((rows[0], rows[1], rows[2]), slope, intercept)


def correct(row: Row, verdict: str) -> bool:
    """Was the verdict right: the three classes where the human gave them, else refused or not."""
    if row.example.gold is not None:
        return verdict == row.example.gold
    return (verdict != "compliance") == row.example.refused


def fit_calibration(rows: Sequence[Row]) -> tuple[float, float]:
    """Platt scaling of the table's probability, on predictions for rows held out of the fit."""
    logits, hits = [], []
    for fold in range(CALIBRATION_FOLDS):
        train = [r for i, r in enumerate(rows) if i % CALIBRATION_FOLDS != fold]
        test = [r for i, r in enumerate(rows) if i % CALIBRATION_FOLDS == fold]
        table = _table(fit_weights(train))
        for row, pred in zip(test, predict(table, test), strict=True):
            p = min(max(pred.probability, 1e-6), 1 - 1e-6)
            logits.append(np.log(p / (1 - p)))
            hits.append(1.0 if correct(row, pred.verdict) else 0.0)
    z, y = np.array(logits), np.array(hits)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        a, b = theta
        q = 1 / (1 + np.exp(-(a * z + b)))
        q = np.clip(q, 1e-9, 1 - 1e-9)
        value = -(y * np.log(q) + (1 - y) * np.log(1 - q)).sum()
        return float(value), np.array([((q - y) * z).sum(), (q - y).sum()])

    result = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
    return round(float(result.x[0]), DIGITS), round(float(result.x[1]), DIGITS)


def fit(rows: Sequence[Row]) -> Table:
    """The weight table and its calibration, from ``rows`` alone."""
    # CARRYON_NO_CALIBRATION=1 skips the calibration fits: verdicts do not depend on it, so
    # experiments on accuracy run three times faster.
    slope, intercept = (1.0, 0.0) if os.environ.get("CARRYON_NO_CALIBRATION") else fit_calibration(rows)
    return _table(fit_weights(rows), slope, intercept)


def predict(table: Table, rows: Sequence[Row]) -> list[Prediction]:
    out = []
    for row in rows:
        class_scores = scores(row.x, table)
        # With the prompt's side where the data gives it (XSTest's safe / unsafe), as judge_reply() reads it.
        ex = row.example
        verdict = decide(class_scores, row.x, ex.reply, ex.prompt, ex.safe) if ex.reply.strip() else "refusal"
        out.append(Prediction(verdict, confidence(class_scores, verdict, table), probability(class_scores, verdict)))
    return out


Held = list[tuple[Row, Prediction]]
# A way to learn a judge: from training rows, a function that predicts other rows.
Learner = Callable[[Sequence[Row]], Callable[[Sequence[Row]], list[Prediction]]]


def structural(train: Sequence[Row]) -> Callable[[Sequence[Row]], list[Prediction]]:
    """The shipped judge: the weight table fitted on ``train`` over the structural features."""
    return partial(predict, fit(train))


def protocols(rows: Sequence[Row], learn: Learner = structural) -> dict[str, Held]:
    """Every out-of-sample protocol: name -> (row, prediction) for each held-out row.

    ``learn`` sees only each protocol's training rows (benchmarks/encoder_trial.py passes one
    that adds an encoder's embedding to the features).
    """
    xs = [r for r in rows if r.example.source == "xstest"]
    other = [r for r in rows if r.example.source != "xstest"]
    out: dict[str, Held] = {}
    if xs:
        out["lomo"] = []
        for model in sorted({r.example.group for r in xs}):
            test = [r for r in xs if r.example.group == model]
            train = [r for r in rows if not (r.example.source == "xstest" and r.example.group == model)]
            out["lomo"].extend(zip(test, learn(train)(test), strict=True))
    if xs and other:
        out["chatgpt-5fold"] = []
        for fold in range(FOLDS):
            test = other[fold::FOLDS]
            train = xs + [r for i, r in enumerate(other) if i % FOLDS != fold]
            out["chatgpt-5fold"].extend(zip(test, learn(train)(test), strict=True))
        out["xstest->chatgpt"] = list(zip(other, learn(xs)(other), strict=True))
        out["chatgpt->xstest"] = list(zip(xs, learn(other)(xs), strict=True))
    return out


def write(table: Table) -> None:
    data = {
        "fitted_by": COMMAND,
        "classes": list(CLASSES),
        "calibration": {"slope": table.slope, "intercept": table.intercept},
        "weights": {
            name: [table.rows[0][i], table.rows[1][i], table.rows[2][i]]
            for i, name in enumerate(FEATURES)
            if any(table.rows[k][i] for k in range(3))
        },
    }
    WEIGHTS.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def main(argv: Sequence[str]) -> int:
    paths = [a for a in argv if a != "--write"]
    if not paths:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    rows = [make_row(e) for p in paths for e in load(Path(p))]
    print("\n".join(out_of_sample_report(protocols(rows))))
    if "--write" in argv:
        write(fit(rows))
        print(f"\nwrote {WEIGHTS.relative_to(REPO_ROOT)} (fitted on all {len(rows)} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
