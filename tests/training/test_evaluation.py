"""Thresholds from validation scores and the report of one scorer on a test block."""

import numpy as np
import pandas as pd
import pytest

from fraud_training.evaluation import evaluate, thresholds_from_validation


def test_review_alerts_about_one_percent_and_block_is_precise() -> None:
    rng = np.random.default_rng(0)
    positive = (rng.random(20_000) < 0.01).astype(np.int64)
    score = np.clip(rng.normal(0.2, 0.1, 20_000) + 0.5 * positive * rng.random(20_000), 0, 1)
    thresholds = thresholds_from_validation(score, positive)
    assert (score >= thresholds["review"]).mean() == pytest.approx(0.01, abs=0.0005)
    assert thresholds["block"] >= thresholds["review"]
    blocked = score >= thresholds["block"]
    assert positive[blocked].mean() >= 0.9


def test_report_has_every_metric_and_per_scenario_recall() -> None:
    rows = pd.DataFrame(
        {
            "event_time": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 11:00",
                                          "2026-01-06 09:00", "2026-01-06 12:00"], utc=True),
            "card_id": ["a", "b", "a", "c"],
            "amount": [10.0, 20.0, 30.0, 40.0],
            "is_fraud": [True, False, False, True],
            "scenario": ["card_testing", "genuine", "genuine", "account_takeover"],
        }
    )  # fmt: skip
    score = np.array([0.9, 0.2, 0.8, 0.6])
    report = evaluate(score, rows, {"review": 0.5, "block": 0.85})
    assert report["ap"] == pytest.approx((1 + 2 / 3) / 2)
    assert report["review"]["recall_by_scenario"] == {"account_takeover": 1.0, "card_testing": 1.0}
    assert report["block"]["recall_by_scenario"] == {"account_takeover": 0.0, "card_testing": 1.0}
    assert report["block"]["amount_weighted_recall"] == pytest.approx(10 / 50)
    # Day 1: a (fraud) tops; day 2 without a: c (fraud) -> CP@100 = 1/100 each day.
    assert report["cp100_per_day"] == [0.01, 0.01]
