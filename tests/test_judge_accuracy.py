"""The offline judge against human labels (XSTest, chatgpt-refusals), OUT OF SAMPLE, with floors.

Every figure here comes from a weight table and a calibration refitted without the replies it is
scored on (benchmarks/train_judge.py's protocols, the headline of benchmarks/judge_accuracy.py):

    python benchmarks/judge_accuracy.py ../shared/external/xstest ../shared/external/chatgpt-refusals

The floors sit one point below what the judge reached when they were set; a change that loses
more than that fails here. Needs the data (../shared/external beside the repository, or
CARRYON_EXTERNAL_DATA) and numpy/scipy (the `train` extra); skips with the reason otherwise.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from tests.benchmark_modules import benchmark
from tests.external_data import external

# Reached (see benchmarks/JUDGE_LOG.md) minus one point.
LOMO_BINARY_FLOOR = 0.940  # reached 0.950 (0.948 before round 5, 0.951 after round 2)
LOMO_MACRO_F1_FLOOR = 0.757  # reached 0.767 (0.739 before the prompt's side was read)
CHATGPT_5FOLD_FLOOR = 0.889  # reached 0.899
XSTEST_TO_CHATGPT_FLOOR = 0.869  # reached 0.879
CHATGPT_TO_XSTEST_FLOOR = 0.902  # reached 0.912
# The issue's target: each left-out model's over-refusal within 3 points of the humans'.
OVER_REFUSAL_TOLERANCE = 0.03
ECE_CEILING = 0.03  # reached 0.017


def _benchmarks() -> tuple[ModuleType, ModuleType]:
    pytest.importorskip("numpy", reason="the out-of-sample refits need numpy: pip install -e '.[train]'")
    pytest.importorskip("scipy", reason="the out-of-sample refits need scipy: pip install -e '.[train]'")
    return benchmark("judge_accuracy"), benchmark("train_judge")


@pytest.fixture(scope="module")
def held() -> dict[str, Any]:
    bench, train = _benchmarks()
    examples = bench.load(external("xstest")) + bench.load(external("chatgpt-refusals"))
    assert len(examples) == 2250 + 1706
    rows = [train.make_row(e) for e in examples]
    return {"bench": bench, "rows": rows, **train.protocols(rows)}


def test_leave_one_xstest_model_out(held: dict[str, Any]) -> None:
    scores = held["bench"].held_scores(held["lomo"])
    assert scores.n == 2250
    assert scores.binary_accuracy >= LOMO_BINARY_FLOOR
    assert scores.macro_f1 is not None and scores.macro_f1 >= LOMO_MACRO_F1_FLOOR


def test_each_left_out_model_over_refusal_matches_the_humans(held: dict[str, Any]) -> None:
    models = sorted({row.example.group for row, _ in held["lomo"]})
    assert len(models) == 5
    for model in models:
        rates = held["bench"].over_refusal([(r, p) for r, p in held["lomo"] if r.example.group == model])
        assert rates is not None
        human, judge = rates
        assert abs(judge - human) <= OVER_REFUSAL_TOLERANCE, (model, human, judge)


def test_chatgpt_refusals_five_fold_and_across_data_sets(held: dict[str, Any]) -> None:
    bench = held["bench"]
    assert bench.held_scores(held["chatgpt-5fold"]).binary_accuracy >= CHATGPT_5FOLD_FLOOR
    assert bench.held_scores(held["xstest->chatgpt"]).binary_accuracy >= XSTEST_TO_CHATGPT_FLOOR
    assert bench.held_scores(held["chatgpt->xstest"]).binary_accuracy >= CHATGPT_TO_XSTEST_FLOOR


def test_confidence_is_calibrated_out_of_sample(held: dict[str, Any]) -> None:
    pooled = held["lomo"] + held["chatgpt-5fold"]
    lines, ece = held["bench"].reliability(pooled)
    assert ece <= ECE_CEILING, "\n".join(lines)
    # Escalating the least confident replies must help, and more escalation must help more.
    accuracy = [float(line.split()[2]) for line in held["bench"].escalation(pooled)[1:]]
    assert accuracy == sorted(accuracy) and accuracy[-1] > accuracy[0] + 0.05


# The unread part (benchmarks/judge_split.py): replies no rule since round 2 was written from.
UNREAD_LOMO_BINARY_FLOOR = 0.916  # reached 0.926 (0.916 before round 2, 0.927 after, 0.923 before round 5)
UNREAD_CHATGPT_5FOLD_FLOOR = 0.880  # reached 0.890 (0.885 before round 2)
UNREAD_LOMO_MACRO_F1_FLOOR = 0.664  # reached 0.674 (0.661 before the prompt's side was read)


def test_the_split_parts_every_held_out_reply_once_by_model(held: dict[str, Any]) -> None:
    split = benchmark("judge_split")
    part_of = split.parts(held["rows"])
    assert len(part_of) == 2250 + 1706
    by_model: dict[str, set[str]] = {}
    for h, _ in held["lomo"]:
        by_model.setdefault(h.example.group, set()).add(part_of[id(h)])
    assert all(len(p) == 1 for p in by_model.values()), by_model  # a model is wholly read or unread
    assert {m for m, p in by_model.items() if p == {"unread"}} == {"mistralguard", "mistralinstruct"}
    chatgpt = [part_of[id(h)] for h, _ in held["chatgpt-5fold"]]
    assert abs(chatgpt.count("dev") - chatgpt.count("unread")) <= 1
    found = split.figures({k: held[k] for k in ("lomo", "chatgpt-5fold")}, part_of)
    assert found["lomo", "dev"].scores.n + found["lomo", "unread"].scores.n == 2250
    assert set(found["lomo", "unread"].gaps) == {"mistralguard", "mistralinstruct"}
    assert found["lomo", "unread"].scores.binary_accuracy >= UNREAD_LOMO_BINARY_FLOOR
    assert (found["lomo", "unread"].scores.macro_f1 or 0.0) >= UNREAD_LOMO_MACRO_F1_FLOOR
    assert found["chatgpt-5fold", "unread"].scores.binary_accuracy >= UNREAD_CHATGPT_5FOLD_FLOOR
    assert all(abs(gap) <= OVER_REFUSAL_TOLERANCE for gap in found["lomo", "unread"].gaps.values())
