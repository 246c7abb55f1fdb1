"""Card-clustered bootstrap of payment-level figures.

A card is the resampling unit: its payments share one spending history (the features are per
card) and an incident's frauds fall on one card, so payments are not independent but cards
nearly are. Resampling days instead would leave seven units for a test week, too few for a
percentile interval. Each replicate draws as many cards as the week has, with replacement, and
weighs every payment by how often its card was drawn."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraud_training.metrics import ap_from_counts

REPLICATES = 1000
SEED = 0
LEVEL = 0.95

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


def interval(point: float, replicates: Floats, level: float = LEVEL) -> dict[str, float]:
    """The point estimate and the percentile interval of its replicates (NaNs left out: a
    replicate without any fraud of a scenario has no recall for it)."""
    values = np.asarray(replicates, dtype=np.float64)
    values = values[~np.isnan(values)]
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail]) if len(values) else (np.nan, np.nan)
    return {"value": float(point), "low": float(low), "high": float(high)}


def cluster_weights(
    clusters: npt.NDArray[np.int64], replicates: int, seed: int
) -> Iterator[Floats]:
    """Per replicate, each row's weight: the number of times its cluster was drawn."""
    rng = np.random.default_rng(seed)
    n = int(clusters.max()) + 1 if len(clusters) else 0
    for _ in range(replicates):
        counts = np.bincount(rng.integers(0, n, n), minlength=n).astype(np.float64)
        yield counts[clusters]


@dataclass(frozen=True)
class RankedScore:
    """A score sorted once, so that a weighted AP is two cumulative sums per replicate."""

    order: npt.NDArray[np.int64]
    ranked: Floats
    positive: Floats

    @classmethod
    def of(cls, score: Floats, positive: Bools) -> RankedScore:
        s = np.asarray(score, dtype=np.float64)
        order = np.argsort(-s, kind="stable")  # as metrics.average_precision ranks
        return cls(order, s[order], positive[order].astype(np.float64))

    def ap(self, weight: Floats) -> float:
        w = weight[self.order]
        drawn = w > 0  # payments of cards not drawn are not in the replicate at all
        w, ranked, y = w[drawn], self.ranked[drawn], self.positive[drawn]
        group_end = np.r_[ranked[1:] != ranked[:-1], True]
        tp = np.cumsum(w * y)[group_end]
        fp = np.cumsum(w * (1.0 - y))[group_end]
        return ap_from_counts(tp, fp)


@dataclass(frozen=True)
class Block:
    """The assessed payments: labels, amounts, scenario codes of the frauds, card clusters."""

    positive: Bools
    amount: Floats
    scenario: npt.NDArray[np.str_]  # per row ("genuine" or a scenario name)
    cards: npt.NDArray[np.int64]

    def subset(self, rows: Bools) -> Block:
        """The payments of ``rows``, their cards numbered again from 0."""
        return Block(
            positive=self.positive[rows],
            amount=self.amount[rows],
            scenario=self.scenario[rows],
            cards=pd.factorize(self.cards[rows])[0].astype(np.int64),
        )

    @cached_property
    def fraud_scenarios(self) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.int64]]:
        """The frauds' scenario names and each fraud's index among them (computed once)."""
        names, codes = np.unique(self.scenario[self.positive], return_inverse=True)
        return names, codes


class Alerts:
    """One policy's alerts, indexed once, so a replicate's figures are sums over the few
    alerted and fraudulent rows rather than the whole week."""

    def __init__(self, block: Block, alert: Bools) -> None:
        y = block.positive
        self.alerted = np.flatnonzero(alert)
        self.caught = np.flatnonzero(alert & y)
        self.flagged_genuine = np.flatnonzero(alert & ~y)
        self.frauds = np.flatnonzero(y)
        self.fraud_alerted = alert[y].astype(np.float64)
        self.amount = block.amount
        self.names, self.codes = block.fraud_scenarios

    def figures(self, weight: Floats) -> dict[str, float]:
        """Precision, recall, amount-weighted recall and alert rate under ``weight``."""
        tp = float(weight[self.caught].sum())
        fp = float(weight[self.flagged_genuine].sum())
        frauds = float(weight[self.frauds].sum())
        money = float((weight[self.frauds] * self.amount[self.frauds]).sum())
        caught_money = float((weight[self.caught] * self.amount[self.caught]).sum())
        nan = float("nan")
        return {
            "precision": tp / (tp + fp) if tp + fp else nan,
            "recall": tp / frauds if frauds else nan,
            "amount_weighted_recall": caught_money / money if money else nan,
            "alert_rate": float(weight[self.alerted].sum() / weight.sum()),
        }

    def scenario_recall(self, weight: Floats) -> dict[str, float]:
        w = weight[self.frauds]
        caught = np.bincount(self.codes, weights=w * self.fraud_alerted, minlength=len(self.names))
        frauds = np.bincount(self.codes, weights=w, minlength=len(self.names))
        with np.errstate(invalid="ignore", divide="ignore"):
            recall = caught / frauds
        return {str(name): float(value) for name, value in zip(self.names, recall, strict=True)}


def alert_figures(block: Block, alert: Bools, weight: Floats) -> dict[str, float]:
    return Alerts(block, alert).figures(weight)


def scenario_recall(block: Block, alert: Bools, weight: Floats) -> dict[str, float]:
    return Alerts(block, alert).scenario_recall(weight)


Figures = Callable[[Floats], dict[str, float]]


def figures_with_intervals(
    block: Block,
    figures: Mapping[str, Figures],
    replicates: int = REPLICATES,
    seed: int = SEED,
    extra: Callable[[Floats], None] | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """Each named function of the row weights, on the block as it is (all weights 1) and over
    card-bootstrap replicates: ``{name: {figure: {value, low, high}}}``. ``extra`` sees every
    replicate's weights too (for figures summarised elsewhere)."""
    ones = np.ones(len(block.positive))
    point = {name: compute(ones) for name, compute in figures.items()}
    draws: dict[str, dict[str, list[float]]] = {
        name: {key: [] for key in values} for name, values in point.items()
    }
    for weight in cluster_weights(block.cards, replicates, seed):
        for name, compute in figures.items():
            values = compute(weight)
            for key in draws[name]:
                draws[name][key].append(values.get(key, float("nan")))
        if extra is not None:
            extra(weight)
    return {
        name: {key: interval(values[key], np.array(draws[name][key])) for key in values}
        for name, values in point.items()
    }


def describe(replicates: int = REPLICATES, seed: int = SEED) -> dict[str, Any]:
    return {
        "unit": "card",
        "replicates": replicates,
        "seed": seed,
        "interval": f"{LEVEL:.0%} percentile",
        "why": "a card's payments share its history and an incident's frauds fall on one card; "
        "cards are close to independent, a week's seven days too few to resample",
    }
