"""Costs at a threshold are the three stated prices summed, per card and in total, and the
sweep visits the card's thresholds."""

import numpy as np
import pytest

from fraud_training.offline_eval.bootstrap import Block
from fraud_training.offline_eval.costs import Prices, SweepDraws, report, sweep

POSITIVE = np.array([True, False, False, True, False])
BLOCK = Block(
    positive=POSITIVE,
    amount=np.array([100.0, 10.0, 20.0, 40.0, 30.0]),
    scenario=np.where(POSITIVE, "x", "genuine"),
    cards=np.array([0, 0, 1, 2, 2]),
)
SCORE = np.array([0.9, 0.95, 0.1, 0.3, 0.6])
CONFIGURED = {"review": 0.5, "block": 0.92, "cost": 0.2}
PRICES = Prices(review=5.0, friction=25.0, fraud_loss_share=1.0)


def test_a_payments_cost_is_its_review_its_friction_and_its_missed_fraud() -> None:
    alert = SCORE >= 0.5
    cost = PRICES.per_payment(BLOCK, alert, SCORE >= 0.92)
    # alerted fraud, blocked genuine (review + friction), approved genuine, missed fraud,
    # reviewed genuine
    assert cost.tolist() == [5.0, 30.0, 0.0, 40.0, 5.0]


def test_the_sweep_costs_per_card_and_rules_add_reviews() -> None:
    rules = np.array([False, False, False, True, False])
    s = sweep("policy", BLOCK, SCORE, rules, CONFIGURED, "review", PRICES)
    assert {0.5, 0.2} <= set(s.thresholds)
    at = int(np.flatnonzero(s.thresholds == 0.5)[0])
    assert s.per_card[:, at].tolist() == [35.0, 0.0, 10.0]  # the rule saves card 2's 40
    assert s.totals(np.array([2.0, 0.0, 1.0]))[at] == 80.0


def test_the_report_compares_the_configured_threshold_with_the_cheapest() -> None:
    sweeps = [
        sweep("model", BLOCK, SCORE, np.zeros(5, bool), CONFIGURED, moved, PRICES)
        for moved in ("review", "block")
    ]
    draws = SweepDraws(sweeps, BLOCK.cards)
    for _ in range(3):
        draws(np.ones(5))
    out = report(sweeps, draws, CONFIGURED, PRICES, payments=5)
    review = out["model:review"]
    assert review["configured"]["cost"]["value"] == 5 + 30 + 0 + 40 + 5
    cheapest = min(point["cost"] for point in review["curve"])
    assert review["cheapest"]["cost"]["value"] == cheapest
    assert review["saving"]["value"] == pytest.approx(80 - cheapest)
    assert review["card_cost_threshold"]["threshold"] == 0.2
    block = out["model:block"]
    assert block["cheapest"]["threshold"] > SCORE.max()  # blocking never pays at these prices
    assert "card_cost_threshold" not in block
