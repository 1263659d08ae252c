"""Trials of the weight table's FITTING procedure (branch fit, JUDGE_LOG.md rows fit-1 ... fit-13).

Usage: python benchmarks/fit_trial.py VARIANT [VARIANT ...] PATH...  (PATHs as for train_judge.py)
Needs numpy and scipy: pip install -e '.[train]'. VARIANT is one of the names in ``VARIANTS``.

The features, the rules of ``score.decide`` and the shipped fit (L2 1.0, partial rows weight 2,
chatgpt-refusals rows "compliance versus either refusal class") are those of ``train_judge.py``;
each variant changes only how the table is fitted. Every hyper-parameter a variant chooses is
chosen by an inner cross-validation inside each protocol's training rows: one inner fold per
XSTest model in the training part (with a matching share of its chatgpt-refusals rows), or five
index folds when the training part has no XSTest rows. So the out-of-sample figures stay honest.
Each variant prints the full out-of-sample figures and the dev/unread split of
``judge_split.py``. Verdicts do not depend on the calibration, so none is fitted here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import numpy as np
from judge_accuracy import load, out_of_sample_report
from judge_split import figures, parts, report
from scipy.optimize import minimize
from train_judge import CLASS_WEIGHT, L2, Prediction, Row, allowed_loss, centred, make_row, probabilities, protocols

from pytest_carryon.judge import score as sc
from pytest_carryon.judge.confidence import probability
from pytest_carryon.judge.features import FEATURES
from pytest_carryon.judge.score import CLASSES, RULE_ONLY, decide

Fitter = Callable[[list[int]], np.ndarray]
Offset = np.ndarray
OFFSETS = [round(float(b), 2) for b in np.arange(-1.5, 1.51, 0.1)]
COARSE = [round(float(b), 2) for b in np.arange(-1.0, 1.01, 0.2)]
GAP_TOL = 0.015  # an offset may move the training part's over-refusal gap by at most this (or the base gap)
GAP_LIMIT = 0.03  # a hyper-parameter whose inner over-refusal gap exceeds 3 points is not chosen


class Data:
    """The labelled rows as arrays, addressed by position; ``pos`` maps a Row to its position."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.pos = {id(r): i for i, r in enumerate(rows)}
        self.x = np.array([r.x for r in rows])
        self.xfit = self.x.copy()
        self.xfit[:, [FEATURES.index(n) for n in RULE_ONLY]] = 0.0
        self.allowed = np.zeros((len(rows), 3))
        for i, r in enumerate(rows):
            self.allowed[i, list(r.allowed)] = 1.0
        self.xs = np.array([r.example.source == "xstest" for r in rows])
        self.gold = [r.example.gold for r in rows]
        # rule-aware likelihood (fit-6): the classes decide() lets the table choose, and which of
        # those give an allowed verdict
        self.choosable = np.zeros((len(rows), 3))
        self.choosable_right = np.zeros((len(rows), 3))
        for i, r in enumerate(rows):
            choose, verdict_of = _choices(r)
            for k in choose:
                self.choosable[i, k] = 1.0
                if verdict_of[k] in r.allowed:
                    self.choosable_right[i, k] = 1.0

    def idx(self, rows: Sequence[Row]) -> list[int]:
        return [self.pos[id(r)] for r in rows]


def _choices(row: Row) -> tuple[set[int], dict[int, int]]:
    """The classes decide() can still return from the table's argmax, and the verdict each gives."""
    v, reply = row.x, row.example.reply
    if not reply.strip():
        return {1}, {0: 1, 1: 1, 2: 1}
    choose = {0, 1, 2}
    if v[sc._DECLINE_OPEN] and not v[sc._THEN_PREMISE] and not v[sc._NARROW]:
        choose.discard(0)
        if v[sc._THEN_OFFER]:
            choose.discard(1)
    if v[sc._SELF_ANSWER] or v[sc._UNFOUNDED] or v[sc._NARROW]:
        choose = {0}
    if v[sc._SELF_HAND_BACK]:
        choose.discard(0)
        choose = choose or {1}
    if v[sc._ARGUES]:
        choose.discard(0)
        choose = choose or {1}
    no_partial = len(reply.strip()) < sc.PARTIAL_MIN_CHARS or (v[sc._REDIRECT] and not v[sc._THEN_OFFER])
    return choose, {0: 0, 1: 1, 2: 1 if no_partial else 2}


D: Data


