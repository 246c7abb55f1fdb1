"""The card bootstrap: weighted figures equal the plain ones on the data as it is and on the
data with rows repeated, and its intervals cover the truth about as often as they claim."""

import numpy as np
import pytest

from fraud_training.metrics import average_precision, recall_by_group
from fraud_training.offline_eval.bootstrap import (
    Block,
    RankedScore,
    alert_figures,
    cluster_weights,
    figures_with_intervals,
    interval,
    scenario_recall,
)


def _block(rng: np.random.Generator, cards: int, per_card: int = 5) -> tuple[Block, np.ndarray]:
    """Cards whose payments share one fraud state and one score level (clustered data)."""
    card = np.repeat(np.arange(cards), per_card)
    compromised = rng.random(cards) < 0.2
    positive = compromised[card] & (rng.random(len(card)) < 0.8)
    score = np.round(rng.random(cards)[card] * 0.5 + 0.5 * positive, 2)  # ties included
    scenario = np.where(positive, np.where(card % 2 == 0, "a", "b"), "genuine")
    amount = rng.gamma(2.0, 20.0, len(card))
    return Block(positive, amount, scenario, card.astype(np.int64)), score


def test_weighted_ap_equals_the_plain_ap_as_is_and_with_rows_repeated() -> None:
    block, score = _block(np.random.default_rng(0), 300)
    ranked = RankedScore.of(score, block.positive)
    assert ranked.ap(np.ones(len(score))) == average_precision(score, block.positive)
    weight = next(cluster_weights(block.cards, 1, seed=3))
    repeated = np.repeat(np.arange(len(score)), weight.astype(int))
    # a repeated row is that row drawn twice: the same AP as the weights give
    assert ranked.ap(weight) == pytest.approx(
        average_precision(score[repeated], block.positive[repeated]), abs=1e-12
    )


def test_a_replicate_draws_whole_cards_as_many_as_there_are() -> None:
    cards = np.repeat(np.arange(50), 3).astype(np.int64)
    for weight in cluster_weights(cards, 5, seed=1):
        per_card = weight.reshape(50, 3)
        assert (per_card == per_card[:, :1]).all()  # a card's payments come together
        assert per_card[:, 0].sum() == 50


def test_figures_at_weight_one_are_the_plain_ones() -> None:
    block, score = _block(np.random.default_rng(1), 200)
    alert = score >= 0.6
    ones = np.ones(len(score))
    figures = alert_figures(block, alert, ones)
    tp = (alert & block.positive).sum()
    assert figures["precision"] == tp / alert.sum()
    assert figures["recall"] == tp / block.positive.sum()
    assert scenario_recall(block, alert, ones) == recall_by_group(
        score[block.positive], block.scenario[block.positive], 0.6
    )


def test_interval_is_the_percentile_range_without_nans() -> None:
    values = np.r_[np.arange(101, dtype=float), np.nan]
    assert interval(50.0, values) == pytest.approx({"value": 50.0, "low": 2.5, "high": 97.5})


def test_card_intervals_cover_the_truth_about_95_percent_of_the_time() -> None:
    """Fresh clustered samples of one population; the card bootstrap's recall interval should
    hold the population's recall in most of them (a row bootstrap would be too narrow)."""
    rng = np.random.default_rng(7)
    population, score = _block(rng, 200_000, per_card=4)
    truth = (population.positive & (score >= 0.6)).sum() / population.positive.sum()
    covered = 0
    trials = 60
    for trial in range(trials):
        block, s = _block(np.random.default_rng(100 + trial), 400, per_card=4)
        result = figures_with_intervals(
            block, {"p": lambda w, b=block, a=s >= 0.6: alert_figures(b, a, w)}, 200, seed=trial
        )
        recall = result["p"]["recall"]
        covered += recall["low"] <= truth <= recall["high"]
    assert 0.85 * trials <= covered <= trials
