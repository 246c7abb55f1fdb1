"""Live decisions against the truth: every scored record joined by transaction id with the
simulator's ground truth for the same world, and with the score the evaluated model gives the
same payment offline (features replayed over the whole dataset, as training does)."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fraud_simulator.dataset import DatasetSpec, generate
from fraud_training.live_eval.plan import LivePlan
from fraud_training.live_eval.reader import Decided
from fraud_training.metrics import at_threshold, average_precision, recall_by_group
from fraud_training.world_features import world_features
from fraudcore.model import ModelBundle
from fraudcore.model_card import Thresholds

log = logging.getLogger(__name__)
DAY = pd.Timedelta(days=1)
SAME_SCORE = 1e-5  # ONNX float32 scores of identical features agree far closer than this


def windows(days: float) -> dict[str, tuple[int, int]]:
    """The reported spans of live traffic: (first, last) day index, both included."""
    last = math.ceil(days) - 1
    spans = {"all": (0, last)}
    for week in range(math.ceil(days / 7)):
        spans[f"week {week + 1}"] = (7 * week, min(7 * week + 6, last))
    return spans


def truth_table(plan: LivePlan) -> tuple[pd.DataFrame, pd.Timestamp]:
    """The world as a dataset up to the live window's end, and the live start (the cut-off)."""
    table = generate(
        DatasetSpec(
            days=plan.history_days + math.ceil(plan.days), seed=plan.seed, customers=plan.customers
        )
    )
    start = table["event_time"].iloc[0].normalize() + plan.history_days * DAY
    return table, start


def joined(
    table: pd.DataFrame, start: pd.Timestamp, plan: LivePlan, records: dict[str, Decided]
) -> pd.DataFrame:
    """The live window's payments with their truth and their live score and decision."""
    end = start + plan.days * DAY
    live = table[(table["event_time"] >= start) & (table["event_time"] < end)]
    live = live[["transaction_id", "event_time", "amount", "is_fraud", "scenario"]].copy()
    found = [records.get(tx_id) for tx_id in live["transaction_id"]]
    missing = sum(record is None for record in found)
    if missing or len(records) != len(live):
        raise ValueError(
            f"{missing} of the world's {len(live)} payments were not scored live; "
            f"{len(records)} scored records in all"
        )
    live["score"] = [r.score for r in found if r is not None]
    live["decision"] = [r.decision for r in found if r is not None]
    live["end_to_end_ms"] = [r.end_to_end_ms for r in found if r is not None]
    live["day"] = ((live["event_time"] - start) // DAY).astype(int)
    return live


def offline_scores(
    table: pd.DataFrame, live: pd.DataFrame, model_dir: Path, cache: Path | None
) -> np.ndarray:
    """What the evaluated model scores the same payments offline (the model card's way)."""
    features = world_features(table, cache)
    rows = features[table.index.get_indexer(live.index)].astype(np.float32)
    return np.asarray(ModelBundle.load(model_dir, 1).predict(rows), dtype=np.float64)


def quality(part: pd.DataFrame, thresholds: Thresholds) -> dict[str, Any]:
    """The card's figures for one span of live traffic, at both thresholds."""
    y, score = part["is_fraud"].to_numpy(), part["score"].to_numpy()
    frauds = part[part["is_fraud"]]
    out: dict[str, Any] = {
        "rows": len(part),
        "frauds": int(y.sum()),
        "ap": average_precision(score, y),
        "decision_alert_rate": float((part["decision"] != "approve").mean()),
    }
    for name in ("review", "block"):
        threshold = getattr(thresholds, name)
        metrics = at_threshold(score, y, threshold, part["amount"].to_numpy()).to_dict()
        by_scenario = recall_by_group(frauds["score"], frauds["scenario"], threshold)
        out[name] = {**metrics, "recall_by_scenario": by_scenario}
    return out


def agreement(live: pd.DataFrame, offline: np.ndarray, thresholds: Thresholds) -> dict[str, Any]:
    difference = np.abs(live["score"].to_numpy() - offline)
    flagged_live = live["score"].to_numpy() >= thresholds.review
    return {
        "rows": len(live),
        "same_score": float((difference <= SAME_SCORE).mean()),
        "max_abs_diff": float(difference.max()),
        "same_review_flag": float((flagged_live == (offline >= thresholds.review)).mean()),
        "offline_ap": average_precision(offline, live["is_fraud"].to_numpy()),
    }