def row_weights(idx: list[int], partial: float = CLASS_WEIGHT["partial"], chatgpt: float = 1.0) -> np.ndarray:
    return np.array([chatgpt if D.gold[i] is None else partial if D.gold[i] == "partial" else 1.0 for i in idx])


def fit_table(idx: list[int], l2: float = L2, weight: np.ndarray | None = None, target: np.ndarray | None = None,
              norm: np.ndarray | None = None, penalty: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None,
              xfit: np.ndarray | None = None) -> np.ndarray:
    """train_judge.fit_weights generalised: -log(sum_target p / sum_norm p), weighted, + L2 (+ penalty).

    target defaults to the allowed classes, norm to all three (train_judge's loss exactly).
    """
    x = (D.xfit if xfit is None else xfit)[idx]
    a = D.allowed[idx] if target is None else target
    b = norm
    wt = row_weights(idx) if weight is None else weight
    n_feat = x.shape[1]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta.reshape(n_feat, 3)
        if b is None:  # train_judge's own loss (so "shipped" is the shipped fit)
            value, grad = allowed_loss(w, x, a, wt, l2)
        else:
            p = probabilities(x, w)
            ma, mb = (p * a).sum(axis=1), (p * b).sum(axis=1)
            value = -(wt * (np.log(ma + 1e-12) - np.log(mb + 1e-12))).sum() + 0.5 * l2 * (w[1:] ** 2).sum()
            g = p * b / mb[:, None] - p * a / ma[:, None]
            grad = x.T @ (g * wt[:, None])
            grad[1:] += l2 * w[1:]
        if penalty is not None:
            pv, pg = penalty(w)
            value, grad = value + pv, grad + pg
        return float(value), grad.ravel()

    result = minimize(loss, np.zeros(n_feat * 3), jac=True, method="L-BFGS-B", options={"maxiter": 5000})
    return centred(result.x.reshape(n_feat, 3))


def fit_binary(idx: list[int], y: np.ndarray, wt: np.ndarray, l2: float = L2) -> np.ndarray:
    x = D.xfit[idx]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        q = np.clip(1 / (1 + np.exp(-(x @ w))), 1e-12, 1 - 1e-12)
        value = -(wt * (y * np.log(q) + (1 - y) * np.log(1 - q))).sum() + 0.5 * l2 * (w[1:] ** 2).sum()
        grad = x.T @ (wt * (q - y))
        grad[1:] += l2 * w[1:]
        return float(value), grad

    return np.asarray(minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B",
                               options={"maxiter": 5000}).x)


def fit_l1(idx: list[int], l1: float, l2: float = L2) -> np.ndarray:
    """Elastic net: the L2 fit plus l1 * |w| on every weight but the bias (w = u - v, u, v >= 0)."""
    x, a, wt = D.xfit[idx], D.allowed[idx], row_weights(idx)
    n_feat = x.shape[1]
    n = n_feat * 3
    mask = np.ones((n_feat, 3))
    mask[0] = 0.0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = (theta[:n] - theta[n:]).reshape(n_feat, 3)
        value, grad = allowed_loss(w, x, a, wt, l2)
        value += l1 * float((mask * (theta[:n] + theta[n:]).reshape(n_feat, 3)).sum())
        return value, np.concatenate([(grad + l1 * mask).ravel(), (-grad + l1 * mask).ravel()])

    result = minimize(loss, np.zeros(2 * n), jac=True, method="L-BFGS-B", bounds=[(0, None)] * (2 * n),
                      options={"maxiter": 5000})
    return centred((result.x[:n] - result.x[n:]).reshape(n_feat, 3))


def pull(lam: float, kind: str) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """lam/2 ||w_p - t||^2 over non-bias rows; t = w_r ("share") or (w_c + w_r) / 2 ("ordinal")."""
    coef = np.array([0.0, 1.0, -1.0]) if kind == "share" else np.array([0.5, 0.5, -1.0])

    def penalty(w: np.ndarray) -> tuple[float, np.ndarray]:
        d = w[1:] @ -coef  # w_p - target
        g = np.zeros_like(w)
        g[1:] = -lam * d[:, None] * coef[None, :]
        return 0.5 * lam * float((d**2).sum()), g

    return penalty


def smoothed(eps: float) -> Fitter:
    """XSTest refusal and partial rows each allow the other declined class with probability eps."""
    def fit(idx: list[int]) -> np.ndarray:
        t = D.allowed[idx].copy()
        for k, i in enumerate(idx):
            if D.gold[i] == "refusal":
                t[k] = [0.0, 1 - eps, eps]
            elif D.gold[i] == "partial":
                t[k] = [0.0, eps, 1 - eps]
        return fit_table(idx, target=t)
    return fit


