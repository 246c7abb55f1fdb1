"""Detection per incident with the money at stake, and incident-bootstrap intervals.

Incidents are ``fraud_training.incidents``'s (one scenario on one card, or on one terminal),
those begun inside the test week. Once an incident is detected its card (or terminal) is
stopped, as an issuer blocks a confirmed card: the fraud alerted first and every later one of
the incident are prevented; the frauds before it are lost. An incident is the resampling unit
here: a terminal's incident spans many cards, so card resampling would split it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraud_training.incidents import incident_keys
from fraud_training.offline_eval.bootstrap import REPLICATES, SEED, interval

Bools = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]


def incidents(rows: pd.DataFrame, alerts: Mapping[str, Bools], earlier: set[str]) -> pd.DataFrame:
    """One row per incident begun in ``rows`` (event-time order): scenario, frauds, amount and,
    per policy, ``{policy}_detected``, ``_payments_before``, ``_minutes`` and ``_prevented``
    (amount of its frauds from the first alerted one on) and ``_alerted`` (of those alerted)."""
    fraud = rows["is_fraud"].to_numpy(bool)
    frame = pd.DataFrame(
        {
            "key": incident_keys(rows[fraud]).to_numpy(),
            "scenario": rows["scenario"].to_numpy()[fraud],
            "time": rows["event_time"].to_numpy()[fraud],
            "amount": rows["amount"].to_numpy(float)[fraud],
        }
    )
    keep = ~frame["key"].isin(earlier).to_numpy()
    frame = frame[keep].reset_index(drop=True)
    frame["position"] = frame.groupby("key", sort=False).cumcount()
    groups = frame.groupby("key", sort=True)
    table = pd.DataFrame(
        {
            "scenario": groups["scenario"].first(),
            "frauds": groups.size(),
            "amount": groups["amount"].sum(),
        }
    )
    start = groups["time"].first()
    for name, alert in alerts.items():
        hit = np.asarray(alert, dtype=np.bool_)[fraud][keep]
        first = frame[hit].groupby("key", sort=True).first()
        position = first["position"].reindex(table.index)
        after = frame["position"].to_numpy() >= position.reindex(frame["key"]).to_numpy()
        table[f"{name}_detected"] = position.notna()
        table[f"{name}_payments_before"] = position
        elapsed = first["time"].reindex(table.index) - start
        table[f"{name}_minutes"] = elapsed.dt.total_seconds() / 60
        table[f"{name}_prevented"] = (frame["amount"] * after).groupby(frame["key"]).sum()
        table[f"{name}_alerted"] = (frame["amount"] * hit).groupby(frame["key"]).sum()
    return table


def _rates(group: pd.DataFrame, name: str, weights: Floats) -> dict[str, Floats]:
    """The rates under each row of ``weights`` (replicates x incidents), all at once."""
    detected = group[f"{name}_detected"].to_numpy(bool).astype(np.float64)
    before = np.nan_to_num(group[f"{name}_payments_before"].to_numpy(np.float64))
    money = weights @ group["amount"].to_numpy(np.float64)
    found = weights @ detected
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "detection_rate": found / weights.sum(axis=1),
            "payments_to_detect_mean": (weights @ (detected * before)) / found,
            "amount_prevented_share": (weights @ group[f"{name}_prevented"].to_numpy(float))
            / money,
            "amount_alerted_share": (weights @ group[f"{name}_alerted"].to_numpy(float)) / money,
        }


def _quantile(values: pd.Series, q: float) -> float | None:
    values = values.dropna()
    return float(values.quantile(q)) if len(values) else None


def summary(
    table: pd.DataFrame, name: str, replicates: int = REPLICATES, seed: int = SEED
) -> dict[str, Any]:
    """Per scenario and ``all``: counts, medians as they are, and the rates with intervals from
    resampling the incidents (within the scenario)."""
    rng = np.random.default_rng(seed)
    report: dict[str, Any] = {}
    for scenario, group in [*table.groupby("scenario", sort=True), ("all", table)]:
        n = len(group)
        point = _rates(group, name, np.ones((1, n)))
        draws = _rates(group, name, np.stack(
            [np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(replicates)]
        ).astype(np.float64))  # fmt: skip
        report[str(scenario)] = {
            "incidents": n,
            "detected": int(group[f"{name}_detected"].sum()),
            "frauds_per_incident_mean": float(group["frauds"].mean()),
            "amount": float(group["amount"].sum()),
            "amount_prevented": float(group[f"{name}_prevented"].sum()),
            "payments_to_detect_median": _quantile(group[f"{name}_payments_before"], 0.5),
            "minutes_to_detect_median": _quantile(group[f"{name}_minutes"], 0.5),
            "minutes_to_detect_p90": _quantile(group[f"{name}_minutes"], 0.9),
        } | {key: interval(float(value[0]), draws[key]) for key, value in point.items()}
    return report
