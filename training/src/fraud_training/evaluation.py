"""One scorer's full report on one assessment block: ranking metrics, card precision@100 per
day, and at each decision threshold the confusion matrix, amount-weighted and per-scenario
recall."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraud_training.metrics import (
    at_threshold,
    average_precision,
    card_precision_at_k,
    recall_at_fpr,
    recall_by_group,
    roc_auc,
    threshold_for_alert_rate,
    threshold_for_precision,
)

REVIEW_ALERT_RATE = 0.01  # analysts can look at about 1 in 100 payments
BLOCK_PRECISION = 0.9  # block only where 9 in 10 blocked payments are fraud


def thresholds_from_validation(
    score: npt.NDArray[np.float64], positive: npt.NDArray[np.int64]
) -> dict[str, float]:
    """``review``: the score above which ~1% of validation payments fall; ``block``: the lowest
    score whose validation alerts are >= 90% fraud (never below review)."""
    review = threshold_for_alert_rate(score, REVIEW_ALERT_RATE)
    block = threshold_for_precision(score, positive, BLOCK_PRECISION)
    return {"review": min(review, 1.0), "block": min(max(block, review), 1.0)}


def evaluate(
    score: npt.NDArray[np.float64], rows: pd.DataFrame, thresholds: dict[str, float]
) -> dict[str, Any]:
    """``rows``: the assessment block's event_time, card_id, amount, is_fraud and scenario."""
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
    return report