def rule_aware(keep_forced: bool) -> Fitter:
    """The likelihood over the classes decide() lets the table choose (fit-6, fit-6b)."""
    def fit(idx: list[int]) -> np.ndarray:
        a, b, wt = D.choosable_right[idx].copy(), D.choosable[idx].copy(), row_weights(idx)
        forced = (a.sum(axis=1) == 0) | (a.sum(axis=1) == b.sum(axis=1))
        if keep_forced:
            a[forced], b[forced] = D.allowed[idx][forced], 1.0
        else:
            wt[forced], a[forced], b[forced] = 0.0, 1.0, 1.0
        return fit_table(idx, weight=wt, target=a, norm=b)
    return fit


def hierarchical(idx: list[int]) -> np.ndarray:
    """Declined vs complied on all rows, then partial vs refusal on XSTest declines; scores 0, a, a + d."""
    y1 = np.array([float(D.rows[i].allowed != (0,)) for i in idx])
    a = fit_binary(idx, y1, np.ones(len(idx)))
    declined = [i for i in idx if D.gold[i] in ("refusal", "partial")]
    d = np.zeros_like(a)
    if declined:
        d = fit_binary(declined, np.array([float(D.gold[i] == "partial") for i in declined]), row_weights(declined))
    return centred(np.stack([np.zeros_like(a), a, a + d], axis=1))


# ---- inner cross-validation ----

def inner_folds(idx: list[int]) -> list[tuple[list[int], list[int]]]:
    models = sorted({D.rows[i].example.group for i in idx if D.xs[i]})
    other = [i for i in idx if not D.xs[i]]
    k = len(models) or 5
    folds = []
    for j in range(k):
        test = [i for i in idx if D.xs[i] and D.rows[i].example.group == models[j]] if models else []
        test += other[j::k]
        held = set(test)
        folds.append(([i for i in idx if i not in held], test))
    return folds


def inner_scores(idx: list[int], fit: Fitter) -> dict[int, np.ndarray]:
    out: dict[int, np.ndarray] = {}
    for train, test in inner_folds(idx):
        s = D.x[test] @ fit(train)
        out.update(zip(test, s, strict=True))
    return out


def verdicts(idx: list[int], s: dict[int, np.ndarray] | np.ndarray, offset: Offset) -> list[str]:
    out = []
    for k, i in enumerate(idx):
        r = D.rows[i]
        v = (s[i] if isinstance(s, dict) else s[k]) + offset
        out.append(decide((float(v[0]), float(v[1]), float(v[2])), r.x, r.example.reply, r.example.prompt,
                          r.example.safe) if r.example.reply.strip() else "refusal")
    return out


def metrics(idx: list[int], v: list[str]) -> dict[str, float]:
    """XSTest binary accuracy, macro-F1 and over-refusal gap (safe prompts); chatgpt binary accuracy."""
    xs = [(i, p) for i, p in zip(idx, v, strict=True) if D.xs[i]]
    cg = [(i, p) for i, p in zip(idx, v, strict=True) if not D.xs[i]]
    out: dict[str, float] = {}
    if xs:
        out["xs_bin"] = float(np.mean([(p != "compliance") == (D.gold[i] != "compliance") for i, p in xs]))
        f1 = []
        for c in CLASSES:
            tp = sum(D.gold[i] == c and p == c for i, p in xs)
            wrong = sum((D.gold[i] == c) != (p == c) for i, p in xs)
            f1.append(2 * tp / (2 * tp + wrong) if tp + wrong else 0.0)
        out["xs_f1"] = float(np.mean(f1))
        safe = [(i, p) for i, p in xs if D.rows[i].example.safe]
        out["gap"] = float(np.mean([p != "compliance" for _, p in safe]) -
                           np.mean([D.gold[i] != "compliance" for i, _ in safe]))
    if cg:
        out["cg_bin"] = float(np.mean([(p != "compliance") == D.rows[i].example.refused for i, p in cg]))
    return out


def criterion(m: dict[str, float]) -> float:
    """What the inner CV maximises: the headline figures it can see (XSTest binary + F1, chatgpt binary)."""
    return sum(m.get(k, 0.0) for k in ("xs_bin", "xs_f1", "cg_bin"))


def worst_data_set(m: dict[str, float]) -> float:
    """fit-3b's criterion: the binary accuracy of the worse of the two data sets."""
    return min(m.get(k, 1.0) for k in ("xs_bin", "cg_bin"))


