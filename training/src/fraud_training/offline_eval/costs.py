"""What a policy costs over a range of thresholds, with three stated prices: a missed fraud
loses its amount, every alert (review or block) takes an analyst ``review`` units, and a
blocked genuine payment costs ``friction`` more (a declined customer's call, a lost sale).

A threshold sweep moves one of the two thresholds over score quantiles and keeps the other as
configured. Costs are summed per card so that a card-bootstrap replicate is one product of the
card counts with the card x threshold cost matrix."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from fraud_training.evaluation import COSTS
from fraud_training.offline_eval.bootstrap import Block, interval

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
# Alert rates the sweep visits (log-spaced, 0.1% to 20% of payments).
ALERT_RATES = np.geomspace(0.001, 0.2, 40)


@dataclass(frozen=True)
class Prices:
    review: float = COSTS.review_cost  # the model card's analyst cost
    friction: float = 25.0
    fraud_loss_share: float = COSTS.fraud_loss_share

    def per_payment(self, block: Block, alert: Bools, blocked: Bools) -> Floats:
        y = block.positive
        return (
            self.review * alert
            + self.friction * (blocked & ~y)
            + self.fraud_loss_share * block.amount * (y & ~alert)
        )


def sweep_thresholds(score: Floats, configured: dict[str, float], moved: str) -> Floats:
    """Score quantiles for ``ALERT_RATES`` and the card's thresholds, ascending: for the review
    threshold the configured one and the card's cost threshold, for the block threshold the
    configured one and one above every score (never block)."""
    quantiles = np.quantile(score, 1.0 - ALERT_RATES)
    extra = (
        [configured["review"], configured["cost"]]
        if moved == "review"
        else [configured["block"], float(np.nextafter(score.max(), np.inf))]
    )
    return np.unique(np.r_[quantiles, extra])


@dataclass(frozen=True)
class Sweep:
    """Per-card costs of one policy at each threshold of a sweep."""

    name: str
    moved: str  # "review" or "block"
    thresholds: Floats
    alert_rates: Floats
    per_card: Floats  # cards x thresholds

    @cached_property
    def by_threshold(self) -> Floats:
        return np.ascontiguousarray(self.per_card.T)  # a faster product, once per replicate

    def totals(self, card_counts: Floats) -> Floats:
        return np.asarray(self.by_threshold @ card_counts, dtype=np.float64)


def sweep(  # noqa: PLR0917
    name: str,
    block: Block,
    score: Floats,
    rules: Bools,
    configured: dict[str, float],
    moved: str,
    prices: Prices,
) -> Sweep:
    """``rules``: payments the rules send to review whatever the score (all False: the model
    alone). The other threshold stays ``configured``; block never below review."""
    thresholds = sweep_thresholds(score, configured, moved)
    columns, rates = [], []
    for value in thresholds:
        review = value if moved == "review" else configured["review"]
        block_at = max(value if moved == "block" else configured["block"], review)
        alert = (score >= review) | rules
        cost = prices.per_payment(block, alert, score >= block_at)
        columns.append(np.bincount(block.cards, weights=cost))
        shown = alert if moved == "review" else score >= block_at
        rates.append(float(shown.mean()))
    return Sweep(name, moved, thresholds, np.array(rates), np.stack(columns, axis=1))


class SweepDraws:
    """Collects every replicate's totals for a set of sweeps (called with the row weights;
    card counts are read off the first row of each card)."""

    def __init__(self, sweeps: list[Sweep], cards: npt.NDArray[np.int64]) -> None:
        self.sweeps = sweeps
        self.first_row = np.unique(cards, return_index=True)[1]
        self.draws: dict[str, list[Floats]] = {key(s): [] for s in sweeps}

    def __call__(self, weight: Floats) -> None:
        counts = weight[self.first_row]
        for s in self.sweeps:
            self.draws[key(s)].append(s.totals(counts))


def _index(s: Sweep, threshold: float) -> int:
    return int(np.flatnonzero(s.thresholds == threshold)[0])


def _point(s: Sweep, at: int, total: Floats, reps: Floats) -> dict[str, Any]:
    return {
        "threshold": float(s.thresholds[at]),
        "alert_rate": float(s.alert_rates[at]),
        "cost": interval(total[at], reps[:, at]),
    }


def key(s: Sweep) -> str:
    return f"{s.name}:{s.moved}"


def report(
    sweeps: list[Sweep],
    draws: SweepDraws,
    configured: dict[str, float],
    prices: Prices,
    payments: int,
) -> dict[str, Any]:
    """Per sweep: the curve, the configured threshold's cost and the cheapest threshold's (both
    with intervals), the saving of moving to it, and where the cheapest threshold falls across
    replicates. The cheapest is found on the test week itself, so its saving is an upper bound."""
    assumptions = {
        "units": "the data's amount units",
        "assumes": "every payment not approved goes to the analysts' queue (blocks too, as the "
        "platform's queue does) and an alerted fraud is stopped",
    }
    out: dict[str, Any] = {"prices": asdict(prices) | assumptions}
    for s in sweeps:
        ones = np.ones(s.per_card.shape[0])
        total = s.totals(ones)
        reps = np.stack(draws.draws[key(s)])
        at = _index(s, configured[s.moved])
        best = int(np.argmin(total))
        best_in_replicate = s.thresholds[np.argmin(reps, axis=1)]
        out[key(s)] = {
            "policy": s.name,
            "moved": s.moved,
            "curve": [
                {
                    "threshold": float(t),
                    "alert_rate": float(r),
                    "cost": float(c),
                    "cost_per_1000_payments": float(1000 * c / payments),
                }
                for t, r, c in zip(s.thresholds, s.alert_rates, total, strict=True)
            ],
            "configured": _point(s, at, total, reps),
            "cheapest": _point(s, best, total, reps),
            "saving": interval(total[at] - total[best], reps[:, at] - reps[:, best]),
        }
        if s.moved == "review":  # chosen on the validation weeks: no hindsight
            card = _index(s, configured["cost"])
            out[key(s)]["card_cost_threshold"] = _point(s, card, total, reps)
            out[key(s)]["card_cost_saving"] = interval(
                total[at] - total[card], reps[:, at] - reps[:, card]
            )
        out[key(s)] |= {
            "cheapest_threshold_across_replicates": interval(
                float(s.thresholds[best]), best_in_replicate
            ),
        }
    return out
