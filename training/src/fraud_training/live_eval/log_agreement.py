"""The decision log's live precision and recall beside the ground truth's, window by window: the
same decisions, at the review threshold in force, counted as ``fraudcore.decision_log.quality``
counts them (an alert scores at or above the logged review threshold; a decision whose label
has not arrived is unknown, never genuine, so the label coverage says what the log rests on)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from fraud_training.live_eval.logged import LoggedRun
from fraud_training.metrics import at_threshold
from fraudcore.decision_log.quality import DayQuality

TOLERANCE = 0.02  # issue 20: the log's precision and recall within this of the ground truth's
CHECK = f"log_agrees_within_{TOLERANCE:g}"
COUNTS = ("decisions", "alerts", "labelled", "labelled_alerts", "frauds", "caught")
COMPARED = ("precision", "recall", "alert_rate")


def combined(days: Sequence[DayQuality], first: dt.date, last: dt.date) -> DayQuality | None:
    """The log's (day, model version) rows from ``first`` to ``last`` as one row of their sums,
    so its figures come from the production properties."""
    chosen = [row for row in days if first <= row.day <= last]
    if not chosen:
        return None
    versions = ",".join(sorted({row.model_version for row in chosen}))
    sums = (sum(getattr(row, name) for row in chosen) for name in COUNTS)
    return DayQuality(first, versions, *sums)


def log_figures(row: DayQuality | None) -> dict[str, Any]:
    if row is None:
        empty = {**dict.fromkeys(COUNTS, 0), **dict.fromkeys(COMPARED)}
        return {**empty, "label_coverage": 0.0, "model_versions": []}
    return {
        **{name: getattr(row, name) for name in COUNTS},
        **{name: getattr(row, name) for name in COMPARED},
        "label_coverage": row.label_coverage,
        "model_versions": row.model_version.split(","),
    }


def truth_figures(part: pd.DataFrame, review: float) -> dict[str, Any]:
    """``make live-eval``'s figures (the simulator's truth for every decision) at ``review``."""
    m = at_threshold(part["score"].to_numpy(), part["is_fraud"].to_numpy(), review)
    alerts, frauds = m.tp + m.fp, m.tp + m.fn
    return {
        "decisions": len(part),
        "alerts": alerts,
        "frauds": frauds,
        "caught": m.tp,
        # Without a denominator a figure is None, as the log's is (at_threshold says 0).
        "precision": m.precision if alerts else None,
        "recall": m.recall if frauds else None,
        "alert_rate": m.alert_rate if len(part) else None,
    }


def _compared(log: DayQuality | None, part: pd.DataFrame, review: float) -> dict[str, Any]:
    mine, truth = log_figures(log), truth_figures(part, review)
    difference = {
        name: None if mine[name] is None or truth[name] is None else mine[name] - truth[name]
        for name in COMPARED
    }
    return {"log": mine, "truth": truth, "difference": difference}


def section(
    logged: LoggedRun,
    live: pd.DataFrame,
    *,
    start: dt.date,
    windows: dict[str, tuple[int, int]],
    review: float,
    produced: set[str],
) -> dict[str, Any]:
    """The report's ``decision_log`` section; ``windows`` are day indices from ``start``, both
    ends included, and ``produced`` the ids of every payment of the live window."""

    def day(index: int) -> dt.date:
        return start + dt.timedelta(days=index)

    compared = {
        name: _compared(
            combined(logged.days, day(first), day(last)),
            live[(live["day"] >= first) & (live["day"] <= last)],
            review,
        )
        for name, (first, last) in windows.items()
    }
    first_all, last_all = windows["all"]
    days = []
    for i in range(first_all, last_all + 1):
        one = _compared(combined(logged.days, day(i), day(i)), live[live["day"] == i], review)
        days.append({"day": day(i).isoformat(), **one})
    return {
        "tolerance": TOLERANCE,
        "review_threshold": review,
        "thresholds_in_force": logged.thresholds,
        "logged": {
            "rows": logged.rows,
            "distinct_ids": len(logged.ids),
            "produced": len(produced),
            "missing": len(produced - logged.ids),
            "unexpected": len(logged.ids - produced),
            "labels": logged.labels,
        },
        "windows": compared,
        "days": days,
    }


def acceptance(log_section: dict[str, Any]) -> dict[str, Any]:
    """The log agrees with the truth within the tolerance in every window, and holds every
    produced payment once, by id."""
    differences = [
        window["difference"][name]
        for window in log_section["windows"].values()
        for name in ("precision", "recall")
    ]
    worst = None if None in differences else max(abs(value) for value in differences)
    logged = log_section["logged"]
    once = (
        logged["rows"] == logged["distinct_ids"] == logged["produced"]
        and logged["missing"] == logged["unexpected"] == 0
    )
    return {
        CHECK: {
            "value": worst,
            "band": [0.0, log_section["tolerance"]],
            "ok": worst is not None and worst <= log_section["tolerance"],
        },
        "logged_equals_produced": {"value": once, "ok": once},
    }
