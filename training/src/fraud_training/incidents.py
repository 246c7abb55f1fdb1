"""Detection per incident rather than per payment: a card-testing burst caught at its fifth
payment counts once, not as four misses and many hits.

An incident is one fraud scenario on one card, or, for skimmed terminals, on one terminal (its
frauds fall on many cards). It is detected when one of its frauds is alerted; time to detect is
counted in the incident's frauds before that alert and in minutes from its first fraud. Only
incidents that begin inside the assessed block count (those begun earlier were already partly
seen); an incident still running at the block's end is judged on its frauds inside it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

TERMINAL_SCENARIO = "compromised_terminal"


def incident_keys(rows: pd.DataFrame) -> pd.Series:
    """Every row's incident key, ``scenario:terminal`` or ``scenario:card`` (rows must be frauds
    or carry a genuine scenario whose key is never used)."""
    owner = np.where(
        rows["scenario"].to_numpy() == TERMINAL_SCENARIO,
        rows["merchant_id"].to_numpy(),
        rows["card_id"].to_numpy(),
    )
    return rows["scenario"].astype(str) + ":" + pd.Series(owner, index=rows.index).astype(str)


def began_before(table: pd.DataFrame, start: pd.Timestamp) -> set[str]:
    """Keys of the incidents with a fraud before ``start``."""
    earlier = table[(table["event_time"] < start) & table["is_fraud"].to_numpy(bool)]
    return set(incident_keys(earlier))


def _summary(frame: pd.DataFrame) -> dict[str, Any]:
    detected = frame[frame["detected"]]
    return {
        "incidents": len(frame),
        "detected": len(detected),
        "detection_rate": len(detected) / len(frame) if len(frame) else 0.0,
        "frauds_per_incident_mean": float(frame["frauds"].mean()) if len(frame) else 0.0,
        "payments_to_detect_median": _stat(detected["payments_before"], 0.5),
        "payments_to_detect_mean": float(detected["payments_before"].mean())
        if len(detected)
        else None,
        "minutes_to_detect_median": _stat(detected["minutes"], 0.5),
        "minutes_to_detect_p90": _stat(detected["minutes"], 0.9),
    }


def _stat(values: pd.Series, quantile: float) -> float | None:
    return float(values.quantile(quantile)) if len(values) else None


def detection(
    rows: pd.DataFrame, alert: npt.NDArray[np.bool_], earlier: set[str]
) -> dict[str, dict[str, Any]]:
    """Per scenario (and ``all``): incidents, detection rate, frauds before the first alerted one
    (0: the first fraud was alerted) and minutes from the first fraud to it. ``rows`` in event
    time order with event_time, card_id, merchant_id, is_fraud and scenario."""
    fraud = rows["is_fraud"].to_numpy(bool)
    frame = pd.DataFrame(
        {
            "key": incident_keys(rows[fraud]).to_numpy(),
            "scenario": rows["scenario"].to_numpy()[fraud],
            "time": rows["event_time"].to_numpy()[fraud],
            "alert": np.asarray(alert, dtype=np.bool_)[fraud],
        }
    )
    frame = frame[~frame["key"].isin(earlier)]
    frame["position"] = frame.groupby("key", sort=False).cumcount()
    groups = frame.groupby("key", sort=True)
    first_alert = frame[frame["alert"]].groupby("key", sort=True).first()
    per_incident = pd.DataFrame(
        {
            "scenario": groups["scenario"].first(),
            "frauds": groups.size(),
            "start": groups["time"].first(),
            "detected": groups["alert"].any(),
        }
    )
    per_incident["payments_before"] = first_alert["position"].reindex(per_incident.index)
    elapsed = first_alert["time"].reindex(per_incident.index) - per_incident["start"]
    per_incident["minutes"] = elapsed.dt.total_seconds() / 60.0
    report = {
        str(name): _summary(group) for name, group in per_incident.groupby("scenario", sort=True)
    }
    report["all"] = _summary(per_incident)
    return report
