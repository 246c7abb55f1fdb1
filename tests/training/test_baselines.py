"""The rules baseline fires on its evidence only, and logistic regression copes with NaN."""

import numpy as np

from fraud_training.baselines import RULES, logistic_regression, rule_hits, rules_score
from fraudcore.features import FEATURE_NAMES


def rows(**overrides: float) -> np.ndarray:
    row = np.zeros(len(FEATURE_NAMES))
    row[FEATURE_NAMES.index("amount")] = 50.0
    for name, value in overrides.items():
        row[FEATURE_NAMES.index(name)] = value
    return row[None, :]


def test_every_rule_reads_existing_features() -> None:
    hits = rule_hits(rows(), FEATURE_NAMES)
    assert set(hits) == {rule.rule_id for rule in RULES}
    assert not any(hit.any() for hit in hits.values())


def test_rules_fire_on_their_evidence() -> None:
    burst = rows(card_count_1h=3.0, amount=2.0, channel_online=1.0)
    travel = rows(speed_from_last_kmh=5000.0, distance_from_last_km=2000.0)
    both = rows(new_device=1.0, new_country=1.0, merchant_fraud_7d=3.0)
    assert rule_hits(burst, FEATURE_NAMES)["card_testing_burst"].all()
    assert rule_hits(travel, FEATURE_NAMES)["impossible_travel"].all()
    assert rules_score(both, FEATURE_NAMES).tolist() == [2.0]


def test_missing_history_fires_no_rule() -> None:
    row = rows()
    row[:, FEATURE_NAMES.index("amount_to_card_mean")] = np.nan
    row[:, FEATURE_NAMES.index("card_count_30d")] = np.nan
    assert rules_score(row, FEATURE_NAMES).tolist() == [0.0]


def test_logistic_regression_imputes_missing_values() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    x[rng.random(x.shape) < 0.2] = np.nan
    y = (np.nan_to_num(x[:, 0]) > 0.5).astype(np.int64)
    score = logistic_regression(1.0).fit(x, y).predict_proba(x)[:, 1]
    assert np.isfinite(score).all()