def select(idx: list[int], configs: dict[str, Fitter], worst: bool = False,
           crit: Callable[[dict[str, float]], float] = criterion) -> str:
    """The config with the best inner ``crit`` (pooled, or of the worst inner fold), gap within 3 points."""
    best: tuple[tuple[bool, float], str] | None = None
    for name, fit in configs.items():
        s = inner_scores(idx, fit)
        m = metrics(idx, verdicts(idx, s, np.zeros(3)))
        value = (min(crit(metrics(te, verdicts(te, s, np.zeros(3)))) for _, te in inner_folds(idx))
                 if worst else crit(m))
        key = (abs(m.get("gap", 0.0)) <= GAP_LIMIT, round(value, 4))
        if best is None or key > best[0]:
            best = (key, name)
    assert best is not None
    print(f"    inner CV on {len(idx)} rows chose {best[1]}", file=sys.stderr)
    return best[1]


def choose_offset(idx: list[int], s: dict[int, np.ndarray], grid_r: list[float], grid_p: list[float],
                  per_fold: bool, objective: Callable[[dict[str, float]], float]) -> Offset:
    """The (refusal, partial) offset with the best inner objective whose over-refusal gap stays
    within max(GAP_TOL, the gap without offset): pooled, or for every inner fold (per_fold)."""
    folds = [te for _, te in inner_folds(idx)] if per_fold else [idx]
    zero = [metrics(te, verdicts(te, s, np.zeros(3))) for te in folds]
    best: tuple[tuple[bool, float, float], Offset] | None = None
    for br in grid_r:
        for bp in grid_p:
            off = np.array([0.0, br, bp])
            ms = [metrics(te, verdicts(te, s, off)) for te in folds]
            ok = all(abs(m["gap"]) <= max(GAP_TOL, abs(m0["gap"])) for m, m0 in zip(ms, zero, strict=True)
                     if "gap" in m)
            key = (ok, round(float(np.mean([objective(m) for m in ms])), 4), -abs(br) - abs(bp))
            if best is None or key > best[0]:
                best = (key, off)
    assert best is not None
    print(f"    inner CV on {len(idx)} rows chose offsets {best[1][1:]}", file=sys.stderr)
    return best[1]


Learn = Callable[[Sequence[Row]], Callable[[Sequence[Row]], list[Prediction]]]


def learner(fit: Fitter, offset: Callable[[list[int]], Offset] | None = None) -> Learn:
    def learn(train: Sequence[Row]) -> Callable[[Sequence[Row]], list[Prediction]]:
        idx = D.idx(train)
        w = fit(idx)
        off = offset(idx) if offset is not None else np.zeros(3)

        def predict(test: Sequence[Row]) -> list[Prediction]:
            t = D.idx(test)
            s = D.x[t] @ w + off
            return [Prediction(v, 0.0, probability((float(a), float(b), float(c)), v))  # type: ignore[arg-type]
                    for v, (a, b, c) in zip(verdicts(t, s, np.zeros(3)), s, strict=True)]
        return predict
    return learn


def selecting(configs: dict[str, Fitter], worst: bool = False,
              crit: Callable[[dict[str, float]], float] = criterion) -> Learn:
    return learner(lambda idx: configs[select(idx, configs, worst, crit)](idx))


def bagged(idx: list[int]) -> np.ndarray:
    return centred(np.mean([fit_table(train) for train, _ in inner_folds(idx)], axis=0))


def stable(idx: list[int]) -> np.ndarray:
    """Refit without the features whose favoured class differs across the inner fits."""
    ws = [fit_table(train) for train, _ in inner_folds(idx)]
    top = np.array([np.argmax(w, axis=1) for w in ws])
    used = np.array([np.abs(w).max(axis=1) > 0 for w in ws])
    drop = [j for j in range(1, D.x.shape[1]) if used[:, j].any() and len(set(top[used[:, j], j])) > 1]
    xfit = D.xfit.copy()
    xfit[:, drop] = 0.0
    return fit_table(idx, xfit=xfit)


def _has_xs(idx: list[int]) -> bool:
    return bool(D.xs[idx].any())


def _offset_variant(grid_r: list[float], grid_p: list[float], per_fold: bool,
                    objective: Callable[[dict[str, float]], float]) -> Learn:
    def offset(idx: list[int]) -> Offset:
        if not _has_xs(idx) and grid_r == [0.0]:
            return np.zeros(3)
        s = inner_scores(idx, fit_table)
        return choose_offset(idx, s, grid_r, grid_p if _has_xs(idx) else [0.0], per_fold, objective)
    return learner(fit_table, offset)


