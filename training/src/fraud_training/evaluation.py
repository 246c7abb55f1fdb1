"""One scorer's full report on one assessment block: ranking metrics, card precision@100 per
day, and at each decision threshold the confusion matrix, amount-weighted and per-scenario
recall and, given the incidents begun before the block, detection per incident."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraud_training.incidents import detection
from fraud_training.metrics import (
    Costs,
    at_threshold,
    average_precision,
    card_precision_at_k,
    recall_at_fpr,
    recall_at_precision,
    recall_by_group,
    roc_auc,
    threshold_for_alert_rate,
    threshold_for_precision,
)

REVIEW_ALERT_RATE = 0.01  # analysts can look at about 1 in 100 payments
BLOCK_PRECISION = 0.9  # block only where 9 in 10 blocked payments are fraud
# The precision the design this project replaces claims (recall 0.85 at precision 0.74).
CLAIMED_PRECISION = 0.74
RECALL_AT_CLAIMED = f"recall_at_precision_{CLAIMED_PRECISION:g}"


def thresholds_from_validation(
    score: npt.NDArray[np.float64], positive: npt.NDArray[np.int64]
) -> dict[str, float]:
    """``review``: the score above which ~1% of validation payments fall; ``block``: the lowest
    score whose validation alerts are >= 90% fraud (never below review)."""
    review = threshold_for_alert_rate(score, REVIEW_ALERT_RATE)
    block = threshold_for_precision(score, positive, BLOCK_PRECISION)
    return {"review": min(review, 1.0), "block": min(max(block, review), 1.0)}


def evaluate(
    score: npt.NDArray[np.float64],
    rows: pd.DataFrame,
    thresholds: dict[str, float],
    earlier_incidents: set[str] | None = None,
) -> dict[str, Any]:
    """``rows``: the assessment block's event_time, card_id, amount, is_fraud and scenario (and
    merchant_id with ``earlier_incidents``, the keys of incidents begun before the block)."""
    positive = rows["is_fraud"].to_numpy(bool)
    day = rows["event_time"].dt.floor("D")
    # Plain datetime64 days: tz-aware values would become slow per-row Timestamp objects.
    day = (day.dt.tz_localize(None) if day.dt.tz is not None else day).to_numpy()
    cp100, per_day = card_precision_at_k(day, rows["card_id"].to_numpy(), score, positive, 100)
    report: dict[str, Any] = {
        "rows": len(rows),
        "frauds": int(positive.sum()),
        "ap": average_precision(score, positive),
        "auc": roc_auc(score, positive),
        "recall_at_1pct_fpr": recall_at_fpr(score, positive, 0.01),
        RECALL_AT_CLAIMED: recall_at_precision(score, positive, CLAIMED_PRECISION),
        "cp100": cp100,
        "cp100_per_day": per_day,
    }
    for name, threshold in thresholds.items():
        metrics = at_threshold(score, positive, threshold, rows["amount"].to_numpy(float))
        report[name] = metrics.to_dict() | {
            "recall_by_scenario": recall_by_group(
                score[positive], rows["scenario"].to_numpy()[positive], threshold
            )
        }
        if earlier_incidents is not None:
            report[name]["incidents"] = detection(rows, score >= threshold, earlier_incidents)
    return report


# A reviewed alert costs an analyst's few minutes; a missed fraud its whole amount (chargeback).
COSTS = Costs(review_cost=5.0, fraud_loss_share=1.0)


def cost_report(
    scores: dict[str, npt.NDArray[np.float64]],
    rows: pd.DataFrame,
    thresholds: dict[str, dict[str, float]],
) -> dict[str, Any]:
    """Each scorer's cost on the block at each of its thresholds, beside alerting on nothing."""
    positive, amount = rows["is_fraud"].to_numpy(bool), rows["amount"].to_numpy(float)
    report: dict[str, Any] = {
        "parameters": {
            "review_cost": COSTS.review_cost,
            "fraud_loss_share": COSTS.fraud_loss_share,
            "units": "the data's amount units",
            "assumes": "every alert is reviewed; an alerted fraud is stopped",
        },
        "alert_nothing": COSTS.at(np.zeros(len(rows)), positive, amount, 1.0)["total"],
    }
    for name, used in thresholds.items():
        report[name] = {
            threshold: COSTS.at(scores[name], positive, amount, value)
            for threshold, value in used.items()
        }
    return report
