"""The deployed policy offline is production's decide_batch: the model's thresholds or any rule
R01-R04, never a copy of them; each rule's additions are the alerts the model alone approves."""

import numpy as np
import pandas as pd

from fraud_training.policy import decision_levels, evaluate_policy, rules_added
from fraudcore.decisions import RULES
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds

THRESHOLDS = Thresholds(review=0.5, block=0.9)


def features(n: int) -> np.ndarray:
    x = np.zeros((n, len(FEATURE_NAMES)))
    x[:, FEATURE_NAMES.index("amount")] = 50.0
    return x


def with_travel(x: np.ndarray, row: int) -> np.ndarray:
    x[row, FEATURE_NAMES.index("distance_from_last_km")] = 5_000.0
    x[row, FEATURE_NAMES.index("speed_from_last_kmh")] = 3_000.0
    return x


def test_levels_follow_the_score_and_a_rule_escalates_an_approval() -> None:
    x = with_travel(features(4), 0)
    levels = decision_levels(np.array([0.1, 0.1, 0.6, 0.95]), x, THRESHOLDS)
    assert levels.tolist() == [1.0, 0.0, 1.0, 2.0]


def test_rules_added_counts_only_what_the_model_leaves_below_review() -> None:
    x = with_travel(with_travel(features(3), 0), 1)
    added = rules_added(np.array([0.1, 0.7, 0.2]), x, FEATURE_NAMES,
                        np.array([True, True, False]), THRESHOLDS.review)  # fmt: skip
    assert set(added) == {rule.id for rule in RULES}
    travel = added["R01-IMPOSSIBLE-TRAVEL"]
    assert travel == {"fires": 2, "fires_on_fraud": 2, "added_alerts": 1, "added_frauds": 1}
    assert added["R02-CARD-TESTING"]["fires"] == 0


def test_the_policy_report_counts_reviews_and_blocks_without_ranking_metrics() -> None:
    at = pd.Timestamp("2026-03-02", tz="UTC")
    rows = pd.DataFrame(
        {
            "event_time": [at + pd.Timedelta(minutes=m) for m in range(4)],
            "card_id": ["a", "b", "c", "d"],
            "merchant_id": ["m"] * 4,
            "amount": [10.0, 20.0, 30.0, 40.0],
            "is_fraud": [True, False, True, False],
            "scenario": ["account_takeover", "genuine", "card_testing", "genuine"],
        }
    )
    x = with_travel(features(4), 0)
    scores = np.array([0.1, 0.2, 0.95, 0.6])
    levels = decision_levels(scores, x, THRESHOLDS)
    report = evaluate_policy(levels, scores, x, names=FEATURE_NAMES, rows=rows,
                             thresholds=THRESHOLDS, earlier_incidents=set())  # fmt: skip
    assert "ap" not in report
    assert "cp100" not in report
    assert (report["review"]["tp"], report["review"]["fp"]) == (2, 1)
    assert (report["block"]["tp"], report["block"]["fp"]) == (1, 0)
    assert report["review"]["incidents"]["all"]["detection_rate"] == 1.0
    assert report["rules_added"]["R01-IMPOSSIBLE-TRAVEL"]["added_frauds"] == 1
