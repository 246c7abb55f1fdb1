"""Champion and candidate on the same labelled window: AP, precision and recall at the review
budget, recall per scenario where the label names one, each with a card-bootstrap 95% interval
(``offline_eval.bootstrap``), and the candidate-minus-champion differences on the same
replicates, so the gate judges a paired difference rather than two overlapping intervals.

The review budget is what the analysts worked in the window: the champion's logged alerts
(review or block) among the labelled payments. Each model is given that many reviews, its
highest scores; the replicates resample cards with those reviews fixed."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraud_simulator.catalog import SCENARIOS
from fraud_training.offline_eval.bootstrap import (
    REPLICATES,
    SEED,
    Alerts,
    Block,
    RankedScore,
    describe,
    figures_with_intervals,
)
from fraudcore.model import ModelBundle

Floats = npt.NDArray[np.float64]
MODELS = ("champion", "candidate")
LATENCY_ROWS = 500  # single-row calls timed per model: enough for a median and a p99
BATCH = 256  # the batched figure: rows per call, as the consumer batches


def block_of(rows: pd.DataFrame) -> Block:
    positive = rows["is_fraud"].to_numpy(bool)
    # A fraud whose label names no simulator scenario (an analyst's verdict) has no scenario.
    named = rows["scenario"].isin(SCENARIOS).to_numpy()
    scenario = np.where(positive & named, rows["scenario"].to_numpy(str), "genuine")
    scenario = np.where(positive & ~named, "unknown", scenario)
    cards = pd.factorize(rows["card_id"])[0].astype(np.int64)
    return Block(positive, rows["amount"].to_numpy(np.float64), scenario, cards)


def top(score: Floats, budget: int) -> npt.NDArray[np.bool_]:
    """The ``budget`` highest scores (ties in row order, as the ranking sorts)."""
    reviewed = np.zeros(len(score), dtype=np.bool_)
    reviewed[np.argsort(-score, kind="stable")[:budget]] = True
    return reviewed


def compare(
    rows: pd.DataFrame,
    scores: dict[str, Floats],
    budget: int,
    replicates: int = REPLICATES,
    seed: int = SEED,
) -> dict[str, Any]:
    """``{champion|candidate|difference: {figure: {value, low, high}}}`` and the protocol."""
    block = block_of(rows)
    ranked = {name: RankedScore.of(scores[name], block.positive) for name in MODELS}
    alerts = {name: Alerts(block, top(scores[name], budget)) for name in MODELS}

    def model(name: str) -> Any:
        def figures(weight: Floats) -> dict[str, float]:
            at = alerts[name].figures(weight)
            out = {"ap": ranked[name].ap(weight), "precision_at_budget": at["precision"],
                   "recall_at_budget": at["recall"]}  # fmt: skip
            for scenario, recall in alerts[name].scenario_recall(weight).items():
                if scenario != "unknown":
                    out[f"recall_at_budget:{scenario}"] = recall
            return out

        return figures

    def difference(weight: Floats) -> dict[str, float]:
        champion, candidate = model("champion")(weight), model("candidate")(weight)
        return {key: candidate[key] - champion[key] for key in champion}

    found = figures_with_intervals(
        block,
        {"champion": model("champion"), "candidate": model("candidate"), "difference": difference},
        replicates,
        seed,
    )
    names, counts = np.unique(block.scenario[block.positive], return_counts=True)
    return {
        "rows": len(rows),
        "frauds": int(block.positive.sum()),
        "frauds_by_scenario": {str(n): int(c) for n, c in zip(names, counts, strict=True)},
        "review_budget": budget,
        "bootstrap": describe(replicates, seed),
        **found,
    }


def latency(model: ModelBundle, features: npt.NDArray[np.float32]) -> dict[str, float]:
    """Milliseconds per row: single-row calls (median, p99) and batched calls (mean per row)."""
    sample = features[:LATENCY_ROWS]
    model.predict(sample[:1])  # the first call allocates
    single = []
    for row in range(len(sample)):
        began = time.perf_counter()
        model.predict(sample[row : row + 1])
        single.append((time.perf_counter() - began) * 1e3)
    began = time.perf_counter()
    for start in range(0, len(features), BATCH):
        model.predict(features[start : start + BATCH])
    batched = (time.perf_counter() - began) * 1e3 / max(len(features), 1)
    return {
        "single_row_median_ms": float(np.median(single)) if single else float("nan"),
        "single_row_p99_ms": float(np.quantile(single, 0.99)) if single else float("nan"),
        "batched_ms_per_row": float(batched),
    }
