"""The live evaluation end to end: run, join, measure, judge, against the model card."""

from __future__ import annotations

import logging
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from fraud_training.live_eval import log_agreement, measure
from fraud_training.live_eval.plan import LivePlan
from fraud_training.live_eval.run import run_before, run_live
from fraudcore.model_card import ModelCard

log = logging.getLogger(__name__)
ALERT_RATE_FACTOR = 1.5  # live alert rate at review within this factor of the card's test rate
AP_TOLERANCE = 0.05
PRECISION_TOLERANCE = 0.1


def _card_figures(card: ModelCard) -> dict[str, Any]:
    test = card.metrics["test"]["xgboost"]
    keep = ("alert_rate", "precision", "recall", "recall_by_scenario")
    extra = card.model_extra or {}
    return {
        "model_version": card.model_version,
        "test_week": extra.get("protocol", {}).get("test", {}).get("assess"),
        "validation_alert_rate": extra.get("threshold_rules", {}).get("review_alert_rate"),
        "ap": test["ap"],
        "rows": test["rows"],
        "frauds": test["frauds"],
        **{name: {key: test[name][key] for key in keep} for name in ("review", "block")},
    }


def acceptance(
    live: dict[str, Any], card: dict[str, Any], counts: dict[str, int]
) -> dict[str, Any]:
    ratio = live["review"]["alert_rate"] / card["review"]["alert_rate"]
    ap_diff = live["ap"] - card["ap"]
    precision_diff = live["review"]["precision"] - card["review"]["precision"]
    checks = {
        "alert_rate_ratio": {"value": ratio, "band": [1 / ALERT_RATE_FACTOR, ALERT_RATE_FACTOR]},
        "ap_difference": {"value": ap_diff, "band": [-AP_TOLERANCE, AP_TOLERANCE]},
        "precision_difference": {
            "value": precision_diff, "band": [-PRECISION_TOLERANCE, PRECISION_TOLERANCE],
        },
    }  # fmt: skip
    for check in checks.values():
        low, high = check["band"]
        check["ok"] = bool(low <= check["value"] <= high)
    same = counts["produced"] == counts["scored"] == counts["consumer_transactions"]
    checks["produced_equals_scored"] = {"value": same, "ok": same}
    return checks


def evaluate(
    plan: LivePlan, model_dir: Path, cache_dir: Path | None, before_s: float = 0.0
) -> dict[str, Any]:
    card = ModelCard.load(model_dir)
    began, load_before = time.monotonic(), os.getloadavg()[1]
    with tempfile.TemporaryDirectory(prefix="fraud-live-eval-") as tmp:
        run = run_live(plan, model_dir, Path(tmp))
        before = run_before(model_dir, Path(tmp), before_s) if before_s > 0 else None
    log.info("live run done in %.0f s; joining with the ground truth", time.monotonic() - began)
    table, start = measure.truth_table(plan)
    live = measure.joined(table, start, plan, run.records)
    offline = measure.offline_scores(table, live, model_dir, cache_dir)
    thresholds = card.thresholds
    spans = measure.windows(plan.days)
    periods = {
        name: live[(live["day"] >= first) & (live["day"] <= last)]
        for name, (first, last) in spans.items()
    }
    decision_log = log_agreement.section(
        run.logged, live, start=start.date(), windows=spans, review=thresholds.review,
        produced=set(live["transaction_id"]),
    )  # fmt: skip
    decision_log["consumer_labels_expired"] = run.labels_expired
    counts = {
        "produced": int(run.producer["transactions"]),
        "scored": len(run.records),
        "consumer_transactions": run.consumer_totals.transactions,
        "copies_read": run.copies_read,
    }
    card_figures = _card_figures(card)
    quality = {name: measure.quality(part, thresholds) for name, part in periods.items()}
    latency = live["end_to_end_ms"].to_numpy()
    result: dict[str, Any] = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            # A shared machine: the 5-minute load average when the run began and ended.
            "load_average": [round(load_before, 1), round(os.getloadavg()[1], 1)],
        },
        "plan": {
            **plan.__dict__,
            "live_from": str(start),
            "live_to": str(start + plan.days * measure.DAY),
        },
        "seconds": {
            **{k: round(v, 1) for k, v in run.seconds.items()},
            "total": round(time.monotonic() - began, 1),
        },
        "warm_start": run.warm_start,
        "producer": {
            k: run.producer[k]
            for k in ("speed", "labels", "labels_after_end", "labels_dropped", "achieved_tps")
        },
        "counts": counts,
        "card": card_figures,
        "live": quality,
        "offline_agreement": measure.agreement(live, offline, thresholds),
        "end_to_end_ms": {
            "p50": float(np.percentile(latency, 50)),
            "p99": float(np.percentile(latency, 99)),
        },
        "decision_log": decision_log,
        "acceptance": {
            **acceptance(quality["all"], card_figures, counts),
            **log_agreement.acceptance(decision_log),
        },
    }
    if before is not None:
        result["before"] = before
    return result
