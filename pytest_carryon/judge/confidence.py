"""How sure the judge is of a verdict: a probability, calibrated on replies the table never saw.

The weight table is a multinomial logistic regression, so a softmax of the class scores is the
table's own probability of each class. Fitted tables are over-confident on new data, so that
probability is recalibrated (Platt scaling on its logit: two numbers, ``slope`` and
``intercept`` in ``weights.json``) to the share of verdicts that were right when the table was
fitted without them (``benchmarks/train_judge.py`` fits both by cross-validation).
"""

from __future__ import annotations

import math

from pytest_carryon.judge.score import CLASSES, Table, Verdict

__all__ = ["confidence", "probability"]

_EDGE = 1e-6


def probability(class_scores: tuple[float, float, float], verdict: Verdict) -> float:
    """The table's own (uncalibrated) probability of ``verdict``: a softmax of the scores."""
    top = max(class_scores)
    exps = [math.exp(s - top) for s in class_scores]
    return exps[CLASSES.index(verdict)] / sum(exps)


def confidence(class_scores: tuple[float, float, float], verdict: Verdict, table: Table) -> float:
    """The calibrated probability that ``verdict`` is right, in [0, 1]."""
    p = min(max(probability(class_scores, verdict), _EDGE), 1 - _EDGE)
    z = table.slope * math.log(p / (1 - p)) + table.intercept
    return 1 / (1 + math.exp(-z)) if z > -700 else 0.0
