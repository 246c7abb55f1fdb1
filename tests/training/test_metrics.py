"""Metric functions against hand-computed cases and scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

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


def test_average_precision_on_hand_computed_cases() -> None:
    assert average_precision([0.9, 0.8, 0.1], [1, 0, 0]) == 1.0
    assert average_precision([0.1, 0.8, 0.9], [1, 0, 0]) == pytest.approx(1 / 3)
    # Ranked 1,0,1,0: precision 1 at the first hit, 2/3 at the second -> (1 + 2/3) / 2.
    assert average_precision([4, 3, 2, 1], [1, 0, 1, 0]) == pytest.approx(5 / 6)
    # A tie cannot be split: a constant score gets the prevalence.
    assert average_precision(np.ones(4), [1, 0, 0, 0]) == pytest.approx(0.25)
    assert average_precision([0.3, 0.2], [0, 0]) == 0.0


def test_roc_auc_on_hand_computed_cases() -> None:
    assert roc_auc([0.9, 0.8, 0.1], [1, 0, 0]) == 1.0
    assert roc_auc([4, 3, 2, 1], [1, 0, 1, 0]) == pytest.approx(0.75)
    assert roc_auc([1, 1, 1, 1], [1, 0, 1, 0]) == pytest.approx(0.5)
    assert np.isnan(roc_auc([0.2, 0.1], [1, 1]))


def test_ranking_metrics_agree_with_scikit_learn_on_random_ties() -> None:
    rng = np.random.default_rng(0)
    score = rng.integers(0, 20, 2_000) / 20  # many ties
    positive = rng.random(2_000) < 0.1 + 0.5 * score
    assert average_precision(score, positive) == pytest.approx(
        average_precision_score(positive, score)
    )
    assert roc_auc(score, positive) == pytest.approx(roc_auc_score(positive, score))


def test_recall_at_fpr_takes_the_best_threshold_within_the_budget() -> None:
    score = np.arange(200, 0, -1, dtype=float)  # 200 rows, highest first
    positive = np.zeros(200, dtype=bool)
    positive[[0, 1, 3, 150]] = True  # 196 negatives: 1% allows one false positive
    assert recall_at_fpr(score, positive, 0.01) == pytest.approx(3 / 4)
    assert recall_at_fpr(score, positive, 0.0) == pytest.approx(2 / 4)


def test_card_precision_at_k_ranks_cards_by_their_best_score_and_forgets_found_cards() -> None:
    day = [0, 0, 0, 0, 1, 1, 1]
    card = ["a", "a", "b", "c", "a", "b", "c"]
    score = [0.9, 0.1, 0.8, 0.2, 0.9, 0.5, 0.4]
    positive = [0, 1, 0, 1, 1, 0, 1]
    # Day 0, top 2 cards: a (0.9, has a fraud) and b (0.8, none) -> 1/2; a is now known.
    # Day 1 without a: b (0.5, none) and c (0.4, fraud) -> 1/2.
    mean, per_day = card_precision_at_k(day, card, score, positive, k=2)
    assert per_day == [0.5, 0.5]
    assert mean == 0.5
    # With k=1, day 1 keeps only b on top (a removed): 0.
    assert card_precision_at_k(day, card, score, positive, k=1)[1] == [1.0, 0.0]


def test_confusion_matrix_and_rates_at_a_threshold() -> None:
    score = [0.9, 0.8, 0.7, 0.2, 0.1]
    positive = [1, 0, 1, 1, 0]
    amount = [10.0, 1.0, 30.0, 60.0, 1.0]
    m = at_threshold(score, positive, 0.5, amount)
    assert (m.tp, m.fp, m.fn, m.tn) == (2, 1, 1, 1)
    assert m.precision == pytest.approx(2 / 3)
    assert m.recall == pytest.approx(2 / 3)
    assert m.f1 == pytest.approx(2 / 3)
    assert m.accuracy == pytest.approx(3 / 5)
    assert m.alert_rate == pytest.approx(3 / 5)
    assert m.amount_weighted_recall == pytest.approx(40 / 100)


def test_recall_by_group_counts_alerted_positives_per_scenario() -> None:
    got = recall_by_group([0.9, 0.1, 0.7, 0.6], ["x", "x", "y", "y"], 0.5)
    assert got == {"x": 0.5, "y": 1.0}


def test_alert_rate_threshold_never_exceeds_the_budget() -> None:
    score = np.array([0.9, 0.8, 0.8, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.0])
    assert threshold_for_alert_rate(score, 0.1) == 0.9
    # The second alert would tie with the third: step above the tie, one alert only.
    cut = threshold_for_alert_rate(score, 0.2)
    assert (score >= cut).sum() == 1
    assert (score >= threshold_for_alert_rate(score, 0.3)).sum() == 3


def test_precision_threshold_is_the_lowest_that_reaches_the_target() -> None:
    score = [0.9, 0.8, 0.7, 0.6, 0.5]
    positive = [1, 1, 0, 1, 0]
    assert threshold_for_precision(score, positive, 0.75) == 0.6  # 3 of 4
    assert threshold_for_precision(score, positive, 1.0) == 0.8
    assert threshold_for_precision([0.5, 0.4], [0, 0], 0.9) > 0.5


def test_costs_count_reviews_and_missed_fraud_amounts() -> None:
    costs = Costs(review_cost=5.0, fraud_loss_share=0.5)
    at = costs.at([0.9, 0.6, 0.4, 0.1], [1, 0, 1, 0], [100.0, 50.0, 40.0, 30.0], 0.5)
    assert at == {"threshold": 0.5, "alerts": 2, "review_cost": 10.0, "fraud_loss": 20.0,
                  "total": 30.0}  # fmt: skip


def test_the_cheapest_threshold_is_the_lowest_cost_of_every_possible_one() -> None:
    rng = np.random.default_rng(3)
    positive = rng.random(3_000) < 0.05
    score = np.round(np.clip(rng.normal(0.3, 0.15, 3_000) + 0.3 * positive, 0, 1), 3)
    amount = rng.lognormal(3.5, 1.0, 3_000)
    costs = Costs(review_cost=5.0, fraud_loss_share=1.0)
    chosen = costs.cheapest_threshold(score, positive, amount)
    candidates = [*np.unique(score), np.nextafter(score.max(), np.inf)]
    brute = min(costs.at(score, positive, amount, t)["total"] for t in candidates)
    assert costs.at(score, positive, amount, chosen)["total"] == pytest.approx(brute)
    # Reviews dearer than any fraud: alert on nothing.
    assert Costs(1e9, 1.0).cheapest_threshold(score, positive, amount) > score.max()


def test_recall_at_precision_is_the_best_recall_among_precise_enough_thresholds() -> None:
    # Ranked 1,1,0,1,0,0: precision 1, 1, 2/3, 3/4, 3/5, 1/2 at recall 1/3, 2/3, 2/3, 1, 1, 1.
    score, positive = [6, 5, 4, 3, 2, 1], [1, 1, 0, 1, 0, 0]
    assert recall_at_precision(score, positive, 0.74) == 1.0
    assert recall_at_precision(score, positive, 0.8) == pytest.approx(2 / 3)
    assert recall_at_precision([1, 2], [1, 0], 0.9) == 0.0