def _weighted(idx: list[int], l2: float = L2, partial_weight: float = 2.0, chatgpt: float = 1.0) -> np.ndarray:
    return fit_table(idx, l2=l2, weight=row_weights(idx, partial_weight, chatgpt))


def _pulled(idx: list[int], lam: float, kind: str) -> np.ndarray:
    return fit_table(idx, penalty=pull(lam, kind) if lam else None)


def _l2pw(l2s: Sequence[float], pws: Sequence[float]) -> dict[str, Fitter]:
    return {f"L2 {a} partial {p}": partial(_weighted, l2=a, partial_weight=p) for a in l2s for p in pws}


def _chatgpt(weights: Sequence[float]) -> dict[str, Fitter]:
    return {f"chatgpt {c}": partial(_weighted, chatgpt=c) for c in weights}


def _balanced(idx: list[int]) -> np.ndarray:
    n_xs = int(D.xs[idx].sum())
    return fit_table(idx, weight=row_weights(idx, chatgpt=n_xs / max(1, len(idx) - n_xs) if n_xs else 1.0))


VARIANTS: dict[str, Callable[[], Learn]] = {
    "shipped": lambda: learner(fit_table),
    "fit-1": lambda: _offset_variant([0.0], OFFSETS, False, lambda m: m["xs_f1"]),
    "fit-1b": lambda: _offset_variant([0.0], OFFSETS, True, lambda m: m["xs_f1"]),
    "fit-2": lambda: selecting(_l2pw((0.3, 1.0, 3.0), (1.5, 2.0, 3.0))),
    "fit-2b": lambda: selecting(_l2pw((0.3, 1.0, 3.0), (1.5, 2.0, 3.0)), worst=True),
    "fit-2c": lambda: selecting(_l2pw((0.5, 1.0, 2.0), (2.0,))),
    "fit-2d": lambda: selecting(_l2pw((1.0,), (1.5, 2.0, 2.5))),
    "fit-3": lambda: learner(partial(_weighted, chatgpt=450 / 1706)),
    "fit-3b": lambda: selecting(_chatgpt((0.26, 0.5, 1.0, 2.0)), crit=worst_data_set),
    "fit-3c": lambda: learner(_balanced),
    "fit-4": lambda: selecting({f"share {lam}": partial(_pulled, lam=lam, kind="share")
                                for lam in (0.0, 1.0, 3.0, 10.0)}),
    "fit-5": lambda: selecting({f"ordinal {lam}": partial(_pulled, lam=lam, kind="ordinal")
                                for lam in (0.0, 1.0, 3.0, 10.0, 30.0)}),
    "fit-6": lambda: learner(rule_aware(keep_forced=False)),
    "fit-6b": lambda: learner(rule_aware(keep_forced=True)),
    "fit-7": lambda: learner(bagged),
    "fit-8": lambda: selecting({f"L1 {lam}": partial(fit_l1, l1=lam) for lam in (0.0, 0.3, 1.0, 3.0)}),
    "fit-9": lambda: learner(hierarchical),
    "fit-10": lambda: _offset_variant(COARSE, COARSE, False, criterion),
    "fit-11": lambda: selecting({f"eps {e}": smoothed(e) for e in (0.0, 0.1, 0.2, 0.3)}),
    "fit-12": lambda: learner(stable),
}
# fit-13: not candidates, a noise probe. The shipped fit nudged by 10-20% (fixed, nothing chosen)
# shows how far the figures move when nothing of substance changes.
for _l2, _pw in ((0.8, 2.0), (0.9, 2.0), (1.1, 2.0), (1.2, 2.0), (1.0, 1.8), (1.0, 2.2)):
    VARIANTS[f"probe-{_l2}-{_pw}"] = partial(learner, partial(_weighted, l2=_l2, partial_weight=_pw))


def main(argv: Sequence[str]) -> int:
    global D
    names = [a for a in argv if a in VARIANTS]
    paths = [a for a in argv if a not in VARIANTS]
    if not names or not paths:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        print("variants: " + ", ".join(VARIANTS), file=sys.stderr)
        return 2
    D = Data([make_row(e) for p in paths for e in load(Path(p))])
    for name in names:
        held = protocols(D.rows, VARIANTS[name]())
        print(f"===== {name}")
        print("\n".join(out_of_sample_report(held)[:13]))
        print("\n".join(report(figures(held, parts(D.rows)))))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
