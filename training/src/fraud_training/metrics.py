"""Model-quality metrics, one definition for training, the benchmark and the tests.

Ranking metrics treat tied scores as one threshold (a threshold cannot split a tie), so a
constant score gets AP = prevalence and AUC = 0.5 whatever the row order.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
Array = npt.ArrayLike


def _ranked(score: Array, positive: Array) -> tuple[FloatArray, FloatArray]:
    """True and false positives counted at each distinct threshold, highest score first."""
    s = np.asarray(score, dtype=np.float64)
    order = np.argsort(-s, kind="stable")
    return counts_in_order(s[order], np.asarray(positive)[order])


def counts_in_order(
    ranked_score: FloatArray, ranked_positive: Array
) -> tuple[FloatArray, FloatArray]:
    """Cumulative true and false positives at the end of each run of equal scores, for rows
    already ranked from the first alerted to the last."""
    y = np.asarray(ranked_positive).astype(np.float64)
    group_end = np.r_[ranked_score[1:] != ranked_score[:-1], True]
    return np.cumsum(y)[group_end], np.cumsum(1.0 - y)[group_end]


def average_precision(score: Array, positive: Array) -> float:
    """Area under the precision-recall curve as a step sum (PR-AUC, as scikit-learn defines AP)."""
    return ap_from_counts(*_ranked(score, positive))


def ap_from_counts(tp: FloatArray, fp: FloatArray) -> float:
    if len(tp) == 0 or tp[-1] == 0:
        return 0.0
    precision = tp / (tp + fp)
    return float((precision * np.diff(np.r_[0.0, tp])).sum() / tp[-1])


def roc_auc(score: Array, positive: Array) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    tp, fp = _ranked(score, positive)
    if len(tp) == 0 or tp[-1] == 0 or fp[-1] == 0:
        return float("nan")
    tpr, fpr = np.r_[0.0, tp / tp[-1]], np.r_[0.0, fp / fp[-1]]
    return float(np.trapezoid(tpr, fpr))


def recall_at_fpr(score: Array, positive: Array, max_fpr: float = 0.01) -> float:
    """The highest recall of any threshold whose false-positive rate stays within ``max_fpr``."""
    tp, fp = _ranked(score, positive)
    if len(tp) == 0 or tp[-1] == 0 or fp[-1] == 0:
        return float("nan")
    allowed = fp / fp[-1] <= max_fpr
    return float((tp[allowed] / tp[-1]).max()) if allowed.any() else 0.0


def card_precision_at_k(
    day: Array, card: Array, score: Array, positive: Array, k: int = 100
) -> tuple[float, list[float]]:
    """Mean over days of the share of truly compromised cards among the day's ``k`` cards with
    the highest score (a card scores its highest transaction that day, and is compromised if any
    of its transactions that day is fraud). Cards found compromised in an earlier day's top ``k``
    are left out of later days: an investigator already blocked them (the handbook's rule)."""
    frame = pd.DataFrame(
        {"day": np.asarray(day), "card": np.asarray(card), "score": np.asarray(score, float),
         "positive": np.asarray(positive).astype(np.int8)}
    )  # fmt: skip
    per_card = frame.groupby(["day", "card"], sort=True).agg(
        score=("score", "max"), positive=("positive", "max")
    )
    detected: set[Any] = set()
    per_day: list[float] = []
    for _, day_cards in per_card.groupby(level="day", sort=True):
        cards = day_cards.droplevel("day")
        top = cards[~cards.index.isin(detected)]
        top = top.sort_values("score", ascending=False, kind="stable").head(k)
        found = top.index[top["positive"] == 1]
        per_day.append(len(found) / k)
        detected.update(found)
    return (float(np.mean(per_day)) if per_day else float("nan")), per_day


def threshold_for_alert_rate(score: Array, alert_rate: float) -> float:
    """The lowest score such that at most ``alert_rate`` of the rows score at or above it."""
    s = np.sort(np.asarray(score, dtype=np.float64))[::-1]
    budget = int(np.floor(alert_rate * len(s)))
    if budget == 0:
        return float(np.nextafter(s[0], np.inf))
    # Ties with the last alerted row would overshoot the budget: step above them.
    cut = s[budget - 1]
    return float(cut if s[budget] < cut else np.nextafter(cut, np.inf))


def threshold_for_precision(score: Array, positive: Array, min_precision: float) -> float:
    """The lowest threshold whose alerts (score >= threshold) reach ``min_precision``; above the
    highest score when none does."""
    s = np.asarray(score, dtype=np.float64)
    tp, fp = _ranked(s, positive)
    thresholds = np.unique(s)[::-1]
    precise = tp / np.maximum(tp + fp, 1.0) >= min_precision
    if not precise.any():
        return float(np.nextafter(thresholds[0], np.inf))
    return float(thresholds[np.flatnonzero(precise)[-1]])


@dataclass(frozen=True)
class ThresholdMetrics:
    threshold: float
    precision: float
    recall: float
    f1: float
    accuracy: float
    alert_rate: float
    amount_weighted_recall: float
    tn: int
    fp: int
    fn: int
    tp: int

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


def at_threshold(
    score: Array, positive: Array, threshold: float, amount: Array | None = None
) -> ThresholdMetrics:
    """Confusion matrix and its rates for alerts ``score >= threshold``; amount-weighted recall
    is the share of fraudulent money alerted on (1 when amounts are not given and recall is)."""
    alert = np.asarray(score, dtype=np.float64) >= threshold
    y = np.asarray(positive).astype(bool)
    tp, fp = int((alert & y).sum()), int((alert & ~y).sum())
    fn, tn = int((~alert & y).sum()), int((~alert & ~y).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    money = np.ones(len(y)) if amount is None else np.asarray(amount, dtype=np.float64)
    fraud_money = money[y].sum()
    return ThresholdMetrics(
        threshold=float(threshold),
        precision=precision,
        recall=recall,
        f1=2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        accuracy=(tp + tn) / len(y) if len(y) else float("nan"),
        alert_rate=float(alert.mean()) if len(y) else float("nan"),
        amount_weighted_recall=float(money[alert & y].sum() / fraud_money) if fraud_money else 0.0,
        tn=tn, fp=fp, fn=fn, tp=tp,
    )  # fmt: skip


def recall_by_group(score: Array, group: Array, threshold: float) -> dict[str, float]:
    """Recall within each group of positives (e.g. fraud scenario) at ``threshold``; pass the
    group labels of positive rows only."""
    alert = pd.Series(np.asarray(score, dtype=np.float64) >= threshold)
    return {
        str(name): float(hits.mean()) for name, hits in alert.groupby(np.asarray(group), sort=True)
    }


@dataclass(frozen=True)
class Costs:
    """What a decision threshold costs: every alert an analyst reviews costs ``review_cost``, a
    fraud let through loses ``fraud_loss_share`` of its amount (amounts in the data's units)."""

    review_cost: float
    fraud_loss_share: float

    def at(self, score: Array, positive: Array, amount: Array, threshold: float) -> dict[str, Any]:
        alert = np.asarray(score, dtype=np.float64) >= threshold
        y = np.asarray(positive).astype(bool)
        missed = float(np.asarray(amount, dtype=np.float64)[y & ~alert].sum())
        review = self.review_cost * int(alert.sum())
        return {"threshold": float(threshold), "alerts": int(alert.sum()), "review_cost": review,
                "fraud_loss": self.fraud_loss_share * missed,
                "total": review + self.fraud_loss_share * missed}  # fmt: skip

    def cheapest_threshold(self, score: Array, positive: Array, amount: Array) -> float:
        """The threshold with the lowest total cost (the highest one among equals); above the
        highest score when alerting on nothing is cheapest."""
        s = np.asarray(score, dtype=np.float64)
        order = np.argsort(-s, kind="stable")
        ranked = s[order]
        caught = np.asarray(amount, dtype=np.float64)[order] * np.asarray(positive)[order]
        group_end = np.r_[ranked[1:] != ranked[:-1], True]
        alerts = np.arange(1, len(s) + 1)[group_end]
        lost = self.fraud_loss_share * (caught.sum() - np.cumsum(caught)[group_end])
        cost = np.r_[self.fraud_loss_share * caught.sum(), self.review_cost * alerts + lost]
        best = int(np.argmin(cost))  # first minimum: the fewest alerts
        return (
            float(np.nextafter(ranked[0], np.inf))
            if best == 0
            else float(ranked[group_end][best - 1])
        )


def recall_at_precision(score: Array, positive: Array, min_precision: float) -> float:
    """The highest recall of any threshold whose alerts reach ``min_precision`` (0 if none)."""
    tp, fp = _ranked(score, positive)
    if len(tp) == 0 or tp[-1] == 0:
        return 0.0
    precise = tp / np.maximum(tp + fp, 1.0) >= min_precision
    return float((tp[precise] / tp[-1]).max()) if precise.any() else 0.0
