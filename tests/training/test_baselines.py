"""The rules baseline is production's rule set (fraudcore.decisions), fires on its evidence
only, and logistic regression copes with NaN."""

import numpy as np

from fraud_training.baselines import logistic_regression, rule_hits, rules_score
from fraudcore.decisions import RULES
from fraudcore.features import FEATURE_NAMES


def rows(**overrides: float) -> np.ndarray:
    row = np.zeros(len(FEATURE_NAMES))
    row[FEATURE_NAMES.index("amount")] = 50.0
    for name, value in overrides.items():
        row[FEATURE_NAMES.index(name)] = value
    return row[None, :]


def test_the_baseline_rules_are_the_production_rules() -> None:
    hits = rule_hits(rows(), FEATURE_NAMES)
    assert list(hits) == [rule.id for rule in RULES]
    assert not any(hit.any() for hit in hits.values())


def test_rules_fire_on_their_evidence() -> None:
    burst = rows(card_count_1h=4.0, amount=2.0, channel_online=1.0, new_merchant=1.0)
    travel = rows(speed_from_last_kmh=5000.0, distance_from_last_km=2000.0)
    both = rows(new_device=1.0, amount_to_card_mean=9.0, merchant_labels_30d=12.0,
                merchant_risk_30d=0.6)  # fmt: skip
    assert rule_hits(burst, FEATURE_NAMES)["R02-CARD-TESTING"].all()
    assert rule_hits(travel, FEATURE_NAMES)["R01-IMPOSSIBLE-TRAVEL"].all()
    assert rules_score(both, FEATURE_NAMES).tolist() == [2.0]


def test_missing_history_fires_no_rule() -> None:
    row = rows(new_device=1.0, merchant_labels_30d=12.0)
    row[:, FEATURE_NAMES.index("amount_to_card_mean")] = np.nan
    row[:, FEATURE_NAMES.index("merchant_risk_30d")] = np.nan
    assert rules_score(row, FEATURE_NAMES).tolist() == [0.0]


def test_logistic_regression_imputes_missing_values() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    x[rng.random(x.shape) < 0.2] = np.nan
    y = (np.nan_to_num(x[:, 0]) > 0.5).astype(np.int64)
    score = logistic_regression(1.0).fit(x, y).predict_proba(x)[:, 1]
    assert np.isfinite(score).all()
