"""Baselines trained and scored in the same run as the model: logistic regression on the same
features (imputed, scaled), and a few hand-written rules an analyst would start from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from fraud_training.metrics import average_precision

Matrix = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int64]
LR_C = (0.01, 0.1, 1.0)


def logistic_regression(c: float) -> Pipeline:
    # NaN means "no history": median-impute and add a missing-indicator column, then scale.
    return make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True),
        StandardScaler(),
        LogisticRegression(C=c, max_iter=2000, random_state=0),
    )


def choose_c(
    folds: Sequence[tuple[Matrix, Labels, Matrix, Labels]],
) -> tuple[float, dict[float, float], npt.NDArray[np.float64]]:
    """The C with the best mean validation AP, each C's mean AP, and the chosen C's validation
    scores (folds concatenated, for its thresholds)."""
    mean_ap, scores = {}, {}
    for c in LR_C:
        scores[c] = [
            logistic_regression(c).fit(x, y).predict_proba(xv)[:, 1] for x, y, xv, _ in folds
        ]
        mean_ap[c] = float(
            np.mean([average_precision(s, f[3]) for s, f in zip(scores[c], folds, strict=True)])
        )
    best = max(LR_C, key=lambda c: mean_ap[c])
    return best, mean_ap, np.concatenate(scores[best]).astype(np.float64)


@dataclass(frozen=True)
class Rule:
    rule_id: str
    description: str
    fires: Callable[[dict[str, npt.NDArray[np.float64]]], npt.NDArray[np.bool_]]


# Decayed counts: card_count_1h is the card's earlier payments weighted by exp(-age / 1 h).
RULES: tuple[Rule, ...] = (
    Rule("card_testing_burst", "3+ recent payments on the card, this one small and online",
         lambda f: (f["card_count_1h"] >= 2.0) & (f["amount"] < 10) & (f["channel_online"] == 1)),
    Rule("impossible_travel", "faster than an airliner since the card's last payment",
         lambda f: (f["speed_from_last_kmh"] > 900) & (f["distance_from_last_km"] > 300)),
    Rule("new_device_new_country", "a device and a country the card has never used",
         lambda f: (f["new_device"] == 1) & (f["new_country"] == 1)),
    Rule("risky_merchant", "2+ frauds reported at this merchant in the last 7 days",
         lambda f: f["merchant_fraud_7d"] >= 2),
    Rule("amount_spike", "4x the card's 30-day mean on an established card",
         lambda f: (f["amount_to_card_mean"] > 4) & (f["card_count_30d"] >= 5)),
    Rule("new_category_big", "a category new to the card at 2x its usual amount",
         lambda f: (f["new_category"] == 1) & (f["amount_to_card_mean"] > 2)),
)  # fmt: skip


def rule_hits(features: Matrix, names: Sequence[str]) -> dict[str, npt.NDArray[np.bool_]]:
    columns = {name: features[:, index] for index, name in enumerate(names)}
    # Comparisons with NaN (no history) are False: a rule needs its evidence.
    with np.errstate(invalid="ignore"):
        return {rule.rule_id: np.asarray(rule.fires(columns), dtype=np.bool_) for rule in RULES}


def rules_score(features: Matrix, names: Sequence[str]) -> npt.NDArray[np.float64]:
    """How many rules fire: alert at >= 1."""
    hits = rule_hits(features, names)
    return np.asarray(np.stack(list(hits.values())).sum(axis=0), dtype=np.float64)
