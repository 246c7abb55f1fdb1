"""The policy production runs, evaluated offline: ``fraudcore.decisions.decide_batch`` over the
served (ONNX) scores and the float32 feature rows, so a payment is reviewed when the model's
score reaches review or a rule fires, and blocked when the score reaches block.

Its report is the model's, with the decision as the score (approve 0, review 1, block 2): the
ranking metrics of a three-level score say nothing and are left out. Beside it, what each rule
adds: the alerts and frauds it raises that the model alone would have approved."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraud_training.baselines import rule_hits
from fraud_training.evaluation import RECALL_AT_CLAIMED, evaluate
from fraudcore.decisions import decide_batch
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision

LEVEL = {Decision.APPROVE: 0.0, Decision.REVIEW: 1.0, Decision.BLOCK: 2.0}
LEVEL_THRESHOLDS = {"review": 1.0, "block": 2.0}  # review: any alert; block: blocked
RANKING = ("ap", "auc", "recall_at_1pct_fpr", RECALL_AT_CLAIMED, "cp100", "cp100_per_day")


def decision_levels(
    scores: npt.NDArray[np.float64], features: npt.NDArray[np.float64], thresholds: Thresholds
) -> npt.NDArray[np.float64]:
    decided = decide_batch(
        np.asarray(scores, dtype=np.float32), np.asarray(features, dtype=np.float32), thresholds
    )
    return np.array([LEVEL[decision] for decision, _ in decided], dtype=np.float64)


def rules_added(
    scores: npt.NDArray[np.float64],
    features: npt.NDArray[np.float64],
    names: Sequence[str],
    positive: npt.NDArray[np.bool_],
    review: float,
) -> dict[str, dict[str, int]]:
    """Per rule: payments it fires on, frauds among them, and of those the ones the model alone
    leaves below review (what the rule adds to the analysts' queue)."""
    below = np.asarray(scores, dtype=np.float32) < np.float32(review)
    return {
        rule_id: {
            "fires": int(fires.sum()),
            "fires_on_fraud": int((fires & positive).sum()),
            "added_alerts": int((fires & below).sum()),
            "added_frauds": int((fires & below & positive).sum()),
        }
        for rule_id, fires in rule_hits(features, names).items()
    }


def evaluate_policy(
    levels: npt.NDArray[np.float64],
    scores: npt.NDArray[np.float64],
    features: npt.NDArray[np.float64],
    *,
    names: Sequence[str],
    rows: pd.DataFrame,
    thresholds: Thresholds,
    earlier_incidents: set[str],
) -> dict[str, Any]:
    """``review``: every payment not approved (the analysts' queue and the blocks), ``block``:
    the blocked ones; the same figures as the model's at its thresholds. ``levels`` are
    ``decision_levels`` of the same scores and rows."""
    report = evaluate(levels, rows, LEVEL_THRESHOLDS, earlier_incidents)
    for key in RANKING:
        report.pop(key)
    positive = rows["is_fraud"].to_numpy(bool)
    report["rules_added"] = rules_added(scores, features, names, positive, thresholds.review)
    return report
