"""The drift gauges' samples placed on the world's clock: a sample's window is the consumer's
latest ``drift_window`` payments, so the payments scored by then say which live days it covers.
Unshifted: windows wholly before the shift. Shifted: windows wholly after it. The alerts'
condition is a watched PSI above ``PSI_MAJOR``: FraudScoreDrift on the score, FraudFeatureDrift
per non-calendar feature; the live phase's last sample names the alerts that would be firing."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fraud_training.lifecycle.drift_watch import Sample
from fraud_training.lifecycle.plan import LifecyclePlan
from fraudcore.drift import CALENDAR_FEATURES

# The drift alerts' line (fraud_monitoring.alerts.DRIFT_PSI_MAJOR; a test keeps them equal).
PSI_MAJOR = 0.25
SCORE_ALERT, FEATURE_ALERT = "FraudScoreDrift", "FraudFeatureDrift"


def _stats(samples: list[Sample]) -> dict[str, Any]:
    highest = [sample.watched_max for sample in samples]
    values = np.array([value for _, value in highest])
    if not samples or np.isnan(values).all():  # no window full yet: nothing measured
        return {"samples": len(samples)}
    top = int(np.nanargmax(values))
    return {
        "samples": len(samples),
        "watched_max": {"feature": highest[top][0], "psi": float(values[top])},
        "watched_max_lowest": float(np.nanmin(values)),
        "score_psi_max": float(np.nanmax([s.score_psi for s in samples])),
        "score_psi_lowest": float(np.nanmin([s.score_psi for s in samples])),
        "share_above_major": float(np.mean(values > PSI_MAJOR)),
        "score_share_above_major": float(np.mean([s.score_psi > PSI_MAJOR for s in samples])),
    }


def _score_by_day(samples: list[Sample], first: int, day_counts: list[int]) -> list[float | None]:
    """The highest score PSI of the windows ending on each live day (None: no full window)."""
    ends = np.cumsum(day_counts)
    highest: list[float | None] = [None] * len(day_counts)
    for s in samples:
        day = min(int(np.searchsorted(ends, s.scored - first, side="left")), len(ends) - 1)
        if not math.isnan(s.score_psi):
            highest[day] = max(highest[day] or 0.0, s.score_psi)
    return highest


def live(samples: list[Sample], day_counts: list[int], plan: LifecyclePlan,
         phase: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """Unshifted and shifted windows of the live phase, and its last sample."""
    first = phase["scored_before"]
    end = first + phase["produced"]
    shift_at = first + int(np.sum(day_counts[: math.ceil(plan.shift_after_h / 24)]))
    window = plan.drift_window
    full = [s for s in samples if s.window >= window and first + window <= s.scored <= end]
    unshifted = [s for s in full if s.scored <= shift_at]
    shifted = [s for s in full if s.scored - window >= shift_at]
    last = [s for s in samples if s.scored >= end][:1] or full[-1:]
    if not last:
        raise RuntimeError("no drift sample of the live phase with a full window")
    final = last[0]
    above = {name: value for name, value in final.feature_psi.items()
             if name not in CALENDAR_FEATURES and value > PSI_MAJOR}  # fmt: skip
    firing = [{"alertname": SCORE_ALERT}] if final.score_psi > PSI_MAJOR else []
    firing += [{"alertname": FEATURE_ALERT, "feature": name} for name in sorted(above)]
    return {
        "psi_major": PSI_MAJOR,
        "window_payments": window,
        "unshifted": _stats(unshifted),
        "shifted": _stats(shifted),
        "score_psi_by_day": _score_by_day(full, first, day_counts[: plan.live_days]),
        "end": {
            "score_psi": final.score_psi,
            "features_above_major": dict(sorted(above.items(), key=lambda kv: -kv[1])),
            "firing_features": sorted(above),
            "firing": firing,
        },
    }


def after(samples: list[Sample], scored_from: int, plan: LifecyclePlan) -> dict[str, Any]:
    """Windows wholly after the promotion: against the new champion's own reference."""
    return _stats([s for s in samples if s.scored - plan.drift_window >= scored_from])
